// symphonic/optim/optim.hpp - the optim module: optimizers, clipping, schedules, and
// make_optimizer(), which builds any optimizer from its options text.
//
//   "sgd lr=0.01 momentum=0.9 nesterov=1 dampening=0 weight_decay=0"
//   "rmsprop lr=0.001 rho=0.9 eps=1e-07 momentum=0 centered=0 weight_decay=0"
//   "adam lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 weight_decay=0 decoupled=0"
//   "adamw lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 weight_decay=0.01"
//
// Omitted keys take the defaults of the *Options structs (adamw: weight_decay 0.01, as torch);
// unknown kinds or keys, malformed or out-of-range numbers throw optim::OptionsError.
// make_optimizer(o.options_text(), n) builds an optimizer equal to o (exact doubles).
//
// make_schedule(), the learning-rate schedule of a text, starting from a base learning rate:
//   "none"                                         (also the empty text)
//   "step size=10 gamma=0.5"                       StepLr
//   "exponential gamma=0.95"                       ExponentialLr
//   "plateau factor=0.5 patience=2 min_lr=0"       ReduceOnPlateau on a loss
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "symphonic/optim/adam.hpp"
#include "symphonic/optim/clip.hpp"
#include "symphonic/optim/optimizer.hpp"
#include "symphonic/optim/rmsprop.hpp"
#include "symphonic/optim/schedule.hpp"
#include "symphonic/optim/sgd.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace optim {

template <class Scalar>
std::unique_ptr<Optimizer<Scalar>> make_optimizer(const std::string& options_text,
                                                  nn::Index parameter_count) {
  auto parser = detail::read_options(options_text, "optimizer");
  const double big = std::numeric_limits<double>::max();
  const std::string& kind = parser.name();
  parser.set_what(kind + " optimizer");
  std::unique_ptr<Optimizer<Scalar>> optimizer;
  if (kind == "sgd") {
    SgdOptions o;
    o.learning_rate = parser.number("lr", o.learning_rate, 0, big);
    o.momentum = parser.number("momentum", o.momentum, 0, big);
    o.dampening = parser.number("dampening", o.dampening, 0, 1);
    o.nesterov = parser.flag("nesterov", o.nesterov);
    o.weight_decay = parser.number("weight_decay", o.weight_decay, 0, big);
    parser.finish();
    optimizer = std::make_unique<Sgd<Scalar>>(parameter_count, o);
  } else if (kind == "rmsprop") {
    RmsPropOptions o;
    o.learning_rate = parser.number("lr", o.learning_rate, 0, big);
    o.rho = parser.number("rho", o.rho, 0, std::nextafter(1.0, 0.0));
    o.epsilon = parser.number("eps", o.epsilon, std::numeric_limits<double>::denorm_min(), big);
    o.momentum = parser.number("momentum", o.momentum, 0, big);
    o.centered = parser.flag("centered", o.centered);
    o.weight_decay = parser.number("weight_decay", o.weight_decay, 0, big);
    parser.finish();
    optimizer = std::make_unique<RmsProp<Scalar>>(parameter_count, o);
  } else if (kind == "adam" || kind == "adamw") {
    AdamOptions o;
    o.decoupled = parser.flag("decoupled", kind == "adamw");
    if (kind == "adamw") o.weight_decay = 0.01;
    o.learning_rate = parser.number("lr", o.learning_rate, 0, big);
    o.beta1 = parser.number("beta1", o.beta1, 0, std::nextafter(1.0, 0.0));
    o.beta2 = parser.number("beta2", o.beta2, 0, std::nextafter(1.0, 0.0));
    o.epsilon = parser.number("eps", o.epsilon, std::numeric_limits<double>::denorm_min(), big);
    o.weight_decay = parser.number("weight_decay", o.weight_decay, 0, big);
    parser.finish();
    optimizer = std::make_unique<Adam<Scalar>>(parameter_count, o);
  } else {
    SYMPHONIC_THROW(OptionsError("unknown optimizer \"" + kind +
                                 "\" (expected sgd, rmsprop, adam or adamw)"));
  }
  return optimizer;
}

/// The schedule `text` names (see the top of this file), starting at `base_lr`.
inline std::unique_ptr<Schedule> make_schedule(const std::string& text, double base_lr) {
  auto parser = detail::read_options(text, "schedule");
  const std::string& kind = parser.name();
  parser.set_what(kind + " schedule");
  std::unique_ptr<Schedule> schedule;
  const double big = std::numeric_limits<double>::max();
  if (kind.empty() || kind == "none") {
    schedule = std::make_unique<ConstantLr>(base_lr);
  } else if (kind == "step") {
    const std::int64_t size = parser.integer("size", 10, 1, std::numeric_limits<std::int64_t>::max());
    schedule = std::make_unique<StepLr>(base_lr, size, parser.number("gamma", 0.5, 0, big));
  } else if (kind == "exponential") {
    schedule = std::make_unique<ExponentialLr>(base_lr, parser.number("gamma", 0.95, 0, big));
  } else if (kind == "plateau") {
    ReduceOnPlateauOptions o;
    o.factor = parser.number("factor", 0.5, 0, 1);
    o.patience = parser.integer("patience", 2, 0, std::numeric_limits<std::int64_t>::max());
    o.min_lr = parser.number("min_lr", 0, 0, big);
    schedule = std::make_unique<ReduceOnPlateau>(base_lr, o);
  } else {
    SYMPHONIC_THROW(OptionsError("unknown schedule \"" + kind + "\" (expected none, step, exponential or plateau)"));
  }
  parser.finish();
  return schedule;
}

}  // namespace optim
SYMPHONIC_NAMESPACE_END
