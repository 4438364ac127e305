// tests/fuzz/tune_text_properties.hpp - what must hold for any text given to the tune parser
// (demo/tune_text.hpp, the demo corpus's format):
//
//   - demo::parse_tune either returns a tune or throws demo::TuneError (naming a line that
//     exists);
//   - the tempo is positive and finite, every note in range (note_properties.hpp), and the notes
//     write as a MIDI file that reads back strictly with every note, or the writer says they
//     cannot fit (midi::WriteError).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <symphonic/demo/tune_text.hpp>

#include "note_properties.hpp"

namespace symphonic_fuzz {

inline std::string check_tune_text_properties(const std::uint8_t* data, std::size_t size) {
  using namespace symphonic;
  const std::string text(reinterpret_cast<const char*>(data), size);
  demo::Tune tune;
  try {
    tune = demo::parse_tune(text, "<fuzz>");
  } catch (const demo::TuneError& e) {
    std::size_t lines = 1;
    for (const char c : text) lines += c == '\n';
    if (e.line() < 0 || static_cast<std::size_t>(e.line()) > lines) return "a TuneError names a line the text does not have";
    return "";
  }
  if (!(tune.bpm > 0) || !std::isfinite(tune.bpm)) return "the tempo is not positive and finite";
  const std::string failure = check_note_ranges(tune.notes);
  if (!failure.empty()) return failure;
  return check_notes_survive_file(tune.notes, true);
}

}  // namespace symphonic_fuzz
