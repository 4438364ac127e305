// symphonic/optim/sgd.hpp - stochastic gradient descent with momentum, Nesterov momentum and L2
// weight decay, the same update as torch.optim.SGD:
//
//   d   = g + weight_decay * p
//   buf = d                                        on the first step (step_count() == 0)
//   buf = momentum * buf + (1 - dampening) * d     afterwards
//   d   = d + momentum * buf   (nesterov)   or   d = buf   (momentum > 0)
//   p   = p - lr * d
//
// With a constant learning rate this is also Keras's SGD (v = momentum v - lr g; p += v), whose
// velocity is -lr times our buffer.
#pragma once

#include <string>
#include <vector>

#include "symphonic/backend/cpu/optim.hpp"
#include "symphonic/optim/optimizer.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace optim {

struct SgdOptions {
  double learning_rate = 0.01;  ///< Keras's default; torch has none
  double momentum = 0;
  double dampening = 0;
  bool nesterov = false;        ///< needs momentum > 0 and dampening == 0 (as in torch)
  double weight_decay = 0;      ///< L2 penalty added to the gradient
};

template <class Scalar>
class Sgd : public Optimizer<Scalar> {
  using Base = Optimizer<Scalar>;

 public:
  using typename Base::Grads;
  using typename Base::Params;

  Sgd(nn::Index parameter_count, const SgdOptions& options = {})
      : Base(parameter_count, options.learning_rate), options_(options) {
    if (!(options.momentum >= 0) || !(options.dampening >= 0) || !(options.weight_decay >= 0))
      SYMPHONIC_THROW(OptionsError("sgd: momentum, dampening and weight_decay must be >= 0"));
    if (options.nesterov && (options.momentum <= 0 || options.dampening != 0))
      SYMPHONIC_THROW(OptionsError("sgd: nesterov needs momentum > 0 and dampening = 0"));
    if (options.momentum > 0) momentum_buffer_.setZero(parameter_count);
  }

  /// The scalars of the next update (see Adam::next_step).
  backend::cpu::SgdStep<Scalar> next_step() const {
    return {static_cast<Scalar>(this->learning_rate_), static_cast<Scalar>(options_.weight_decay),
            static_cast<Scalar>(options_.momentum), static_cast<Scalar>(1 - options_.dampening),
            this->step_count_ == 0, options_.nesterov};
  }

  void step(Params params, const Grads& grads) override {
    this->check_sizes(params, grads);
    backend::cpu::sgd_update(params.size(), params.data(), grads.data(),
                             options_.momentum > 0 ? momentum_buffer_.data() : nullptr, next_step());
    ++this->step_count_;
  }

  std::vector<nn::NamedTensor<Scalar>> state_tensors() override {
    if (options_.momentum <= 0) return {};
    return {Base::state_view("momentum_buffer", momentum_buffer_)};
  }

  std::string options_text() const override {
    using symphonic::detail::format_number;
    return "sgd lr=" + format_number(this->learning_rate_) +
           " momentum=" + format_number(options_.momentum) +
           " dampening=" + format_number(options_.dampening) +
           " nesterov=" + (options_.nesterov ? "1" : "0") +
           " weight_decay=" + format_number(options_.weight_decay);
  }

  const SgdOptions& options() const { return options_; }

 private:
  SgdOptions options_;
  nn::Vector<Scalar> momentum_buffer_;
};

}  // namespace optim
SYMPHONIC_NAMESPACE_END
