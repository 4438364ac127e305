#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include <symphonic/midi/notes.hpp>
#include <symphonic/midi/notes_to_file.hpp>
#include <symphonic/midi/tempo_map.hpp>

#include "midi/random_file.hpp"

using namespace symphonic;

TEST_SUITE("midi") {

TEST_CASE("tempo map: piecewise exact seconds for ticks per quarter") {
  midi::File file;
  file.division = midi::Division::quarter(480);
  file.tracks.resize(2);
  file.tracks[0].add_tempo(960, 250000);   // 240 bpm from tick 960
  file.tracks[1].add_tempo(1440, 1000000); // 60 bpm from tick 1440, in another track
  const midi::TempoMap map(file);
  CHECK(map.segments().size() == 3);
  CHECK(map.change_count() == 2);
  CHECK(map.seconds(0) == 0.0);
  CHECK(map.seconds(480) == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(map.seconds(960) == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(map.seconds(1440) == doctest::Approx(1.25).epsilon(1e-15));
  CHECK(map.seconds(1920) == doctest::Approx(2.25).epsilon(1e-15));
  CHECK(map.tempo_at(1000) == 250000);
  CHECK(map.bpm_at(2000) == doctest::Approx(60.0));
  CHECK(map.tick(1.25) == 1440);
  CHECK(map.tick(2.25) == 1920);

  SUBCASE("a far tick costs one segment") {
    CHECK(map.seconds(std::int64_t{1} << 28) ==
          doctest::Approx(1.25 + double((std::int64_t{1} << 28) - 1440) / 480.0));
  }
  SUBCASE("two tempos at one tick: the later track wins") {
    file.tracks[1].events.clear();
    file.tracks[1].data.clear();
    file.tracks[1].add_tempo(960, 1000000);
    const midi::TempoMap tie(file);
    CHECK(tie.segments().size() == 2);
    CHECK(tie.tempo_at(960) == 1000000);
  }
  SUBCASE("the cursor agrees with the map, backwards too") {
    midi::TempoMap::Cursor cursor(map);
    for (std::int64_t t : {0, 500, 960, 1500, 3000, 100, 1440, 5})
      CHECK(cursor.seconds(t) == map.seconds(t));
  }
}

TEST_CASE("tempo map: SMPTE time ignores tempo events") {
  midi::File file;
  file.division = midi::Division::smpte(25, 40);
  file.tracks.resize(1);
  file.tracks[0].add_tempo(0, 250000);
  const midi::TempoMap map(file);
  CHECK(map.is_smpte());
  CHECK(map.seconds(1000) == doctest::Approx(1.0));
  file.division = midi::Division::smpte(29, 100);
  CHECK(midi::TempoMap(file).seconds(2997) == doctest::Approx(1.0));
  CHECK(midi::ticks_per_quarter(file.division) == 1499);
}

namespace {

midi::File one_track(std::vector<midi::Event> events, int division = 480) {
  midi::File file;
  file.format = 0;
  file.division = midi::Division::quarter(division);
  file.tracks.resize(1);
  file.tracks[0].events = std::move(events);
  return file;
}

midi::Event on(std::int64_t tick, int pitch, int velocity, int channel = 0) {
  return midi::Event::channel_message(tick, static_cast<std::uint8_t>(0x90 | channel),
                                      static_cast<std::uint8_t>(pitch),
                                      static_cast<std::uint8_t>(velocity));
}
midi::Event off(std::int64_t tick, int pitch, int channel = 0) {
  return midi::Event::channel_message(tick, static_cast<std::uint8_t>(0x80 | channel),
                                      static_cast<std::uint8_t>(pitch), 0);
}
midi::Event cc(std::int64_t tick, int controller, int value, int channel = 0) {
  return midi::Event::channel_message(tick, static_cast<std::uint8_t>(0xB0 | channel),
                                      static_cast<std::uint8_t>(controller),
                                      static_cast<std::uint8_t>(value));
}

}  // namespace

TEST_CASE("notes: pairing, velocity-0 note-offs and notes left open") {
  const midi::File file =
      one_track({on(0, 60, 100), on(240, 60, 50), off(480, 60), on(600, 64, 0) /* stray off */,
                 on(720, 60, 0), on(800, 67, 90), off(960, 99)});
  SUBCASE("first in, first out") {
    const midi::NoteList list = midi::extract_notes(file);
    CHECK(list.ticks_per_quarter == 480);
    REQUIRE(list.notes.size() == 3);
    CHECK(list.notes[0].start_tick == 0);
    CHECK(list.notes[0].end_tick == 480);
    CHECK(list.notes[0].velocity == 100);
    CHECK(list.notes[1].start_tick == 240);
    CHECK(list.notes[1].end_tick == 720);
    CHECK(list.notes[2].pitch == 67);
    CHECK(list.notes[2].end_tick == 960);  // never ended: closes at the track's last tick
    CHECK(list.notes[1].start_s == doctest::Approx(0.25));
    CHECK(list.notes[1].end_s == doctest::Approx(0.75));
  }
  SUBCASE("last in, first out") {
    const midi::NoteList list = midi::extract_notes(file, {midi::Pairing::lifo, false});
    REQUIRE(list.notes.size() == 3);
    CHECK(list.notes[0].end_tick == 720);
    CHECK(list.notes[1].end_tick == 480);
  }
}

TEST_CASE("notes: the sustain pedal extends released notes") {
  const midi::File file = one_track({cc(0, 64, 127), on(0, 60, 100), off(100, 60),
                                     on(200, 62, 100), off(250, 62), on(300, 62, 80),
                                     off(310, 62), cc(400, 64, 0), on(500, 65, 70),
                                     cc(550, 64, 100), off(600, 65)});
  SUBCASE("off by default") {
    const auto notes = midi::extract_notes(file).notes;
    REQUIRE(notes.size() == 4);
    CHECK(notes[0].end_tick == 100);
  }
  SUBCASE("on") {
    const auto notes = midi::extract_notes(file, {midi::Pairing::fifo, true}).notes;
    REQUIRE(notes.size() == 4);
    CHECK(notes[0].end_tick == 400);  // until the pedal lifts
    CHECK(notes[1].end_tick == 300);  // re-struck on the same key first
    CHECK(notes[2].end_tick == 400);
    CHECK(notes[3].end_tick == 600);  // pedal down again at 550 is never lifted: track end
  }
}

TEST_CASE("notes: programs across tracks, drums, sort order") {
  midi::File file;
  file.format = 1;
  file.division = midi::Division::quarter(96);
  file.tracks.resize(3);
  file.tracks[0].add_program_change(0, 2, 40);
  file.tracks[0].add_program_change(96, 2, 41);
  file.tracks[0].add_end_of_track(96);
  file.tracks[1].add_note_on(0, 2, 70, 80);
  file.tracks[1].add_note_on(96, 2, 72, 80);
  file.tracks[1].add_note_off(192, 2, 70);
  file.tracks[1].add_note_off(192, 2, 72);
  file.tracks[2].add_note_on(0, 9, 36, 127);
  file.tracks[2].add_note_on(0, 9, 35, 127);
  file.tracks[2].add_note_off(10, 9, 36);
  file.tracks[2].add_note_off(10, 9, 35);
  const auto notes = midi::extract_notes(file).notes;
  REQUIRE(notes.size() == 4);
  CHECK(notes[0].pitch == 35);
  CHECK(notes[0].drum);
  CHECK(notes[0].track == 2);
  CHECK(notes[1].pitch == 36);
  CHECK(notes[2].pitch == 70);
  CHECK(notes[2].program == 40);
  CHECK_FALSE(notes[2].drum);
  CHECK(notes[3].program == 41);  // a change at the same tick in an earlier track applies
  CHECK(notes[3].track == 1);
}

TEST_CASE("notes: the two-ended merge of tracks equals a stable sort, ties and uneven sizes") {
  // Sizes from 0 to 40 on either side, keys from few values (many ties across and within the
  // ranges) to many; `index` records where each element came from, so a tie taken in the wrong
  // order, an element taken twice or one lost all show.
  std::mt19937 rng(7);
  for (int trial = 0; trial < 4000; ++trial) {
    const int left = static_cast<int>(rng() % 41), right = static_cast<int>(rng() % 41);
    const int ticks = 1 + static_cast<int>(rng() % 12), pitches = 1 + static_cast<int>(rng() % 3);
    std::vector<midi::detail::Paired> input(static_cast<std::size_t>(left + right));
    for (std::size_t i = 0; i < input.size(); ++i) {
      input[i].start_tick = static_cast<std::int64_t>(rng() % static_cast<unsigned>(ticks));
      input[i].pitch = static_cast<std::uint8_t>(rng() % static_cast<unsigned>(pitches));
      input[i].index = static_cast<std::int32_t>(i);
    }
    const auto by_key = [](const midi::detail::Paired& a, const midi::detail::Paired& b) {
      return a.start_tick != b.start_tick ? a.start_tick < b.start_tick : a.pitch < b.pitch;
    };
    std::sort(input.begin(), input.begin() + left, by_key);
    std::sort(input.begin() + left, input.end(), by_key);
    std::vector<midi::detail::Paired> expected = input;
    std::stable_sort(expected.begin(), expected.end(), by_key);
    std::vector<midi::detail::Paired> merged(input.size());
    midi::detail::merge_two(input.data(), input.data() + left, input.data() + input.size(),
                            merged.data());
    for (std::size_t i = 0; i < input.size(); ++i) {
      INFO("trial " << trial << ", sizes " << left << " + " << right << ", element " << i);
      REQUIRE(merged[i].index == expected[i].index);
    }
  }
}

namespace {

// extract_notes written the slow, obvious way, from the rules at the top of notes.hpp: a queue
// per (track, channel, key), programs and pedal changes looked up by scanning the events in
// merged order, seconds from TempoMap, and one stable sort at the end.
std::vector<midi::Note> reference_notes(const midi::File& file, midi::NoteOptions options) {
  struct Change {
    std::int64_t tick;
    std::size_t track, index;
    int channel, value;
  };
  const bool independent = file.format == 2;
  // Changes of controller-like settings in merged order (tick, track, index) for one timeline.
  const auto changes = [&](std::size_t only, bool want_program) {
    std::vector<Change> list;
    for (std::size_t t = 0; t < file.tracks.size(); ++t) {
      if (independent && t != only) continue;
      const auto& events = file.tracks[t].events;
      for (std::size_t i = 0; i < events.size(); ++i) {
        const midi::Event& e = events[i];
        if (want_program && (e.status & 0xF0) == 0xC0)
          list.push_back({e.tick, t, i, e.status & 0x0F, e.data1});
        if (!want_program && (e.status & 0xF0) == 0xB0 && e.data1 == 64)
          list.push_back({e.tick, t, i, e.status & 0x0F, e.data2});
      }
    }
    std::stable_sort(list.begin(), list.end(), [](const Change& a, const Change& b) {
      return std::tie(a.tick, a.track, a.index) < std::tie(b.tick, b.track, b.index);
    });
    return list;
  };
  std::vector<midi::Note> all;  // in note-on order, track after track
  for (std::size_t t = 0; t < file.tracks.size(); ++t) {
    const auto& events = file.tracks[t].events;
    const std::vector<Change> programs = changes(t, true);
    // Pedal-down intervals [down, up) per channel, empty ones dropped.
    std::vector<std::pair<std::int64_t, std::int64_t>> down[16];
    if (options.sustain_pedal) {
      bool is_down[16] = {};
      std::int64_t since[16] = {};
      for (const Change& c : changes(t, false)) {
        const bool now = c.value >= 64;
        if (now && !is_down[c.channel]) since[c.channel] = c.tick;
        if (!now && is_down[c.channel] && c.tick > since[c.channel])
          down[c.channel].emplace_back(since[c.channel], c.tick);
        is_down[c.channel] = now;
      }
      for (int c = 0; c < 16; ++c)
        if (is_down[c]) down[c].emplace_back(since[c], std::numeric_limits<std::int64_t>::max());
    }
    const std::int64_t last_tick = events.empty() ? 0 : events.back().tick;
    const std::size_t first = all.size();
    std::map<int, std::deque<std::size_t>> sounding;  // key -> indices into `all`
    std::map<int, std::size_t> held;                  // key -> the note a pedal holds last
    for (std::size_t i = 0; i < events.size(); ++i) {
      const midi::Event& e = events[i];
      const int kind = e.status & 0xF0, channel = e.status & 0x0F;
      if (kind != 0x90 && kind != 0x80) continue;
      const int key = channel * 128 + e.data1;
      if (kind == 0x90 && e.data2 != 0) {
        if (held.count(key)) {
          auto& end = all[held[key]].end_tick;
          end = std::min(end, e.tick);
          held.erase(key);
        }
        midi::Note n;
        n.pitch = e.data1;
        n.velocity = e.data2;
        n.start_tick = e.tick;
        n.end_tick = -1;
        n.channel = channel;
        n.track = static_cast<int>(t);
        n.drum = channel == 9;
        n.program = 0;
        for (const Change& c : programs)
          if (c.channel == channel &&
              std::tie(c.tick, c.track, c.index) < std::tie(e.tick, t, i))
            n.program = c.value;
        all.push_back(n);
        sounding[key].push_back(all.size() - 1);
        continue;
      }
      auto& queue = sounding[key];
      if (queue.empty()) continue;
      std::size_t ended;
      if (options.pairing == midi::Pairing::fifo) {
        ended = queue.front();
        queue.pop_front();
      } else {
        ended = queue.back();
        queue.pop_back();
      }
      all[ended].end_tick = e.tick;
      for (const auto& iv : down[channel])
        if (iv.first <= e.tick && e.tick < iv.second) {
          all[ended].end_tick = iv.second;
          held[key] = ended;
        }
    }
    for (std::size_t k = first; k < all.size(); ++k) {
      auto& n = all[k];
      if (n.end_tick < 0 || n.end_tick == std::numeric_limits<std::int64_t>::max())
        n.end_tick = std::max(last_tick, n.start_tick);
    }
  }
  for (midi::Note& n : all) {
    const midi::TempoMap map(file, independent ? n.track : -1);
    n.start_s = map.seconds(n.start_tick);
    n.end_s = map.seconds(n.end_tick);
  }
  std::stable_sort(all.begin(), all.end(), [](const midi::Note& a, const midi::Note& b) {
    return std::tie(a.start_tick, a.pitch, a.track, a.channel) <
           std::tie(b.start_tick, b.pitch, b.track, b.channel);
  });
  return all;
}

}  // namespace

TEST_CASE("notes: extract_notes equals a plain re-statement of its rules on random files") {
  std::mt19937 rng(2026);
  int notes = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const midi::File file = midi_fixtures::random_file(rng);
    for (const midi::Pairing pairing : {midi::Pairing::fifo, midi::Pairing::lifo})
      for (const bool pedal : {false, true}) {
        const midi::NoteOptions options{pairing, pedal};
        const std::vector<midi::Note> expected = reference_notes(file, options);
        const std::vector<midi::Note> got = midi::extract_notes(file, options).notes;
        INFO("trial " << trial << ", format " << file.format << ", lifo "
                      << (pairing == midi::Pairing::lifo) << ", pedal " << pedal);
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
          INFO("note " << i << ": got pitch " << got[i].pitch << " start " << got[i].start_tick
                       << " end " << got[i].end_tick << " track " << got[i].track
                       << ", expected pitch " << expected[i].pitch << " start "
                       << expected[i].start_tick << " end " << expected[i].end_tick
                       << " track " << expected[i].track);
          REQUIRE(got[i] == expected[i]);
        }
        notes += static_cast<int>(got.size());
      }
  }
  CHECK(notes > 100000);
}

TEST_CASE("notes: format 2 tracks keep their own tempo and programs; SMPTE time") {
  midi::File file;
  file.format = 2;
  file.division = midi::Division::quarter(100);
  file.tracks.resize(2);
  file.tracks[0].add_tempo(0, 1000000);  // 60 bpm, this track only
  file.tracks[0].add_program_change(0, 0, 7);
  file.tracks[0].add_note_on(100, 0, 60, 1);
  file.tracks[0].add_note_off(200, 0, 60);
  file.tracks[1].add_note_on(100, 0, 62, 1);  // 120 bpm, program 0: track 0's do not apply
  file.tracks[1].add_note_off(200, 0, 62);
  auto notes = midi::extract_notes(file).notes;
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].start_s == doctest::Approx(1.0));
  CHECK(notes[0].end_s == doctest::Approx(2.0));
  CHECK(notes[0].program == 7);
  CHECK(notes[1].start_s == doctest::Approx(0.5));
  CHECK(notes[1].program == 0);

  file.format = 1;
  notes = midi::extract_notes(file).notes;
  CHECK(notes[1].start_s == doctest::Approx(1.0));  // format 1: one shared tempo map
  CHECK(notes[1].program == 7);                     // and one program state per channel

  file.division = midi::Division::smpte(25, 4);  // 100 ticks per second
  notes = midi::extract_notes(file).notes;
  CHECK(notes[0].start_s == doctest::Approx(1.0));
  CHECK(notes[0].end_s == doctest::Approx(2.0));
}

TEST_CASE("notes: notes_to_file plays the same notes back") {
  midi::NoteList list;
  list.ticks_per_quarter = 96;
  auto note = [](int pitch, std::int64_t start, std::int64_t end, int channel, int program) {
    midi::Note n;
    n.pitch = pitch;
    n.velocity = 90;
    n.start_tick = start;
    n.end_tick = end;
    n.channel = channel;
    n.program = program;
    n.drum = channel == 9;
    return n;
  };
  list.notes = {note(60, 0, 96, 0, 0), note(60, 96, 192, 0, 0), note(64, 0, 192, 1, 33),
                note(36, 48, 49, 9, 0), note(67, 100, 100, 1, 34)};
  const midi::File file = midi::notes_to_file(list, {90, 96, 3, 4, "tune"});
  CHECK(file.format == 1);
  CHECK(file.tracks.size() == 4);  // conductor + three (track, channel) groups
  const midi::TempoMap map(file);
  CHECK(map.bpm_at(0) == doctest::Approx(90.0).epsilon(1e-6));
  const auto back = midi::extract_notes(file).notes;
  REQUIRE(back.size() == 5);
  CHECK(back[0].pitch == 60);
  CHECK(back[0].end_tick == 96);  // re-struck at 96: the off comes first
  CHECK(back[1].pitch == 64);
  CHECK(back[1].program == 33);
  CHECK(back[2].pitch == 36);
  CHECK(back[2].drum);
  CHECK(back[3].pitch == 60);
  CHECK(back[3].start_tick == 96);
  CHECK(back[4].pitch == 67);
  CHECK(back[4].end_tick == 101);  // at least one tick long
  CHECK(back[4].program == 34);

  SUBCASE("by seconds when the list has no ticks") {
    midi::NoteList seconds;
    seconds.ticks_per_quarter = 0;
    midi::Note n;
    n.start_s = 0.5;
    n.end_s = 1.0;
    seconds.notes = {n};
    const auto placed = midi::extract_notes(midi::notes_to_file(seconds)).notes;
    REQUIRE(placed.size() == 1);
    CHECK(placed[0].start_tick == 480);
    CHECK(placed[0].end_tick == 960);
    CHECK(placed[0].end_s == doctest::Approx(1.0));
  }
}

}  // TEST_SUITE
