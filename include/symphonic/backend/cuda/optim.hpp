// symphonic/backend/cuda/optim.hpp - optimizer updates and gradient clipping on the executor's
// flat parameter, gradient and state arrays: backend/cpu/optim.hpp's formulas, one thread per
// parameter, with the scalars of each step computed by the host optimizer (optim/, next_step()).
//
//   SGD:      buf = d (first step) | momentum buf + (1 - dampening) d;  p -= lr (nesterov ? d + momentum buf : buf)
//   RMSprop:  v = rho v + (1 - rho) d^2;  den = sqrt(v) + eps  [centered: a = rho a + (1 - rho) d, den = sqrt(v - a^2) + eps]
//             momentum: buf = momentum buf + d / den, p -= lr buf;  else p -= lr d / den
//   Adam:     m = b1 m + (1 - b1) d;  v = b2 v + (1 - b2) d^2;  p -= step_size m / (sqrt(v) / c2 + eps)
// with d = g + wd p (L2; AdamW decays p by 1 - lr wd first instead).
//
// Optimizer<Exec, Scalar> works for a host optimizer (its options, learning rate, step count and
// schedules stay the host's) and keeps the per-parameter state on the executor, in the order of
// the host's state_tensors(), so a checkpoint holds the same tensors whichever device trained it.
// clip_grad_norm: squares summed per 256-entry block on the device, blocks summed in double on
// the host (optim/clip.hpp's split), then one scaling pass when the norm is over the limit.
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "symphonic/backend/cpu/optim.hpp"
#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/config.hpp"
#include "symphonic/optim/adam.hpp"
#include "symphonic/optim/optim.hpp"
#include "symphonic/optim/rmsprop.hpp"
#include "symphonic/optim/sgd.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

template <class Scalar>
struct SgdUpdate {
  Scalar* p;
  const Scalar* g;
  Scalar* buf;  ///< null without momentum
  cpu::SgdStep<Scalar> s;
  SYMPHONIC_HD void operator()(Index i) const {
    const Scalar d = s.weight_decay != Scalar(0) ? g[i] + s.weight_decay * p[i] : g[i];
    if (!buf) {
      p[i] -= s.lr * d;
      return;
    }
    const Scalar b = s.first ? d : s.momentum * buf[i] + s.keep * d;
    buf[i] = b;
    p[i] -= s.lr * (s.nesterov ? d + s.momentum * b : b);
  }
};

template <class Scalar>
struct RmspropUpdate {
  Scalar* p;
  const Scalar* g;
  Scalar *square_avg, *grad_avg, *buf;  ///< grad_avg when centered, buf with momentum; else null
  cpu::RmspropStep<Scalar> s;
  SYMPHONIC_HD void operator()(Index i) const {
    const Scalar d = s.weight_decay != Scalar(0) ? g[i] + s.weight_decay * p[i] : g[i];
    const Scalar v = s.rho * square_avg[i] + s.one_minus_rho * d * d;
    square_avg[i] = v;
    Scalar den;
    if (grad_avg) {
      const Scalar a = s.rho * grad_avg[i] + s.one_minus_rho * d;
      grad_avg[i] = a;
      den = sqrt_of(v - a * a) + s.epsilon;
    } else {
      den = sqrt_of(v) + s.epsilon;
    }
    if (buf) {
      const Scalar b = s.momentum * buf[i] + d / den;
      buf[i] = b;
      p[i] -= s.lr * b;
    } else {
      p[i] -= s.lr * (d / den);
    }
  }
};

template <class Scalar>
struct AdamUpdate {
  Scalar* p;
  const Scalar* g;
  Scalar *exp_avg, *exp_avg_sq;
  cpu::AdamStep<Scalar> s;
  SYMPHONIC_HD void operator()(Index i) const {
    Scalar w = p[i];
    if (s.decoupled) w *= s.decay;
    const Scalar d = s.l2 ? g[i] + s.weight_decay * w : g[i];
    const Scalar m = s.beta1 * exp_avg[i] + s.one_minus_beta1 * d;
    const Scalar v = s.beta2 * exp_avg_sq[i] + s.one_minus_beta2 * d * d;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    p[i] = w - s.step_size * (m / (sqrt_of(v) / s.c2 + s.epsilon));
  }
};

/// A host optimizer's update on an executor: the host optimizer (optim/) keeps the options, the
/// learning rate (schedules set it) and the step count, and computes each step's scalars; this
/// keeps the per-parameter state in the executor's memory, one buffer per host state tensor.
template <class Exec, class Scalar>
class Optimizer {
 public:
  /// Works for `host`, which must outlive it (or until bind() names another); the state starts as
  /// the host's (zeros, or what a checkpoint gave it).
  Optimizer(Exec& ex, optim::Optimizer<Scalar>& host) : ex_(&ex) { bind(host); }
  /// Owns the optimizer of `options` ("adam lr=0.001", optim::make_optimizer's text) over n parameters.
  Optimizer(Exec& ex, const std::string& options, Index n) : ex_(&ex), owned_(optim::make_optimizer<Scalar>(options, n)) {
    bind(*owned_);
  }

  /// Works for `host` from now on, with its state (after the host optimizer was replaced or loaded).
  void bind(optim::Optimizer<Scalar>& host) {
    host_ = &host;
    n_ = host.parameter_count();
    auto views = host.state_tensors();
    state_.resize(views.size());
    for (std::size_t k = 0; k < views.size(); ++k) {
      ensure(*ex_, state_[k], n_);
      ex_->upload(state_[k].data(), views[k].data, n_);
    }
  }

  optim::Optimizer<Scalar>& host() { return *host_; }

  /// One update of params from grads (both parameter_count() long, in the executor's memory);
  /// advances the host's step count.
  void step(Scalar* params, const Scalar* grads) {
    Scalar* s0 = state_.size() > 0 ? state_[0].data() : nullptr;
    if (auto* adam = dynamic_cast<optim::Adam<Scalar>*>(host_)) {
      ex_->for_each(n_, AdamUpdate<Scalar>{params, grads, s0, state_[1].data(), adam->next_step()});
    } else if (auto* rms = dynamic_cast<optim::RmsProp<Scalar>*>(host_)) {
      // state order: square_avg, [momentum_buffer], [grad_avg]
      const auto& o = rms->options();
      Scalar* buf = o.momentum > 0 ? state_[1].data() : nullptr;
      Scalar* avg = o.centered ? state_[o.momentum > 0 ? 2 : 1].data() : nullptr;
      ex_->for_each(n_, RmspropUpdate<Scalar>{params, grads, s0, avg, buf, rms->next_step()});
    } else if (auto* sgd = dynamic_cast<optim::Sgd<Scalar>*>(host_)) {
      ex_->for_each(n_, SgdUpdate<Scalar>{params, grads, s0, sgd->next_step()});
    } else {
      SYMPHONIC_THROW(optim::OptionsError("this optimizer has no device update: " + host_->options_text()));
    }
    host_->set_step_count(host_->step_count() + 1);
  }

  /// Copies the device state into the host optimizer's state tensors (before saving them).
  void download_state() {
    auto views = host_->state_tensors();
    for (std::size_t k = 0; k < views.size(); ++k) ex_->download(views[k].data, state_[k].data(), n_);
  }

 private:
  Exec* ex_;
  std::unique_ptr<optim::Optimizer<Scalar>> owned_;
  optim::Optimizer<Scalar>* host_ = nullptr;
  Index n_ = 0;
  std::vector<BufferOf<Exec, Scalar>> state_;
};

constexpr Index kNormBlock = 256;

template <class Scalar>
struct BlockSquares {
  Index n;
  const Scalar* g;
  Scalar* out;
  SYMPHONIC_HD void operator()(Index b) const {
    const Index end = (b + 1) * kNormBlock < n ? (b + 1) * kNormBlock : n;
    Scalar s = 0;
    for (Index i = b * kNormBlock; i < end; ++i) s += g[i] * g[i];
    out[b] = s;
  }
};

template <class Scalar>
struct Scale {
  Scalar factor;
  Scalar* x;
  SYMPHONIC_HD void operator()(Index i) const { x[i] *= factor; }
};

/// Scratch of global_norm: one Scalar per 256 entries.
inline Index norm_scratch_size(Index n) { return (n + kNormBlock - 1) / kNormBlock; }

/// Euclidean norm of the n gradients, as a double.
template <class Exec, class Scalar>
double global_norm(Exec& ex, Index n, const Scalar* grads, Scalar* scratch) {
  const Index blocks = norm_scratch_size(n);
  ex.for_each(blocks, BlockSquares<Scalar>{n, grads, scratch});
  std::vector<Scalar> host(static_cast<std::size_t>(blocks));
  ex.download(host.data(), scratch, blocks);
  double sum = 0;
  for (Scalar s : host) sum += static_cast<double>(s);
  return std::sqrt(sum);
}

/// torch.nn.utils.clip_grad_norm_: scales the gradients so that their norm is at most max_norm;
/// returns the norm before (non-finite: left unchanged, for the caller to skip the step).
template <class Exec, class Scalar>
double clip_grad_norm(Exec& ex, Index n, Scalar* grads, double max_norm, Scalar* scratch) {
  if (!(max_norm > 0)) SYMPHONIC_THROW(optim::OptionsError("clip_grad_norm: max_norm must be > 0"));
  const double norm = global_norm(ex, n, grads, scratch);
  if (!std::isfinite(norm)) return norm;
  const double factor = max_norm / (norm + 1e-6);
  if (factor < 1) ex.for_each(n, Scale<Scalar>{static_cast<Scalar>(factor), grads});
  return norm;
}

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
