// data/: windows, the split by piece, batches (time-major), transposition.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "symphonic/data/batch.hpp"
#include "symphonic/data/dataset.hpp"
#include "symphonic/midi/file.hpp"

using namespace symphonic;

namespace {
data::Piece piece(const std::string& name, int first, int size) {
  data::Piece p;
  p.name = name;
  for (int i = 0; i < size; ++i) p.ids.push_back(first + i);
  return p;
}
}  // namespace

TEST_SUITE("data") {

TEST_CASE("windows: counts worked by hand") {
  // L = 10, T = 3: starts 0..6 (the target needs index start + 3 <= 9) -> 7 windows
  CHECK(data::window_count(10, {3, 1, data::Target::next_token}) == 7);
  CHECK(data::window_count(10, {3, 2, data::Target::next_token}) == 4);  // 0 2 4 6
  CHECK(data::window_count(10, {3, 3, data::Target::shifted}) == 3);     // 0 3 6
  CHECK(data::window_count(3, {3, 1, data::Target::next_token}) == 0);   // no target left
  CHECK(data::window_count(4, {3, 1, data::Target::next_token}) == 1);
  CHECK(data::window_count(0, {1, 1, data::Target::next_token}) == 0);
  // the recipe: range(0, len(notes) - 100) windows of 100
  CHECK(data::window_count(27890, {100, 1, data::Target::next_token}) == 27790);
  CHECK_THROWS_AS(data::window_count(10, {0, 1, data::Target::next_token}), Error);
  CHECK_THROWS_AS(data::window_count(10, {3, 0, data::Target::next_token}), Error);
}

TEST_CASE("batcher: next-token batches are time-major and hold the right ids") {
  const std::vector<data::Piece> pieces = {piece("a", 0, 10), piece("b", 100, 5), piece("c", 200, 2)};
  data::Batcher batcher(pieces, {3, 1, data::Target::next_token}, 4, 42, /*shuffle*/ false);
  CHECK(batcher.window_count() == 7 + 2 + 0);
  CHECK(batcher.batch_count() == 3);
  data::Batch batch;
  std::vector<std::int32_t> starts;
  int batches = 0;
  while (batcher.next(batch)) {
    ++batches;
    CHECK(batch.inputs.cols() == 3);
    CHECK(batch.targets.cols() == 1);
    CHECK(batch.targets.rows() == batch.inputs.rows());
    for (Eigen::Index b = 0; b < batch.inputs.rows(); ++b) {
      // consecutive ids inside a piece: step t is first + t, target is first + 3
      const std::int32_t first = batch.inputs(b, 0);
      for (Eigen::Index t = 0; t < 3; ++t) CHECK(batch.inputs(b, t) == first + t);
      CHECK(batch.targets(b, 0) == first + 3);
      starts.push_back(first);
    }
  }
  CHECK(batches == 3);
  CHECK(batch.inputs.rows() == 1);  // last partial batch: 9 = 4 + 4 + 1
  CHECK(starts == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 100, 101});
  CHECK_FALSE(batcher.next(batch));
}

TEST_CASE("batcher: shifted targets and seeded shuffling") {
  const std::vector<data::Piece> pieces = {piece("a", 0, 50), piece("b", 1000, 30)};
  data::Batcher one(pieces, {8, 2, data::Target::shifted}, 5, 7);
  data::Batcher two(pieces, {8, 2, data::Target::shifted}, 5, 7);
  data::Batch x, y;
  std::multiset<std::int32_t> seen;
  one.start_epoch(3);
  two.start_epoch(3);
  while (one.next(x)) {
    REQUIRE(two.next(y));
    CHECK(x.inputs == y.inputs);
    CHECK(x.targets.cols() == 8);
    for (Eigen::Index b = 0; b < x.inputs.rows(); ++b) {
      for (Eigen::Index t = 0; t < 8; ++t) CHECK(x.targets(b, t) == x.inputs(b, t) + 1);
      seen.insert(x.inputs(b, 0));
    }
  }
  // every window exactly once per epoch
  CHECK(seen.size() == static_cast<std::size_t>(one.window_count()));
  CHECK(std::set<std::int32_t>(seen.begin(), seen.end()).size() == seen.size());
  // another epoch, another order
  one.start_epoch(3);
  two.start_epoch(4);
  one.next(x);
  two.next(y);
  CHECK(x.inputs != y.inputs);
  CHECK_THROWS_AS(data::Batcher(pieces, {8, 2, data::Target::shifted}, 0, 7), Error);
}

TEST_CASE("split: whole pieces, never on both sides, deterministic") {
  std::vector<data::Piece> pieces;
  for (int i = 0; i < 92; ++i) pieces.push_back(piece("p" + std::to_string(i), i * 1000, 20 + i));
  const data::Split split = data::split_by_piece(pieces, 0.1, 5);
  CHECK(split.validation.size() == 9);  // round(9.2)
  CHECK(split.train.size() == 83);
  std::set<std::string> names;
  for (const auto& p : split.train) names.insert(p.name);
  for (const auto& p : split.validation) CHECK(names.count(p.name) == 0);
  for (const auto& p : split.validation) names.insert(p.name);
  CHECK(names.size() == 92);
  const data::Split again = data::split_by_piece(pieces, 0.1, 5);
  CHECK(again.validation.size() == split.validation.size());
  for (std::size_t i = 0; i < again.validation.size(); ++i) CHECK(again.validation[i].name == split.validation[i].name);
  const data::Split other = data::split_by_piece(pieces, 0.1, 6);
  bool differs = false;
  for (std::size_t i = 0; i < other.validation.size(); ++i) differs = differs || other.validation[i].name != split.validation[i].name;
  CHECK(differs);
  CHECK(data::split_by_piece(pieces, 0.0, 1).validation.empty());
  CHECK(data::split_by_piece({pieces[0], pieces[1]}, 0.01, 1).validation.size() == 1);
  CHECK(data::split_by_piece({pieces[0]}, 0.5, 1).train.size() == 1);
  CHECK_THROWS_AS(data::split_by_piece(pieces, 1.0, 1), Error);
  CHECK_THROWS_AS(data::split_by_piece(pieces, -0.1, 1), Error);
}

TEST_CASE("transpose: moves pitches, keeps drums, drops notes out of range") {
  midi::NoteList list;
  midi::Note low, high, drum;
  low.pitch = 2;
  high.pitch = 125;
  drum.pitch = 36;
  drum.drum = true;
  list.notes = {low, high, drum};
  const midi::NoteList up = data::transpose(list, 3);
  REQUIRE(up.notes.size() == 2);
  CHECK(up.notes[0].pitch == 5);
  CHECK(up.notes[1].pitch == 36);
  const midi::NoteList down = data::transpose(list, -3);
  REQUIRE(down.notes.size() == 2);
  CHECK(down.notes[0].pitch == 122);
  CHECK(data::transpose(list.notes, 0).size() == 3);
}

}  // TEST_SUITE

TEST_SUITE("data") {

TEST_CASE("transpose: a whole MIDI file, drums kept, out-of-range notes removed with their offs") {
  midi::File file;
  file.tracks.resize(1);
  midi::Track& t = file.tracks[0];
  t.add_program_change(0, 0, 0);
  t.add_note_on(0, 0, 60, 80);
  t.add_note_on(0, 9, 36, 80);   // drum
  t.add_note_on(0, 1, 126, 80);  // leaves the range at +3
  t.add_note_off(480, 0, 60);
  t.add_note_off(480, 9, 36);
  t.add_note_off(480, 1, 126);
  t.add_end_of_track(480);
  const midi::File up = data::transpose(file, 3);
  REQUIRE(up.tracks[0].events.size() == 6);
  CHECK(up.tracks[0].events[1].data1 == 63);
  CHECK(up.tracks[0].events[2].data1 == 36);
  CHECK(up.tracks[0].events[3].data1 == 63);
  CHECK(up.tracks[0].events[4].data1 == 36);
  CHECK(up.tracks[0].events[5].is_end_of_track());
  CHECK(data::transpose(file, 0) == file);
  const midi::File down = data::transpose(file, -61);  // 60 - 61 < 0: removed; 126 -> 65
  REQUIRE(down.tracks[0].events.size() == 6);
  CHECK(down.tracks[0].events[2].data1 == 65);
}

}  // TEST_SUITE
