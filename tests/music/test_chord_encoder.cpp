// Chord encoder: the recipe's tokens against music21 on fixtures made for its quirks, decoding
// rules, the timed variant, options.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/skip.hpp"
#include "symphonic/midi/read.hpp"
#include "symphonic/music/chord_encoder.hpp"
#include "symphonic/music/factory.hpp"

using namespace symphonic;

namespace {

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

midi::Note make_note(int pitch, std::int64_t start, std::int64_t end, int track = 0) {
  midi::Note n;
  n.pitch = pitch;
  n.start_tick = start;
  n.end_tick = end;
  n.track = track;
  return n;
}

}  // namespace

TEST_SUITE("music") {

TEST_CASE("chord encoder: recipe tokens equal music21 5.7.2's on fixtures made for its quirks") {
  // tests/data/music/quirks: written and tokenized by scripts/music21_fixtures.py with music21
  const std::string folder = symphonic_test::data_dir() + "/music/quirks";
  std::ifstream in(folder + "/music21.tsv");
  REQUIRE(in);
  const music::ChordEncoder recipe(music::ChordEncoderOptions::recipe_preset());
  int files = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    const std::string name = line.substr(0, tab);
    CAPTURE(name);
    const midi::File file = midi::read_file(folder + "/" + name + ".mid");
    CHECK(recipe.encode_file(file) == split_words(line.substr(tab + 1)));
    ++files;
  }
  CHECK(files >= 30);
}

TEST_CASE("chord encoder: encode groups notes by snapped onset") {
  midi::NoteList list;
  list.ticks_per_quarter = 480;
  list.notes = {make_note(60, 0, 480), make_note(64, 10, 480), make_note(67, 20, 480),  // C major
                make_note(62, 480, 960),                                                // D4
                make_note(50, 960, 1920), make_note(62, 965, 1200),                     // octave D
                make_note(71, 1440, 1920, 1)};                                          // other track
  midi::Note drum = make_note(36, 0, 100);
  drum.drum = true;
  list.notes.push_back(drum);
  const music::ChordEncoder all;
  CHECK(all.encode(list) == std::vector<std::string>{"0.4.7", "D4", "2", "B4"});
  const music::ChordEncoder first = music::ChordEncoder::from_text("chord parts=first markers=1");
  CHECK(first.encode(list) == std::vector<std::string>{"<begin>", "0.4.7", "D4", "2", "<end>"});
  const music::ChordEncoder grid2 = music::ChordEncoder::from_text("chord grid=2");
  list.notes.push_back(make_note(72, 1500, 1700));  // 3.125 quarters -> 3.0 on a half grid
  CHECK(grid2.encode(list).back() == "11.0");
}

TEST_CASE("chord encoder: the recipe's decoding, one token every 0.5 quarter, chords in octave 4") {
  const music::ChordEncoder recipe(music::ChordEncoderOptions::recipe_preset());
  music::DecodeStats stats;
  const midi::NoteList y = recipe.decode({"C4", "11.2.5", "junk", "E-5", "12", "7"}, &stats);
  CHECK(stats.tokens == 6);
  CHECK(stats.skipped == 2);
  REQUIRE(y.notes.size() == 6);
  // token k starts at k * 240 ticks (0.5 quarter at 480 per quarter), lasts 480 ticks
  const int expected_pitch[] = {60, 62, 65, 71, 75, 67};
  const std::int64_t expected_start[] = {0, 240, 240, 240, 480, 720};
  for (int i = 0; i < 6; ++i) {
    CHECK(y.notes[static_cast<std::size_t>(i)].pitch == expected_pitch[i]);
    CHECK(y.notes[static_cast<std::size_t>(i)].start_tick == expected_start[i]);
    CHECK(y.notes[static_cast<std::size_t>(i)].end_tick - y.notes[static_cast<std::size_t>(i)].start_tick == 480);
    CHECK(y.notes[static_cast<std::size_t>(i)].velocity == 90);
  }
  CHECK(y.notes[1].start_s == doctest::Approx(0.25));  // 120 bpm
}

TEST_CASE("chord encoder: close voicing stacks the normal order upwards from octave 4") {
  const music::ChordEncoder close;
  std::vector<int> p;
  REQUIRE(close.pitches_of("11.2.5", p));
  CHECK(p == std::vector<int>{71, 74, 77});  // B4 D5 F5
  REQUIRE(close.pitches_of("4.9", p));
  CHECK(p == std::vector<int>{64, 69});
  REQUIRE(close.pitches_of("7", p));
  CHECK(p == std::vector<int>{67});
  REQUIRE(close.pitches_of("8.0.3.4", p));
  CHECK(p == std::vector<int>{68, 72, 75, 76});
  CHECK_FALSE(close.pitches_of("0.0", p));
  CHECK_FALSE(close.pitches_of("H4", p));
  CHECK_FALSE(close.pitches_of("", p));
}

TEST_CASE("chord encoder: timing tokens round-trip onsets and durations on the grid") {
  const music::ChordEncoder timed = music::ChordEncoder::from_text("chord grid=4 timing=1");
  midi::NoteList list;
  list.ticks_per_quarter = 480;
  // C4 for a quarter, rest an eighth, E4+G4 chord for an eighth, then a 6-quarter rest, A4
  list.notes = {make_note(60, 0, 480), make_note(64, 720, 960), make_note(67, 720, 960),
                make_note(69, 3840, 4080)};
  const std::vector<std::string> tokens = timed.encode(list);
  CHECK(tokens == std::vector<std::string>{"C4", "d:12", "r:6", "4.7", "d:6", "r:48", "r:24", "A4", "d:6"});
  music::DecodeStats stats;
  const midi::NoteList y = timed.decode(tokens, &stats);
  CHECK(stats.skipped == 0);
  REQUIRE(y.notes.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(y.notes[i].start_tick == list.notes[i].start_tick);
    CHECK(y.notes[i].end_tick == list.notes[i].end_tick);
  }
  CHECK(timed.decode({"d:6", "r:0", "r:49", "C4", "C4"}, &stats).notes.size() == 2);
  CHECK(stats.skipped == 3);
}

TEST_CASE("chord encoder: options text") {
  CHECK(music::make_encoder("chord recipe=1")->options_text() == "chord recipe=1");
  CHECK(music::make_encoder("recipe")->options_text() == "chord recipe=1");
  const std::string text = "chord grid=3 parts=first timing=1 voicing=recipe markers=1";
  CHECK(music::make_encoder(text)->options_text() == text);
  CHECK(music::make_encoder("chord")->options_text() ==
        "chord grid=music21 parts=all timing=0 voicing=close markers=0");
  CHECK_THROWS_AS(music::make_encoder("chord grid=5"), music::VocabularyError);
  CHECK_THROWS_AS(music::make_encoder("chord recipe=1 timing=1"), music::VocabularyError);
  CHECK_THROWS_AS(music::make_encoder("chord voicing=open"), music::VocabularyError);
  CHECK_THROWS_AS(music::make_encoder("chord recipe"), music::VocabularyError);
}

}  // TEST_SUITE
