// symphonic/backend/cpu/bf16.hpp - bfloat16 operands for the opt-in bf16 precision
// (nn/precision.hpp): rounding, and the packed layouts that both bf16 GEMMs read (the AMX tiles of
// amx_gemm.hpp and the AVX512-BF16 vector kernels of bf16_gemm.hpp).
//
// Products are C (+)= A B with C column-major float. A is packed in pairs of k ("VNNI" order):
//   tile (p, q) of the packed A, 16 rows m by 32 k, at ((p KB + q) 16 + r) 32 + 2 m' + e
//   holds A(16 p + m', 32 q + 2 r + e), zero past M and K (KB = K rounded up to 32, over 32).
// So the 16 rows of panel p lie contiguous over all of K, one 64-byte line per pair of k: line r of
// a tile is what an AMX tile row and an AVX-512 register both hold (16 rows, a pair of k each).
// B (K x N) is packed in tiles too (bf16_pack_b), 16 columns by 32 k, in plain order:
//   tile (g, q) of the packed B at ((g KB + q) 16 + j) 32 + r holds B(32 q + r, 16 g + j),
// zero past K and N (N rounded up to 32). A tile row is 32 k of one column (the rows of AMX's first
// operand, with a pair of k adjacent for the vector kernel's broadcasts), and the 16 columns of
// panel g lie contiguous over all of K, so a tile is one 1 KiB block and no load crosses pages.
// The few columns of a one-token step (bf16_matvec) are column-major instead: ld = K rounded up to
// 32, zero past K (to_bf16_columns). Rounding to bf16 is to nearest, ties to even, NaN kept.
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
/// Leading dimension and bf16 elements of the column-major x of bf16_matvec, K rows by N columns.
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
// Bits lo..hi of 32 (0 <= lo < 32, hi <= 32): a mask of lanes.
inline std::uint32_t lanes_between(Index lo, Index hi) {
  return (hi >= 32 ? ~0u : (1u << hi) - 1u) & ~((1u << lo) - 1u);
}
// p[lo..hi) of 32 floats (zero elsewhere, nothing else read) -> 32 bf16, in order.
inline __m512i round_bf16_row(const float* p, Index lo, Index hi) {
  const std::uint32_t bits = lanes_between(lo, hi);
  const __m512 first = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits), p);
  const __m512 second = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits >> 16), p + 16);
  const __m256i a = _mm512_cvtepi32_epi16(round_bf16_lanes(first)), b = _mm512_cvtepi32_epi16(round_bf16_lanes(second));
  return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
}
}  // namespace detail
#endif

#if SYMPHONIC_HAVE_BF16_VECTOR
namespace detail {
// r[i] lane j <- r[j] lane i: a 16 x 16 transpose of 32-bit lanes in four rounds of shuffles.
// (g++ 12 warns of the unused source that its own shuffle intrinsics leave undefined: bug 105593)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
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
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
}  // namespace detail
#endif

/// Packs rows r0..r1 of A (M x K), A(i, k) = a[i rs + k cs], into their places in the packed A
/// of all of A, so that threads can pack bands of one operand at once: r0 is a multiple of 16, r1
/// one too or M (then the zero rows up to M rounded to 32 are written too).
inline void bf16_pack_a_rows(Index m, Index k, Index r0, Index r1, const float* a, Index rs, Index cs, bf16* out) {
  SYMPHONIC_ASSERT(r0 % kTileM == 0 && (r1 % kTileM == 0 || r1 == m) && r0 <= r1 && r1 <= m);
  const Index kb = round_up(k, kTileK) / kTileK;
  const Index p1 = (r1 == m ? round_up(m, 2 * kTileM) : r1) / kTileM;
  for (Index q = 0; q < kb; ++q)  // k outermost: rows of a column-major A are read in order
    for (Index p = r0 / kTileM; p < p1; ++p) {
      std::uint32_t* tile = reinterpret_cast<std::uint32_t*>(out + (p * kb + q) * kTileM * kTileK);
      const Index m0 = p * kTileM, rows = std::max<Index>(0, std::min(kTileM, m - m0));
#if SYMPHONIC_HAVE_BF16_VECTOR
      if (cs == 1) {  // a row-major A: 32 consecutive k of one row are the 16 pairs of one tile column
        const Index k0 = q * kTileK, kn = std::max<Index>(0, std::min(kTileK, k - k0));
        __m512i v[16];
        for (Index i = 0; i < kTileM; ++i)
          v[i] = i < rows ? detail::round_bf16_row(a + (m0 + i) * rs + k0, 0, kn) : _mm512_setzero_si512();
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

/// Packs A (M x K), A(i, k) = a[i rs + k cs], into the tile order above (all of it, padding zero).
inline void bf16_pack_a(Index m, Index k, const float* a, Index rs, Index cs, bf16* out) {
  bf16_pack_a_rows(m, k, 0, m, a, rs, cs, out);
}

/// bf16 elements of B (K x N) once packed: N rounded up to 32 (two panels), K up to 32.
inline Index bf16_packed_b_size(Index k, Index n) { return round_up(n, 2 * kTileN) * round_up(k, kTileK); }
/// Offset of column j (a multiple of 16) in a packed B of K rows: where its panel starts.
inline Index bf16_packed_b_offset(Index k, Index j) { return j * round_up(k, kTileK); }

/// Packs columns j0..j1 and rows k0..k1 of B (K x N), B(k, j) = b[k rs + j cs], into their places in
/// the packed B of all of B, leaving every other element there as it was, so that parts of one
/// operand can be written apart, even at once by several threads: j0 is a multiple of 16 and j1
/// one too or N (then the zero columns up to N rounded to 32 are written too); k0, k1 are any rows
/// (when k1 = K the zero rows up to K rounded to 32 are written too).
inline void bf16_pack_b_part(Index k, Index n, Index k0, Index k1, Index j0, Index j1, const float* b, Index rs,
                             Index cs, bf16* out) {
  SYMPHONIC_ASSERT(j0 % kTileN == 0 && (j1 % kTileN == 0 || j1 == n) && j0 <= j1 && j1 <= n);
  SYMPHONIC_ASSERT(0 <= k0 && k0 <= k1 && k1 <= k);
  const Index kb = round_up(k, kTileK) / kTileK;
  const Index g1 = (j1 == n ? round_up(n, 2 * kTileN) : j1) / kTileN;  // panels written
  const Index k_end = k1 == k ? kb * kTileK : k1;                       // rows written (zero past K)
  if (k0 >= k_end) return;
  for (Index g = j0 / kTileN; g < g1; ++g)
    for (Index q = k0 / kTileK; q < round_up(k_end, kTileK) / kTileK; ++q) {
      bf16* tile = out + (g * kb + q) * kTileN * kTileK;  // row j: B(32 q.., 16 g + j)
      const Index kq = q * kTileK, cols = std::max<Index>(0, std::min(kTileN, n - g * kTileN));
      const Index kn = std::max<Index>(0, std::min(kTileK, k - kq));                  // rows of B that exist
      const Index lo = std::max(k0, kq) - kq, hi = std::min(k_end, kq + kTileK) - kq;  // rows this call writes
#if SYMPHONIC_HAVE_BF16_VECTOR
      const __mmask32 mine = static_cast<__mmask32>(detail::lanes_between(lo, hi));
      if (rs == 1) {  // columns of B contiguous: 32 consecutive k of column j are row j of the tile
        for (Index j = 0; j < kTileN; ++j) {
          const float* column = b + (g * kTileN + j) * cs + kq;
          const __m512i row = j < cols ? detail::round_bf16_row(column, lo, std::min(hi, kn)) : _mm512_setzero_si512();
          _mm512_mask_storeu_epi16(tile + j * kTileK, mine, row);
        }
        continue;
      }
      if (cs == 1) {  // rows of B contiguous: 16 columns at each k, transposed in two 16 x 16 blocks
        __m512i r[16], s[16];  // r[i]: row kq + i of B (its 16 columns of panel g), s[i]: row kq + 16 + i
        auto row = [&](Index i) {  // only the rows this call writes are read
          if (i < lo || i >= hi || i >= kn) return _mm512_setzero_si512();
          return detail::round_bf16_lanes(detail::load_or_zero(b + (kq + i) * rs + g * kTileN, cols));
        };
        for (Index i = 0; i < 16; ++i) {
          r[i] = row(i);
          s[i] = row(i + 16);
        }
        detail::transpose16(r);  // r[j] lane i: B(kq + i, 16 g + j)
        detail::transpose16(s);
        for (Index j = 0; j < kTileN; ++j)
          _mm512_mask_storeu_epi16(tile + j * kTileK, mine,
                                   _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi32_epi16(r[j])),
                                                      _mm512_cvtepi32_epi16(s[j]), 1));
        continue;
      }
#endif
      for (Index j = 0; j < kTileN; ++j)
        for (Index i = lo; i < hi; ++i)
          tile[j * kTileK + i] = j < cols && i < kn ? to_bf16(b[(kq + i) * rs + (g * kTileN + j) * cs]) : bf16(0);
    }
}

/// Packs B (K x N), B(k, j) = b[k rs + j cs], into the tile order above (all of it, padding zero).
inline void bf16_pack_b(Index k, Index n, const float* b, Index rs, Index cs, bf16* out) {
  bf16_pack_b_part(k, n, 0, k, 0, n, b, rs, cs, out);
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

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
