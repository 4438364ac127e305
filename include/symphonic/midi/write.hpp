// symphonic/midi/write.hpp - writing Standard MIDI Files.
//
//   std::vector<std::uint8_t> bytes = midi::write(file);      // running status where allowed
//   midi::write_file("out.mid", file);                         // atomic: temporary file + rename
//
// The writer emits the header chunk and one MTrk chunk per track, with the shortest
// variable-length quantities. Running status is used for consecutive channel messages with the
// same status (never across a meta or sysex event, as the standard says) unless switched off,
// or kept exactly where the source used it (RunningStatus::as_read, using Event::flags). A track
// whose last event is not an end-of-track meta gets one at its last tick. A file written by
// this writer reads back equal (midi::read), and a file in this canonical form comes back
// byte-identical.
//
// Data that a Standard MIDI File cannot hold throws midi::WriteError: ticks that go backwards
// within a track, a delta or payload length over 0x0FFFFFFF, data bytes over 127, a status byte
// that is not a channel, sysex or meta status, an end-of-track event before the last event, a
// format other than 0..2, format 0 with other than one track, a division out of range (SMPTE:
// 24, 25, 29 or 30 frames per second), more
// than 65535 tracks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/detail/file_io.hpp"
#include "symphonic/error.hpp"
#include "symphonic/midi/detail/varint.hpp"
#include "symphonic/midi/event.hpp"
#include "symphonic/midi/file.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {

/// When the writer omits a repeated channel status byte.
enum class RunningStatus {
  always,   ///< whenever the standard allows it (the canonical form)
  never,    ///< every event carries its status byte
  as_read,  ///< where the source did (Event::running_status_flag), when the standard allows it
};

struct WriteOptions {
  RunningStatus running_status = RunningStatus::always;
};

namespace detail {

inline std::string where(std::size_t track, std::size_t event) {
  return "track " + std::to_string(track) + ", event " + std::to_string(event) + ": ";
}

inline void write_track(std::vector<std::uint8_t>& out, const Track& track, std::size_t t,
                        RunningStatus mode) {
  out.insert(out.end(), {'M', 'T', 'r', 'k', 0, 0, 0, 0});
  const std::size_t length_at = out.size() - 4;
  std::int64_t previous = 0;
  std::uint8_t running = 0;
  const std::vector<Event>& events = track.events;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (e.tick < previous)
      SYMPHONIC_THROW(WriteError(where(t, i) + "tick " + std::to_string(e.tick) +
                                 " comes before the previous event's " +
                                 std::to_string(previous)));
    const std::int64_t delta = e.tick - previous;
    if (delta > max_vlq)
      SYMPHONIC_THROW(WriteError(where(t, i) + "delta time " + std::to_string(delta) +
                                 " exceeds 0x0FFFFFFF ticks"));
    previous = e.tick;
    write_vlq(out, static_cast<std::uint32_t>(delta));
    if (e.is_channel()) {
      const bool two = channel_data_length(e.status) == 2;
      if ((e.data1 | (two ? e.data2 : 0)) & 0x80)
        SYMPHONIC_THROW(WriteError(where(t, i) + "data byte over 127"));
      const bool omit = running == e.status &&
                        (mode == RunningStatus::always ||
                         (mode == RunningStatus::as_read && (e.flags & Event::running_status_flag)));
      if (!omit) out.push_back(e.status);
      out.push_back(e.data1);
      if (two) out.push_back(e.data2);
      running = e.status;
      continue;
    }
    if (!e.is_meta() && !e.is_sysex())
      SYMPHONIC_THROW(WriteError(where(t, i) + "status " + std::to_string(e.status) +
                                 " is not a channel, sysex or meta status"));
    if (e.is_end_of_track() && i + 1 != events.size())
      SYMPHONIC_THROW(WriteError(where(t, i) + "end of track before the last event"));
    const Bytes payload = track.payload(e);
    if (payload.size > max_vlq)
      SYMPHONIC_THROW(WriteError(where(t, i) + "payload longer than 0x0FFFFFFF bytes"));
    out.push_back(e.status);
    if (e.is_meta()) out.push_back(e.data1);
    write_vlq(out, static_cast<std::uint32_t>(payload.size));
    out.insert(out.end(), payload.begin(), payload.end());
    running = 0;  // meta and sysex events cancel running status
  }
  if (!track.has_end_of_track()) out.insert(out.end(), {0x00, 0xFF, 0x2F, 0x00});
  const std::size_t length = out.size() - length_at - 4;
  if (length > 0xFFFFFFFFu) SYMPHONIC_THROW(WriteError("track " + std::to_string(t) +
                                                       " is longer than 4 GiB"));
  const auto l = static_cast<std::uint32_t>(length);
  out[length_at] = static_cast<std::uint8_t>(l >> 24);
  out[length_at + 1] = static_cast<std::uint8_t>(l >> 16);
  out[length_at + 2] = static_cast<std::uint8_t>(l >> 8);
  out[length_at + 3] = static_cast<std::uint8_t>(l);
}

}  // namespace detail

/// The bytes of a Standard MIDI File holding `file`. Throws WriteError (see the top of this file).
inline std::vector<std::uint8_t> write(const File& file, WriteOptions options = {}) {
  if (file.format < 0 || file.format > 2)
    SYMPHONIC_THROW(WriteError("format " + std::to_string(file.format) + " is not 0, 1 or 2"));
  const Division& d = file.division;
  if (d.is_smpte()) {
    const int fps = d.frames_per_second;
    if ((fps != 24 && fps != 25 && fps != 29 && fps != 30) || d.ticks_per_frame < 1 ||
        d.ticks_per_frame > 255)
      SYMPHONIC_THROW(WriteError("SMPTE division needs 24, 25, 29 or 30 frames per second and "
                                 "1..255 ticks per frame"));
  } else if (d.ticks_per_quarter < 1 || d.ticks_per_quarter > 0x7FFF) {
    SYMPHONIC_THROW(WriteError("ticks per quarter " + std::to_string(d.ticks_per_quarter) +
                               " is not in 1..32767"));
  }
  if (file.tracks.size() > 0xFFFF) SYMPHONIC_THROW(WriteError("more than 65535 tracks"));
  if (file.format == 0 && file.tracks.size() != 1)
    SYMPHONIC_THROW(WriteError("a format 0 file has exactly one track, this one has " +
                               std::to_string(file.tracks.size())));

  std::size_t estimate = 14;
  for (const Track& t : file.tracks) estimate += 12 + t.events.size() * 4 + t.data.size();
  std::vector<std::uint8_t> out;
  out.reserve(estimate);
  out.insert(out.end(), {'M', 'T', 'h', 'd', 0, 0, 0, 6});
  detail::write_be16(out, static_cast<std::uint16_t>(file.format));
  detail::write_be16(out, static_cast<std::uint16_t>(file.tracks.size()));
  detail::write_be16(out, d.raw());
  for (std::size_t t = 0; t < file.tracks.size(); ++t)
    detail::write_track(out, file.tracks[t], t, options.running_status);
  return out;
}

/// Writes `file` to `path` atomically (temporary file, flush, rename): a crash leaves either
/// the old file or the new one. Throws WriteError, or io::FileError when the file system fails.
inline void write_file(const std::string& path, const File& file, WriteOptions options = {}) {
  symphonic::detail::write_file_atomic(path, write(file, options));
}

}  // namespace midi
SYMPHONIC_NAMESPACE_END
