// symphonic/music/factory.hpp - an encoder from its options text.
//
//   auto encoder = music::make_encoder("chord recipe=1");
//   auto same = music::make_encoder(encoder->options_text());   // equal options
//
// The first word names the encoder ("chord" or "event"), the rest are key=value options (see
// chord_encoder.hpp and event_encoder.hpp). A bare "recipe" means "chord recipe=1".
#pragma once

#include <memory>
#include <string>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/music/chord_encoder.hpp"
#include "symphonic/music/encoder.hpp"
#include "symphonic/music/event_encoder.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace music {

/// Builds the encoder an options text describes; throws VocabularyError on an unknown encoder,
/// an unknown option or a value out of range.
inline std::unique_ptr<Encoder> make_encoder(const std::string& options_text) {
  if (options_text == "recipe") return std::make_unique<ChordEncoder>(ChordEncoderOptions::recipe_preset());
  const std::string name = detail::read_encoder_options(options_text).name();
  if (name == "chord") return std::make_unique<ChordEncoder>(ChordEncoder::from_text(options_text));
  if (name == "event") return std::make_unique<EventEncoder>(EventEncoder::from_text(options_text));
  SYMPHONIC_THROW(VocabularyError("unknown encoder \"" + name + "\" (expected chord or event)"));
}

}  // namespace music
SYMPHONIC_NAMESPACE_END
