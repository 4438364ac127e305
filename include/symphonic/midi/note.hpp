// symphonic/midi/note.hpp - a played note: the unit that flows between MIDI and tokens.
//
// midi::extract_notes (midi/notes.hpp) makes these from a midi::File by pairing note-on and
// note-off events; music encoders turn them into tokens and back; midi::notes_to_file
// (midi/notes_to_file.hpp) writes them.
#pragma once

#include <cstdint>
#include <vector>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {

struct Note {
  int pitch = 60;              ///< MIDI key number, 0..127 (60 = middle C = C4)
  int velocity = 64;           ///< note-on velocity, 1..127
  std::int64_t start_tick = 0; ///< absolute tick of the note-on
  std::int64_t end_tick = 0;   ///< absolute tick of the note-off (>= start_tick)
  double start_s = 0.0;        ///< start in seconds, through the file's tempo map
  double end_s = 0.0;          ///< end in seconds
  int channel = 0;             ///< 0..15 (channel 10 in musicians' numbering is 9 here)
  int track = 0;               ///< 0-based index of the track chunk it came from
  int program = 0;             ///< General MIDI program (0..127) in force on the channel
  bool drum = false;           ///< true on channel index 9 (percussion)

  friend bool operator==(const Note& a, const Note& b) {
    return a.pitch == b.pitch && a.velocity == b.velocity && a.start_tick == b.start_tick &&
           a.end_tick == b.end_tick && a.start_s == b.start_s && a.end_s == b.end_s &&
           a.channel == b.channel && a.track == b.track && a.program == b.program &&
           a.drum == b.drum;
  }
  friend bool operator!=(const Note& a, const Note& b) { return !(a == b); }
};

/// How overlapping notes of one key are paired with their note-offs.
enum class Pairing {
  fifo,  ///< the oldest sounding note ends first (what most sequencers do)
  lifo,  ///< the newest sounding note ends first
};

/// The notes of one piece together with the grid they were read on. Encoders that think in
/// quarter notes (the recipe's chord encoder) use ticks_per_quarter; those that think in seconds
/// (the event encoder) use start_s / end_s.
struct NoteList {
  std::vector<Note> notes;        ///< sorted by (start_tick, pitch) unless said otherwise
  int ticks_per_quarter = 480;    ///< the file's division; for SMPTE files, the equivalent at 120 bpm
};

}  // namespace midi
SYMPHONIC_NAMESPACE_END
