// symphonic/backend/cpu/batch_norm.hpp - batch normalisation over the columns of F x N.
//
//   train:  mu = mean_n x,  var = mean_n (x - mu)^2  (biased),  rstd = 1 / sqrt(var + eps)
//           xhat = (x - mu) rstd,  y = gamma xhat + beta
//           running_mean = momentum running_mean + (1 - momentum) mu
//           running_var  = momentum running_var  + (1 - momentum) var'
//           (var' = var, or the unbiased N/(N-1) var when `unbiased_running_var`)
//   infer:  xhat = (x - running_mean) / sqrt(running_var + eps)
//   backward, with g = gamma dy:
//           train: dx = rstd / N (N g - sum_n g - xhat sum_n g xhat)
//           infer: dx = rstd g
//           dgamma += sum_n dy xhat,  dbeta += sum_n dy
// The head it serves is F x B (the last step) or F x T B, a few hundred features: one thread.
#pragma once

#include <Eigen/Core>

#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

template <class Scalar>
struct BatchNormParams {
  const Scalar* gamma;
  const Scalar* beta;
  Scalar* running_mean;  ///< updated in training, read at inference
  Scalar* running_var;
  double momentum, epsilon;
  bool unbiased_running_var;
};

/// Writes xhat (F x n), rstd (F) and y (F x n). `batch_statistics`: normalise with the batch's
/// mean and variance and update the running ones (training); else with the running ones.
template <class Scalar>
void batch_norm_forward(Index F, Index n, const Scalar* x, const BatchNormParams<Scalar>& p, bool batch_statistics,
                        Scalar* xhat, Scalar* rstd, Scalar* y) {
  ConstMatMap<Scalar> X(x, F, n);
  MatMap<Scalar> Xhat(xhat, F, n), Y(y, F, n);
  VecMap<Scalar> Rstd(rstd, F), mean_run(p.running_mean, F), var_run(p.running_var, F);
  const Scalar eps = static_cast<Scalar>(p.epsilon);
  if (batch_statistics) {
    const Vec<Scalar> mean = X.rowwise().mean();
    Xhat = X.colwise() - mean;
    const Vec<Scalar> var = Xhat.array().square().rowwise().mean();
    Rstd = (var.array() + eps).rsqrt();
    const Scalar m = static_cast<Scalar>(p.momentum);
    const Scalar correction = p.unbiased_running_var && n > 1 ? Scalar(n) / Scalar(n - 1) : Scalar(1);
    mean_run = m * mean_run + (Scalar(1) - m) * mean;
    var_run = m * var_run + (Scalar(1) - m) * correction * var;
  } else {
    Xhat = X.colwise() - Vec<Scalar>(mean_run);
    Rstd = (var_run.array() + eps).rsqrt();
  }
  Xhat.array().colwise() *= Rstd.array();  // xhat = (x - mu) rstd
  Y = (Xhat.array().colwise() * ConstVecMap<Scalar>(p.gamma, F).array()).matrix();  // y = gamma xhat + beta
  Y.colwise() += ConstVecMap<Scalar>(p.beta, F);
}

template <class Scalar>
void batch_norm_backward(Index F, Index n, const Scalar* dy, const Scalar* xhat, const Scalar* rstd,
                         const Scalar* gamma, bool batch_statistics, Scalar* dgamma, Scalar* dbeta, Scalar* dx) {
  ConstMatMap<Scalar> dY(dy, F, n), Xhat(xhat, F, n);
  ConstVecMap<Scalar> Rstd(rstd, F), G(gamma, F);
  MatMap<Scalar> dX(dx, F, n);
  VecMap<Scalar>(dgamma, F) += dY.cwiseProduct(Xhat).rowwise().sum();  // dgamma += sum dy xhat
  VecMap<Scalar>(dbeta, F) += dY.rowwise().sum();                      // dbeta += sum dy
  dX = (dY.array().colwise() * G.array()).matrix();                     // g = gamma dy
  if (!batch_statistics) {
    dX.array().colwise() *= Rstd.array();
    return;
  }
  const Vec<Scalar> sum_g = dX.rowwise().sum();
  const Vec<Scalar> sum_gx = dX.cwiseProduct(Xhat).rowwise().sum();
  const Scalar inv_n = Scalar(1) / Scalar(n);
  dX.colwise() -= sum_g * inv_n;
  dX.array() -= Xhat.array().colwise() * (sum_gx.array() * inv_n);
  dX.array().colwise() *= Rstd.array();
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
