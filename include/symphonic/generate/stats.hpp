// symphonic/generate/stats.hpp - statistics to judge generated music against a corpus.
//
//   pitch_class_histogram   share of notes on each of the 12 pitch classes (C = 0 ... B = 11)
//   histogram_distance      total variation distance between two histograms, 0 (same) .. 1
//   distinct_ngram_ratio    distinct n-grams / all n-grams of a token sequence (1 = no repeats;
//                           near 0 = a loop)
//   longest_run             the longest stretch of one token repeated back to back (the recipe's
//                           "loops on one note" failure shows up here)
//   notes_per_second        note density over the piece's span
//   music_stats             of one piece: histograms of note durations, inter-onset intervals,
//                           melodic intervals and pitch classes; rhythmic entropy; the share of
//                           4- and 8-bar stretches that repeat; notes per second. StatsCounter
//                           sums them over a corpus, stats_distance compares a piece with it.
// Everything works on plain token sequences (strings or ids) and midi::NoteList, so it needs
// neither a model nor a vocabulary.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/midi/note.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

using PitchClassHistogram = std::array<double, 12>;

namespace detail {
// 0 (C) .. 11 (B), for any key number
inline std::size_t pitch_class(int pitch) { return static_cast<std::size_t>(((pitch % 12) + 12) % 12); }
}  // namespace detail

/// Shares of notes per pitch class (each note counts once; drums are skipped). All zeros for an
/// empty list.
inline PitchClassHistogram pitch_class_histogram(const midi::NoteList& list) {
  PitchClassHistogram h{};
  double total = 0;
  for (const midi::Note& n : list.notes) {
    if (n.drum) continue;
    h[detail::pitch_class(n.pitch)] += 1.0;
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
      if (!n.drum) counts[detail::pitch_class(n.pitch)] += 1.0;
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

/// A histogram over fixed classes: counts, and shares on demand.
struct Histogram {
  std::vector<double> counts;
  explicit Histogram(std::size_t classes = 0) : counts(classes, 0.0) {}
  double total() const {
    double t = 0;
    for (double c : counts) t += c;
    return t;
  }
  /// Counts over their total; all zeros when empty.
  std::vector<double> shares() const {
    std::vector<double> out = counts;
    const double t = total();
    if (t > 0)
      for (double& v : out) v /= t;
    return out;
  }
  void add(const Histogram& other) {
    for (std::size_t i = 0; i < counts.size() && i < other.counts.size(); ++i) counts[i] += other.counts[i];
  }
};

/// Total variation distance of two histograms' shares, 0 (same) .. 1 (disjoint); 1 when one of
/// them is empty and the other not, 0 when both are.
inline double histogram_distance(const Histogram& a, const Histogram& b) {
  const double ta = a.total(), tb = b.total();
  if (ta == 0 || tb == 0) return ta == tb ? 0.0 : 1.0;
  double d = 0;
  for (std::size_t i = 0; i < a.counts.size() && i < b.counts.size(); ++i) d += std::fabs(a.counts[i] / ta - b.counts[i] / tb);
  return d / 2;
}

namespace detail {

// Rhythm classes, in quarter notes: 32nd, 16th, triplet eighth, eighth, triplet quarter, dotted
// eighth, quarter, dotted quarter, half, dotted half, whole, dotted whole, two wholes. A length
// goes to the class nearest on a log scale (longer ones to the last, shorter to the first).
constexpr std::array<double, 13> rhythm_classes = {0.125, 0.25, 1.0 / 3, 0.5, 2.0 / 3, 0.75, 1.0,
                                                   1.5,   2.0,  3.0,     4.0, 6.0,     8.0};
inline std::size_t rhythm_class(double quarters) {
  if (!(quarters > 0)) return 0;
  std::size_t best = 0;
  double best_gap = INFINITY;
  for (std::size_t k = 0; k < rhythm_classes.size(); ++k) {
    const double gap = std::fabs(std::log(quarters / rhythm_classes[k]));
    if (gap < best_gap) {
      best_gap = gap;
      best = k;
    }
  }
  return best;
}

// Melodic intervals in semitones, -12..+12, with one class each for leaps beyond an octave down
// and up: 27 classes, class 13 is the repeated note.
constexpr int interval_reach = 12;
inline std::size_t interval_class(int semitones) {
  const int clamped = std::max(-interval_reach - 1, std::min(interval_reach + 1, semitones));
  return static_cast<std::size_t>(clamped + interval_reach + 1);
}

// Shannon entropy in bits of a histogram's shares.
inline double entropy_bits(const Histogram& h) {
  double e = 0;
  for (double p : h.shares())
    if (p > 0) e -= p * std::log2(p);
  return e;
}

}  // namespace detail

/// Statistics of one piece (or, summed by StatsCounter, of a corpus). Drums are left out of
/// everything but notes and notes_per_second.
struct MusicStats {
  std::size_t notes = 0;
  Histogram durations{detail::rhythm_classes.size()};    ///< note lengths, in rhythm classes
  Histogram onsets{detail::rhythm_classes.size()};       ///< inter-onset intervals (a chord is one onset)
  Histogram intervals{2 * detail::interval_reach + 3};   ///< steps of the top voice, -13..13 semitones
  Histogram pitch_classes{12};                           ///< C = 0 ... B = 11
  /// Entropy in bits of the inter-onset intervals: 0 when every onset is the same distance from
  /// the last (a piece all in quarter notes), up to log2(13).
  double rhythmic_entropy = 0;
  /// Share of the piece's 4-bar (8-bar) stretches whose notes, by onset (16th grid, within the
  /// bar) and pitch, also occur at another place in the piece; bars are 4 quarters, stretches of
  /// rests alone are not counted.
  double repeated_4_bars = 0;
  double repeated_8_bars = 0;
  double notes_per_second = 0;
};

namespace detail {

// Of `bars` (each a sorted list of (16th within the bar, pitch)), the share of k-bar stretches
// that occur again elsewhere in the piece, leaving out stretches without a note.
inline double repeated_share(const std::vector<std::vector<std::pair<int, int>>>& bars, std::size_t k) {
  if (bars.size() < k || k == 0) return 0.0;
  std::map<std::vector<std::pair<int, int>>, std::size_t> seen;  // stretch (bars joined, -1 between) -> count
  std::vector<std::vector<std::pair<int, int>>> stretches;
  for (std::size_t b = 0; b + k <= bars.size(); ++b) {
    std::vector<std::pair<int, int>> stretch;
    bool any = false;
    for (std::size_t j = b; j < b + k; ++j) {
      any = any || !bars[j].empty();
      stretch.insert(stretch.end(), bars[j].begin(), bars[j].end());
      stretch.emplace_back(-1, -1);
    }
    if (!any) continue;
    ++seen[stretch];
    stretches.push_back(std::move(stretch));
  }
  if (stretches.empty()) return 0.0;
  std::size_t repeated = 0;
  for (const auto& stretch : stretches) repeated += seen[stretch] > 1;
  return static_cast<double>(repeated) / static_cast<double>(stretches.size());
}

}  // namespace detail

/// The statistics of one piece. Lengths are measured in quarter notes from the ticks (the
/// list's ticks_per_quarter); a list made in seconds (ticks_per_quarter <= 0, or every tick 0)
/// is read at 120 bpm.
inline MusicStats music_stats(const midi::NoteList& list) {
  MusicStats s;
  s.notes = list.notes.size();
  s.notes_per_second = notes_per_second(list);
  bool ticks = list.ticks_per_quarter > 0;
  if (ticks) {
    bool any = false;
    for (const midi::Note& n : list.notes) any = any || n.end_tick != 0 || n.start_tick != 0;
    ticks = any || list.notes.empty();
  }
  const auto quarters = [&](const midi::Note& n, bool end) {
    return ticks ? static_cast<double>(end ? n.end_tick : n.start_tick) / list.ticks_per_quarter
                 : (end ? n.end_s : n.start_s) * 2.0;  // 120 bpm
  };
  // onsets of pitched notes, with the highest pitch at each: the top voice
  std::vector<std::pair<double, int>> onset_top;
  std::vector<const midi::Note*> pitched;
  for (const midi::Note& n : list.notes)
    if (!n.drum) pitched.push_back(&n);
  std::stable_sort(pitched.begin(), pitched.end(), [&](const midi::Note* a, const midi::Note* b) {
    return quarters(*a, false) < quarters(*b, false);
  });
  std::vector<std::vector<std::pair<int, int>>> bars;
  for (const midi::Note* n : pitched) {
    const double start = quarters(*n, false), end = quarters(*n, true);
    s.durations.counts[detail::rhythm_class(end - start)] += 1;
    s.pitch_classes.counts[detail::pitch_class(n->pitch)] += 1;
    if (onset_top.empty() || start - onset_top.back().first > 1e-9)
      onset_top.emplace_back(start, n->pitch);
    else
      onset_top.back().second = std::max(onset_top.back().second, n->pitch);
    const double sixteenths = std::floor(start * 4.0 + 0.5);
    const auto bar = static_cast<std::size_t>(std::max(0.0, std::floor(sixteenths / 16.0)));
    if (bar < (std::size_t{1} << 16)) {  // past 65,536 bars (36 hours at 120 bpm): not a pattern worth a table
      if (bars.size() <= bar) bars.resize(bar + 1);
      bars[bar].emplace_back(static_cast<int>(sixteenths - 16.0 * static_cast<double>(bar)), n->pitch);
    }
  }
  for (std::size_t i = 1; i < onset_top.size(); ++i) {
    s.onsets.counts[detail::rhythm_class(onset_top[i].first - onset_top[i - 1].first)] += 1;
    s.intervals.counts[detail::interval_class(onset_top[i].second - onset_top[i - 1].second)] += 1;
  }
  for (auto& bar : bars) std::sort(bar.begin(), bar.end());
  s.rhythmic_entropy = detail::entropy_bits(s.onsets);
  s.repeated_4_bars = detail::repeated_share(bars, 4);
  s.repeated_8_bars = detail::repeated_share(bars, 8);
  return s;
}

/// A corpus's statistics: histogram counts summed over its pieces, the other figures averaged
/// over the pieces that have notes.
struct StatsCounter {
  MusicStats sum;
  std::size_t pieces = 0;
  void add(const MusicStats& piece) {
    sum.notes += piece.notes;
    sum.durations.add(piece.durations);
    sum.onsets.add(piece.onsets);
    sum.intervals.add(piece.intervals);
    sum.pitch_classes.add(piece.pitch_classes);
    if (piece.notes == 0) return;
    ++pieces;
    sum.rhythmic_entropy += piece.rhythmic_entropy;
    sum.repeated_4_bars += piece.repeated_4_bars;
    sum.repeated_8_bars += piece.repeated_8_bars;
    sum.notes_per_second += piece.notes_per_second;
  }
  /// The summed histograms with the averaged figures.
  MusicStats result() const {
    MusicStats r = sum;
    const double n = pieces ? static_cast<double>(pieces) : 1.0;
    r.rhythmic_entropy /= n;
    r.repeated_4_bars /= n;
    r.repeated_8_bars /= n;
    r.notes_per_second /= n;
    return r;
  }
};

/// How far a piece's histograms are from a reference's (total variation distance each).
struct StatsDistance {
  double durations = 0, onsets = 0, intervals = 0, pitch_classes = 0;
};

inline StatsDistance stats_distance(const MusicStats& piece, const MusicStats& reference) {
  return {histogram_distance(piece.durations, reference.durations), histogram_distance(piece.onsets, reference.onsets),
          histogram_distance(piece.intervals, reference.intervals),
          histogram_distance(piece.pitch_classes, reference.pitch_classes)};
}

}  // namespace generate
SYMPHONIC_NAMESPACE_END
