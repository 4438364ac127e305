// symphonic/optim/adam.hpp - Adam with bias correction, and AdamW (decoupled weight decay), the
// same update as torch.optim.Adam / torch.optim.AdamW:
//
//   t   = step_count() + 1
//   p   = p * (1 - lr * weight_decay)      (decoupled, AdamW)    or   g = g + weight_decay * p (L2)
//   m   = beta1 * m + (1 - beta1) * g
//   v   = beta2 * v + (1 - beta2) * g^2
//   p   = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// Keras's Adam differs only in where epsilon sits (it adds eps to sqrt(v) before the bias
// correction of the step size, "epsilon hat") and in its default eps 1e-7; we follow torch.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "symphonic/backend/cpu/optim.hpp"
#include "symphonic/optim/optimizer.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace optim {

struct AdamOptions {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0;
  bool decoupled = false;  ///< true: AdamW (decay the weights, not the gradient)
};

template <class Scalar>
class Adam : public Optimizer<Scalar> {
  using Base = Optimizer<Scalar>;

 public:
  using typename Base::Grads;
  using typename Base::Params;

  Adam(nn::Index parameter_count, const AdamOptions& options = {})
      : Base(parameter_count, options.learning_rate), options_(options) {
    if (!(options.beta1 >= 0 && options.beta1 < 1) || !(options.beta2 >= 0 && options.beta2 < 1))
      SYMPHONIC_THROW(OptionsError("adam: beta1 and beta2 must be in [0, 1)"));
    if (!(options.epsilon > 0)) SYMPHONIC_THROW(OptionsError("adam: eps must be > 0"));
    if (!(options.weight_decay >= 0)) SYMPHONIC_THROW(OptionsError("adam: weight_decay must be >= 0"));
    exp_avg_.setZero(parameter_count);
    exp_avg_sq_.setZero(parameter_count);
  }

  /// The scalars of the next update (step_count() + 1), for this class's step() and for a
  /// device backend that runs the same update on its own copy of the state.
  backend::cpu::AdamStep<Scalar> next_step() const {
    const double t = static_cast<double>(this->step_count_ + 1);
    // Bias corrections in double, as torch computes them in Python floats.
    const double correction1 = 1 - std::pow(options_.beta1, t);
    const double correction2_sqrt = std::sqrt(1 - std::pow(options_.beta2, t));
    return {static_cast<Scalar>(this->learning_rate_ / correction1), static_cast<Scalar>(correction2_sqrt),
            static_cast<Scalar>(options_.epsilon), static_cast<Scalar>(options_.beta1),
            static_cast<Scalar>(1 - options_.beta1), static_cast<Scalar>(options_.beta2), static_cast<Scalar>(1 - options_.beta2),
            static_cast<Scalar>(options_.weight_decay), static_cast<Scalar>(1 - this->learning_rate_ * options_.weight_decay),
            options_.decoupled && options_.weight_decay != 0, !options_.decoupled && options_.weight_decay != 0};
  }

  void step(Params params, const Grads& grads) override {
    this->check_sizes(params, grads);
    backend::cpu::adam_update(params.size(), params.data(), grads.data(), exp_avg_.data(), exp_avg_sq_.data(), next_step());
    ++this->step_count_;
  }

  std::vector<nn::NamedTensor<Scalar>> state_tensors() override {
    return {Base::state_view("exp_avg", exp_avg_), Base::state_view("exp_avg_sq", exp_avg_sq_)};
  }

  std::string options_text() const override {
    using symphonic::detail::format_number;
    return std::string(options_.decoupled ? "adamw" : "adam") +
           " lr=" + format_number(this->learning_rate_) +
           " beta1=" + format_number(options_.beta1) + " beta2=" + format_number(options_.beta2) +
           " eps=" + format_number(options_.epsilon) +
           " weight_decay=" + format_number(options_.weight_decay);
  }

  const AdamOptions& options() const { return options_; }

 private:
  AdamOptions options_;
  nn::Vector<Scalar> exp_avg_;
  nn::Vector<Scalar> exp_avg_sq_;
};

}  // namespace optim
SYMPHONIC_NAMESPACE_END
