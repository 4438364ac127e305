// symphonic/nn/dense.hpp - a fully connected layer, y = W x + b.
//
// The short example of the layer interface every nn layer follows (STYLE.md section 3):
//   parameter_count()        scalars it needs in the model's flat buffers
//   bind(params, grads)      views W_, b_ (and gradient twins) at the given offsets
//   forward(x, y, mode)      x is in x N (N = batch, or T * batch for time-major sequences)
//   backward(dy, dx)         writes dx and ADDS into the bound gradients
// Layout (PyTorch nn.Linear state_dict): weight [out, in] row-major, then bias [out].
//
//   forward:   y = W x + b 1^T
//   backward:  dW += dy x^T,  db += dy 1,  dx = W^T dy
#pragma once

#include <cmath>
#include <new>

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/random.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

/// How weights are drawn: Keras defaults (Glorot uniform, zero bias, orthogonal recurrent weights,
/// forget bias 1) or PyTorch defaults (uniform +-1/sqrt(fan_in) for weights and biases).
enum class Init { keras, torch };

template <class Scalar>
class Dense {
 public:
  using Mat = Matrix<Scalar>;
  using RowMajorMap = Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
  using VecMap = Eigen::Map<Vector<Scalar>>;

  /// What backward needs from forward.
  struct Cache {
    Mat input;  ///< x, in x N
  };

  Dense(Index in, Index out) : in_(in), out_(out) {}

  Index input_size() const { return in_; }
  Index output_size() const { return out_; }
  Index parameter_count() const { return out_ * in_ + out_; }

  void bind(Scalar* params, Scalar* grads) {
    new (&W_) RowMajorMap(params, out_, in_);
    new (&b_) VecMap(params + out_ * in_, out_);
    new (&dW_) RowMajorMap(grads, out_, in_);
    new (&db_) VecMap(grads + out_ * in_, out_);
  }

  /// Draws the bound weights (Keras: Glorot uniform and zero bias; PyTorch: U(+-1/sqrt(in))).
  void initialize(Init init, Rng& rng) {
    if (init == Init::keras) {
      const double limit = std::sqrt(6.0 / static_cast<double>(in_ + out_));
      for (Index i = 0; i < W_.size(); ++i) W_.data()[i] = static_cast<Scalar>(rng.uniform(-limit, limit));
      b_.setZero();
    } else {
      const double limit = 1.0 / std::sqrt(static_cast<double>(in_));
      for (Index i = 0; i < W_.size(); ++i) W_.data()[i] = static_cast<Scalar>(rng.uniform(-limit, limit));
      for (Index i = 0; i < b_.size(); ++i) b_[i] = static_cast<Scalar>(rng.uniform(-limit, limit));
    }
  }

  void forward(const Mat& x, Mat& y, Mode /*mode*/) {
    if (x.rows() != in_) SYMPHONIC_THROW(ShapeError("dense input rows", in_, x.rows()));
    cache_.input = x;
    y.resize(out_, x.cols());
    y.noalias() = W_ * x;  // y = W x + b 1^T
    y.colwise() += b_;
  }

  void backward(const Mat& dy, Mat& dx) {
    SYMPHONIC_ASSERT(dy.rows() == out_ && dy.cols() == cache_.input.cols());
    dW_.noalias() += dy * cache_.input.transpose();  // dW += dy x^T
    db_ += dy.rowwise().sum();                       // db += dy 1
    dx.resize(in_, dy.cols());
    dx.noalias() = W_.transpose() * dy;              // dx = W^T dy
  }

  const Cache& cache() const { return cache_; }

 private:
  Index in_, out_;
  RowMajorMap W_{nullptr, 0, 0}, dW_{nullptr, 0, 0};
  VecMap b_{nullptr, 0}, db_{nullptr, 0};
  Cache cache_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
