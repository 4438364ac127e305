// tests/fuzz/midi_read_properties.hpp - what must hold for any byte string given to the reader.
// Shared by the libFuzzer target (fuzz_symphonic.cpp, target midi_read) and the regression test over what it
// found (tests/fuzz/test_fuzz_regressions.cpp).
//
//   - reading never crashes and throws nothing but midi::ParseError, with an offset inside the
//     input;
//   - strict mode accepts a subset of what tolerant mode accepts: when it succeeds the tolerant
//     result is the same and has no warnings;
//   - whatever tolerant mode returns, extract_notes() works (FIFO, and LIFO with the pedal) and
//     every note is in range (note_properties.hpp); write() either succeeds or throws
//     midi::WriteError, and what it writes reads back strictly, without warnings, equal up to
//     the end-of-track events it adds, and writes again to the same bytes;
//   - notes_to_file(extract_notes(f)) writes a file that reads back strictly with as many notes;
//   - read_score agrees with read() then extract_notes(), strict and tolerant, FIFO and LIFO
//     (score_properties.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <symphonic/midi/midi.hpp>

#include "note_properties.hpp"
#include "score_properties.hpp"

namespace symphonic_fuzz {

/// Returns an empty string when every property holds, else what failed.
inline std::string check_read_properties(const std::uint8_t* data, std::size_t size) {
  using namespace symphonic;
  std::vector<midi::Warning> warnings;
  midi::File tolerant;
  bool tolerant_ok = false;
  try {
    tolerant = midi::read(data, size, {}, &warnings);
    tolerant_ok = true;
  } catch (const midi::ParseError& e) {
    if (e.byte_offset() > size) return "tolerant error offset past the input";
  }
  try {
    std::vector<midi::Warning> none;
    const midi::File strict = midi::read(data, size, midi::ReadOptions{true}, &none);
    if (!none.empty()) return "strict read gave warnings";
    if (!tolerant_ok) return "strict read succeeded where tolerant failed";
    if (!warnings.empty()) return "strict read succeeded where tolerant repaired";
    if (!(strict == tolerant)) return "strict and tolerant results differ";
  } catch (const midi::ParseError& e) {
    if (e.byte_offset() > size) return "strict error offset past the input";
  }
  for (const bool strict : {false, true})
    for (const midi::Pairing pairing : {midi::Pairing::fifo, midi::Pairing::lifo}) {
      const std::string differs = check_score_agrees(data, size, strict, pairing);
      if (!differs.empty()) return "read_score: " + differs;
    }
  if (!tolerant_ok) return "";
  for (const midi::Warning& w : warnings)
    if (w.byte_offset > size) return "warning offset past the input";

  const midi::NoteList notes = midi::extract_notes(tolerant);
  std::string failure = symphonic_fuzz::check_note_ranges(notes);
  if (!failure.empty()) return failure;
  const midi::NoteList held = midi::extract_notes(tolerant, {midi::Pairing::lifo, true});
  if (held.notes.size() != notes.notes.size()) return "pairing changed the number of notes";
  failure = symphonic_fuzz::check_notes_survive_file(notes, true);
  if (!failure.empty()) return failure;

  std::vector<std::uint8_t> bytes;
  try {
    bytes = midi::write(tolerant);
  } catch (const midi::WriteError&) {
    return "";
  }
  std::vector<midi::Warning> again;
  midi::File back;
  try {
    back = midi::read(bytes, midi::ReadOptions{true}, &again);
  } catch (const midi::ParseError& e) {
    return std::string("written bytes do not read back strictly: ") + e.what();
  }
  if (!again.empty()) return "written bytes read back with warnings";
  if (back.tracks.size() != tolerant.tracks.size()) return "track count changed in a round trip";
  for (std::size_t t = 0; t < back.tracks.size(); ++t) {
    midi::Track expected = tolerant.tracks[t];
    if (!expected.has_end_of_track()) expected.add_end_of_track(expected.end_tick());
    if (!(back.tracks[t] == expected)) return "track " + std::to_string(t) + " changed in a round trip";
  }
  if (midi::write(back) != bytes) return "writing twice gave different bytes";
  return "";
}

}  // namespace symphonic_fuzz
