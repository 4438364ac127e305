// The recipe's architecture at a small size memorises a 200-token sequence: after a fixed number
// of seeded Adam steps, next-token accuracy at inference is at least 99%.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <symphonic/nn/nn.hpp>

using namespace symphonic;

namespace {

// Bias-corrected Adam over the flat buffers (the test's own, independent of optim/).
struct TestAdam {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-7;
  Eigen::VectorXf m, v;
  int t = 0;
  void step(Eigen::VectorXf& params, const Eigen::VectorXf& grads) {
    if (m.size() == 0) m = v = Eigen::VectorXf::Zero(params.size());
    ++t;
    m = float(beta1) * m + float(1 - beta1) * grads;
    v = float(beta2) * v + float(1 - beta2) * grads.cwiseProduct(grads);
    const float c1 = float(1 - std::pow(beta1, t)), c2 = float(1 - std::pow(beta2, t));
    params.array() -= float(lr) * (m.array() / c1) / ((v.array() / c2).sqrt() + float(eps));
  }
};

}  // namespace

TEST_SUITE("nn") {

TEST_CASE("model: the recipe architecture memorises a 200-token sequence") {
  // Scalar input, 3 LSTM layers, BatchNorm, Dense, ReLU, BatchNorm, Dense, softmax - the recipe at
  // hidden size 32. Dropout is off (regularisation works against memorising) and the batch-norm
  // momentum is 0.9 so that the running statistics follow a model trained for only a few hundred
  // steps.
  constexpr int vocab = 20, length = 200, steps = 8, train_steps = 400;
  nn::ModelConfig config = nn::ModelConfig::preset("recipe", vocab);
  config.lstm_size = 32;
  config.dense_sizes = {16};
  config.recurrent_dropout = 0;
  config.dropout = 0;
  config.bn_momentum = 0.9;
  nn::Model<float> model(config, 1);

  nn::Rng rng(77);
  std::vector<std::int32_t> sequence(length);
  for (auto& token : sequence) token = static_cast<std::int32_t>(rng.next() % vocab);
  // every position of the (cyclic) sequence is a target once: 200 windows in one batch
  nn::IdMatrix inputs(length, steps), targets(length, 1);
  for (int n = 0; n < length; ++n) {
    for (int t = 0; t < steps; ++t) inputs(n, t) = sequence[static_cast<std::size_t>((n + t) % length)];
    targets(n, 0) = sequence[static_cast<std::size_t>((n + steps) % length)];
  }
  const double before = model.forward(inputs, targets, nn::Mode::infer).accuracy;
  TestAdam adam;
  adam.lr = 0.01;
  for (int s = 0; s < train_steps; ++s) {
    model.zero_grad();
    model.forward(inputs, targets, nn::Mode::train);
    model.backward();
    adam.step(model.parameters(), model.gradients());
  }
  const auto after = model.forward(inputs, targets, nn::Mode::infer);
  INFO("accuracy before " << before << ", after " << after.accuracy << ", loss " << after.loss);
  CHECK(before < 0.2);
  CHECK(after.accuracy >= 0.99);
  CHECK(after.count == length);
}

}  // TEST_SUITE
