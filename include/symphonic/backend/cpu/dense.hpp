// symphonic/backend/cpu/dense.hpp - a fully connected layer over N columns, y = W x + b.
//
// W [out, in] row-major (PyTorch nn.Linear), x: in x N, y: out x N.
//   forward:   y = W x + b 1^T
//   backward:  dW += dy x^T,  db += dy 1,  dx = W^T dy
// Products are cut by output columns when N is large (a training batch over every step), else by
// output rows (the last step of a batch, or one generated token).
#pragma once

#include <algorithm>

#include <Eigen/Core>

#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

template <class Scalar>
void dense_forward(ThreadPool& pool, Index in, Index out, Index n, const Scalar* w, const Scalar* b, const Scalar* x,
                   Scalar* y) {
  ConstRowMajorMap<Scalar> W(w, out, in);
  ConstVecMap<Scalar> bias(b, out);
  ConstMatMap<Scalar> X(x, in, n);
  MatMap<Scalar> Y(y, out, n);
  cut_product(
      pool, out, n, 64,
      [&](Range r) {
        Y.middleCols(r.begin, r.size()).noalias() = W * X.middleCols(r.begin, r.size());
        Y.middleCols(r.begin, r.size()).colwise() += bias;
      },
      [&](Range r) {
        Y.middleRows(r.begin, r.size()).noalias() = W.middleRows(r.begin, r.size()) * X;
        Y.middleRows(r.begin, r.size()).colwise() += bias.segment(r.begin, r.size());
      });
}

/// Adds into dw and db; writes dx (in x n) unless it is null.
template <class Scalar>
void dense_backward(ThreadPool& pool, Index in, Index out, Index n, const Scalar* w, const Scalar* x, const Scalar* dy,
                    Scalar* dw, Scalar* db, Scalar* dx) {
  ConstMatMap<Scalar> X(x, in, n), dY(dy, out, n);
  RowMajorMap<Scalar> dW(dw, out, in);
  VecMap<Scalar> dB(db, out);
  const Index row_parts = std::max<Index>(1, std::min<Index>(pool.size(), out / kRowAlign));
  pool.run(row_parts, [&](Index p) {
    const Range r = split(out, row_parts, p, kRowAlign);
    dW.middleRows(r.begin, r.size()).noalias() += dY.middleRows(r.begin, r.size()) * X.transpose();
    dB.segment(r.begin, r.size()) += dY.middleRows(r.begin, r.size()).rowwise().sum();
  });
  if (!dx) return;
  ConstRowMajorMap<Scalar> W(w, out, in);
  MatMap<Scalar> dX(dx, in, n);
  cut_product(
      pool, in, n, 64,
      [&](Range r) { dX.middleCols(r.begin, r.size()).noalias() = W.transpose() * dY.middleCols(r.begin, r.size()); },
      [&](Range r) { dX.middleRows(r.begin, r.size()).noalias() = W.middleCols(r.begin, r.size()).transpose() * dY; });
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
