// symphonic/backend/cpu/amx_gemm.hpp - C (+)= A B in bfloat16 with float accumulation on Intel
// AMX tiles, for the opt-in bf16 precision of the LSTM (nn/precision.hpp).
//
// AMX multiplies 16 x 32 bf16 tiles into 16 x 16 float tiles (TDPBF16PS):
//   T[n, m] += sum_k S1[n, k] S2[k / 2, m, k % 2]
// C is column-major, so one row n of a float tile is 16 consecutive rows m of column n of C; S1
// rows are columns of B (K contiguous, which is how activations lie); S2 is A packed in pairs of
// k ("VNNI" order) by amx_pack_a:
//   tile (p, q) of the packed A, 16 rows m by 32 k, at ((p KB + q) 16 + r) 32 + 2 m' + e
//   holds A(16 p + m', 32 q + 2 r + e), zero past M and K (KB = K rounded up to 32, over 32).
// B (K x N, bf16) is column-major with ldb >= K rounded up to 32; rows K..ldb and, up to N rounded
// up to 16, whole columns past N must be allocated and zero (amx_b_size, to_bf16_columns and
// to_bf16_transposed write them so). Rounding to bf16 is to nearest, ties to even, NaN kept.
//
// Compiled with AMX-TILE, AMX-BF16, AVX-512F and AVX512-BF16 (-march=native on such a CPU);
// amx_usable() also asks Linux for the tile state (arch_prctl ARCH_REQ_XCOMP_PERM) once per process.
//
// bf16_matvec reads the same packed A with vector loads instead of tiles (VDPBF16PS), for a few
// columns (the generation step): streaming A from L3 is what costs there, and vector loads stream
// about twice as fast as tile loads on this class of CPU.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/config.hpp"

// (g++ spells the AMX macros __AMX_TILE__ and __AMX_BF16__, clang __AMXTILE__ and __AMXBF16__)
#if (defined(__AMX_TILE__) || defined(__AMXTILE__)) && (defined(__AMX_BF16__) || defined(__AMXBF16__)) && \
    defined(__AVX512F__) && defined(__AVX512BF16__) && defined(__linux__)
#define SYMPHONIC_HAVE_AMX 1
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#define SYMPHONIC_HAVE_AMX 0
#endif

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

using bf16 = std::uint16_t;

/// Whether this build has the AMX kernels and this process may use the tiles.
inline bool amx_usable() {
#if SYMPHONIC_HAVE_AMX
  static const bool usable = [] {
    constexpr long kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtiledata) == 0;
  }();
  return usable;
#else
  return false;
#endif
}

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

constexpr Index kAmxK = 32;  ///< k per tile (64 bytes of bf16)
constexpr Index kAmxM = 16;  ///< rows of C per tile
constexpr Index kAmxN = 16;  ///< columns of C per tile

inline Index amx_round_up(Index n, Index to) { return (n + to - 1) / to * to; }

/// bf16 elements of A (M x K) once packed: M rounded up to 32 (two tiles), K up to 32.
inline Index amx_packed_a_size(Index m, Index k) { return amx_round_up(m, 2 * kAmxM) * amx_round_up(k, kAmxK); }
/// Leading dimension and bf16 elements of a B operand of K rows and N columns.
inline Index amx_ldb(Index k) { return amx_round_up(k, kAmxK); }
inline Index amx_b_size(Index k, Index n) { return amx_ldb(k) * amx_round_up(n, 2 * kAmxN); }

#if SYMPHONIC_HAVE_AMX
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

#if SYMPHONIC_HAVE_AMX
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
inline void amx_pack_a(Index m, Index k, const float* a, Index rs, Index cs, bf16* out) {
  const Index mp = amx_round_up(m, 2 * kAmxM), kb = amx_round_up(k, kAmxK) / kAmxK;
  for (Index q = 0; q < kb; ++q)  // k outermost: rows of a column-major A are read in order
    for (Index p = 0; p < mp / kAmxM; ++p) {
      std::uint32_t* tile = reinterpret_cast<std::uint32_t*>(out + (p * kb + q) * kAmxM * kAmxK);
      const Index m0 = p * kAmxM, rows = std::max<Index>(0, std::min(kAmxM, m - m0));
#if SYMPHONIC_HAVE_AMX
      if (cs == 1) {  // a row-major A: 32 consecutive k of one row are the 16 pairs of one tile column
        const Index k0 = q * kAmxK, kn = std::max<Index>(0, std::min(kAmxK, k - k0));
        __m512i v[16];
        for (Index i = 0; i < kAmxM; ++i) {
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
        for (Index r = 0; r < kAmxK / 2; ++r) _mm512_storeu_si512(tile + r * kAmxM, v[r]);
        continue;
      }
#endif
      for (Index r = 0; r < kAmxK / 2; ++r) {
        const Index k0 = q * kAmxK + 2 * r;
#if SYMPHONIC_HAVE_AMX
        if (rs == 1) {  // 16 consecutive m at k and at k + 1: one vector each
          const __m512 lo = k0 < k ? detail::load_or_zero(a + m0 + k0 * cs, rows) : _mm512_setzero_ps();
          const __m512 hi = k0 + 1 < k ? detail::load_or_zero(a + m0 + (k0 + 1) * cs, rows) : _mm512_setzero_ps();
          const __m512i pair = _mm512_or_si512(detail::round_bf16_lanes(lo),
                                               _mm512_slli_epi32(detail::round_bf16_lanes(hi), 16));
          _mm512_storeu_si512(tile + r * kAmxM, pair);
          continue;
        }
#endif
        for (Index i = 0; i < kAmxM; ++i) {
          const bool row = i < rows;
          const std::uint32_t lo = row && k0 < k ? to_bf16(a[(m0 + i) * rs + k0 * cs]) : 0u;
          const std::uint32_t hi = row && k0 + 1 < k ? to_bf16(a[(m0 + i) * rs + (k0 + 1) * cs]) : 0u;
          tile[r * kAmxM + i] = lo | (hi << 16);
        }
      }
    }
}

/// dst (column-major, ldd = amx_ldb(rows)) = src (rows x n, column-major, lds) in bf16, with the
/// padding rows and, up to n rounded to 32, padding columns zero.
inline void to_bf16_columns(Index rows, Index n, const float* src, Index lds, bf16* dst, Index ldd) {
  const Index np = amx_round_up(n, 2 * kAmxN);
  for (Index j = 0; j < np; ++j) {
    bf16* d = dst + j * ldd;
    Index i = 0;
    if (j < n) {
      const float* s = src + j * lds;
#if SYMPHONIC_HAVE_AMX
      for (; i + 16 <= rows; i += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i),
                            _mm512_cvtepi32_epi16(detail::round_bf16_lanes(_mm512_loadu_ps(s + i))));
#endif
      for (; i < rows; ++i) d[i] = to_bf16(s[i]);
    }
    std::fill(d + i, d + ldd, bf16(0));
  }
}


/// dst (column-major, ldd = amx_ldb(n)) = src^T in bf16, src rows x n column-major (lds): column
/// r of dst is row r of src. Padding as in to_bf16_columns (dst has rows rounded to 32 columns).
inline void to_bf16_transposed(Index rows, Index n, const float* src, Index lds, bf16* dst, Index ldd) {
  const Index rp = amx_round_up(rows, 2 * kAmxN);
  Index i0 = 0;
#if SYMPHONIC_HAVE_AMX
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
  for (Index i = 0; i < rp; ++i) std::fill(dst + i * ldd + (i < rows ? n : 0), dst + (i + 1) * ldd, bf16(0));
}

#if SYMPHONIC_HAVE_AMX
namespace detail {
struct alignas(64) TileConfig {
  std::uint8_t palette = 1, start_row = 0, reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
};
// Tiles 0-3: C (2 x 2 blocks of 16 x 16 floats); 4, 5: B columns; 6, 7: packed A.
inline void amx_configure() {
  TileConfig config;
  for (int t = 0; t < 8; ++t) {
    config.colsb[t] = 64;
    config.rows[t] = 16;
  }
  _tile_loadconfig(&config);
}

// One 32 x 32 block of C (or 16 x 32 when `two_n` is false) over all of K. The C tiles come from
// and go to `c` (stride ldc floats) directly, or through the scratch block `edge` for blocks that
// stick out of C.
inline void amx_block(bool two_n, Index kb, const bf16* a0, const bf16* a1, const bf16* b, Index ldb, float* c,
                      Index ldc, bool accumulate, const float* bias) {
  const Index bstride = ldb * 2, cstride = ldc * 4;
  if (bias) {  // every row of a C tile (a column of C) starts as the same 16 biases: stride 0
    _tile_loadd(0, bias, 0);
    _tile_loadd(1, bias + kAmxM, 0);
    _tile_loadd(2, bias, 0);
    _tile_loadd(3, bias + kAmxM, 0);
  } else if (accumulate) {
    _tile_loadd(0, c, cstride);
    _tile_loadd(1, c + kAmxM, cstride);
    if (two_n) {
      _tile_loadd(2, c + kAmxN * ldc, cstride);
      _tile_loadd(3, c + kAmxN * ldc + kAmxM, cstride);
    }
  } else {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  }
  const bf16* b1 = b + kAmxN * ldb;
  for (Index q = 0; q < kb; ++q) {
    // each load is placed just before the first product that needs it, so loads overlap products
    _tile_loadd(4, b + q * kAmxK, bstride);
    _tile_loadd(6, a0 + q * kAmxM * kAmxK, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_loadd(7, a1 + q * kAmxM * kAmxK, 64);
    _tile_dpbf16ps(1, 4, 7);
    if (two_n) {
      _tile_loadd(5, b1 + q * kAmxK, bstride);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
  }
  _tile_stored(0, c, cstride);
  _tile_stored(1, c + kAmxM, cstride);
  if (two_n) {
    _tile_stored(2, c + kAmxN * ldc, cstride);
    _tile_stored(3, c + kAmxN * ldc + kAmxM, cstride);
  }
}
}  // namespace detail
#endif

/// C (m x n, column-major, ldc) = A B, or += when `accumulate`, or = bias 1^T + A B when `bias`
/// (m floats) is given; A packed by amx_pack_a (m, k), B as in the file comment. Requires amx_usable().
inline void amx_gemm(Index m, Index n, Index k, const bf16* ap, const bf16* b, Index ldb, float* c, Index ldc,
                     bool accumulate, const float* bias = nullptr) {
#if SYMPHONIC_HAVE_AMX
  detail::amx_configure();
  const Index kb = amx_round_up(k, kAmxK) / kAmxK, mp = amx_round_up(m, 2 * kAmxM);
  alignas(64) float edge[2 * kAmxN * 2 * kAmxM];
  // Blocked so that a kKc x kMc slice of the packed A stays in L2 while every column of B passes.
  constexpr Index kKc = 16, kMc = 256;  // in tiles of k (16 x 32 = 512) and in rows of C
  for (Index q0 = 0; q0 < kb; q0 += kKc) {
    const Index qn = std::min(kKc, kb - q0);
    const bool add = accumulate || q0 > 0;
    for (Index ii = 0; ii < mp; ii += kMc)
      for (Index j0 = 0; j0 < n; j0 += 2 * kAmxN) {
        const Index cols = std::min(2 * kAmxN, n - j0);
        const bool two_n = cols > kAmxN;
        const bf16* bj = b + j0 * ldb + q0 * kAmxK;
        for (Index i0 = ii; i0 < std::min(mp, ii + kMc); i0 += 2 * kAmxM) {
          const bf16* a0 = ap + ((i0 / kAmxM) * kb + q0) * kAmxM * kAmxK;
          const bf16* a1 = a0 + kb * kAmxM * kAmxK;
          const Index rows = std::min(2 * kAmxM, m - i0);
          const float* start = bias && q0 == 0 ? bias + i0 : nullptr;
          if (rows == 2 * kAmxM && (cols == 2 * kAmxN || cols == kAmxN)) {
            detail::amx_block(two_n, qn, a0, a1, bj, ldb, c + j0 * ldc + i0, ldc, add || bias, start);
            continue;
          }
          // a block that sticks out of C: through `edge` (32 x 32, ld 32)
          for (Index j = 0; j < 2 * kAmxN; ++j)
            for (Index i = 0; i < 2 * kAmxM; ++i)
              edge[j * 2 * kAmxM + i] = i >= rows || (j >= cols && !start) ? 0.0f
                                        : start                          ? start[i]
                                        : add                            ? c[(j0 + j) * ldc + i0 + i]
                                                                         : 0.0f;
          detail::amx_block(two_n, qn, a0, a1, bj, ldb, edge, 2 * kAmxM, true, nullptr);
          for (Index j = 0; j < cols; ++j)
            for (Index i = 0; i < rows; ++i) c[(j0 + j) * ldc + i0 + i] = edge[j * 2 * kAmxM + i];
        }
      }
  }
  _tile_release();
#else
  (void)m, (void)n, (void)k, (void)ap, (void)b, (void)ldb, (void)c, (void)ldc, (void)accumulate, (void)bias;
  SYMPHONIC_ASSERT(false && "amx_gemm without AMX");
#endif
}

#if SYMPHONIC_HAVE_AMX
namespace detail {
// NC columns (1 to 4) of bf16_matvec in one pass over A, two accumulator chains per column.
template <int NC>
void bf16_matvec_columns(Index m, Index kb, const bf16* ap, const bf16* x, Index ldx, float* y, Index ldy,
                         bool accumulate) {
  constexpr Index kAhead = 32;  // lines of 64 bytes prefetched ahead (measured: 16 and 64 no better)
  const std::uint32_t* pairs[NC];
  for (int c = 0; c < NC; ++c) pairs[c] = reinterpret_cast<const std::uint32_t*>(x + c * ldx);
  for (Index i0 = 0; i0 < m; i0 += kAmxM) {
    // panel i0 / 16: kb tiles of 16 pairs of k by 16 rows, one 64-byte line per pair
    const __m512i* line = reinterpret_cast<const __m512i*>(ap + (i0 / kAmxM) * kb * kAmxM * kAmxK);
    __m512 even[NC], odd[NC];
    for (int c = 0; c < NC; ++c) even[c] = odd[c] = _mm512_setzero_ps();
    for (Index r = 0; r < kb * kAmxK / 2; r += 2) {
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
    const Index rows = std::min(kAmxM, m - i0);
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
/// amx_pack_a (m, k), x as a B operand of k rows (amx_ldb(k), zero-padded). Requires a build with
/// the AMX kernels (SYMPHONIC_HAVE_AMX); it uses no tiles.
inline void bf16_matvec(Index m, Index n, Index k, const bf16* ap, const bf16* x, Index ldx, float* y, Index ldy,
                        bool accumulate) {
#if SYMPHONIC_HAVE_AMX
  const Index kb = amx_round_up(k, kAmxK) / kAmxK;
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

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
