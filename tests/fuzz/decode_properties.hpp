// tests/fuzz/decode_properties.hpp - what must hold for any token sequence given to a decoder:
// it decodes without throwing, every note is in range (note_properties.hpp), the counts in
// DecodeStats add up, and the notes write as a MIDI file that reads back strictly with every
// note (a decoder's output must always fit in a file).
//
// Input layout: byte 0 picks the encoder (one of kEncoders), byte 1 the form of the rest:
//   even: little-endian 16-bit ids into the encoder's tokens (every token it can write, and a
//         few malformed ones beside them), which is what a model's sampler hands the decoder;
//   odd:  free text split at spaces and line breaks, tokens no encoder wrote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <symphonic/music/music.hpp>

#include "note_properties.hpp"

namespace symphonic_fuzz {

inline const std::vector<std::string>& decode_encoders() {
  static const std::vector<std::string> names{
      "chord recipe=1",
      "chord recipe=1 voicing=close",
      "chord grid=4 timing=1 markers=1",
      "chord grid=12 parts=first timing=1 voicing=recipe",
      "event",
      "event step_ms=7 max_shift=300 velocity_bins=5 markers=1 drums=1 sustain=1",
  };
  return names;
}

/// Every token `encoder` can write, then a few it never writes (the decoder must skip them).
inline std::vector<std::string> decode_alphabet(const symphonic::music::Encoder& encoder) {
  using namespace symphonic;
  std::vector<std::string> tokens{music::begin_token(), music::end_token(), "<unk>", "", "d:0", "d:49", "r:",
                                  "12.0", "0.0", "C", "H4", "note_on:128", "time_shift:0", "velocity:-1"};
  if (const auto* events = dynamic_cast<const music::EventEncoder*>(&encoder)) {
    const std::vector<std::string> all = events->all_tokens();
    tokens.insert(tokens.end(), all.begin(), all.end());
    return tokens;
  }
  for (int p = 0; p < 128; ++p) tokens.push_back(music::pitch_name(p));
  for (unsigned mask = 1; mask < 4096; ++mask) tokens.push_back(music::chord_name(mask));
  for (int n = 1; n <= music::ChordEncoder::max_length12; ++n) {
    tokens.push_back("d:" + std::to_string(n));
    tokens.push_back("r:" + std::to_string(n));
  }
  return tokens;
}

inline std::string check_decode_properties(const std::uint8_t* data, std::size_t size) {
  using namespace symphonic;
  if (size < 2) return "";
  const std::vector<std::string>& names = decode_encoders();
  const std::string& options = names[data[0] % names.size()];
  const std::unique_ptr<music::Encoder> encoder = music::make_encoder(options);
  std::vector<std::string> tokens;
  if (data[1] % 2 == 0) {
    static std::vector<std::vector<std::string>> alphabets(names.size());
    std::vector<std::string>& alphabet = alphabets[data[0] % names.size()];
    if (alphabet.empty()) alphabet = decode_alphabet(*encoder);
    for (std::size_t i = 2; i + 1 < size; i += 2)
      tokens.push_back(alphabet[(data[i] | (std::size_t(data[i + 1]) << 8)) % alphabet.size()]);
  } else {
    std::string word;
    for (std::size_t i = 2; i <= size; ++i) {
      const char c = i < size ? static_cast<char>(data[i]) : ' ';
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        if (!word.empty()) tokens.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
  }
  music::DecodeStats stats;
  const midi::NoteList notes = encoder->decode(tokens, &stats);
  const std::string where = " (" + options + ")";
  if (stats.tokens != static_cast<std::int64_t>(tokens.size())) return "DecodeStats::tokens is not the token count" + where;
  if (stats.notes != static_cast<std::int64_t>(notes.notes.size())) return "DecodeStats::notes is not the note count" + where;
  if (stats.skipped < 0 || stats.skipped > stats.tokens) return "DecodeStats::skipped is out of range" + where;
  std::string failure = check_note_ranges(notes);
  if (failure.empty()) failure = check_notes_survive_file(notes, false);
  return failure.empty() ? "" : failure + where;
}

}  // namespace symphonic_fuzz
