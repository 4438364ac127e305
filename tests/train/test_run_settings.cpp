// What a run is made of besides its corpus: the presets (train/preset.hpp) and the data settings
// its checkpoints record (train/data_settings.hpp), written by the trainer and read back by the
// programs.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <string>

#include <symphonic/data/data.hpp>
#include <symphonic/io/checkpoint.hpp>
#include <symphonic/music/factory.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/train/checkpoint_keys.hpp>
#include <symphonic/train/data_settings.hpp>
#include <symphonic/train/preset.hpp>
#include <symphonic/train/trainer.hpp>

#include "support/toy_corpus.hpp"

namespace sy = symphonic;
using sy::train::DataSettings;

TEST_CASE("data settings: a round trip, and the texts older checkpoints hold") {
  DataSettings s;
  s.window = sy::data::WindowOptions{64, 16, sy::data::Target::shifted};
  s.val_split = 0.15;
  s.seed = 18446744073709551615ull;
  s.batch = 32;
  s.validation = "0a1b2c3d";
  s.corpus = "ffffffff";
  s.transpose = sy::data::TransposeRange::parse("-3..3");
  const std::string text = s.to_text();
  CHECK(text ==
        "seq_len=64 stride=16 target=shifted val_split=0.15 seed=18446744073709551615 batch=32 validation=0a1b2c3d "
        "corpus=ffffffff transpose=-3..3");
  const DataSettings back = DataSettings::from_text(text);
  CHECK(back.to_text() == text);
  CHECK(back.recorded("transpose"));
  CHECK(back.transpose.lo == -3);

  // before batch, corpus and transpose were recorded; the program wrote val_split as typed
  const DataSettings old = DataSettings::from_text("seq_len=100 stride=1 target=next_token val_split=.1 seed=1");
  CHECK(old.window.length == 100);
  CHECK(old.window.target == sy::data::Target::next_token);
  CHECK(old.val_split == 0.1);
  CHECK(!old.recorded("batch"));
  CHECK(old.batch == 0);
  CHECK(old.corpus.empty());
  CHECK(!old.transpose.active());
  const DataSettings none = DataSettings::from_text("");
  CHECK(none.keys.empty());
  CHECK(none.window.length == 64);  // what symphonic-eval assumes of a checkpoint without settings
  CHECK(none.window.stride == 1);

  using sy::io::CheckpointError;
  CHECK_THROWS_WITH_AS(DataSettings::from_text("seq_len=0"),
                       "[symphonic.io.checkpoint_error] metadata: symphonic.data key 'seq_len': expected an integer "
                       "in 1..1073741824, got '0'",
                       CheckpointError);
  CHECK_THROWS_WITH_AS(DataSettings::from_text("seq_len=64 colour=red"),
                       "[symphonic.io.checkpoint_error] metadata: symphonic.data key 'colour' unknown", CheckpointError);
  CHECK_THROWS_WITH_AS(DataSettings::from_text("seed=-1"),
                       "[symphonic.io.checkpoint_error] metadata: symphonic.data key 'seed': not a 64-bit unsigned "
                       "integer: '-1'",
                       CheckpointError);
  CHECK_THROWS_AS(DataSettings::from_text("target=sideways"), CheckpointError);
  CHECK_THROWS_AS(DataSettings::from_text("transpose=5..2"), CheckpointError);
  CHECK_THROWS_AS(DataSettings::from_text("data seq_len=64"), CheckpointError);
}

TEST_CASE("run presets: the recipe's run and the default one") {
  const auto recipe = sy::train::run_preset("recipe");
  CHECK(recipe.encoder == "chord recipe=1");
  CHECK(recipe.model == "recipe");
  CHECK(recipe.trainer.optimizer == "rmsprop lr=0.001");
  CHECK(recipe.trainer.schedule == "none");
  CHECK(recipe.trainer.window.length == 100);
  CHECK(recipe.trainer.window.stride == 1);
  CHECK(recipe.trainer.window.target == sy::data::Target::next_token);
  CHECK(recipe.trainer.batch_size == 64);
  const auto defaults = sy::train::run_preset("default");
  CHECK(defaults.trainer.window.target == sy::data::Target::shifted);
  CHECK(defaults.trainer.window.stride == defaults.trainer.window.length / 4);
  // every part is what its own factory accepts
  for (const auto* run : {&recipe, &defaults}) {
    CHECK_NOTHROW(sy::music::make_encoder(run->encoder));
    CHECK_NOTHROW(sy::nn::ModelConfig::preset(run->model, 100));
    CHECK_NOTHROW(sy::optim::make_optimizer<float>(run->trainer.optimizer, 4));
    CHECK_NOTHROW(sy::optim::make_schedule(run->trainer.schedule, 0.1));
  }
  CHECK_THROWS_AS(sy::train::run_preset("fast"), sy::train::TrainError);
}

TEST_CASE("data settings: the trainer records its windows, batches and split in every checkpoint") {
  symphonic_test::ToyShape shape;
  const symphonic_test::Toy toy = symphonic_test::toy_corpus(shape);
  sy::data::Split split = toy.split;
  for (std::size_t i = 0; i < split.train.size(); ++i) split.train[i].name = "corpus/train" + std::to_string(i) + ".mid";
  for (std::size_t i = 0; i < split.validation.size(); ++i)
    split.validation[i].name = "corpus/sub/held" + std::to_string(i) + ".mid";
  sy::nn::ModelConfig config = sy::nn::ModelConfig::preset("default", toy.vocabulary.size());
  config.embedding_size = 4;
  config.lstm_size = 8;
  config.lstm_layers = 1;
  sy::train::TrainerOptions o;
  o.epochs = 1;
  o.batch_size = 4;
  o.window = sy::data::WindowOptions{6, 3, sy::data::Target::shifted};
  o.seed = 5;
  o.val_split = 0.2;
  o.corpus_root = "corpus";
  o.checkpoint_path = "symphonic_test_" + std::to_string(::getpid()) + "_settings.safetensors";
  o.save.durable = false;
  sy::nn::Model<float> model(config, 1);
  sy::train::Trainer<float> trainer(model, toy.vocabulary, split, o);
  trainer.save(o.checkpoint_path);
  const auto metadata = sy::io::Checkpoint::read(o.checkpoint_path).metadata();
  std::remove(o.checkpoint_path.c_str());
  const DataSettings d = DataSettings::from_text(metadata.at(sy::train::keys::data));
  CHECK(d.window.length == 6);
  CHECK(d.window.stride == 3);
  CHECK(d.window.target == sy::data::Target::shifted);
  CHECK(d.batch == 4);
  CHECK(d.seed == 5);
  CHECK(d.val_split == 0.2);
  CHECK(d.validation == sy::data::pieces_fingerprint(split.validation, "corpus"));
  std::vector<sy::data::Piece> all = split.validation;
  all.insert(all.end(), split.train.begin(), split.train.end());
  CHECK(d.corpus == sy::data::pieces_fingerprint(all, "corpus"));
  CHECK(d.validation != d.corpus);
  CHECK(!d.recorded("transpose"));
}

TEST_CASE("model config: the 17-digit numbers older checkpoints wrote read back as the same configuration") {
  const sy::nn::ModelConfig recipe = sy::nn::ModelConfig::preset("recipe", 358);
  std::string old = recipe.to_text();
  for (const auto& [now, before] : {std::pair<std::string, std::string>{"dropout=0.3\n", "dropout=0.29999999999999999\n"},
                                    {"bn_momentum=0.99\n", "bn_momentum=0.98999999999999999\n"}})
    for (std::size_t at = old.find(now); at != std::string::npos; at = old.find(now, at + before.size()))
      old.replace(at, now.size(), before);
  CHECK(old.find("recurrent_dropout=0.29999999999999999\n") != std::string::npos);
  CHECK(sy::nn::ModelConfig::from_text(old).to_text() == recipe.to_text());
}

TEST_CASE("trainer state: a round trip, and a line without '=' or an unknown key is refused, not skipped") {
  sy::train::TrainerState s;
  s.epoch = 3;
  s.batch = 7;
  s.step = 40;
  s.epoch_train.loss_sum = 1.0 / 3.0;
  s.epoch_train.correct = 5;
  s.epoch_train.count = 9;
  s.epoch_tokens = 90;
  s.epoch_seconds = 0.1;
  s.schedule_state = "lr=0.001 bad_epochs=1 cooldown_counter=0 reductions=0";
  const std::string text = s.to_text();
  CHECK(text.find("best_validation_loss=inf\n") != std::string::npos);  // before a first validation
  const auto back = sy::train::TrainerState::from_text(text);
  CHECK(back.to_text() == text);
  CHECK(back.epoch_train.loss_sum == 1.0 / 3.0);
  CHECK(back.schedule_state == s.schedule_state);
  using sy::io::CheckpointError;
  CHECK_THROWS_WITH_AS(sy::train::TrainerState::from_text(text + "garbage\n"),
                       "[symphonic.io.checkpoint_error] metadata: symphonic.trainer: expected key=value, got \"garbage\"",
                       CheckpointError);
  CHECK_THROWS_WITH_AS(sy::train::TrainerState::from_text(text + "colour=red\n"),
                       "[symphonic.io.checkpoint_error] metadata: symphonic.trainer key 'colour' unknown", CheckpointError);
  std::string negative = text;
  negative.replace(negative.find("step=40"), 7, "step=-4");
  CHECK_THROWS_WITH_AS(sy::train::TrainerState::from_text(negative),
                       "[symphonic.io.checkpoint_error] metadata: symphonic.trainer key 'step': expected an integer in "
                       "0..9223372036854775807, got '-4'",
                       CheckpointError);
  std::string without_skipped = text;  // written before epoch_skipped existed
  without_skipped.erase(without_skipped.find("epoch_skipped="), std::string("epoch_skipped=0\n").size());
  CHECK(sy::train::TrainerState::from_text(without_skipped).epoch_skipped == 0);
}

TEST_CASE("data errors: the data module's own type") {
  CHECK_THROWS_AS(sy::data::TransposeRange::parse("5..2"), sy::data::DataError);
  CHECK_THROWS_AS(sy::data::split_by_piece({}, 1.0, 1), sy::data::DataError);
  CHECK_THROWS_AS(sy::data::window_count(10, sy::data::WindowOptions{0, 1, sy::data::Target::shifted}),
                  sy::data::DataError);
}
