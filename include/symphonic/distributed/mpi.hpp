// symphonic/distributed/mpi.hpp - the Communicator of data-parallel training on MPI (Open MPI,
// MPICH or any MPI-3 library), for processes on one machine or many.
//
//   distributed::MpiSession session(&argc, &argv);   // MPI_Init_thread, or the program's own
//   distributed::MpiCommunicator world;              // a duplicate of MPI_COMM_WORLD
//   options.communicator = &world;                   // train::TrainerOptions; run under mpirun
//
// Only the thread that made the session calls MPI (MPI_THREAD_FUNNELED): the compute threads of
// a rank never do. Sums are MPI_Iallreduce of at most 2^27 elements each, all started before any
// is waited on. A wait polls with a deadline (timeout_seconds): a rank that died or hangs makes
// the others throw DistributedError naming the operation within that time, instead of blocking
// forever, whatever the launcher does about the dead process (Open MPI's mpirun also stops the
// job when one process exits abnormally). After that error the program should call
// MpiSession::abort, because MPI_Finalize would wait for the missing rank.
#pragma once

#ifndef SYMPHONIC_MPI
#error "symphonic/distributed/mpi.hpp needs MPI: build with SYMPHONIC_MPI (CMake -DSYMPHONIC_MPI=ON and link symphonic::mpi, or meson -Dmpi=enabled), or use distributed/communicator.hpp alone"
#else

// Only MPI's C interface is used: keep the deprecated C++ bindings (and their warnings) out.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/distributed/communicator.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace distributed {

/// MPI_Init_thread on construction and MPI_Finalize on destruction, unless MPI was already
/// initialised by the program (then both are left to it).
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) return;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      SYMPHONIC_THROW(DistributedError("MPI_Init_thread failed"));
    owner_ = true;
  }
  ~MpiSession() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owner_ && !finalized) MPI_Finalize();
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  /// Ends every process of the job with `code` (MPI_Abort): the way out after a DistributedError
  /// or any failure of one rank, which the others would otherwise wait for.
  [[noreturn]] static void abort(int code) {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this keeps the promise if it did
  }

 private:
  bool owner_ = false;
};

class MpiCommunicator : public Communicator {
 public:
  /// Works on a duplicate of `comm`, so its messages never meet the program's own. A wait longer
  /// than `timeout_seconds` (> 0) throws DistributedError.
  explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD, double timeout_seconds = 600) : timeout_(timeout_seconds) {
    if (!(timeout_seconds > 0)) SYMPHONIC_THROW(DistributedError("the collective timeout must be positive"));
    check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);  // codes become DistributedError
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    MPI_Comm local;
    check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
    MPI_Comm_size(local, &local_size_);
    MPI_Comm_free(&local);
  }
  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&comm_);
  }
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  /// Ranks of this group on this machine (they share its cores).
  int local_size() const { return local_size_; }
  double timeout_seconds() const { return timeout_; }

  void sum(float* values, std::size_t n) override { sum_in_place(values, n, MPI_FLOAT); }
  void sum(double* values, std::size_t n) override { sum_in_place(values, n, MPI_DOUBLE); }

  void broadcast(std::string& text, int root = 0) override {
    std::uint64_t length = text.size();
    MPI_Request request;
    check(MPI_Ibcast(&length, 1, MPI_UINT64_T, root, comm_, &request), "MPI_Ibcast");
    wait(&request, 1, "a broadcast");
    text.resize(static_cast<std::size_t>(length));
    std::vector<MPI_Request> requests;
    for (std::size_t at = 0; at < text.size(); at += chunk) {
      requests.emplace_back();
      check(MPI_Ibcast(&text[at], static_cast<int>(std::min(chunk, text.size() - at)), MPI_CHAR, root, comm_,
                       &requests.back()),
            "MPI_Ibcast");
    }
    wait(requests.data(), requests.size(), "a broadcast");
  }

  /// Largest element count of one MPI call (MPI counts are int).
  static constexpr std::size_t chunk = std::size_t(1) << 27;

 private:
  void sum_in_place(void* values, std::size_t n, MPI_Datatype type) {
    int bytes = 0;
    MPI_Type_size(type, &bytes);
    std::vector<MPI_Request> requests;
    for (std::size_t at = 0; at < n; at += chunk) {
      requests.emplace_back();
      check(MPI_Iallreduce(MPI_IN_PLACE, static_cast<char*>(values) + at * static_cast<std::size_t>(bytes),
                           static_cast<int>(std::min(chunk, n - at)), type, MPI_SUM, comm_, &requests.back()),
            "MPI_Iallreduce");
    }
    wait(requests.data(), requests.size(), "a sum over the ranks");
  }

  // Polls until every request is done: spinning at first (a sum of a step's gradients is often
  // done in microseconds), then sleeping 50 us between polls; past the deadline, throws.
  void wait(MPI_Request* requests, std::size_t n, const char* what) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    for (long polls = 0;; ++polls) {
      int done = 0;
      check(MPI_Testall(static_cast<int>(n), requests, &done, MPI_STATUSES_IGNORE), what);
      if (done) return;
      if (polls > 2000) {
        if (std::chrono::duration<double>(clock::now() - start).count() > timeout_)
          SYMPHONIC_THROW(DistributedError(
              "rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": the other ranks did not take part in " +
              what + " within " + std::to_string(static_cast<long long>(timeout_)) +
              " s: one of them has died, hangs, or is that far behind (the timeout of MpiCommunicator; symphonic-train --distributed-timeout)"));
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
  }

  void check(int code, const char* what) const {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    SYMPHONIC_THROW(DistributedError("rank " + std::to_string(rank_) + ": " + what + " failed: " + std::string(text, length)));
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, local_size_ = 1;
  double timeout_;
};

}  // namespace distributed
SYMPHONIC_NAMESPACE_END

#endif  // SYMPHONIC_MPI
