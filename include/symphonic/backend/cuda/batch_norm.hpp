// symphonic/backend/cuda/batch_norm.hpp - batch normalisation over the columns of F x n:
// backend/cpu/batch_norm.hpp's maths over an executor, one thread per feature (a head has a few
// hundred), each running over its row's n columns with its sums in double as the CPU does.
//   train:  mu = mean x,  var = mean (x - mu)^2,  rstd = 1 / sqrt(var + eps),  xhat = (x - mu) rstd
//           y = gamma xhat + beta;  running = momentum running + (1 - momentum) batch value
//           (the variance's made unbiased, n / (n - 1), when asked)
//   infer:  xhat = (x - running_mean) / sqrt(running_var + eps)
//   backward, g = gamma dy:  train dx = rstd (g - mean g - xhat mean(g xhat));  infer dx = rstd g
//                            dgamma += sum dy xhat,  dbeta += sum dy
// Synchronised batch norm across replicas is the CPU backend's (data-parallel training); here a
// batch is whole.
#pragma once

#include "symphonic/backend/buffers.hpp"
#include "symphonic/backend/cuda/elementwise.hpp"
#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

using backend::BatchNormParams;  // backend/buffers.hpp, the CPU backend's too

template <class Scalar>
struct BatchNormForward {
  Index F, n;
  const Scalar* x;
  BatchNormParams<Scalar> p;
  bool batch_statistics;
  Scalar *xhat, *rstd, *y;
  SYMPHONIC_HD void operator()(Index f) const {
    const Scalar eps = static_cast<Scalar>(p.epsilon);
    Scalar mean, r;
    if (batch_statistics) {
      double s = 0;
      for (Index j = 0; j < n; ++j) s += static_cast<double>(x[f + j * F]);
      mean = static_cast<Scalar>(s / static_cast<double>(n));
      double q = 0;
      for (Index j = 0; j < n; ++j) {
        const Scalar d = x[f + j * F] - mean;
        q += static_cast<double>(d * d);
      }
      const Scalar var = static_cast<Scalar>(q / static_cast<double>(n));
      r = Scalar(1) / sqrt_of(var + eps);
      const Scalar m = static_cast<Scalar>(p.momentum);
      const Scalar correction = p.unbiased_running_var && n > 1 ? Scalar(n) / Scalar(n - 1) : Scalar(1);
      p.running_mean[f] = m * p.running_mean[f] + (Scalar(1) - m) * mean;
      p.running_var[f] = m * p.running_var[f] + (Scalar(1) - m) * correction * var;
    } else {
      mean = p.running_mean[f];
      r = Scalar(1) / sqrt_of(p.running_var[f] + eps);
    }
    rstd[f] = r;
    for (Index j = 0; j < n; ++j) {
      const Scalar h = (x[f + j * F] - mean) * r;
      xhat[f + j * F] = h;
      y[f + j * F] = p.gamma[f] * h + p.beta[f];
    }
  }
};

template <class Scalar>
struct BatchNormBackward {
  Index F, n;
  const Scalar *dy, *xhat, *rstd, *gamma;
  bool batch_statistics;
  Scalar *dgamma, *dbeta, *dx;
  SYMPHONIC_HD void operator()(Index f) const {
    double sum_dy = 0, sum_dy_xhat = 0;
    for (Index j = 0; j < n; ++j) {
      sum_dy += static_cast<double>(dy[f + j * F]);
      sum_dy_xhat += static_cast<double>(dy[f + j * F] * xhat[f + j * F]);
    }
    dgamma[f] += static_cast<Scalar>(sum_dy_xhat);
    dbeta[f] += static_cast<Scalar>(sum_dy);
    const Scalar g = gamma[f], r = rstd[f];
    if (!batch_statistics) {
      for (Index j = 0; j < n; ++j) dx[f + j * F] = g * dy[f + j * F] * r;
      return;
    }
    // sum g = gamma sum dy and sum g xhat = gamma sum dy xhat, over n
    const Scalar inv_n = Scalar(1) / Scalar(n);
    const Scalar mean_g = g * static_cast<Scalar>(sum_dy) * inv_n, mean_gx = g * static_cast<Scalar>(sum_dy_xhat) * inv_n;
    for (Index j = 0; j < n; ++j) dx[f + j * F] = (g * dy[f + j * F] - mean_g - xhat[f + j * F] * mean_gx) * r;
  }
};

/// Writes xhat (F x n), rstd (F) and y (F x n); in training (batch_statistics) also the running
/// statistics. n >= 1.
template <class Exec, class Scalar>
void batch_norm_forward(Exec& ex, Index F, Index n, const Scalar* x, const BatchNormParams<Scalar>& p,
                        bool batch_statistics, Scalar* xhat, Scalar* rstd, Scalar* y) {
  ex.for_each(F, BatchNormForward<Scalar>{F, n, x, p, batch_statistics, xhat, rstd, y});
}

template <class Exec, class Scalar>
void batch_norm_backward(Exec& ex, Index F, Index n, const Scalar* dy, const Scalar* xhat, const Scalar* rstd,
                         const Scalar* gamma, bool batch_statistics, Scalar* dgamma, Scalar* dbeta, Scalar* dx) {
  ex.for_each(F, BatchNormBackward<Scalar>{F, n, dy, xhat, rstd, gamma, batch_statistics, dgamma, dbeta, dx});
}

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
