// symphonic/backend/cpu/bf16_gemm.hpp - C (+)= A B in bfloat16 with float accumulation for the
// opt-in bf16 precision (nn/precision.hpp), operands as in bf16.hpp: bf16_gemm runs on AMX tiles
// (amx_gemm.hpp) where the CPU and Linux allow them, else on AVX512-BF16 vector products; both
// read the same packed A and B, so callers never know which ran.
//
// The vector kernel: VDPBF16PS multiplies 16 pairs of bf16 and adds both products to 16 floats,
//   c[i] += a[i, 0] b[0] + a[i, 1] b[1]
// One 64-byte line of the packed A is 16 rows' pair of k; a pair of one column of B (two adjacent
// bf16 of a tile row of the packed B) is broadcast, so a 32 x 8 tile of C lives in 16 registers
// and each line pair costs 2 loads, 8 broadcasts and 16 products over two k. Blocked so that a
// k-slice of two A panels (kLines lines of 64 bytes) stays in L1 while kNc columns of B pass from L2.
#pragma once

#include <algorithm>
#include <cstdint>

#include "symphonic/backend/cpu/amx_gemm.hpp"
#include "symphonic/backend/cpu/bf16.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

#if SYMPHONIC_HAVE_BF16_VECTOR
namespace detail {
enum class TileStart { zero, accumulate, bias };

// tile (32 x 8, column-major, ldc) = start + two panels of A (`lines` pairs of k, a multiple of
// 16 or the rest of K) times 8 columns of B: pair l of column j at b[256 (l / 16) + 16 j + l % 16]
// (tiles of the packed B as 32-bit pairs). The start is zero, the tile itself, or the 32 biases.
inline void bf16_micro_kernel(Index lines, const __m512i* a0, const __m512i* a1, const std::uint32_t* b, float* c,
                              Index ldc, TileStart start, const float* bias) {
  constexpr int kNr = 8;
  __m512 c0[kNr], c1[kNr];
#pragma GCC unroll 8
  for (int j = 0; j < kNr; ++j) {
    if (start == TileStart::bias) {
      c0[j] = _mm512_loadu_ps(bias);
      c1[j] = _mm512_loadu_ps(bias + 16);
    } else if (start == TileStart::accumulate) {
      c0[j] = _mm512_loadu_ps(c + j * ldc);
      c1[j] = _mm512_loadu_ps(c + j * ldc + 16);
    } else {
      c0[j] = c1[j] = _mm512_setzero_ps();
    }
  }
  for (Index l = 0; l < lines; ++l) {
    const __m512bh x0 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(a0 + l));
    const __m512bh x1 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(a1 + l));
#pragma GCC unroll 8
    for (int j = 0; j < kNr; ++j) {  // rows i: c += A(i, 2l) B(2l, j) + A(i, 2l + 1) B(2l + 1, j)
      const std::uint32_t bits = b[(l / kTileN) * kTileN * kTileN + j * kTileN + l % kTileN];
      const __m512bh pair = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(bits)));
      c0[j] = _mm512_dpbf16_ps(c0[j], x0, pair);
      c1[j] = _mm512_dpbf16_ps(c1[j], x1, pair);
    }
  }
#pragma GCC unroll 8
  for (int j = 0; j < kNr; ++j) {
    _mm512_storeu_ps(c + j * ldc, c0[j]);
    _mm512_storeu_ps(c + j * ldc + 16, c1[j]);
  }
}
}  // namespace detail
#endif

/// amx_gemm's contract (amx_gemm.hpp) on AVX512-BF16 vector products: C (m x n, column-major,
/// ldc) = A B, or += when `accumulate`, or = bias 1^T + A B when `bias` (m floats) is given; A and
/// B packed. Requires SYMPHONIC_HAVE_BF16_VECTOR.
inline void bf16_vector_gemm(Index m, Index n, Index k, const bf16* ap, const bf16* bp, float* c, Index ldc,
                             bool accumulate, const float* bias = nullptr) {
#if SYMPHONIC_HAVE_BF16_VECTOR
  using detail::TileStart;
  constexpr Index kLines = 128;  // pairs of k per slice: two panels' slice is 16 KiB, in L1
  constexpr Index kNc = 384;     // columns of B per block: a slice of them is 192 KiB, in L2
  constexpr Index kNr = 8;       // columns per micro-kernel: half a panel of B
  // a panel (16 rows of A, or 16 columns of B) is panel_lines lines of 64 bytes, one per pair of k
  const Index panel_lines = round_up(k, kTileK) / 2, mp = round_up(m, 2 * kTileM);
  const std::uint32_t* b_pairs = reinterpret_cast<const std::uint32_t*>(bp);
  alignas(64) float edge[2 * kTileM * kNr];
  for (Index l0 = 0; l0 < panel_lines; l0 += kLines) {
    const Index lines = std::min(kLines, panel_lines - l0);
    const TileStart start = l0 > 0 || accumulate ? TileStart::accumulate : bias ? TileStart::bias : TileStart::zero;
    for (Index jj = 0; jj < n; jj += kNc)
      for (Index i0 = 0; i0 < mp; i0 += 2 * kTileM) {
        const __m512i* a0 = reinterpret_cast<const __m512i*>(ap) + (i0 / kTileM) * panel_lines + l0;
        const __m512i* a1 = a0 + panel_lines;
        const Index rows = std::min(2 * kTileM, m - i0);
        const float* tile_bias = start == TileStart::bias ? bias + i0 : nullptr;
        for (Index j0 = jj; j0 < std::min(n, jj + kNc); j0 += kNr) {
          const Index cols = std::min(kNr, n - j0);
          // columns j0.. of panel j0 / 16 (kNr divides 16), from pair l0 on (l0: whole tiles)
          const std::uint32_t* bj = b_pairs + ((j0 / kTileN) * panel_lines + l0) * kTileN + (j0 % kTileN) * kTileN;
          float* cj = c + j0 * ldc + i0;
          if (rows == 2 * kTileM && cols == kNr) {
            detail::bf16_micro_kernel(lines, a0, a1, bj, cj, ldc, start, tile_bias);
            continue;
          }
          // a tile that sticks out of C: computed whole in `edge`; its columns past n read the
          // padding of B's last panel and are never written back
          for (Index j = 0; j < kNr; ++j)
            for (Index i = 0; i < 2 * kTileM; ++i)
              edge[j * 2 * kTileM + i] = i >= rows || j >= cols          ? 0.0f
                                         : start == TileStart::bias       ? tile_bias[i]
                                         : start == TileStart::accumulate ? cj[j * ldc + i]
                                                                          : 0.0f;
          detail::bf16_micro_kernel(lines, a0, a1, bj, edge, 2 * kTileM, TileStart::accumulate, nullptr);
          for (Index j = 0; j < cols; ++j)
            for (Index i = 0; i < rows; ++i) cj[j * ldc + i] = edge[j * 2 * kTileM + i];
        }
      }
  }
#else
  (void)m, (void)n, (void)k, (void)ap, (void)bp, (void)c, (void)ldc, (void)accumulate, (void)bias;
  SYMPHONIC_ASSERT(false && "bf16_vector_gemm without AVX512-BF16");
#endif
}

#if SYMPHONIC_HAVE_BF16_VECTOR
namespace detail {
// NC columns (1 to 4) of bf16_matvec in one pass over A, two accumulator chains per column.
template <int NC>
void bf16_matvec_columns(Index m, Index kb, const bf16* ap, const bf16* x, Index ldx, float* y, Index ldy,
                         bool accumulate) {
  constexpr Index kAhead = 32;  // lines of 64 bytes prefetched ahead (measured: 16 and 64 no better)
  const std::uint32_t* pairs[NC];
  for (int c = 0; c < NC; ++c) pairs[c] = reinterpret_cast<const std::uint32_t*>(x + c * ldx);
  for (Index i0 = 0; i0 < m; i0 += kTileM) {
    // panel i0 / 16: kb tiles of 16 pairs of k by 16 rows, one 64-byte line per pair
    const __m512i* line = reinterpret_cast<const __m512i*>(ap + (i0 / kTileM) * kb * kTileM * kTileK);
    __m512 even[NC], odd[NC];
    for (int c = 0; c < NC; ++c) even[c] = odd[c] = _mm512_setzero_ps();
    for (Index r = 0; r < kb * kTileK / 2; r += 2) {
      // A streams from L3 once per token: ask for it 2 KiB ahead (a prefetch never faults)
      _mm_prefetch(reinterpret_cast<const char*>(line + r + kAhead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(line + r + kAhead + 1), _MM_HINT_T0);
      const __m512bh a0 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(line + r));
      const __m512bh a1 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(line + r + 1));
      for (int c = 0; c < NC; ++c) {  // lane i += A(i, 2r) x(2r) + A(i, 2r + 1) x(2r + 1)
        even[c] = _mm512_dpbf16_ps(even[c], a0, reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(pairs[c][r]))));
        odd[c] = _mm512_dpbf16_ps(odd[c], a1, reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(pairs[c][r + 1]))));
      }
    }
    const Index rows = std::min(kTileM, m - i0);
    const __mmask16 valid = static_cast<__mmask16>((1u << rows) - 1u);
    for (int c = 0; c < NC; ++c) {
      float* out = y + c * ldy + i0;
      __m512 sum = _mm512_add_ps(even[c], odd[c]);
      if (accumulate) sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(valid, out));
      _mm512_mask_storeu_ps(out, valid, sum);
    }
  }
}
}  // namespace detail
#endif

/// y (m x n, column-major, ldy) = A x, or += when `accumulate`, for few columns n: A packed by
/// bf16_pack_a (m, k), x as a B operand of k rows (bf16_ldb(k), zero-padded). Requires a build with
/// the AMX kernels (SYMPHONIC_HAVE_BF16_VECTOR); it uses no tiles.
inline void bf16_matvec(Index m, Index n, Index k, const bf16* ap, const bf16* x, Index ldx, float* y, Index ldy,
                        bool accumulate) {
#if SYMPHONIC_HAVE_BF16_VECTOR
  const Index kb = round_up(k, kTileK) / kTileK;
  for (Index c0 = 0; c0 < n; c0 += 4) {  // up to 4 columns per pass over A
    const bf16* xc = x + c0 * ldx;
    float* yc = y + c0 * ldy;
    switch (std::min<Index>(4, n - c0)) {
      case 1: detail::bf16_matvec_columns<1>(m, kb, ap, xc, ldx, yc, ldy, accumulate); break;
      case 2: detail::bf16_matvec_columns<2>(m, kb, ap, xc, ldx, yc, ldy, accumulate); break;
      case 3: detail::bf16_matvec_columns<3>(m, kb, ap, xc, ldx, yc, ldy, accumulate); break;
      default: detail::bf16_matvec_columns<4>(m, kb, ap, xc, ldx, yc, ldy, accumulate); break;
    }
  }
#else
  (void)m, (void)n, (void)k, (void)ap, (void)x, (void)ldx, (void)y, (void)ldy, (void)accumulate;
  SYMPHONIC_ASSERT(false && "bf16_matvec without AVX512-BF16");
#endif
}


/// Whether this build and CPU multiply in bf16 at all: AMX tiles or AVX512-BF16 vector products.
inline bool bf16_products_available() { return amx_usable() || SYMPHONIC_HAVE_BF16_VECTOR; }

/// Which kernel bf16_gemm runs: "AMX", "AVX512-BF16", or "none".
inline const char* bf16_kernel_name() {
  return amx_usable() ? "AMX" : SYMPHONIC_HAVE_BF16_VECTOR ? "AVX512-BF16" : "none";
}

/// C (+)= A B as amx_gemm, on AMX tiles where usable, else on AVX512-BF16 vector products.
/// Requires bf16_products_available().
inline void bf16_gemm(Index m, Index n, Index k, const bf16* ap, const bf16* bp, float* c, Index ldc, bool accumulate,
                      const float* bias = nullptr) {
  if (amx_usable())
    amx_gemm(m, n, k, ap, bp, c, ldc, accumulate, bias);
  else
    bf16_vector_gemm(m, n, k, ap, bp, c, ldc, accumulate, bias);
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
