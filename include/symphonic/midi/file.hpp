// symphonic/midi/file.hpp - the Standard MIDI File model: File, Division, Track.
//
// A File is its header (format 0, 1 or 2 and the time division) and its tracks. A Track is a
// vector of Events with absolute ticks (midi/event.hpp) plus one byte arena that holds every
// meta and sysex payload of that track, each stored as a 4-byte little-endian length followed by
// the bytes. Build tracks with the add_* helpers, or push Events yourself and use add_payload().
//
// Two files are equal when their format, division and the events of each track are the same,
// comparing payload bytes (not arena offsets) and ignoring Event::flags.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/midi/event.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {

/// The header's time division: ticks per quarter note, or SMPTE frames per second and ticks per
/// frame. frames_per_second is 24, 25, 29 (meaning 30000/1001, "30 drop") or 30, and 0 for
/// ticks-per-quarter files.
struct Division {
  int ticks_per_quarter = 480;  ///< 1..32767 when !is_smpte()
  int frames_per_second = 0;    ///< SMPTE frames per second (24, 25, 29, 30), 0 otherwise
  int ticks_per_frame = 0;      ///< SMPTE ticks per frame (1..255), 0 otherwise

  constexpr bool is_smpte() const { return frames_per_second != 0; }

  /// Ticks per second of an SMPTE division (29 fps counts as 29.97).
  double smpte_ticks_per_second() const {
    const double fps = frames_per_second == 29 ? 30000.0 / 1001.0 : frames_per_second;
    return fps * ticks_per_frame;
  }

  static constexpr Division quarter(int ticks) { return Division{ticks, 0, 0}; }
  static constexpr Division smpte(int frames_per_second, int ticks_per_frame) {
    return Division{0, frames_per_second, ticks_per_frame};
  }

  /// The 16-bit header word.
  constexpr std::uint16_t raw() const {
    return is_smpte() ? static_cast<std::uint16_t>(((256 - frames_per_second) & 0x7F) << 8 |
                                                   0x8000 | (ticks_per_frame & 0xFF))
                      : static_cast<std::uint16_t>(ticks_per_quarter & 0x7FFF);
  }
  /// Decodes the 16-bit header word (frames per second from its two's-complement high byte).
  static constexpr Division from_raw(std::uint16_t word) {
    return (word & 0x8000) ? smpte(256 - (word >> 8), word & 0xFF) : quarter(word);
  }

  friend constexpr bool operator==(const Division& a, const Division& b) {
    return a.ticks_per_quarter == b.ticks_per_quarter &&
           a.frames_per_second == b.frames_per_second && a.ticks_per_frame == b.ticks_per_frame;
  }
  friend constexpr bool operator!=(const Division& a, const Division& b) { return !(a == b); }
};

/// Ticks per quarter note; for an SMPTE division, the equivalent at 120 bpm (a quarter note
/// lasts half a second), rounded, at least 1.
inline int ticks_per_quarter(const Division& division) {
  if (!division.is_smpte()) return division.ticks_per_quarter;
  const int ticks = static_cast<int>(division.smpte_ticks_per_second() / 2.0 + 0.5);
  return ticks > 0 ? ticks : 1;
}

/// A read-only view of payload bytes.
struct Bytes {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;

  const std::uint8_t* begin() const { return data; }
  const std::uint8_t* end() const { return data + size; }
  bool empty() const { return size == 0; }
  std::uint8_t operator[](std::size_t i) const { return data[i]; }
  std::string text() const {
    return size ? std::string(reinterpret_cast<const char*>(data), size) : std::string();
  }
  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.size == b.size && (a.size == 0 || std::memcmp(a.data, b.data, a.size) == 0);
  }
  friend bool operator!=(const Bytes& a, const Bytes& b) { return !(a == b); }
};

/// One track chunk: events in order with absolute ticks, and the payload arena.
struct Track {
  std::vector<Event> events;       ///< in stream order; ticks never decrease in a read file
  std::vector<std::uint8_t> data;  ///< payload arena: [u32 length LE][bytes] per payload

  /// The payload bytes of a meta or sysex event (empty for channel messages).
  Bytes payload(const Event& event) const {
    if (event.is_channel() || event.payload + std::size_t{4} > data.size()) return {};
    std::uint32_t length;
    std::memcpy(&length, data.data() + event.payload, 4);
    return Bytes{data.data() + event.payload + 4, length};
  }

  /// Appends a payload to the arena and returns its offset (for Event::payload).
  std::uint32_t add_payload(const std::uint8_t* bytes, std::size_t size) {
    const std::size_t offset = data.size();
    if (offset + size + 4 > 0xFFFFFFFFu || size > 0xFFFFFFFu)
      SYMPHONIC_THROW(std::length_error("midi::Track: payload arena over 4 GiB"));
    data.resize(offset + 4 + size);
    const auto length = static_cast<std::uint32_t>(size);
    std::memcpy(data.data() + offset, &length, 4);
    if (size) std::memcpy(data.data() + offset + 4, bytes, size);
    return static_cast<std::uint32_t>(offset);
  }

  /// Appends a channel message; `status_byte` is message | channel.
  Event& add_channel(std::int64_t tick, std::uint8_t status_byte, std::uint8_t data1,
                     std::uint8_t data2 = 0) {
    events.push_back(Event::channel_message(tick, status_byte, data1, data2));
    return events.back();
  }
  Event& add_note_on(std::int64_t tick, int channel, int pitch, int velocity) {
    return add_channel(tick, static_cast<std::uint8_t>(0x90 | (channel & 0x0F)),
                       static_cast<std::uint8_t>(pitch), static_cast<std::uint8_t>(velocity));
  }
  Event& add_note_off(std::int64_t tick, int channel, int pitch, int velocity = 0) {
    return add_channel(tick, static_cast<std::uint8_t>(0x80 | (channel & 0x0F)),
                       static_cast<std::uint8_t>(pitch), static_cast<std::uint8_t>(velocity));
  }
  Event& add_program_change(std::int64_t tick, int channel, int program) {
    return add_channel(tick, static_cast<std::uint8_t>(0xC0 | (channel & 0x0F)),
                       static_cast<std::uint8_t>(program));
  }
  Event& add_control_change(std::int64_t tick, int channel, int controller, int value) {
    return add_channel(tick, static_cast<std::uint8_t>(0xB0 | (channel & 0x0F)),
                       static_cast<std::uint8_t>(controller), static_cast<std::uint8_t>(value));
  }

  /// Appends a meta event of `type` with the given payload.
  Event& add_meta(std::int64_t tick, std::uint8_t type, const std::uint8_t* bytes,
                  std::size_t size) {
    Event e;
    e.tick = tick;
    e.status = status::meta;
    e.data1 = type;
    e.payload = add_payload(bytes, size);
    events.push_back(e);
    return events.back();
  }
  Event& add_meta(std::int64_t tick, std::uint8_t type, const std::string& text) {
    return add_meta(tick, type, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  }
  /// Appends a sysex (`status_byte` 0xF0) or escape (0xF7) with the bytes after the length.
  Event& add_sysex(std::int64_t tick, std::uint8_t status_byte, const std::uint8_t* bytes,
                   std::size_t size) {
    Event e;
    e.tick = tick;
    e.status = status_byte;
    e.payload = add_payload(bytes, size);
    events.push_back(e);
    return events.back();
  }
  /// Tempo meta in microseconds per quarter note (1..0xFFFFFF).
  Event& add_tempo(std::int64_t tick, std::uint32_t microseconds_per_quarter) {
    const std::uint8_t bytes[3] = {static_cast<std::uint8_t>(microseconds_per_quarter >> 16),
                                   static_cast<std::uint8_t>(microseconds_per_quarter >> 8),
                                   static_cast<std::uint8_t>(microseconds_per_quarter)};
    return add_meta(tick, meta::tempo, bytes, 3);
  }
  /// Time signature meta: numerator / denominator (a power of two), MIDI clocks per click and
  /// 32nd notes per quarter.
  Event& add_time_signature(std::int64_t tick, int numerator, int denominator,
                            int clocks_per_click = 24, int thirty_seconds_per_quarter = 8) {
    int power = 0;
    while ((1 << power) < denominator && power < 7) ++power;
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(numerator),
                                   static_cast<std::uint8_t>(power),
                                   static_cast<std::uint8_t>(clocks_per_click),
                                   static_cast<std::uint8_t>(thirty_seconds_per_quarter)};
    return add_meta(tick, meta::time_signature, bytes, 4);
  }
  Event& add_end_of_track(std::int64_t tick) {
    return add_meta(tick, meta::end_of_track, nullptr, 0);
  }

  /// Tick of the last event (0 for an empty track).
  std::int64_t end_tick() const { return events.empty() ? 0 : events.back().tick; }
  /// True when the last event is an end-of-track meta.
  bool has_end_of_track() const { return !events.empty() && events.back().is_end_of_track(); }

  friend bool operator==(const Track& a, const Track& b) {
    if (a.events.size() != b.events.size()) return false;
    for (std::size_t i = 0; i < a.events.size(); ++i) {
      const Event& x = a.events[i];
      const Event& y = b.events[i];
      if (x.tick != y.tick || x.status != y.status || x.data1 != y.data1 || x.data2 != y.data2)
        return false;
      if (!x.is_channel() && a.payload(x) != b.payload(y)) return false;
    }
    return true;
  }
  friend bool operator!=(const Track& a, const Track& b) { return !(a == b); }
};

/// Microseconds per quarter note of a tempo meta's payload bytes, or 0 when they are fewer than
/// 3 or zero.
inline std::uint32_t tempo_from(Bytes bytes) {
  if (bytes.size < 3) return 0;
  return static_cast<std::uint32_t>(bytes[0]) << 16 | static_cast<std::uint32_t>(bytes[1]) << 8 |
         bytes[2];
}

/// Microseconds per quarter note of a tempo meta event, or 0 when `event` is not one, or its
/// payload is shorter than 3 bytes or zero.
inline std::uint32_t tempo_of(const Track& track, const Event& event) {
  return event.is_meta(meta::tempo) ? tempo_from(track.payload(event)) : 0;
}

/// A time signature meta event (FF 58 04 nn dd cc bb) decoded.
struct TimeSignature {
  int numerator = 4;
  int denominator = 4;                  ///< 2 to the power of the stored exponent
  int clocks_per_click = 24;            ///< MIDI clocks per metronome click
  int thirty_seconds_per_quarter = 8;   ///< notated 32nd notes per MIDI quarter note
};

/// A key signature meta event (FF 59 02 sf mi) decoded.
struct KeySignature {
  int sharps = 0;      ///< -7 (seven flats) .. 7 (seven sharps)
  bool minor = false;
};

/// An SMPTE offset meta event (FF 54 05 hr mn se fr ff) decoded.
struct SmpteOffset {
  int hours = 0, minutes = 0, seconds = 0, frames = 0, hundredths = 0;
  int frames_per_second = 0;  ///< from the top bits of the hour byte: 24, 25, 29 or 30
};

/// Decodes a time signature meta's payload; false when it is short or its denominator's
/// exponent is over 30.
inline bool time_signature_from(Bytes b, TimeSignature& out) {
  if (b.size < 4 || b[1] > 30) return false;
  out = TimeSignature{b[0], 1 << b[1], b[2], b[3]};
  return true;
}

/// Decodes a key signature meta's payload; false when it is short.
inline bool key_signature_from(Bytes b, KeySignature& out) {
  if (b.size < 2) return false;
  out = KeySignature{static_cast<std::int8_t>(b[0]), b[1] != 0};
  return true;
}

/// Decodes a time signature meta; false when `event` is not one or its payload is short.
inline bool time_signature_of(const Track& track, const Event& event, TimeSignature& out) {
  return event.is_meta(meta::time_signature) && time_signature_from(track.payload(event), out);
}

/// Decodes a key signature meta; false when `event` is not one or its payload is short.
inline bool key_signature_of(const Track& track, const Event& event, KeySignature& out) {
  return event.is_meta(meta::key_signature) && key_signature_from(track.payload(event), out);
}

/// Decodes an SMPTE offset meta; false when `event` is not one or its payload is short.
inline bool smpte_offset_of(const Track& track, const Event& event, SmpteOffset& out) {
  const Bytes b = track.payload(event);
  if (!event.is_meta(meta::smpte_offset) || b.size < 5) return false;
  static const int rates[4] = {24, 25, 29, 30};
  out = SmpteOffset{b[0] & 0x1F, b[1], b[2], b[3], b[4], rates[(b[0] >> 5) & 0x03]};
  return true;
}

/// A whole Standard MIDI File.
struct File {
  int format = 1;          ///< 0: one multi-channel track, 1: simultaneous tracks, 2: independent
  Division division{};     ///< ticks per quarter (default 480) or SMPTE
  std::vector<Track> tracks;

  /// Number of events over all tracks.
  std::size_t event_count() const {
    std::size_t n = 0;
    for (const Track& t : tracks) n += t.events.size();
    return n;
  }

  friend bool operator==(const File& a, const File& b) {
    return a.format == b.format && a.division == b.division && a.tracks == b.tracks;
  }
  friend bool operator!=(const File& a, const File& b) { return !(a == b); }
};

}  // namespace midi
SYMPHONIC_NAMESPACE_END
