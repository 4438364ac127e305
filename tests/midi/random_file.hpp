// tests/midi/random_file.hpp - random MIDI files for the property tests of note pairing
// (test_notes.cpp: extract_notes; test_score.cpp: read_score).
#pragma once

#include <cstdint>
#include <random>

#include <symphonic/midi/file.hpp>

namespace midi_fixtures {

namespace midi = symphonic::midi;

// A random file meant to hit every pairing rule: few keys (overlaps, re-strikes), stray and
// velocity-0 note-offs, programs and pedals on shared ticks across tracks, tempo changes, and
// now and then a hand-made track whose ticks go backwards.
inline midi::File random_file(std::mt19937& rng) {
  const auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  midi::File file;
  file.format = pick(3);
  file.division = pick(8) == 0 ? midi::Division::smpte(25, 40) : midi::Division::quarter(96);
  const int tracks = file.format == 0 ? 1 : 1 + pick(5);
  file.tracks.resize(static_cast<std::size_t>(tracks));
  for (auto& track : file.tracks) {
    const bool backwards = pick(10) == 0;
    const int events = pick(120);
    const int channels = 1 + pick(3);
    std::int64_t tick = pick(3) * 10;
    for (int i = 0; i < events; ++i) {
      tick += pick(4) == 0 ? 0 : pick(30);
      if (backwards && pick(8) == 0) tick -= pick(60);
      const int channel = pick(channels) == 2 ? 9 : pick(channels);
      const int pitch = 60 + pick(4);
      switch (pick(12)) {
        case 0: track.add_program_change(tick, channel, pick(128)); break;
        case 1: track.add_control_change(tick, channel, 64, pick(2) ? 127 : pick(64)); break;
        case 2: track.add_control_change(tick, channel, 7, 100); break;
        case 3: track.add_tempo(tick, 300000 + static_cast<std::uint32_t>(pick(400000))); break;
        case 4: track.add_meta(tick, midi::meta::text, "x"); break;
        case 5: track.add_note_on(tick, channel, pitch, 0); break;
        case 6: case 7: track.add_note_off(tick, channel, pitch); break;
        default: track.add_note_on(tick, channel, pitch, 1 + pick(127));
      }
    }
    if (pick(2)) track.add_end_of_track(tick + pick(50));
  }
  return file;
}

}  // namespace midi_fixtures
