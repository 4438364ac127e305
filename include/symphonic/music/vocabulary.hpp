// symphonic/music/vocabulary.hpp - tokens <-> integer ids, saved with the model.
//
// Built from the token lists of a corpus: tokens seen fewer than min_count times are left out
// (they then map to the unknown token); the unknown token and the marker tokens ("<...>") come
// first, the rest in byte order, which is the order of Python's sorted() on the recipe's ASCII
// tokens, so with `unknown = false` the ids are exactly the recipe's note_to_int ids.
//
// Text form (to_text / save / load, also stored in checkpoints under "symphonic.vocabulary"):
//
//   symphonic-vocabulary 1 size=279 unknown=-1 encoder=chord recipe=1
//   0
//   0.1
//   ...
//
// The header line gives the format version, the number of tokens, the id of the unknown token
// (-1: none) and, after "encoder=", the encoder's options text up to the end of the line. Then
// one token per line, in id order. Tokens are non-empty and contain no whitespace.
#pragma once

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/detail/file_io.hpp"
#include "symphonic/detail/key_value.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace music {

struct VocabularyOptions {
  std::int64_t min_count = 1;          ///< tokens seen fewer times are left out
  bool unknown = true;                 ///< reserve id 0 for unknown_token (false: the recipe's ids)
  std::string unknown_token = "<unk>";
  std::vector<std::string> extra;      ///< tokens to include even if never seen (e.g. all events)
};

class Vocabulary {
 public:
  Vocabulary() = default;

  /// Counts the tokens of all pieces and assigns ids (see the top of this file).
  static Vocabulary build(const std::vector<std::vector<std::string>>& pieces,
                          VocabularyOptions options = {}, std::string encoder_options = "") {
    std::unordered_map<std::string, std::int64_t> counts;
    for (const auto& piece : pieces)
      for (const auto& token : piece) ++counts[token];
    return from_counts(std::move(counts), options, std::move(encoder_options));
  }

  /// The same from each token's count over the corpus (a token cache has counts, not lists).
  static Vocabulary from_counts(std::unordered_map<std::string, std::int64_t> counts,
                                const VocabularyOptions& options = {}, std::string encoder_options = "") {
    for (const auto& token : options.extra) {
      auto& c = counts[token];
      c = std::max(c, options.min_count);
    }
    std::vector<std::string> markers, plain;
    for (const auto& entry : counts) {
      if (entry.second < options.min_count) continue;
      if (options.unknown && entry.first == options.unknown_token) continue;
      (is_marker(entry.first) ? markers : plain).push_back(entry.first);
    }
    std::sort(markers.begin(), markers.end());
    std::sort(plain.begin(), plain.end());
    std::vector<std::string> tokens;
    tokens.reserve(markers.size() + plain.size() + 1);
    if (options.unknown) tokens.push_back(options.unknown_token);
    tokens.insert(tokens.end(), markers.begin(), markers.end());
    tokens.insert(tokens.end(), plain.begin(), plain.end());
    return Vocabulary(std::move(tokens), options.unknown ? 0 : -1, std::move(encoder_options));
  }

  /// A vocabulary with exactly these tokens, in this order. Throws VocabularyError on an empty,
  /// repeated or whitespace-containing token, or an unknown id out of range.
  Vocabulary(std::vector<std::string> tokens, std::int32_t unknown_id, std::string encoder_options)
      : tokens_(std::move(tokens)), unknown_id_(unknown_id), encoder_options_(std::move(encoder_options)) {
    if (tokens_.size() > 0x7FFFFFFF) SYMPHONIC_THROW(VocabularyError("too many tokens"));
    if (unknown_id_ < -1 || unknown_id_ >= size())
      SYMPHONIC_THROW(VocabularyError("unknown id " + std::to_string(unknown_id_) + " is not in -1.." +
                                      std::to_string(size() - 1)));
    if (encoder_options_.find_first_of("\r\n") != std::string::npos)
      SYMPHONIC_THROW(VocabularyError("encoder options contain a line break"));
    index_.reserve(tokens_.size());
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      check_token(tokens_[i], i);
      if (!index_.emplace(tokens_[i], static_cast<std::int32_t>(i)).second)
        SYMPHONIC_THROW(VocabularyError("token \"" + tokens_[i] + "\" appears twice (ids " +
                                        std::to_string(index_[tokens_[i]]) + " and " +
                                        std::to_string(i) + ")"));
    }
  }

  std::int32_t size() const { return static_cast<std::int32_t>(tokens_.size()); }
  /// Id of the unknown token, -1 when this vocabulary has none.
  std::int32_t unknown_id() const { return unknown_id_; }
  /// The options text of the encoder that made the tokens ("" if not recorded).
  const std::string& encoder_options() const { return encoder_options_; }
  const std::vector<std::string>& tokens() const { return tokens_; }

  bool contains(const std::string& token) const { return index_.count(token) != 0; }

  /// Id of a token; unknown_id() when absent (which is -1 without an unknown token).
  std::int32_t id(const std::string& token) const {
    const auto it = index_.find(token);
    return it == index_.end() ? unknown_id_ : it->second;
  }

  /// Token of an id; throws VocabularyError when out of range.
  const std::string& token(std::int32_t id) const {
    if (id < 0 || id >= size())
      SYMPHONIC_THROW(VocabularyError("token id " + std::to_string(id) + " is outside 0.." +
                                      std::to_string(size() - 1)));
    return tokens_[static_cast<std::size_t>(id)];
  }

  /// Ids of tokens; absent tokens become unknown_id(), or throw VocabularyError without one.
  std::vector<std::int32_t> encode(const std::vector<std::string>& tokens) const {
    std::vector<std::int32_t> ids;
    ids.reserve(tokens.size());
    for (const auto& t : tokens) {
      const std::int32_t i = id(t);
      if (i < 0)
        SYMPHONIC_THROW(VocabularyError("token \"" + t + "\" is not in the vocabulary, which has no unknown token"));
      ids.push_back(i);
    }
    return ids;
  }

  /// Tokens of ids; throws VocabularyError on an id out of range.
  std::vector<std::string> decode(const std::vector<std::int32_t>& ids) const {
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (std::int32_t i : ids) out.push_back(token(i));
    return out;
  }

  std::string to_text() const {
    std::string text = "symphonic-vocabulary 1 size=" + std::to_string(size()) +
                       " unknown=" + std::to_string(unknown_id_) + " encoder=" + encoder_options_ + "\n";
    for (const auto& t : tokens_) {
      text += t;
      text += '\n';
    }
    return text;
  }

  /// Parses to_text()'s form; throws VocabularyError naming the line that is wrong.
  static Vocabulary from_text(const std::string& text) {
    std::size_t pos = 0;
    int line_number = 0;
    const auto next_line = [&](std::string& line) {
      if (pos >= text.size()) return false;
      const auto end = text.find('\n', pos);
      line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      pos = end == std::string::npos ? text.size() : end + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      ++line_number;
      return true;
    };
    const auto fail = [&](const std::string& why) {
      SYMPHONIC_THROW(VocabularyError("vocabulary line " + std::to_string(line_number) + ": " + why));
    };
    std::string header;
    if (!next_line(header)) {
      line_number = 1;
      fail("empty text, expected the header \"symphonic-vocabulary 1 ...\"");
    }
    const std::string magic = "symphonic-vocabulary ";
    if (header.compare(0, magic.size(), magic) != 0)
      fail("expected the header \"symphonic-vocabulary 1 size=N unknown=ID encoder=...\"");
    std::istringstream fields(header.substr(magic.size()));
    std::string version, size_field, unknown_field;
    fields >> version >> size_field >> unknown_field;
    if (version != "1") fail("unsupported vocabulary format version \"" + version + "\"");
    const auto number = [&](const std::string& field, const std::string& key, long lo, long hi) {
      if (field.compare(0, key.size() + 1, key + "=") != 0) fail("expected " + key + "=N in the header");
      const std::string digits = field.substr(key.size() + 1);
      std::int64_t value = 0;
      if (!symphonic::detail::parse_integer(digits, value) || value < lo || value > hi)
        fail(key + "=" + digits + " is not a number in " + std::to_string(lo) + ".." + std::to_string(hi));
      return static_cast<long>(value);
    };
    const long size = number(size_field, "size", 0, 0x7FFFFFFF);
    const long unknown = number(unknown_field, "unknown", -1, 0x7FFFFFFF);
    const auto enc = header.find(" encoder=");
    if (enc == std::string::npos) fail("expected encoder=... at the end of the header");
    std::string encoder = header.substr(enc + 9);
    std::vector<std::string> tokens;
    tokens.reserve(static_cast<std::size_t>(std::min<long>(size, 1 << 20)));
    std::string line;
    while (next_line(line)) {
      if (static_cast<long>(tokens.size()) == size) {
        if (line.empty() && pos >= text.size()) break;
        fail("more tokens than size=" + std::to_string(size));
      }
      if (line.empty()) fail("empty token");
      if (line.find_first_of(" \t\v\f") != std::string::npos) fail("token \"" + line + "\" contains whitespace");
      tokens.push_back(line);
    }
    if (static_cast<long>(tokens.size()) != size)
      SYMPHONIC_THROW(VocabularyError("vocabulary: header says size=" + std::to_string(size) + " but " +
                                      std::to_string(tokens.size()) + " tokens follow"));
    if (unknown >= size) fail("unknown=" + std::to_string(unknown) + " is not a token id");
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < tokens.size(); ++i)
      if (!seen.emplace(tokens[i], i).second)
        SYMPHONIC_THROW(VocabularyError("vocabulary line " + std::to_string(i + 2) + ": token \"" + tokens[i] +
                                        "\" repeats line " + std::to_string(seen[tokens[i]] + 2)));
    return Vocabulary(std::move(tokens), static_cast<std::int32_t>(unknown), std::move(encoder));
  }

  /// Writes to_text() atomically (io::FileError when the file cannot be written).
  void save(const std::string& path) const {
    const std::string text = to_text();
    symphonic::detail::write_file_atomic(path, text);
  }

  /// Reads a file written by save() (io::FileError if unreadable, VocabularyError if malformed).
  static Vocabulary load(const std::string& path) {
    const std::vector<std::uint8_t> bytes = symphonic::detail::read_file(path);
    try {
      return from_text(std::string(bytes.begin(), bytes.end()));
    } catch (const VocabularyError& e) {
      SYMPHONIC_THROW(VocabularyError(path + ": " + strip_prefix(e.what())));
    }
  }

  friend bool operator==(const Vocabulary& a, const Vocabulary& b) {
    return a.tokens_ == b.tokens_ && a.unknown_id_ == b.unknown_id_ && a.encoder_options_ == b.encoder_options_;
  }
  friend bool operator!=(const Vocabulary& a, const Vocabulary& b) { return !(a == b); }

 private:
  static bool is_marker(const std::string& t) { return t.size() >= 2 && t.front() == '<' && t.back() == '>'; }

  static void check_token(const std::string& t, std::size_t id) {
    if (t.empty()) SYMPHONIC_THROW(VocabularyError("token id " + std::to_string(id) + " is empty"));
    if (t.find_first_of(" \t\r\n\v\f") != std::string::npos)
      SYMPHONIC_THROW(VocabularyError("token \"" + t + "\" contains whitespace"));
  }

  static std::string strip_prefix(const std::string& what) {
    const std::string prefix = "[symphonic.music.vocabulary_error] ";
    return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
  }

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int32_t> index_;
  std::int32_t unknown_id_ = -1;
  std::string encoder_options_;
};

}  // namespace music
SYMPHONIC_NAMESPACE_END
