// Event encoder: exact round trip on the grid (property test over random note sets), total decode.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "symphonic/midi/notes_to_file.hpp"
#include "symphonic/midi/read.hpp"
#include "symphonic/midi/write.hpp"
#include "symphonic/music/event_encoder.hpp"
#include "symphonic/music/factory.hpp"

using namespace symphonic;

namespace {

struct Key {
  int pitch, velocity;
  double start, end;
  bool operator<(const Key& o) const {
    if (start != o.start) return start < o.start;
    return pitch < o.pitch;
  }
  bool operator==(const Key& o) const {
    return pitch == o.pitch && velocity == o.velocity && start == o.start && end == o.end;
  }
};

std::vector<Key> keys_of(const midi::NoteList& list) {
  std::vector<Key> k;
  for (const auto& n : list.notes) k.push_back({n.pitch, n.velocity, n.start_s, n.end_s});
  std::sort(k.begin(), k.end());
  return k;
}

// Random notes on the grid: per pitch, non-overlapping intervals; velocities are bin values.
midi::NoteList random_notes(std::mt19937_64& rng, const music::EventEncoder& enc) {
  const auto& o = enc.options();
  const double step = o.step_ms / 1000.0;
  midi::NoteList list;
  const int pitches = 1 + static_cast<int>(rng() % 12);
  for (int k = 0; k < pitches; ++k) {
    const int pitch = static_cast<int>(rng() % 128);
    bool used = false;
    for (const auto& n : list.notes) used = used || n.pitch == pitch;
    if (used) continue;
    std::int64_t t = static_cast<std::int64_t>(rng() % 50);
    const int count = static_cast<int>(rng() % 8);
    for (int i = 0; i < count; ++i) {
      const std::int64_t length = 1 + static_cast<std::int64_t>(rng() % 250);  // up to 2.5 s
      midi::Note n;
      n.pitch = pitch;
      n.velocity = enc.velocity_of_bin(static_cast<int>(rng() % static_cast<std::uint64_t>(o.velocity_bins)));
      n.start_s = static_cast<double>(t) * step;
      n.end_s = static_cast<double>(t + length) * step;
      list.notes.push_back(n);
      t += length + static_cast<std::int64_t>(rng() % 3 == 0 ? 0 : rng() % 300);  // sometimes touching
    }
  }
  return list;
}

// A note with its instrument, for comparing pieces of several instruments.
struct Played {
  int program;
  bool drum;
  int pitch, velocity;
  double start, end;
  bool operator<(const Played& o) const {
    return std::tie(start, program, drum, pitch, velocity, end) < std::tie(o.start, o.program, o.drum, o.pitch, o.velocity, o.end);
  }
  bool operator==(const Played& o) const {
    return program == o.program && drum == o.drum && pitch == o.pitch && velocity == o.velocity && start == o.start && end == o.end;
  }
};

std::vector<Played> played_of(const midi::NoteList& list) {
  std::vector<Played> k;
  for (const auto& n : list.notes) k.push_back({n.drum ? 0 : n.program, n.drum, n.pitch, n.velocity, n.start_s, n.end_s});
  std::sort(k.begin(), k.end());
  return k;
}

}  // namespace

TEST_SUITE("music") {

TEST_CASE("event encoder: decode(encode(x)) == x for random notes on the grid") {
  std::mt19937_64 rng(20240611);
  for (const char* options : {"event", "event step_ms=5 max_shift=37 velocity_bins=8",
                              "event step_ms=20 velocity_bins=127 markers=1"}) {
    CAPTURE(options);
    const music::EventEncoder enc = music::EventEncoder::from_text(options);
    for (int trial = 0; trial < 300; ++trial) {
      const midi::NoteList x = random_notes(rng, enc);
      const std::vector<std::string> tokens = enc.encode(x);
      music::DecodeStats stats;
      const midi::NoteList y = enc.decode(tokens, &stats);
      REQUIRE(keys_of(y) == keys_of(x));
      CHECK(stats.skipped == 0);
      CHECK(stats.unterminated == 0);
      CHECK(stats.notes == static_cast<std::int64_t>(x.notes.size()));
      for (const auto& t : tokens) CHECK(!t.empty());
    }
  }
}

TEST_CASE("event encoder: programs=1 round trip of three instruments, one pitch sounding on all of them at once") {
  std::mt19937_64 rng(7);
  const music::EventEncoder enc = music::EventEncoder::from_text("event programs=1 drums=1");
  for (int trial = 0; trial < 200; ++trial) {
    midi::NoteList x;
    for (int instrument : {0, 40, -1}) {  // piano, violin, drums
      midi::NoteList part = random_notes(rng, enc);
      for (midi::Note& n : part.notes) {
        n.drum = instrument < 0;
        n.channel = n.drum ? 9 : instrument == 0 ? 0 : 1;
        n.program = n.drum ? 0 : instrument;
        x.notes.push_back(n);
      }
    }
    music::DecodeStats stats;
    const midi::NoteList y = enc.decode(enc.encode(x), &stats);
    REQUIRE(played_of(y) == played_of(x));
    CHECK(stats.skipped == 0);
    CHECK(stats.unterminated == 0);
    for (const midi::Note& n : y.notes) {  // one track and channel per instrument, drums on channel index 9
      if (n.drum) CHECK(n.channel == 9);
      for (const midi::Note& m : y.notes)
        if (m.drum == n.drum && m.program == n.program) CHECK((m.track == n.track && m.channel == n.channel));
        else CHECK((m.track != n.track && m.channel != n.channel));
    }
  }
}

TEST_CASE("event encoder: programs=1 tokens of a small example, worked by hand") {
  midi::NoteList x;
  midi::Note piano;
  piano.pitch = 60;
  piano.velocity = 80;  // bin 19
  piano.start_s = 0.0;
  piano.end_s = 0.5;
  midi::Note violin = piano;
  violin.program = 40;
  violin.channel = 1;
  midi::Note kick = piano;
  kick.pitch = 36;
  kick.drum = true;
  kick.channel = 9;
  kick.start_s = 0.25;
  x.notes = {violin, kick, piano};
  const std::vector<std::string> expected = {
      "program:0",     "velocity:19", "note_on:60",  "program:40",    "note_on:60", "time_shift:25",
      "program:drums", "note_on:36",  "time_shift:25", "program:0",   "note_off:60", "program:40",
      "note_off:60",   "program:drums", "note_off:36"};
  CHECK(music::EventEncoder::from_text("event programs=1 drums=1").encode(x) == expected);
  // without drums=1 the drum note is dropped, as without programs
  const std::vector<std::string> melodic = music::EventEncoder::from_text("event programs=1").encode(x);
  CHECK(std::find(melodic.begin(), melodic.end(), "program:drums") == melodic.end());
  CHECK(melodic.size() == expected.size() - 5);
}

TEST_CASE("event encoder: programs=1 decode skips what is no instrument and keeps instruments apart") {
  const music::EventEncoder enc = music::EventEncoder::from_text("event programs=1");
  music::DecodeStats stats;
  const midi::NoteList y = enc.decode({"note_on:60", "program:128", "program:drums", "program:x", "program:",
                                       "program:40", "note_on:60", "note_off:62", "time_shift:10", "note_off:60"},
                                      &stats);
  CHECK(stats.skipped == 5);       // 128, drums without drums=1, x, empty, the off of a pitch the violin never struck
  CHECK(stats.unterminated == 1);  // the piano's 60: the violin's note-off is not the piano's
  REQUIRE(y.notes.size() == 2);
  const midi::Note& piano = y.notes[0].program == 0 ? y.notes[0] : y.notes[1];
  const midi::Note& violin = y.notes[0].program == 0 ? y.notes[1] : y.notes[0];
  CHECK(piano.program == 0);      // before any program token: piano
  CHECK(violin.program == 40);
  CHECK(violin.end_s == doctest::Approx(0.1));
  CHECK(piano.track != violin.track);
  CHECK(piano.channel != violin.channel);
  // without programs=1 a program token is not an event of this encoder
  music::DecodeStats plain;
  music::EventEncoder().decode({"program:40", "note_on:60"}, &plain);
  CHECK(plain.skipped == 1);
}

TEST_CASE("event encoder: a two-instrument MIDI file survives encode, decode and writing: one track per instrument") {
  midi::File file;
  file.format = 1;
  file.division = midi::Division::quarter(480);
  file.tracks.resize(3);
  file.tracks[0].add_tempo(0, 500000);  // 120 bpm: 480 ticks = 0.5 s, on the 10 ms grid
  file.tracks[0].add_end_of_track(0);
  for (int part = 1; part <= 2; ++part) {
    midi::Track& t = file.tracks[static_cast<std::size_t>(part)];
    const int channel = part - 1, program = part == 1 ? 0 : 40;
    t.add_program_change(0, channel, program);
    for (int k = 0; k < 8; ++k) {  // both play C4 at the same time on beat 1 of each bar
      const int pitch = k % 4 == 0 ? 60 : (part == 1 ? 64 + k : 55 - k);
      t.add_note_on(480 * k, channel, pitch, 95);
      t.add_note_off(480 * k + (part == 1 ? 240 : 480), channel, pitch);
    }
    t.add_end_of_track(480 * 8);
  }
  const music::EventEncoder enc = music::EventEncoder::from_text("event programs=1");
  const midi::NoteList original = midi::extract_notes(file);
  const std::vector<std::string> tokens = enc.encode_file(file);
  const midi::NoteList decoded = enc.decode(tokens);
  const midi::File written = midi::read(midi::write(midi::notes_to_file(decoded)));
  const midi::NoteList back = midi::extract_notes(written);
  // velocity 95 comes back as its bin's representative; everything else exactly
  std::vector<Played> expected = played_of(original);
  for (Played& p : expected) p.velocity = enc.velocity_of_bin(enc.bin_of_velocity(p.velocity));
  std::sort(expected.begin(), expected.end());
  CHECK(played_of(decoded) == expected);
  CHECK(played_of(back) == expected);
  REQUIRE(written.tracks.size() == 3);  // the conductor, then one track per instrument
  for (std::size_t t = 1; t < 3; ++t) {
    CAPTURE(t);
    int programs = 0, program = -1;
    for (const midi::Event& e : written.tracks[t].events)
      if (e.is_channel() && e.message() == midi::Message::program_change) {
        ++programs;
        program = e.data1;
      }
    CHECK(programs == 1);
    for (const midi::Note& n : back.notes)
      if (n.track == static_cast<int>(t)) CHECK(n.program == program);
  }
}

TEST_CASE("event encoder: velocity bins and their representatives") {
  const music::EventEncoder enc;
  for (int b = 0; b < 32; ++b) CHECK(enc.bin_of_velocity(enc.velocity_of_bin(b)) == b);
  CHECK(enc.bin_of_velocity(1) == 0);
  CHECK(enc.bin_of_velocity(127) == 31);
  int previous = 0;
  for (int v = 1; v <= 127; ++v) {  // monotonic, every bin used
    CHECK(enc.bin_of_velocity(v) >= previous);
    previous = enc.bin_of_velocity(v);
  }
}

TEST_CASE("event encoder: tokens of a small example, worked by hand") {
  const music::EventEncoder enc;  // 10 ms, 100 steps max, 32 bins
  midi::NoteList x;
  midi::Note a;
  a.pitch = 60;
  a.velocity = 80;  // bin (79 * 32) / 127 = 19
  a.start_s = 0.0;
  a.end_s = 1.5;
  midi::Note b = a;
  b.pitch = 64;
  b.start_s = 0.5;
  b.end_s = 1.5;
  b.velocity = 100;  // bin 24
  midi::Note drum = a;
  drum.drum = true;
  drum.channel = 9;
  x.notes = {a, b, drum};
  const std::vector<std::string> expected = {"velocity:19", "note_on:60", "time_shift:50", "velocity:24",
                                             "note_on:64", "time_shift:100", "note_off:60", "note_off:64"};
  CHECK(enc.encode(x) == expected);
  CHECK(music::EventEncoder::from_text("event drums=1").encode(x).size() == expected.size() + 2);
}

TEST_CASE("event encoder: decode never fails and counts what it skipped") {
  const music::EventEncoder enc;
  music::DecodeStats stats;
  const midi::NoteList y = enc.decode({"note_off:60", "garbage", "note_on:200", "time_shift:0", "time_shift:101",
                                       "velocity:32", "note_on:", "note_on:6x", "note_on:61", "time_shift:7",
                                       "<begin>", "note_on:62", "note_off:62"},
                                      &stats);
  CHECK(stats.tokens == 13);
  CHECK(stats.skipped == 8);
  CHECK(stats.unterminated == 1);  // 61 never released: closed at the end
  REQUIRE(y.notes.size() == 2);
  CHECK(y.notes[0].pitch == 61);
  CHECK(y.notes[0].end_s == doctest::Approx(0.07));
  CHECK(y.notes[1].pitch == 62);
  CHECK(y.notes[1].end_s - y.notes[1].start_s == doctest::Approx(0.01));  // zero length -> one step
  CHECK(enc.decode({}).notes.empty());
}

TEST_CASE("event encoder: sustain=1 holds notes released under the pedal in encode_file") {
  midi::File file;
  file.division = midi::Division::quarter(480);
  file.tracks.resize(1);
  midi::Track& t = file.tracks[0];
  t.add_tempo(0, 500000);                  // 120 bpm: 480 ticks = 0.5 s
  t.add_control_change(0, 0, 64, 127);     // pedal down
  t.add_note_on(0, 0, 60, 80);
  t.add_note_off(240, 0, 60);              // released at 0.25 s under the pedal
  t.add_control_change(960, 0, 64, 0);     // pedal up at 1 s
  t.add_end_of_track(960);
  const auto plain = music::EventEncoder::from_text("event").encode_file(file);
  const auto held = music::EventEncoder::from_text("event sustain=1").encode_file(file);
  CHECK(plain == std::vector<std::string>{"velocity:19", "note_on:60", "time_shift:25", "note_off:60"});
  CHECK(held == std::vector<std::string>{"velocity:19", "note_on:60", "time_shift:100", "note_off:60"});
  CHECK(music::EventEncoder::from_text("event sustain=1").options_text() ==
        "event step_ms=10 max_shift=100 velocity_bins=32 markers=0 drums=0 sustain=1");
}

TEST_CASE("event encoder: options text round trip and errors") {
  const music::EventEncoder enc = music::EventEncoder::from_text("event step_ms=5 velocity_bins=16 markers=1");
  CHECK(enc.options_text() == "event step_ms=5 max_shift=100 velocity_bins=16 markers=1 drums=0");
  CHECK(music::make_encoder(enc.options_text())->options_text() == enc.options_text());
  CHECK(enc.all_tokens().size() == 2 + 128 + 128 + 100 + 16);
  const music::EventEncoder instruments = music::EventEncoder::from_text("event programs=1 drums=1");
  CHECK(instruments.options_text() == "event step_ms=10 max_shift=100 velocity_bins=32 markers=0 drums=1 programs=1");
  CHECK(music::make_encoder(instruments.options_text())->options_text() == instruments.options_text());
  CHECK(instruments.all_tokens().size() == 128 + 128 + 100 + 32 + 128 + 1);
  CHECK(instruments.all_tokens().back() == "program:drums");
  CHECK_THROWS_AS(music::EventEncoder::from_text("event step_ms=0"), music::VocabularyError);
  CHECK_THROWS_AS(music::EventEncoder::from_text("event step_ms=ten"), music::VocabularyError);
  CHECK_THROWS_AS(music::EventEncoder::from_text("event colour=red"), music::VocabularyError);
  CHECK_THROWS_AS(music::EventEncoder::from_text("event step_ms=5 step_ms=6"), music::VocabularyError);
  CHECK_THROWS_AS(music::EventEncoder::from_text("chord"), music::VocabularyError);
  CHECK_THROWS_AS(music::make_encoder("piano"), music::VocabularyError);
  CHECK_THROWS_AS(music::make_encoder(""), music::VocabularyError);
  CHECK_THROWS_WITH_AS(music::make_encoder("event velocity_bins=200"),
                       "[symphonic.music.vocabulary_error] event encoder key 'velocity_bins': expected an "
                       "integer in 1..127, got '200'",
                       music::VocabularyError);
}

}  // TEST_SUITE
