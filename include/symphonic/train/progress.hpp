// symphonic/train/progress.hpp - how training shows that it is alive.
//
// On a terminal: one line redrawn in place,
//   epoch 3/20 [#########.........]  45% 120/266 loss 2.314 | 18.2k tok/s | 0:41 left
// When the output is a file or a pipe (CI logs, nohup): a plain line every `log_interval_s`
// seconds and at the end of each epoch, never a carriage return. The caller passes the time in
// seconds, so the display is deterministic under test; Progress never reads a clock itself.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

/// True when `stream` is an interactive terminal.
inline bool is_terminal(std::FILE* stream) {
#if defined(__unix__) || defined(__APPLE__)
  return ::isatty(::fileno(stream)) != 0;
#else
  (void)stream;
  return false;
#endif
}

/// "0:07", "12:34", "1:02:03"; "?" for negative or non-finite values.
inline std::string format_duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  const long total = std::lround(seconds);
  const long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buffer[32];
  if (h > 0)
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", h, m, s);
  else
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld", m, s);
  return buffer;
}

/// "950", "18.2k", "1.35M".
inline std::string format_rate(double value) {
  char buffer[32];
  if (value >= 1e6)
    std::snprintf(buffer, sizeof buffer, "%.2fM", value / 1e6);
  else if (value >= 1e4)
    std::snprintf(buffer, sizeof buffer, "%.1fk", value / 1e3);
  else
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
  return buffer;
}

class Progress {
 public:
  /// `terminal`: redraw one line in place (use is_terminal(stdout)); otherwise plain log lines,
  /// at most one per `log_interval_s` seconds.
  Progress(std::ostream& out, bool terminal, double log_interval_s = 10.0, int bar_width = 24)
      : out_(out), terminal_(terminal), interval_(log_interval_s), width_(bar_width) {}

  bool terminal() const { return terminal_; }

  /// A new epoch of `batches` batches begins at time `now_s`.
  void start_epoch(std::int64_t epoch, std::int64_t epochs, std::int64_t batches, double now_s) {
    epoch_ = epoch;
    epochs_ = epochs;
    batches_ = batches;
    epoch_start_ = now_s;
    last_log_ = now_s;
    drawn_ = false;
  }

  /// `done` batches of this epoch are finished at `now_s`; `loss` is the running mean training
  /// loss and `tokens_per_s` the throughput so far.
  void update(std::int64_t done, double loss, double tokens_per_s, double now_s) {
    if (terminal_) {
      out_ << '\r' << line(done, loss, tokens_per_s, now_s) << "\x1b[K" << std::flush;
      drawn_ = true;
    } else if (now_s - last_log_ >= interval_) {
      out_ << line(done, loss, tokens_per_s, now_s) << '\n' << std::flush;
      last_log_ = now_s;
    }
  }

  /// Ends the epoch's line and prints `summary` (validation figures, checkpoint notes).
  void end_epoch(const std::string& summary) {
    if (terminal_ && drawn_) out_ << '\n';
    out_ << summary << '\n' << std::flush;
    drawn_ = false;
  }

  /// Prints a message on a line of its own without breaking the bar.
  void message(const std::string& text) {
    if (terminal_ && drawn_) out_ << '\r' << "\x1b[K";
    out_ << text << '\n' << std::flush;
    drawn_ = false;
  }

  /// The status line, without any terminal control characters.
  std::string line(std::int64_t done, double loss, double tokens_per_s, double now_s) const {
    const double fraction =
        batches_ > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(batches_)) : 0.0;
    const double elapsed = now_s - epoch_start_;
    const double left = done > 0 ? elapsed / static_cast<double>(done) *
                                       static_cast<double>(std::max<std::int64_t>(batches_ - done, 0))
                                 : -1.0;
    std::string text = "epoch " + std::to_string(epoch_ + 1) + "/" + std::to_string(epochs_) + " ";
    if (terminal_) {
      const int filled = static_cast<int>(fraction * width_);
      text += "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(width_ - filled), '.') + "] ";
    }
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, "%3.0f%% %lld/%lld loss %.4f | %s tok/s | %s left",
                  fraction * 100.0, static_cast<long long>(done), static_cast<long long>(batches_),
                  loss, format_rate(tokens_per_s).c_str(), format_duration(left).c_str());
    return text + buffer;
  }

 private:
  std::ostream& out_;
  bool terminal_;
  double interval_;
  int width_;
  std::int64_t epoch_ = 0, epochs_ = 0, batches_ = 0;
  double epoch_start_ = 0, last_log_ = 0;
  bool drawn_ = false;
};

}  // namespace train
SYMPHONIC_NAMESPACE_END
