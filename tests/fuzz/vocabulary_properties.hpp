// tests/fuzz/vocabulary_properties.hpp - what must hold for any text given to the vocabulary
// loader (the vocabulary inside every checkpoint):
//
//   - music::Vocabulary::from_text either accepts the text or throws music::VocabularyError;
//   - what it accepts writes (to_text) and reads back to the same tokens, unknown id and encoder
//     options, and writes again to the same text;
//   - the encoder options it carries build an encoder or throw VocabularyError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <symphonic/music/music.hpp>

namespace symphonic_fuzz {

inline std::string check_vocabulary_properties(const std::uint8_t* data, std::size_t size) {
  using namespace symphonic;
  const std::string text(reinterpret_cast<const char*>(data), size);
  music::Vocabulary vocabulary;
  try {
    vocabulary = music::Vocabulary::from_text(text);
  } catch (const music::VocabularyError&) {
    return "";
  }
  const std::string written = vocabulary.to_text();
  music::Vocabulary back;
  try {
    back = music::Vocabulary::from_text(written);
  } catch (const music::VocabularyError& e) {
    return std::string("to_text() of an accepted vocabulary does not read back: ") + e.what();
  }
  if (back.tokens() != vocabulary.tokens()) return "tokens changed in a round trip";
  if (back.unknown_id() != vocabulary.unknown_id()) return "unknown id changed in a round trip";
  if (back.encoder_options() != vocabulary.encoder_options()) return "encoder options changed in a round trip";
  if (back.to_text() != written) return "writing twice gave different text";
  for (std::int32_t id = 0; id < vocabulary.size(); ++id)
    if (vocabulary.id(vocabulary.token(id)) != id) return "token " + std::to_string(id) + " does not map back to its id";
  if (!vocabulary.encoder_options().empty()) {
    try {
      const auto encoder = music::make_encoder(vocabulary.encoder_options());
      if (music::make_encoder(encoder->options_text())->options_text() != encoder->options_text())
        return "encoder options text does not round-trip";
    } catch (const music::VocabularyError&) {
    }
  }
  return "";
}

}  // namespace symphonic_fuzz
