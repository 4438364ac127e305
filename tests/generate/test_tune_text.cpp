#include <doctest/doctest.h>

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include <symphonic/demo/tune_text.hpp>

using symphonic::demo::parse_tune;
using symphonic::demo::read_tune;
using symphonic::demo::Tune;
using symphonic::demo::TuneError;

namespace {

std::vector<std::string> demo_tunes() {
  const std::string dir = std::string(SYMPHONIC_TEST_SOURCE_DIR) + "/data/demo";
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 5 && name.substr(name.size() - 5) == ".tune") files.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

int error_line(const std::string& text) {
  try {
    parse_tune(text, "t");
  } catch (const TuneError& e) {
    return e.line();
  }
  return 0;
}

}  // namespace

TEST_SUITE("generate") {

TEST_CASE("tune text: pitches, lengths, rests, chords, ties and voices") {
  const Tune tune = parse_tune(
      "# comment line\n"
      "title  A test tune  \n"
      "tempo 60\n"
      "meter 2/4\n"
      "program 40\n"
      "voice a\n"
      "velocity 100\n"
      "| C4 D#4:1/2 Eb4:1/2 | r:1/2 C4+E4+G4:3/2 | Bb3:2- | Bb3 Cb4 |  # a sharp is no comment\n"
      "voice b\n"
      "len 1/4\n"
      "transpose -12\n"
      "| C4 C4 C4 C4 r:1 |\n");
  CHECK(tune.title == "A test tune");
  CHECK(tune.bpm == 60.0);
  CHECK(tune.program == 40);
  const auto& n = tune.notes.notes;
  REQUIRE(n.size() == 12);
  // sorted by (start, pitch); voice b's four sixteenths one octave down interleave at the start
  CHECK(n[0].pitch == 48);
  CHECK(n[0].end_tick == 120);
  CHECK(n[1].pitch == 60);
  CHECK(n[1].velocity == 100);
  CHECK(n[1].program == 40);
  CHECK(n[1].end_s == doctest::Approx(1.0));  // one quarter at 60 bpm
  const auto find = [&](int pitch, std::int64_t start) {
    return std::find_if(n.begin(), n.end(), [&](const symphonic::midi::Note& x) {
      return x.pitch == pitch && x.start_tick == start;
    });
  };
  CHECK(find(63, 480) != n.end());  // D#4
  CHECK(find(63, 720) != n.end());  // Eb4, the same key
  CHECK(find(64, 1200) != n.end());  // chord after an eighth rest
  CHECK(find(67, 1200)->end_tick == 1920);
  const auto tied = find(58, 1920);  // Bb3 tied across the bar: one note of three quarters
  REQUIRE(tied != n.end());
  CHECK(tied->end_tick == 1920 + 3 * 480);
  CHECK(find(58, 2880) == n.end());
  CHECK(find(59, 3360) != n.end());  // Cb4 = B3, after the tied note
}

TEST_CASE("tune text: bar check against the meter, skipping the pickup and the last bar") {
  CHECK_NOTHROW(parse_tune("meter 3/4\n| C4 | D4:3 | E4:2 |\n"));
  CHECK_NOTHROW(parse_tune("meter none\n| C4 | D4:5 | E4:2 |\n"));
  CHECK_THROWS_WITH_AS(parse_tune("meter 3/4\n| C4 |\nD4:2 |\nE4 |\n", "x.tune"),
                       "[symphonic.demo.tune_error] x.tune:3: bar 2 lasts 960 ticks, the meter needs "
                       "1440 (480 ticks per quarter)",
                       TuneError);
}

TEST_CASE("tune text: bad input names the line") {
  CHECK(error_line("C4\nH4\n") == 2);
  CHECK(error_line("C4\n\nC4:0\n") == 3);
  CHECK(error_line("C4:1/7\n") == 1);  // not a whole number of ticks
  CHECK(error_line("tempo fast\n") == 1);
  CHECK(error_line("meter 3/5\n") == 1);
  CHECK(error_line("velocity 0\nC4\n") == 1);
  CHECK(error_line("C9 G10\n") == 1);  // G10 is above 127
  CHECK(error_line("r:1-\n") == 1);
  CHECK(error_line("program 200\n") == 1);
  CHECK(error_line("# nothing\n") == 1);
  CHECK_THROWS_WITH_AS(parse_tune("C#\n", "y"),
                       "[symphonic.demo.tune_error] y:1: bad pitch \"C#\" (expected e.g. C4, F#3, Bb5)",
                       TuneError);
  CHECK_THROWS_AS(read_tune("/nonexistent/file.tune"), symphonic::io::FileError);
}

TEST_CASE("tune text: every tune of the demo corpus parses and passes its bar check") {
  const auto files = demo_tunes();
  CHECK(files.size() >= 16);
  for (const std::string& file : files) {
    CAPTURE(file);
    const Tune tune = read_tune(file);
    CHECK(!tune.title.empty());
    CHECK(tune.notes.notes.size() >= 24);
    for (const auto& note : tune.notes.notes) {
      CHECK(note.end_tick > note.start_tick);
      CHECK(note.pitch >= 24);
      CHECK(note.pitch <= 96);
    }
  }
}

}  // TEST_SUITE

#include <symphonic/midi/midi.hpp>

TEST_SUITE("generate") {

TEST_CASE("tune text: the demo tunes survive MIDI writing and reading note for note") {
  for (const std::string& file : demo_tunes()) {
    CAPTURE(file);
    const Tune tune = read_tune(file);
    symphonic::midi::NotesToFileOptions options;
    options.bpm = tune.bpm;
    options.name = tune.title;
    options.numerator = tune.meter_numerator > 0 ? tune.meter_numerator : 4;
    options.denominator = tune.meter_denominator;
    const auto bytes = symphonic::midi::write(symphonic::midi::notes_to_file(tune.notes, options));
    symphonic::midi::ReadOptions strict;
    strict.strict = true;
    const auto back = symphonic::midi::extract_notes(symphonic::midi::read(bytes, strict));
    REQUIRE(back.notes.size() == tune.notes.notes.size());
    for (std::size_t i = 0; i < back.notes.size(); ++i) {
      const auto& a = tune.notes.notes[i];
      const auto& b = back.notes[i];
      CHECK(a.pitch == b.pitch);
      CHECK(a.velocity == b.velocity);
      CHECK(a.start_tick == b.start_tick);
      CHECK(a.end_tick == b.end_tick);
      CHECK(b.start_s == doctest::Approx(a.start_s));
      CHECK(b.program == tune.program);
      CHECK(b.channel == a.channel);
    }
  }
}

}  // TEST_SUITE
