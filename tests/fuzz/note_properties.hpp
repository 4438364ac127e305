// tests/fuzz/note_properties.hpp - what must hold for any note list a reader or decoder returns:
// every field in its MIDI range, and the notes survive being written as a file and read back.
// Shared by the fuzz targets' properties (midi_read, tune_text, decode).
#pragma once

#include <string>
#include <vector>

#include <symphonic/midi/midi.hpp>

namespace symphonic_fuzz {

/// Empty when every note is a note a MIDI file can hold, else what is wrong with the first one
/// that is not.
inline std::string check_note_ranges(const symphonic::midi::NoteList& notes) {
  if (notes.ticks_per_quarter < 1 || notes.ticks_per_quarter > 0x7FFF) return "ticks per quarter out of range";
  for (const symphonic::midi::Note& n : notes.notes) {
    if (n.pitch < 0 || n.pitch > 127) return "a note's pitch is outside 0..127";
    if (n.velocity < 1 || n.velocity > 127) return "a note's velocity is outside 1..127";
    if (n.channel < 0 || n.channel > 15) return "a note's channel is outside 0..15";
    if (n.program < 0 || n.program > 127) return "a note's program is outside 0..127";
    if (n.start_tick < 0) return "a note starts before tick 0";
    if (n.end_tick < n.start_tick) return "a note ends before it starts";
    if (!(n.end_s >= n.start_s)) return "a note's end in seconds is before its start (or NaN)";
  }
  return "";
}

/// notes_to_file(notes) writes a file that reads back strictly, without warnings, with as many
/// notes. `may_not_fit`: a WriteError (ticks too far apart for one delta) is allowed, for notes
/// read from a file that may already hold such distances; decoders must always fit.
inline std::string check_notes_survive_file(const symphonic::midi::NoteList& notes, bool may_not_fit) {
  using namespace symphonic;
  try {
    const std::vector<std::uint8_t> made = midi::write(midi::notes_to_file(notes));
    std::vector<midi::Warning> none;
    const midi::File back = midi::read(made, midi::ReadOptions{true}, &none);
    if (!none.empty()) return "notes_to_file output read back with warnings";
    if (midi::extract_notes(back).notes.size() != notes.notes.size()) return "notes_to_file lost or added notes";
  } catch (const midi::WriteError& e) {
    if (!may_not_fit) return std::string("the notes cannot be written: ") + e.what();
  } catch (const midi::ParseError& e) {
    return std::string("notes_to_file output does not read back: ") + e.what();
  }
  return "";
}

}  // namespace symphonic_fuzz
