#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include <symphonic/generate/beam_search.hpp>
#include <symphonic/generate/generator.hpp>
#include <symphonic/nn/model.hpp>

using symphonic::generate::BatchGenerator;
using symphonic::generate::Beam;
using symphonic::generate::beam_search;
using symphonic::generate::Generator;
using symphonic::generate::SamplerError;
using symphonic::generate::SamplerOptions;
using symphonic::nn::IdMatrix;
using symphonic::nn::Index;
using symphonic::nn::InputKind;
using symphonic::nn::Model;
using symphonic::nn::ModelConfig;
using symphonic::nn::Mode;
using symphonic::nn::Workspace;

namespace {

ModelConfig config(std::int32_t vocab) {
  ModelConfig c;
  c.vocab_size = vocab;
  c.input = InputKind::embedding;
  c.embedding_size = 5;
  c.lstm_size = 8;
  c.lstm_layers = 2;
  c.dense_sizes = {7};
  c.batch_norm = true;
  c.dropout = 0.2;  // inference: identity
  return c;
}

// log p(continuation | primer) by one full forward over primer + continuation: an independent
// score of a piece, not the generator's step-by-step record.
double score(Model<double>& model, const std::vector<std::int32_t>& primer, const std::vector<std::int32_t>& piece) {
  std::vector<std::int32_t> all = primer;
  all.insert(all.end(), piece.begin(), piece.end());
  const Index steps = static_cast<Index>(all.size()) - 1;
  IdMatrix inputs(1, steps), targets(1, steps);
  for (Index t = 0; t < steps; ++t) {
    inputs(0, t) = all[static_cast<std::size_t>(t)];
    targets(0, t) = all[static_cast<std::size_t>(t + 1)];
  }
  Workspace<double> ws;
  model.forward(ws, inputs, targets, Mode::infer);
  // log-softmax of the logits at each scored step; the primer's own transitions are given, not scored
  double sum = 0;
  const auto& logits = ws.logits();
  for (Index t = static_cast<Index>(primer.size()) - 1; t < steps; ++t) {
    const auto column = logits.col(t);
    const double top = column.maxCoeff();
    const double log_norm = top + std::log((column.array() - top).exp().sum());
    sum += column(targets(0, t)) - log_norm;
  }
  return sum;
}

// Every continuation of `length` tokens over the allowed ids, with its score, best first.
std::vector<Beam> enumerate(Model<double>& model, const std::vector<std::int32_t>& primer, int length,
                            const std::vector<std::int32_t>& allowed) {
  std::vector<Beam> all;
  std::vector<std::int32_t> piece;
  std::function<void()> walk = [&] {
    if (static_cast<int>(piece.size()) == length) {
      all.push_back({piece, score(model, primer, piece)});
      return;
    }
    for (std::int32_t id : allowed) {
      piece.push_back(id);
      walk();
      piece.pop_back();
    }
  };
  walk();
  std::stable_sort(all.begin(), all.end(), [](const Beam& a, const Beam& b) { return a.log_likelihood > b.log_likelihood; });
  return all;
}

}  // namespace

TEST_SUITE("generate") {

TEST_CASE("beam search: a beam as wide as every continuation finds them all, likeliest first, as enumeration does") {
  Model<double> model(config(4), 3);
  const std::vector<std::int32_t> primer = {2, 1};
  SUBCASE("all four tokens") {
    const std::vector<Beam> expected = enumerate(model, primer, 3, {0, 1, 2, 3});
    REQUIRE(expected.size() == 64);
    BatchGenerator<double> generator(model, 64);
    generator.prime(primer);
    const std::vector<Beam> found = beam_search(generator, 3);
    REQUIRE(found.size() == 64);
    for (std::size_t j = 0; j < found.size(); ++j) {
      CAPTURE(j);
      CHECK(found[j].log_likelihood == doctest::Approx(expected[j].log_likelihood).epsilon(1e-12));
      // piece j of the generator is beam j, with the same record
      CHECK(generator.log_likelihood(static_cast<Index>(j)) == found[j].log_likelihood);
      CHECK(std::vector<std::int32_t>(generator.history(static_cast<Index>(j)).begin() + 2,
                                      generator.history(static_cast<Index>(j)).end()) == found[j].ids);
    }
    CHECK(found[0].ids == expected[0].ids);
  }
  SUBCASE("a banned token: 27 continuations for a beam of 64, no duplicates") {
    const std::vector<Beam> expected = enumerate(model, primer, 3, {1, 2, 3});
    BatchGenerator<double> generator(model, 64);
    generator.set_banned({0});
    generator.prime(primer);
    const std::vector<Beam> found = beam_search(generator, 3);
    REQUIRE(found.size() == 27);
    for (std::size_t j = 0; j < found.size(); ++j) {
      CAPTURE(j);
      CHECK(found[j].log_likelihood == doctest::Approx(expected[j].log_likelihood).epsilon(1e-12));
      CHECK(std::find(found[j].ids.begin(), found[j].ids.end(), 0) == found[j].ids.end());
    }
    std::vector<std::vector<std::int32_t>> pieces;
    for (const Beam& b : found) pieces.push_back(b.ids);
    std::sort(pieces.begin(), pieces.end());
    CHECK(std::adjacent_find(pieces.begin(), pieces.end()) == pieces.end());
  }
}

TEST_CASE("beam search: width 1 is argmax decoding; a wider beam's best is never less likely than argmax's piece") {
  Model<double> model(config(11), 17);
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    const std::vector<std::int32_t> primer = {static_cast<std::int32_t>(seed % 11), static_cast<std::int32_t>((seed * 7) % 11)};
    Generator<double> greedy(model, SamplerOptions::argmax(), seed);
    greedy.set_banned({0});
    greedy.prime(primer);
    const std::vector<std::int32_t> argmax_piece = greedy.generate(24);

    BatchGenerator<double> one(model, 1);
    one.set_banned({0});
    one.prime(primer);
    const std::vector<Beam> narrow = beam_search(one, 24);
    REQUIRE(narrow.size() == 1);
    CHECK(narrow[0].ids == argmax_piece);
    CHECK(narrow[0].log_likelihood == doctest::Approx(greedy.log_likelihood()).epsilon(1e-12));

    for (Index width : {2, 3, 4, 8, 16}) {
      CAPTURE(width);
      BatchGenerator<double> beams(model, width);
      beams.set_banned({0});
      beams.prime(primer);
      const std::vector<Beam> found = beam_search(beams, 24);
      REQUIRE(found.size() == static_cast<std::size_t>(width));
      for (std::size_t j = 1; j < found.size(); ++j) CHECK(found[j - 1].log_likelihood >= found[j].log_likelihood);
      CHECK(found[0].log_likelihood == doctest::Approx(score(model, primer, found[0].ids)).epsilon(1e-10));
      // argmax's piece is one of the beams (the search kept it where it would have fallen out),
      // scored as the single generator scored it up to the batched products' last bits
      const auto kept = std::find_if(found.begin(), found.end(), [&](const Beam& b) { return b.ids == argmax_piece; });
      REQUIRE(kept != found.end());
      CHECK(kept->log_likelihood == doctest::Approx(greedy.log_likelihood()).epsilon(1e-12));
      CHECK(found[0].log_likelihood >= kept->log_likelihood);
    }
  }
}

TEST_CASE("batch generator: reorder forks pieces, and a copy goes on on its own") {
  Model<double> model(config(9), 5);
  BatchGenerator<double> generator(model, 3, SamplerOptions{}, 4);
  generator.feed({1, 2, 3});
  generator.feed({4, 5, 6});
  const std::vector<double> before = generator.probabilities();
  const double ll1 = generator.log_likelihood(1);
  generator.reorder({2, 0, 2});
  CHECK(generator.history(0) == std::vector<std::int32_t>{3, 6});
  CHECK(generator.history(1) == std::vector<std::int32_t>{1, 4});
  CHECK(generator.history(2) == std::vector<std::int32_t>{3, 6});
  CHECK(generator.log_likelihood(1) == ll1);
  for (std::size_t v = 0; v < 9; ++v) {
    CHECK(generator.probabilities()[v] == before[2 * 9 + v]);
    CHECK(generator.probabilities()[9 + v] == before[v]);
  }
  // the forked state goes on as a piece fed the same tokens from the start
  BatchGenerator<double> fork = generator;
  fork.feed({7, 7, 8});
  generator.feed({7, 8, 8});
  Generator<double> fresh(model);
  fresh.prime({3, 6, 7});
  for (std::size_t v = 0; v < 9; ++v) CHECK(fork.probabilities()[v] == doctest::Approx(fresh.probabilities()[v]).epsilon(1e-12));
  fresh.reset();
  fresh.prime({3, 6, 8});
  for (std::size_t v = 0; v < 9; ++v) {
    CHECK(fork.probabilities()[2 * 9 + v] == doctest::Approx(fresh.probabilities()[v]).epsilon(1e-12));
    CHECK(generator.probabilities()[2 * 9 + v] == doctest::Approx(fresh.probabilities()[v]).epsilon(1e-12));
  }
  CHECK(generator.history(0) == std::vector<std::int32_t>{3, 6, 7});  // the copy's feed left it alone
  CHECK(fork.history(0) == std::vector<std::int32_t>{3, 6, 7});
  CHECK(fork.history(1) == std::vector<std::int32_t>{1, 4, 7});
  CHECK(generator.history(1) == std::vector<std::int32_t>{1, 4, 8});
}

TEST_CASE("beam search and reorder: bad arguments are SamplerError") {
  Model<double> model(config(5), 2);
  BatchGenerator<double> generator(model, 2);
  CHECK_THROWS_AS(beam_search(generator, 4), SamplerError);  // not primed
  CHECK_THROWS_AS(generator.take({1, 1}), SamplerError);
  generator.prime({1});
  CHECK_THROWS_AS(beam_search(generator, 0), SamplerError);
  CHECK_THROWS_AS(generator.reorder({0}), SamplerError);
  CHECK_THROWS_AS(generator.reorder({0, 2}), SamplerError);
  CHECK_THROWS_AS(generator.reorder({-1, 0}), SamplerError);
  CHECK_THROWS_AS(generator.take({1, 5}), SamplerError);
  CHECK(generator.history(0) == std::vector<std::int32_t>{1});  // nothing taken by the refused calls
  CHECK(generator.log_likelihood(0) == 0.0);
  generator.set_banned({0, 1, 2, 3, 4});
  CHECK_THROWS_WITH_AS(beam_search(generator, 3), doctest::Contains("no token may follow"), SamplerError);
}

}  // TEST_SUITE
