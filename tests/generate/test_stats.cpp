#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <symphonic/generate/stats.hpp>

using namespace symphonic::generate;
using symphonic::midi::Note;
using symphonic::midi::NoteList;

namespace {
NoteList notes(const std::vector<int>& pitches, double step = 0.5) {
  NoteList list;
  for (std::size_t i = 0; i < pitches.size(); ++i) {
    Note n;
    n.pitch = pitches[i];
    n.start_s = static_cast<double>(i) * step;
    n.end_s = n.start_s + step;
    list.notes.push_back(n);
  }
  return list;
}
}  // namespace

TEST_SUITE("generate") {

TEST_CASE("stats: pitch-class histogram and total variation distance") {
  const auto c_major = pitch_class_histogram(notes({60, 62, 64, 65, 67, 69, 71, 72}));
  CHECK(c_major[0] == doctest::Approx(0.25));  // C4 and C5
  CHECK(c_major[1] == 0.0);
  CHECK(c_major[11] == doctest::Approx(0.125));
  const auto c_only = pitch_class_histogram(notes({48, 60, 72}));
  CHECK(histogram_distance(c_only, c_only) == 0.0);
  // c_only puts all mass on C; c_major has 0.25 there: distance 0.75
  CHECK(histogram_distance(c_only, c_major) == doctest::Approx(0.75));
  const auto f_sharp = pitch_class_histogram(notes({66}));
  CHECK(histogram_distance(c_only, f_sharp) == doctest::Approx(1.0));
  NoteList with_drums = notes({60, 61});
  with_drums.notes[1].drum = true;
  CHECK(pitch_class_histogram(with_drums)[0] == 1.0);
  PitchClassCounter counter;
  counter.add(notes({60, 60, 60}));
  counter.add(notes({62}));
  CHECK(counter.normalised()[0] == doctest::Approx(0.75));
  CHECK(pitch_class_histogram(NoteList{})[0] == 0.0);
}

TEST_CASE("stats: distinct n-gram ratio") {
  const std::vector<int> loop = {1, 2, 1, 2, 1, 2, 1, 2};
  CHECK(distinct_ngram_ratio(loop, 1) == doctest::Approx(2.0 / 8));
  CHECK(distinct_ngram_ratio(loop, 2) == doctest::Approx(2.0 / 7));
  const std::vector<std::string> fresh = {"a", "b", "c", "d"};
  CHECK(distinct_ngram_ratio(fresh, 3) == 1.0);
  CHECK(distinct_ngram_ratio(fresh, 5) == 0.0);
  CHECK(distinct_ngram_ratio(fresh, 0) == 0.0);
}

TEST_CASE("stats: longest run of one repeated token") {
  CHECK(longest_run(std::vector<int>{}).length == 0);
  const Run r = longest_run(std::vector<int>{5, 5, 3, 3, 3, 3, 5, 5, 5});
  CHECK(r.length == 4);
  CHECK(r.start == 2);
  CHECK(longest_run(std::vector<std::string>{"x"}).length == 1);
  const Run first = longest_run(std::vector<int>{1, 1, 2, 2});
  CHECK(first.start == 0);  // the earlier of two equal runs
}

TEST_CASE("stats: notes per second over the piece's span") {
  CHECK(notes_per_second(notes({60, 62, 64, 65}, 0.5)) == doctest::Approx(2.0));  // 4 in 2 s
  CHECK(notes_per_second(NoteList{}) == 0.0);
  NoteList ticks;
  ticks.ticks_per_quarter = 100;
  Note n;
  n.start_tick = 0;
  n.end_tick = 400;  // 4 quarters = 2 s at 120 bpm
  ticks.notes = {n, n};
  CHECK(notes_per_second(ticks) == doctest::Approx(1.0));
}

namespace {
// A note at `start` quarters lasting `length` quarters, at 480 ticks per quarter.
Note timed(int pitch, double start, double length) {
  Note n;
  n.pitch = pitch;
  n.start_tick = static_cast<std::int64_t>(start * 480);
  n.end_tick = static_cast<std::int64_t>((start + length) * 480);
  n.start_s = start / 2;
  n.end_s = (start + length) / 2;
  return n;
}
NoteList piece_of(const std::vector<Note>& notes) {
  NoteList list;
  list.ticks_per_quarter = 480;
  list.notes = notes;
  return list;
}
}  // namespace

TEST_CASE("stats: rhythm classes and melodic interval classes") {
  CHECK(detail::rhythm_class(1.0) == 6);        // quarter
  CHECK(detail::rhythm_class(0.5) == 3);        // eighth
  CHECK(detail::rhythm_class(1.0 / 3) == 2);    // triplet eighth
  CHECK(detail::rhythm_class(0.97) == 6);       // a quarter played a little short
  CHECK(detail::rhythm_class(100.0) == 12);     // longer than two wholes
  CHECK(detail::rhythm_class(0.01) == 0);
  CHECK(detail::rhythm_class(0.0) == 0);
  CHECK(detail::interval_class(0) == 13);
  CHECK(detail::interval_class(12) == 25);
  CHECK(detail::interval_class(13) == 26);
  CHECK(detail::interval_class(40) == 26);
  CHECK(detail::interval_class(-40) == 0);
}

TEST_CASE("stats: a scale in quarter notes has one rhythm, no entropy, and steps of the top voice") {
  std::vector<Note> notes;
  const int scale[] = {60, 62, 64, 65, 67, 69, 71, 72};
  for (int i = 0; i < 8; ++i) notes.push_back(timed(scale[i], i, 1.0));
  notes.push_back(timed(48, 0, 1.0));  // a bass note under the first: same onset, not the top voice
  Note drum = timed(36, 0.5, 0.25);
  drum.drum = true;
  notes.push_back(drum);
  const MusicStats s = music_stats(piece_of(notes));
  CHECK(s.notes == 10);
  CHECK(s.durations.counts[6] == 9);     // every pitched note a quarter; the drum left out
  CHECK(s.durations.total() == 9);
  CHECK(s.onsets.counts[6] == 7);        // 8 onsets, 7 intervals between them
  CHECK(s.onsets.total() == 7);
  CHECK(s.rhythmic_entropy == 0.0);
  CHECK(s.intervals.counts[detail::interval_class(2)] == 5);  // whole steps
  CHECK(s.intervals.counts[detail::interval_class(1)] == 2);  // E-F and B-C
  CHECK(s.pitch_classes.counts[0] == 3);                      // C4, C5 and the bass C3
}

TEST_CASE("stats: rhythmic entropy of two alternating inter-onset intervals is one bit") {
  std::vector<Note> notes;
  double t = 0;
  for (int i = 0; i < 9; ++i) {
    notes.push_back(timed(60, t, 0.5));
    t += i % 2 ? 0.5 : 1.0;
  }
  const MusicStats s = music_stats(piece_of(notes));
  CHECK(s.onsets.counts[6] == 4);
  CHECK(s.onsets.counts[3] == 4);
  CHECK(s.rhythmic_entropy == doctest::Approx(1.0));
}

TEST_CASE("stats: a 4-bar phrase played twice repeats; rests alone do not count") {
  std::vector<Note> phrase;
  for (int beat = 0; beat < 16; ++beat) phrase.push_back(timed(60 + beat % 5, beat, 1.0));
  std::vector<Note> twice = phrase;
  for (const Note& n : phrase) twice.push_back(timed(n.pitch, n.start_tick / 480.0 + 16, 1.0));
  const MusicStats s = music_stats(piece_of(twice));
  // bars 0-7; 4-bar stretches start at bars 0..4, and the one at 0 comes again at 4
  CHECK(s.repeated_4_bars == doctest::Approx(2.0 / 5));
  CHECK(s.repeated_8_bars == 0.0);  // one 8-bar stretch: nothing to repeat it
  // a phrase, 8 bars of rest, the phrase again: the stretches of rests are not counted
  std::vector<Note> apart = phrase;
  for (const Note& n : phrase) apart.push_back(timed(n.pitch, n.start_tick / 480.0 + 48, 1.0));
  const MusicStats gap = music_stats(piece_of(apart));
  // 16 bars; stretches at 0..12, of which those at 4..8 hold only rests: 8 counted, 2 repeats
  CHECK(gap.repeated_4_bars == doctest::Approx(2.0 / 8));
  CHECK(music_stats(piece_of(phrase)).repeated_4_bars == 0.0);
}

TEST_CASE("stats: a corpus sums histograms and averages the rest; distances to it") {
  std::vector<Note> quarters, eighths;
  for (int i = 0; i < 8; ++i) quarters.push_back(timed(60 + i, i, 1.0));
  for (int i = 0; i < 8; ++i) eighths.push_back(timed(72, i * 0.5, 0.5));
  const MusicStats q = music_stats(piece_of(quarters)), e = music_stats(piece_of(eighths));
  StatsCounter corpus;
  corpus.add(q);
  corpus.add(e);
  corpus.add(music_stats(NoteList{}));  // an empty piece adds nothing to the averages
  const MusicStats all = corpus.result();
  CHECK(all.notes == 16);
  CHECK(all.durations.counts[6] == 8);
  CHECK(all.durations.counts[3] == 8);
  CHECK(all.notes_per_second == doctest::Approx((q.notes_per_second + e.notes_per_second) / 2));
  const StatsDistance self = stats_distance(q, q);
  CHECK(self.durations == 0.0);
  CHECK(self.onsets == 0.0);
  CHECK(self.intervals == 0.0);
  CHECK(self.pitch_classes == 0.0);
  const StatsDistance apart = stats_distance(q, e);
  CHECK(apart.durations == 1.0);
  CHECK(apart.onsets == 1.0);
  CHECK(apart.intervals == 1.0);                                        // steps against repeats
  CHECK(stats_distance(q, all).durations == doctest::Approx(0.5));
  CHECK(histogram_distance(Histogram(3), Histogram(3)) == 0.0);         // both empty
  CHECK(histogram_distance(q.durations, Histogram(13)) == 1.0);          // one empty
}

}  // TEST_SUITE
