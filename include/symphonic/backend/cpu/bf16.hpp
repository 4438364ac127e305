// symphonic/backend/cpu/bf16.hpp - bfloat16 operands for the opt-in bf16 precision
// (nn/precision.hpp): rounding, and the packed layouts that both bf16 GEMMs read (the AMX tiles of
// amx_gemm.hpp and the AVX512-BF16 vector kernels of bf16_gemm.hpp).
//
// Products are C (+)= A B with C column-major float. A is packed in pairs of k ("VNNI" order):
//   tile (p, q) of the packed A, 16 rows m by 32 k, at ((p KB + q) 16 + r) 32 + 2 m' + e
//   holds A(16 p + m', 32 q + 2 r + e), zero past M and K (KB = K rounded up to 32, over 32).
// So the 16 rows of panel p lie contiguous over all of K, one 64-byte line per pair of k: line r of
// a tile is what an AMX tile row and an AVX-512 register both hold (16 rows, a pair of k each).
// B (K x N, bf16) is column-major with ldb >= K rounded up to 32; rows K..ldb and, up to N rounded
// up to 32, whole columns past N must be allocated and zero (bf16_b_size, to_bf16_columns and
// to_bf16_transposed write them so). Rounding to bf16 is to nearest, ties to even, NaN kept.
//
// The vector paths need AVX-512F and AVX512-BF16 (SYMPHONIC_HAVE_BF16_VECTOR: -march=native on a
// CPU that has them: Intel Cooper Lake and later, AMD Zen 4 and later); the scalar ones run anywhere.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

#if defined(__AVX512F__) && defined(__AVX512BF16__)
#define SYMPHONIC_HAVE_BF16_VECTOR 1
#include <immintrin.h>
#else
#define SYMPHONIC_HAVE_BF16_VECTOR 0
#endif

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

using bf16 = std::uint16_t;

/// float -> bf16, to nearest with ties to even; a NaN stays a (quiet) NaN.
inline bf16 to_bf16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<bf16>((u >> 16) | 0x40u);
  return static_cast<bf16>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
inline float from_bf16(bf16 b) {
  const std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

constexpr Index kTileK = 32;  ///< k per tile (64 bytes of bf16)
constexpr Index kTileM = 16;  ///< rows of C per tile
constexpr Index kTileN = 16;  ///< columns of C per tile

/// bf16 elements of A (M x K) once packed: M rounded up to 32 (two tiles), K up to 32.
inline Index bf16_packed_a_size(Index m, Index k) { return round_up(m, 2 * kTileM) * round_up(k, kTileK); }
/// Leading dimension and bf16 elements of a B operand of K rows and N columns.
inline Index bf16_ldb(Index k) { return round_up(k, kTileK); }
inline Index bf16_b_size(Index k, Index n) { return bf16_ldb(k) * round_up(n, 2 * kTileN); }

#if SYMPHONIC_HAVE_BF16_VECTOR
namespace detail {
// 16 floats -> 16 bf16 in the low halves of 32-bit lanes, the rounding of to_bf16().
inline __m512i round_bf16_lanes(__m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), lsb)), 16);
  const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  return _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40)));
}
inline __m512 load_or_zero(const float* p, Index n) {
  return n >= 16 ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1u), p);
}
}  // namespace detail
#endif

#if SYMPHONIC_HAVE_BF16_VECTOR
namespace detail {
// r[i] lane j <- r[j] lane i: a 16 x 16 transpose of 32-bit lanes in four rounds of shuffles.
inline void transpose16(__m512i r[16]) {
  __m512i t[16], u[16];
  for (int k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 4; ++k) {
    u[4 * k + 0] = _mm512_unpacklo_epi64(t[4 * k + 0], t[4 * k + 2]);
    u[4 * k + 1] = _mm512_unpackhi_epi64(t[4 * k + 0], t[4 * k + 2]);
    u[4 * k + 2] = _mm512_unpacklo_epi64(t[4 * k + 1], t[4 * k + 3]);
    u[4 * k + 3] = _mm512_unpackhi_epi64(t[4 * k + 1], t[4 * k + 3]);
  }
  for (int k = 0; k < 2; ++k)
    for (int l = 0; l < 4; ++l) {
      t[8 * k + l] = _mm512_shuffle_i32x4(u[8 * k + l], u[8 * k + 4 + l], 0x88);
      t[8 * k + 4 + l] = _mm512_shuffle_i32x4(u[8 * k + l], u[8 * k + 4 + l], 0xdd);
    }
  for (int l = 0; l < 8; ++l) {
    r[l] = _mm512_shuffle_i32x4(t[l], t[8 + l], 0x88);
    r[8 + l] = _mm512_shuffle_i32x4(t[l], t[8 + l], 0xdd);
  }
}
}  // namespace detail
#endif

/// Packs A (M x K), A(i, k) = a[i rs + k cs], into the tile order above.
inline void bf16_pack_a(Index m, Index k, const float* a, Index rs, Index cs, bf16* out) {
  const Index mp = round_up(m, 2 * kTileM), kb = round_up(k, kTileK) / kTileK;
  for (Index q = 0; q < kb; ++q)  // k outermost: rows of a column-major A are read in order
    for (Index p = 0; p < mp / kTileM; ++p) {
      std::uint32_t* tile = reinterpret_cast<std::uint32_t*>(out + (p * kb + q) * kTileM * kTileK);
      const Index m0 = p * kTileM, rows = std::max<Index>(0, std::min(kTileM, m - m0));
#if SYMPHONIC_HAVE_BF16_VECTOR
      if (cs == 1) {  // a row-major A: 32 consecutive k of one row are the 16 pairs of one tile column
        const Index k0 = q * kTileK, kn = std::max<Index>(0, std::min(kTileK, k - k0));
        __m512i v[16];
        for (Index i = 0; i < kTileM; ++i) {
          if (i >= rows) {
            v[i] = _mm512_setzero_si512();
            continue;
          }
          const float* row = a + (m0 + i) * rs + k0;
          const __m256i lo = _mm512_cvtepi32_epi16(detail::round_bf16_lanes(detail::load_or_zero(row, kn)));
          const __m256i hi = _mm512_cvtepi32_epi16(
              detail::round_bf16_lanes(kn > 16 ? detail::load_or_zero(row + 16, kn - 16) : _mm512_setzero_ps()));
          v[i] = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);  // lane r: the pair (2r, 2r + 1)
        }
        detail::transpose16(v);  // v[r] lane i: pair r of row i, a row of the tile
        for (Index r = 0; r < kTileK / 2; ++r) _mm512_storeu_si512(tile + r * kTileM, v[r]);
        continue;
      }
#endif
      for (Index r = 0; r < kTileK / 2; ++r) {
        const Index k0 = q * kTileK + 2 * r;
#if SYMPHONIC_HAVE_BF16_VECTOR
        if (rs == 1) {  // 16 consecutive m at k and at k + 1: one vector each
          const __m512 lo = k0 < k ? detail::load_or_zero(a + m0 + k0 * cs, rows) : _mm512_setzero_ps();
          const __m512 hi = k0 + 1 < k ? detail::load_or_zero(a + m0 + (k0 + 1) * cs, rows) : _mm512_setzero_ps();
          const __m512i pair = _mm512_or_si512(detail::round_bf16_lanes(lo),
                                               _mm512_slli_epi32(detail::round_bf16_lanes(hi), 16));
          _mm512_storeu_si512(tile + r * kTileM, pair);
          continue;
        }
#endif
        for (Index i = 0; i < kTileM; ++i) {
          const bool row = i < rows;
          const std::uint32_t lo = row && k0 < k ? to_bf16(a[(m0 + i) * rs + k0 * cs]) : 0u;
          const std::uint32_t hi = row && k0 + 1 < k ? to_bf16(a[(m0 + i) * rs + (k0 + 1) * cs]) : 0u;
          tile[r * kTileM + i] = lo | (hi << 16);
        }
      }
    }
}

/// dst (column-major, ldd = bf16_ldb(rows)) = src (rows x n, column-major, lds) in bf16, with the
/// padding rows and, up to n rounded to 32, padding columns zero.
inline void to_bf16_columns(Index rows, Index n, const float* src, Index lds, bf16* dst, Index ldd) {
  const Index np = round_up(n, 2 * kTileN);
  for (Index j = 0; j < np; ++j) {
    bf16* d = dst + j * ldd;
    Index i = 0;
    if (j < n) {
      const float* s = src + j * lds;
#if SYMPHONIC_HAVE_BF16_VECTOR
      for (; i + 16 <= rows; i += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i),
                            _mm512_cvtepi32_epi16(detail::round_bf16_lanes(_mm512_loadu_ps(s + i))));
#endif
      for (; i < rows; ++i) d[i] = to_bf16(s[i]);
    }
    std::fill(d + i, d + ldd, bf16(0));
  }
}


/// dst[i ldd + j] = src(i, j) in bf16 for i < rows, j < n (src column-major, lds): the transpose
/// of a block, written into rows of dst with nothing around it touched (no padding), so that parts
/// of one transposed operand can be written one block of columns at a time.
inline void to_bf16_transposed_block(Index rows, Index n, const float* src, Index lds, bf16* dst, Index ldd) {
  Index i0 = 0;
#if SYMPHONIC_HAVE_BF16_VECTOR
  // 16 rows by 32 columns at a time: two 16 x 16 transposes give whole 64-byte rows of dst
  for (; i0 + 16 <= rows; i0 += 16) {
    Index j0 = 0;
    for (; j0 + 32 <= n; j0 += 32) {
      __m512i r[16], s[16];
      for (int j = 0; j < 16; ++j) {
        r[j] = detail::round_bf16_lanes(_mm512_loadu_ps(src + (j0 + j) * lds + i0));
        s[j] = detail::round_bf16_lanes(_mm512_loadu_ps(src + (j0 + 16 + j) * lds + i0));
      }
      detail::transpose16(r);
      detail::transpose16(s);
      for (int x = 0; x < 16; ++x)
        _mm512_storeu_si512(dst + (i0 + x) * ldd + j0,
                            _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi32_epi16(r[x])),
                                               _mm512_cvtepi32_epi16(s[x]), 1));
    }
    for (Index i = i0; i < i0 + 16; ++i)
      for (Index j = j0; j < n; ++j) dst[i * ldd + j] = to_bf16(src[j * lds + i]);
  }
#endif
  for (Index i = i0; i < rows; ++i)
    for (Index j = 0; j < n; ++j) dst[i * ldd + j] = to_bf16(src[j * lds + i]);
}

/// Zeroes the padding of a transposed operand whose first `rows` columns hold n values each:
/// in those columns the rows n..ldd, and whole columns up to rows rounded to 32.
inline void zero_transposed_padding(Index rows, Index n, bf16* dst, Index ldd) {
  const Index rp = round_up(rows, 2 * kTileN);
  for (Index i = 0; i < rp; ++i) std::fill(dst + i * ldd + (i < rows ? n : 0), dst + (i + 1) * ldd, bf16(0));
}

/// dst (column-major, ldd = bf16_ldb(n)) = src^T in bf16, src rows x n column-major (lds): column
/// r of dst is row r of src. Padding as in to_bf16_columns (dst has rows rounded to 32 columns).
inline void to_bf16_transposed(Index rows, Index n, const float* src, Index lds, bf16* dst, Index ldd) {
  to_bf16_transposed_block(rows, n, src, lds, dst, ldd);
  zero_transposed_padding(rows, n, dst, ldd);
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
