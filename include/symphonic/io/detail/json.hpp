// symphonic/io/detail/json.hpp - the small JSON reader and writer behind the safetensors header.
//
// Not a general JSON library: it reads one document held in memory, into a tree of Json values
// (objects keep their member order; duplicate keys are an error), and quotes strings for the
// writer. It never reads past `size`, nests at most `max_depth` levels (no stack exhaustion on
// "[[[[..."), allocates only for bytes it has already seen, checks UTF-8 and \u escapes
// (surrogate pairs, no lone surrogates), and keeps numbers as their literal text so integers of
// any size can be checked exactly by the caller. Errors are JsonError with a 0-based byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace io {
namespace detail {

/// Malformed JSON; offset() is 0-based from the first byte of the document.
class JsonError : public Error {
 public:
  JsonError(std::size_t offset, const std::string& message)
      : Error("io.json_error", "byte " + std::to_string(offset) + ": " + message),
        offset_(offset),
        message_(message) {}
  std::size_t offset() const noexcept { return offset_; }
  /// The message without the "[symphonic.io.json_error] byte N: " prefix.
  const std::string& message() const noexcept { return message_; }

 private:
  std::size_t offset_;
  std::string message_;
};

struct Json {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  std::string text;  ///< a string's value (UTF-8) or a number's literal text
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  bool is_object() const { return type == Type::object; }
  bool is_array() const { return type == Type::array; }
  bool is_string() const { return type == Type::string; }
  bool is_number() const { return type == Type::number; }

  /// The member called `key`, or nullptr.
  const Json* find(const std::string& key) const {
    for (const auto& member : members)
      if (member.first == key) return &member.second;
    return nullptr;
  }

  /// A number written as plain decimal digits (no sign, fraction or exponent) that fits in 64
  /// bits; false for anything else.
  bool to_uint64(std::uint64_t& value) const {
    if (type != Type::number || text.empty()) return false;
    std::uint64_t result = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return false;
      const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
      if (result > (UINT64_MAX - digit) / 10) return false;
      result = result * 10 + digit;
    }
    value = result;
    return true;
  }

  static const char* type_name(Type t) {
    switch (t) {
      case Type::null: return "null";
      case Type::boolean: return "a boolean";
      case Type::number: return "a number";
      case Type::string: return "a string";
      case Type::array: return "an array";
      case Type::object: return "an object";
    }
    return "?";
  }
};


/// Length of the valid UTF-8 sequence at p (`left` bytes available, lead byte >= 0x80), or 0 when
/// it is not one (a stray continuation byte, a truncated, overlong or surrogate sequence, or a
/// code point beyond U+10FFFF).
inline std::size_t utf8_length(const unsigned char* p, std::size_t left) {
  const unsigned char lead = p[0];
  std::size_t n;
  unsigned code;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
    code = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    code = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    code = lead & 0x07u;
  } else {
    return 0;
  }
  if (left < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    code = (code << 6) | (p[i] & 0x3Fu);
  }
  if ((n == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) || (n == 4 && (code < 0x10000 || code > 0x10FFFF)))
    return 0;
  return n;
}

/// Whether all of `text` is valid UTF-8.
inline bool valid_utf8(const std::string& text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(p + i, text.size() - i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

class JsonReader {
 public:
  JsonReader(const char* data, std::size_t size, int max_depth = 64)
      : data_(data), size_(size), max_depth_(max_depth) {}

  /// Parses the whole buffer as one JSON value (whitespace around it allowed, nothing else).
  Json parse() {
    Json value = parse_value(0);
    skip_whitespace();
    if (pos_ != size_) fail("unexpected " + describe_here() + " after the JSON value");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    SYMPHONIC_THROW(JsonError(pos_, message));
  }

  std::string describe_here() const {
    if (pos_ >= size_) return "end of input";
    const unsigned char c = static_cast<unsigned char>(data_[pos_]);
    if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", c);
    return std::string("byte ") + hex;
  }

  void skip_whitespace() {
    while (pos_ < size_ && (data_[pos_] == ' ' || data_[pos_] == '\t' || data_[pos_] == '\n' ||
                            data_[pos_] == '\r'))
      ++pos_;
  }

  void expect(char c) {
    if (pos_ >= size_ || data_[pos_] != c)
      fail(std::string("expected '") + c + "', got " + describe_here());
    ++pos_;
  }

  bool literal(const char* word) {
    std::size_t n = 0;
    while (word[n]) ++n;
    if (size_ - pos_ < n) return false;
    for (std::size_t i = 0; i < n; ++i)
      if (data_[pos_ + i] != word[i]) return false;
    pos_ += n;
    return true;
  }

  Json parse_value(int depth) {
    skip_whitespace();
    if (pos_ >= size_) fail("expected a JSON value, got end of input");
    Json value;
    const char c = data_[pos_];
    if (c == '{' || c == '[') {
      if (depth >= max_depth_)
        fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
      if (c == '{')
        parse_object(value, depth);
      else
        parse_array(value, depth);
    } else if (c == '"') {
      value.type = Json::Type::string;
      value.text = parse_string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      value.type = Json::Type::number;
      value.text = parse_number();
    } else if (literal("true")) {
      value.type = Json::Type::boolean;
      value.boolean = true;
    } else if (literal("false")) {
      value.type = Json::Type::boolean;
    } else if (literal("null")) {
      value.type = Json::Type::null;
    } else {
      fail("expected a JSON value, got " + describe_here());
    }
    return value;
  }

  void parse_object(Json& value, int depth) {
    value.type = Json::Type::object;
    expect('{');
    skip_whitespace();
    if (pos_ < size_ && data_[pos_] == '}') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_whitespace();
      if (pos_ >= size_ || data_[pos_] != '"')
        fail("expected a member name in quotes, got " + describe_here());
      const std::size_t key_offset = pos_;
      std::string key = parse_string();
      if (value.find(key)) {
        pos_ = key_offset;
        fail("duplicate member \"" + key + "\"");
      }
      skip_whitespace();
      expect(':');
      Json member = parse_value(depth + 1);
      value.members.emplace_back(std::move(key), std::move(member));
      skip_whitespace();
      if (pos_ < size_ && data_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < size_ && data_[pos_] == '}') {
        ++pos_;
        return;
      }
      fail("expected ',' or '}' in an object, got " + describe_here());
    }
  }

  void parse_array(Json& value, int depth) {
    value.type = Json::Type::array;
    expect('[');
    skip_whitespace();
    if (pos_ < size_ && data_[pos_] == ']') {
      ++pos_;
      return;
    }
    for (;;) {
      value.items.push_back(parse_value(depth + 1));
      skip_whitespace();
      if (pos_ < size_ && data_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < size_ && data_[pos_] == ']') {
        ++pos_;
        return;
      }
      fail("expected ',' or ']' in an array, got " + describe_here());
    }
  }

  std::string parse_number() {
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t first = pos_;
      while (pos_ < size_ && data_[pos_] >= '0' && data_[pos_] <= '9') ++pos_;
      if (pos_ == first) fail("expected a digit, got " + describe_here());
    };
    if (data_[pos_] == '-') ++pos_;
    if (pos_ < size_ && data_[pos_] == '0') {
      ++pos_;
    } else {
      digits();
    }
    if (pos_ < size_ && data_[pos_] == '.') {
      ++pos_;
      digits();
    }
    if (pos_ < size_ && (data_[pos_] == 'e' || data_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < size_ && (data_[pos_] == '+' || data_[pos_] == '-')) ++pos_;
      digits();
    }
    return std::string(data_ + start, pos_ - start);
  }

  unsigned hex4() {
    if (size_ - pos_ < 4) fail("expected 4 hex digits after \\u, got end of input");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = data_[pos_];
      unsigned digit;
      if (c >= '0' && c <= '9')
        digit = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        digit = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        digit = static_cast<unsigned>(c - 'A' + 10);
      else
        fail("expected a hex digit in \\u escape, got " + describe_here());
      code = code * 16 + digit;
      ++pos_;
    }
    return code;
  }

  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  /// Length of the valid UTF-8 sequence starting at pos_ (lead byte >= 0x80), or 0.
  std::size_t utf8_sequence() const {
    return utf8_length(reinterpret_cast<const unsigned char*>(data_) + pos_, size_ - pos_);
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= size_) fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(data_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("control character " + describe_here() + " inside a string");
      if (c == '\\') {
        ++pos_;
        if (pos_ >= size_) fail("unterminated escape");
        const char e = data_[pos_++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            unsigned code = hex4();
            if (code >= 0xDC00 && code <= 0xDFFF) fail("lone low surrogate in \\u escape");
            if (code >= 0xD800 && code <= 0xDBFF) {
              if (!(size_ - pos_ >= 2 && data_[pos_] == '\\' && data_[pos_ + 1] == 'u'))
                fail("high surrogate not followed by a low surrogate");
              pos_ += 2;
              const unsigned low = hex4();
              if (low < 0xDC00 || low > 0xDFFF) fail("high surrogate not followed by a low surrogate");
              code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            }
            append_utf8(out, code);
            break;
          }
          default:
            --pos_;
            fail("invalid escape \\" + describe_here());
        }
        continue;
      }
      if (c < 0x80) {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      const std::size_t n = utf8_sequence();
      if (n == 0) fail("invalid UTF-8 " + describe_here() + " inside a string");
      out.append(data_ + pos_, n);
      pos_ += n;
    }
  }

  const char* data_;
  std::size_t size_;
  int max_depth_;
  std::size_t pos_ = 0;
};

inline Json parse_json(const char* data, std::size_t size, int max_depth = 64) {
  return JsonReader(data, size, max_depth).parse();
}

inline Json parse_json(const std::string& text, int max_depth = 64) {
  return parse_json(text.data(), text.size(), max_depth);
}

/// `text` as a JSON string literal: quotes, backslashes and control characters escaped, valid
/// UTF-8 copied as is, and each byte that is not part of valid UTF-8 (a file name in another
/// encoding, say) replaced by U+FFFD, so the output is always valid JSON.
inline std::string json_quote(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(bytes + i, text.size() - i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      } else {
        out.append(text, i, n);
        i += n - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04x", c);
          out += escape;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace detail
}  // namespace io
SYMPHONIC_NAMESPACE_END
