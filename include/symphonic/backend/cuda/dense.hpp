// symphonic/backend/cuda/dense.hpp - a fully connected layer over N columns, y = W x + b, and the
// ReLU between dense layers: backend/cpu/dense.hpp's maths over an executor (executor.hpp).
//
// W [out, in] row-major (PyTorch nn.Linear), x: in x N, y: out x N.
//   forward:   y = b 1^T, then y += W x                       (one product)
//   backward:  dW += dy x^T,  db += dy 1,  dx = W^T dy        (three products; 1 = `ones`)
//   relu:      y = max(x, 0);  dx = dy where y > 0, else 0
#pragma once

#include "symphonic/backend/cuda/elementwise.hpp"
#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

template <class Exec, class Scalar>
void dense_forward(Exec& ex, Index in, Index out, Index n, const Scalar* w, const Scalar* b, const Scalar* x,
                   Scalar* y) {
  ex.for_each(out * n, FillRows<Scalar>{out, b, y});
  ex.gemm(weight_times(out, in, n), Scalar(1), w, x, Scalar(1), y);
}

/// Adds into dw and db; writes dx (in x n) unless it is null. `ones`: n ones.
template <class Exec, class Scalar>
void dense_backward(Exec& ex, Index in, Index out, Index n, const Scalar* w, const Scalar* x, const Scalar* dy,
                    Scalar* dw, Scalar* db, Scalar* dx, const Scalar* ones) {
  ex.gemm(into_weight_gradient(out, in, n), Scalar(1), x, dy, Scalar(1), dw);
  ex.gemm(row_sums(out, n), Scalar(1), dy, ones, Scalar(1), db);
  if (dx) ex.gemm(weight_transposed_times(out, in, n), Scalar(1), w, dy, Scalar(0), dx);
}

template <class Scalar>
struct ReluForward {
  const Scalar* x;
  Scalar* y;
  SYMPHONIC_HD void operator()(Index i) const { y[i] = x[i] > Scalar(0) ? x[i] : Scalar(0); }
};
template <class Scalar>
struct ReluBackward {
  const Scalar* y;
  const Scalar* dy;
  Scalar* dx;
  SYMPHONIC_HD void operator()(Index i) const { dx[i] = y[i] > Scalar(0) ? dy[i] : Scalar(0); }
};

template <class Exec, class Scalar>
void relu_forward(Exec& ex, Index n, const Scalar* x, Scalar* y) {
  ex.for_each(n, ReluForward<Scalar>{x, y});
}
/// `y` is the forward's output.
template <class Exec, class Scalar>
void relu_backward(Exec& ex, Index n, const Scalar* y, const Scalar* dy, Scalar* dx) {
  ex.for_each(n, ReluBackward<Scalar>{y, dy, dx});
}

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
