// symphonic/io/detail/crc32.hpp - CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the
// checksum of zlib, PNG and gzip, so Python's zlib.crc32 gives the same value.
//
// Two ways to the same value:
//   - slicing-by-8: eight 256-entry tables, eight input bytes per iteration (about 1.5 GB/s);
//   - on x86-64 CPUs with PCLMULQDQ (checked at run time), folding: the message is cut into
//     16-byte blocks, and since CRC(A * x^n + B) depends on A only through A * x^n mod P, a block
//     is moved n bits further on by two carry-less 64 x 64-bit products with the constants
//     x^n mod P, then xor-ed into the block it lands on; four blocks in flight hide the
//     multiplier's latency (well over 10 GB/s). The last 128 bits are cut to 32 by two more folds
//     and a Barrett reduction.
// Files of the cache and the checkpoints are checked with it on every load, so its speed is the
// load's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "symphonic/config.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SYMPHONIC_CRC32_CLMUL 1
#else
#define SYMPHONIC_CRC32_CLMUL 0
#endif

SYMPHONIC_NAMESPACE_BEGIN
namespace io {
namespace detail {

using Crc32Tables = std::array<std::array<std::uint32_t, 256>, 8>;

inline const Crc32Tables& crc32_tables() {
  static const Crc32Tables tables = [] {
    Crc32Tables t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (std::size_t k = 1; k < 8; ++k)
      for (std::size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFu];
    return t;
  }();
  return tables;
}

/// The table-driven CRC of `size` bytes, from and to the inverted register (~crc).
inline std::uint32_t crc32_tables_update(const unsigned char* p, std::size_t size, std::uint32_t reg) {
  const Crc32Tables& t = crc32_tables();
  while (size >= 8) {
    // Bytes in stream order, independent of the host's byte order.
    const std::uint32_t a = reg ^ (std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 |
                                   std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24);
    reg = t[7][a & 0xFFu] ^ t[6][(a >> 8) & 0xFFu] ^ t[5][(a >> 16) & 0xFFu] ^ t[4][a >> 24] ^
          t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    size -= 8;
  }
  while (size--) reg = t[0][(reg ^ *p++) & 0xFFu] ^ (reg >> 8);
  return reg;
}

#if SYMPHONIC_CRC32_CLMUL
/// Folds the 128-bit block `x` forward onto `onto`: x.lo * k.lo ^ x.hi * k.hi ^ onto.
__attribute__((target("pclmul,sse4.1"))) inline __m128i crc32_fold(__m128i x, __m128i k, __m128i onto) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), onto);
}

/// The CRC by folding, from and to the inverted register; at least 64 bytes. The constants are
/// x^n mod P(x), bit-reflected as the register is and shifted left one bit (a reflected product
/// lands one bit short); scripts/crc32_fold_constants.py derives them. A block's low half moves
/// n = D + 32 bits, its high half D - 32, for a fold over D bits.
__attribute__((target("pclmul,sse4.1"))) inline std::uint32_t crc32_clmul_update(const unsigned char* p,
                                                                                 std::size_t size,
                                                                                 std::uint32_t reg) {
  const __m128i fold4 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);    // D = 512: x^480, x^544
  const __m128i fold1 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);    // D = 128: x^96, x^160
  const __m128i fold64 = _mm_set_epi64x(0, 0x163cd6124);             // x^64
  const __m128i barrett = _mm_set_epi64x(0x1F7011641, 0x1DB710641);  // mu = x^64 div P, and P
  const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);
  const auto load = [](const unsigned char* at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(at)); };

  __m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(reg)));  // the register joins the first bytes
  __m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
  p += 64;
  size -= 64;
  for (; size >= 64; p += 64, size -= 64) {
    x0 = crc32_fold(x0, fold4, load(p));
    x1 = crc32_fold(x1, fold4, load(p + 16));
    x2 = crc32_fold(x2, fold4, load(p + 32));
    x3 = crc32_fold(x3, fold4, load(p + 48));
  }
  __m128i x = crc32_fold(x0, fold1, x1);
  x = crc32_fold(x, fold1, x2);
  x = crc32_fold(x, fold1, x3);
  for (; size >= 16; p += 16, size -= 16) x = crc32_fold(x, fold1, load(p));

  // 128 -> 64 bits: the low half moves onto the high one
  x = _mm_xor_si128(_mm_clmulepi64_si128(x, fold1, 0x10), _mm_srli_si128(x, 8));
  // 64 -> 32 bits
  x = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x, low32), fold64, 0x00), _mm_srli_si128(x, 4));
  // Barrett: q = (x mod x^32) * mu, then x - (q mod x^32) * P'; the remainder is in bits 32..63
  __m128i q = _mm_clmulepi64_si128(_mm_and_si128(x, low32), barrett, 0x10);
  q = _mm_clmulepi64_si128(_mm_and_si128(q, low32), barrett, 0x00);
  reg = static_cast<std::uint32_t>(_mm_extract_epi32(_mm_xor_si128(x, q), 1));
  return size ? crc32_tables_update(p, size, reg) : reg;
}

inline bool crc32_has_clmul() {
  static const bool has = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return has;
}
#endif

/// Continues a CRC-32 over `size` more bytes: crc32(a + b) == crc32(b, crc32(a)); start at 0.
inline std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
#if SYMPHONIC_CRC32_CLMUL
  if (size >= 64 && crc32_has_clmul()) return ~crc32_clmul_update(p, size, ~crc);
#endif
  return ~crc32_tables_update(p, size, ~crc);
}

}  // namespace detail
}  // namespace io
SYMPHONIC_NAMESPACE_END
