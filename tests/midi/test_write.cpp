#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include <symphonic/detail/file_io.hpp>
#include <symphonic/midi/read.hpp>
#include <symphonic/midi/write.hpp>

#include "midi/fixtures.hpp"

using namespace symphonic;
using namespace midi_fixtures;

namespace {

midi::File small_file() {
  midi::File file;
  file.format = 1;
  file.division = midi::Division::quarter(96);
  file.tracks.resize(2);
  file.tracks[0].add_meta(0, midi::meta::track_name, "conductor");
  file.tracks[0].add_tempo(0, 600000);
  file.tracks[0].add_end_of_track(0);
  midi::Track& t = file.tracks[1];
  t.add_program_change(0, 0, 5);
  t.add_note_on(0, 0, 60, 100);
  t.add_note_on(0, 0, 64, 100);
  const std::uint8_t sysex[] = {0x7E, 0x7F, 0x09, 0x01, 0xF7};
  t.add_sysex(10, 0xF0, sysex, sizeof sysex);
  t.add_note_off(200, 0, 60);
  t.add_note_off(200, 0, 64);
  return file;  // track 1 has no end-of-track: the writer adds it
}

}  // namespace

TEST_SUITE("midi") {

TEST_CASE("write: exact bytes, running status and the added end of track") {
  const midi::File file = small_file();
  const Bytes bytes = midi::write(file);
  const Bytes expected_track1{0x00, 0xC0, 5,     0x00, 0x90, 60,   100,  0x00, 64,   100,
                              0x0A, 0xF0, 0x05,  0x7E, 0x7F, 0x09, 0x01, 0xF7, 0x81, 0x3E,
                              0x80, 60,   0,     0x00, 64,   0,    0x00, 0xFF, 0x2F, 0x00};
  Bytes expected = header(1, 2, 96);
  append(expected, track({0x00, 0xFF, 0x03, 9, 'c', 'o', 'n', 'd', 'u', 'c', 't', 'o', 'r',
                          0x00, 0xFF, 0x51, 3, 0x09, 0x27, 0xC0, 0x00, 0xFF, 0x2F, 0x00}));
  append(expected, track(expected_track1));
  CHECK(bytes == expected);

  midi::File back = midi::read(bytes, midi::ReadOptions{true});
  CHECK(back.tracks[1].has_end_of_track());
  back.tracks[1].events.pop_back();
  CHECK(back == file);

  SUBCASE("without running status every event has its status") {
    const Bytes plain = midi::write(file, {midi::RunningStatus::never});
    CHECK(plain.size() == bytes.size() + 2);
    CHECK(midi::read(plain) == midi::read(bytes));
  }
  SUBCASE("running status never crosses a sysex") {
    midi::File f;
    f.tracks.resize(1);
    f.tracks[0].add_note_on(0, 0, 60, 1);
    f.tracks[0].add_sysex(0, 0xF7, nullptr, 0);
    f.tracks[0].add_note_on(0, 0, 61, 1);
    const Bytes b = midi::write(f);
    CHECK(b[22 + 4 + 3 + 1] == 0x90);
  }
}

TEST_CASE("write: SMPTE division and format 2 survive") {
  midi::File file;
  file.format = 2;
  file.division = midi::Division::smpte(30, 80);
  file.tracks.resize(3);
  for (auto& t : file.tracks) t.add_end_of_track(5);
  const Bytes bytes = midi::write(file);
  CHECK(bytes[12] == 0xE2);
  CHECK(bytes[13] == 80);
  CHECK(midi::read(bytes) == file);
}

TEST_CASE("write: what a file cannot hold is a WriteError") {
  midi::File file;
  file.tracks.resize(1);
  SUBCASE("ticks going backwards") {
    file.tracks[0].add_note_on(10, 0, 60, 1);
    file.tracks[0].add_note_off(5, 0, 60);
    CHECK_THROWS_AS(midi::write(file), midi::WriteError);
  }
  SUBCASE("a data byte over 127") {
    file.tracks[0].add_note_on(0, 0, 200, 1);
    CHECK_THROWS_AS(midi::write(file), midi::WriteError);
  }
  SUBCASE("a delta too large for 4 bytes") {
    file.tracks[0].add_note_on(std::int64_t{1} << 28, 0, 60, 1);
    CHECK_THROWS_AS(midi::write(file), midi::WriteError);
  }
  SUBCASE("end of track before the last event") {
    file.tracks[0].add_end_of_track(0);
    file.tracks[0].add_note_on(0, 0, 60, 1);
    CHECK_THROWS_AS(midi::write(file), midi::WriteError);
  }
  SUBCASE("a system status byte") {
    file.tracks[0].events.push_back(midi::Event::channel_message(0, 0xF8, 0));
    CHECK_THROWS_AS(midi::write(file), midi::WriteError);
  }
  SUBCASE("a division out of range") {
    file.division = midi::Division::quarter(40000);
    CHECK_THROWS_AS(midi::write(file), midi::WriteError);
  }
}

TEST_CASE("write_file: atomic write then read back") {
  const std::string path = "symphonic_test_write_file.mid";
  const midi::File file = small_file();
  midi::write_file(path, file);
  midi::File back = midi::read_file(path);
  back.tracks[1].events.pop_back();
  CHECK(back == file);
  std::remove(path.c_str());
  CHECK_THROWS_AS(midi::write_file("/nonexistent/symphonic/x.mid", file), io::FileError);
}

}  // TEST_SUITE

TEST_SUITE("midi") {

TEST_CASE("meta decoders: time signature, key signature, SMPTE offset, text") {
  midi::Track t;
  t.add_time_signature(0, 6, 8, 36, 8);
  const std::uint8_t key[] = {0xFD, 1};  // three flats, minor
  t.add_meta(0, midi::meta::key_signature, key, 2);
  const std::uint8_t smpte[] = {0x61, 2, 3, 4, 50};  // 30 fps (0b11), 1 h
  t.add_meta(0, midi::meta::smpte_offset, smpte, 5);
  t.add_meta(0, midi::meta::lyric, "la");
  const std::uint8_t short_key[] = {1};
  t.add_meta(0, midi::meta::key_signature, short_key, 1);

  midi::TimeSignature ts;
  REQUIRE(midi::time_signature_of(t, t.events[0], ts));
  CHECK(ts.numerator == 6);
  CHECK(ts.denominator == 8);
  CHECK(ts.clocks_per_click == 36);
  midi::KeySignature ks;
  REQUIRE(midi::key_signature_of(t, t.events[1], ks));
  CHECK(ks.sharps == -3);
  CHECK(ks.minor);
  midi::SmpteOffset so;
  REQUIRE(midi::smpte_offset_of(t, t.events[2], so));
  CHECK(so.frames_per_second == 30);
  CHECK(so.hours == 1);
  CHECK(so.hundredths == 50);
  CHECK(midi::meta::is_text(t.events[3].data1));
  CHECK(t.payload(t.events[3]).text() == "la");
  CHECK_FALSE(midi::key_signature_of(t, t.events[4], ks));
  CHECK_FALSE(midi::time_signature_of(t, t.events[1], ts));
}

}  // TEST_SUITE
