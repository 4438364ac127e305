// symphonic/music/encoder.hpp - the interface every note <-> token encoder implements.
//
//   notes (midi::NoteList) --encode--> tokens (strings) --decode--> notes
//
// decode() is total: any token sequence, including one a model generated, decodes to notes;
// tokens that make no sense where they stand are skipped and counted in DecodeStats.
// options_text() names the encoder and its options ("chord recipe=1", "event step_ms=10 ...");
// make_encoder() (music/factory.hpp) rebuilds an equal encoder from that text, which is how a
// vocabulary file or a checkpoint remembers how its tokens were made. encode_file() tokenizes a
// whole midi::File (by default through midi::extract_notes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/detail/key_value.hpp"
#include "symphonic/error.hpp"
#include "symphonic/midi/file.hpp"
#include "symphonic/midi/note.hpp"
#include "symphonic/midi/notes.hpp"
#include "symphonic/music/conditions.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace music {

/// Begin- and end-of-piece marker tokens (added when an encoder's `markers` option is on).
inline const std::string& begin_token() {
  static const std::string token = "<begin>";
  return token;
}
inline const std::string& end_token() {
  static const std::string token = "<end>";
  return token;
}

/// What decode() did with its input.
struct DecodeStats {
  std::int64_t tokens = 0;   ///< tokens read
  std::int64_t notes = 0;    ///< notes produced
  std::int64_t skipped = 0;  ///< tokens ignored: unknown, malformed, or invalid where they stood
  std::int64_t unterminated = 0;  ///< notes still sounding at the end, closed there (event encoder)
};

class Encoder {
 public:
  virtual ~Encoder() = default;

  /// Tokens of a piece.
  virtual std::vector<std::string> encode(const midi::NoteList& notes) const = 0;

  /// Notes of a token sequence; never throws on bad tokens (they are skipped and counted).
  virtual midi::NoteList decode(const std::vector<std::string>& tokens,
                                DecodeStats* stats = nullptr) const = 0;

  /// The encoder's name and options, e.g. "event step_ms=10 max_shift=100 velocity_bins=32".
  virtual std::string options_text() const = 0;

  /// Tokens of a whole MIDI file. The default is encode(midi::extract_notes(file)); the chord
  /// encoder's recipe mode overrides it to read the raw events as music21 does.
  virtual std::vector<std::string> encode_file(const midi::File& file) const {
    return encode(midi::extract_notes(file));
  }

  /// True when decode() gives notes the instrument (program, drums) they were encoded with; a
  /// writer should then keep each note's program instead of choosing one for all.
  virtual bool keeps_instruments() const { return false; }

  /// The control tokens (key, density, tempo) this encoder writes into every piece
  /// (music/conditions.hpp); none unless its options say condition=...
  const Conditions& conditions() const { return conditions_; }

 protected:
  /// A piece's tokens with its control blocks, when the encoder writes any.
  std::vector<std::string> conditioned(const midi::NoteList& notes, std::vector<std::string> tokens) const {
    if (!conditions_.any()) return tokens;
    return with_conditions(tokens, condition_block(notes, conditions_), conditions_.every, begin_token(), end_token());
  }
  /// The encoder's vocabulary in full: `tokens`, then every control token it may write.
  std::vector<std::string> with_condition_tokens(std::vector<std::string> tokens) const {
    for (Condition kind : conditions_.kinds())
      for (std::string& t : condition_tokens(kind)) tokens.push_back(std::move(t));
    return tokens;
  }

  Conditions conditions_;
};

namespace detail {

/// An encoder's options text, "NAME key=value ..." (words; the first word names the encoder).
/// Throws VocabularyError on an empty text, a word without '=' or a repeated key, and, when
/// `expected_name` is given, on another encoder's name.
inline symphonic::detail::KeyValues read_encoder_options(const std::string& text, const char* expected_name = nullptr) {
  symphonic::detail::KeyValues options(text, symphonic::detail::KeyValues::Layout::words, "encoder options",
                                       [](const std::string& message) { SYMPHONIC_THROW(VocabularyError(message)); });
  if (options.name().empty()) SYMPHONIC_THROW(VocabularyError("encoder options \"" + text + "\" name no encoder"));
  if (expected_name && options.name() != expected_name)
    SYMPHONIC_THROW(VocabularyError("not " + std::string(expected_name) + " encoder options: \"" + text + "\""));
  options.set_what(options.name() + " encoder");
  return options;
}

/// Reads the condition=key,density,tempo and condition_every=N options (Conditions).
inline Conditions read_conditions(symphonic::detail::KeyValues& options) {
  Conditions c;
  const std::string list = options.text("condition", "");
  if (!list.empty() && !detail::parse_condition_list(list, c))
    SYMPHONIC_THROW(VocabularyError("encoder key 'condition': expected a comma-separated list of key, density and tempo, "
                                    "each at most once, got '" + list + "'"));
  c.every = static_cast<int>(options.integer("condition_every", c.every, 1, 100000));
  return c;
}

}  // namespace detail
}  // namespace music
SYMPHONIC_NAMESPACE_END
