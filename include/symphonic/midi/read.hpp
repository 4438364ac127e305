// symphonic/midi/read.hpp - reading Standard MIDI Files (formats 0, 1, 2; RIFF RMID).
//
//   std::vector<midi::Warning> warnings;
//   midi::File file = midi::read_file("song.mid", {}, &warnings);      // tolerant (default)
//   midi::File exact = midi::read(bytes, midi::ReadOptions{true});      // strict
//
// What the reader accepts in both modes: formats 0, 1 and 2; ticks-per-quarter and SMPTE
// divisions; running status; variable-length quantities of up to 4 bytes; header chunks longer
// than 6 bytes; unknown chunks (skipped, as the standard asks); a RIFF "RMID" wrapper.
//
// Tolerant mode (the default) repairs what real files get wrong and records one Warning per
// repair, with the 0-based byte offset where it applied:
//   - a track chunk length that disagrees with where the end-of-track event is (too long, too
//     short, or running past the end of the file);
//   - a missing end-of-track event, or a last track truncated inside an event (the partial
//     event is dropped);
//   - running status used right after a meta or sysex event (the spec says those cancel it;
//     the status before them is kept);
//   - data bytes over 127 in a channel message (masked to 7 bits);
//   - system common / real-time status bytes (F1..F6, F8..FE) inside a track (skipped);
//   - bytes after the last chunk that are not a chunk (padding of NUL, CR, LF or ^Z bytes is
//     ignored silently in both modes), and a header track count that disagrees
//     with the track chunks found; a format number over 2 (read as format 1); an unknown SMPTE
//     frame rate; format 0 with other than one track.
// Repeats of one kind of repair in one track give one warning that counts them.
//
// Strict mode throws midi::ParseError at the first of these instead. In both modes a file that
// cannot be read at all (no "MThd", a header shorter than 6 bytes, a zero division, a data byte
// where a status byte is needed and no running status exists, a VLQ over 4 bytes) throws
// midi::ParseError with the 0-based byte offset, the track index (-1 outside tracks) and what
// was expected. The reader never reads past the buffer and never allocates a size taken from
// the file before checking it against the bytes that remain.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
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

struct ReadOptions {
  bool strict = false;  ///< throw ParseError instead of repairing
  /// read_file refuses a larger file before reading it (256 MiB; real MIDI files are kilobytes to
  /// a few megabytes). Bytes already in memory (read()) are not bounded by it.
  std::uint64_t max_file_bytes = std::uint64_t(256) << 20;
};

/// One repair made in tolerant mode.
struct Warning {
  std::size_t byte_offset = 0;  ///< 0-based offset from the first byte of the stream
  int track = -1;               ///< 0-based track chunk index, -1 outside tracks
  std::string message;
};

namespace detail {

inline std::string hex_byte(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", value & 0xFFu);
  return text;
}

// Where the reader puts what it parses: the tracks of a File, as Events and payloads (read,
// read_into). midi::read_score (midi/score.hpp) has a sink of its own that pairs notes instead.
// The reader calls, in order: begin_file, then for each track chunk begin_track, channel and
// meta on writer() for each event, end_track; then end_file. mark() and rewind() undo a track's
// events read on speculation (a chunk length too short, and no end of track found past it).
class FileSink {
 public:
  explicit FileSink(File& file) : file_(file) {}

  void begin_file(int format, Division division, std::size_t track_capacity) {
    file_.format = format;
    file_.division = division;
    file_.tracks.reserve(track_capacity);
  }
  // Reuses the memory of a track the File already has.
  void begin_track(std::size_t index, std::size_t chunk_bytes) {
    if (index < file_.tracks.size()) {
      file_.tracks[index].events.clear();
      file_.tracks[index].data.clear();
    } else {
      file_.tracks.emplace_back();
    }
    track_ = &file_.tracks[index];
    // An event takes at least 2 bytes (delta + one data byte under running status); most take 3
    // or more. The reader passes the bytes present, never an unchecked length.
    track_->events.reserve(chunk_bytes / 3 + 4);
  }

  // Appends the events of the current track. The reader keeps it in a local: the byte stores
  // of an Event may alias anything, so the sink's own members would be loaded again per event.
  struct Writer {
    Track* track;
    void channel(std::int64_t tick, std::uint8_t status_byte, std::uint8_t data1,
                 std::uint8_t data2, std::uint8_t flags) const {
      // Filled in place: building it on the stack and copying it stalls store forwarding.
      track->events.emplace_back();
      Event& e = track->events.back();
      e.tick = tick;
      e.status = status_byte;
      e.data1 = data1;
      e.data2 = data2;
      e.flags = flags;
    }
    // A meta (`status_byte` 0xFF, its `type`) or sysex event and its payload.
    void meta(std::int64_t tick, std::uint8_t status_byte, std::uint8_t type,
              const std::uint8_t* payload, std::uint32_t length) const {
      Event e;
      e.tick = tick;
      e.status = status_byte;
      e.data1 = type;
      e.payload = track->add_payload(payload, length);
      track->events.push_back(e);
    }
  };
  Writer writer() const { return Writer{track_}; }

  void end_track() {}
  void end_file(std::size_t tracks) { file_.tracks.resize(tracks); }  // drops unfilled tracks

  struct Mark {
    std::size_t events, data;
  };
  Mark mark() const { return {track_->events.size(), track_->data.size()}; }
  void rewind(const Mark& mark) {
    track_->events.resize(mark.events);
    track_->data.resize(mark.data);
  }

 private:
  File& file_;
  Track* track_ = nullptr;
};

/// The reader's state for one stream: parses it and hands what it finds to a sink (FileSink
/// above). Offsets are always reported relative to `base_`.
template <class Sink>
class SmfReader {
 public:
  SmfReader(const std::uint8_t* data, std::size_t size, ReadOptions options,
            std::vector<Warning>* warnings, Sink& sink)
      : base_(data), size_(size), options_(options), warnings_(warnings), sink_(sink) {}

  void run() {
    if (size_ >= 4 && std::memcmp(base_, "RIFF", 4) == 0) return read_riff();
    read_smf(0, size_);
  }

 private:
  // Kinds of repeated repairs within one track, reported once with a count.
  enum Kind { data_byte, running_after_meta, system_byte, kind_count };

  struct Cursor {
    const std::uint8_t* p;
    std::int64_t tick = 0;
    std::uint8_t running = 0;     // last channel status, 0 when none
    bool cancelled = false;       // a meta or sysex came after `running`
  };
  // Where parse_events stopped: after an end-of-track event, at its limit, at a partial event,
  // or (only while speculative_) at bytes that cannot be events.
  enum class Stop { end_of_track, limit, partial, invalid };

  [[noreturn]] void fail(std::size_t offset, int track, const std::string& expected) const {
    SYMPHONIC_THROW(ParseError(offset, track, expected));
  }
  std::size_t offset_of(const std::uint8_t* p) const {
    return static_cast<std::size_t>(p - base_);
  }

  // A repair: strict mode throws `expected`, tolerant mode records `message`.
  void repair(std::size_t offset, int track, const std::string& expected,
              const std::string& message) {
    if (options_.strict) fail(offset, track, expected);
    if (warnings_) warnings_->push_back(Warning{offset, track, message});
  }

  // A repair that may repeat many times in a track: one warning, counted.
  void repeated_repair(Kind kind, const std::uint8_t* at, int track, const std::string& expected,
                       const std::string& message) {
    if (options_.strict) fail(offset_of(at), track, expected);
    if (repeats_[kind]++ == 0 && warnings_) {
      first_warning_[kind] = warnings_->size();
      warnings_->push_back(Warning{offset_of(at), track, message});
    }
  }
  void finish_repeats() {
    for (int k = 0; k < kind_count; ++k) {
      if (repeats_[k] > 1 && warnings_)
        (*warnings_)[first_warning_[k]].message +=
            " (" + std::to_string(repeats_[k]) + " times in this track, first here)";
      repeats_[k] = 0;
    }
  }

  void read_riff() {
    // RIFF <u32 LE size> "RMID", then sub-chunks <id> <u32 LE size> <bytes> padded to even.
    if (size_ < 12 || std::memcmp(base_ + 8, "RMID", 4) != 0)
      fail(size_ < 12 ? size_ : 8, -1, "a RIFF form of type \"RMID\"");
    std::size_t pos = 12;
    while (pos < size_ && size_ - pos >= 8) {
      const std::uint32_t length = read_le32(base_ + pos + 4);
      const std::size_t body = pos + 8;
      if (std::memcmp(base_ + pos, "data", 4) == 0) {
        std::size_t end = body + length;
        if (length > size_ - body) {
          repair(pos + 4, -1, "a RIFF \"data\" chunk length within the file",
                 "RIFF \"data\" chunk length " + std::to_string(length) +
                     " runs past the end of the file; read to the end");
          end = size_;
        }
        return read_smf(body, end);
      }
      if (length > size_ - body) break;
      pos = body + length + (length & 1u);
    }
    fail(pos < size_ ? pos : size_, -1, "a RIFF \"data\" chunk holding the MIDI file");
  }

  static bool is_chunk_id(const std::uint8_t* p) {
    for (int i = 0; i < 4; ++i)
      if (p[i] < 0x20 || p[i] > 0x7E) return false;
    return true;
  }

  void read_smf(std::size_t begin, std::size_t end) {
    end_ = base_ + end;
    if (end - begin < 4 || std::memcmp(base_ + begin, "MThd", 4) != 0)
      fail(begin, -1, "a Standard MIDI File starting with \"MThd\"");
    if (end - begin < 14) fail(end, -1, "a complete 14-byte header chunk");
    const std::uint32_t header_length = read_be32(base_ + begin + 4);
    if (header_length < 6) fail(begin + 4, -1, "a header chunk length of at least 6");
    std::size_t pos = begin + 8 + 6;
    if (header_length > 6) {
      if (header_length - 6 > end - pos) {
        repair(begin + 4, -1, "a header chunk length within the file",
               "header chunk length " + std::to_string(header_length) +
                   " runs past the end of the file; read as 6");
      } else {
        pos += header_length - 6;
      }
    }
    int format = read_be16(base_ + begin + 8);
    const int declared_tracks = read_be16(base_ + begin + 10);
    const std::uint16_t division_word = read_be16(base_ + begin + 12);
    if (format > 2) {
      repair(begin + 8, -1, "format 0, 1 or 2",
             "format " + std::to_string(format) + " is not 0, 1 or 2; read as format 1");
      format = 1;
    }
    const Division division = Division::from_raw(division_word);
    if (division.is_smpte()) {
      const int fps = division.frames_per_second;
      if (fps != 24 && fps != 25 && fps != 29 && fps != 30)
        repair(begin + 12, -1, "an SMPTE frame rate of 24, 25, 29 or 30",
               "SMPTE frame rate " + std::to_string(fps) + " is not 24, 25, 29 or 30");
      if (division.ticks_per_frame == 0)
        fail(begin + 13, -1, "a nonzero number of ticks per SMPTE frame");
    } else if (division.ticks_per_quarter == 0) {
      fail(begin + 12, -1, "a nonzero number of ticks per quarter note");
    }
    // Never trust the declared count for an allocation: a track chunk takes at least 8 bytes.
    used_ = 0;
    sink_.begin_file(format, division,
                     static_cast<std::size_t>(declared_tracks) < (end - pos) / 8
                         ? static_cast<std::size_t>(declared_tracks)
                         : (end - pos) / 8);

    while (pos < end) {
      if (end - pos < 8) {
        trailing_bytes(pos, end, used_ >= static_cast<std::size_t>(declared_tracks));
        break;
      }
      const std::uint8_t* chunk = base_ + pos;
      const std::uint32_t length = read_be32(chunk + 4);
      if (std::memcmp(chunk, "MTrk", 4) == 0) {
        pos = read_track(pos, length);
        continue;
      }
      if (!is_chunk_id(chunk)) {
        trailing_bytes(pos, end, used_ >= static_cast<std::size_t>(declared_tracks));
        break;
      }
      if (length > end - pos - 8) {
        repair(pos + 4, -1, "a chunk length within the file",
               "unknown chunk \"" + std::string(reinterpret_cast<const char*>(chunk), 4) +
                   "\" runs past the end of the file; ignored");
        break;
      }
      pos += 8 + std::size_t{length};  // unknown chunk: skipped, as the standard asks
    }

    sink_.end_file(used_);
    if (used_ != static_cast<std::size_t>(declared_tracks))
      repair(begin + 10, -1,
             "as many track chunks as the header declares (" + std::to_string(declared_tracks) +
                 "), found " + std::to_string(used_),
             "header declares " + std::to_string(declared_tracks) + " tracks, the file has " +
                 std::to_string(used_));
    if (format == 0 && used_ != 1)
      repair(begin + 8, -1, "exactly one track in a format 0 file",
             "format 0 file with " + std::to_string(used_) + " tracks");
  }

  // Bytes after the chunks. Padding (NUL, CR, LF, ^Z: what file transfers and editors append)
  // is ignored in both modes; anything else is garbage, repaired by ignoring it.
  void trailing_bytes(std::size_t pos, std::size_t end, bool after_all_tracks) {
    bool padding = after_all_tracks;
    for (std::size_t i = pos; padding && i < end; ++i) {
      const std::uint8_t b = base_[i];
      padding = b == 0x00 || b == 0x0A || b == 0x0D || b == 0x1A;
    }
    if (padding) return;
    repair(pos, -1, after_all_tracks ? "the end of the file after the last chunk" : "a chunk header",
           std::to_string(end - pos) + " bytes after the last chunk are not a chunk; ignored");
  }

  // Reads one MTrk chunk starting at `pos` (its header); returns where the next chunk starts.
  std::size_t read_track(std::size_t pos, std::uint32_t declared_length) {
    const int index = static_cast<int>(used_++);
    const std::uint8_t* data = base_ + pos + 8;
    const std::size_t remaining = static_cast<std::size_t>(end_ - data);
    const bool length_in_file = declared_length <= remaining;
    const std::uint8_t* declared_end = length_in_file ? data + declared_length : end_;
    if (!length_in_file)
      repair(pos + 4, index,
             "a track chunk length within the file (" + std::to_string(declared_length) +
                 " declared, " + std::to_string(remaining) + " bytes remain)",
             "track chunk length " + std::to_string(declared_length) +
                 " runs past the end of the file (" + std::to_string(remaining) +
                 " bytes remain); read to the end");
    sink_.begin_track(static_cast<std::size_t>(index),
                      static_cast<std::size_t>(declared_end - data));

    Cursor cursor{data};
    const std::uint8_t* limit = declared_end;
    Stop stop = parse_events(cursor, limit, index);
    std::size_t next = 0;
    for (;;) {
      if (stop == Stop::end_of_track) {
        const std::uint8_t* q = cursor.p;
        next = offset_of(q);
        if (length_in_file && limit == declared_end && q != declared_end) {
          // The end-of-track event came before the declared end of the chunk.
          if (static_cast<std::size_t>(end_ - q) >= 8 && std::memcmp(q, "MTrk", 4) == 0) {
            repair(pos + 4, index, "a track chunk length that ends at its end-of-track event",
                   "track chunk length " + std::to_string(declared_length) +
                       " overlaps the next chunk; end of track at byte " + std::to_string(next));
          } else {
            repair(next, index, "the end of the track chunk after end of track",
                   std::to_string(declared_end - q) + " bytes after the end-of-track event ignored");
            next = offset_of(declared_end);
          }
        }
        break;
      }
      if (stop == Stop::limit || stop == Stop::partial) {
        const bool more = limit < end_;
        const bool next_is_chunk =
            more && static_cast<std::size_t>(end_ - limit) >= 8 && is_chunk_id(limit);
        if (more && !(stop == Stop::limit && next_is_chunk)) {
          // The declared length may be too short, the events going on past it. Try: keep the
          // result only if an end-of-track event comes before anything unreadable; otherwise
          // undo it, and the bytes after the chunk are dealt with as what follows a chunk.
          const Cursor saved_cursor = cursor;
          const auto saved_sink = sink_.mark();
          const std::size_t saved_warnings = warnings_ ? warnings_->size() : 0;
          int saved_repeats[kind_count];
          std::size_t saved_first[kind_count];
          std::copy(repeats_, repeats_ + kind_count, saved_repeats);
          std::copy(first_warning_, first_warning_ + kind_count, saved_first);
          repair(pos + 4, index, "a track chunk length that covers its events",
                 "track chunk length " + std::to_string(declared_length) +
                     " is too short; events continue past byte " + std::to_string(offset_of(limit)));
          speculative_ = true;
          const Stop extended = parse_events(cursor, end_, index);
          speculative_ = false;
          if (extended == Stop::end_of_track) {
            limit = end_;
            stop = extended;
            continue;
          }
          cursor = saved_cursor;
          sink_.rewind(saved_sink);
          if (warnings_) warnings_->resize(saved_warnings);
          std::copy(saved_repeats, saved_repeats + kind_count, repeats_);
          std::copy(saved_first, saved_first + kind_count, first_warning_);
        }
        if (stop == Stop::partial) {
          repair(offset_of(cursor.p), index, "a complete event before the end of the data",
                 "track truncated inside an event; the partial event was dropped");
        } else {
          repair(offset_of(limit), index, "an end-of-track meta event",
                 "track has no end-of-track event");
        }
        next = offset_of(limit);
        break;
      }
    }
    finish_repeats();
    sink_.end_track();
    return next;
  }

  // Parses events from cursor.p up to `limit`. Stops after an end-of-track meta (cursor.p just
  // past it), at `limit` on an event boundary, or at a partial event (cursor.p at its start).
  Stop parse_events(Cursor& cursor, const std::uint8_t* limit, int index) {
    const std::uint8_t* p = cursor.p;
    std::int64_t tick = cursor.tick;
    std::uint8_t running = cursor.running;
    bool cancelled = cursor.cancelled;
    auto out = sink_.writer();
    Stop stop = Stop::limit;

    while (p < limit) {
      const std::uint8_t* start = p;
      std::uint32_t delta = *p++;
      if (delta & 0x80) {
        delta &= 0x7F;
        for (int n = 1;; ++n) {
          if (p >= limit) goto partial;
          if (n == 4) {
            if (speculative_) goto invalid;
            fail(offset_of(p), index, "a variable-length quantity of at most 4 bytes");
          }
          const std::uint8_t b = *p++;
          delta = (delta << 7) | (b & 0x7Fu);
          if (!(b & 0x80)) break;
        }
      }
      if (p >= limit) goto partial;
      {
        std::uint8_t st = *p;
        std::uint8_t flags = 0;
        if (st & 0x80) {
          ++p;
        } else {
          if (!running) {
            if (speculative_) goto invalid;
            fail(offset_of(p), index, "a status byte, got data byte " + hex_byte(st));
          }
          if (cancelled)
            repeated_repair(running_after_meta, p, index,
                            "a status byte after a meta or sysex event, got " + hex_byte(st),
                            "running status used after a meta or sysex event; kept status " +
                                hex_byte(running));
          st = running;
          flags = Event::running_status_flag;
        }
        if (st < 0xF0) {
          const std::ptrdiff_t need = ((st & 0xE0) == 0xC0) ? 1 : 2;
          if (limit - p < need) goto partial;
          std::uint8_t d1 = p[0];
          std::uint8_t d2 = need == 2 ? p[1] : 0;
          if ((d1 | d2) & 0x80) {
            repeated_repair(data_byte, (d1 & 0x80) ? p : p + 1, index,
                            "a data byte (0..127), got " + hex_byte((d1 & 0x80) ? d1 : d2),
                            "data byte " + hex_byte((d1 & 0x80) ? d1 : d2) +
                                " over 127 masked to 7 bits");
            d1 &= 0x7F;
            d2 &= 0x7F;
          }
          p += need;
          tick += delta;
          out.channel(tick, st, d1, d2, flags);
          running = st;
          cancelled = false;
          continue;
        }
        if (st == status::meta || st == status::sysex || st == status::sysex_escape) {
          std::uint8_t type = 0;
          if (st == status::meta) {
            if (p >= limit) goto partial;
            type = *p++;
          }
          std::uint32_t length = 0;
          const std::uint8_t* length_at = p;
          switch (read_vlq(p, limit, length)) {
            case VlqStatus::ok: break;
            case VlqStatus::truncated: goto partial;
            case VlqStatus::too_long:
              if (speculative_) goto invalid;
              fail(offset_of(length_at), index, "a payload length of at most 4 bytes");
          }
          if (length > static_cast<std::size_t>(limit - p)) goto partial;
          tick += delta;
          out.meta(tick, st, type, p, length);
          p += length;
          cancelled = true;
          if (st == status::meta && type == meta::end_of_track) {
            stop = Stop::end_of_track;
            break;
          }
          continue;
        }
        // F1..F6, F8..FE: system common and real-time messages have no place in a file.
        repeated_repair(system_byte, p - 1, index,
                        "a channel, meta or sysex status, got " + hex_byte(st),
                        "system message status " + hex_byte(st) + " inside a track skipped");
        tick += delta;
        static const std::uint8_t system_data[16] = {0, 1, 2, 1, 0, 0, 0, 0,
                                                     0, 0, 0, 0, 0, 0, 0, 0};
        for (int n = system_data[st & 0x0F]; n > 0 && p < limit && *p < 0x80; --n) ++p;
        continue;
      }
    partial:
      p = start;
      stop = Stop::partial;
      break;
    invalid:
      p = start;
      stop = Stop::invalid;
      break;
    }
    cursor.p = p;
    cursor.tick = tick;
    cursor.running = running;
    cursor.cancelled = cancelled;
    return stop;
  }

  const std::uint8_t* base_;
  std::size_t size_;
  const std::uint8_t* end_ = nullptr;
  ReadOptions options_;
  std::vector<Warning>* warnings_;
  Sink& sink_;
  std::size_t used_ = 0;  // track chunks read so far
  bool speculative_ = false;  // reading past a track's declared end: unreadable bytes stop it
  int repeats_[kind_count] = {0, 0, 0};
  std::size_t first_warning_[kind_count] = {0, 0, 0};
};

}  // namespace detail

/// Reads a Standard MIDI File (or RIFF RMID) from `size` bytes at `data`. Tolerant unless
/// `options.strict`; repairs go to `warnings` when given. Throws ParseError.
inline File read(const std::uint8_t* data, std::size_t size, ReadOptions options = {},
                 std::vector<Warning>* warnings = nullptr) {
  File file;
  detail::FileSink sink(file);
  detail::SmfReader<detail::FileSink>(data, size, options, warnings, sink).run();
  return file;
}

/// Like read(), into an existing `file` whose tracks' memory is reused: reading many files in
/// a loop into one File allocates (and page-faults) only when a file is bigger than any before.
/// After a ParseError `file` holds whatever was read up to the error.
inline void read_into(File& file, const std::uint8_t* data, std::size_t size,
                      ReadOptions options = {}, std::vector<Warning>* warnings = nullptr) {
  detail::FileSink sink(file);
  detail::SmfReader<detail::FileSink>(data, size, options, warnings, sink).run();
}

inline File read(const std::vector<std::uint8_t>& bytes, ReadOptions options = {},
                 std::vector<Warning>* warnings = nullptr) {
  return read(bytes.data(), bytes.size(), options, warnings);
}

/// Reads the file at `path`; throws io::FileError when it cannot be read, is not a regular file or
/// is larger than options.max_file_bytes, ParseError when its bytes are not a MIDI file.
inline File read_file(const std::string& path, ReadOptions options = {},
                      std::vector<Warning>* warnings = nullptr) {
  const std::vector<std::uint8_t> bytes = symphonic::detail::read_file(path, options.max_file_bytes);
  return read(bytes.data(), bytes.size(), options, warnings);
}

}  // namespace midi
SYMPHONIC_NAMESPACE_END
