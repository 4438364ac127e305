// midi::read_score: one pass from bytes to each track's notes in ticks. Checked by hand on a small
// file, then against read() then extract_notes() (tests/fuzz/score_properties.hpp) on random
// files, on random damage to them, on the reader's repairs, and on the developer corpus.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <symphonic/detail/file_io.hpp>
#include <symphonic/midi/notes.hpp>
#include <symphonic/midi/score.hpp>
#include <symphonic/midi/write.hpp>

#include "fuzz/score_properties.hpp"
#include "midi/fixtures.hpp"
#include "midi/random_file.hpp"
#include "support/skip.hpp"
#include "support/temp_path.hpp"

using namespace symphonic;
using namespace midi_fixtures;

namespace {

std::string agrees(const Bytes& bytes) {
  for (const bool strict : {false, true})
    for (const midi::Pairing pairing : {midi::Pairing::fifo, midi::Pairing::lifo}) {
      const std::string differs =
          symphonic_fuzz::check_score_agrees(bytes.data(), bytes.size(), strict, pairing);
      if (!differs.empty())
        return differs + (strict ? " (strict" : " (tolerant") +
               (pairing == midi::Pairing::fifo ? ", FIFO)" : ", LIFO)");
    }
  return "";
}

// The bytes of a random file, or none when it has a hand-made track whose ticks go backwards
// (no file can hold it: write() refuses it). A written file is never empty.
Bytes written(const midi::File& file) {
  try {
    return midi::write(file);
  } catch (const midi::WriteError&) {
    return {};
  }
}

std::vector<std::string> midi_files_under(const std::string& dir) {
  std::vector<std::string> paths;
  std::ifstream manifest(dir + "/MANIFEST.tsv");
  std::string line;
  std::getline(manifest, line);  // header
  while (std::getline(manifest, line)) paths.push_back(dir + "/" + line.substr(0, line.find('\t')));
  return paths;
}

}  // namespace

TEST_SUITE("midi") {

TEST_CASE("score: a small file read by hand") {
  // Track 0: name, tempo, time and key signatures, then a second name (ignored). Track 1: two
  // overlapping C4s, a velocity-0 note-off, a stray note-off, program, control, pitch bend,
  // channel pressure and a sysex (both dropped), and an E4 still sounding at the end.
  const Bytes conductor = with_eot({0x00, 0xFF, 0x03, 0x02, 'h', 'i',
                                    0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,  // 500,000 us
                                    0x00, 0xFF, 0x58, 0x04, 3, 2, 24, 8,       // 3/4
                                    0x10, 0xFF, 0x59, 0x02, 0xFE, 0x01,        // 2 flats, minor
                                    0x00, 0xFF, 0x03, 0x01, 'x'});
  const Bytes part = {0x00, 0xC1, 40,             // program 40, channel 1
                      0x00, 0x91, 60, 100,        // C4 on (a)
                      0x0A, 0x91, 60, 90,         // C4 on again (b), tick 10
                      0x00, 0xB1, 64, 127,        // sustain down (kept as a control)
                      0x0A, 0x81, 60, 0,          // tick 20: ends (a) first-in-first-out
                      0x00, 0xE1, 0x00, 0x60,     // pitch bend 0x3000 - 8192 = 4096
                      0x00, 0xD1, 0x10,           // channel pressure: dropped
                      0x00, 0xF0, 0x01, 0xF7,     // sysex: dropped
                      0x0A, 0x91, 60, 0,          // tick 30: velocity 0 ends (b)
                      0x00, 0x81, 61, 0,          // stray note-off
                      0x05, 0x91, 64, 70,         // tick 35: E4, never ended
                      0x0F, 0xFF, 0x2F, 0x00};    // end of track at tick 50
  const Bytes bytes = smf(1, 96, {conductor, part});
  std::vector<midi::Warning> warnings;
  const midi::Score score = midi::read_score(bytes, midi::ReadOptions{true}, &warnings);
  CHECK(warnings.empty());
  CHECK(score.format == 1);
  CHECK(score.division == midi::Division::quarter(96));
  REQUIRE(score.tracks.size() == 2);
  CHECK(score.tracks[0].name == "hi");
  CHECK(score.tracks[0].notes.empty());
  CHECK(score.tracks[0].end_tick == 16);
  REQUIRE(score.tempos.size() == 1);
  CHECK(score.tempos[0].microseconds_per_quarter == 500000);
  REQUIRE(score.time_signatures.size() == 1);
  CHECK(score.time_signatures[0].signature.numerator == 3);
  CHECK(score.time_signatures[0].signature.denominator == 4);
  REQUIRE(score.key_signatures.size() == 1);
  CHECK(score.key_signatures[0].tick == 16);
  CHECK(score.key_signatures[0].signature.sharps == -2);
  CHECK(score.key_signatures[0].signature.minor);

  const midi::ScoreTrack& t = score.tracks[1];
  CHECK(t.name.empty());
  CHECK(t.end_tick == 50);
  REQUIRE(t.notes.size() == 3);
  CHECK(t.notes[0] == midi::TickNote{0, 20, 60, 100, 1});
  CHECK(t.notes[1] == midi::TickNote{10, 30, 60, 90, 1});
  CHECK(t.notes[2] == midi::TickNote{35, 50, 64, 70, 1});
  CHECK(t.notes[2].duration() == 15);
  REQUIRE(t.programs.size() == 1);
  CHECK(t.programs[0].program == 40);
  REQUIRE(t.controls.size() == 1);
  CHECK(t.controls[0].controller == 64);
  CHECK(t.controls[0].value == 127);
  REQUIRE(t.pitch_bends.size() == 1);
  CHECK(t.pitch_bends[0].tick == 20);
  CHECK(t.pitch_bends[0].value == 4096);

  // Last in, first out: the note-off at tick 20 ends (b).
  const midi::Score lifo = midi::read_score(bytes, {}, nullptr, midi::Pairing::lifo);
  CHECK(lifo.tracks[1].notes[0] == midi::TickNote{0, 30, 60, 100, 1});
  CHECK(lifo.tracks[1].notes[1] == midi::TickNote{10, 20, 60, 90, 1});
  CHECK(agrees(bytes).empty());
}

TEST_CASE("score: equals read() then extract_notes() on random files") {
  std::mt19937 rng(2027);
  int files = 0;
  std::size_t notes = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const Bytes bytes = written(random_file(rng));
    if (bytes.empty()) continue;
    INFO("trial " << trial);
    REQUIRE(agrees(bytes) == "");
    notes += midi::read_score(bytes).note_count();
    ++files;
  }
  CHECK(files > 1500);
  CHECK(notes > 40000);
}

TEST_CASE("score: damaged files give read()'s errors and repairs, and the same notes") {
  // Random files cut short, with bytes changed, or with a track length changed: whatever the
  // reader makes of them (an error, repairs, speculative reads past a chunk), read_score agrees.
  std::mt19937 rng(2028);
  const auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  int errors = 0, repaired = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    Bytes bytes = written(random_file(rng));
    if (bytes.empty()) continue;
    switch (trial % 4) {
      case 0: bytes.resize(pick(bytes.size() + 1)); break;
      case 1:
        for (int n = 0; n < 3; ++n) bytes[pick(bytes.size())] = static_cast<std::uint8_t>(rng());
        break;
      case 2: {
        // The first track's length (bytes 18..21) made shorter or longer by a little.
        const std::uint32_t length = static_cast<std::uint32_t>(bytes[20]) << 8 | bytes[21];
        const std::uint32_t changed = length + static_cast<std::uint32_t>(pick(17)) - 8;
        bytes[20] = static_cast<std::uint8_t>(changed >> 8);
        bytes[21] = static_cast<std::uint8_t>(changed);
        break;
      }
      default: bytes.insert(bytes.end(), {0x00, 0x90, 0x3C, 0x40, 0x81, 0x81});
    }
    INFO("trial " << trial);
    REQUIRE(agrees(bytes) == "");
    std::vector<midi::Warning> warnings;
    try {
      midi::read_score(bytes, {}, &warnings);
      repaired += warnings.empty() ? 0 : 1;
    } catch (const midi::ParseError&) {
      ++errors;
    }
  }
  MESSAGE(errors << " errors, " << repaired << " files repaired with warnings");
  CHECK(errors > 40);
  CHECK(repaired > 500);
}

TEST_CASE("score: a speculative read past a short chunk is undone with its notes") {
  // The track's length covers only the note-on; the events after it are read on speculation:
  // a note-off at tick 5, then a delta of 5 bytes, which cannot be an event. The read past the
  // chunk is undone, so the note-off never happened: the note ends at the track's last event.
  Bytes bytes = header(0, 1, 96);
  append(bytes, track({0x00, 0x90, 60, 100}));
  append(bytes, {0x05, 0x80, 60, 0, 0x81, 0x81, 0x81, 0x81, 0x01});
  std::vector<midi::Warning> warnings;
  const midi::Score score = midi::read_score(bytes, {}, &warnings);
  REQUIRE(score.tracks.size() == 1);
  REQUIRE(score.tracks[0].notes.size() == 1);
  CHECK(score.tracks[0].notes[0] == midi::TickNote{0, 0, 60, 100, 0});
  REQUIRE(!warnings.empty());
  CHECK(warnings[0].message == "track has no end-of-track event");
  CHECK(agrees(bytes).empty());

  // When an end of track does come, the speculative read is kept, note-off included.
  Bytes kept = header(0, 1, 96);
  append(kept, track({0x00, 0x90, 60, 100, 0x05, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00}, 4));
  const midi::Score longer = midi::read_score(kept, {}, &warnings);
  REQUIRE(longer.tracks[0].notes.size() == 1);
  CHECK(longer.tracks[0].notes[0].end_tick == 5);
  CHECK(agrees(kept).empty());

  // Strict mode throws where read() throws.
  CHECK_THROWS_AS(midi::read_score(kept, midi::ReadOptions{true}), midi::ParseError);
}

TEST_CASE("score: read_score_into reuses a Score and gives what a fresh read gives") {
  std::mt19937 rng(2029);
  midi::Score reused;
  int files = 0;
  for (int trial = 0; trial < 300; ++trial) {
    Bytes bytes = written(random_file(rng));
    if (bytes.empty()) continue;
    midi::read_score_into(reused, bytes.data(), bytes.size());
    const midi::Score fresh = midi::read_score(bytes);
    REQUIRE(reused.tracks.size() == fresh.tracks.size());
    for (std::size_t t = 0; t < fresh.tracks.size(); ++t) {
      CHECK(reused.tracks[t].notes == fresh.tracks[t].notes);
      CHECK(reused.tracks[t].programs.size() == fresh.tracks[t].programs.size());
      CHECK(reused.tracks[t].controls.size() == fresh.tracks[t].controls.size());
      CHECK(reused.tracks[t].end_tick == fresh.tracks[t].end_tick);
    }
    CHECK(reused.tempos.size() == fresh.tempos.size());
    ++files;
  }
  CHECK(files > 200);
}

TEST_CASE("score: the corpus reads as read() then extract_notes() read it") {
  const std::string dir = symphonic_test::corpus_dir();
  if (dir.empty()) SYMPHONIC_SKIP_TEST("no corpus folder (../shared/corpus)");
  const std::vector<std::string> paths = midi_files_under(dir);
  REQUIRE(paths.size() >= 183);
  std::size_t notes = 0;
  for (const std::string& path : paths) {
    CAPTURE(path);
    const std::vector<std::uint8_t> bytes = symphonic::detail::read_file(path);
    CHECK(agrees(bytes) == "");
    notes += midi::read_score(bytes).note_count();
  }
  MESSAGE(paths.size() << " files, " << notes << " notes");
  CHECK(notes > 300000);
}

TEST_CASE("score: read_score_file reads what read_score reads; a missing file is an io::FileError") {
  std::mt19937 rng(2030);
  Bytes bytes;
  while (bytes.empty()) bytes = written(random_file(rng));
  const std::string path = symphonic_test::temp_path("score") + ".mid";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  const midi::Score from_file = midi::read_score_file(path);
  std::remove(path.c_str());
  const midi::Score from_bytes = midi::read_score(bytes);
  REQUIRE(from_file.tracks.size() == from_bytes.tracks.size());
  for (std::size_t t = 0; t < from_file.tracks.size(); ++t)
    CHECK(from_file.tracks[t].notes == from_bytes.tracks[t].notes);
  CHECK_THROWS_AS(midi::read_score_file("no-such-file.mid"), io::FileError);
}

TEST_CASE("score: tempo_map gives a note's seconds as extract_notes does") {
  const Bytes bytes = smf(1, 96, {with_eot({0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,    // 120 bpm
                                            0x60, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40}),  // 60 bpm
                                  with_eot({0x00, 0x90, 60, 100, 0x81, 0x40, 0x80, 60, 0})});
  const midi::Score score = midi::read_score(bytes);
  const midi::TempoMap tempo = midi::tempo_map(score);
  const midi::TickNote& n = score.tracks.at(1).notes.at(0);
  CHECK(n.end_tick == 192);
  CHECK(tempo.seconds(n.start_tick) == 0.0);
  CHECK(tempo.seconds(n.end_tick) == doctest::Approx(0.5 + 1.0));  // a beat at 120, one at 60
  const midi::NoteList notes = midi::extract_notes(midi::read(bytes));
  CHECK(tempo.seconds(n.end_tick) == notes.notes.at(0).end_s);
}

}  // TEST_SUITE
