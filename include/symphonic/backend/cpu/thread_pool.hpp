// symphonic/backend/cpu/thread_pool.hpp - the threads the CPU kernels split their work on.
//
//   backend::cpu::ThreadPool pool(2);                 // the caller plus one worker thread
//   pool.run(parts, [&](Index part) { ... });         // returns when every part is done
//
// Threads live below the kernels (DESIGN.md, "Compute core"): a kernel cuts its output into
// `parts` disjoint pieces (columns of a batch, rows of a weight gradient, units of a layer) and
// each piece is computed by exactly one thread, so no two threads write the same element and the
// result depends on the number of parts, never on which thread ran which part or when.
//
// Waiting: a worker that finds no work spins for a few microseconds (a region of the generation
// step follows the previous one within that time) and then sleeps on a condition variable, so a
// pool never burns a core that another process needs. Parts go to whichever thread claims them
// first, the caller included, and run() waits only for parts already claimed: a worker the OS has
// not scheduled yet (its core busy with another process) claims nothing of a run it comes late to,
// so the caller does that run's parts itself instead of waiting a time slice for it. A run()
// called while the pool is busy (from a part, or from a second thread using the same model) runs
// its parts inline on the calling thread instead of waiting.
#pragma once

#if defined(__linux__)
#include <sched.h>
#endif

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

using Index = Eigen::Index;

/// [begin, end) of part `part` when `n` items are cut into `parts` nearly equal pieces; piece
/// boundaries are multiples of `align` (a SIMD width or a cache line) except the last.
struct Range {
  Index begin = 0, end = 0;
  Index size() const { return end - begin; }
};
inline Range split(Index n, Index parts, Index part, Index align = 1) {
  const Index units = (n + align - 1) / align;
  const Index per = units / parts, extra = units % parts;
  const Index first = part * per + std::min(part, extra);
  const Index count = per + (part < extra ? 1 : 0);
  return Range{std::min(n, first * align), std::min(n, (first + count) * align)};
}

class ThreadPool {
 public:
  /// `threads` counts the calling thread: 1 means no worker threads at all.
  explicit ThreadPool(int threads = default_threads()) : size_(std::max(1, threads)) {
    for (int i = 1; i < size_; ++i) workers_.emplace_back([this] { work(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// The CPUs this process may run on: its affinity mask where the system has one (taskset,
  /// a cgroup's cpuset, or mpirun binding each rank to a core restrict it), else every core.
  static int default_threads() {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
  }

  int size() const { return size_; }

  /// Calls fn(part) once for every part in [0, parts) and returns when all have finished. The
  /// first exception a part throws is rethrown here, after every part has stopped.
  template <class Fn>
  void run(Index parts, Fn&& fn) {
    if (parts <= 0) return;
    std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
    if (parts == 1 || size_ == 1 || !busy.owns_lock() || inside_part()) {
      for (Index p = 0; p < parts; ++p) fn(p);
      return;
    }
    SYMPHONIC_ASSERT(static_cast<std::uint64_t>(parts) <= kPartMask);
    std::function<void(Index)> task = [&fn](Index p) { fn(p); };
    std::uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      parts_ = parts;
      error_ = nullptr;
      generation = ++generation_;
      finished_.store(0, std::memory_order_relaxed);
      claims_.store(tag(generation), std::memory_order_relaxed);
      announced_.store(generation_, std::memory_order_release);
    }
    wake_.notify_all();
    claim(task, generation, parts);
    // Every part claimed has finished before run() returns (the task lives on this stack); a
    // worker that has not claimed one by now never will: claims carry the run's generation.
    for (int spin = 0; finished_.load(std::memory_order_acquire) < parts && spin < kSpins; ++spin) pause();
    if (finished_.load(std::memory_order_acquire) < parts) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return finished_.load(std::memory_order_acquire) >= parts; });
    }
    std::exception_ptr error;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = nullptr;
      error = error_;
    }
    if (error) std::rethrow_exception(error);
  }

 private:
  static constexpr int kSpins = 20000;  // about 10-50 microseconds of pause instructions

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }
  static bool& inside_part() {
    static thread_local bool inside = false;
    return inside;
  }

  // claims_ holds the run's generation (high 32 bits) and its next unclaimed part (low 32 bits),
  // so a claim is one compare-and-swap that fails for a run other than the claimer's. (A worker
  // would have to sleep through 2^32 runs for its stale generation to match again.)
  static constexpr std::uint64_t kPartMask = 0xffffffffu;
  static std::uint64_t tag(std::uint64_t generation) { return (generation & kPartMask) << 32; }

  // Takes parts of run `generation` until none is left.
  void claim(const std::function<void(Index)>& task, std::uint64_t generation, Index parts) {
    inside_part() = true;
    for (;;) {
      std::uint64_t c = claims_.load(std::memory_order_acquire);
      bool claimed = false;
      while ((c & ~kPartMask) == tag(generation) && static_cast<Index>(c & kPartMask) < parts)
        if ((claimed = claims_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel, std::memory_order_acquire)))
          break;
      if (!claimed) break;
      try {
        task(static_cast<Index>(c & kPartMask));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == parts) {
        std::lock_guard<std::mutex> lock(mutex_);  // pairs with the caller's wait
        done_.notify_all();
      }
    }
    inside_part() = false;
  }

  void work() {
    std::uint64_t seen = 0;
    for (;;) {
      // Spin briefly for the next run, then sleep until one is announced.
      for (int spin = 0; announced_.load(std::memory_order_acquire) == seen && spin < kSpins; ++spin) pause();
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      const std::function<void(Index)>* task = task_;
      const Index parts = parts_;
      lock.unlock();
      if (task) claim(*task, seen, parts);  // nothing, if the caller has already taken every part
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one run() at a time; others run inline
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::function<void(Index)>* task_ = nullptr;
  Index parts_ = 0;
  std::atomic<std::uint64_t> claims_{0};  // tag(generation) + the next part to claim
  std::atomic<Index> finished_{0};        // parts of the current run done
  std::uint64_t generation_ = 0;
  std::atomic<std::uint64_t> announced_{0};
  std::exception_ptr error_;
  bool stop_ = false;
};

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
