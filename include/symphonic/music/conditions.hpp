// symphonic/music/conditions.hpp - control tokens for a piece's key, note density and tempo, so
// that a model learns them at training time and a user sets them at generation.
//
// An encoder with the option condition=key,density,tempo (any of the three, in that order) puts a
// block of control tokens before a piece's first token (after <begin>) and again after every
// `condition_every` tokens (default 32), so every training window of that length or more sees
// the piece's controls however far into it the window starts:
//
//   <begin> <key:G> <density:4> C4 d:6 ... (32 tokens) <key:G> <density:4> ... <end>
//
//   key      "<key:G>" for G major, "<key:Em>" for E minor (sharps: C C# D D# E F F# G G# A A# B):
//            the Krumhansl-Kessler key profile that correlates best (Pearson) with the piece's
//            pitch-class histogram weighted by duration (drums left out). Ties go to the first of
//            C, C#, ..., B major, then C minor ... B minor.
//   density  "<density:N>": notes per second over the piece's span, rounded, 0..16 (16 = 16 or more).
//   tempo    "<tempo:N>": the piece's average tempo in beats per minute (quarter notes over the
//            seconds its notes span), rounded to a multiple of 10 in 40..240; 120 when unknown.
//
// decode() skips control tokens as it skips markers. At generation the controls are fed, never
// sampled (generate/conditions.hpp): the user's values, or the model's own likeliest ones.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/midi/note.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace music {

/// The kinds of control token, in block order.
enum class Condition { key, density, tempo };

/// Which controls an encoder writes, and how often.
struct Conditions {
  bool key = false;
  bool density = false;
  bool tempo = false;
  int every = 32;  ///< tokens between two control blocks (1..100000)

  bool any() const { return key || density || tempo; }
  /// The kinds switched on, in block order.
  std::vector<Condition> kinds() const {
    std::vector<Condition> k;
    if (key) k.push_back(Condition::key);
    if (density) k.push_back(Condition::density);
    if (tempo) k.push_back(Condition::tempo);
    return k;
  }
  /// "key,density,tempo" (the switched-on ones), "" when none.
  std::string list() const {
    std::string s;
    for (Condition c : kinds()) s += (s.empty() ? "" : ",") + name(c);
    return s;
  }
  static std::string name(Condition c) {
    return c == Condition::key ? "key" : c == Condition::density ? "density" : "tempo";
  }
  /// The options-text words of these conditions (" condition=... condition_every=N"), "" when none.
  std::string options_text() const {
    return any() ? " condition=" + list() + " condition_every=" + std::to_string(every) : "";
  }
};

namespace detail {

inline const std::array<const char*, 12>& sharp_names() {
  static const std::array<const char*, 12> names = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
  return names;
}

/// Parses "key,density" into `out`; false on an unknown or repeated name or an empty item.
inline bool parse_condition_list(const std::string& text, Conditions& out) {
  std::size_t from = 0;
  while (from <= text.size()) {
    const std::size_t comma = std::min(text.find(',', from), text.size());
    const std::string item = text.substr(from, comma - from);
    bool* flag = item == "key" ? &out.key : item == "density" ? &out.density : item == "tempo" ? &out.tempo : nullptr;
    if (!flag || *flag) return false;
    *flag = true;
    from = comma + 1;
  }
  return true;
}

}  // namespace detail

/// Key 0..23 (0..11: C..B major, 12..23: C..B minor) of the notes, -1 when no pitched note has
/// a length. Duration-weighted pitch-class histogram against the Krumhansl-Kessler profiles.
inline int estimate_key(const midi::NoteList& notes) {
  static const double major[12] = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
  static const double minor[12] = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17};
  double histogram[12] = {};
  double total = 0;
  const bool seconds = std::any_of(notes.notes.begin(), notes.notes.end(), [](const midi::Note& n) { return n.end_s > 0; });
  for (const midi::Note& n : notes.notes) {
    if (n.drum) continue;
    const double length = seconds ? n.end_s - n.start_s : static_cast<double>(n.end_tick - n.start_tick);
    if (!(length > 0)) continue;
    histogram[((n.pitch % 12) + 12) % 12] += length;
    total += length;
  }
  if (!(total > 0)) return -1;
  // Pearson correlation of the histogram with the profile rotated to each tonic
  const auto correlation = [&](const double* profile, int tonic) {
    double mx = 0, my = 0;
    for (int i = 0; i < 12; ++i) {
      mx += histogram[i];
      my += profile[i];
    }
    mx /= 12;
    my /= 12;
    double sxy = 0, sxx = 0, syy = 0;
    for (int pc = 0; pc < 12; ++pc) {
      const double x = histogram[pc] - mx, y = profile[(pc - tonic + 12) % 12] - my;
      sxy += x * y;
      sxx += x * x;
      syy += y * y;
    }
    return sxx > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
  };
  int best = 0;
  double best_r = -2;
  for (int k = 0; k < 24; ++k) {
    const double r = correlation(k < 12 ? major : minor, k % 12);
    if (r > best_r) {
      best_r = r;
      best = k;
    }
  }
  return best;
}

/// "<key:G>" or "<key:Em>" for key 0..23 (estimate_key's numbering).
inline std::string key_token(int key) {
  return std::string("<key:") + detail::sharp_names()[static_cast<std::size_t>(key % 12)] + (key >= 12 ? "m" : "") + ">";
}

/// The key 0..23 a user names: a letter A-G, an optional '#' or 'b', an optional 'm' (minor),
/// e.g. "G", "F#m", "Bb"; -1 when it is none.
inline int parse_key(const std::string& text) {
  static const int natural[7] = {9, 11, 0, 2, 4, 5, 7};  // A B C D E F G
  if (text.empty() || text[0] < 'A' || text[0] > 'G') return -1;
  int pc = natural[text[0] - 'A'];
  std::size_t i = 1;
  if (i < text.size() && (text[i] == '#' || text[i] == 'b')) pc = (pc + (text[i++] == '#' ? 1 : 11)) % 12;
  bool minor = false;
  if (i < text.size() && text[i] == 'm') {
    minor = true;
    ++i;
  }
  return i == text.size() ? pc + (minor ? 12 : 0) : -1;
}

/// Seconds from the first onset to the last release, in seconds when the notes carry them, else
/// in ticks at 120 bpm.
inline double span_seconds(const midi::NoteList& notes) {
  const bool seconds = std::any_of(notes.notes.begin(), notes.notes.end(), [](const midi::Note& n) { return n.end_s > 0; });
  const double per_tick = 0.5 / (notes.ticks_per_quarter > 0 ? notes.ticks_per_quarter : 480);
  double first = INFINITY, last = -INFINITY;
  for (const midi::Note& n : notes.notes) {
    first = std::min(first, seconds ? n.start_s : static_cast<double>(n.start_tick) * per_tick);
    last = std::max(last, seconds ? n.end_s : static_cast<double>(n.end_tick) * per_tick);
  }
  return notes.notes.empty() ? 0.0 : std::max(0.0, last - first);
}

/// The density level 0..16 of the notes: notes per second, rounded (drums left out).
inline int estimate_density(const midi::NoteList& notes) {
  midi::NoteList pitched;
  pitched.ticks_per_quarter = notes.ticks_per_quarter;
  for (const midi::Note& n : notes.notes)
    if (!n.drum) pitched.notes.push_back(n);
  const double span = span_seconds(pitched);
  if (!(span > 0)) return 0;
  return static_cast<int>(std::min(16.0, std::round(static_cast<double>(pitched.notes.size()) / span)));
}

/// The tempo level of `bpm`: the nearest multiple of 10 in 40..240.
inline int tempo_level(double bpm) { return static_cast<int>(std::min(240.0, std::max(40.0, 10.0 * std::round(bpm / 10.0)))); }

/// The tempo level of the notes in bpm: quarter notes between the first and last onset over their
/// seconds, rounded to a multiple of 10 in 40..240; 120 when the notes carry no seconds or span
/// no time.
inline int estimate_tempo(const midi::NoteList& notes) {
  if (notes.notes.empty() || notes.ticks_per_quarter <= 0) return 120;
  const auto by_start = std::minmax_element(notes.notes.begin(), notes.notes.end(), [](const midi::Note& a, const midi::Note& b) {
    return a.start_tick < b.start_tick;
  });
  const double quarters = static_cast<double>(by_start.second->start_tick - by_start.first->start_tick) / notes.ticks_per_quarter;
  const double seconds = by_start.second->start_s - by_start.first->start_s;
  if (!(quarters > 0) || !(seconds > 0)) return 120;
  return tempo_level(60.0 * quarters / seconds);
}

inline std::string density_token(int level) { return "<density:" + std::to_string(level) + ">"; }
inline std::string tempo_token(int bpm) { return "<tempo:" + std::to_string(bpm) + ">"; }

/// Every control token of one kind, in a fixed order.
inline std::vector<std::string> condition_tokens(Condition kind) {
  std::vector<std::string> t;
  if (kind == Condition::key)
    for (int k = 0; k < 24; ++k) t.push_back(key_token(k));
  if (kind == Condition::density)
    for (int d = 0; d <= 16; ++d) t.push_back(density_token(d));
  if (kind == Condition::tempo)
    for (int bpm = 40; bpm <= 240; bpm += 10) t.push_back(tempo_token(bpm));
  return t;
}

/// The kind of a control token; false for any other token.
inline bool condition_of(const std::string& token, Condition& kind) {
  const auto starts = [&](const char* prefix) { return token.compare(0, std::char_traits<char>::length(prefix), prefix) == 0; };
  if (token.size() < 3 || token.back() != '>') return false;
  if (starts("<key:")) kind = Condition::key;
  else if (starts("<density:")) kind = Condition::density;
  else if (starts("<tempo:")) kind = Condition::tempo;
  else return false;
  return true;
}
inline bool is_condition_token(const std::string& token) {
  Condition kind;
  return condition_of(token, kind);
}

/// The control block of a piece: one token per switched-on kind, in block order.
inline std::vector<std::string> condition_block(const midi::NoteList& notes, const Conditions& conditions) {
  std::vector<std::string> block;
  if (conditions.key) {
    const int key = estimate_key(notes);
    block.push_back(key_token(key < 0 ? 0 : key));
  }
  if (conditions.density) block.push_back(density_token(estimate_density(notes)));
  if (conditions.tempo) block.push_back(tempo_token(estimate_tempo(notes)));
  return block;
}

/// `tokens` with `block` before its first token that is not <begin> and again after every
/// conditions.every tokens that follow (markers are not counted; no block right before <end>).
inline std::vector<std::string> with_conditions(const std::vector<std::string>& tokens, const std::vector<std::string>& block,
                                                int every, const std::string& begin, const std::string& end) {
  std::vector<std::string> out;
  out.reserve(tokens.size() + block.size() * (tokens.size() / static_cast<std::size_t>(std::max(every, 1)) + 1));
  std::size_t i = 0;
  if (i < tokens.size() && tokens[i] == begin) out.push_back(tokens[i++]);
  out.insert(out.end(), block.begin(), block.end());
  int since = 0;
  for (; i < tokens.size(); ++i) {
    if (since == every && tokens[i] != end) {
      out.insert(out.end(), block.begin(), block.end());
      since = 0;
    }
    out.push_back(tokens[i]);
    ++since;
  }
  return out;
}

}  // namespace music
SYMPHONIC_NAMESPACE_END
