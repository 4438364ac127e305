// symphonic/optim/clip.hpp - gradient clipping on the flat gradient buffer.
//
// clip_grad_norm is torch.nn.utils.clip_grad_norm_ on one flat vector: with N = ||g||_2,
// g *= max_norm / (N + 1e-6) when that factor is below 1; it returns N (before clipping).
// The squared norm is summed per 256-entry block in Scalar and across blocks in double, so a float buffer of
// millions of entries keeps ~7 significant digits. A non-finite norm (NaN or inf in the gradient)
// leaves the gradient unchanged and is returned as is, so the caller can skip that step.
#pragma once

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/tensor.hpp"
#include "symphonic/optim/optimizer.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace optim {

/// Euclidean norm of the whole flat buffer, as a double.
template <class Scalar>
double global_norm(const Eigen::Ref<const nn::Vector<Scalar>>& grads) {
  constexpr nn::Index block = 256;
  double sum = 0;
  for (nn::Index begin = 0; begin < grads.size(); begin += block) {
    const nn::Index size = std::min(block, grads.size() - begin);
    sum += static_cast<double>(grads.segment(begin, size).squaredNorm());
  }
  return std::sqrt(sum);
}

template <class Scalar>
double global_norm(const nn::Vector<Scalar>& grads) {
  return global_norm<Scalar>(Eigen::Ref<const nn::Vector<Scalar>>(grads));
}

/// Scales `grads` so that its norm is at most `max_norm` (> 0); returns the norm before.
template <class Scalar>
double clip_grad_norm(Eigen::Ref<nn::Vector<Scalar>> grads, double max_norm) {
  if (!(max_norm > 0))
    SYMPHONIC_THROW(OptionsError("clip_grad_norm: max_norm must be > 0"));
  const double norm = global_norm<Scalar>(Eigen::Ref<const nn::Vector<Scalar>>(grads));
  if (!std::isfinite(norm)) return norm;
  const double factor = max_norm / (norm + 1e-6);
  if (factor < 1) grads *= static_cast<Scalar>(factor);
  return norm;
}

template <class Scalar>
double clip_grad_norm(nn::Vector<Scalar>& grads, double max_norm) {
  return clip_grad_norm<Scalar>(Eigen::Ref<nn::Vector<Scalar>>(grads), max_norm);
}

/// Clamps every gradient entry to [-limit, limit] (torch.nn.utils.clip_grad_value_).
template <class Scalar>
void clip_grad_value(Eigen::Ref<nn::Vector<Scalar>> grads, double limit) {
  if (!(limit > 0)) SYMPHONIC_THROW(OptionsError("clip_grad_value: limit must be > 0"));
  const Scalar l = static_cast<Scalar>(limit);
  grads = grads.array().min(l).max(-l).matrix();
}

template <class Scalar>
void clip_grad_value(nn::Vector<Scalar>& grads, double limit) {
  clip_grad_value<Scalar>(Eigen::Ref<nn::Vector<Scalar>>(grads), limit);
}

}  // namespace optim
SYMPHONIC_NAMESPACE_END
