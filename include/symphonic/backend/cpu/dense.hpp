// symphonic/backend/cpu/dense.hpp - a fully connected layer over N columns, y = W x + b.
//
// W [out, in] row-major (PyTorch nn.Linear), x: in x N, y: out x N.
//   forward:   y = W x + b 1^T
//   backward:  dW += dy x^T,  db += dy 1,  dx = W^T dy
// Products are cut by output columns when N is large (a training batch over every step), else by
// output rows (the last step of a batch, or one generated token). With float and AVX-512 the
// forward cut by columns and the weight gradient use gemm_blocked (packed_gemm.hpp), the gradient
// formed transposed, dW^T += x dy^T, so that it is column-major; dx = W^T dy stays Eigen's,
// faster on these shapes (BM_Gemm shape 2 in bench_nn).
#pragma once

#include <algorithm>

#include <Eigen/Core>

#include "symphonic/backend/cpu/packed_gemm.hpp"
#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

/// dW += dY X^T for `rows` output rows of a weight gradient (row-major, `in` columns) over n
/// columns: dy points at the first of those rows of a column-major (ldy x n) buffer, dw at the
/// first row of dW. With the blocked kernel it is computed as dW^T += X dY^T, column-major.
template <class Scalar>
void weight_gradient(Index in, Index rows, Index n, const Scalar* x, const Scalar* dy, Index ldy, Scalar* dw) {
  if constexpr (packed_gemm_available<Scalar>) {
    gemm_blocked(in, rows, n, x, 1, in, dy, ldy, 1, dw, in, true);
  } else {
    using Strided = Eigen::Map<const Mat<Scalar>, 0, Eigen::OuterStride<>>;
    RowMajorMap<Scalar>(dw, rows, in).noalias() +=
        Strided(dy, rows, n, Eigen::OuterStride<>(ldy)) * ConstMatMap<Scalar>(x, in, n).transpose();
  }
}

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
        if constexpr (packed_gemm_available<Scalar>) {
          Y.middleCols(r.begin, r.size()).colwise() = bias;
          gemm_blocked(out, r.size(), in, w, in, 1, x + r.begin * in, 1, in, y + r.begin * out, out, true);
        } else {
          Y.middleCols(r.begin, r.size()).noalias() = W * X.middleCols(r.begin, r.size());
          Y.middleCols(r.begin, r.size()).colwise() += bias;
        }
      },
      [&](Range r) {
        Y.middleRows(r.begin, r.size()).noalias() = W.middleRows(r.begin, r.size()) * X;
        Y.middleRows(r.begin, r.size()).colwise() += bias.segment(r.begin, r.size());
      });
}

/// dx = W^T dy: dense_backward's gradient of the input alone (W out x in row-major, dy out x n).
template <class Scalar>
void dense_input_gradient(ThreadPool& pool, Index in, Index out, Index n, const Scalar* w, const Scalar* dy,
                          Scalar* dx) {
  ConstRowMajorMap<Scalar> W(w, out, in);
  ConstMatMap<Scalar> dY(dy, out, n);
  MatMap<Scalar> dX(dx, in, n);
  cut_product(
      pool, in, n, 64,
      [&](Range r) { dX.middleCols(r.begin, r.size()).noalias() = W.transpose() * dY.middleCols(r.begin, r.size()); },
      [&](Range r) { dX.middleRows(r.begin, r.size()).noalias() = W.middleCols(r.begin, r.size()).transpose() * dY; });
}

/// Adds into dw and db; writes dx (in x n) unless it is null.
template <class Scalar>
void dense_backward(ThreadPool& pool, Index in, Index out, Index n, const Scalar* w, const Scalar* x, const Scalar* dy,
                    Scalar* dw, Scalar* db, Scalar* dx) {
  ConstMatMap<Scalar> dY(dy, out, n);
  VecMap<Scalar> dB(db, out);
  const Index row_parts = std::max<Index>(1, std::min<Index>(pool.size(), out / kRowAlign));
  pool.run(row_parts, [&](Index p) {
    const Range r = split(out, row_parts, p, kRowAlign);
    weight_gradient(in, r.size(), n, x, dy + r.begin, out, dw + r.begin * in);
    dB.segment(r.begin, r.size()) += dY.middleRows(r.begin, r.size()).rowwise().sum();
  });
  if (dx) dense_input_gradient(pool, in, out, n, w, dy, dx);
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
