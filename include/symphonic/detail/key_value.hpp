// symphonic/detail/key_value.hpp - the one reader of "key=value" text, and the one number
// formatter that writes it.
//
// Every settings text symphonic writes or reads is key=value pairs, in one of two layouts:
//   words: "adam lr=0.001 beta1=0.9"  - whitespace-separated; an optional first word without '='
//          names the kind (optimizer, encoder, schedule). A value holds no whitespace.
//   lines: "epoch=3\nschedule_state=lr=0.1 bad_epochs=0\n"  - one pair per line, split at the
//          first '='; the value runs to the end of its line. Blank lines are skipped.
// Keys are taken out as they are read, so `finish()` rejects the ones nobody asked for (a typo
// such as "momentun=0.9"). Malformed text, a missing, repeated or unknown key and a value that is
// not what was asked for are errors that name the key; nothing is skipped silently. Each area
// throws its own error type: the reader is given a function that throws it.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace detail {

/// Shortest decimal text that reads back as exactly `value` (%.15g when it round-trips, else up
/// to %.17g); "inf", "-inf" and "nan" for the non-finite values, which read back through strtod.
inline std::string format_number(double value) {
  char text[40];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

/// Reads all of `text` as a decimal integer (optional sign; no spaces, nothing after it) that
/// fits 64 bits; false otherwise, `out` then unchanged.
inline bool parse_integer(const std::string& text, std::int64_t& out) {
  if (text.empty() || !(text[0] == '-' || text[0] == '+' || (text[0] >= '0' && text[0] <= '9'))) return false;
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  out = x;
  return true;
}

/// Reads all of `text` as a decimal integer in 0..2^64-1 (digits only); false otherwise.
inline bool parse_unsigned(const std::string& text, std::uint64_t& out) {
  if (text.empty() || !(text[0] >= '0' && text[0] <= '9')) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long x = std::strtoull(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  out = x;
  return true;
}

/// Reads all of `text` as a number (what strtod reads, "inf" included; not "nan", no spaces).
inline bool parse_number(const std::string& text, double& out) {
  if (text.empty() || text[0] == ' ' || text[0] == '\t' || text[0] == '\n' || text[0] == '\r') return false;
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (*end != '\0' || std::isnan(x)) return false;
  out = x;
  return true;
}

/// Throws the caller's exception type with `message`; it must not return.
using ThrowError = void (*)(const std::string& message);

class KeyValues {
 public:
  enum class Layout { words, lines };

  /// `what` starts every message ("model config", "encoder options", ...).
  KeyValues(const std::string& text, Layout layout, std::string what, ThrowError fail)
      : what_(std::move(what)), fail_(fail) {
    if (layout == Layout::words)
      read_words(text);
    else
      read_lines(text);
  }

  /// What the messages start with from now on (e.g. "sgd optimizer", once the name is known).
  void set_what(std::string what) { what_ = std::move(what); }

  /// The first word when it has no '=' (words layout), else empty.
  const std::string& name() const { return name_; }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  bool empty() const { return values_.empty(); }

  /// The value of a required key; throws "<what> key 'k' missing" when absent.
  std::string text(const std::string& key) {
    auto it = values_.find(key);
    if (it == values_.end()) fail("key '" + key + "' missing");
    std::string value = std::move(it->second);
    values_.erase(it);
    return value;
  }
  std::string text(const std::string& key, const std::string& fallback) {
    return has(key) ? text(key) : fallback;
  }

  /// An integer in [minimum, maximum] (decimal, optional sign, nothing else).
  std::int64_t integer(const std::string& key, std::int64_t minimum = std::numeric_limits<std::int64_t>::min(),
                       std::int64_t maximum = std::numeric_limits<std::int64_t>::max()) {
    return checked_integer(key, text(key), minimum, maximum);
  }
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t minimum, std::int64_t maximum) {
    return has(key) ? integer(key, minimum, maximum) : fallback;
  }

  /// A finite number in [minimum, maximum].
  double number(const std::string& key, double minimum = -HUGE_VAL, double maximum = HUGE_VAL) {
    return checked_number(key, text(key), minimum, maximum, true);
  }
  /// A number, or "inf" or "-inf" (never "nan").
  double number_or_infinity(const std::string& key) { return checked_number(key, text(key), -HUGE_VAL, HUGE_VAL, false); }
  double number(const std::string& key, double fallback, double minimum, double maximum) {
    return has(key) ? number(key, minimum, maximum) : fallback;
  }

  /// Comma-separated integers, each in [minimum, maximum]; an empty value is an empty list.
  std::vector<std::int64_t> integers(const std::string& key, std::int64_t minimum, std::int64_t maximum) {
    const std::string value = text(key);
    std::vector<std::int64_t> out;
    for (std::size_t start = 0; start < value.size();) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      out.push_back(checked_integer(key, value.substr(start, comma - start), minimum, maximum));
      start = comma + 1;
    }
    return out;
  }

  /// A 0/1 (or false/true) flag.
  bool flag(const std::string& key) {
    const std::string value = text(key);
    if (value == "1" || value == "true") return true;
    if (value == "0" || value == "false") return false;
    fail("key '" + key + "': expected 0 or 1, got '" + value + "'");
  }
  bool flag(const std::string& key, bool fallback) { return has(key) ? flag(key) : fallback; }

  /// One of `allowed`.
  std::string choice(const std::string& key, std::initializer_list<const char*> allowed) {
    const std::string value = text(key);
    std::string list;
    for (const char* a : allowed) {
      if (value == a) return value;
      list += (list.empty() ? "" : "|") + std::string(a);
    }
    fail("key '" + key + "': expected " + list + ", got '" + value + "'");
  }
  std::string choice(const std::string& key, const std::string& fallback, std::initializer_list<const char*> allowed) {
    return has(key) ? choice(key, allowed) : fallback;
  }

  /// Throws when a key is left that no call above took.
  void finish() const {
    if (values_.empty()) return;
    std::string keys;
    for (const auto& kv : values_) keys += (keys.empty() ? "'" : ", '") + kv.first + "'";
    fail("key" + std::string(values_.size() > 1 ? "s " : " ") + keys + " unknown");
  }

  /// Throws "<what> <message>" through the caller's error type.
  [[noreturn]] void fail(const std::string& message) const {
    fail_(what_ + " " + message);
    std::abort();  // a ThrowError that returns is a bug of its caller
  }

 private:
  double checked_number(const std::string& key, const std::string& value, double minimum, double maximum,
                        bool finite) const {
    double x = 0;
    if (!parse_number(value, x) || (finite && std::isinf(x)))
      fail("key '" + key + "': not a " + (finite ? "finite " : "") + "number: '" + value + "'");
    if (x < minimum || x > maximum)
      fail("key '" + key + "': " + value + " is outside [" + format_number(minimum) + ", " + format_number(maximum) +
           "]");
    return x;
  }

  std::int64_t checked_integer(const std::string& key, const std::string& value, std::int64_t minimum,
                               std::int64_t maximum) const {
    std::int64_t x = 0;
    if (!parse_integer(value, x)) fail("key '" + key + "': not an integer: '" + value + "'");
    if (x < minimum || x > maximum)
      fail("key '" + key + "': expected an integer in " + std::to_string(minimum) + ".." + std::to_string(maximum) +
           ", got '" + value + "'");
    return x;
  }

  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  void add(const std::string& pair) {
    const std::size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) fail_(what_ + ": expected key=value, got \"" + pair + "\"");
    const std::string key = pair.substr(0, eq);
    if (!values_.emplace(key, pair.substr(eq + 1)).second) fail_(what_ + " key '" + key + "' given twice");
  }

  void read_words(const std::string& text) {
    std::size_t i = 0;
    bool first = true;
    while (true) {
      while (i < text.size() && is_space(text[i])) ++i;
      if (i == text.size()) break;
      const std::size_t start = i;
      while (i < text.size() && !is_space(text[i])) ++i;
      std::string word = text.substr(start, i - start);
      if (first && word.find('=') == std::string::npos)
        name_ = std::move(word);
      else
        add(word);
      first = false;
    }
  }

  void read_lines(const std::string& text) {
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::size_t b = start, e = end;
      while (b < e && is_space(text[b])) ++b;
      while (e > b && is_space(text[e - 1])) --e;
      if (b < e) add(text.substr(b, e - b));
      start = end + 1;
    }
  }

  std::string what_;
  ThrowError fail_;
  std::string name_;
  std::map<std::string, std::string> values_;
};

}  // namespace detail
SYMPHONIC_NAMESPACE_END
