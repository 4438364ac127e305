#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include <symphonic/generate/generator.hpp>
#include <symphonic/nn/model.hpp>

using symphonic::generate::Generator;
using symphonic::generate::SamplerOptions;
using symphonic::nn::IdMatrix;
using symphonic::nn::InputKind;
using symphonic::nn::Model;
using symphonic::nn::ModelConfig;
using symphonic::nn::Mode;
using symphonic::nn::Workspace;

namespace {

ModelConfig small_config(InputKind input) {
  ModelConfig c;
  c.vocab_size = 13;
  c.input = input;
  c.embedding_size = 6;
  c.lstm_size = 10;
  c.lstm_layers = 2;
  c.dense_sizes = {9};
  c.batch_norm = true;
  c.dropout = 0.25;  // inference: identity
  c.lstm_dropout = 0.1;
  return c;
}

std::vector<std::int32_t> window(int length, std::uint64_t seed, int vocab) {
  symphonic::generate::SplitMix64 rng(seed);
  std::vector<std::int32_t> ids;
  for (int i = 0; i < length; ++i) ids.push_back(static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(vocab))));
  return ids;
}

}  // namespace

TEST_SUITE("generate") {

TEST_CASE("generator: step-by-step probabilities equal a full forward over the window") {
  for (InputKind input : {InputKind::embedding, InputKind::scalar}) {
    CAPTURE(static_cast<int>(input));
    Model<double> model(small_config(input), 7);
    // make the batch-norm running statistics non-trivial, as after training
    for (auto& b : model.buffers())
      for (std::int64_t i = 0; i < b.element_count(); ++i)
        b.data[i] = (b.name.find("var") != std::string::npos ? 0.5 + 0.1 * static_cast<double>(i % 5) : 0.05 * static_cast<double>(i % 3));
    const auto ids = window(40, 3, 13);
    for (int length : {1, 2, 17, 40}) {
      CAPTURE(length);
      IdMatrix inputs(1, length), targets(1, 1);
      for (int t = 0; t < length; ++t) inputs(0, t) = ids[static_cast<std::size_t>(t)];
      targets(0, 0) = 0;
      Workspace<double> ws;
      model.forward(ws, inputs, targets, Mode::infer);
      const auto full = ws.loss.probabilities;
      Generator<double> g(model, SamplerOptions::argmax(), 1);
      g.prime(std::vector<std::int32_t>(ids.begin(), ids.begin() + length));
      REQUIRE(g.probabilities().size() == 13);
      for (int v = 0; v < 13; ++v) CHECK(g.probabilities()[static_cast<std::size_t>(v)] == doctest::Approx(full(v, 0)).epsilon(1e-12));
    }
  }
}

TEST_CASE("generator: seeded, reproducible, banned ids never come out") {
  Model<float> model(small_config(InputKind::embedding), 11);
  SamplerOptions options;
  options.temperature = 1.5;  // flat enough that every id would appear
  const auto run = [&](std::uint64_t seed) {
    Generator<float> g(model, options, seed);
    g.set_banned({0, 5});
    g.prime({1, 2, 3});
    return g.generate(300);
  };
  const auto a = run(42), b = run(42), c = run(43);
  CHECK(a.size() == 300);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(std::count(a.begin(), a.end(), 0) == 0);
  CHECK(std::count(a.begin(), a.end(), 5) == 0);
  CHECK(std::all_of(a.begin(), a.end(), [](std::int32_t id) { return id >= 0 && id < 13; }));
  SUBCASE("history holds primer then output; reset starts over") {
    Generator<float> g(model, options, 42);
    g.set_banned({0, 5});
    g.prime({1, 2, 3});
    const auto out = g.generate(300);
    CHECK(g.history().size() == 303);
    CHECK(std::equal(out.begin(), out.end(), g.history().begin() + 3));
    g.reset();
    CHECK(g.history().empty());
    CHECK(g.probabilities().empty());
  }
  SUBCASE("continuing a generation equals generating in one go") {
    Generator<float> g(model, options, 42);
    g.set_banned({0, 5});
    g.prime({1, 2, 3});
    auto first = g.generate(100);
    const auto rest = g.generate(200);
    first.insert(first.end(), rest.begin(), rest.end());
    CHECK(first == a);
  }
}

TEST_CASE("batch generator: piece k is the single piece of seed + k, all in one batched pass") {
  Model<double> model(small_config(InputKind::embedding), 11);
  SamplerOptions options;
  options.temperature = 1.2;
  options.top_k = 6;
  symphonic::generate::BatchGenerator<double> batch(model, 4, options, 40);
  batch.set_banned({0});
  batch.prime({1, 2, 3});
  const auto pieces = batch.generate(120);
  REQUIRE(pieces.size() == 4);
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    CAPTURE(k);
    Generator<double> single(model, options, 40 + k);
    single.set_banned({0});
    single.prime({1, 2, 3});
    CHECK(single.generate(120) == pieces[k]);  // double: the batched products round alike here
    CHECK(batch.history(static_cast<symphonic::nn::Index>(k)).size() == 123);
  }
  CHECK(pieces[0] != pieces[1]);
  SUBCASE("one model, two generators stepping it from two threads at once") {
    std::vector<std::int32_t> from_thread;
    std::thread other([&] {
      Generator<double> g(model, options, 41);
      g.set_banned({0});
      g.prime({1, 2, 3});
      from_thread = g.generate(120);
    });
    Generator<double> here(model, options, 40);
    here.set_banned({0});
    here.prime({1, 2, 3});
    const auto mine = here.generate(120);
    other.join();
    CHECK(mine == pieces[0]);
    CHECK(from_thread == pieces[1]);
  }
  CHECK_THROWS_AS(symphonic::generate::BatchGenerator<double>(model, 0), symphonic::generate::SamplerError);
  CHECK_THROWS_AS(batch.feed({1, 2}), symphonic::generate::SamplerError);
}

TEST_CASE("generator: errors for ids outside the vocabulary and sampling before priming") {
  Model<float> model(small_config(InputKind::embedding), 1);
  Generator<float> g(model, {}, 1);
  CHECK_THROWS_AS(g.next(), symphonic::generate::SamplerError);
  CHECK_THROWS_WITH_AS(g.feed(13),
                       "[symphonic.generate.sampler_error] token id 13 outside the model's vocabulary [0, 13)",
                       symphonic::generate::SamplerError);
  CHECK_THROWS_AS(g.prime({-1}), symphonic::generate::SamplerError);
}

}  // TEST_SUITE

TEST_SUITE("generate") {

TEST_CASE("generator: the recorded log-likelihood is the model's own, as a full forward scores the piece") {
  Model<double> model(small_config(InputKind::embedding), 5);
  SamplerOptions options;  // sampled at temperature 1.3 with top-k and a repetition penalty: the
  options.temperature = 1.3;  // score stays the model's plain distribution
  options.top_k = 5;
  options.repetition_penalty = 1.2;
  symphonic::generate::BatchGenerator<double> batch(model, 3, options, 9);
  batch.set_banned({0});
  batch.prime({4});
  std::vector<std::vector<std::int32_t>> pieces;
  const auto best = symphonic::generate::best_of(batch, 30, &pieces);
  REQUIRE(pieces.size() == 3);
  std::vector<double> scored;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    CAPTURE(k);
    // inputs: the primer and the piece but its last token; targets: the piece (shifted by one)
    IdMatrix inputs(1, 30), targets(1, 30);
    inputs(0, 0) = 4;
    for (int t = 0; t < 30; ++t) {
      if (t > 0) inputs(0, t) = pieces[k][static_cast<std::size_t>(t - 1)];
      targets(0, t) = pieces[k][static_cast<std::size_t>(t)];
    }
    Workspace<double> ws;
    const auto r = model.forward(ws, inputs, targets, Mode::infer);
    scored.push_back(-r.loss * 30.0);
    CHECK(batch.log_likelihood(static_cast<symphonic::nn::Index>(k)) == doctest::Approx(scored.back()).epsilon(1e-10));
  }
  CHECK(scored[static_cast<std::size_t>(best)] == *std::max_element(scored.begin(), scored.end()));
  // a single generator records the same as piece 0 of the batch
  Generator<double> single(model, options, 9);
  single.set_banned({0});
  single.prime({4});
  single.generate(30);
  CHECK(single.log_likelihood() == doctest::Approx(batch.log_likelihood(0)).epsilon(1e-12));
  single.reset();
  CHECK(single.log_likelihood() == 0.0);
}

}  // TEST_SUITE
