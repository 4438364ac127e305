// symphonic/distributed/communicator.hpp - what data-parallel training needs from a group of
// processes, without naming the engine that connects them.
//
//   distributed::MpiCommunicator world;      // distributed/mpi.hpp (SYMPHONIC_MPI)
//   options.communicator = &world;           // train::TrainerOptions
//
// Data parallelism as the trainer does it (train/trainer.hpp): every replica (rank) builds the
// same batches in the same order from the same seed; replica r of R computes the rows
// rows_of_replica(B, r, R) of each batch of B, with the gradient of its share of the batch's mean
// loss (its rows' columns / the batch's columns); summing those gradients over the replicas gives
// the gradient a single process computes for the whole batch, up to the order of the additions.
// Dropout masks are drawn by global row (backend/cpu/dropout.hpp), so they are the single
// process's too. Only the sums below cross between replicas; this header needs no library.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <thread>

#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace distributed {

/// A collective that failed: another rank died or stopped answering, or the engine reported an
/// error. what() names this rank and the operation.
class DistributedError : public Error {
 public:
  explicit DistributedError(const std::string& message) : Error("distributed.distributed_error", message) {}
};

/// A group of replicas that sum buffers together. Every replica must make the same calls, in
/// the same order, with the same sizes (a collective); the results are the same on all of them.
class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;  ///< 0 .. size() - 1; rank 0 writes checkpoints and reports
  virtual int size() const = 0;

  /// values[i] = the sum over every replica of its values[i], in place.
  virtual void sum(float* values, std::size_t n) = 0;
  virtual void sum(double* values, std::size_t n) = 0;

  /// `text` becomes rank `root`'s text on every replica.
  virtual void broadcast(std::string& text, int root = 0) = 0;
};

/// The rows [begin, end) of a batch of `rows` that replica `rank` of `size` computes: contiguous
/// and as even as can be (the first rows % size replicas have one more). A replica may get none
/// when rows < size.
struct RowRange {
  std::ptrdiff_t begin = 0, end = 0;
  std::ptrdiff_t size() const { return end - begin; }
};

inline RowRange rows_of_replica(std::ptrdiff_t rows, int rank, int size) {
  const std::ptrdiff_t base = rows / size, extra = rows % size, r = rank;
  RowRange range;
  range.begin = r * base + (r < extra ? r : extra);
  range.end = range.begin + base + (r < extra ? 1 : 0);
  return range;
}

/// Compute threads for one of `local_replicas` processes on this machine. A launcher that binds
/// each to its own cores (Open MPI binds a rank to one core by default) leaves it fewer CPUs than
/// the machine has: those, then; unbound, the machine's cores shared among the local replicas.
inline int threads_per_replica(int local_replicas) {
  const int allowed = backend::cpu::ThreadPool::default_threads();
  const int machine = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (allowed < machine) return allowed;
  return std::max(1, machine / std::max(1, local_replicas));
}

}  // namespace distributed
SYMPHONIC_NAMESPACE_END
