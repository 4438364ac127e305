// Pitch names, pitch classes and normal order against music21 (tests/data/music/).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/skip.hpp"
#include "symphonic/music/pitch.hpp"

using namespace symphonic;

TEST_SUITE("music") {

TEST_CASE("pitch: names of all 128 MIDI pitches follow music21's default spelling") {
  // independent construction: letter table by hand, octave by counting C's
  const char* steps[12] = {"C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B"};
  int octave = -1;
  for (int midi = 0; midi < 128; ++midi) {
    if (midi > 0 && midi % 12 == 0) ++octave;
    CHECK(music::pitch_name(midi) == std::string(steps[midi % 12]) + std::to_string(octave));
  }
  CHECK(music::pitch_name(60) == "C4");
  CHECK(music::pitch_name(61) == "C#4");
  CHECK(music::pitch_name(63) == "E-4");
  CHECK(music::pitch_name(0) == "C-1");
  CHECK(music::pitch_name(127) == "G9");
  CHECK(music::pitch_name(21) == "A0");
  CHECK_THROWS_AS(music::pitch_name(128), music::VocabularyError);
  CHECK_THROWS_AS(music::pitch_name(-1), music::VocabularyError);
}

TEST_CASE("pitch: parse_pitch inverts pitch_name except the two names music21 gives twice") {
  for (int midi = 0; midi < 128; ++midi) {
    const std::string& name = music::pitch_name(midi);
    if (midi == 4) {
      CHECK(music::parse_pitch(name) == 27);  // "E-1": E-flat 1 as music21 reads it
    } else if (midi == 11) {
      CHECK(music::parse_pitch(name) == 34);  // "B-1"
    } else {
      CHECK(music::parse_pitch(name) == midi);
    }
  }
  SUBCASE("music21's general form") {
    CHECK(music::parse_pitch("D-4") == 61);
    CHECK(music::parse_pitch("A#3") == 58);
    CHECK(music::parse_pitch("c##4") == 62);
    CHECK(music::parse_pitch("B#3") == 60);
    CHECK(music::parse_pitch("C--1") == 22);  // C double-flat in octave 1
    CHECK(music::parse_pitch("C-2") == 35);   // C-flat 2, not C in octave -2
  }
  SUBCASE("malformed names") {
    for (const char* bad : {"", "H4", "C", "C#", "4", "C4x", "C 4", "C-", "G9#", "G#9", "C10",
                            "0.4.7"}) {
      INFO(bad);
      CHECK_THROWS_AS(music::parse_pitch(bad), music::VocabularyError);
    }
    CHECK_THROWS_WITH_AS(music::parse_pitch("H4"),
                         "[symphonic.music.vocabulary_error] not a pitch name: \"H4\" (expected "
                         "a letter A-G first)",
                         music::VocabularyError);
  }
}

TEST_CASE("pitch: pitch_class wraps negative and large numbers") {
  CHECK(music::pitch_class(60) == 0);
  CHECK(music::pitch_class(71) == 11);
  CHECK(music::pitch_class(-1) == 11);
  CHECK(music::pitch_class(12) == 0);
}

TEST_CASE("pitch: normal order of all 4095 pitch-class sets equals music21's Chord.normalOrder") {
  std::ifstream in(symphonic_test::data_dir() + "/music/normal_order_music21.tsv");
  REQUIRE(in);
  std::string line;
  int rows = 0, mismatches = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    const unsigned mask = static_cast<unsigned>(std::stoul(line.substr(0, tab)));
    const std::string expected = line.substr(tab + 1);
    std::vector<int> pcs;
    for (int pc = 0; pc < 12; ++pc)
      if (mask & (1u << pc)) pcs.push_back(pc + 12 * (pc % 3));  // octaves must not matter
    const std::vector<int> order = music::normal_order(pcs);
    std::string joined;
    for (std::size_t i = 0; i < order.size(); ++i) joined += (i ? "." : "") + std::to_string(order[i]);
    if (joined != expected || music::chord_name(mask) != expected) {
      ++mismatches;
      if (mismatches < 10) CHECK_MESSAGE(false, "set " << mask << ": " << joined << " vs " << expected);
    }
    CHECK(music::parse_chord(expected) == order);
    ++rows;
  }
  CHECK(rows == 4095);
  CHECK(mismatches == 0);
}

TEST_CASE("pitch: normal order examples from music21's documentation") {
  CHECK(music::normal_order({60, 63, 67}) == std::vector<int>{0, 3, 7});
  CHECK(music::normal_order({62, 66, 69}) == std::vector<int>{2, 6, 9});
  CHECK(music::normal_order({70, 74, 77}) == std::vector<int>{10, 2, 5});
  CHECK(music::normal_order({44, 45, 50, 55}) == std::vector<int>{7, 8, 9, 2});
  CHECK(music::normal_order({55, 62, 68, 69, 72, 76}) == std::vector<int>{7, 8, 9, 0, 2, 4});
  CHECK(music::normal_order({}).empty());
  CHECK(music::chord_name({55, 67, 79}) == "7");
  CHECK(music::chord_name(0u).empty());
}

TEST_CASE("pitch: parse_chord rejects malformed chord tokens") {
  for (const char* bad : {"", ".", "0.", ".0", "0..4", "12", "0.4.4", "a", "0,4", "-1", "0.4.7x"}) {
    INFO(bad);
    CHECK_THROWS_AS(music::parse_chord(bad), music::VocabularyError);
  }
  CHECK(music::parse_chord("11.2.5") == std::vector<int>{11, 2, 5});
}

}  // TEST_SUITE
