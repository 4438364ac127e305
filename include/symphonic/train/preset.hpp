// symphonic/train/preset.hpp - whole runs by name: the tokens, the model, the optimizer, the
// windows and the batches that go together, for a program that embeds the library to get in one
// call what symphonic-train's --recipe (or its defaults) gives.
//
//   const train::RunPreset run = train::run_preset("recipe");
//   auto encoder = music::make_encoder(run.encoder);
//   data::Corpus corpus = data::load_corpus(folder, *encoder);
//   nn::Model<float> model(nn::ModelConfig::preset(run.model, corpus.vocabulary.size()));
//   data::Split split = data::split_by_piece(corpus.pieces, run.trainer.val_split, run.trainer.seed);
//   train::Trainer<float> trainer(model, corpus.vocabulary, split, run.trainer);
#pragma once

#include <string>

#include "symphonic/config.hpp"
#include "symphonic/train/trainer.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

struct RunPreset {
  std::string encoder;    ///< music::make_encoder() text
  std::string model;      ///< nn::ModelConfig::preset() name
  TrainerOptions trainer; ///< optimizer, schedule, windows, batch, epochs, early stopping, clip, split share
};

/// "recipe": the reference recipe's run - chord tokens read as music21 reads them ("chord
///   recipe=1"), its Keras model, RMSprop at lr 0.001 with no schedule, windows of 100 ids that
///   predict the id after them, at stride 1, in batches of 64.
/// "default": symphonic-train's defaults - chord tokens with durations and rests ("chord timing=1
///   markers=1"), the default model, Adam at lr 0.002 halved after 2 epochs without progress,
///   windows of 64 ids that predict every next id (stride 16), in batches of 32.
/// Both: 50 epochs at most, early stopping after 6 without progress, gradient norms clipped at 5,
/// a tenth of the pieces held out. Throws TrainError for another name.
inline RunPreset run_preset(const std::string& name) {
  RunPreset run;
  TrainerOptions& t = run.trainer;
  t.epochs = 50;
  t.patience = 6;
  t.clip_norm = 5;
  t.val_split = 0.1;
  // what differs between the two
  const auto set = [&](const char* encoder, const char* model, const char* optimizer, const char* schedule,
                       data::WindowOptions window, int batch) {
    run.encoder = encoder;
    run.model = model;
    t.optimizer = optimizer;
    t.schedule = schedule;
    t.window = window;
    t.batch_size = batch;
  };
  if (name == "recipe")
    set("chord recipe=1", "recipe", "rmsprop lr=0.001", "none", {100, 1, data::Target::next_token}, 64);
  else if (name == "default")
    set("chord timing=1 markers=1", "default", "adam lr=0.002", "plateau factor=0.5 patience=2",
        {64, 16, data::Target::shifted}, 32);
  else
    SYMPHONIC_THROW(TrainError("unknown run preset \"" + name + "\" (expected recipe or default)"));
  return run;
}

}  // namespace train
SYMPHONIC_NAMESPACE_END
