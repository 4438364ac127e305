// symphonic/nn/batch_norm.hpp - batch normalisation over features (PyTorch BatchNorm1d, Keras
// BatchNormalization on a 2-D input).
//
// x is F x N (features x batch columns). Parameters gamma (weight) and beta (bias), F each; buffers
// running_mean and running_var, F each (saved in checkpoints, never optimised).
//
//   train:  mu = mean_n x,  var = mean_n (x - mu)^2  (biased),  rstd = 1 / sqrt(var + eps)
//           xhat = (x - mu) rstd,  y = gamma xhat + beta
//           running_mean = momentum running_mean + (1 - momentum) mu
//           running_var  = momentum running_var  + (1 - momentum) var'   (var' = var, or the
//                          unbiased N/(N-1) var when `unbiased_running_var`, PyTorch's choice)
//   infer:  xhat = (x - running_mean) / sqrt(running_var + eps)
//   backward (train), with g = gamma dy:
//           dx = rstd / N (N g - sum_n g - xhat sum_n g xhat)
//           dgamma += sum_n dy xhat,  dbeta += sum_n dy
// `momentum` follows Keras (weight of the old value, default 0.99); PyTorch's momentum m is
// Keras' 1 - m. Keras' default epsilon is 1e-3 (PyTorch's 1e-5).
#pragma once

#include <new>

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

struct BatchNormOptions {
  double momentum = 0.99;           ///< Keras convention: weight of the previous running value
  double epsilon = 1e-3;            ///< added to the variance
  bool unbiased_running_var = false;  ///< PyTorch updates running_var with the unbiased variance
};

template <class Scalar>
class BatchNorm {
 public:
  using Mat = Matrix<Scalar>;
  using Vec = Vector<Scalar>;
  using VecMap = Eigen::Map<Vec>;

  struct Cache {
    Mat xhat;        ///< normalised input, F x N
    Vec rstd;        ///< 1 / sqrt(var + eps) of the statistics used
    bool batch_statistics = false;  ///< true when the last forward ran in train mode
  };

  explicit BatchNorm(Index features, BatchNormOptions options = {})
      : features_(features), options_(options) {}

  Index features() const { return features_; }
  const BatchNormOptions& options() const { return options_; }
  Index parameter_count() const { return 2 * features_; }
  /// Number of buffer scalars: running mean and running variance.
  Index buffer_count() const { return 2 * features_; }

  void bind(Scalar* params, Scalar* grads) {
    new (&gamma_) VecMap(params, features_);
    new (&beta_) VecMap(params + features_, features_);
    new (&dgamma_) VecMap(grads, features_);
    new (&dbeta_) VecMap(grads + features_, features_);
  }
  void bind_buffers(Scalar* buffers) {
    new (&running_mean_) VecMap(buffers, features_);
    new (&running_var_) VecMap(buffers + features_, features_);
  }

  /// gamma = 1, beta = 0, running mean 0, running variance 1 (both frameworks agree).
  void initialize() {
    gamma_.setOnes();
    beta_.setZero();
    running_mean_.setZero();
    running_var_.setOnes();
  }

  void forward(const Mat& x, Mat& y, Mode mode) {
    if (x.rows() != features_) SYMPHONIC_THROW(ShapeError("batch-norm input rows", features_, x.rows()));
    const Scalar eps = static_cast<Scalar>(options_.epsilon);
    const Index n = x.cols();
    cache_.batch_statistics = mode == Mode::train;
    Vec mean;
    if (mode == Mode::train) {
      if (n < 1) SYMPHONIC_THROW(ShapeError("batch-norm batch columns (at least)", 1, n));
      mean = x.rowwise().mean();
      cache_.xhat = x.colwise() - mean;
      const Vec var = cache_.xhat.array().square().rowwise().mean();
      cache_.rstd = (var.array() + eps).rsqrt();
      const Scalar m = static_cast<Scalar>(options_.momentum);
      const Scalar correction =
          options_.unbiased_running_var && n > 1 ? Scalar(n) / Scalar(n - 1) : Scalar(1);
      running_mean_ = m * running_mean_ + (Scalar(1) - m) * mean;
      running_var_ = m * running_var_ + (Scalar(1) - m) * correction * var;
    } else {
      cache_.xhat = x.colwise() - Vec(running_mean_);
      cache_.rstd = (running_var_.array() + eps).rsqrt();
    }
    cache_.xhat.array().colwise() *= cache_.rstd.array();      // xhat = (x - mu) rstd
    y = (cache_.xhat.array().colwise() * gamma_.array()).matrix();  // y = gamma xhat + beta
    y.colwise() += beta_;
  }

  void backward(const Mat& dy, Mat& dx) {
    SYMPHONIC_ASSERT(dy.rows() == features_ && dy.cols() == cache_.xhat.cols());
    const Index n = dy.cols();
    dgamma_ += dy.cwiseProduct(cache_.xhat).rowwise().sum();  // dgamma += sum dy xhat
    dbeta_ += dy.rowwise().sum();                             // dbeta += sum dy
    Mat g = (dy.array().colwise() * gamma_.array()).matrix();
    if (!cache_.batch_statistics) {
      dx = (g.array().colwise() * cache_.rstd.array()).matrix();
      return;
    }
    // dx = rstd / N (N g - sum g - xhat sum g xhat)
    const Vec sum_g = g.rowwise().sum();
    const Vec sum_gx = g.cwiseProduct(cache_.xhat).rowwise().sum();
    const Scalar inv_n = Scalar(1) / Scalar(n);
    dx = g;
    dx.colwise() -= sum_g * inv_n;
    dx.array() -= cache_.xhat.array().colwise() * (sum_gx.array() * inv_n);
    dx.array().colwise() *= cache_.rstd.array();
  }

  const Cache& cache() const { return cache_; }

 private:
  Index features_;
  BatchNormOptions options_;
  VecMap gamma_{nullptr, 0}, beta_{nullptr, 0}, dgamma_{nullptr, 0}, dbeta_{nullptr, 0};
  VecMap running_mean_{nullptr, 0}, running_var_{nullptr, 0};
  Cache cache_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
