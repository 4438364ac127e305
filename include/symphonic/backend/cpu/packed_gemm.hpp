// symphonic/backend/cpu/packed_gemm.hpp - C += A B with A packed once and reused, for the
// recurrent products of the LSTM sweep; and a blocked GEMM on the same micro-kernel.
//
// Every step of a layer multiplies the same W_hh (4H x H) by a thin block (H x batch). A general
// GEMM re-packs W_hh at every one of the T steps; here it is packed once per sweep into panels of
// kMr rows (element (i, k) of panel p at p kMr K + k kMr + i, zero-padded), and the thin
// right-hand side is read where it lies (column-major): the micro-kernel keeps a kMr x kNr tile of
// C in 24 AVX-512 registers and, per k, loads two vectors of A and broadcasts kNr values of B, one
// from each of kNr column streams. Only a last, partial panel of columns is copied (zero-padded):
//   C[i, j] += sum_k A[i, k] B[k, j]      over k-blocks of kKc, so an A panel stays in L1
//
// gemm_blocked() is the same micro-kernel for the large products outside the sweep (the input
// projection and the weight gradients over all T B columns), where both operands are too big for
// a cache: the usual three-level blocking, with both packed block by block,
//   for each kNc columns:  for each kKb of the inner dimension:  pack B (kKb x kNc, in kNr-column panels)
//     for each kMc rows:  pack A (kMc x kKb, kMr-row panels);  every (kMr x kNr) tile of C += A_panel B_panel
// so a B panel (kKb x kNr, 24 KiB) stays in L1, an A block (kMc x kKb, 384 KiB) in L2, and C is
// read and written once per kKb, its tile's lines prefetched while the kernel runs. Against Eigen
// 3.4's product on the LSTM's shapes: bench_nn's BM_Gemm, docs/nn.md.
// Float with AVX-512 only (`packed_gemm_available`); elsewhere the kernels use Eigen's products.
#pragma once

#include <algorithm>
#include <type_traits>

#include <Eigen/Core>

#include "symphonic/backend/cpu/aligned_buffer.hpp"
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
    if (accumulate) {  // the tile is read at the end: ask for its lines now, so they come during the kc steps
      _mm_prefetch(reinterpret_cast<const char*>(c + j * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + j * ldc + 16), _MM_HINT_T0);
    }
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
  const Index last = (n - 1) / kNr * kNr, last_cols = n - last;  // the last column panel
  const Index last_width = round_up(last_cols, 4);               // the narrowest kernel that covers it
  for (Index k0 = 0; k0 < k; k0 += kKc) {
    const Index kc = std::min(kKc, k - k0);
    if (last_cols < last_width) {
      const float* bp = b + last * bj + k0 * bk;
      for (Index j = 0; j < last_width; ++j)
        for (Index kk = 0; kk < kc; ++kk) edge[j * kKc + kk] = j < last_cols ? bp[j * bj + kk * bk] : 0.0f;
    }
    // A panel outer, column panels inner: each panel of A (kMr x kc, 16 KiB) is read from memory
    // once per call and reused from L1 for every column panel of the thin B.
    for (Index i0 = 0; i0 < m; i0 += kMr) {
      const float* a = ap + i0 * k + k0 * kMr;
      const Index rows = std::min(kMr, m - i0);
      for (Index j0 = 0; j0 < n; j0 += kNr) {
        const Index cols = std::min(kNr, n - j0);
        const Index width = round_up(cols, 4);
        const bool padded = cols < width;
        const float* bp = padded ? edge : b + j0 * bj + k0 * bk;
        const Index pk = padded ? 1 : bk, pj = padded ? kKc : bj;
        if (rows == kMr && !padded) {
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

// gemm_blocked's blocks: kKb deep (a C tile is read and written once per kKb: 512 measured
// faster than 128 or 256 on the LSTM's shapes), kMc rows of A (kMc x kKb, 384 KiB, in L2).
constexpr Index kKb = 512, kMc = 192, kNc = 1536;

namespace detail {
// Packs B(k0 .. k0 + kc, j0 .. j0 + nc) into panels of kNr columns, element (k, j) of a panel at
// k kNr + j, the last panel zero-padded to kNr columns.
inline void pack_b(Index kc, Index nc, const float* b, Index bk, Index bj, float* out) {
  for (Index j0 = 0; j0 < nc; j0 += kNr) {
    const Index cols = std::min(kNr, nc - j0);
    float* o = out + j0 * kc;
    if (bk == 1) {  // column-major B: read each column's run of kc, write it strided
      for (Index j = 0; j < cols; ++j)
        for (Index kk = 0; kk < kc; ++kk) o[kk * kNr + j] = b[(j0 + j) * bj + kk];
    } else {        // each row's kNr values are apart by bj (1 for a transposed column-major operand)
      for (Index kk = 0; kk < kc; ++kk)
        for (Index j = 0; j < cols; ++j) o[kk * kNr + j] = b[kk * bk + (j0 + j) * bj];
    }
    for (Index kk = 0; kk < kc; ++kk)
      for (Index j = cols; j < kNr; ++j) o[kk * kNr + j] = 0.0f;
  }
}
}  // namespace detail

/// C (m x n, column-major, ldc) = [C +] A B for any sizes, where A(i, k) = a[i ars + k acs] and
/// B(k, j) = b[k bk + j bj]: a row-major weight is (ars, acs) = (ld, 1), its transpose (1, ld);
/// a column-major operand is (bk, bj) = (1, ld), its transpose (ld, 1). `accumulate` false
/// overwrites C. Single-threaded: callers cut C into disjoint pieces across the pool. The packed
/// blocks live in a buffer of the calling thread, grown once.
inline void gemm_blocked(Index m, Index n, Index k, const float* a, Index ars, Index acs, const float* b, Index bk,
                         Index bj, float* c, Index ldc, bool accumulate) {
  static thread_local AlignedBuffer<float> scratch;
  scratch.resize(static_cast<std::size_t>(kMc * kKb + kKb * round_up(kNc, kNr)));
  float* const apack = scratch.data();
  float* const bpack = apack + kMc * kKb;
  alignas(64) float tile[kMr * kNr];
  if (k == 0) {
    if (!accumulate)
      for (Index j = 0; j < n; ++j) std::fill(c + j * ldc, c + j * ldc + m, 0.0f);
    return;
  }
  for (Index jc = 0; jc < n; jc += kNc) {
    const Index nc = std::min(kNc, n - jc);
    for (Index pc = 0; pc < k; pc += kKb) {
      const Index kc = std::min(kKb, k - pc);
      const bool add = accumulate || pc > 0;
      detail::pack_b(kc, nc, b + pc * bk + jc * bj, bk, bj, bpack);
      for (Index ic = 0; ic < m; ic += kMc) {
        const Index mc = std::min(kMc, m - ic);
        pack_a(mc, kc, a + ic * ars + pc * acs, ars, acs, apack);
        for (Index jr = 0; jr < nc; jr += kNr) {
          const Index cols = std::min(kNr, nc - jr);
          const float* bp = bpack + jr * kc;
          for (Index ir = 0; ir < mc; ir += kMr) {
            const Index rows = std::min(kMr, mc - ir);
            float* ct = c + (jc + jr) * ldc + ic + ir;
            if (rows == kMr && cols == kNr) {
              detail::micro_kernel<kNr>(kc, apack + ir * kc, bp, kNr, 1, ct, ldc, add);
              continue;
            }
            // an edge tile: computed whole in scratch, only its valid part stored
            detail::micro_kernel<kNr>(kc, apack + ir * kc, bp, kNr, 1, tile, kMr, false);
            for (Index j = 0; j < cols; ++j)
              for (Index i = 0; i < rows; ++i) ct[j * ldc + i] = (add ? ct[j * ldc + i] : 0.0f) + tile[j * kMr + i];
          }
        }
      }
    }
  }
}
#endif

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
