// symphonic/nn/relu.hpp - rectified linear unit, y = max(x, 0); no parameters, no state.
//
//   backward: dx = dy where y > 0, else 0 (the subgradient at 0 is taken as 0, as PyTorch does)
// Backward takes the forward's output y, which the caller keeps (y > 0 exactly where x > 0).
#pragma once

#include <Eigen/Core>

#include "symphonic/backend/cpu/activation.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class Relu {
 public:
  using Mat = Matrix<Scalar>;

  void forward(const Mat& x, Mat& y) const {
    y.resize(x.rows(), x.cols());
    backend::cpu::relu_forward(x.size(), x.data(), y.data());
  }

  void backward(const Mat& y, const Mat& dy, Mat& dx) const {
    SYMPHONIC_ASSERT(dy.rows() == y.rows() && dy.cols() == y.cols());
    dx.resize(dy.rows(), dy.cols());
    backend::cpu::relu_backward(dy.size(), y.data(), dy.data(), dx.data());
  }
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
