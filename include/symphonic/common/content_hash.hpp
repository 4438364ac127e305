// symphonic/common/content_hash.hpp - a 64-bit fingerprint of a file's bytes, to tell whether a
// file whose time stamp changed still holds the same content.
//
// Not cryptographic: it guards against edits, not against someone forging a collision. Four
// lanes of 8-byte words, each lane h = mix64(h ^ word) * K (mix64: counter_rng.hpp), run side by
// side so the multiplies overlap (about 8 GB/s on one core here, well above a MIDI parse); the
// tail bytes and the length are folded in at the end, so "a" and "a\0" differ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "symphonic/common/counter_rng.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace common {

namespace detail {
inline std::uint64_t load_le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];  // byte order of the data, not of the host
  return v;
}
}  // namespace detail

inline std::uint64_t content_hash(const void* data, std::size_t size) {
  constexpr std::uint64_t K = 0x9E3779B97F4A7C15ULL;
  const unsigned char* p = static_cast<const unsigned char*>(data);
  std::uint64_t lane[4] = {0x243F6A8885A308D3ULL, 0x13198A2E03707344ULL, 0xA4093822299F31D0ULL, 0x082EFA98EC4E6C89ULL};
  std::size_t n = size;
  for (; n >= 32; p += 32, n -= 32)
    for (int k = 0; k < 4; ++k) lane[k] = mix64(lane[k] ^ detail::load_le64(p + 8 * k)) * K;
  unsigned char tail[32] = {};
  std::memcpy(tail, p, n);
  for (int k = 0; k < 4; ++k) lane[k] = mix64(lane[k] ^ detail::load_le64(tail + 8 * k)) * K;
  std::uint64_t h = static_cast<std::uint64_t>(size);
  for (int k = 0; k < 4; ++k) h = mix64(h ^ lane[k]);
  return h;
}

}  // namespace common
SYMPHONIC_NAMESPACE_END
