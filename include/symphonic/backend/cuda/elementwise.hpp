// symphonic/backend/cuda/elementwise.hpp - scalar functions both compilers agree on, and the
// one-line functors (fill, copy, product) the other kernels of backend/cuda/ share.
//
// Device code cannot call std::exp on every toolkit, and the host's std::exp may be vectorised
// differently, so the functors call the C library's expf/exp, tanhf/tanh, ... through the
// overloads below, which nvcc gives a device version of and g++ a host one.
#pragma once

#include <math.h>

#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

SYMPHONIC_HD float exp_of(float x) { return ::expf(x); }
SYMPHONIC_HD double exp_of(double x) { return ::exp(x); }
SYMPHONIC_HD float log_of(float x) { return ::logf(x); }
SYMPHONIC_HD double log_of(double x) { return ::log(x); }
SYMPHONIC_HD float tanh_of(float x) { return ::tanhf(x); }
SYMPHONIC_HD double tanh_of(double x) { return ::tanh(x); }
SYMPHONIC_HD float sqrt_of(float x) { return ::sqrtf(x); }
SYMPHONIC_HD double sqrt_of(double x) { return ::sqrt(x); }
SYMPHONIC_HD double pow_of(double x, double y) { return ::pow(x, y); }
/// 1 / (1 + e^-x)
template <class Scalar>
SYMPHONIC_HD Scalar sigmoid_of(Scalar x) {
  return Scalar(1) / (Scalar(1) + exp_of(-x));
}

template <class T>
struct Fill {
  T* y;
  T value;
  SYMPHONIC_HD void operator()(Index i) const { y[i] = value; }
};

/// y = x * m (elementwise; y may be x); with m null, y = x.
template <class Scalar>
struct MultiplyBy {
  const Scalar* x;
  const Scalar* m;
  Scalar* y;
  SYMPHONIC_HD void operator()(Index i) const { y[i] = m ? x[i] * m[i] : x[i]; }
};

/// y(r, j) = bias(r) over rows x n (the start of a product with beta = 1: y = W x + b 1^T).
template <class Scalar>
struct FillRows {
  Index rows;
  const Scalar* bias;
  Scalar* y;
  SYMPHONIC_HD void operator()(Index i) const { y[i] = bias[i % rows]; }
};

template <class Exec, class T>
void fill(Exec& ex, Index n, T* y, T value) {
  ex.for_each(n, Fill<T>{y, value});
}
template <class Exec, class Scalar>
void copy(Exec& ex, Index n, const Scalar* x, Scalar* y) {
  ex.for_each(n, MultiplyBy<Scalar>{x, nullptr, y});
}

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
