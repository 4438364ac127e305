// The CUDA backend's functions (backend/cuda/) run by the HostExecutor, against the CPU
// backend: kernel by kernel, the optimizers and clipping, the whole model's training step and
// its generation step. The same checks run on a GPU in tests/cuda; here they prove the maths, the
// indexing and every product's operands without one. The host executor sums products in double
// and visits elements in reverse, so the tolerances below are those of float (double) rounding
// differences against Eigen's order of summation, nothing more.
#include <doctest/doctest.h>

#include <memory>

#include <symphonic/backend/cuda/executor.hpp>
#include <symphonic/backend/cuda/sample.hpp>
#include <symphonic/backend/cuda/stepper.hpp>
#include <symphonic/generate/beam_search.hpp>
#include <symphonic/generate/generator.hpp>

#include "support/backend_parity.hpp"

using namespace symphonic;
using backend::cuda::HostExecutor;
using nn::Index;
namespace parity = symphonic_test::parity;

namespace {

nn::ModelConfig small_recipe(int vocab, int hidden) { return parity::small_recipe(vocab, hidden, 6); }
nn::ModelConfig small_default(int vocab, int hidden) { return parity::small_default(vocab, hidden, 5); }

}  // namespace

TEST_SUITE("backend") {

TEST_CASE("cuda backend on the host: the product shapes of row-major weights") {
  HostExecutor ex;
  // y = W x with W [2, 3] row-major: the product a device runs for every dense layer
  const std::vector<float> w{1, 2, 3, 4, 5, 6}, x{1, 0, -1, 2, 1, 0};
  std::vector<float> y(4, 0.f);
  ex.gemm(backend::cuda::weight_times(2, 3, 2), 1.f, w.data(), x.data(), 0.f, y.data());
  CHECK(y == std::vector<float>{-2, -2, 4, 13});
  std::vector<float> dx(6, 0.f);
  ex.gemm(backend::cuda::weight_transposed_times(2, 3, 2), 1.f, w.data(), y.data(), 0.f, dx.data());
  CHECK(dx == std::vector<float>{-10, -14, -18, 56, 73, 90});
  std::vector<float> s(2, 0.f);
  const std::vector<float> ones(2, 1.f);
  ex.gemm(backend::cuda::row_sums(2, 2), 1.f, y.data(), ones.data(), 0.f, s.data());
  CHECK(s == std::vector<float>{2, 11});
}

TEST_CASE("cuda backend on the host: kernel by kernel against the CPU backend") {
  HostExecutor ex;
  // float: Eigen's blocked sums against double sums rounded once; double: a few ulps
  CHECK(parity::dense<HostExecutor, float>(ex, 37, 21, 19) < 1e-5);
  CHECK(parity::dense<HostExecutor, double>(ex, 37, 21, 19) < 1e-13);
  CHECK(parity::dense<HostExecutor, float>(ex, 5, 3, 1) < 1e-5);
  for (bool masked : {false, true}) {
    CAPTURE(masked);
    CHECK(parity::lstm_layer<HostExecutor, double>(ex, 3, 8, 5, 4, masked) < 1e-12);
    CHECK(parity::lstm_layer<HostExecutor, double>(ex, 1, 17, 4, 3, masked) < 1e-12);
    CHECK(parity::lstm_layer<HostExecutor, float>(ex, 6, 16, 6, 5, masked) < 1e-4);
  }
  CHECK(parity::lstm_layer<HostExecutor, double>(ex, 2, 5, 1, 1, false) < 1e-12);  // one step of one sequence
  CHECK(parity::softmax_xent<HostExecutor, double>(ex, 11, 13) < 1e-13);
  CHECK(parity::softmax_xent<HostExecutor, float>(ex, 358, 9) < 1e-5);
  for (bool train : {true, false}) {
    CAPTURE(train);
    CHECK(parity::batch_norm<HostExecutor, double>(ex, 7, 9, train) < 1e-12);
    CHECK(parity::batch_norm<HostExecutor, float>(ex, 7, 9, train) < 1e-5);
  }
  CHECK(parity::embedding<HostExecutor, float>(ex, 9, 4, 40) == 0.0);  // same sums in the same order
  CHECK(parity::dropout_mask_mismatches<HostExecutor, float>(ex, 5000, 0.3) == 0);
  CHECK(parity::dropout_mask_mismatches<HostExecutor, double>(ex, 777, 0.5) == 0);
}

TEST_CASE("cuda backend on the host: optimizer updates and clipping match optim/") {
  HostExecutor ex;
  for (const char* options : {"adam lr=0.01", "adamw lr=0.01 weight_decay=0.1", "adam lr=0.003 weight_decay=0.01",
                              "rmsprop lr=0.01", "rmsprop lr=0.01 momentum=0.9 centered=1 weight_decay=0.01",
                              "rmsprop lr=0.01 centered=1", "sgd lr=0.1", "sgd lr=0.1 momentum=0.9 nesterov=1",
                              "sgd lr=0.1 momentum=0.5 dampening=0.2 weight_decay=0.001"}) {
    CAPTURE(options);
    CHECK(parity::optimizer<HostExecutor, float>(ex, options, 1000, 3) < 1e-6);
    CHECK(parity::optimizer<HostExecutor, double>(ex, options, 300, 3) < 1e-14);
  }
  CHECK(parity::clip<HostExecutor, float>(ex, 5000, 0.5) < 1e-6);
  CHECK(parity::clip<HostExecutor, float>(ex, 5000, 1e6) < 1e-6);  // under the limit: unchanged
  using DeviceAdam = backend::cuda::Optimizer<HostExecutor, float>;
  CHECK_THROWS_AS(DeviceAdam(ex, "adagrad lr=1", 3), optim::OptionsError);
}

TEST_CASE("cuda backend on the host: the whole model's training step") {
  HostExecutor ex;
  SUBCASE("recipe architecture: scalar input, recurrent dropout, batch norm, dropout, one target per window") {
    const auto r = parity::model_training<HostExecutor, double>(ex, small_recipe(9, 6), 4, 5, false);
    CHECK(r.worst() < 1e-11);
    CHECK(r.correct_equal);
    CHECK(r.rng_equal);
    const auto f = parity::model_training<HostExecutor, float>(ex, small_recipe(9, 6), 4, 5, false);
    CHECK(f.worst() < 2e-4);
  }
  SUBCASE("default architecture: embedding, dropout between layers, a target after every step") {
    const auto r = parity::model_training<HostExecutor, double>(ex, small_default(11, 7), 3, 6, true);
    CHECK(r.worst() < 1e-11);
    CHECK(r.correct_equal);
    CHECK(r.rng_equal);
  }
  SUBCASE("errors are nn::Model's") {
    nn::Model<float> host(small_default(11, 7), 1, 1);
    backend::cuda::Model<HostExecutor, float> device(ex, host);
    backend::cuda::Model<HostExecutor, float>::Workspace ws;
    nn::IdMatrix in = parity::random_ids(2, 3, 11, 1), tg = parity::random_ids(2, 1, 11, 2);
    in(1, 2) = 11;
    CHECK_THROWS_AS(device.forward(ws, in, tg, nn::Mode::train), nn::IdError);
    in(1, 2) = 0;
    tg(0, 0) = -1;
    CHECK_THROWS_AS(device.forward(ws, in, tg, nn::Mode::train), nn::IdError);
    CHECK_THROWS_AS(device.forward(ws, in, parity::random_ids(3, 1, 11, 2), nn::Mode::train), nn::ShapeError);
    auto state = device.zero_state(2);
    CHECK_THROWS_AS(device.step(ws, state, parity::random_ids(3, 1, 11, 2)), nn::ShapeError);
  }
}

TEST_CASE("cuda backend on the host: stateful generation steps") {
  HostExecutor ex;
  CHECK(parity::generation<HostExecutor, double>(ex, small_recipe(9, 6), 1, 12) < 1e-12);
  CHECK(parity::generation<HostExecutor, double>(ex, small_default(11, 7), 3, 12) < 1e-12);
  CHECK(parity::generation<HostExecutor, float>(ex, small_default(11, 7), 2, 12) < 1e-5);
}

TEST_CASE("cuda backend on the host: a BatchGenerator stepping the device model") {
  HostExecutor ex;
  const nn::ModelConfig config = small_default(11, 7);
  nn::Model<double> host(config, 3, 1);
  auto device = std::make_shared<backend::cuda::Model<HostExecutor, double>>(ex, host);
  using Stepper = backend::cuda::ExecutorStepper<HostExecutor, double>;
  const auto on_device = [&](nn::Index count, std::uint64_t seed) {
    return generate::BatchGenerator<double>(std::unique_ptr<generate::Stepper<double>>(new Stepper(device)), count,
                                            generate::SamplerOptions{}, seed);
  };
  SUBCASE("sampling: the same pieces and log-likelihoods as on the host model") {
    generate::BatchGenerator<double> a(host, 3, generate::SamplerOptions{}, 17);
    generate::BatchGenerator<double> b = on_device(3, 17);
    a.prime({1, 2, 3});
    b.prime({1, 2, 3});
    CHECK(a.generate(60) == b.generate(60));
    for (nn::Index k = 0; k < 3; ++k) CHECK(a.log_likelihood(k) == doctest::Approx(b.log_likelihood(k)).epsilon(1e-12));
    // a copy forks: both continue alike from the same state
    generate::BatchGenerator<double> c = b;
    CHECK(b.generate(20) == c.generate(20));
  }
  SUBCASE("beam search (reorder on the device): the same beams") {
    generate::BatchGenerator<double> a(host, 5);
    generate::BatchGenerator<double> b = on_device(5, 1);
    a.prime({4, 5});
    b.prime({4, 5});
    const auto x = generate::beam_search(a, 12), y = generate::beam_search(b, 12);
    REQUIRE(x.size() == y.size());
    for (std::size_t k = 0; k < x.size(); ++k) {
      CHECK(x[k].ids == y[k].ids);
      CHECK(x[k].log_likelihood == doctest::Approx(y[k].log_likelihood).epsilon(1e-12));
    }
  }
}

TEST_CASE("cuda backend on the host: sampling tokens by counter") {
  HostExecutor ex;
  const Index V = 4, n = 20000;
  std::vector<float> probs(static_cast<std::size_t>(V * n));
  for (Index j = 0; j < n; ++j) {
    probs[static_cast<std::size_t>(j * V + 0)] = 0.1f;
    probs[static_cast<std::size_t>(j * V + 1)] = 0.2f;
    probs[static_cast<std::size_t>(j * V + 2)] = 0.0f;
    probs[static_cast<std::size_t>(j * V + 3)] = 0.7f;
  }
  std::vector<std::int32_t> ids(static_cast<std::size_t>(n)), again(static_cast<std::size_t>(n));
  backend::cuda::sample_tokens(ex, V, n, probs.data(), 1.0, 42, 3, ids.data());
  backend::cuda::sample_tokens(ex, V, n, probs.data(), 1.0, 42, 3, again.data());
  CHECK(ids == again);  // a pure function of (probabilities, key, stream, column)
  std::vector<double> count(static_cast<std::size_t>(V));
  for (std::int32_t id : ids) count[static_cast<std::size_t>(id)] += 1.0 / static_cast<double>(n);
  CHECK(count[2] == 0.0);
  // binomial standard deviation at n = 20000 is under 0.0033: 4 of them
  CHECK(count[0] == doctest::Approx(0.1).epsilon(0.013 / 0.1));
  CHECK(count[3] == doctest::Approx(0.7).epsilon(0.013 / 0.7));
  // temperature 0.5 squares the weights: 0.01 : 0.04 : 0 : 0.49
  backend::cuda::sample_tokens(ex, V, n, probs.data(), 0.5, 43, 3, ids.data());
  std::fill(count.begin(), count.end(), 0.0);
  for (std::int32_t id : ids) count[static_cast<std::size_t>(id)] += 1.0 / static_cast<double>(n);
  CHECK(count[3] == doctest::Approx(0.49 / 0.54).epsilon(0.013));
  CHECK(count[2] == 0.0);
}

}  // TEST_SUITE
