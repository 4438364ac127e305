// symphonic/nn/random.hpp - the seeded random generator behind initialisation and dropout keys.
//
// SplitMix64: the whole state is one 64-bit counter, so a model's stream (weights, then one dropout
// key per training step; the masks themselves are drawn by counter, common/counter_rng.hpp) can
// be saved in a checkpoint as one integer and resumed exactly (Model::rng_state / set_rng_state). Each draw adds
// the golden-ratio increment to the counter and scrambles it; the output passes BigCrush and is the
// same on every platform (integer arithmetic only; floats are built from the top bits).
#pragma once

#include <cmath>
#include <cstdint>

#include "symphonic/common/counter_rng.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

/// Deterministic generator; never seeded from the clock or std::random_device.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) : state_(seed) {}

  /// The next 64 random bits.
  std::uint64_t next() { return common::mix64(state_ += 0x9E3779B97F4A7C15ULL); }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

  /// Uniform integer in [0, n), n > 0 (unbiased: draws below 2^64 mod n are rejected).
  std::uint64_t below(std::uint64_t n) {
    SYMPHONIC_ASSERT(n > 0);
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }

  /// Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  /// Standard normal (Box-Muller, one value per call).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  std::uint64_t state() const { return state_; }
  void set_state(std::uint64_t state) { state_ = state; }

 private:
  std::uint64_t state_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
