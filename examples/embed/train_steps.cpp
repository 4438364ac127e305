// Train a small LSTM for a few steps on a folder of MIDI files and save a checkpoint.
//   example_train_steps DIR model.safetensors
#include <cstdio>

#include <symphonic/data/data.hpp>
#include <symphonic/music/music.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/train/trainer.hpp>

namespace sy = symphonic;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MIDI_DIR CHECKPOINT\n", argv[0]);
    return 2;
  }
  try {
    const auto encoder = sy::music::make_encoder("chord timing=1 markers=1");
    const sy::data::Corpus corpus = sy::data::load_corpus(argv[1], *encoder);   // tokens -> ids
    const sy::data::Split split = sy::data::split_by_piece(corpus.pieces, 0.1, /*seed*/ 1);

    sy::nn::ModelConfig config = sy::nn::ModelConfig::preset("default", corpus.vocabulary.size());
    config.lstm_size = 64;  // small, so a few steps take seconds
    sy::nn::Model<float> model(config, /*seed*/ 1);

    sy::train::TrainerOptions options;
    options.window.length = 32;
    options.batch_size = 16;
    options.max_steps = 20;
    options.checkpoint_path = argv[2];
    sy::train::Trainer<float> trainer(model, corpus.vocabulary, split, options);
    sy::train::HistoryCallback history;
    trainer.add_callback(history);
    trainer.fit();
    for (const auto& b : history.batches)
      if (b.step % 5 == 0) std::printf("step %lld: loss %.3f\n", static_cast<long long>(b.step), b.loss);
    std::printf("validation loss %.3f; wrote %s\n", history.epochs.back().validation.loss(), argv[2]);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
