#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <csignal>
#include <cstdio>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <symphonic/data/data.hpp>
#include <symphonic/generate/sampler.hpp>
#include <symphonic/music/music.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/train/saved_model.hpp>
#include <symphonic/train/trainer.hpp>

#include "support/toy_corpus.hpp"

namespace sy = symphonic;
using sy::train::HistoryCallback;
using sy::train::StopReason;
using sy::train::Trainer;
using sy::train::TrainerOptions;

namespace {

using symphonic_test::Toy;

Toy toy_corpus(int pieces = 10, int length = 60) {
  symphonic_test::ToyShape shape;
  shape.pieces = pieces;
  shape.length = length;
  return symphonic_test::toy_corpus(shape);
}

sy::nn::ModelConfig toy_config(int vocab) {
  sy::nn::ModelConfig c = sy::nn::ModelConfig::preset("default", vocab);
  c.embedding_size = 8;
  c.lstm_size = 16;
  c.lstm_layers = 2;
  c.lstm_dropout = 0.2;
  c.dropout = 0.2;  // dropout masks come from the model's generator: resume must restore it
  return c;
}

std::string temp_path(const std::string& name) {
  return "symphonic_test_" + std::to_string(::getpid()) + "_" + name;
}

TrainerOptions toy_options(const std::string& checkpoint) {
  TrainerOptions o;
  o.epochs = 3;
  o.batch_size = 8;
  o.window.length = 6;
  o.window.stride = 2;
  o.optimizer = "adam lr=0.01";
  o.schedule = "plateau factor=0.5 patience=0";
  o.checkpoint_path = checkpoint;
  o.seed = 9;
  o.save.durable = false;
  return o;
}

// Stops training (through the trainer's stop flag) after a given number of batches.
class StopAfter : public sy::train::Callback {
 public:
  StopAfter(volatile std::sig_atomic_t& flag, std::int64_t batches, bool use_signal)
      : flag_(flag), batches_(batches), signal_(use_signal) {}
  void on_batch_end(const sy::train::BatchReport&) override {
    if (++seen_ == batches_) {
      if (signal_) std::raise(SIGINT);
      else flag_ = 1;
    }
  }

 private:
  volatile std::sig_atomic_t& flag_;
  std::int64_t batches_, seen_ = 0;
  bool signal_;
};

}  // namespace

TEST_SUITE("train") {

TEST_CASE("trainer: an interrupted and resumed run gives exactly the losses of an uninterrupted one") {
 for (const bool augment : {false, true}) {
  CAPTURE(augment);
  Toy toy = toy_corpus();
  // with augmentation: each training piece carries copies "moved" by -2..2 (ids rotated, and cut
  // by |shift| tokens so that the windows per epoch change with the shifts drawn)
  const sy::data::TransposeRange range{-2, 2};
  if (augment)
    for (sy::data::Piece& piece : toy.split.train)
      for (int shift = -2; shift <= 2; ++shift) {
        if (shift == 0) continue;
        sy::data::Transposition copy{shift, {}};
        for (std::size_t i = 0; i + static_cast<std::size_t>(std::abs(shift)) * 3 < piece.ids.size(); ++i)
          copy.ids.push_back((piece.ids[i] + shift + toy.vocabulary.size()) % toy.vocabulary.size());
        piece.transposed.push_back(copy);
      }
  const auto options = [&](const std::string& path) {
    TrainerOptions o = toy_options(path);
    if (augment) o.transpose = range;
    return o;
  };
  const std::string full_path = temp_path("full.safetensors"), cut_path = temp_path("cut.safetensors");
  // uninterrupted
  sy::nn::Model<float> a(toy_config(toy.vocabulary.size()), 5);
  Trainer<float> ta(a, toy.vocabulary, toy.split, options(full_path));
  HistoryCallback ha;
  ta.add_callback(ha);
  const auto ra = ta.fit();
  CHECK(ra.reason == StopReason::finished);
  REQUIRE(ha.epochs.size() == 3);
  if (augment) {  // each epoch served each piece at its drawn shift: the batches add up to those windows
    std::int64_t expected = 0;
    for (std::int64_t epoch = 0; epoch < 3; ++epoch) {
      std::int64_t windows = 0;
      for (std::size_t p = 0; p < toy.split.train.size(); ++p) {
        const int shift = sy::data::epoch_transposition(range, 9, epoch, p);
        windows += sy::data::window_count(
            static_cast<std::int64_t>(sy::data::transposed_ids(toy.split.train[p], shift).size()), toy_options("").window);
      }
      expected += (windows + 7) / 8;
    }
    CHECK(static_cast<std::int64_t>(ha.batches.size()) == expected);
  } else {
    REQUIRE(ha.batches.size() == static_cast<std::size_t>(3 * ta.batches_per_epoch()));
  }
  const std::int64_t first_epoch = ha.batches.front().batches;
  REQUIRE(first_epoch >= 4);
  for (std::int64_t cut : {first_epoch + 2, first_epoch, std::int64_t{1}}) {
    CAPTURE(cut);
    // interrupted inside (or at the end of) an epoch ...
    volatile std::sig_atomic_t flag = 0;
    TrainerOptions ob = options(cut_path);
    ob.stop_flag = &flag;
    sy::nn::Model<float> b(toy_config(toy.vocabulary.size()), 5);
    HistoryCallback hb;
    {
      Trainer<float> tb(b, toy.vocabulary, toy.split, ob);
      StopAfter stop(flag, cut, false);
      tb.add_callback(hb);
      tb.add_callback(stop);
      const auto rb = tb.fit();
      CHECK(rb.reason == StopReason::interrupted);
      CHECK(rb.steps == cut);
    }
    // ... and resumed into a model initialised differently, from the last checkpoint
    sy::nn::Model<float> c(toy_config(toy.vocabulary.size()), 777);
    Trainer<float> tc(c, toy.vocabulary, toy.split, options(cut_path));
    tc.resume(ob.last_checkpoint_path());
    CHECK(tc.state().step == cut);
    tc.add_callback(hb);
    const auto rc = tc.fit();
    CHECK(rc.reason == StopReason::finished);
    REQUIRE(hb.batches.size() == ha.batches.size());
    for (std::size_t i = 0; i < ha.batches.size(); ++i) {
      CAPTURE(i);
      CHECK(hb.batches[i].loss == ha.batches[i].loss);  // bit for bit
    }
    CHECK(c.parameters() == a.parameters());
    REQUIRE(ha.epochs.size() == 3);
    CHECK(hb.epochs.back().validation.loss() == ha.epochs.back().validation.loss());
    CHECK(hb.epochs.back().train.loss() == ha.epochs.back().train.loss());
    CHECK(tc.optimizer().learning_rate() == ta.optimizer().learning_rate());
  }
  for (const std::string& p : {full_path, cut_path, toy_options(full_path).last_checkpoint_path(), toy_options(cut_path).last_checkpoint_path()})
    std::remove(p.c_str());
 }
}

TEST_CASE("trainer: SIGINT ends the batch and leaves a resumable checkpoint") {
  const Toy toy = toy_corpus();
  const std::string path = temp_path("sigint.safetensors");
  TrainerOptions o = toy_options(path);
  sy::train::install_interrupt_handler();
  o.stop_flag = &sy::train::interrupt_flag();
  sy::nn::Model<float> model(toy_config(toy.vocabulary.size()), 1);
  Trainer<float> trainer(model, toy.vocabulary, toy.split, o);
  StopAfter stop(sy::train::interrupt_flag(), 3, true);
  trainer.add_callback(stop);
  HistoryCallback history;
  trainer.add_callback(history);
  const auto result = trainer.fit();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  CHECK(result.reason == StopReason::interrupted);
  CHECK(result.steps == 3);
  CHECK(history.batches.size() == 3);
  REQUIRE(history.messages.size() == 1);
  CHECK(history.messages[0].find("interrupted") == 0);
  const auto checkpoint = sy::io::Checkpoint::read(o.last_checkpoint_path());
  CHECK(checkpoint.metadata().at(sy::train::keys::step) == "3");
  CHECK(checkpoint.metadata().at(sy::train::keys::epoch) == "0");
  CHECK(checkpoint.metadata().at(sy::train::keys::optimizer).find("adam") == 0);
  CHECK(checkpoint.metadata().count(sy::train::keys::rng) == 1);
  const auto saved = sy::train::load_model<float>(o.last_checkpoint_path());
  CHECK(saved.model->parameters() == model.parameters());
  CHECK(saved.vocabulary.to_text() == toy.vocabulary.to_text());
  std::remove(o.last_checkpoint_path().c_str());
  std::remove(path.c_str());
  sy::train::interrupt_flag() = 0;
}

TEST_CASE("trainer: SIGKILL while a checkpoint is being written leaves the previous one loadable") {
  const Toy toy = toy_corpus();
  const std::string path = temp_path("kill.safetensors");
  sy::nn::ModelConfig config = toy_config(toy.vocabulary.size());
  config.lstm_size = 256;  // a few MB, so the kill lands inside a write
  sy::nn::Model<float> model(config, 1);
  TrainerOptions o = toy_options(path);
  o.save.durable = true;
  Trainer<float> trainer(model, toy.vocabulary, toy.split, o);
  trainer.save(path);
  const auto good = model.parameters();
  int killed_while_writing = 0;
  for (int round = 0; round < 12; ++round) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // perturb the weights and write checkpoints over the same path, forever
      for (int i = 0;; ++i) {
        model.parameters().array() += 1.0f;
        trainer.save(path);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 13 * round));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    // whatever moment the kill hit, the file is a complete checkpoint (old or new)
    const auto saved = sy::train::load_model<float>(path);
    const float shift = saved.model->parameters()[0] - good[0];
    CHECK(shift == doctest::Approx(std::round(shift)));
    CHECK((saved.model->parameters().array() - good.array() - shift).abs().maxCoeff() < 1e-2f * (1 + std::abs(shift)));
    killed_while_writing += 1;
  }
  CHECK(killed_while_writing == 12);
  // temporary files of killed writes may remain beside the checkpoint; they are never read
  std::remove(path.c_str());
  std::system(("rm -f " + path + ".tmp.* " + path + ".*.tmp 2>/dev/null").c_str());
}

TEST_CASE("trainer: time limit, early stopping and the bigram baseline") {
  const Toy toy = toy_corpus();
  SUBCASE("a time limit cuts the epoch, validates and saves where it stopped") {
    const std::string path = temp_path("limit.safetensors");
    TrainerOptions o = toy_options(path);
    o.max_minutes = 1e-9;
    sy::nn::Model<float> model(toy_config(toy.vocabulary.size()), 1);
    Trainer<float> trainer(model, toy.vocabulary, toy.split, o);
    const auto r = trainer.fit();
    CHECK(r.reason == StopReason::time_limit);
    CHECK(r.steps == 1);
    REQUIRE(r.epochs.size() == 1);
    CHECK(r.epochs[0].partial);
    CHECK(r.epochs[0].validation.count > 0);
    CHECK(r.epochs[0].improved);
    CHECK(sy::io::Checkpoint::read(path).metadata().count(sy::train::keys::trainer) == 1);
    CHECK(trainer.state().batch == 1);
    std::remove(path.c_str());
    std::remove(o.last_checkpoint_path().c_str());
  }
  SUBCASE("early stopping after `patience` epochs without improvement") {
    TrainerOptions o = toy_options("");
    o.epochs = 50;
    o.patience = 2;
    o.schedule = "none";
    o.optimizer = "sgd lr=5";  // far too large: the validation loss stops improving at once
    sy::nn::Model<float> model(toy_config(toy.vocabulary.size()), 1);
    Trainer<float> trainer(model, toy.vocabulary, toy.split, o);
    const auto r = trainer.fit();
    CHECK(r.reason == StopReason::early_stopping);
    CHECK(r.epochs_completed < 50);
    CHECK(trainer.state().bad_epochs == 2);
  }
  SUBCASE("the bigram baseline is scored on the same validation windows") {
    sy::nn::Model<float> model(toy_config(toy.vocabulary.size()), 1);
    Trainer<float> trainer(model, toy.vocabulary, toy.split, toy_options(""));
    const auto baseline = trainer.bigram_baseline();
    const auto untrained = trainer.validate();
    CHECK(baseline.count == untrained.count);
    CHECK(baseline.count == trainer.validation_windows());
    CHECK(baseline.loss() < untrained.loss());  // an untrained model is near uniform
  }
}

TEST_CASE("trainer: bad settings and mismatched checkpoints are refused") {
  const Toy toy = toy_corpus();
  sy::nn::Model<float> model(toy_config(toy.vocabulary.size()), 1);
  TrainerOptions o = toy_options("");
  o.schedule = "cosine";
  CHECK_THROWS_AS(Trainer<float>(model, toy.vocabulary, toy.split, o), sy::optim::OptionsError);
  o = toy_options("");
  o.window.length = 1000;
  CHECK_THROWS_WITH_AS(Trainer<float>(model, toy.vocabulary, toy.split, o),
                       "[symphonic.train.train_error] no training windows: every training piece is shorter than "
                       "the window length + 1 (1001 tokens)",
                       sy::train::TrainError);
  o = toy_options("");
  o.epochs = 0;
  CHECK_THROWS_AS(Trainer<float>(model, toy.vocabulary, toy.split, o), sy::train::TrainError);
  // a checkpoint of another architecture
  const std::string path = temp_path("other.safetensors");
  sy::nn::ModelConfig other = toy_config(toy.vocabulary.size());
  other.lstm_size = 12;
  sy::nn::Model<float> small(other, 1);
  Trainer<float>(small, toy.vocabulary, toy.split, toy_options("")).save(path);
  Trainer<float> trainer(model, toy.vocabulary, toy.split, toy_options(""));
  CHECK_THROWS_WITH_AS(trainer.resume(path),
                       ("[symphonic.train.train_error] " + path + " was trained with a different model configuration").c_str(),
                       sy::train::TrainError);
  CHECK_THROWS_AS(trainer.resume("/nonexistent/x.safetensors"), sy::io::FileError);
  std::remove(path.c_str());
}

TEST_CASE("trainer: a non-finite loss stops training before its step, and the last good checkpoint stays") {
  const Toy toy = toy_corpus();
  const sy::nn::ModelConfig config = toy_config(toy.vocabulary.size());
  const std::string path = temp_path("nonfinite.safetensors");
  TrainerOptions options = toy_options(path);
  options.epochs = 1;
  sy::nn::Model<float> model(config, 5);
  {
    Trainer<float> trainer(model, toy.vocabulary, toy.split, options);
    trainer.fit();  // one good epoch: best and last checkpoints written
  }
  const std::string last = options.last_checkpoint_path();
  const auto good = sy::train::load_model<float>(last);
  options.epochs = 3;
  {
    Trainer<float> trainer(model, toy.vocabulary, toy.split, options);
    trainer.resume(last);
    // gone bad, as a diverging run's do: the last output bias enters every logit, so every loss
    model.parameters()(model.parameter_count() - 1) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH_AS(trainer.fit(), doctest::Contains("(epoch 2, batch 1): the loss is NaN; training stopped"),
                         sy::train::TrainError);
  }
  // nothing was saved over the good checkpoints, and they load with finite weights
  const auto still = sy::train::load_model<float>(last);
  CHECK(still.model->parameters() == good.model->parameters());
  CHECK(still.model->parameters().allFinite());

  // with skip_non_finite the batches are skipped, counted, and no optimizer step is taken
  options.skip_non_finite = true;
  options.checkpoint_path.clear();
  Trainer<float> skipping(model, toy.vocabulary, toy.split, options);
  HistoryCallback history;
  skipping.add_callback(history);
  const auto result = skipping.fit();
  CHECK(result.steps == 0);
  REQUIRE(!history.epochs.empty());
  CHECK(history.epochs[0].skipped == skipping.batches_per_epoch());
  CHECK(sy::train::describe(history.epochs[0]).find("batches skipped (non-finite loss or gradient)") != std::string::npos);

  // the trainer never writes such weights; a checkpoint holding them (written by other means) is
  // refused by the loader that generation and evaluation use
  CHECK_THROWS_WITH_AS(Trainer<float>(model, toy.vocabulary, toy.split, toy_options(path)).save(path),
                       doctest::Contains("not written"), sy::train::TrainError);
  std::vector<sy::nn::NamedTensor<float>> tensors = model.named_parameters();
  for (auto& b : model.buffers()) tensors.push_back(b);
  sy::io::save_checkpoint(path, tensors, sy::io::Checkpoint::read(last).metadata());
  CHECK_THROWS_WITH_AS(sy::train::load_model<float>(path), doctest::Contains("holds NaN or infinite values"),
                       sy::train::TrainError);
  std::remove(path.c_str());
  std::remove(last.c_str());
}

}  // TEST_SUITE
