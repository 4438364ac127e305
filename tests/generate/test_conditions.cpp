// Generation from a model trained with control tokens: the block is fed after the primer and
// again every N tokens, requests the model cannot take are refused, and a model trained on pieces
// in two keys writes the key it is asked for.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <symphonic/generate/conditions.hpp>
#include <symphonic/generate/generator.hpp>
#include <symphonic/generate/primer.hpp>
#include <symphonic/music/chord_encoder.hpp>
#include <symphonic/music/vocabulary.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/optim/adam.hpp>

using namespace symphonic;
using generate::BatchGenerator;
using generate::ConditionError;
using generate::ConditionRequest;

namespace {

const int c_major[7] = {0, 2, 4, 5, 7, 9, 11};

bool in_scale(int pitch, int tonic) {
  const int pc = ((pitch - tonic) % 12 + 12) % 12;
  for (int degree : c_major)
    if (pc == degree) return true;
  return false;
}

// A tune of `length` quarter notes in the major key of `tonic`: a seeded walk over the scale's
// degrees in one octave, on the tonic at every fourth note.
midi::NoteList tune(int tonic, int length, nn::Rng& rng) {
  midi::NoteList list;
  list.ticks_per_quarter = 480;
  int degree = 0;
  for (int i = 0; i < length; ++i) {
    if (i % 4 == 0) degree = 0;
    else degree = std::min(7, std::max(0, degree + static_cast<int>(rng.below(5)) - 2));
    midi::Note n;
    n.pitch = 60 + tonic + (degree == 7 ? 12 : c_major[degree]);
    n.start_tick = 480 * i;
    n.end_tick = n.start_tick + 480;
    n.start_s = 0.5 * i;
    n.end_s = n.start_s + 0.5;
    list.notes.push_back(n);
  }
  return list;
}

nn::ModelConfig small_config(std::int32_t vocab) {
  nn::ModelConfig c;
  c.vocab_size = vocab;
  c.input = nn::InputKind::embedding;
  c.embedding_size = 12;
  c.lstm_size = 48;
  c.lstm_layers = 1;
  c.dense_sizes = {};
  c.batch_norm = false;
  c.dropout = 0;
  c.recurrent_dropout = 0;
  c.lstm_dropout = 0;
  return c;
}

}  // namespace

TEST_SUITE("generate") {

TEST_CASE("conditions: the block follows the primer and comes again after every N generated tokens") {
  const music::ChordEncoder encoder = music::ChordEncoder::from_text("chord markers=1 condition=key,density condition_every=3");
  const music::Vocabulary vocabulary =
      music::Vocabulary::build({{"<begin>", "<key:G>", "<key:C>", "<density:2>", "<density:4>", "C4", "D4", "<end>"}}, {}, encoder.options_text());
  nn::Model<double> model(small_config(vocabulary.size()), 3);
  BatchGenerator<double> generator(model, 2, generate::SamplerOptions{}, 5);
  generator.set_banned(generate::unplayable_ids(vocabulary));
  generator.prime({vocabulary.id("<begin>")});
  ConditionRequest request;
  request.key = music::parse_key("G");
  const std::vector<std::string> block = generate::start_conditions(generator, encoder, vocabulary, request);
  REQUIRE(block.size() == 2);
  CHECK(block[0] == "<key:G>");
  CHECK((block[1] == "<density:2>" || block[1] == "<density:4>"));  // the model's choice
  const auto pieces = generator.generate(7);
  for (nn::Index k = 0; k < 2; ++k) {
    const std::vector<std::int32_t>& h = generator.history(k);
    REQUIRE(h.size() == 1 + 2 + 7 + 2 * 2);  // <begin>, block, 7 tokens with a block after the 3rd and 6th
    std::vector<std::string> seen;
    for (std::int32_t id : h) seen.push_back(vocabulary.token(id));
    CAPTURE(k);
    for (std::size_t at : {std::size_t{1}, std::size_t{6}, std::size_t{11}}) {
      CHECK(seen[at] == block[0]);
      CHECK(seen[at + 1] == block[1]);
    }
    for (std::int32_t id : pieces[static_cast<std::size_t>(k)]) {  // only notes are sampled
      const std::string& t = vocabulary.token(id);
      CHECK((t == "C4" || t == "D4"));
    }
  }
}

TEST_CASE("conditions: requests a model cannot take are ConditionError, before anything is fed") {
  const music::ChordEncoder keyed = music::ChordEncoder::from_text("chord condition=key");
  const music::Vocabulary vocabulary = music::Vocabulary::build({{"<key:C>", "<key:Am>", "C4"}}, {}, keyed.options_text());
  nn::Model<double> model(small_config(vocabulary.size()), 3);
  BatchGenerator<double> generator(model, 1);
  generator.prime({vocabulary.id("C4")});
  ConditionRequest density;
  density.density = 4;
  CHECK_THROWS_WITH_AS(generate::start_conditions(generator, keyed, vocabulary, density),
                       doctest::Contains("trained without density tokens"), ConditionError);
  ConditionRequest unseen;
  unseen.key = music::parse_key("F#");
  CHECK_THROWS_WITH_AS(generate::start_conditions(generator, keyed, vocabulary, unseen),
                       doctest::Contains("never saw <key:F#> in training; it knows <key:C> <key:Am>"), ConditionError);
  const music::ChordEncoder plain;
  CHECK_THROWS_AS(generate::start_conditions(generator, plain, vocabulary, unseen), ConditionError);
  CHECK(generator.history(0).size() == 1);  // nothing fed by the refused calls
}

TEST_CASE("conditions: trained on tunes in C and in F# major, the model writes the key asked of it") {
  // 40 tunes, half in each key (the two scales share only B and F/E#). Control block: the key,
  // every 8 tokens; windows of 16 tokens so that each holds one.
  const music::ChordEncoder encoder = music::ChordEncoder::from_text("chord grid=4 markers=1 condition=key condition_every=8");
  nn::Rng rng(11);
  std::vector<std::vector<std::string>> pieces;
  for (int p = 0; p < 40; ++p) {
    const int tonic = p % 2 == 0 ? 0 : 6;
    pieces.push_back(encoder.encode(tune(tonic, 48, rng)));
    REQUIRE(pieces.back()[1] == music::key_token(tonic));  // the estimate names the key each tune was made in
  }
  music::VocabularyOptions vocabulary_options;
  vocabulary_options.unknown = false;
  const music::Vocabulary vocabulary = music::Vocabulary::build(pieces, vocabulary_options, encoder.options_text());
  const int steps = 16, stride = 4;
  std::vector<std::vector<std::int32_t>> windows;
  for (const auto& piece : pieces) {
    const std::vector<std::int32_t> ids = vocabulary.encode(piece);
    for (std::size_t s = 0; s + steps < ids.size(); s += stride) windows.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(s), ids.begin() + static_cast<std::ptrdiff_t>(s + steps + 1));
  }
  nn::IdMatrix inputs(static_cast<Eigen::Index>(windows.size()), steps), targets(static_cast<Eigen::Index>(windows.size()), steps);
  for (std::size_t n = 0; n < windows.size(); ++n)
    for (int t = 0; t < steps; ++t) {
      inputs(static_cast<Eigen::Index>(n), t) = windows[n][static_cast<std::size_t>(t)];
      targets(static_cast<Eigen::Index>(n), t) = windows[n][static_cast<std::size_t>(t + 1)];
    }
  nn::Model<float> model(small_config(vocabulary.size()), 1);
  nn::Workspace<float> ws;
  optim::AdamOptions adam_options;
  adam_options.learning_rate = 0.01;
  optim::Adam<float> adam(model.parameter_count(), adam_options);
  for (int step = 0; step < 300; ++step) {
    model.zero_grad();
    model.forward(ws, inputs, targets, nn::Mode::train);
    model.backward(ws);
    adam.step(model.parameters(), model.gradients());
  }
  for (int tonic : {0, 6}) {
    CAPTURE(tonic);
    BatchGenerator<float> generator(model, 8, generate::SamplerOptions{}, 3);
    generator.set_banned(generate::unplayable_ids(vocabulary));
    generator.prime({vocabulary.id(music::begin_token())});
    ConditionRequest request;
    request.key = tonic;
    generate::start_conditions(generator, encoder, vocabulary, request);
    int in_key = 0, in_other_only = 0, notes = 0;
    for (const auto& piece : generator.generate(96))
      for (const midi::Note& n : generate::ids_to_notes(piece, vocabulary, encoder).notes) {
        ++notes;
        in_key += in_scale(n.pitch, tonic);
        in_other_only += in_scale(n.pitch, 6 - tonic) && !in_scale(n.pitch, tonic);
      }
    INFO("notes " << notes << ", in the key asked for " << in_key << ", only in the other key " << in_other_only);
    REQUIRE(notes > 500);
    // a model deaf to the request would put about 5 notes in 12 (5 of 7 scale notes differ) in the other key
    CHECK(static_cast<double>(in_key) / notes >= 0.95);
    CHECK(static_cast<double>(in_other_only) / notes <= 0.05);
  }
}

}  // TEST_SUITE
