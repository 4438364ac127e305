// symphonic/midi/detail/varint.hpp - big-endian integers and MIDI variable-length quantities.
//
// A variable-length quantity (VLQ) stores 7 bits per byte, most significant group first, with
// bit 7 set on every byte but the last. Standard MIDI Files allow at most 4 bytes (values up to
// 0x0FFFFFFF). Internal header: included by midi/read.hpp and midi/write.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {
namespace detail {

/// Largest value a 4-byte VLQ can hold.
constexpr std::uint32_t max_vlq = 0x0FFFFFFF;

inline std::uint32_t read_be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}
inline std::uint16_t read_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
inline std::uint32_t read_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[3]) << 24 | static_cast<std::uint32_t>(p[2]) << 16 |
         static_cast<std::uint32_t>(p[1]) << 8 | p[0];
}

/// Outcome of read_vlq.
enum class VlqStatus { ok, truncated, too_long };

/// Reads a VLQ starting at `p`, never at or past `end`. On success advances `p` and stores the
/// value; on `truncated` (the buffer ends inside it) or `too_long` (a fifth byte would be
/// needed) `p` points at the offending byte.
inline VlqStatus read_vlq(const std::uint8_t*& p, const std::uint8_t* end, std::uint32_t& value) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    if (p >= end) return VlqStatus::truncated;
    const std::uint8_t b = *p;
    v = (v << 7) | (b & 0x7Fu);
    ++p;
    if (!(b & 0x80)) {
      value = v;
      return VlqStatus::ok;
    }
  }
  return VlqStatus::too_long;
}

/// Number of bytes the VLQ of `value` (<= max_vlq) takes.
inline int vlq_size(std::uint32_t value) {
  return value < (1u << 7) ? 1 : value < (1u << 14) ? 2 : value < (1u << 21) ? 3 : 4;
}

/// Appends the shortest VLQ of `value` (<= max_vlq) to `out`.
inline void write_vlq(std::vector<std::uint8_t>& out, std::uint32_t value) {
  if (value < (1u << 7)) {
    out.push_back(static_cast<std::uint8_t>(value));
    return;
  }
  std::uint8_t buffer[4];
  int n = 0;
  buffer[n++] = static_cast<std::uint8_t>(value & 0x7F);
  value >>= 7;
  while (value) {
    buffer[n++] = static_cast<std::uint8_t>(0x80 | (value & 0x7F));
    value >>= 7;
  }
  while (n) out.push_back(buffer[--n]);
}

inline void write_be32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 24));
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}
inline void write_be16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

}  // namespace detail
}  // namespace midi
SYMPHONIC_NAMESPACE_END
