// Model tests: configuration text and presets, parameter layout, whole-model gradient checks
// (recipe architecture at a small size), truncated BPTT, generation steps.
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <set>
#include <string>

#include <symphonic/nn/nn.hpp>

#include "support/gradcheck.hpp"

using namespace symphonic;
using nn::Index;
using nn::Mode;
using symphonic_test::numeric_gradient;
using symphonic_test::relative_error;
using symphonic_test::report;

namespace {

nn::IdMatrix random_ids(Index rows, Index cols, Index vocab, std::uint64_t seed) {
  nn::Rng rng(seed);
  nn::IdMatrix ids(rows, cols);
  for (Index i = 0; i < ids.size(); ++i) ids.data()[i] = static_cast<std::int32_t>(rng.next() % static_cast<std::uint64_t>(vocab));
  return ids;
}

// The recipe's architecture at a small size: scalar input, 3 LSTM layers with recurrent dropout,
// BatchNorm, Dropout, Dense, ReLU, BatchNorm, Dropout, Dense.
nn::ModelConfig small_recipe(int vocab = 7, int hidden = 5) {
  nn::ModelConfig c = nn::ModelConfig::preset("recipe", vocab);
  c.lstm_size = hidden;
  c.dense_sizes = {4};
  return c;
}

// Checks every parameter of `model` against central differences of `loss()`; returns the error.
template <class Loss>
double check_model(nn::Model<double>& model, nn::Workspace<double>& ws, Loss&& loss) {
  model.zero_grad();
  loss();
  model.backward(ws);
  const Eigen::VectorXd analytic = model.gradients();
  const Eigen::MatrixXd numeric = numeric_gradient(model.parameters(), loss);
  return relative_error(analytic, numeric);
}

}  // namespace

TEST_SUITE("nn") {

TEST_CASE("model config: text round trip, presets and rejected text") {
  const nn::ModelConfig recipe = nn::ModelConfig::preset("recipe", 358);
  const nn::ModelConfig back = nn::ModelConfig::from_text(recipe.to_text());
  CHECK(back.to_text() == recipe.to_text());
  CHECK(back.input == nn::InputKind::scalar);
  CHECK(back.dense_sizes == std::vector<int>{256});
  CHECK(back.recurrent_dropout == 0.3);
  const nn::ModelConfig def = nn::ModelConfig::preset("default", 100);
  CHECK(nn::ModelConfig::from_text(def.to_text()).to_text() == def.to_text());
  CHECK_THROWS_AS(nn::ModelConfig::preset("huge", 10), nn::ConfigError);
  CHECK_THROWS_AS(nn::ModelConfig::preset("recipe", 1), nn::ConfigError);

  std::string text = recipe.to_text();
  CHECK_THROWS_WITH_AS(nn::ModelConfig::from_text("model 1\n"),
                       "[symphonic.nn.config_error] model config text must start with 'symphonic-model-config 1'",
                       nn::ConfigError);
  CHECK_THROWS_WITH_AS(nn::ModelConfig::from_text(text + "colour=blue\n"),
                       "[symphonic.nn.config_error] model config key 'colour' unknown", nn::ConfigError);
  CHECK_THROWS_WITH_AS(nn::ModelConfig::from_text(text + "lstm_size=3\n"),
                       "[symphonic.nn.config_error] model config key 'lstm_size' given twice", nn::ConfigError);
  std::string bad = text;
  bad.replace(bad.find("lstm_size=512"), 13, "lstm_size=5x2");
  CHECK_THROWS_WITH_AS(nn::ModelConfig::from_text(bad),
                       "[symphonic.nn.config_error] model config key 'lstm_size': not an integer: '5x2'", nn::ConfigError);
  bad = text;
  {
    const auto at = bad.find("recurrent_dropout=");
    bad.replace(at, bad.find('\n', at) - at, "recurrent_dropout=1.5");
  }
  CHECK_THROWS_WITH_AS(nn::ModelConfig::from_text(bad),
                       "[symphonic.nn.config_error] model config key 'recurrent_dropout': must lie in [0, 1)",
                       nn::ConfigError);
  bad = text;
  bad.erase(bad.find("init="));
  CHECK_THROWS_WITH_AS(nn::ModelConfig::from_text(bad), "[symphonic.nn.config_error] model config key 'init' missing",
                       nn::ConfigError);
}

TEST_CASE("model: the recipe preset has the Keras model's 5,482,086 parameters and PyTorch names") {
  nn::Model<float> model(nn::ModelConfig::preset("recipe", 358));
  CHECK(model.parameter_count() == 5482086);
  const auto named = model.named_parameters();
  std::vector<std::string> names;
  std::int64_t total = 0;
  for (const auto& t : named) {
    names.push_back(t.name);
    total += t.element_count();
  }
  CHECK(total == model.parameter_count());
  CHECK(named.front().data == model.parameters().data());
  const std::vector<std::string> expected = {
      "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
      "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1",
      "lstm.weight_ih_l2", "lstm.weight_hh_l2", "lstm.bias_ih_l2", "lstm.bias_hh_l2",
      "bn1.weight", "bn1.bias", "dense1.weight", "dense1.bias", "bn2.weight", "bn2.bias",
      "dense2.weight", "dense2.bias"};
  CHECK(names == expected);
  CHECK(named[0].shape == std::vector<std::int64_t>{2048, 1});
  CHECK(named[5].shape == std::vector<std::int64_t>{2048, 512});
  CHECK(named[14].shape == std::vector<std::int64_t>{256, 512});
  CHECK(named[18].shape == std::vector<std::int64_t>{358, 256});
  const auto buffers = model.buffers();
  REQUIRE(buffers.size() == 4);
  CHECK(buffers[0].name == "bn1.running_mean");
  CHECK(buffers[3].name == "bn2.running_var");
  CHECK(buffers[3].shape == std::vector<std::int64_t>{256});
  CHECK_FALSE(buffers[3].trainable);
  CHECK(buffers[3].data[0] == 1.0f);
  // one training sequence of 100 steps costs 3 x forward = 3.15 GFLOP (the figure)
  CHECK(3 * model.forward_flops(1, 100) == doctest::Approx(3.15e9).epsilon(0.01));
}

TEST_CASE("model: the same seed gives the same weights, another seed others") {
  nn::Model<double> a(small_recipe(), 5), b(small_recipe(), 5), c(small_recipe(), 6);
  CHECK(a.parameters() == b.parameters());
  CHECK(a.parameters() != c.parameters());
}

TEST_CASE("model: recipe architecture, whole-model gradient matches finite differences") {
  SUBCASE("train mode: bptt over 9 steps, recurrent dropout 0.3, batch norm, dropout 0.3") {
    nn::Model<double> model(small_recipe(), 11);
    nn::Workspace<double> ws;
    const nn::IdMatrix in = random_ids(4, 9, 7, 1), target = random_ids(4, 1, 7, 2);
    const std::uint64_t state = model.rng_state();
    auto loss = [&] {
      model.set_rng_state(state);  // fixed dropout masks
      return model.forward(ws, in, target, Mode::train).loss;
    };
    // make sure the dropout is really active in this pass
    loss();
    CHECK(ws.lstm.layers[1].recurrent_mask.size() == 5 * 4);
    const double e = check_model(model, ws, loss);
    report("recipe model (train)", e);
    CHECK(e < 1e-6);
  }
  SUBCASE("infer mode, Keras init") {
    nn::Model<double> model(small_recipe(), 12);
    nn::Workspace<double> ws;
    const nn::IdMatrix in = random_ids(3, 8, 7, 3), target = random_ids(3, 1, 7, 4);
    auto loss = [&] { return model.forward(ws, in, target, Mode::infer).loss; };
    const double e = check_model(model, ws, loss);
    report("recipe model (infer)", e);
    CHECK(e < 1e-6);
  }
  SUBCASE("embedding input, targets at every step, dropout between LSTM layers") {
    nn::ModelConfig c = nn::ModelConfig::preset("default", 9);
    c.embedding_size = 3;
    c.lstm_size = 4;
    c.lstm_layers = 2;
    c.dense_sizes = {5};
    c.batch_norm = true;
    c.init = nn::Init::torch;
    nn::Model<double> model(c, 13);
    nn::Workspace<double> ws;
    const nn::IdMatrix in = random_ids(3, 8, 9, 5), target = random_ids(3, 8, 9, 6);
    const std::uint64_t state = model.rng_state();
    auto loss = [&] {
      model.set_rng_state(state);
      return model.forward(ws, in, target, Mode::train).loss;
    };
    const double e = check_model(model, ws, loss);
    report("embedding model (train, every step)", e);
    CHECK(e < 1e-6);
  }
  SUBCASE("truncated BPTT: the second window starts from the carried state") {
    nn::Model<double> model(small_recipe(), 14);
    nn::Workspace<double> ws;
    ws.carry_state = true;
    const nn::IdMatrix first = random_ids(3, 8, 7, 7), second = random_ids(3, 8, 7, 8);
    const nn::IdMatrix target = random_ids(3, 1, 7, 9);
    model.forward(ws, first, target, Mode::train);
    const auto carried = ws.carried;
    REQUIRE(carried.h.size() == 3);
    CHECK(carried.h[2].norm() > 0);
    const std::uint64_t state = model.rng_state();
    auto loss = [&] {
      ws.carried = carried;  // the carried state is a constant for this window
      model.set_rng_state(state);
      return model.forward(ws, second, target, Mode::train).loss;
    };
    const double e = check_model(model, ws, loss);
    report("recipe model (carried state)", e);
    CHECK(e < 1e-6);
    // and the carried state matters
    ws.carry_state = false;
    model.set_rng_state(state);
    const double fresh = model.forward(ws, second, target, Mode::train).loss;
    ws.carry_state = true;
    CHECK(std::abs(fresh - loss()) > 1e-6);
  }
}

TEST_CASE("model: carrying the state over two windows equals one long window") {
  nn::ModelConfig c = small_recipe();
  c.recurrent_dropout = 0;
  nn::Model<double> model(c, 15);
  nn::Workspace<double> ws;
  const nn::IdMatrix all = random_ids(2, 10, 7, 10), target_all = random_ids(2, 10, 7, 11);
  model.forward(ws, all, target_all, Mode::infer);
  const Eigen::MatrixXd whole = ws.logits();
  ws.carry_state = true;
  model.forward(ws, all.leftCols(6), target_all.leftCols(6), Mode::infer);
  const Eigen::MatrixXd part1 = ws.logits();
  model.forward(ws, all.rightCols(4), target_all.rightCols(4), Mode::infer);
  const Eigen::MatrixXd part2 = ws.logits();
  CHECK(relative_error(part1, whole.leftCols(12)) < 1e-13);
  CHECK(relative_error(part2, whole.rightCols(8)) < 1e-13);
}

TEST_CASE("model: generation steps reproduce the forward pass") {
  nn::Model<double> model(small_recipe(), 16);
  nn::Workspace<double> ws;
  const nn::IdMatrix in = random_ids(3, 7, 7, 12), target = random_ids(3, 1, 7, 13);
  model.forward(ws, in, target, Mode::infer);
  const Eigen::MatrixXd expected = ws.loss.probabilities;
  nn::Workspace<double> generation;  // its own workspace: the training caches stay as they are
  auto state = model.zero_state(3);
  Eigen::MatrixXd probs;
  for (Index t = 0; t < 7; ++t) probs = model.step(generation, state, in.col(t));
  CHECK(relative_error(probs, expected) < 1e-13);
  CHECK((probs.colwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
  CHECK_THROWS_AS(model.step(generation, state, in.col(0).head(2)), nn::ShapeError);
}

TEST_CASE("model: bad inputs are rejected with the right error") {
  nn::Model<double> model(small_recipe(), 17);
  nn::Workspace<double> ws;
  const nn::IdMatrix in = random_ids(3, 5, 7, 14);
  CHECK_THROWS_AS(model.forward(ws, in, random_ids(2, 1, 7, 1), Mode::train), nn::ShapeError);
  CHECK_THROWS_AS(model.forward(ws, in, random_ids(3, 4, 7, 1), Mode::train), nn::ShapeError);
  nn::IdMatrix bad = in;
  bad(1, 2) = 7;
  CHECK_THROWS_AS(model.forward(ws, bad, random_ids(3, 1, 7, 1), Mode::train), nn::IdError);
  nn::IdMatrix bad_target = random_ids(3, 1, 7, 1);
  bad_target(0, 0) = -2;
  CHECK_THROWS_AS(model.forward(ws, in, bad_target, Mode::train), nn::IdError);
}

TEST_CASE("model: float and double agree") {
  nn::Model<double> d(small_recipe(7, 16), 18);
  nn::Workspace<double> ws;
  nn::Model<float> f(small_recipe(7, 16), 18);
  nn::Workspace<float> wf;
  f.parameters() = d.parameters().cast<float>();
  const nn::IdMatrix in = random_ids(5, 12, 7, 15), target = random_ids(5, 1, 7, 16);
  const double ld = d.forward(ws, in, target, Mode::train).loss;
  const double lf = f.forward(wf, in, target, Mode::train).loss;
  CHECK(lf == doctest::Approx(ld).epsilon(1e-5));
  d.zero_grad();
  f.zero_grad();
  d.backward(ws);
  f.backward(wf);
  CHECK(relative_error(f.gradients(), d.gradients()) < 1e-4);
}

}  // TEST_SUITE
