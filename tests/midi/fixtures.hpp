// tests/midi/fixtures.hpp - building small MIDI byte streams by hand for the reader tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace midi_fixtures {

using Bytes = std::vector<std::uint8_t>;

inline void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

inline Bytes be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

/// A chunk with a 4-character id and the given body; `length` overrides the true length.
inline Bytes chunk(const std::string& id, const Bytes& body, long long length = -1) {
  Bytes out(id.begin(), id.end());
  append(out, be32(static_cast<std::uint32_t>(length < 0 ? static_cast<long long>(body.size())
                                                         : length)));
  append(out, body);
  return out;
}

/// An MThd chunk.
inline Bytes header(int format, int tracks, std::uint16_t division) {
  return chunk("MThd", {0, static_cast<std::uint8_t>(format), static_cast<std::uint8_t>(tracks >> 8),
                        static_cast<std::uint8_t>(tracks), static_cast<std::uint8_t>(division >> 8),
                        static_cast<std::uint8_t>(division)});
}

inline Bytes track(const Bytes& events, long long length = -1) { return chunk("MTrk", events, length); }

/// A whole file: header then the given track bodies.
inline Bytes smf(int format, std::uint16_t division, std::initializer_list<Bytes> tracks) {
  Bytes out = header(format, static_cast<int>(tracks.size()), division);
  for (const Bytes& t : tracks) append(out, track(t));
  return out;
}

inline const Bytes end_of_track{0x00, 0xFF, 0x2F, 0x00};

inline Bytes with_eot(Bytes events) {
  append(events, end_of_track);
  return events;
}

}  // namespace midi_fixtures
