// symphonic/midi/score.hpp - a MIDI file read straight into notes: each track's notes in ticks,
// paired while its bytes are parsed, with its program changes, controls and pitch bends, and the
// file's tempos, time and key signatures.
//
//   midi::Score score = midi::read_score_file("song.mid");
//   midi::TempoMap tempo = midi::tempo_map(score);     // seconds, when they are wanted
//   for (const midi::ScoreTrack& track : score.tracks)
//     for (const midi::TickNote& n : track.notes) use(n.pitch, tempo.seconds(n.start_tick));
//
// This is one pass from bytes to notes, with no midi::File in between: for callers that think in
// ticks per track, it skips what costs most in read() then extract_notes() (16-byte Events for
// every message, merging the tracks, seconds and a program for every note).
//
// The bytes are parsed by the same reader as read() (midi/read.hpp): the same repairs, warnings
// and ParseErrors, strict or tolerant. Notes are paired per track, channel and key as
// extract_notes pairs them without the sustain pedal: a note-on with velocity 0 is a note-off;
// overlapping notes of one key end first-in-first-out (or last-in-first-out); a note-off with
// nothing to end is ignored; a note still sounding at the end of its track ends at the track's
// last event. So a track's notes here, sorted by (start_tick, pitch, channel), are that track's
// notes from extract_notes, less their seconds and programs (the tests check it).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/detail/file_io.hpp"
#include "symphonic/midi/event.hpp"
#include "symphonic/midi/file.hpp"
#include "symphonic/midi/note.hpp"
#include "symphonic/midi/read.hpp"
#include "symphonic/midi/tempo_map.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {

/// A note in ticks: 24 bytes.
struct TickNote {
  std::int64_t start_tick = 0;  ///< absolute tick of the note-on
  std::int64_t end_tick = 0;    ///< absolute tick of the note-off (>= start_tick)
  std::uint8_t pitch = 60;      ///< MIDI key number, 0..127
  std::uint8_t velocity = 64;   ///< note-on velocity, 1..127
  std::uint8_t channel = 0;     ///< 0..15

  std::int64_t duration() const { return end_tick - start_tick; }
  friend bool operator==(const TickNote& a, const TickNote& b) {
    return a.start_tick == b.start_tick && a.end_tick == b.end_tick && a.pitch == b.pitch &&
           a.velocity == b.velocity && a.channel == b.channel;
  }
  friend bool operator!=(const TickNote& a, const TickNote& b) { return !(a == b); }
};

struct ProgramChange {
  std::int64_t tick = 0;
  std::uint8_t channel = 0;
  std::uint8_t program = 0;  ///< General MIDI program 0..127
};

struct ControlChange {
  std::int64_t tick = 0;
  std::uint8_t channel = 0;
  std::uint8_t controller = 0;  ///< 0..127 (64: sustain pedal)
  std::uint8_t value = 0;
};

struct PitchBend {
  std::int64_t tick = 0;
  std::uint8_t channel = 0;
  std::int16_t value = 0;  ///< -8192..8191, 0 at rest
};

struct TempoChange {
  std::int64_t tick = 0;
  int track = 0;  ///< the track chunk it came from
  std::uint32_t microseconds_per_quarter = 500000;
};

struct TimeSignatureChange {
  std::int64_t tick = 0;
  int track = 0;
  TimeSignature signature;
};

struct KeySignatureChange {
  std::int64_t tick = 0;
  int track = 0;
  KeySignature signature;
};

/// One track chunk. Every list is in the order of the track's events, so by tick.
struct ScoreTrack {
  std::string name;                  ///< the track's first track-name meta (FF 03), or empty
  std::vector<TickNote> notes;       ///< in note-on order
  std::vector<ProgramChange> programs;
  std::vector<ControlChange> controls;
  std::vector<PitchBend> pitch_bends;
  std::int64_t end_tick = 0;         ///< tick of the track's last event
};

/// A whole file as notes. Channel pressure, key pressure, sysex, and metas other than those
/// kept here (tempo, time and key signatures, track names) are parsed and dropped: read() keeps
/// every event.
struct Score {
  int format = 1;       ///< as in the header (over 2 is read as 1)
  Division division{};  ///< ticks per quarter (default 480) or SMPTE
  std::vector<ScoreTrack> tracks;  ///< one per track chunk, in file order, empty ones too
  /// Tempos and signatures of every track, by tick (ties in track order). Tempo metas shorter
  /// than 3 bytes or zero, and signatures too short to decode, are left out.
  std::vector<TempoChange> tempos;
  std::vector<TimeSignatureChange> time_signatures;
  std::vector<KeySignatureChange> key_signatures;

  std::size_t note_count() const {
    std::size_t n = 0;
    for (const ScoreTrack& t : tracks) n += t.notes.size();
    return n;
  }
};

namespace detail {

// The reader's sink for read_score: pairs notes as the events come (see the top of this file).
//
// While a note sounds, its end_tick holds the link to the next sounding note of its key (the
// next to end, FIFO or LIFO) as -2 - index (index -1, none: end_tick -1), so pairing needs no
// memory beyond two indices per key: head (the next to end) and tail (the last struck). Ticks are
// never negative, so a negative end_tick is a sounding note. Indices count the track's notes.
class ScoreSink {
  struct PairingState {
    std::array<std::int32_t, 16 * 128> head;  // per (channel, key): the next note to end, or -1
    std::array<std::int32_t, 16 * 128> tail;  // the note struck last, or -1
    std::int64_t last_tick = 0;               // of the track's last event so far
    std::size_t sounding = 0;                 // notes of the track not yet ended
    bool named = false;                       // the track's name was seen
  };

 public:
  ScoreSink(Score& score, Pairing pairing) : score_(score), pairing_(pairing) {
    state_.head.fill(-1);
    state_.tail.fill(-1);
  }

  void begin_file(int format, Division division, std::size_t track_capacity) {
    score_.format = format;
    score_.division = division;
    score_.tracks.reserve(track_capacity);
    score_.tempos.clear();
    score_.time_signatures.clear();
    score_.key_signatures.clear();
  }
  // Reuses the memory of a track the Score already has.
  void begin_track(std::size_t index, std::size_t chunk_bytes) {
    if (index < score_.tracks.size()) {
      ScoreTrack& t = score_.tracks[index];
      t.name.clear();
      t.notes.clear();
      t.programs.clear();
      t.controls.clear();
      t.pitch_bends.clear();
    } else {
      score_.tracks.emplace_back();
    }
    track_ = &score_.tracks[index];
    track_index_ = static_cast<int>(index);
    state_.last_tick = 0;
    state_.sounding = 0;
    state_.named = false;
    // A note usually takes 6 bytes or more (two events of a delta and two data bytes under
    // running status): a hint, grown past when wrong; capacity never touched costs nothing.
    track_->notes.reserve(chunk_bytes / 6 + 1);
  }

  // Handles one track's events; the reader keeps it in a local (see FileSink::Writer).
  class Writer {
   public:
    explicit Writer(ScoreSink& sink) : sink_(sink), s_(sink.state_), track_(*sink.track_),
                              fifo_(sink.pairing_ == Pairing::fifo) {}

    void channel(std::int64_t tick, std::uint8_t status_byte, std::uint8_t data1,
                 std::uint8_t data2, std::uint8_t /*flags*/) {
      s_.last_tick = tick;
      const unsigned kind = status_byte & 0xF0u;
      const std::uint8_t channel = status_byte & 0x0F;
      if (kind == 0x90 && data2 != 0) return note_on(tick, channel, data1, data2);
      if (kind <= 0x90) return note_off(tick, channel << 7 | data1);  // 0x80, or velocity 0
      if (kind == 0xB0) {
        track_.controls.push_back(ControlChange{tick, channel, data1, data2});
      } else if (kind == 0xC0) {
        track_.programs.push_back(ProgramChange{tick, channel, data1});
      } else if (kind == 0xE0) {
        track_.pitch_bends.push_back(
            PitchBend{tick, channel, static_cast<std::int16_t>((data1 | data2 << 7) - 8192)});
      }  // key and channel pressure (0xA0, 0xD0): dropped
    }

    void meta(std::int64_t tick, std::uint8_t status_byte, std::uint8_t type,
              const std::uint8_t* payload, std::uint32_t length) {
      s_.last_tick = tick;
      if (status_byte != status::meta) return;  // sysex
      const Bytes bytes{payload, length};
      Score& score = sink_.score_;
      const int track = sink_.track_index_;
      if (type == meta::tempo) {
        const std::uint32_t tempo = tempo_from(bytes);
        if (tempo) score.tempos.push_back(TempoChange{tick, track, tempo});
      } else if (type == meta::time_signature) {
        TimeSignatureChange change{tick, track, {}};
        if (time_signature_from(bytes, change.signature)) score.time_signatures.push_back(change);
      } else if (type == meta::key_signature) {
        KeySignatureChange change{tick, track, {}};
        if (key_signature_from(bytes, change.signature)) score.key_signatures.push_back(change);
      } else if (type == meta::track_name && !s_.named) {
        track_.name = bytes.text();
        s_.named = true;
      }
    }

   private:
    static std::int64_t link_to(std::int32_t index) { return -2 - std::int64_t{index}; }
    static std::int32_t linked(std::int64_t end_tick) {
      return static_cast<std::int32_t>(-2 - end_tick);
    }

    void note_on(std::int64_t tick, std::uint8_t channel, std::uint8_t pitch,
                 std::uint8_t velocity) {
      std::vector<TickNote>& notes = track_.notes;
      const auto index = static_cast<std::int32_t>(notes.size());
      const int key = channel << 7 | pitch;
      // Filled in place: building it on the stack and copying it stalls store forwarding.
      notes.emplace_back();
      TickNote& n = notes.back();
      n.start_tick = tick;
      n.end_tick = link_to(-1);
      n.pitch = pitch;
      n.velocity = velocity;
      n.channel = channel;
      ++s_.sounding;
      std::int32_t& head = s_.head[key];
      std::int32_t& tail = s_.tail[key];
      if (head < 0) {
        head = tail = index;
      } else if (fifo_) {
        notes[static_cast<std::size_t>(tail)].end_tick = link_to(index);
        tail = index;
      } else {
        n.end_tick = link_to(head);
        head = index;
      }
    }

    void note_off(std::int64_t tick, int key) {
      std::int32_t& head = s_.head[key];
      if (head < 0) return;  // nothing sounding on this key
      TickNote& n = track_.notes[static_cast<std::size_t>(head)];
      head = linked(n.end_tick);
      if (head < 0) s_.tail[key] = -1;
      n.end_tick = tick;
      --s_.sounding;
    }

    ScoreSink& sink_;
    PairingState& s_;
    ScoreTrack& track_;
    bool fifo_;
  };
  Writer writer() { return Writer(*this); }

  // Ends what still sounds at the track's last event, and leaves every key empty for the next
  // track.
  void end_track() {
    track_->end_tick = state_.last_tick;
    if (state_.sounding == 0) return;
    for (TickNote& n : track_->notes) {
      if (n.end_tick >= 0) continue;
      const int key = n.channel << 7 | n.pitch;
      state_.head[key] = state_.tail[key] = -1;
      n.end_tick = std::max(state_.last_tick, n.start_tick);
    }
    state_.sounding = 0;
  }

  void end_file(std::size_t tracks) {
    score_.tracks.resize(tracks);  // drops reused tracks the file does not fill
    // Each track's are in tick order: a stable sort by tick puts ties in track order.
    sort_by_tick(score_.tempos);
    sort_by_tick(score_.time_signatures);
    sort_by_tick(score_.key_signatures);
  }

  // What a speculative read of the current track may change, to put back (a rare repair: a
  // copy of the track is fine).
  struct Mark {
    ScoreTrack track;
    std::size_t tempos, time_signatures, key_signatures;
    PairingState state;
  };
  Mark mark() const {
    return {*track_, score_.tempos.size(), score_.time_signatures.size(),
            score_.key_signatures.size(), state_};
  }
  void rewind(const Mark& mark) {
    *track_ = mark.track;
    score_.tempos.resize(mark.tempos);
    score_.time_signatures.resize(mark.time_signatures);
    score_.key_signatures.resize(mark.key_signatures);
    state_ = mark.state;
  }

 private:
  template <class Change>
  static void sort_by_tick(std::vector<Change>& list) {
    const auto by_tick = [](const Change& a, const Change& b) { return a.tick < b.tick; };
    if (!std::is_sorted(list.begin(), list.end(), by_tick))
      std::stable_sort(list.begin(), list.end(), by_tick);
  }

  Score& score_;
  Pairing pairing_;
  ScoreTrack* track_ = nullptr;
  int track_index_ = 0;
  PairingState state_;
};

}  // namespace detail

/// Tick -> seconds for `score`, as TempoMap(file, track) gives for the file it was read from:
/// every track's tempos (format 0 and 1), or only track `track`'s when `track` >= 0; a format 2
/// score with a negative `track` uses track 0's.
inline TempoMap tempo_map(const Score& score, int track = -1) {
  if (score.format == 2 && track < 0) track = 0;
  std::vector<std::pair<std::int64_t, std::uint32_t>> changes;
  changes.reserve(score.tempos.size());
  for (const TempoChange& c : score.tempos)
    if (track < 0 || c.track == track) changes.emplace_back(c.tick, c.microseconds_per_quarter);
  return TempoMap(score.division, changes);
}

/// Reads a Standard MIDI File (or RIFF RMID) from `size` bytes at `data` into a Score, in one
/// pass: repairs, warnings and errors as read() (tolerant unless `options.strict`; throws
/// ParseError). `pairing` orders overlapping notes of one key.
inline Score read_score(const std::uint8_t* data, std::size_t size, ReadOptions options = {},
                        std::vector<Warning>* warnings = nullptr,
                        Pairing pairing = Pairing::fifo) {
  Score score;
  detail::ScoreSink sink(score, pairing);
  detail::SmfReader<detail::ScoreSink>(data, size, options, warnings, sink).run();
  return score;
}

/// Like read_score(), into an existing `score` whose tracks' memory is reused. After a
/// ParseError `score` holds whatever was read up to the error.
inline void read_score_into(Score& score, const std::uint8_t* data, std::size_t size,
                            ReadOptions options = {}, std::vector<Warning>* warnings = nullptr,
                            Pairing pairing = Pairing::fifo) {
  detail::ScoreSink sink(score, pairing);
  detail::SmfReader<detail::ScoreSink>(data, size, options, warnings, sink).run();
}

inline Score read_score(const std::vector<std::uint8_t>& bytes, ReadOptions options = {},
                        std::vector<Warning>* warnings = nullptr,
                        Pairing pairing = Pairing::fifo) {
  return read_score(bytes.data(), bytes.size(), options, warnings, pairing);
}

/// Reads the file at `path` into a Score; throws io::FileError when it cannot be read, is not a
/// regular file or is larger than options.max_file_bytes, ParseError when its bytes are not a
/// MIDI file.
inline Score read_score_file(const std::string& path, ReadOptions options = {},
                             std::vector<Warning>* warnings = nullptr,
                             Pairing pairing = Pairing::fifo) {
  const std::vector<std::uint8_t> bytes =
      symphonic::detail::read_file(path, options.max_file_bytes);
  return read_score(bytes.data(), bytes.size(), options, warnings, pairing);
}

}  // namespace midi
SYMPHONIC_NAMESPACE_END
