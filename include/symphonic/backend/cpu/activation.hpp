// symphonic/backend/cpu/activation.hpp - the rectified linear unit over n elements.
//
//   forward:  y = max(x, 0)
//   backward: dx = dy where y > 0, else 0 (the subgradient at 0 is 0, as in PyTorch)
#pragma once

#include <Eigen/Core>

#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

template <class Scalar>
void relu_forward(Index n, const Scalar* x, Scalar* y) {
  VecMap<Scalar>(y, n) = ConstVecMap<Scalar>(x, n).cwiseMax(Scalar(0));
}

/// y is the forward's output (y > 0 exactly where x > 0).
template <class Scalar>
void relu_backward(Index n, const Scalar* y, const Scalar* dy, Scalar* dx) {
  VecMap<Scalar>(dx, n) = (ConstVecMap<Scalar>(y, n).array() > Scalar(0)).select(ConstVecMap<Scalar>(dy, n), Scalar(0));
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
