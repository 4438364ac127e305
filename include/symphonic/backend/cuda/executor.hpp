// symphonic/backend/cuda/executor.hpp - what the CUDA backend's kernels are written against, and
// a reference executor that runs them on the CPU.
//
// Every function of backend/cuda/ is written once over an executor `ex` with these operations:
//   ex.for_each(n, f)   f(i) once for every i in [0, n), in any order and all at once (one GPU
//                       thread per i); f is a functor with a SYMPHONIC_HD call operator, and no
//                       two i may write the same element
//   ex.gemm(g, alpha, A, B, beta, C)
//                       C = alpha op(A) op(B) + beta C in column-major storage: cuBLAS's
//                       convention, with the shapes of `g` (Gemm below)
//   ex.upload(dst, src, n) / ex.download(dst, src, n)
//                       copies between the host and the executor's memory (download waits)
//   ex.buffer<T>(n)     an Exec::Buffer<T> of n elements (contents undefined), with data() and size()
// CudaExecutor (runtime.hpp, nvcc only) launches one grid-stride kernel per for_each and one cuBLAS
// product per gemm, in order on one stream. HostExecutor runs the very same functions in plain
// loops, visiting indices in reverse so that an order-dependent functor shows; CI, which has no
// GPU, checks with it the backend's maths, its indexing and the operands of every product against
// backend/cpu/ (tests/backend). What only a GPU can check is the launch and cuBLAS's side of gemm.
//
// Weights are row-major [out, in] (PyTorch), activations column-major with a column per (step,
// sequence): in cuBLAS's column-major terms a weight matrix is its own transpose, so
//   y = W x          is  weight_times(out, in, n)        op(A) = W,   B = x
//   dx = W^T dy      is  weight_transposed_times(...)    A = W (as stored),  B = dy
//   dW += dy x^T     is  into_weight_gradient(...)       A = x,  op(B) = dy^T,  C = dW (as stored)
//   s = M 1          is  row_sums(rows, n)               A = M,  B = a column of n ones
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

using Index = nn::Index;

/// The shapes of C (m x n) = alpha op(A) (m x k) op(B) (k x n) + beta C, column-major.
struct Gemm {
  bool transpose_a = false, transpose_b = false;
  Index m = 0, n = 0, k = 0;
  Index lda = 0, ldb = 0, ldc = 0;
};

/// Y (out x n, leading dimension ldy) = W X, W row-major [out, in], X in x n.
inline Gemm weight_times(Index out, Index in, Index n, Index ldy = 0) {
  return {true, false, out, n, in, in, in, ldy > 0 ? ldy : out};
}
/// dX (in x n) = W^T dY, W row-major [out, in], dY out x n (leading dimension ldd).
inline Gemm weight_transposed_times(Index out, Index in, Index n, Index ldd = 0) {
  return {false, false, in, n, out, in, ldd > 0 ? ldd : out, in};
}
/// dW (row-major [out, in]) += dY X^T over n columns: with A = X (in x n), B = dY (out x n).
inline Gemm into_weight_gradient(Index out, Index in, Index n) { return {false, true, in, out, n, in, out, in}; }
/// s (rows) = M 1 over n columns: A = M (rows x n), B = n ones.
inline Gemm row_sums(Index rows, Index n) { return {false, false, rows, 1, n, rows, n, rows}; }

/// Buffer type of an executor.
template <class Exec, class T>
using BufferOf = typename Exec::template Buffer<T>;

/// Makes `b` hold at least n elements (a new buffer, keeping nothing, when it is smaller);
/// returns its data. Buffers only grow, so a steady loop of one shape allocates nothing after its
/// first step (a device allocation can cost more than the kernels of a step).
template <class Exec, class Buffer>
auto ensure(Exec& ex, Buffer& b, Index n) -> decltype(b.data()) {
  using T = std::remove_pointer_t<decltype(b.data())>;
  if (static_cast<Index>(b.size()) < n) b = ex.template buffer<T>(n);
  return b.data();
}

/// The reference executor: the backend's functions on the CPU, element by element.
class HostExecutor {
 public:
  template <class T>
  using Buffer = std::vector<T>;

  template <class T>
  Buffer<T> buffer(Index n) const {
    return Buffer<T>(static_cast<std::size_t>(n));
  }

  template <class F>
  void for_each(Index n, const F& f) const {
    for (Index i = n; i-- > 0;) f(i);
  }

  /// Sums each product in double: the reference the device's float products are held to.
  template <class T>
  void gemm(const Gemm& g, T alpha, const T* a, const T* b, T beta, T* c) const {
    for (Index j = 0; j < g.n; ++j)
      for (Index i = 0; i < g.m; ++i) {
        double s = 0;
        for (Index p = 0; p < g.k; ++p) {
          const T av = g.transpose_a ? a[p + i * g.lda] : a[i + p * g.lda];
          const T bv = g.transpose_b ? b[j + p * g.ldb] : b[p + j * g.ldb];
          s += static_cast<double>(av) * static_cast<double>(bv);
        }
        T& out = c[i + j * g.ldc];
        out = static_cast<T>(static_cast<double>(alpha) * s + (beta == T(0) ? 0.0 : static_cast<double>(beta) * out));
      }
  }

  template <class T>
  void upload(T* dst, const T* src, Index n) const {
    std::copy(src, src + n, dst);
  }
  template <class T>
  void download(T* dst, const T* src, Index n) const {
    std::copy(src, src + n, dst);
  }
};

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
