// symphonic/optim/rmsprop.hpp - RMSprop with Keras's defaults (lr 1e-3, rho 0.9, eps 1e-7), the
// recipe's optimizer.
//
//   d   = g + weight_decay * p
//   v   = rho * v + (1 - rho) * d^2                      (v starts at 0)
//   a   = d_avg = rho-average of d, and den = sqrt(v - a^2) + eps   (centered)
//         den = sqrt(v) + eps                                       (not centered)
//   buf = momentum * buf + d / den,  p = p - lr * buf    (momentum > 0)
//   p   = p - lr * d / den                               (momentum == 0)
//
// Which formula: epsilon is added *outside* the square root. That is Keras 2's RMSprop (standalone
// keras and tf.keras up to 2.10 without momentum: `p - lr * g / (sqrt(v) + eps)`), which the
// recipe used, and it is exactly torch.optim.RMSprop(alpha=rho, eps=eps) including momentum and
// centered. Only the defaults differ: torch uses rho (alpha) 0.99 and eps 1e-8. Keras 3 and TF's
// fused kernel (used by tf.keras when momentum > 0) put eps inside, sqrt(v + eps), and fold lr
// into the momentum buffer; the two agree whenever eps is negligible against sqrt(v).
#pragma once

#include <string>
#include <vector>

#include "symphonic/backend/cpu/optim.hpp"
#include "symphonic/optim/optimizer.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace optim {

struct RmsPropOptions {
  double learning_rate = 1e-3;
  double rho = 0.9;        ///< decay of the squared-gradient average (torch's `alpha`)
  double epsilon = 1e-7;
  double momentum = 0;
  bool centered = false;   ///< divide by the estimated variance instead of the second moment
  double weight_decay = 0; ///< L2 penalty added to the gradient
};

template <class Scalar>
class RmsProp : public Optimizer<Scalar> {
  using Base = Optimizer<Scalar>;

 public:
  using typename Base::Grads;
  using typename Base::Params;

  RmsProp(nn::Index parameter_count, const RmsPropOptions& options = {})
      : Base(parameter_count, options.learning_rate), options_(options) {
    if (!(options.rho >= 0 && options.rho < 1))
      SYMPHONIC_THROW(OptionsError("rmsprop: rho must be in [0, 1)"));
    if (!(options.epsilon > 0)) SYMPHONIC_THROW(OptionsError("rmsprop: eps must be > 0"));
    if (!(options.momentum >= 0) || !(options.weight_decay >= 0))
      SYMPHONIC_THROW(OptionsError("rmsprop: momentum and weight_decay must be >= 0"));
    square_avg_.setZero(parameter_count);
    if (options.momentum > 0) momentum_buffer_.setZero(parameter_count);
    if (options.centered) grad_avg_.setZero(parameter_count);
  }

  /// The scalars of the next update (see Adam::next_step).
  backend::cpu::RmspropStep<Scalar> next_step() const {
    return {static_cast<Scalar>(this->learning_rate_), static_cast<Scalar>(options_.weight_decay),
            static_cast<Scalar>(options_.rho), static_cast<Scalar>(1 - options_.rho),
            static_cast<Scalar>(options_.epsilon), static_cast<Scalar>(options_.momentum)};
  }

  void step(Params params, const Grads& grads) override {
    this->check_sizes(params, grads);
    backend::cpu::rmsprop_update(params.size(), params.data(), grads.data(), square_avg_.data(),
                                 options_.centered ? grad_avg_.data() : nullptr,
                                 options_.momentum > 0 ? momentum_buffer_.data() : nullptr, next_step());
    ++this->step_count_;
  }

  std::vector<nn::NamedTensor<Scalar>> state_tensors() override {
    std::vector<nn::NamedTensor<Scalar>> views{Base::state_view("square_avg", square_avg_)};
    if (options_.momentum > 0) views.push_back(Base::state_view("momentum_buffer", momentum_buffer_));
    if (options_.centered) views.push_back(Base::state_view("grad_avg", grad_avg_));
    return views;
  }

  std::string options_text() const override {
    using symphonic::detail::format_number;
    return "rmsprop lr=" + format_number(this->learning_rate_) +
           " rho=" + format_number(options_.rho) + " eps=" + format_number(options_.epsilon) +
           " momentum=" + format_number(options_.momentum) +
           " centered=" + (options_.centered ? "1" : "0") +
           " weight_decay=" + format_number(options_.weight_decay);
  }

  const RmsPropOptions& options() const { return options_; }

 private:
  RmsPropOptions options_;
  nn::Vector<Scalar> square_avg_;
  nn::Vector<Scalar> momentum_buffer_;
  nn::Vector<Scalar> grad_avg_;
};

}  // namespace optim
SYMPHONIC_NAMESPACE_END
