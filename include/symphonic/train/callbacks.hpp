// symphonic/train/callbacks.hpp - what the trainer tells the outside world, and how the outside
// world tells it to stop.
//
// The trainer (train/trainer.hpp) owns everything that must survive a resume: best validation
// loss and checkpoint, early-stopping patience, learning-rate schedule. Callbacks only observe:
//   Callback            on_epoch_begin / on_batch_end / on_epoch_end / on_message
//   ProgressCallback    the progress display of train/progress.hpp
//   HistoryCallback     keeps every batch loss and epoch report (tests, summaries)
// Stopping: the trainer polls a `volatile std::sig_atomic_t` after every batch.
// install_interrupt_handler() points SIGINT (Ctrl-C) and SIGTERM at interrupt_flag(); the first
// signal ends the current batch and the trainer writes a resumable checkpoint, a second one kills
// the process the usual way.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <signal.h>

#include "symphonic/config.hpp"
#include "symphonic/train/metrics.hpp"
#include "symphonic/train/progress.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

/// After each batch.
struct BatchReport {
  std::int64_t epoch = 0;        ///< 0-based
  std::int64_t batch = 0;        ///< 1-based index within the epoch of the batch just finished
  std::int64_t batches = 0;      ///< batches in the epoch
  std::int64_t step = 0;         ///< optimizer steps since the start of training (all runs)
  double loss = 0;               ///< this batch's mean loss
  double mean_loss = 0;          ///< mean over the epoch so far
  double tokens_per_s = 0;       ///< input tokens per second over the epoch so far
  double gradient_norm = 0;      ///< before clipping
};

/// After each epoch (or a partial one that a time limit or an interrupt cut short).
struct EpochReport {
  std::int64_t epoch = 0;
  std::int64_t step = 0;
  Metrics train;                 ///< over the batches of this epoch
  Metrics validation;            ///< count 0 when there is no validation set
  double tokens_per_s = 0;
  double seconds = 0;            ///< wall time of the epoch's training part
  double learning_rate = 0;      ///< used during the epoch
  bool improved = false;         ///< a new best validation loss (best checkpoint written)
  bool partial = false;          ///< cut short by a limit or an interrupt
  std::int64_t skipped = 0;      ///< batches skipped for a non-finite loss or gradient (TrainerOptions::skip_non_finite)
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_epoch_begin(std::int64_t /*epoch*/, std::int64_t /*epochs*/, std::int64_t /*batches*/) {}
  virtual void on_batch_end(const BatchReport&) {}
  virtual void on_epoch_end(const EpochReport&) {}
  virtual void on_message(const std::string&) {}
};

/// One-line text for an epoch report, as the CLI prints it.
inline std::string describe(const EpochReport& r) {
  char buffer[256];
  if (r.validation.count > 0)
    std::snprintf(buffer, sizeof buffer,
                  "epoch %lld%s: train loss %.4f acc %.3f | validation loss %.4f acc %.3f ppl %.2f | "
                  "%s tok/s, %.1f s, lr %.3g%s",
                  static_cast<long long>(r.epoch + 1), r.partial ? " (partial)" : "", r.train.loss(),
                  r.train.accuracy(), r.validation.loss(), r.validation.accuracy(),
                  r.validation.perplexity(), format_rate(r.tokens_per_s).c_str(), r.seconds,
                  r.learning_rate, r.improved ? " *best*" : "");
  else
    std::snprintf(buffer, sizeof buffer, "epoch %lld%s: train loss %.4f acc %.3f | %s tok/s, %.1f s, lr %.3g",
                  static_cast<long long>(r.epoch + 1), r.partial ? " (partial)" : "", r.train.loss(),
                  r.train.accuracy(), format_rate(r.tokens_per_s).c_str(), r.seconds, r.learning_rate);
  std::string line = buffer;
  if (r.skipped > 0) line += " | " + std::to_string(r.skipped) + " batches skipped (non-finite loss or gradient)";
  return line;
}

/// Drives a Progress display from the trainer's reports.
class ProgressCallback : public Callback {
 public:
  ProgressCallback(std::ostream& out, bool terminal, double log_interval_s = 10.0)
      : progress_(out, terminal, log_interval_s), start_(std::chrono::steady_clock::now()) {}

  void on_epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches) override {
    progress_.start_epoch(epoch, epochs, batches, now());
  }
  void on_batch_end(const BatchReport& r) override {
    progress_.update(r.batch, r.mean_loss, r.tokens_per_s, now());
  }
  void on_epoch_end(const EpochReport& r) override { progress_.end_epoch(describe(r)); }
  void on_message(const std::string& text) override { progress_.message(text); }

 private:
  double now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  Progress progress_;
  std::chrono::steady_clock::time_point start_;
};

/// Keeps everything it is told.
class HistoryCallback : public Callback {
 public:
  std::vector<BatchReport> batches;
  std::vector<EpochReport> epochs;
  std::vector<std::string> messages;
  void on_batch_end(const BatchReport& r) override { batches.push_back(r); }
  void on_epoch_end(const EpochReport& r) override { epochs.push_back(r); }
  void on_message(const std::string& text) override { messages.push_back(text); }
};

/// The flag the interrupt handler sets (1 after SIGINT or SIGTERM). Reset it to 0 yourself.
inline volatile std::sig_atomic_t& interrupt_flag() {
  static volatile std::sig_atomic_t flag = 0;
  return flag;
}

namespace detail {
extern "C" inline void symphonic_on_interrupt(int) { interrupt_flag() = 1; }
}  // namespace detail

/// Sends SIGINT and SIGTERM to interrupt_flag() once; the handler then resets itself, so a
/// second signal terminates the process as usual.
inline void install_interrupt_handler() {
  interrupt_flag() = 0;
  struct sigaction action {};
  action.sa_handler = &detail::symphonic_on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace train
SYMPHONIC_NAMESPACE_END
