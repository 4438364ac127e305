// symphonic/backend/cpu/amx_gemm.hpp - C (+)= A B in bfloat16 with float accumulation on Intel
// AMX tiles, for the opt-in bf16 precision of the LSTM (nn/precision.hpp); operands as in bf16.hpp.
//
// AMX multiplies 16 x 32 bf16 tiles into 16 x 16 float tiles (TDPBF16PS):
//   T[n, m] += sum_k S1[n, k] S2[k / 2, m, k % 2]
// C is column-major, so one row n of a float tile is 16 consecutive rows m of column n of C; S1 is
// a tile of the packed B (rows: columns of B, 32 k each), S2 a tile of the packed A.
//
// Compiled with AMX-TILE, AMX-BF16, AVX-512F and AVX512-BF16 (-march=native on such a CPU);
// amx_usable() also asks Linux for the tile state (arch_prctl ARCH_REQ_XCOMP_PERM) once per process.
// bf16_gemm (bf16_gemm.hpp) calls this where it can, and its vector kernel elsewhere.
#pragma once

#include <algorithm>
#include <cstdint>

#include "symphonic/backend/cpu/bf16.hpp"
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

// One 32 x 32 block of C (or 32 x 16 when `two_n` is false) over kb tiles of k: A panels a0, a1,
// B panels b0, b1. The C tiles come from and go to `c` (stride ldc floats) directly, or through the
// scratch block `edge` for blocks that stick out of C.
inline void amx_block(bool two_n, Index kb, const bf16* a0, const bf16* a1, const bf16* b0, const bf16* b1, float* c,
                      Index ldc, bool accumulate, const float* bias) {
  constexpr Index kTile = kTileM * kTileK, kLine = 64;  // bf16 elements and bytes: a tile, a tile row
  const Index cstride = ldc * 4;
  if (bias) {  // every row of a C tile (a column of C) starts as the same 16 biases: stride 0
    _tile_loadd(0, bias, 0);
    _tile_loadd(1, bias + kTileM, 0);
    _tile_loadd(2, bias, 0);
    _tile_loadd(3, bias + kTileM, 0);
  } else if (accumulate) {
    _tile_loadd(0, c, cstride);
    _tile_loadd(1, c + kTileM, cstride);
    if (two_n) {
      _tile_loadd(2, c + kTileN * ldc, cstride);
      _tile_loadd(3, c + kTileN * ldc + kTileM, cstride);
    }
  } else {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  }
  for (Index q = 0; q < kb; ++q) {
    // each load is placed just before the first product that needs it, so loads overlap products
    _tile_loadd(4, b0 + q * kTile, kLine);
    _tile_loadd(6, a0 + q * kTile, kLine);
    _tile_dpbf16ps(0, 4, 6);
    _tile_loadd(7, a1 + q * kTile, kLine);
    _tile_dpbf16ps(1, 4, 7);
    if (two_n) {
      _tile_loadd(5, b1 + q * kTile, kLine);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
  }
  _tile_stored(0, c, cstride);
  _tile_stored(1, c + kTileM, cstride);
  if (two_n) {
    _tile_stored(2, c + kTileN * ldc, cstride);
    _tile_stored(3, c + kTileN * ldc + kTileM, cstride);
  }
}
}  // namespace detail
#endif

/// C (m x n, column-major, ldc) = A B, or += when `accumulate`, or = bias 1^T + A B when `bias`
/// (m floats) is given; A packed by bf16_pack_a (m, k), B by bf16_pack_b (k, n); only the panels of
/// B up to column n rounded to 16 are read. Requires amx_usable().
inline void amx_gemm(Index m, Index n, Index k, const bf16* ap, const bf16* bp, float* c, Index ldc, bool accumulate,
                     const float* bias = nullptr) {
#if SYMPHONIC_HAVE_AMX
  detail::amx_configure();
  const Index kb = round_up(k, kTileK) / kTileK, mp = round_up(m, 2 * kTileM), panel = kb * kTileM * kTileK;
  alignas(64) float edge[2 * kTileN * 2 * kTileM];
  // Blocked so that a slice of kKc tiles of k by kMc rows of the packed A (512 KiB) stays in L2
  // while every column of B passes (slices of 8 to 32 tiles and 32 to 4,096 rows measured alike).
  constexpr Index kKc = 32, kMc = 256;  // in tiles of k (32 x 32 = 1024) and in rows of C
  for (Index q0 = 0; q0 < kb; q0 += kKc) {
    const Index qn = std::min(kKc, kb - q0);
    const bool add = accumulate || q0 > 0;
    for (Index ii = 0; ii < mp; ii += kMc)
      for (Index j0 = 0; j0 < n; j0 += 2 * kTileN) {
        const Index cols = std::min(2 * kTileN, n - j0);
        const bool two_n = cols > kTileN;
        const bf16* b0 = bp + (j0 / kTileN) * panel + q0 * kTileM * kTileK;
        const bf16* b1 = two_n ? b0 + panel : b0;
        for (Index i0 = ii; i0 < std::min(mp, ii + kMc); i0 += 2 * kTileM) {
          const bf16* a0 = ap + (i0 / kTileM) * panel + q0 * kTileM * kTileK;
          const bf16* a1 = a0 + panel;
          const Index rows = std::min(2 * kTileM, m - i0);
          const float* start = bias && q0 == 0 ? bias + i0 : nullptr;
          if (rows == 2 * kTileM && (cols == 2 * kTileN || cols == kTileN)) {
            detail::amx_block(two_n, qn, a0, a1, b0, b1, c + j0 * ldc + i0, ldc, add || bias, start);
            continue;
          }
          // a block that sticks out of C: through `edge` (32 x 32, ld 32)
          for (Index j = 0; j < 2 * kTileN; ++j)
            for (Index i = 0; i < 2 * kTileM; ++i)
              edge[j * 2 * kTileM + i] = i >= rows || (j >= cols && !start) ? 0.0f
                                        : start                          ? start[i]
                                        : add                            ? c[(j0 + j) * ldc + i0 + i]
                                                                         : 0.0f;
          detail::amx_block(two_n, qn, a0, a1, b0, b1, edge, 2 * kTileM, true, nullptr);
          for (Index j = 0; j < cols; ++j)
            for (Index i = 0; i < rows; ++i) c[(j0 + j) * ldc + i0 + i] = edge[j * 2 * kTileM + i];
        }
      }
  }
  _tile_release();
#else
  (void)m, (void)n, (void)k, (void)ap, (void)bp, (void)c, (void)ldc, (void)accumulate, (void)bias;
  SYMPHONIC_ASSERT(false && "amx_gemm without AMX");
#endif
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
