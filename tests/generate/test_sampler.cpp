#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include <symphonic/generate/sampler.hpp>

using symphonic::generate::Sampler;
using symphonic::generate::SamplerError;
using symphonic::generate::SamplerOptions;
using symphonic::generate::SplitMix64;

namespace {

// Pearson's chi-square statistic of `draws` samples against `expected` (normalised).
double chi_square(const std::vector<int>& counts, const std::vector<double>& expected, int draws) {
  double statistic = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (expected[i] == 0.0) {
      if (counts[i] != 0) return 1e300;  // a token that must never appear did
      continue;
    }
    const double e = expected[i] * draws;
    statistic += (counts[i] - e) * (counts[i] - e) / e;
  }
  return statistic;
}

std::vector<int> draw(Sampler& sampler, const std::vector<double>& p, int draws,
                      const std::vector<std::int32_t>& history = {}) {
  std::vector<int> counts(p.size(), 0);
  for (int i = 0; i < draws; ++i) ++counts[static_cast<std::size_t>(sampler.sample(p, history))];
  return counts;
}

std::vector<double> normalised(std::vector<double> v) {
  double s = 0;
  for (double x : v) s += x;
  for (double& x : v) x /= s;
  return v;
}

// Upper 0.1% points of the chi-square distribution, by degrees of freedom.
double chi_square_critical(int dof) {
  static const double table[] = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32};
  return table[dof];
}

}  // namespace

TEST_SUITE("generate") {

TEST_CASE("splitmix64: matches the published reference sequence") {
  // First outputs of SplitMix64 seeded with 1234567, computed independently in Python.
  SplitMix64 rng(1234567);
  CHECK(rng.next() == 6457827717110365317ULL);
  CHECK(rng.next() == 3203168211198807973ULL);
  CHECK(rng.next() == 9817491932198370423ULL);
  SplitMix64 a(7), b(7);
  for (int i = 0; i < 5; ++i) a.next();
  b.set_state(a.state());
  CHECK(a.next() == b.next());
  double lo = 1, hi = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = a.uniform();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  CHECK(lo >= 0.0);
  CHECK(hi < 1.0);
  CHECK(lo < 0.001);
  CHECK(hi > 0.999);
}

TEST_CASE("sampler: argmax takes the most probable token, the lower id on ties") {
  Sampler argmax(SamplerOptions::argmax(), 5);
  CHECK(argmax.sample(std::vector<double>{0.1, 0.5, 0.4}) == 1);
  CHECK(argmax.sample(std::vector<double>{0.4, 0.2, 0.4}) == 0);
  CHECK(argmax.sample(std::vector<float>{0.0f, 0.0f, 1.0f}) == 2);
  const std::uint64_t state = argmax.rng_state();
  argmax.sample(std::vector<double>{0.3, 0.7});
  CHECK(argmax.rng_state() == state);  // argmax draws no random numbers
  CHECK(symphonic::generate::argmax(std::vector<double>{NAN, 0.2, 0.1}.data(), 3) == 1);
}

TEST_CASE("sampler: temperature 1 reproduces the distribution (chi-square)") {
  const std::vector<double> p = {0.5, 0.25, 0.125, 0.0625, 0.0625};
  Sampler sampler({}, 42);
  const int n = 200000;
  const auto counts = draw(sampler, p, n);
  CHECK(chi_square(counts, p, n) < chi_square_critical(4));
}

TEST_CASE("sampler: temperature reshapes as p^(1/T)") {
  const std::vector<double> p = {0.5, 0.3, 0.15, 0.05};
  const int n = 200000;
  SUBCASE("T = 0.5 sharpens") {
    SamplerOptions o;
    o.temperature = 0.5;
    Sampler sampler(o, 3);
    const auto expected = normalised({0.25, 0.09, 0.0225, 0.0025});
    const auto d = sampler.distribution(p.data(), 4);
    for (int i = 0; i < 4; ++i) CHECK(d[static_cast<std::size_t>(i)] == doctest::Approx(expected[static_cast<std::size_t>(i)]));
    CHECK(chi_square(draw(sampler, p, n), expected, n) < chi_square_critical(3));
  }
  SUBCASE("T = 2 flattens") {
    SamplerOptions o;
    o.temperature = 2.0;
    Sampler sampler(o, 4);
    const auto expected =
        normalised({std::sqrt(0.5), std::sqrt(0.3), std::sqrt(0.15), std::sqrt(0.05)});
    CHECK(chi_square(draw(sampler, p, n), expected, n) < chi_square_critical(3));
  }
  SUBCASE("very low temperature does not underflow to nothing") {
    SamplerOptions o;
    o.temperature = 1e-4;
    Sampler sampler(o, 5);
    for (int i = 0; i < 100; ++i) CHECK(sampler.sample(p) == 0);
  }
}

TEST_CASE("sampler: top-k keeps the k most probable tokens, renormalised") {
  SamplerOptions o;
  o.top_k = 2;
  Sampler sampler(o, 11);
  const std::vector<double> p = {0.1, 0.4, 0.2, 0.3};
  const auto expected = normalised({0.0, 0.4, 0.0, 0.3});
  const int n = 100000;
  CHECK(chi_square(draw(sampler, p, n), expected, n) < chi_square_critical(1));
  SUBCASE("ties at the boundary go to the lower id") {
    SamplerOptions one;
    one.top_k = 1;
    Sampler s(one, 1);
    const auto d = s.distribution(std::vector<double>{0.2, 0.4, 0.4}.data(), 3);
    CHECK(d == std::vector<double>{0.0, 1.0, 0.0});
  }
}

TEST_CASE("sampler: top-p keeps the smallest prefix whose mass reaches p") {
  const std::vector<double> p = {0.05, 0.5, 0.3, 0.15};
  SamplerOptions o;
  SUBCASE("p = 0.8 keeps exactly 0.5 + 0.3") {
    o.top_p = 0.8;
    Sampler s(o, 1);
    const auto d = s.distribution(p.data(), 4);
    CHECK(d[0] == 0.0);
    CHECK(d[1] == doctest::Approx(0.5 / 0.8));
    CHECK(d[2] == doctest::Approx(0.3 / 0.8));
    CHECK(d[3] == 0.0);
    const int n = 100000;
    CHECK(chi_square(draw(s, p, n), d, n) < chi_square_critical(1));
  }
  SUBCASE("p = 0.81 needs the third token") {
    o.top_p = 0.81;
    Sampler s(o, 1);
    const auto d = s.distribution(p.data(), 4);
    CHECK(d[3] == doctest::Approx(0.15 / 0.95));
    CHECK(d[0] == 0.0);
  }
  SUBCASE("p small keeps only the top token") {
    o.top_p = 0.01;
    Sampler s(o, 1);
    for (int i = 0; i < 50; ++i) CHECK(s.sample(p) == 1);
  }
  SUBCASE("combined with top-k, p is a share of the kept mass") {
    o.top_k = 2;
    o.top_p = 0.6;  // 0.6 * 0.8 = 0.48 < 0.5: only the top token
    Sampler s(o, 1);
    const auto d = s.distribution(p.data(), 4);
    CHECK(d == std::vector<double>{0.0, 1.0, 0.0, 0.0});
  }
}

TEST_CASE("sampler: repetition penalty divides recent tokens' probability") {
  SamplerOptions o;
  o.repetition_penalty = 4.0;
  o.repetition_window = 2;
  Sampler s(o, 9);
  const std::vector<double> p = {0.4, 0.4, 0.2};
  SUBCASE("tokens in the window") {
    // token 0 is recent (counted once although it appears twice); token 2 fell out of the window
    const auto d = s.distribution(p.data(), 3, {2, 0, 0});
    const auto expected = normalised({0.1, 0.4, 0.2});
    for (std::size_t i = 0; i < 3; ++i) CHECK(d[i] == doctest::Approx(expected[i]));
    const int n = 100000;
    CHECK(chi_square(draw(s, p, n, {2, 0, 0}), expected, n) < chi_square_critical(2));
  }
  SUBCASE("with argmax it breaks a loop") {
    SamplerOptions g = o;
    g.temperature = 0.0;
    Sampler greedy(g, 1);
    CHECK(greedy.sample(p, {}) == 0);
    CHECK(greedy.sample(p, {0}) == 1);
    CHECK(greedy.sample(p, {0, 1}) == 2);
  }
  SUBCASE("out-of-range history ids are ignored") {
    const auto d = s.distribution(p.data(), 3, {-1, 7});
    CHECK(d[0] == doctest::Approx(0.4));
  }
}

TEST_CASE("sampler: same seed, same tokens; different seed, different tokens") {
  SamplerOptions o;
  o.temperature = 1.3;
  o.top_k = 50;
  o.top_p = 0.95;
  Eigen::VectorXf p = Eigen::VectorXf::Random(200).cwiseAbs();
  std::vector<std::int32_t> a, b, c;
  Sampler s1(o, 123), s2(o, 123), s3(o, 124);
  for (int i = 0; i < 200; ++i) {
    a.push_back(s1.sample(p, a));
    b.push_back(s2.sample(p, b));
    c.push_back(s3.sample(p, c));
  }
  CHECK(a == b);
  CHECK(a != c);
  SUBCASE("resuming from a saved state continues the same sequence") {
    Sampler r(o, 999);
    r.set_rng_state(s1.rng_state());
    CHECK(r.sample(p) == s1.sample(p));
  }
}

TEST_CASE("sampler: frequency penalty multiplies by exp(-f) once per occurrence in the window, after the repetition penalty") {
  SamplerOptions o;
  o.frequency_penalty = 0.5;
  o.repetition_window = 4;
  Sampler s(o, 3);
  const std::vector<double> p = {0.4, 0.4, 0.2};
  // window {0, 0, 0, 1}: token 2 fell out; 0 three times, 1 once
  const auto d = s.distribution(p.data(), 3, {2, 0, 0, 0, 1});
  const auto expected = normalised({0.4 * std::exp(-1.5), 0.4 * std::exp(-0.5), 0.2});
  for (std::size_t i = 0; i < 3; ++i) CHECK(d[i] == doctest::Approx(expected[i]).epsilon(1e-12));
  const int n = 100000;
  CHECK(chi_square(draw(s, p, n, {2, 0, 0, 0, 1}), expected, n) < chi_square_critical(2));
  // with the repetition penalty, both: 0.4 / 2 * exp(-1.5), 0.4 / 2 * exp(-0.5), 0.2
  o.repetition_penalty = 2.0;
  const auto both = Sampler(o, 3).distribution(p.data(), 3, {2, 0, 0, 0, 1});
  const auto expected_both = normalised({0.2 * std::exp(-1.5), 0.2 * std::exp(-0.5), 0.2});
  for (std::size_t i = 0; i < 3; ++i) CHECK(both[i] == doctest::Approx(expected_both[i]).epsilon(1e-12));
  // off (0) or an empty window: the distribution as it was
  o = {};
  o.frequency_penalty = 0.5;
  o.repetition_window = 0;
  const auto off = Sampler(o, 3).distribution(p.data(), 3, {0, 0, 0});
  for (std::size_t i = 0; i < 3; ++i) CHECK(off[i] == doctest::Approx(p[i]));
}

TEST_CASE("sampler: bad settings and inputs are rejected with SamplerError") {
  SamplerOptions o;
  o.temperature = -1;
  CHECK_THROWS_AS(Sampler(o, 1), SamplerError);
  o = {};
  o.top_p = 0.0;
  CHECK_THROWS_WITH_AS(Sampler(o, 1), "[symphonic.generate.sampler_error] top_p must be in (0, 1], got 0.000000",
                       SamplerError);
  o = {};
  o.top_k = -3;
  CHECK_THROWS_AS(Sampler(o, 1), SamplerError);
  o = {};
  o.repetition_penalty = 0.5;
  CHECK_THROWS_AS(Sampler(o, 1), SamplerError);
  o = {};
  o.temperature = INFINITY;
  CHECK_THROWS_AS(Sampler(o, 1), SamplerError);
  o = {};
  o.frequency_penalty = -0.1;
  CHECK_THROWS_WITH_AS(Sampler(o, 1), doctest::Contains("frequency_penalty must be a finite number >= 0"), SamplerError);
  Sampler s({}, 1);
  CHECK_THROWS_AS(s.sample(std::vector<double>{}), SamplerError);
  // all-zero or NaN input degrades to a valid id instead of reading garbage
  CHECK(s.sample(std::vector<double>{0.0, 0.0, 0.0}) == 0);
  CHECK(s.sample(std::vector<double>{NAN, NAN, 1.0}) == 2);
}

}  // TEST_SUITE
