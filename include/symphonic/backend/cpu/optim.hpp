// symphonic/backend/cpu/optim.hpp - optimizer updates on (pointer, size) spans of the flat
// parameter, gradient and state arrays (DESIGN.md seam 1), the formulas of torch.optim.
//
// Each runs over blocks of a few thousand elements, so every statement of a block reads data
// still in L1/L2. With d = g + wd p (L2 weight decay; AdamW decays p instead):
//   SGD:      buf = d (first step) | momentum buf + (1 - dampening) d;  p -= lr (nesterov ? d + momentum buf : buf)
//             (no momentum: p -= lr d)
//   RMSprop:  v = rho v + (1 - rho) d^2;  [centered: a = rho a + (1 - rho) d, den = sqrt(v - a^2) + eps]
//             den = sqrt(v) + eps;  momentum: buf = momentum buf + d / den, p -= lr buf; else p -= lr d / den
//   Adam:     m = b1 m + (1 - b1) d;  v = b2 v + (1 - b2) d^2;  p -= step_size m / (sqrt(v) / c2 + eps)
//             with step_size = lr / (1 - b1^t) and c2 = sqrt(1 - b2^t) computed in double by the caller
#pragma once

#include <algorithm>

#include <Eigen/Core>

#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

constexpr Index kUpdateBlock = 4096;

template <class Scalar>
struct SgdStep {
  Scalar lr, weight_decay, momentum, keep;  ///< keep = 1 - dampening
  bool first, nesterov;
};

/// `buf` may be null when momentum is 0.
template <class Scalar>
void sgd_update(Index n, Scalar* params, const Scalar* grads, Scalar* buf, const SgdStep<Scalar>& s) {
  for (Index begin = 0; begin < n; begin += kUpdateBlock) {
    const Index size = std::min(kUpdateBlock, n - begin);
    auto p = VecMap<Scalar>(params + begin, size).array();
    auto g = ConstVecMap<Scalar>(grads + begin, size).array();
    const Scalar wd = s.weight_decay;
    if (s.momentum <= 0) {
      if (wd != 0)
        p -= s.lr * (g + wd * p);
      else
        p -= s.lr * g;
      continue;
    }
    auto b = VecMap<Scalar>(buf + begin, size).array();
    if (s.first)
      b = g + wd * p;
    else
      b = s.momentum * b + s.keep * (g + wd * p);
    if (s.nesterov)
      p -= s.lr * ((g + wd * p) + s.momentum * b);
    else
      p -= s.lr * b;
  }
}

template <class Scalar>
struct RmspropStep {
  Scalar lr, weight_decay, rho, one_minus_rho, epsilon, momentum;  ///< 1 - rho rounded once from double
};

/// `square_avg` always; `grad_avg` when centered (else null); `buf` when momentum > 0 (else null).
template <class Scalar>
void rmsprop_update(Index n, Scalar* params, const Scalar* grads, Scalar* square_avg, Scalar* grad_avg, Scalar* buf,
                    const RmspropStep<Scalar>& s) {
  const Scalar one_minus_rho = s.one_minus_rho, wd = s.weight_decay;
  for (Index begin = 0; begin < n; begin += kUpdateBlock) {
    const Index size = std::min(kUpdateBlock, n - begin);
    auto p = VecMap<Scalar>(params + begin, size).array();
    auto g = ConstVecMap<Scalar>(grads + begin, size).array();
    auto v = VecMap<Scalar>(square_avg + begin, size).array();
    // d = g + wd p, kept as an expression: p is only written in the last statement.
    if (wd != 0)
      v = s.rho * v + one_minus_rho * (g + wd * p) * (g + wd * p);
    else
      v = s.rho * v + one_minus_rho * g * g;
    auto apply = [&](const auto& den) {
      if (buf) {
        auto b = VecMap<Scalar>(buf + begin, size).array();
        b = s.momentum * b + (g + wd * p) / den;
        p -= s.lr * b;
      } else {
        p -= s.lr * ((g + wd * p) / den);
      }
    };
    if (grad_avg) {
      auto a = VecMap<Scalar>(grad_avg + begin, size).array();
      a = s.rho * a + one_minus_rho * (g + wd * p);
      apply((v - a * a).sqrt() + s.epsilon);
    } else {
      apply(v.sqrt() + s.epsilon);
    }
  }
}

template <class Scalar>
struct AdamStep {
  Scalar step_size, c2, epsilon, beta1, one_minus_beta1, beta2, one_minus_beta2;  ///< 1 - b rounded once from double
  Scalar weight_decay, decay;  ///< decay = 1 - lr wd (AdamW)
  bool decoupled, l2;
};

template <class Scalar>
void adam_update(Index n, Scalar* params, const Scalar* grads, Scalar* exp_avg, Scalar* exp_avg_sq,
                 const AdamStep<Scalar>& s) {
  const Scalar one_minus_beta1 = s.one_minus_beta1, one_minus_beta2 = s.one_minus_beta2, wd = s.weight_decay;
  for (Index begin = 0; begin < n; begin += kUpdateBlock) {
    const Index size = std::min(kUpdateBlock, n - begin);
    auto p = VecMap<Scalar>(params + begin, size).array();
    auto g = ConstVecMap<Scalar>(grads + begin, size).array();
    auto m = VecMap<Scalar>(exp_avg + begin, size).array();
    auto v = VecMap<Scalar>(exp_avg_sq + begin, size).array();
    if (s.decoupled) p *= s.decay;
    if (s.l2) {
      m = s.beta1 * m + one_minus_beta1 * (g + wd * p);
      v = s.beta2 * v + one_minus_beta2 * (g + wd * p) * (g + wd * p);
    } else {
      m = s.beta1 * m + one_minus_beta1 * g;
      v = s.beta2 * v + one_minus_beta2 * g * g;
    }
    p -= s.step_size * (m / (v.sqrt() / s.c2 + s.epsilon));
  }
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
