// symphonic/music/pitch.hpp - pitch names, pitch classes and a chord's normal order.
//
// The names and the normal order are those of music21 (the library the recipe's tokens came
// from), so symphonic's tokens are the recipe's tokens:
//
//   pitch_name(60) == "C4"        middle C; octave = midi / 12 - 1
//   pitch_name(61) == "C#4"       spelling C C# D E- E F F# G G# A B- B ("-" is a flat)
//   normal_order({0, 4, 7}) == {0, 4, 7};  normal_order({7, 11, 2}) == {7, 11, 2}
//   chord_name(mask of {4, 9}) == "4.9"
//
// Normal order, as music21's Chord.normalOrder computes it: take the sorted pitch-class set and
// its inversion; among all rotations of both, transposed to start on 0, the prime form is the
// one with the smallest span (last minus first), ties broken by the smaller interval from the
// first pitch class to the second, then to the third, and so on (Forte's rule, which is how
// music21's Forte table is built). If a rotation of the set itself is the prime form, the
// normal order has the prime form's intervals; otherwise (the set is the inversion of its prime
// form) it has them in reverse order. The result is that interval pattern transposed to the
// lowest pitch class of the set at which it reproduces the set. This matches music21 5.7.2 on
// all 4095 non-empty sets (tests/data/music/normal_order_music21.tsv); it differs from the
// rotation-only "most packed" normal form of textbooks on 204 sets, e.g. {0,3,4,8} -> 8.0.3.4.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace music {

/// Lowest and highest MIDI key numbers.
constexpr int min_pitch = 0;
constexpr int max_pitch = 127;

namespace detail {

inline const char* const* step_names() {
  static const char* const names[12] = {"C", "C#", "D", "E-", "E", "F",
                                        "F#", "G", "G#", "A", "B-", "B"};
  return names;
}

inline const std::array<std::string, 128>& pitch_name_table() {
  static const std::array<std::string, 128> table = [] {
    std::array<std::string, 128> t;
    for (int midi = 0; midi < 128; ++midi)
      t[static_cast<std::size_t>(midi)] =
          std::string(step_names()[midi % 12]) + std::to_string(midi / 12 - 1);
    return t;
  }();
  return table;
}

// Forte's ordering key of a rotation transposed to 0: span first, then the intervals from the
// first pitch class to the second, third, ... Packed into one integer (4 bits per entry).
inline std::uint64_t forte_key(const int* form, int n) {
  std::uint64_t key = static_cast<std::uint64_t>(form[n - 1]);
  for (int i = 1; i < n - 1; ++i) key = (key << 4) | static_cast<std::uint64_t>(form[i]);
  return key;
}

// Normal order of the pitch-class set `mask` (bit k = pitch class k), written into `out`;
// returns its size. See the comment at the top of this file.
inline int normal_order_of_mask(unsigned mask, int* out) {
  int pcs[12];
  int n = 0;
  for (int pc = 0; pc < 12; ++pc)
    if (mask & (1u << pc)) pcs[n++] = pc;
  if (n <= 1) {
    if (n == 1) out[0] = pcs[0];
    return n;
  }
  int inv[12];
  {
    unsigned inv_mask = 0;
    for (int i = 0; i < n; ++i) inv_mask |= 1u << ((12 - pcs[i]) % 12);
    int m = 0;
    for (int pc = 0; pc < 12; ++pc)
      if (inv_mask & (1u << pc)) inv[m++] = pc;
  }
  // best rotation (transposed to 0) of the set and of its inversion
  int best_own[12], best_inv[12], form[12];
  std::uint64_t key_own = ~std::uint64_t{0}, key_inv = ~std::uint64_t{0};
  for (int side = 0; side < 2; ++side) {
    const int* set = side == 0 ? pcs : inv;
    int* best = side == 0 ? best_own : best_inv;
    std::uint64_t& best_key = side == 0 ? key_own : key_inv;
    for (int r = 0; r < n; ++r) {
      for (int i = 0; i < n; ++i) form[i] = (set[(r + i) % n] - set[r] + 12) % 12;
      const std::uint64_t key = forte_key(form, n);
      if (key < best_key) {
        best_key = key;
        for (int i = 0; i < n; ++i) best[i] = form[i];
      }
    }
  }
  // key_own <= key_inv: the set holds its prime form (the key fixes the form uniquely)
  int pattern[12];
  if (key_own <= key_inv) {
    for (int i = 0; i < n; ++i) pattern[i] = best_own[i];
  } else {  // the set is the inversion of the prime form: intervals in reverse order
    pattern[0] = 0;
    for (int i = 1; i < n; ++i) pattern[i] = pattern[i - 1] + (best_inv[n - i] - best_inv[n - i - 1]);
  }
  for (int i = 0; i < n; ++i) {
    const int t = pcs[i];
    unsigned got = 0;
    for (int j = 0; j < n; ++j) got |= 1u << ((pattern[j] + t) % 12);
    if (got == mask) {
      for (int j = 0; j < n; ++j) out[j] = (pattern[j] + t) % 12;
      return n;
    }
  }
  SYMPHONIC_ASSERT(false);  // unreachable: t = the first pitch class of the best rotation works
  return 0;
}

struct ChordNames {
  std::array<std::string, 4096> names;
};

inline const ChordNames& chord_name_table() {
  static const ChordNames table = [] {
    ChordNames t;
    int out[12];
    for (unsigned mask = 1; mask < 4096; ++mask) {
      const int n = normal_order_of_mask(mask, out);
      std::string& s = t.names[mask];
      for (int i = 0; i < n; ++i) {
        if (i) s += '.';
        s += std::to_string(out[i]);
      }
    }
    return t;
  }();
  return table;
}

}  // namespace detail

/// Pitch class 0..11 of a MIDI key number (C = 0).
inline int pitch_class(int midi) { return ((midi % 12) + 12) % 12; }

/// music21's name of a MIDI key number: "C4" for 60, "C#4" for 61, "E-4" for 63, "C-1" for 0.
/// Throws VocabularyError outside 0..127.
inline const std::string& pitch_name(int midi) {
  if (midi < min_pitch || midi > max_pitch)
    SYMPHONIC_THROW(VocabularyError("pitch " + std::to_string(midi) + " is outside 0..127"));
  return detail::pitch_name_table()[static_cast<std::size_t>(midi)];
}

/// Parses a pitch name back to a MIDI key number. Accepts the names pitch_name() writes and
/// music21's general form: a letter A-G (either case), any number of '#' (sharp) or '-' (flat),
/// and an octave (an integer, possibly negative). Names spelled by pitch_name() are looked up
/// first, so "C-1" is 0 (C in octave -1), not C-flat in octave 1; the two names that
/// pitch_name() gives twice, "E-1" (4 and 27) and "B-1" (11 and 34), read as music21 reads them:
/// E-flat 1 = 27 and B-flat 1 = 34. Throws VocabularyError for anything else or a result
/// outside 0..127.
inline int parse_pitch(const std::string& name) {
  const auto fail = [&](const char* why) {
    SYMPHONIC_THROW(VocabularyError("not a pitch name: \"" + name + "\" (" + why + ")"));
  };
  if (name == "E-1") return 27;
  if (name == "B-1") return 34;
  // fast path: the table (names are short; a linear scan over one octave's steps suffices)
  if (name.size() >= 2 && name.size() <= 5) {
    const auto& table = detail::pitch_name_table();
    for (int midi = 0; midi < 128; ++midi)
      if (table[static_cast<std::size_t>(midi)] == name) return midi;
  }
  if (name.empty()) fail("empty");
  static const int letter_pc[7] = {9, 11, 0, 2, 4, 5, 7};  // A B C D E F G
  char letter = name[0];
  if (letter >= 'a' && letter <= 'g') letter = static_cast<char>(letter - 'a' + 'A');
  if (letter < 'A' || letter > 'G') fail("expected a letter A-G first");
  int pc = letter_pc[letter - 'A'];
  std::size_t i = 1;
  int alter = 0;
  while (i < name.size() && (name[i] == '#' || name[i] == '-')) {
    // a '-' directly followed by the octave's digits and then the end may be a minus sign;
    // music21 reads it as a flat, and so do we (only the table names are special)
    alter += name[i] == '#' ? 1 : -1;
    ++i;
  }
  if (i >= name.size()) fail("expected an octave number");
  bool negative = false;
  if (name[i] == '-') {
    negative = true;
    ++i;
  }
  if (i >= name.size() || name.size() - i > 3) fail("expected an octave number");
  int octave = 0;
  for (; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') fail("expected an octave number");
    octave = octave * 10 + (name[i] - '0');
  }
  if (negative) octave = -octave;
  const int midi = (octave + 1) * 12 + pc + alter;
  if (midi < min_pitch || midi > max_pitch) fail("outside MIDI 0..127");
  return midi;
}

/// The normal order of a set of pitch classes, as music21's Chord.normalOrder gives it.
/// Duplicates are ignored and values are taken modulo 12 (so MIDI numbers work too); an empty
/// input gives an empty result.
inline std::vector<int> normal_order(std::vector<int> pitch_classes) {
  unsigned mask = 0;
  for (int p : pitch_classes) mask |= 1u << pitch_class(p);
  int out[12];
  const int n = detail::normal_order_of_mask(mask, out);
  return std::vector<int>(out, out + n);
}

/// A chord's token: its normal order joined by dots ("0.4.7"; "7" for octaves of one class).
/// `mask` has bit k set for pitch class k; 0 gives an empty string. O(1): a table built once.
inline const std::string& chord_name(unsigned mask) {
  return detail::chord_name_table().names[mask & 0xFFFu];
}

/// The chord token of a set of pitch classes or MIDI numbers (see chord_name(unsigned)).
inline const std::string& chord_name(const std::vector<int>& pitches) {
  unsigned mask = 0;
  for (int p : pitches) mask |= 1u << pitch_class(p);
  return chord_name(mask);
}

/// Parses a chord token ("0.4.7", "11.2.5", "7") into its pitch classes in the token's order.
/// Throws VocabularyError unless it is dot-separated integers 0..11 with no repeats.
inline std::vector<int> parse_chord(const std::string& token) {
  std::vector<int> pcs;
  unsigned seen = 0;
  std::size_t i = 0;
  const auto fail = [&](const char* why) {
    SYMPHONIC_THROW(VocabularyError("not a chord token: \"" + token + "\" (" + why + ")"));
  };
  if (token.empty()) fail("empty");
  while (i <= token.size()) {
    int value = 0, digits = 0;
    while (i < token.size() && token[i] >= '0' && token[i] <= '9' && digits < 3) {
      value = value * 10 + (token[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || value > 11) fail("expected a pitch class 0..11");
    if (seen & (1u << value)) fail("repeated pitch class");
    seen |= 1u << value;
    pcs.push_back(value);
    if (i == token.size()) break;
    if (token[i] != '.') fail("expected '.'");
    ++i;
  }
  return pcs;
}

}  // namespace music
SYMPHONIC_NAMESPACE_END
