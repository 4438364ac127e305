// symphonic/optim/optimizer.hpp - the optimizer interface over flat parameter buffers, and the
// "kind key=value ..." options text every optimizer is built from and written back to.
//
// Optimizers never see layers: a model's parameters and gradients are two flat vectors of the
// same layout (DESIGN.md seam 1), and `step(params, grads)` updates the first from the second.
// Per-parameter state (momentum, running averages) is a flat vector of the same length, exposed
// by `state_tensors()` as NamedTensors so a checkpoint can save and restore it. The step counter
// is not a tensor: save `step_count()` beside the checkpoint (train/ writes "symphonic.step") and
// give it back with `set_step_count()` before the next step, or Adam's bias correction restarts.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/detail/key_value.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace optim {

/// An optimizer options text that cannot be understood: unknown kind or key, a value that is not
/// a number, or a number out of its range (e.g. a negative learning rate).
class OptionsError : public Error {
 public:
  explicit OptionsError(const std::string& message) : Error("optim.options_error", message) {}
};

namespace detail {

/// The optimizer and schedule texts' reader: words, first word the kind; OptionsError.
inline symphonic::detail::KeyValues read_options(const std::string& text, const std::string& what) {
  return symphonic::detail::KeyValues(text, symphonic::detail::KeyValues::Layout::words, what,
                                      [](const std::string& message) { SYMPHONIC_THROW(OptionsError(message)); });
}

}  // namespace detail

/// Base class of every optimizer. `Scalar` is the parameter type (float or double); every
/// update is computed in that type, as torch.optim does for tensors of that dtype.
template <class Scalar>
class Optimizer {
 public:
  using Params = Eigen::Ref<nn::Vector<Scalar>>;
  using Grads = Eigen::Ref<const nn::Vector<Scalar>>;

  virtual ~Optimizer() = default;

  /// One update of `params` from `grads` (same length as the optimizer was built for; throws
  /// nn::ShapeError otherwise). Increments step_count().
  virtual void step(Params params, const Grads& grads) = 0;

  virtual double learning_rate() const { return learning_rate_; }
  virtual void set_learning_rate(double learning_rate) {
    if (!(learning_rate >= 0) || !std::isfinite(learning_rate))
      SYMPHONIC_THROW(OptionsError("learning rate must be a finite number >= 0, got " +
                                   symphonic::detail::format_number(learning_rate)));
    learning_rate_ = learning_rate;
  }

  /// Views of the per-parameter state (flat, shape [parameter_count], trainable = false), named
  /// after torch.optim's state keys with an "optimizer." prefix. Empty for plain SGD. The views
  /// stay valid for the optimizer's lifetime; load_tensors() into them restores the state.
  virtual std::vector<nn::NamedTensor<Scalar>> state_tensors() { return {}; }

  /// "kind key=value ..." with every option, e.g. "adam lr=0.001 beta1=0.9 beta2=0.999
  /// eps=1e-08 weight_decay=0 decoupled=0"; make_optimizer() reads it back to an equal optimizer.
  virtual std::string options_text() const = 0;

  std::int64_t step_count() const { return step_count_; }
  void set_step_count(std::int64_t steps) { step_count_ = steps < 0 ? 0 : steps; }
  nn::Index parameter_count() const { return parameter_count_; }

 protected:
  Optimizer(nn::Index parameter_count, double learning_rate) : parameter_count_(parameter_count) {
    if (parameter_count < 0) SYMPHONIC_THROW(nn::ShapeError("optimizer parameter count", 0, parameter_count));
    set_learning_rate(learning_rate);
  }

  void check_sizes(const Params& params, const Grads& grads) const {
    if (params.size() != parameter_count_)
      SYMPHONIC_THROW(nn::ShapeError("optimizer parameters", parameter_count_, params.size()));
    if (grads.size() != parameter_count_)
      SYMPHONIC_THROW(nn::ShapeError("optimizer gradients", parameter_count_, grads.size()));
  }

  static nn::NamedTensor<Scalar> state_view(const std::string& name, nn::Vector<Scalar>& buffer) {
    nn::NamedTensor<Scalar> view;
    view.name = "optimizer." + name;
    view.shape = {static_cast<std::int64_t>(buffer.size())};
    view.data = buffer.data();
    view.trainable = false;
    return view;
  }

  double learning_rate_ = 0;
  std::int64_t step_count_ = 0;
  nn::Index parameter_count_ = 0;
};

}  // namespace optim
SYMPHONIC_NAMESPACE_END
