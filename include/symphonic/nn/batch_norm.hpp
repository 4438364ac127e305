// symphonic/nn/batch_norm.hpp - batch normalisation over features (PyTorch BatchNorm1d, Keras
// BatchNormalization on a 2-D input).
//
// x is F x N (features x batch columns). Parameters name.weight (gamma) and name.bias (beta), F
// each; buffers name.running_mean and name.running_var, F each (saved in checkpoints, never
// optimised). The maths, with both modes and the backward, is written in
// backend/cpu/batch_norm.hpp. `momentum` follows Keras (weight of the old value, default 0.99);
// PyTorch's momentum m is Keras' 1 - m. Keras' default epsilon is 1e-3 (PyTorch's 1e-5).
#pragma once

#include <string>

#include <Eigen/Core>

#include "symphonic/backend/cpu/batch_norm.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/layout.hpp"
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

  /// What backward needs from forward, kept in the caller's workspace.
  struct Cache {
    Mat xhat;        ///< normalised input, F x N
    Vec rstd;        ///< 1 / sqrt(var + eps) of the statistics used
    bool batch_statistics = false;  ///< true when the forward ran in train mode
    Index columns = 0;              ///< columns the statistics cover (all replicas' when synchronised)
    const backend::cpu::ReplicaSum* replicas = nullptr;  ///< the forward's, for backward
  };

  explicit BatchNorm(Index features, BatchNormOptions options = {}) : features_(features), options_(options) {}

  Index features() const { return features_; }
  const BatchNormOptions& options() const { return options_; }
  Index parameter_count() const { return 2 * features_; }

  void describe(ParameterLayout& layout, const std::string& name) {
    gamma_ = layout.add(name + ".weight", {features_});
    beta_ = layout.add(name + ".bias", {features_});
    mean_ = layout.add(name + ".running_mean", {features_}, TensorKind::buffer);
    var_ = layout.add(name + ".running_var", {features_}, TensorKind::buffer);
  }
  void bind(const ParameterLayout& layout, const Flat<Scalar>& flat) {
    gamma_data_ = layout.param(gamma_, flat);
    beta_data_ = layout.param(beta_, flat);
    p_ = backend::cpu::BatchNormParams<Scalar>{gamma_data_, beta_data_,
                                               layout.buffer(mean_, flat), layout.buffer(var_, flat),
                                               options_.momentum, options_.epsilon, options_.unbiased_running_var};
    dgamma_ = layout.grad(gamma_, flat);
    dbeta_ = layout.grad(beta_, flat);
  }

  /// gamma = 1, beta = 0, running mean 0, running variance 1 (both frameworks agree).
  void initialize() {
    for (Index i = 0; i < features_; ++i) {
      gamma_data_[i] = Scalar(1);
      beta_data_[i] = Scalar(0);
      p_.running_mean[i] = Scalar(0);
      p_.running_var[i] = Scalar(1);
    }
  }

  /// Train mode normalises with the batch statistics and updates the running ones (the bound
  /// buffers); infer mode reads the running ones and writes nothing shared. With `replicas` (data-
  /// parallel training) the statistics are those of the batch all replicas share.
  void forward(const Mat& x, Mat& y, Cache& cache, Mode mode, const backend::cpu::ReplicaSum* replicas = nullptr) const {
    if (x.rows() != features_) SYMPHONIC_THROW(ShapeError("batch-norm input rows", features_, x.rows()));
    const bool synchronised = mode == Mode::train && replicas && *replicas;
    if (mode == Mode::train && x.cols() < 1 && !synchronised)  // a replica may hold none of a shared batch
      SYMPHONIC_THROW(ShapeError("batch-norm batch columns (at least)", 1, x.cols()));
    cache.batch_statistics = mode == Mode::train;
    cache.xhat.resize(features_, x.cols());
    cache.rstd.resize(features_);
    y.resize(features_, x.cols());
    cache.replicas = synchronised ? replicas : nullptr;
    cache.columns = backend::cpu::batch_norm_forward(features_, x.cols(), x.data(), p_, cache.batch_statistics,
                                                     cache.xhat.data(), cache.rstd.data(), y.data(), cache.replicas);
  }

  void backward(const Mat& dy, Mat& dx, const Cache& cache) const {
    SYMPHONIC_ASSERT(dy.rows() == features_ && dy.cols() == cache.xhat.cols());
    dx.resize(features_, dy.cols());
    backend::cpu::batch_norm_backward(features_, dy.cols(), dy.data(), cache.xhat.data(), cache.rstd.data(), p_.gamma,
                                      cache.batch_statistics, dgamma_, dbeta_, dx.data(), cache.columns, cache.replicas);
  }

 private:
  Index features_;
  BatchNormOptions options_;
  ParameterLayout::Slot gamma_ = 0, beta_ = 0, mean_ = 0, var_ = 0;
  backend::cpu::BatchNormParams<Scalar> p_{};
  Scalar *gamma_data_ = nullptr, *beta_data_ = nullptr, *dgamma_ = nullptr, *dbeta_ = nullptr;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
