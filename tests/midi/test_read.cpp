#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <symphonic/midi/read.hpp>

#include "midi/fixtures.hpp"

using namespace symphonic;
using namespace midi_fixtures;

namespace {

// Header (14 bytes) + MTrk header (8): the first event byte of track 0 is at offset 22.
constexpr std::size_t first_event = 22;

midi::ParseError parse_error(const Bytes& bytes, midi::ReadOptions options = {}) {
  try {
    midi::read(bytes, options);
  } catch (const midi::ParseError& e) {
    return e;
  }
  FAIL("expected a midi::ParseError");
  return midi::ParseError(0, -1, "");
}

std::vector<midi::Warning> warnings_of(const Bytes& bytes) {
  std::vector<midi::Warning> warnings;
  midi::read(bytes, {}, &warnings);
  return warnings;
}

const midi::ReadOptions strict{true};

}  // namespace

TEST_SUITE("midi") {

TEST_CASE("read: a format 0 file with notes, running status and metas") {
  const Bytes bytes = smf(0, 96,
                          {with_eot({0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,  // tempo 500000
                                     0x00, 0x90, 60, 100,                      // note on
                                     0x60, 62, 90,                             // running status
                                     0x81, 0x00, 0x80, 60, 0,                  // delta 128
                                     0x00, 0xC1, 5})});                        // program change
  std::vector<midi::Warning> warnings;
  const midi::File file = midi::read(bytes, strict, &warnings);
  CHECK(warnings.empty());
  CHECK(file.format == 0);
  CHECK(file.division == midi::Division::quarter(96));
  REQUIRE(file.tracks.size() == 1);
  const midi::Track& t = file.tracks[0];
  REQUIRE(t.events.size() == 6);
  CHECK(t.events[0].is_meta(midi::meta::tempo));
  CHECK(midi::tempo_of(t, t.events[0]) == 500000);
  CHECK(t.events[1].is_note_on());
  CHECK(t.events[1].tick == 0);
  CHECK(t.events[2].status == 0x90);
  CHECK(t.events[2].data1 == 62);
  CHECK(t.events[2].tick == 96);
  CHECK((t.events[2].flags & midi::Event::running_status_flag) != 0);
  CHECK(t.events[3].is_note_off());
  CHECK(t.events[3].tick == 96 + 128);
  CHECK(t.events[4].status == 0xC1);
  CHECK(t.events[4].data1 == 5);
  CHECK(t.events[4].data2 == 0);
  CHECK(t.events[5].is_end_of_track());
  CHECK(t.events[5].tick == 224);
}

TEST_CASE("read: sysex, escapes, text metas and unknown metas keep their payloads") {
  const Bytes bytes = smf(1, 480,
                          {with_eot({0x00, 0xF0, 0x03, 0x7E, 0x7F, 0xF7,      // sysex
                                     0x00, 0xF7, 0x02, 0xF8, 0xFA,            // escape
                                     0x00, 0xFF, 0x03, 0x02, 'h', 'i',        // track name
                                     0x00, 0xFF, 0x60, 0x01, 0x42,            // unknown meta
                                     0x00, 0xFF, 0x58, 0x04, 6, 3, 24, 8})}); // time signature
  const midi::File file = midi::read(bytes, strict);
  const midi::Track& t = file.tracks[0];
  REQUIRE(t.events.size() == 6);
  CHECK(t.events[0].status == 0xF0);
  CHECK(t.payload(t.events[0]) == midi::Bytes{bytes.data() + 25, 3});
  CHECK(t.events[1].status == 0xF7);
  CHECK(t.payload(t.events[1]).size == 2);
  CHECK(t.payload(t.events[1])[0] == 0xF8);
  CHECK(t.payload(t.events[2]).text() == "hi");
  CHECK(t.events[3].is_meta(0x60));
  CHECK(t.payload(t.events[3])[0] == 0x42);
  CHECK(t.payload(t.events[4]).size == 4);
}

TEST_CASE("read: SMPTE division, format 2, header longer than 6 and unknown chunks") {
  Bytes bytes = chunk("MThd", {0, 2, 0, 2, 0xE7, 40, 0xAA, 0xBB});  // -25 fps, 40 ticks, 2 extra
  append(bytes, chunk("XFIH", {1, 2, 3}));
  append(bytes, track(with_eot({0x00, 0x90, 60, 1})));
  append(bytes, chunk("junk", {}));
  append(bytes, track(end_of_track));
  std::vector<midi::Warning> warnings;
  const midi::File file = midi::read(bytes, strict, &warnings);
  CHECK(warnings.empty());
  CHECK(file.format == 2);
  CHECK(file.division.is_smpte());
  CHECK(file.division.frames_per_second == 25);
  CHECK(file.division.ticks_per_frame == 40);
  CHECK(midi::ticks_per_quarter(file.division) == 500);
  CHECK(file.tracks.size() == 2);
}

TEST_CASE("read: a RIFF RMID wrapper") {
  const Bytes inner = smf(0, 96, {with_eot({0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0})});
  Bytes bytes{'R', 'I', 'F', 'F', 0, 0, 0, 0, 'R', 'M', 'I', 'D'};
  append(bytes, {'L', 'I', 'S', 'T', 3, 0, 0, 0, 'a', 'b', 'c', 0});  // odd size: padded
  append(bytes, {'d', 'a', 't', 'a'});
  const auto n = static_cast<std::uint8_t>(inner.size());
  append(bytes, {n, 0, 0, 0});
  const std::size_t inner_at = bytes.size();
  append(bytes, inner);
  const midi::File file = midi::read(bytes, strict);
  CHECK(file.tracks.at(0).events.size() == 3);

  SUBCASE("errors inside report offsets in the whole stream") {
    Bytes broken = bytes;
    broken[inner_at + 22 + 1] = 0x40;  // data byte where the first status should be
    const auto e = parse_error(broken);
    CHECK(e.byte_offset() == inner_at + 23);
    CHECK(e.track() == 0);
  }
  SUBCASE("no data chunk") {
    Bytes empty{'R', 'I', 'F', 'F', 4, 0, 0, 0, 'R', 'M', 'I', 'D'};
    CHECK(parse_error(empty).byte_offset() == 12);
  }
}

TEST_CASE("read: errors that no mode can repair carry offset, track and expectation") {
  SUBCASE("not a MIDI file") {
    const auto e = parse_error({'R', 'I', 'F', 'X', 0, 0});
    CHECK(e.byte_offset() == 0);
    CHECK(e.track() == -1);
    CHECK(e.expected().find("MThd") != std::string::npos);
  }
  SUBCASE("empty input") { CHECK(parse_error({}).byte_offset() == 0); }
  SUBCASE("header cut short") {
    const Bytes bytes{'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1};
    CHECK(parse_error(bytes).byte_offset() == 10);
  }
  SUBCASE("header length under 6") {
    const Bytes bytes{'M', 'T', 'h', 'd', 0, 0, 0, 4, 0, 1, 0, 1, 0, 96};
    CHECK(parse_error(bytes).byte_offset() == 4);
  }
  SUBCASE("zero division") {
    CHECK(parse_error(smf(0, 0, {end_of_track})).byte_offset() == 12);
  }
  SUBCASE("zero ticks per SMPTE frame") {
    CHECK(parse_error(smf(0, 0xE700, {end_of_track})).byte_offset() == 13);
  }
  SUBCASE("data byte with no running status") {
    const auto e = parse_error(smf(0, 96, {with_eot({0x00, 0x3C, 0x40})}));
    CHECK(e.byte_offset() == first_event + 1);
    CHECK(e.track() == 0);
    CHECK(std::string(e.what()).find("expected") == std::string::npos);
    CHECK(e.expected() == "a status byte, got data byte 0x3C");
  }
  SUBCASE("a delta time over 4 bytes, in the second track") {
    const Bytes bytes = smf(1, 96, {end_of_track, {0x81, 0x81, 0x81, 0x81, 0x01, 0x90, 60, 1}});
    const auto e = parse_error(bytes);
    CHECK(e.track() == 1);
    CHECK(e.byte_offset() == first_event + 4 + 8 + 4);
  }
  SUBCASE("a meta length over 4 bytes") {
    const auto e = parse_error(smf(0, 96, {{0x00, 0xFF, 0x01, 0x81, 0x81, 0x81, 0x81, 0x01}}));
    CHECK(e.byte_offset() == first_event + 3);
  }
}

TEST_CASE("read: tolerant repairs each give a warning with the byte; strict throws there") {
  SUBCASE("track length too long (runs past the end of the file)") {
    Bytes bytes = header(0, 1, 96);
    append(bytes, track(with_eot({0x00, 0x90, 60, 1})));
    bytes[21] = 0x40;  // length 64 instead of 8
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == 18);
    CHECK(w[0].track == 0);
    CHECK(midi::read(bytes).tracks[0].events.size() == 2);
    CHECK(parse_error(bytes, strict).byte_offset() == 18);
  }
  SUBCASE("track length too long (overlaps the next track)") {
    Bytes bytes = header(1, 2, 96);
    append(bytes, track(end_of_track, 12));
    append(bytes, track(with_eot({0x00, 0x90, 60, 1})));
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == 18);
    CHECK(midi::read(bytes).tracks.size() == 2);
    CHECK(midi::read(bytes).tracks[1].events.size() == 2);
    CHECK(parse_error(bytes, strict).byte_offset() == 18);
  }
  SUBCASE("track length too short") {
    Bytes bytes = header(0, 1, 96);
    append(bytes, track(with_eot({0x00, 0x90, 60, 1, 0x00, 0x90, 62, 1}), 5));
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == 18);
    CHECK(midi::read(bytes).tracks[0].events.size() == 3);
    CHECK(parse_error(bytes, strict).byte_offset() == 18);
  }
  SUBCASE("missing end of track followed by garbage is not read as a short length") {
    Bytes bytes = header(0, 1, 96);
    append(bytes, track({0x00, 0x90, 60, 1}));
    append(bytes, {0x01, 0x3C, 0x40});  // a data byte with no status if read as events
    std::vector<midi::Warning> w;
    const midi::File file = midi::read(bytes, {}, &w);
    REQUIRE(w.size() == 2);
    CHECK(w[0].message == "track has no end-of-track event");
    CHECK(w[0].byte_offset == first_event + 4);
    CHECK(w[1].byte_offset == first_event + 4);
    CHECK(file.tracks[0].events.size() == 1);
    CHECK(parse_error(bytes, strict).byte_offset() == 18);
  }
  SUBCASE("bytes after end of track inside the chunk") {
    const Bytes bytes = smf(0, 96, {{0x00, 0xFF, 0x2F, 0x00, 0x12, 0x34}});
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == first_event + 4);
    CHECK(parse_error(bytes, strict).byte_offset() == first_event + 4);
  }
  SUBCASE("missing end of track before the next chunk") {
    Bytes bytes = header(1, 2, 96);
    append(bytes, track({0x00, 0x90, 60, 1}));
    append(bytes, track(end_of_track));
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == first_event + 4);
    CHECK(w[0].message == "track has no end-of-track event");
    const midi::File file = midi::read(bytes);
    CHECK(file.tracks.size() == 2);
    CHECK(file.tracks[0].events.size() == 1);
    CHECK(parse_error(bytes, strict).byte_offset() == first_event + 4);
  }
  SUBCASE("missing end of track at the end of the file") {
    const Bytes bytes = smf(0, 96, {{0x00, 0x90, 60, 1}});
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == first_event + 4);
  }
  SUBCASE("truncated inside an event") {
    Bytes bytes = smf(0, 96, {{0x00, 0x90, 60, 1, 0x00, 0x90, 62}});
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == first_event + 4);
    CHECK(midi::read(bytes).tracks[0].events.size() == 1);
    CHECK(parse_error(bytes, strict).byte_offset() == first_event + 4);
  }
  SUBCASE("truncated inside a meta payload") {
    Bytes bytes = smf(0, 96, {{0x00, 0xFF, 0x01, 0x20, 'a', 'b'}});
    CHECK(warnings_of(bytes).size() == 1);
    CHECK(midi::read(bytes).tracks[0].events.empty());
  }
  SUBCASE("running status after a meta event") {
    const Bytes bytes =
        smf(0, 96, {with_eot({0x00, 0x90, 60, 1, 0x00, 0xFF, 0x01, 0x00, 0x00, 62, 1,
                              0x00, 0xFF, 0x01, 0x00, 0x00, 64, 1})});
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);  // repeats are counted in one warning
    CHECK(w[0].byte_offset == first_event + 9);
    CHECK(w[0].message.find("2 times") != std::string::npos);
    const midi::File file = midi::read(bytes);
    CHECK(file.tracks[0].events[2].status == 0x90);
    CHECK(file.tracks[0].events[2].data1 == 62);
    CHECK(parse_error(bytes, strict).byte_offset() == first_event + 9);
  }
  SUBCASE("data byte over 127") {
    const Bytes bytes = smf(0, 96, {with_eot({0x00, 0x90, 60, 0xC0})});
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == first_event + 3);
    CHECK(midi::read(bytes).tracks[0].events[0].data2 == 0x40);
    CHECK(parse_error(bytes, strict).byte_offset() == first_event + 3);
  }
  SUBCASE("a system real-time byte inside a track") {
    const Bytes bytes = smf(0, 96, {with_eot({0x00, 0xF8, 0x00, 0x90, 60, 1})});
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == first_event + 1);
    CHECK(midi::read(bytes).tracks[0].events.size() == 2);
    CHECK(parse_error(bytes, strict).byte_offset() == first_event + 1);
  }
  SUBCASE("garbage after the last chunk") {
    Bytes bytes = smf(0, 96, {end_of_track});
    append(bytes, {0x01, 0x02, 0x03});
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == 26);
    CHECK(parse_error(bytes, strict).byte_offset() == 26);
  }
  SUBCASE("padding after the last chunk is not garbage") {
    Bytes bytes = smf(0, 96, {end_of_track});
    append(bytes, {0x0A, 0x00, 0x1A});
    CHECK(warnings_of(bytes).empty());
    CHECK_NOTHROW(midi::read(bytes, strict));
  }
  SUBCASE("header track count too high") {
    Bytes bytes = header(1, 3, 96);
    append(bytes, track(end_of_track));
    const auto w = warnings_of(bytes);
    REQUIRE(w.size() == 1);
    CHECK(w[0].byte_offset == 10);
    CHECK(parse_error(bytes, strict).byte_offset() == 10);
  }
  SUBCASE("header track count too low") {
    Bytes bytes = header(1, 1, 96);
    append(bytes, track(end_of_track));
    append(bytes, track(end_of_track));
    CHECK(warnings_of(bytes).size() == 1);
    CHECK(midi::read(bytes).tracks.size() == 2);
  }
  SUBCASE("format over 2") {
    Bytes bytes = header(7, 1, 96);
    append(bytes, track(end_of_track));
    CHECK(warnings_of(bytes).size() == 1);
    CHECK(midi::read(bytes).format == 1);
    CHECK(parse_error(bytes, strict).byte_offset() == 8);
  }
}

TEST_CASE("read: a missing file is an io::FileError") {
  CHECK_THROWS_AS(midi::read_file("/nonexistent/symphonic/none.mid"), io::FileError);
}

}  // TEST_SUITE

TEST_SUITE("midi") {

TEST_CASE("read_into: reusing a File gives the same result as a fresh read") {
  const Bytes three = smf(1, 96, {with_eot({0x00, 0x90, 60, 1}), end_of_track, end_of_track});
  const Bytes one = smf(0, 48, {with_eot({0x00, 0xFF, 0x01, 0x02, 'h', 'i', 0x00, 0xC0, 3})});
  midi::File reused;
  midi::read_into(reused, three.data(), three.size());
  CHECK(reused == midi::read(three));
  midi::read_into(reused, one.data(), one.size());
  CHECK(reused == midi::read(one));
  CHECK(reused.tracks.size() == 1);
  CHECK(reused.tracks[0].payload(reused.tracks[0].events[0]).text() == "hi");
  CHECK_THROWS_AS(midi::read_into(reused, three.data(), 5), midi::ParseError);
}

}  // TEST_SUITE
