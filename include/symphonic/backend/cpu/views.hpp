// symphonic/backend/cpu/views.hpp - Eigen views over the raw (pointer, size) buffers the CPU
// kernels take, and the rule by which a kernel cuts a matrix product across the thread pool.
//
// Kernels see memory only as pointers plus explicit sizes (the llm.c style), so the same buffers
// can come from a model's flat arrays, a caller's workspace or, on the CUDA backend, the device.
// Weights are row-major (PyTorch's state_dict layout, DESIGN.md seam 1); activations are
// column-major with one column per (step, sequence) (seam 2).
#pragma once

#include <algorithm>

#include <Eigen/Core>

#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

template <class Scalar>
using Mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <class Scalar>
using Vec = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
template <class Scalar>
using MatMap = Eigen::Map<Mat<Scalar>>;
template <class Scalar>
using ConstMatMap = Eigen::Map<const Mat<Scalar>>;
template <class Scalar>
using RowMajorMap = Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <class Scalar>
using ConstRowMajorMap = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <class Scalar>
using VecMap = Eigen::Map<Vec<Scalar>>;
template <class Scalar>
using ConstVecMap = Eigen::Map<const Vec<Scalar>>;

/// n rounded up to a multiple of `to`.
inline Index round_up(Index n, Index to) { return (n + to - 1) / to * to; }

/// Row ranges are cut at multiples of this (one AVX-512 register of floats), so the pieces of a
/// column-major output that two threads write start on whole vectors.
constexpr Index kRowAlign = 16;

/// How many parts a product with `columns` output columns is cut into on `pool`: one per thread
/// when every part keeps at least `min_columns` columns (below that the product's kernel loses
/// more to thin panels than a second thread gains), else fewer.
inline Index column_parts(const ThreadPool& pool, Index columns, Index min_columns) {
  const Index parts = columns / min_columns;
  return parts < 1 ? 1 : (parts < pool.size() ? parts : pool.size());
}

/// Runs a product whose output is rows x cols on the pool, cut by output columns when every part
/// keeps at least `min_columns` of them, else by bands of rows: by_columns(Range) or by_rows(Range)
/// is called once per part, each writing only its own piece of the output. Uncut (one thread, or a
/// product too small to share), by_columns does the whole when it has at least `min_columns`
/// columns (the callers' kernel for wide products) and by_rows otherwise (theirs for a few
/// columns: a generated token's product is a matrix times one vector, which a blocked kernel
/// would first pack whole).
template <class ByColumns, class ByRows>
void cut_product(ThreadPool& pool, Index rows, Index cols, Index min_columns, ByColumns&& by_columns, ByRows&& by_rows) {
  const Index col_parts = column_parts(pool, cols, min_columns);
  const Index row_parts = std::min<Index>(pool.size(), rows / kRowAlign);
  if (col_parts > 1 || (row_parts < 2 && cols >= min_columns)) {
    pool.run(col_parts, [&](Index p) { by_columns(split(cols, col_parts, p)); });
    return;
  }
  const Index parts = std::max<Index>(1, row_parts);
  pool.run(parts, [&](Index p) { by_rows(split(rows, parts, p, kRowAlign)); });
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
