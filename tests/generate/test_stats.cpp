#include <doctest/doctest.h>

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

}  // TEST_SUITE
