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
// pool never burns a core that another process needs; the caller always runs part 0 itself, and
// a run() called while the pool is busy (from a part, or from a second thread using the same
// model) runs its parts inline on the calling thread instead of waiting.
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
    std::function<void(Index)> task = [&fn](Index p) { fn(p); };
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      parts_ = parts;
      next_.store(0, std::memory_order_relaxed);
      active_.store(size_ - 1, std::memory_order_relaxed);
      error_ = nullptr;
      ++generation_;
      announced_.store(generation_, std::memory_order_release);
    }
    wake_.notify_all();
    claim(task, parts);
    // Every worker leaves its claim loop before run() returns, so none can take a part of the
    // next run with this run's task.
    for (int spin = 0; active_.load(std::memory_order_acquire) > 0 && spin < kSpins; ++spin) pause();
    if (active_.load(std::memory_order_acquire) > 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return active_.load(std::memory_order_acquire) == 0; });
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

  // Takes parts until none is left.
  void claim(const std::function<void(Index)>& task, Index parts) {
    inside_part() = true;
    for (Index p; (p = next_.fetch_add(1, std::memory_order_acq_rel)) < parts;) {
      try {
        task(p);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
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
      if (task) claim(*task, parts);
      if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> done_lock(mutex_);  // pairs with the caller's wait
        done_.notify_all();
      }
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one run() at a time; others run inline
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::function<void(Index)>* task_ = nullptr;
  Index parts_ = 0;
  std::atomic<Index> next_{0};
  std::atomic<int> active_{0};  // workers still inside the current run
  std::uint64_t generation_ = 0;
  std::atomic<std::uint64_t> announced_{0};
  std::exception_ptr error_;
  bool stop_ = false;
};

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
