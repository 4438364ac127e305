#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <symphonic/train/bigram.hpp>

using symphonic::nn::IdMatrix;
using symphonic::train::Bigram;
using symphonic::train::Metrics;

TEST_SUITE("train") {

TEST_CASE("bigram: add-k probabilities from pair counts") {
  Bigram model(4, 0.5);
  model.add_piece({0, 1, 0, 1, 0, 2});  // pairs 01 10 01 10 02
  // from 0: count(0,1) = 2, count(0,2) = 1, total 3
  CHECK(model.probability(0, 1) == doctest::Approx((2 + 0.5) / (3 + 0.5 * 4)));
  CHECK(model.probability(0, 3) == doctest::Approx(0.5 / 5.0));
  CHECK(model.probability(3, 2) == doctest::Approx(0.25));  // never seen: uniform
  double sum = 0;
  for (int j = 0; j < 4; ++j) sum += model.probability(0, j);
  CHECK(sum == doctest::Approx(1.0));
  CHECK(model.predict(0) == 1);
  CHECK(model.predict(1) == 0);
  CHECK(model.predict(3) == 0);
}

TEST_CASE("bigram: scores next-token and shifted batches on the trainer's layout") {
  Bigram model(3, 1.0);
  model.add_piece({0, 1, 2, 0, 1, 2, 0, 1});
  SUBCASE("next token conditions on the last input column") {
    IdMatrix inputs(2, 3), targets(2, 1);
    inputs << 0, 1, 2,  //
        1, 2, 0;
    targets << 0, 2;  // 2 -> 0 (seen twice), 0 -> 2 (never)
    const Metrics m = model.evaluate(inputs, targets);
    CHECK(m.count == 2);
    const double p1 = (2 + 1.0) / (2 + 3.0), p2 = (0 + 1.0) / (3 + 3.0);
    CHECK(m.loss() == doctest::Approx(-(std::log(p1) + std::log(p2)) / 2));
    CHECK(m.accuracy() == doctest::Approx(0.5));
    CHECK(m.perplexity() == doctest::Approx(std::exp(m.loss())));
  }
  SUBCASE("shifted targets score every step") {
    IdMatrix inputs(1, 3), targets(1, 3);
    inputs << 0, 1, 2;
    targets << 1, 2, 0;
    const Metrics m = model.evaluate(inputs, targets);
    CHECK(m.count == 3);
    CHECK(m.accuracy() == 1.0);
  }
  SUBCASE("metrics add up across batches") {
    Metrics a, b;
    a.loss_sum = 2;
    a.count = 2;
    a.correct = 1;
    b.loss_sum = 4;
    b.count = 2;
    a.add(b);
    CHECK(a.loss() == 1.5);
    CHECK(a.accuracy() == 0.25);
  }
}

TEST_CASE("bigram: samples follow its probabilities") {
  Bigram model(4, 0.5);
  model.add_piece({0, 1, 0, 1, 0, 2});  // from 0: 1 twice, 2 once
  // the draws on a fine grid give each token its probability's share of the unit square
  const int grid = 400;
  std::vector<double> share(4, 0.0);
  for (int i = 0; i < grid; ++i)
    for (int j = 0; j < grid; ++j) share[static_cast<std::size_t>(model.sample(0, (i + 0.5) / grid, (j + 0.5) / grid))] += 1.0;
  for (int next = 0; next < 4; ++next) {
    CAPTURE(next);
    CHECK(share[static_cast<std::size_t>(next)] / (grid * grid) == doctest::Approx(model.probability(0, next)).epsilon(0.01));
  }
  CHECK(model.sample(3, 0.999, 0.999) == 3);  // never a predecessor: uniform, and never past the vocabulary
  CHECK(model.sample(3, 0.0, 0.0) == 0);
}

TEST_CASE("bigram: bad ids, shapes and settings throw") {
  CHECK_THROWS_AS(Bigram(0), symphonic::nn::ShapeError);
  CHECK_THROWS_AS(Bigram(3, 0.0), symphonic::Error);
  Bigram model(3);
  CHECK_THROWS_WITH_AS(model.add_pair(0, 3),
                       "[symphonic.train.train_error] bigram: token id 3 outside the vocabulary [0, 3)",
                       symphonic::Error);
  CHECK_THROWS_AS(model.probability(-1, 0), symphonic::Error);
  IdMatrix inputs(2, 3), targets(1, 1);
  inputs.setZero();
  targets.setZero();
  CHECK_THROWS_AS(model.evaluate(inputs, targets), symphonic::nn::ShapeError);
  IdMatrix wide(2, 2);
  wide.setZero();
  CHECK_THROWS_AS(model.evaluate(inputs, wide), symphonic::nn::ShapeError);
}

}  // TEST_SUITE
