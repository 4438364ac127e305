// symphonic/nn/relu.hpp - rectified linear unit, y = max(x, 0); no parameters.
//
//   backward: dx = dy where x > 0, else 0 (the subgradient at 0 is taken as 0, as PyTorch does)
#pragma once

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class Relu {
 public:
  using Mat = Matrix<Scalar>;

  struct Cache {
    Mat output;  ///< y; y > 0 exactly where x > 0
  };

  Index parameter_count() const { return 0; }
  void bind(Scalar* /*params*/, Scalar* /*grads*/) {}

  void forward(const Mat& x, Mat& y, Mode /*mode*/) {
    y = x.cwiseMax(Scalar(0));
    cache_.output = y;
  }

  void backward(const Mat& dy, Mat& dx) {
    SYMPHONIC_ASSERT(dy.rows() == cache_.output.rows() && dy.cols() == cache_.output.cols());
    dx = (cache_.output.array() > Scalar(0)).select(dy, Scalar(0));
  }

  const Cache& cache() const { return cache_; }

 private:
  Cache cache_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
