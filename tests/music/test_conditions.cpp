// Control tokens: key, density and tempo estimates, their placement in the token stream, and the
// encoders' condition= option.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "symphonic/music/chord_encoder.hpp"
#include "symphonic/music/conditions.hpp"
#include "symphonic/music/event_encoder.hpp"
#include "symphonic/music/factory.hpp"

using namespace symphonic;

namespace {

// Quarter notes at 120 bpm (480 ticks, 0.5 s each) on the given pitches, one after another.
midi::NoteList melody(const std::vector<int>& pitches, double seconds_per_quarter = 0.5) {
  midi::NoteList list;
  list.ticks_per_quarter = 480;
  for (std::size_t i = 0; i < pitches.size(); ++i) {
    midi::Note n;
    n.pitch = pitches[i];
    n.velocity = 80;
    n.start_tick = static_cast<std::int64_t>(i) * 480;
    n.end_tick = n.start_tick + 480;
    n.start_s = static_cast<double>(i) * seconds_per_quarter;
    n.end_s = n.start_s + seconds_per_quarter;
    list.notes.push_back(n);
  }
  return list;
}

}  // namespace

TEST_SUITE("music") {

TEST_CASE("conditions: the key of scales and cadences, by the Krumhansl-Kessler profiles") {
  CHECK(music::estimate_key(melody({60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60})) == 0);              // C major
  CHECK(music::estimate_key(melody({67, 69, 71, 72, 74, 76, 78, 79, 74, 71, 67})) == 7);              // G major
  CHECK(music::estimate_key(melody({57, 59, 60, 62, 64, 65, 68, 69, 64, 60, 57})) == 12 + 9);         // A harmonic minor
  CHECK(music::estimate_key(melody({66, 68, 70, 71, 73, 75, 77, 78, 73, 70, 66})) == 6);              // F# major
  // transposing moves the key with it
  for (int shift = 0; shift < 12; ++shift) {
    std::vector<int> scale;
    for (int p : {60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60}) scale.push_back(p + shift);
    CHECK(music::estimate_key(melody(scale)) == shift);
  }
  midi::NoteList drums = melody({36, 38, 42});
  for (auto& n : drums.notes) n.drum = true;
  CHECK(music::estimate_key(drums) == -1);  // nothing pitched
  CHECK(music::estimate_key(midi::NoteList{}) == -1);
}

TEST_CASE("conditions: key names both ways, density and tempo levels") {
  CHECK(music::key_token(0) == "<key:C>");
  CHECK(music::key_token(7) == "<key:G>");
  CHECK(music::key_token(12 + 4) == "<key:Em>");
  CHECK(music::key_token(6) == "<key:F#>");
  CHECK(music::parse_key("G") == 7);
  CHECK(music::parse_key("F#m") == 12 + 6);
  CHECK(music::parse_key("Bb") == 10);
  CHECK(music::parse_key("Cb") == 11);
  CHECK(music::parse_key("Ebm") == 12 + 3);
  for (const char* bad : {"", "H", "c", "G#x", "Gmm", "#"}) CHECK(music::parse_key(bad) == -1);
  for (int k = 0; k < 24; ++k) {  // every token names its key back
    const std::string t = music::key_token(k);
    CHECK(music::parse_key(t.substr(5, t.size() - 6)) == k);
  }
  // 8 quarter notes of 0.5 s: 2 notes per second over 4 s; of 0.125 s: 8
  CHECK(music::estimate_density(melody({60, 62, 64, 65, 67, 69, 71, 72})) == 2);
  CHECK(music::estimate_density(melody({60, 62, 64, 65, 67, 69, 71, 72}, 0.125)) == 8);
  CHECK(music::estimate_density(melody(std::vector<int>(200, 60), 0.01)) == 16);  // capped
  CHECK(music::estimate_tempo(melody({60, 62, 64, 65})) == 120);
  CHECK(music::estimate_tempo(melody({60, 62, 64, 65}, 0.75)) == 80);
  CHECK(music::estimate_tempo(melody({60, 62, 64, 65}, 0.1)) == 240);  // 600 bpm: capped
  CHECK(music::estimate_tempo(melody({60}, 0.5)) == 120);             // one onset: no tempo to see
  CHECK(music::tempo_level(93) == 90);
  CHECK(music::tempo_level(10) == 40);
}

TEST_CASE("conditions: a block after <begin> and again after every N tokens, never right before <end>") {
  const std::vector<std::string> block = {"<key:G>", "<density:4>"};
  const std::vector<std::string> tokens = {"<begin>", "a", "b", "c", "d", "e", "f", "<end>"};
  CHECK(music::with_conditions(tokens, block, 3, "<begin>", "<end>") ==
        std::vector<std::string>{"<begin>", "<key:G>", "<density:4>", "a", "b", "c", "<key:G>", "<density:4>", "d", "e", "f", "<end>"});
  CHECK(music::with_conditions({"a", "b"}, block, 1, "<begin>", "<end>") ==
        std::vector<std::string>{"<key:G>", "<density:4>", "a", "<key:G>", "<density:4>", "b"});
  CHECK(music::with_conditions({}, block, 4, "<begin>", "<end>") == block);
}

TEST_CASE("conditions: encoders write them with condition=, decode skips them, options round trip") {
  const midi::NoteList tune = melody({67, 69, 71, 72, 74, 76, 78, 79, 74, 71, 67});  // G major, 2 notes/s, 120 bpm
  const music::ChordEncoder plain = music::ChordEncoder::from_text("chord timing=1 markers=1");
  const music::ChordEncoder conditioned =
      music::ChordEncoder::from_text("chord timing=1 markers=1 condition=key,density,tempo condition_every=6");
  CHECK(conditioned.options_text() ==
        "chord grid=music21 parts=all timing=1 voicing=close markers=1 condition=key,density,tempo condition_every=6");
  CHECK(music::make_encoder(conditioned.options_text())->options_text() == conditioned.options_text());
  CHECK(plain.options_text().find("condition") == std::string::npos);  // old options texts stay as they were
  const std::vector<std::string> tokens = conditioned.encode(tune);
  REQUIRE(tokens.size() > 4);
  CHECK(tokens[0] == "<begin>");
  CHECK(tokens[1] == "<key:G>");
  CHECK(tokens[2] == "<density:2>");
  CHECK(tokens[3] == "<tempo:120>");
  CHECK(tokens[4] == plain.encode(tune)[1]);
  std::size_t blocks = 0;
  for (const std::string& t : tokens) blocks += t == "<key:G>";
  CHECK(blocks == (plain.encode(tune).size() - 2 - 1) / 6 + 1);  // 22 body tokens: blocks at 0, 6, 12, 18
  music::DecodeStats stats;
  CHECK(conditioned.decode(tokens, &stats).notes == plain.decode(plain.encode(tune)).notes);
  CHECK(stats.skipped == 0);

  const music::EventEncoder events = music::EventEncoder::from_text("event condition=key");
  const std::vector<std::string> event_tokens = events.encode(tune);
  CHECK(event_tokens[0] == "<key:G>");
  CHECK(events.decode(event_tokens).notes.size() == tune.notes.size());
  CHECK(events.all_tokens().size() == music::EventEncoder().all_tokens().size() + 24);
  CHECK(events.conditions().key);
  CHECK(!events.conditions().density);

  CHECK_THROWS_WITH_AS(music::make_encoder("chord recipe=1 condition=key"),
                       "[symphonic.music.vocabulary_error] recipe=1 writes the recipe's tokens only: it takes no condition",
                       music::VocabularyError);
  for (const char* bad : {"event condition=mood", "event condition=key,key", "event condition=key,", "chord condition=,density",
                          "event condition=key condition_every=0"})
    CHECK_THROWS_AS(music::make_encoder(bad), music::VocabularyError);
}

}  // TEST_SUITE
