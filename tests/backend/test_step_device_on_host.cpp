// train::Trainer with a StepDevice (train/step_device.hpp): the CUDA backend's trainer path,
// run by the HostExecutor, against the CPU backend's trainer on the same corpus and seeds:
// the same epoch losses and final weights, and checkpoints that one device writes and the other
// resumes from, continuing as a run that never changed device.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include <symphonic/backend/cuda/step_device.hpp>
#include <symphonic/train/train.hpp>

#include "support/toy_corpus.hpp"

namespace sy = symphonic;
using sy::backend::cuda::ExecutorStepDevice;
using sy::backend::cuda::HostExecutor;
using sy::train::Trainer;
using sy::train::TrainerOptions;

namespace {

sy::nn::ModelConfig toy_config(int vocab) {
  sy::nn::ModelConfig c = sy::nn::ModelConfig::preset("default", vocab);
  c.embedding_size = 8;
  c.lstm_size = 12;
  c.lstm_layers = 2;
  c.lstm_dropout = 0.2;
  c.recurrent_dropout = 0.1;
  c.dropout = 0.2;
  c.batch_norm = true;
  return c;
}

TrainerOptions toy_options(const std::string& checkpoint, std::int64_t epochs) {
  TrainerOptions o;
  o.epochs = epochs;
  o.batch_size = 8;
  o.window.length = 6;
  o.window.stride = 3;
  o.optimizer = "adam lr=0.01";
  o.schedule = "plateau factor=0.5 patience=0";
  o.clip_norm = 0.5;  // clipped every step at this size: the device's clip is exercised
  o.checkpoint_path = checkpoint;
  o.seed = 9;
  o.save.durable = false;
  return o;
}

std::string temp_path(const std::string& name) { return "symphonic_test_" + std::to_string(::getpid()) + "_" + name; }

struct Run {
  std::vector<double> train, validation;
  sy::nn::Vector<double> weights;
};

// Trains `epochs` epochs (resuming from `resume` when given) on the CPU or on the device.
Run train(const symphonic_test::Toy& toy, bool on_device, std::int64_t epochs, const std::string& checkpoint,
          const std::string& resume = "") {
  sy::nn::Model<double> model(toy_config(toy.vocabulary.size()), 5, 1);
  Trainer<double> trainer(model, toy.vocabulary, toy.split, toy_options(checkpoint, epochs));
  HostExecutor ex;
  ExecutorStepDevice<HostExecutor, double> device(ex, model.config(), "host executor");
  if (on_device) trainer.set_device(device);
  if (!resume.empty()) trainer.resume(resume);
  const auto result = trainer.fit();
  Run r;
  for (const auto& e : result.epochs) {
    r.train.push_back(e.train.loss());
    r.validation.push_back(e.validation.loss());
  }
  r.weights = model.parameters();
  return r;
}

double worst(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return INFINITY;
  double w = 0;
  for (std::size_t i = 0; i < a.size(); ++i) w = std::max(w, std::abs(a[i] - b[i]));
  return w;
}

}  // namespace

TEST_SUITE("backend") {

TEST_CASE("trainer on a step device: the CPU backend's run, and checkpoints that cross devices") {
  const symphonic_test::Toy toy = symphonic_test::toy_corpus();
  const std::string cpu_path = temp_path("cpu.safetensors"), dev_path = temp_path("dev.safetensors");
  const Run cpu = train(toy, false, 3, "");
  const Run dev = train(toy, true, 3, "");
  REQUIRE(cpu.train.size() == 3);
  // the same batches, masks, clipping and updates: only the order of sums differs (double)
  CHECK(worst(cpu.train, dev.train) < 1e-10);
  CHECK(worst(cpu.validation, dev.validation) < 1e-10);
  CHECK((cpu.weights - dev.weights).cwiseAbs().maxCoeff() < 1e-10);

  SUBCASE("one epoch on the device, resumed on the CPU") {
    train(toy, true, 1, dev_path);
    const Run rest = train(toy, false, 3, "", TrainerOptions(toy_options(dev_path, 1)).last_checkpoint_path());
    REQUIRE(rest.train.size() == 2);
    CHECK(std::abs(rest.train[1] - cpu.train[2]) < 1e-10);
    CHECK(std::abs(rest.validation[1] - cpu.validation[2]) < 1e-10);
    CHECK((rest.weights - cpu.weights).cwiseAbs().maxCoeff() < 1e-10);
  }
  SUBCASE("one epoch on the CPU, resumed on the device") {
    train(toy, false, 1, cpu_path);
    const Run rest = train(toy, true, 3, "", TrainerOptions(toy_options(cpu_path, 1)).last_checkpoint_path());
    REQUIRE(rest.train.size() == 2);
    CHECK(std::abs(rest.train[1] - cpu.train[2]) < 1e-10);
    CHECK((rest.weights - cpu.weights).cwiseAbs().maxCoeff() < 1e-10);
  }
  for (const std::string& p : {cpu_path, dev_path, toy_options(cpu_path, 1).last_checkpoint_path(),
                               toy_options(dev_path, 1).last_checkpoint_path()})
    std::remove(p.c_str());
}

}  // TEST_SUITE
