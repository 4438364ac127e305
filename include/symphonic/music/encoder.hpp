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
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/midi/file.hpp"
#include "symphonic/midi/note.hpp"
#include "symphonic/midi/notes.hpp"

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
};

namespace detail {

/// Parses "name key=value key=value" into the name and a map; throws VocabularyError on a word
/// without '=' after the name, a repeated key, or an empty text.
inline std::string parse_options(const std::string& text, std::map<std::string, std::string>& out) {
  std::istringstream in(text);
  std::string name, word;
  if (!(in >> name)) SYMPHONIC_THROW(VocabularyError("empty encoder options"));
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0)
      SYMPHONIC_THROW(VocabularyError("encoder option \"" + word + "\" is not key=value (in \"" +
                                      text + "\")"));
    if (!out.emplace(word.substr(0, eq), word.substr(eq + 1)).second)
      SYMPHONIC_THROW(VocabularyError("encoder option \"" + word.substr(0, eq) +
                                      "\" given twice (in \"" + text + "\")"));
  }
  return name;
}

/// Takes an integer option out of `options` (leaving unknown keys for the caller to reject).
inline int take_int(std::map<std::string, std::string>& options, const std::string& key, int fallback,
                    int lo, int hi) {
  const auto it = options.find(key);
  if (it == options.end()) return fallback;
  const std::string text = it->second;
  options.erase(it);
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (...) {
    used = 0;
  }
  if (used != text.size() || text.empty() || value < lo || value > hi)
    SYMPHONIC_THROW(VocabularyError("encoder option " + key + "=" + text + ": expected an integer in " +
                                    std::to_string(lo) + ".." + std::to_string(hi)));
  return static_cast<int>(value);
}

inline std::string take_word(std::map<std::string, std::string>& options, const std::string& key,
                             const std::string& fallback, const std::vector<std::string>& allowed) {
  const auto it = options.find(key);
  if (it == options.end()) return fallback;
  const std::string value = it->second;
  options.erase(it);
  for (const auto& a : allowed)
    if (a == value) return value;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
  SYMPHONIC_THROW(VocabularyError("encoder option " + key + "=" + value + ": expected " + list));
}

inline void reject_unknown(const std::map<std::string, std::string>& options, const std::string& name) {
  if (!options.empty())
    SYMPHONIC_THROW(VocabularyError("unknown option \"" + options.begin()->first + "\" for the " + name +
                                    " encoder"));
}

}  // namespace detail
}  // namespace music
SYMPHONIC_NAMESPACE_END
