// A real nn::Model saved with its optimizer state and resumed: the losses after the resume are
// bit-for-bit those of an uninterrupted run.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

#include <symphonic/io/io.hpp>
#include <symphonic/nn/nn.hpp>
#include <symphonic/optim/optim.hpp>

#include "support/temp_path.hpp"

namespace {

using namespace symphonic;
using symphonic_test::temp_path;

nn::ModelConfig small_recipe() {
  // The recipe's architecture (scalar input, 3 LSTM layers with recurrent dropout, BatchNorm,
  // Dropout, Dense, ReLU, BatchNorm, Dropout, Dense) at a test size: dropout stays on, so the
  // resumed run must also restore the dropout generator.
  nn::ModelConfig config = nn::ModelConfig::preset("recipe", 13);
  config.lstm_size = 12;
  config.dense_sizes = {8};
  return config;
}

// Batch `step` of a fixed stream: the data do not depend on how the run was split.
void make_batch(int step, nn::IdMatrix& inputs, nn::IdMatrix& targets) {
  nn::Rng rng(1000 + static_cast<std::uint64_t>(step));
  inputs.resize(6, 7);
  targets.resize(6, 1);
  for (nn::Index i = 0; i < inputs.size(); ++i) inputs(i) = static_cast<std::int32_t>(rng.next() % 13);
  for (nn::Index i = 0; i < targets.size(); ++i) targets(i) = static_cast<std::int32_t>(rng.next() % 13);
}

double train_step(nn::Model<float>& model, optim::Optimizer<float>& optimizer, int step) {
  nn::IdMatrix inputs, targets;
  make_batch(step, inputs, targets);
  nn::Workspace<float> ws;
  model.zero_grad();
  const double loss = model.forward(ws, inputs, targets, nn::Mode::train).loss;
  model.backward(ws);
  optim::clip_grad_norm(model.gradients(), 1.0);
  optimizer.step(model.parameters(), model.gradients());
  return loss;
}

std::vector<nn::NamedTensor<float>> everything(nn::Model<float>& model, optim::Optimizer<float>& optimizer) {
  std::vector<nn::NamedTensor<float>> tensors = model.named_parameters();
  for (const auto& t : model.buffers()) tensors.push_back(t);
  for (const auto& t : optimizer.state_tensors()) tensors.push_back(t);
  return tensors;
}

void save_training_state(const std::string& path, nn::Model<float>& model, optim::Optimizer<float>& optimizer) {
  io::save_checkpoint(path, everything(model, optimizer),
                      {{"symphonic.model_config", model.config().to_text()},
                       {"symphonic.optimizer", optimizer.options_text()},
                       {"symphonic.step", std::to_string(optimizer.step_count())},
                       {"symphonic.rng", std::to_string(model.rng_state())}});
}


}  // namespace

TEST_SUITE("io") {

TEST_CASE("model checkpoint: a resumed run gives exactly the losses of an uninterrupted one") {
  constexpr int total = 10, stop = 4;
  for (const char* options : {"rmsprop", "adam lr=0.01 weight_decay=0.001", "sgd lr=0.05 momentum=0.9 nesterov=1"}) {
    INFO(options);
    std::vector<double> straight;
    {
      nn::Model<float> model(small_recipe(), 5);
      auto optimizer = optim::make_optimizer<float>(options, model.parameter_count());
      for (int s = 0; s < total; ++s) straight.push_back(train_step(model, *optimizer, s));
    }

    std::vector<double> resumed;
    const std::string path = temp_path("resume");
    {
      nn::Model<float> model(small_recipe(), 5);
      auto optimizer = optim::make_optimizer<float>(options, model.parameter_count());
      for (int s = 0; s < stop; ++s) resumed.push_back(train_step(model, *optimizer, s));
      save_training_state(path, model, *optimizer);
    }
    {
      // Everything is rebuilt from the file: config, optimizer kind, weights, statistics, state.
      const io::Checkpoint c = io::Checkpoint::read(path);
      nn::Model<float> model(nn::ModelConfig::from_text(c.metadata().at("symphonic.model_config")), 999);
      auto optimizer = optim::make_optimizer<float>(c.metadata().at("symphonic.optimizer"), model.parameter_count());
      io::load_tensors(c, everything(model, *optimizer));
      optimizer->set_step_count(std::stoll(c.metadata().at("symphonic.step")));
      model.set_rng_state(std::stoull(c.metadata().at("symphonic.rng")));
      for (int s = stop; s < total; ++s) resumed.push_back(train_step(model, *optimizer, s));
    }
    std::remove(path.c_str());
    REQUIRE(resumed.size() == straight.size());
    for (int s = 0; s < total; ++s) {
      INFO("step " << s << ": " << straight[std::size_t(s)] << " vs " << resumed[std::size_t(s)]);
      CHECK(resumed[std::size_t(s)] == straight[std::size_t(s)]);
    }
    CHECK(straight.back() != straight[stop]);  // it did train
  }
}

TEST_CASE("model checkpoint: a checkpoint of another configuration is refused before loading") {
  nn::Model<float> small(small_recipe(), 1);
  auto optimizer = optim::make_optimizer<float>("rmsprop", small.parameter_count());
  const std::string path = temp_path("other");
  save_training_state(path, small, *optimizer);
  nn::ModelConfig bigger = small_recipe();
  bigger.lstm_size = 16;
  nn::Model<float> other(bigger, 1);
  const nn::Vector<float> before = other.parameters();
  try {
    io::load_tensors(io::Checkpoint::read(path), other.named_parameters());
    FAIL_CHECK("loaded");
  } catch (const io::CheckpointError& e) {
    CHECK(e.section() == "tensor:lstm.weight_ih_l0");
    CHECK(std::string(e.what()).find("shape [48, 1] in the checkpoint, [64, 1] expected") != std::string::npos);
  }
  CHECK((other.parameters().array() == before.array()).all());
  std::remove(path.c_str());
}

// With SYMPHONIC_IO_EXPORT_DIR set, also leaves a model checkpoint there for
// scripts/check_checkpoint_torch.py --model (torch.nn.LSTM, Linear, BatchNorm1d must accept them).
TEST_CASE("torch export: a recipe model checkpoint") {
  nn::ModelConfig config = nn::ModelConfig::preset("recipe", 40);
  config.lstm_size = 24;
  nn::Model<float> model(config, 3);
  auto optimizer = optim::make_optimizer<float>("rmsprop", model.parameter_count());
  const char* dir = std::getenv("SYMPHONIC_IO_EXPORT_DIR");
  const std::string path = dir ? std::string(dir) + "/export_model.safetensors"
                               : temp_path("export_model");
  save_training_state(path, model, *optimizer);
  const io::Checkpoint c = io::Checkpoint::read(path);
  CHECK(c.shape("lstm.weight_ih_l0") == std::vector<std::int64_t>{96, 1});
  CHECK(c.shape("lstm.weight_hh_l2") == std::vector<std::int64_t>{96, 24});
  CHECK(c.has("bn1.running_var"));
  CHECK(c.has("optimizer.square_avg"));
  if (!dir) std::remove(path.c_str());
}

}  // TEST_SUITE
