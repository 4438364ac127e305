// symphonic/optim/schedule.hpp - learning-rate schedules, with torch.optim.lr_scheduler's
// semantics. Each keeps its own counter and returns the learning rate; `step(optimizer)` also
// writes it into an optimizer. Call step() once per epoch (or per whatever unit you chose).
//
//   StepLr           lr = base * gamma^floor(epoch / step_size)           (StepLR)
//   ExponentialLr    lr = base * gamma^epoch                              (ExponentialLR)
//   ReduceOnPlateau  lr *= factor after `patience` epochs without improvement of a metric
//                    (ReduceLROnPlateau: threshold rel/abs, cooldown, min_lr, eps)
//
// For an exact resume, save epoch() (StepLr, ExponentialLr) or state_text() (ReduceOnPlateau)
// in the checkpoint metadata and restore it with set_epoch() / load_state_text(). Through the
// Schedule interface (what make_schedule() in optim.hpp builds from a text such as "plateau
// factor=0.5 patience=2"), restore(epoch, state_text) does whichever the schedule needs.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/optim/optimizer.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace optim {

/// Any of the schedules below, stepped once per epoch with that epoch's metric (the ones that do
/// not watch a metric ignore it).
class Schedule {
 public:
  virtual ~Schedule() = default;
  /// Records one epoch (and its metric); returns the learning rate for the next one.
  virtual double step_epoch(double metric) = 0;
  /// What restore() needs beside the epoch count (empty for the epoch-counting schedules).
  virtual std::string state_text() const { return std::string(); }
  /// Puts the schedule where it was after `epoch` epochs; `state_text` is what state_text() gave
  /// then (empty: the schedule's start).
  virtual void restore(std::int64_t epoch, const std::string& state_text) = 0;
  template <class Scalar>
  double step_epoch(Optimizer<Scalar>& optimizer, double metric) {
    const double lr = step_epoch(metric);
    optimizer.set_learning_rate(lr);
    return lr;
  }
};

/// The learning rate never changes ("none").
class ConstantLr : public Schedule {
 public:
  explicit ConstantLr(double lr) : lr_(lr) {}
  double step_epoch(double) override { return lr_; }
  void restore(std::int64_t, const std::string&) override {}
  using Schedule::step_epoch;

 private:
  double lr_;
};

/// Multiplies the base learning rate by gamma every step_size epochs.
class StepLr : public Schedule {
 public:
  StepLr(double base_lr, std::int64_t step_size, double gamma = 0.1)
      : base_lr_(base_lr), step_size_(step_size), gamma_(gamma) {
    if (step_size < 1) SYMPHONIC_THROW(OptionsError("StepLr: step_size must be >= 1"));
    if (!(gamma > 0)) SYMPHONIC_THROW(OptionsError("StepLr: gamma must be > 0"));
  }
  /// The learning rate at `epoch` (0-based), without changing the schedule.
  double learning_rate_at(std::int64_t epoch) const {
    return base_lr_ * std::pow(gamma_, static_cast<double>(epoch / step_size_));
  }
  double learning_rate() const { return learning_rate_at(epoch_); }
  /// Advances one epoch and returns the new learning rate.
  double step() { return learning_rate_at(++epoch_); }
  template <class Scalar>
  double step(Optimizer<Scalar>& optimizer) {
    const double lr = step();
    optimizer.set_learning_rate(lr);
    return lr;
  }
  std::int64_t epoch() const { return epoch_; }
  void set_epoch(std::int64_t epoch) { epoch_ = epoch < 0 ? 0 : epoch; }
  double step_epoch(double) override { return step(); }
  void restore(std::int64_t epoch, const std::string&) override { set_epoch(epoch); }
  using Schedule::step_epoch;

 private:
  double base_lr_;
  std::int64_t step_size_;
  double gamma_;
  std::int64_t epoch_ = 0;
};

/// Multiplies the base learning rate by gamma every epoch: a StepLr of step size 1
/// (gamma^floor(epoch / 1) is gamma^epoch, the same double).
class ExponentialLr : public StepLr {
 public:
  ExponentialLr(double base_lr, double gamma) : StepLr(base_lr, 1, gamma) {}
};

struct ReduceOnPlateauOptions {
  bool maximize = false;       ///< false: the metric is a loss ("min"); true: an accuracy ("max")
  double factor = 0.1;         ///< new lr = lr * factor
  std::int64_t patience = 10;  ///< epochs without improvement tolerated before reducing
  double threshold = 1e-4;     ///< how much better counts as better
  bool relative_threshold = true;  ///< "rel": best * (1 -/+ threshold); false: "abs": best -/+ threshold
  std::int64_t cooldown = 0;   ///< epochs to wait after a reduction before counting again
  double min_lr = 0;
  double eps = 1e-8;           ///< reductions smaller than this are ignored
};

/// Reduces the learning rate when a metric has stopped improving (torch ReduceLROnPlateau).
class ReduceOnPlateau : public Schedule {
 public:
  explicit ReduceOnPlateau(double lr, const ReduceOnPlateauOptions& options = {})
      : options_(options), lr_(lr) {
    if (!(options.factor > 0 && options.factor < 1))
      SYMPHONIC_THROW(OptionsError("ReduceOnPlateau: factor must be in (0, 1)"));
    if (options.patience < 0 || options.cooldown < 0)
      SYMPHONIC_THROW(OptionsError("ReduceOnPlateau: patience and cooldown must be >= 0"));
    best_ = worst();
  }

  /// Records this epoch's metric; returns the (possibly reduced) learning rate.
  double step(double metric) {
    if (is_better(metric, best_)) {
      best_ = metric;
      bad_epochs_ = 0;
    } else {
      ++bad_epochs_;
    }
    if (cooldown_counter_ > 0) {
      --cooldown_counter_;
      bad_epochs_ = 0;
    }
    if (bad_epochs_ > options_.patience) {
      const double reduced = std::max(lr_ * options_.factor, options_.min_lr);
      if (lr_ - reduced > options_.eps) {
        lr_ = reduced;
        ++reductions_;
      }
      cooldown_counter_ = options_.cooldown;
      bad_epochs_ = 0;
    }
    return lr_;
  }
  template <class Scalar>
  double step(Optimizer<Scalar>& optimizer, double metric) {
    const double lr = step(metric);
    optimizer.set_learning_rate(lr);
    return lr;
  }

  double learning_rate() const { return lr_; }
  double best() const { return best_; }
  std::int64_t bad_epochs() const { return bad_epochs_; }
  std::int64_t reductions() const { return reductions_; }

  double step_epoch(double metric) override { return step(metric); }
  using Schedule::step_epoch;
  void restore(std::int64_t, const std::string& state_text) override {
    if (!state_text.empty()) load_state_text(state_text);
  }

  /// "lr=... [best=...] bad_epochs=... cooldown_counter=... reductions=..." (exact doubles).
  std::string state_text() const override {
    // best is omitted while it is still +-inf (no epoch recorded yet).
    return "lr=" + symphonic::detail::format_number(lr_) +
           (std::isinf(best_) ? std::string() : " best=" + symphonic::detail::format_number(best_)) +
           " bad_epochs=" + std::to_string(bad_epochs_) +
           " cooldown_counter=" + std::to_string(cooldown_counter_) +
           " reductions=" + std::to_string(reductions_);
  }
  /// Restores what state_text() wrote (the options come from the constructor).
  void load_state_text(const std::string& text) {
    auto parser = detail::read_options(text, "plateau schedule state");
    const double big = std::numeric_limits<double>::max();
    const std::int64_t count = std::int64_t(1) << 53;
    const double lr = parser.number("lr", lr_, 0, big);
    const std::int64_t bad = parser.integer("bad_epochs", 0, 0, count);
    const std::int64_t cooldown = parser.integer("cooldown_counter", 0, 0, count);
    const std::int64_t reductions = parser.integer("reductions", 0, 0, count);
    const double best = parser.number("best", worst(), -big, big);
    if (!parser.name().empty()) parser.fail("text starts with \"" + parser.name() + "\", not key=value");
    parser.finish();
    lr_ = lr;
    best_ = best;
    bad_epochs_ = bad;
    cooldown_counter_ = cooldown;
    reductions_ = reductions;
  }

 private:
  double worst() const {
    return options_.maximize ? -std::numeric_limits<double>::infinity()
                             : std::numeric_limits<double>::infinity();
  }
  bool is_better(double metric, double best) const {
    if (options_.relative_threshold) {
      return options_.maximize ? metric > best * (1 + options_.threshold)
                               : metric < best * (1 - options_.threshold);
    }
    return options_.maximize ? metric > best + options_.threshold
                             : metric < best - options_.threshold;
  }

  ReduceOnPlateauOptions options_;
  double lr_;
  double best_;
  std::int64_t bad_epochs_ = 0;
  std::int64_t cooldown_counter_ = 0;
  std::int64_t reductions_ = 0;
};

}  // namespace optim
SYMPHONIC_NAMESPACE_END
