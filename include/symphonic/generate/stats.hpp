// symphonic/generate/stats.hpp - simple statistics to judge generated music against a corpus.
//
//   pitch_class_histogram   share of notes on each of the 12 pitch classes (C = 0 ... B = 11)
//   histogram_distance      total variation distance between two histograms, 0 (same) .. 1
//   distinct_ngram_ratio    distinct n-grams / all n-grams of a token sequence (1 = no repeats;
//                           near 0 = a loop)
//   longest_run             the longest stretch of one token repeated back to back (the recipe's
//                           "loops on one note" failure shows up here)
//   notes_per_second        note density over the piece's span
// Everything works on plain token sequences (strings or ids) and midi::NoteList, so it needs
// neither a model nor a vocabulary.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <set>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/midi/note.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

using PitchClassHistogram = std::array<double, 12>;

/// Shares of notes per pitch class (each note counts once; drums are skipped). All zeros for an
/// empty list.
inline PitchClassHistogram pitch_class_histogram(const midi::NoteList& list) {
  PitchClassHistogram h{};
  double total = 0;
  for (const midi::Note& n : list.notes) {
    if (n.drum) continue;
    h[static_cast<std::size_t>(((n.pitch % 12) + 12) % 12)] += 1.0;
    total += 1.0;
  }
  if (total > 0)
    for (double& v : h) v /= total;
  return h;
}

/// Adds `other` weighted by its note count into a running corpus histogram (counts, not shares);
/// normalise() the result when done.
struct PitchClassCounter {
  std::array<double, 12> counts{};
  void add(const midi::NoteList& list) {
    for (const midi::Note& n : list.notes)
      if (!n.drum) counts[static_cast<std::size_t>(((n.pitch % 12) + 12) % 12)] += 1.0;
  }
  PitchClassHistogram normalised() const {
    PitchClassHistogram h = counts;
    double total = 0;
    for (double v : h) total += v;
    if (total > 0)
      for (double& v : h) v /= total;
    return h;
  }
};

/// Total variation distance: half the L1 distance between the two (normalised) histograms.
inline double histogram_distance(const PitchClassHistogram& a, const PitchClassHistogram& b) {
  double d = 0;
  for (std::size_t i = 0; i < 12; ++i) d += std::fabs(a[i] - b[i]);
  return d / 2;
}

/// Distinct n-grams over all n-grams (n >= 1). 0 when the sequence is shorter than n.
template <class Token>
double distinct_ngram_ratio(const std::vector<Token>& tokens, std::size_t n) {
  if (n == 0 || tokens.size() < n) return 0.0;
  std::set<std::vector<Token>> seen;
  const std::size_t count = tokens.size() - n + 1;
  for (std::size_t i = 0; i < count; ++i)
    seen.emplace(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                 tokens.begin() + static_cast<std::ptrdiff_t>(i + n));
  return static_cast<double>(seen.size()) / static_cast<double>(count);
}

/// The longest run of one token repeated back to back: its length and where it starts.
struct Run {
  std::size_t length = 0;
  std::size_t start = 0;
};

template <class Token>
Run longest_run(const std::vector<Token>& tokens) {
  Run best;
  std::size_t i = 0;
  while (i < tokens.size()) {
    std::size_t j = i + 1;
    while (j < tokens.size() && tokens[j] == tokens[i]) ++j;
    if (j - i > best.length) best = {j - i, i};
    i = j;
  }
  return best;
}

/// Notes per second between the first onset and the last release; 0 for fewer than one note or
/// a zero span. Uses start_s/end_s when present, else ticks at 120 bpm.
inline double notes_per_second(const midi::NoteList& list) {
  if (list.notes.empty()) return 0.0;
  bool seconds = false;
  for (const midi::Note& n : list.notes)
    if (n.end_s > 0.0) seconds = true;
  const double per_tick = 0.5 / (list.ticks_per_quarter > 0 ? list.ticks_per_quarter : 480);
  double first = INFINITY, last = -INFINITY;
  for (const midi::Note& n : list.notes) {
    const double s = seconds ? n.start_s : static_cast<double>(n.start_tick) * per_tick;
    const double e = seconds ? n.end_s : static_cast<double>(n.end_tick) * per_tick;
    first = std::min(first, s);
    last = std::max(last, std::max(s, e));
  }
  const double span = last - first;
  return span > 0 ? static_cast<double>(list.notes.size()) / span : 0.0;
}

}  // namespace generate
SYMPHONIC_NAMESPACE_END
