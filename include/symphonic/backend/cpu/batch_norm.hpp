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
// The sums over n (sum x, sum (x - mu)^2, sum g, sum g xhat) are accumulated in double.
// Synchronised (data-parallel training with a ReplicaSum): the n columns are one replica's share
// (possibly none) of a batch of N; those sums are summed over the replicas and N replaces n, so
// every replica normalises with the statistics of the whole batch, updates the same running ones,
// and its dx is the one a single process would compute for its columns.
#pragma once

#include <functional>
#include <vector>

#include <Eigen/Core>

#include "symphonic/backend/buffers.hpp"
#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

using backend::BatchNormParams;  // backend/buffers.hpp, shared with backend/cuda/

/// Sums `n` values in place over every replica that shares a batch (synchronised batch norm); a
/// null pointer where one is taken means this replica holds the whole batch.
using ReplicaSum = std::function<void(double* values, Index n)>;

namespace detail {
// Row means of M (F x n), accumulated in double; with `replicas`, of the columns of every replica
// (the row sums and the column count summed over them). *N receives the column count.
template <class Derived>
Eigen::VectorXd row_mean(const Eigen::MatrixBase<Derived>& M, const ReplicaSum* replicas, Index* N) {
  const Index F = M.rows();
  std::vector<double> s(static_cast<std::size_t>(F + 1));
  // A replica can hold no columns of a small last batch: its sums stay zero (and row() of an
  // empty map would offset a null pointer).
  if (M.cols() > 0)
    for (Index f = 0; f < F; ++f) s[static_cast<std::size_t>(f)] = M.row(f).template cast<double>().sum();
  s[static_cast<std::size_t>(F)] = static_cast<double>(M.cols());
  if (replicas && *replicas) (*replicas)(s.data(), F + 1);
  *N = static_cast<Index>(s[static_cast<std::size_t>(F)]);
  return Eigen::Map<const Eigen::VectorXd>(s.data(), F) / static_cast<double>(*N > 0 ? *N : 1);
}
}  // namespace detail

/// Writes xhat (F x n), rstd (F) and y (F x n). `batch_statistics`: normalise with the batch's
/// mean and variance and update the running ones (training); else with the running ones. Returns
/// the number of columns the statistics cover (n, or the whole batch's N when synchronised by
/// `replicas`), which backward needs.
template <class Scalar>
Index batch_norm_forward(Index F, Index n, const Scalar* x, const BatchNormParams<Scalar>& p, bool batch_statistics,
                         Scalar* xhat, Scalar* rstd, Scalar* y, const ReplicaSum* replicas = nullptr) {
  ConstMatMap<Scalar> X(x, F, n);
  MatMap<Scalar> Xhat(xhat, F, n), Y(y, F, n);
  VecMap<Scalar> Rstd(rstd, F), mean_run(p.running_mean, F), var_run(p.running_var, F);
  const Scalar eps = static_cast<Scalar>(p.epsilon);
  Index N = n;
  if (batch_statistics) {
    const Vec<Scalar> mean = detail::row_mean(X, replicas, &N).template cast<Scalar>();
    Xhat = X.colwise() - mean;
    const Vec<Scalar> var = detail::row_mean(Xhat.array().square().matrix(), replicas, &N).template cast<Scalar>();
    Rstd = (var.array() + eps).rsqrt();
    const Scalar m = static_cast<Scalar>(p.momentum);
    const Scalar correction = p.unbiased_running_var && N > 1 ? Scalar(N) / Scalar(N - 1) : Scalar(1);
    mean_run = m * mean_run + (Scalar(1) - m) * mean;
    var_run = m * var_run + (Scalar(1) - m) * correction * var;
  } else {
    Xhat = X.colwise() - Vec<Scalar>(mean_run);
    Rstd = (var_run.array() + eps).rsqrt();
  }
  Xhat.array().colwise() *= Rstd.array();  // xhat = (x - mu) rstd
  Y = (Xhat.array().colwise() * ConstVecMap<Scalar>(p.gamma, F).array()).matrix();  // y = gamma xhat + beta
  Y.colwise() += ConstVecMap<Scalar>(p.beta, F);
  return N;
}

/// `N` is what the forward returned; `replicas` must be the forward's.
template <class Scalar>
void batch_norm_backward(Index F, Index n, const Scalar* dy, const Scalar* xhat, const Scalar* rstd,
                         const Scalar* gamma, bool batch_statistics, Scalar* dgamma, Scalar* dbeta, Scalar* dx,
                         Index N = 0, const ReplicaSum* replicas = nullptr) {
  if (n == 0) {  // a replica without columns of a small last batch: nothing to add, but it joins the sums
    std::vector<double> zeros(static_cast<std::size_t>(2 * F), 0.0);
    if (batch_statistics && replicas && *replicas) (*replicas)(zeros.data(), 2 * F);
    return;
  }
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
  // sum_n g and sum_n g xhat, in double, over every replica's columns
  std::vector<double> s(static_cast<std::size_t>(2 * F));
  for (Index f = 0; f < F; ++f) {
    s[static_cast<std::size_t>(f)] = dX.row(f).template cast<double>().sum();
    s[static_cast<std::size_t>(F + f)] = dX.row(f).cwiseProduct(Xhat.row(f)).template cast<double>().sum();
  }
  if (replicas && *replicas) (*replicas)(s.data(), 2 * F);
  const Eigen::Map<const Eigen::VectorXd> sums(s.data(), 2 * F);
  const Vec<Scalar> sum_g = sums.head(F).cast<Scalar>(), sum_gx = sums.tail(F).cast<Scalar>();
  const Scalar inv_n = Scalar(1) / Scalar(N > 0 ? N : n);
  dX.colwise() -= sum_g * inv_n;
  dX.array() -= Xhat.array().colwise() * (sum_gx.array() * inv_n);
  dX.array().colwise() *= Rstd.array();
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
