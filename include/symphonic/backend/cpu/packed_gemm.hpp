// symphonic/backend/cpu/packed_gemm.hpp - C += A B with A packed once and reused, for the
// recurrent products of the LSTM sweep.
//
// Every step of a layer multiplies the same W_hh (4H x H) by a thin block (H x batch). A general
// GEMM re-packs W_hh at every one of the T steps; here it is packed once per sweep into panels of
// kMr rows (element (i, k) of panel p at p kMr K + k kMr + i, zero-padded), and the thin
// right-hand side is read where it lies (column-major): the micro-kernel keeps a kMr x kNr tile of
// C in 24 AVX-512 registers and, per k, loads two vectors of A and broadcasts kNr values of B, one
// from each of kNr column streams. Only a last, partial panel of columns is copied (zero-padded):
//   C[i, j] += sum_k A[i, k] B[k, j]      over k-blocks of kKc, so an A panel stays in L1
// Float with AVX-512 only (`packed_gemm_available`); elsewhere the kernels use Eigen's products.
#pragma once

#include <algorithm>
#include <type_traits>

#include <Eigen/Core>

#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

#if defined(__AVX512F__)
template <class Scalar>
constexpr bool packed_gemm_available = std::is_same<Scalar, float>::value;
#else
template <class Scalar>
constexpr bool packed_gemm_available = false;
#endif

constexpr Index kMr = 32, kNr = 12, kKc = 128;

/// Floats of A (m x k) once packed.
inline Index packed_a_size(Index m, Index k) { return round_up(m, kMr) * k; }

/// Packs A, where A(i, k) = a[i rs + k cs].
template <class Scalar>
void pack_a(Index m, Index k, const Scalar* a, Index rs, Index cs, Scalar* out) {
  for (Index i0 = 0; i0 < m; i0 += kMr) {
    Scalar* o = out + i0 * k;
    const Index rows = std::min(kMr, m - i0);
    for (Index kk = 0; kk < k; ++kk) {
      const Scalar* s = a + i0 * rs + kk * cs;
      for (Index i = 0; i < rows; ++i) o[kk * kMr + i] = s[i * rs];
      for (Index i = rows; i < kMr; ++i) o[kk * kMr + i] = Scalar(0);
    }
  }
}

#if defined(__AVX512F__)
namespace detail {
// tile (kMr x NR, column-major, leading dimension ldc) = [tile +] a_panel B over kc, where
// B(k, j) = b[k bk + j bj]. NR = 12 for whole panels; 8 and 4 for the last columns of a thin block.
template <int NR>
inline void micro_kernel(Index kc, const float* a, const float* b, Index bk, Index bj, float* c, Index ldc,
                         bool accumulate) {
  __m512 c0[NR], c1[NR];
#pragma GCC unroll 12
  for (int j = 0; j < NR; ++j) {
    c0[j] = _mm512_setzero_ps();
    c1[j] = _mm512_setzero_ps();
  }
  for (Index k = 0; k < kc; ++k) {
    const __m512 a0 = _mm512_loadu_ps(a), a1 = _mm512_loadu_ps(a + 16);
#pragma GCC unroll 12
    for (int j = 0; j < NR; ++j) {
      const __m512 bv = _mm512_set1_ps(b[j * bj]);
      c0[j] = _mm512_fmadd_ps(a0, bv, c0[j]);
      c1[j] = _mm512_fmadd_ps(a1, bv, c1[j]);
    }
    a += kMr;
    b += bk;
  }
#pragma GCC unroll 12
  for (int j = 0; j < NR; ++j) {
    float* cj = c + j * ldc;
    if (accumulate) {
      c0[j] = _mm512_add_ps(c0[j], _mm512_loadu_ps(cj));
      c1[j] = _mm512_add_ps(c1[j], _mm512_loadu_ps(cj + 16));
    }
    _mm512_storeu_ps(cj, c0[j]);
    _mm512_storeu_ps(cj + 16, c1[j]);
  }
}

inline void micro_kernel(Index width, Index kc, const float* a, const float* b, Index bk, Index bj, float* c,
                         Index ldc, bool accumulate) {
  if (width == 12)
    micro_kernel<12>(kc, a, b, bk, bj, c, ldc, accumulate);
  else if (width == 8)
    micro_kernel<8>(kc, a, b, bk, bj, c, ldc, accumulate);
  else
    micro_kernel<4>(kc, a, b, bk, bj, c, ldc, accumulate);
}
}  // namespace detail

/// C (m x n, column-major, ldc) += A B, with A packed by pack_a (same m, k) and B(k, j) =
/// b[k bk + j bj] (column-major: bk = 1, bj = ldb; a transposed operand: bk = ldb, bj = 1).
inline void gemm_packed(Index m, Index n, Index k, const float* ap, const float* b, Index bk, Index bj, float* c,
                        Index ldc) {
  alignas(64) float tile[kMr * kNr];
  alignas(64) float edge[kKc * kNr];  // last columns that are not a multiple of 4, zero-padded
  for (Index k0 = 0; k0 < k; k0 += kKc) {
    const Index kc = std::min(kKc, k - k0);
    for (Index j0 = 0; j0 < n; j0 += kNr) {
      const Index cols = std::min(kNr, n - j0);
      const Index width = round_up(cols, 4);  // the narrowest kernel that covers them
      const float* bp = b + j0 * bj + k0 * bk;
      Index pk = bk, pj = bj;
      if (cols < width) {
        for (Index j = 0; j < width; ++j)
          for (Index kk = 0; kk < kc; ++kk) edge[j * kKc + kk] = j < cols ? bp[j * bj + kk * bk] : 0.0f;
        bp = edge;
        pk = 1;
        pj = kKc;
      }
      for (Index i0 = 0; i0 < m; i0 += kMr) {
        const float* a = ap + i0 * k + k0 * kMr;
        const Index rows = std::min(kMr, m - i0);
        if (rows == kMr && cols == width) {
          detail::micro_kernel(width, kc, a, bp, pk, pj, c + j0 * ldc + i0, ldc, true);
          continue;
        }
        // an edge tile: computed whole in scratch, only its valid part added
        detail::micro_kernel(width, kc, a, bp, pk, pj, tile, kMr, false);
        for (Index j = 0; j < cols; ++j)
          for (Index i = 0; i < rows; ++i) c[(j0 + j) * ldc + i0 + i] += tile[j * kMr + i];
      }
    }
  }
}
#endif

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
