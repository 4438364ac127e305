// symphonic/generate/sampler.hpp - picking the next token from a model's probabilities.
//
// The recipe always takes the most probable token (argmax), which is why its output loops on one
// note. A Sampler draws from the distribution instead, reshaped by the usual knobs, applied in
// this order (the order of Hugging Face's logits processors):
//
//   1. repetition penalty  p_i <- p_i / penalty  for every token i among the last
//                          `repetition_window` tokens of the history (penalty >= 1; in logit terms
//                          this subtracts log(penalty), so the result does not depend on the sign
//                          of a logit the way CTRL's rule does)
//      frequency penalty   p_i <- p_i * exp(-f * n_i), n_i = how often token i occurs among those
//                          same recent tokens (f >= 0; in logit terms f * n_i is subtracted, as in
//                          OpenAI's frequency_penalty): it grows with every repeat, so a long run
//                          of one value (one note length for bars on end) is broken, where the
//                          once-per-token penalty above no longer moves a near-certain token
//   2. temperature         p_i <- p_i^(1/T)       (softmax(logits / T)); T = 0 means argmax
//   3. top-k               keep the k most probable tokens (k = 0: keep all)
//   4. top-p (nucleus)     keep the smallest set of most probable tokens whose mass is >= p
//   5. renormalise and draw one token by inverting the cumulative distribution
//
// Ties are broken by the lower token id everywhere (as numpy.argmax does), so a run is a pure
// function of (probabilities, history, options, seed). The random numbers come from SplitMix64,
// whose whole state is one 64-bit word: rng_state() / set_rng_state() make a generation resumable
// and identical on every platform (std:: distributions are not specified bit-for-bit).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/random.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

/// Invalid sampler settings or arguments.
class SamplerError : public Error {
 public:
  explicit SamplerError(const std::string& message) : Error("generate.sampler_error", message) {}
};

/// SplitMix64 (Steele, Lea, Flood 2014): the same one-word generator as the model's dropout.
using SplitMix64 = nn::Rng;

struct SamplerOptions {
  double temperature = 1.0;        ///< > 0 samples; 0 takes the argmax (the recipe)
  int top_k = 0;                   ///< keep only the k most probable tokens; 0 keeps all
  double top_p = 1.0;              ///< nucleus mass in (0, 1]; 1 keeps all
  double repetition_penalty = 1.0; ///< >= 1; 1 is off
  double frequency_penalty = 0.0;  ///< >= 0: logit -= penalty x occurrences in the window; 0 is off
  int repetition_window = 32;      ///< how many recent tokens the penalty looks at

  /// The recipe's rule: always the most probable token.
  static SamplerOptions argmax() {
    SamplerOptions o;
    o.temperature = 0.0;
    return o;
  }

  /// Throws SamplerError naming the first setting out of range.
  void validate() const {
    if (!(temperature >= 0.0) || !std::isfinite(temperature))
      SYMPHONIC_THROW(SamplerError("temperature must be a finite number >= 0, got " +
                                   std::to_string(temperature)));
    if (top_k < 0) SYMPHONIC_THROW(SamplerError("top_k must be >= 0, got " + std::to_string(top_k)));
    if (!(top_p > 0.0 && top_p <= 1.0))
      SYMPHONIC_THROW(SamplerError("top_p must be in (0, 1], got " + std::to_string(top_p)));
    if (!(repetition_penalty >= 1.0) || !std::isfinite(repetition_penalty))
      SYMPHONIC_THROW(SamplerError("repetition_penalty must be a finite number >= 1, got " +
                                   std::to_string(repetition_penalty)));
    if (!(frequency_penalty >= 0.0) || !std::isfinite(frequency_penalty))
      SYMPHONIC_THROW(SamplerError("frequency_penalty must be a finite number >= 0, got " +
                                   std::to_string(frequency_penalty)));
    if (repetition_window < 0)
      SYMPHONIC_THROW(SamplerError("repetition_window must be >= 0, got " +
                                   std::to_string(repetition_window)));
  }
};

/// Index of the largest entry, the lowest index among equals; non-finite entries never win
/// unless every entry is non-finite (then 0).
template <class Scalar>
std::int32_t argmax(const Scalar* values, std::int64_t size) {
  std::int32_t best = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  bool found = false;
  for (std::int64_t i = 0; i < size; ++i) {
    const double v = static_cast<double>(values[i]);
    if (!std::isfinite(v)) continue;
    if (!found || v > best_value) {
      best = static_cast<std::int32_t>(i);
      best_value = v;
      found = true;
    }
  }
  return best;
}

class Sampler {
 public:
  explicit Sampler(SamplerOptions options = {}, std::uint64_t seed = 1)
      : options_(options), rng_(seed) {
    options_.validate();
  }

  const SamplerOptions& options() const { return options_; }
  std::uint64_t rng_state() const { return rng_.state(); }
  void set_rng_state(std::uint64_t state) { rng_.set_state(state); }

  /// The distribution step 5 draws from, over all `size` tokens (zeros outside the kept set).
  /// `probabilities` need not be normalised; negative or non-finite entries count as 0. With
  /// temperature 0 it is one-hot on the (penalised) argmax. `history` holds the tokens generated
  /// so far, oldest first.
  template <class Scalar>
  std::vector<double> distribution(const Scalar* probabilities, std::int64_t size,
                                   const std::vector<std::int32_t>& history = {}) const {
    if (size <= 0) SYMPHONIC_THROW(SamplerError("empty probability vector"));
    std::vector<double> p(static_cast<std::size_t>(size));
    for (std::int64_t i = 0; i < size; ++i) {
      const double v = static_cast<double>(probabilities[i]);
      p[static_cast<std::size_t>(i)] = std::isfinite(v) && v > 0.0 ? v : 0.0;
    }
    // 1. repetition penalty, once per distinct recent token
    if (options_.repetition_penalty > 1.0 && options_.repetition_window > 0) {
      std::vector<bool> seen(p.size(), false);
      const std::size_t window = static_cast<std::size_t>(options_.repetition_window);
      const std::size_t from = history.size() > window ? history.size() - window : 0;
      for (std::size_t h = from; h < history.size(); ++h) {
        const std::int32_t id = history[h];
        if (id < 0 || id >= size || seen[static_cast<std::size_t>(id)]) continue;
        seen[static_cast<std::size_t>(id)] = true;
        p[static_cast<std::size_t>(id)] /= options_.repetition_penalty;
      }
    }
    //    frequency penalty, once per occurrence of a recent token
    if (options_.frequency_penalty > 0.0 && options_.repetition_window > 0) {
      const double factor = std::exp(-options_.frequency_penalty);
      const std::size_t window = static_cast<std::size_t>(options_.repetition_window);
      for (std::size_t h = history.size() > window ? history.size() - window : 0; h < history.size(); ++h)
        if (history[h] >= 0 && history[h] < size) p[static_cast<std::size_t>(history[h])] *= factor;
    }
    const double total = std::accumulate(p.begin(), p.end(), 0.0);
    if (!(total > 0.0)) {  // nothing usable: fall back to the raw argmax
      std::vector<double> one_hot(p.size(), 0.0);
      one_hot[static_cast<std::size_t>(argmax(probabilities, size))] = 1.0;
      return one_hot;
    }
    // 2. temperature, in log space relative to the maximum so p^(1/T) cannot underflow to all 0
    if (options_.temperature == 0.0) {
      std::vector<double> one_hot(p.size(), 0.0);
      one_hot[static_cast<std::size_t>(argmax(p.data(), size))] = 1.0;
      return one_hot;
    }
    if (options_.temperature != 1.0) {
      const double top = *std::max_element(p.begin(), p.end());
      const double inverse = 1.0 / options_.temperature;
      for (double& v : p) v = v > 0.0 ? std::exp((std::log(v) - std::log(top)) * inverse) : 0.0;
    }
    // 3 + 4. top-k and top-p need the tokens in order of probability (ties: lower id first)
    const bool truncate_k = options_.top_k > 0 && options_.top_k < size;
    const bool truncate_p = options_.top_p < 1.0;
    if (truncate_k || truncate_p) {
      std::vector<std::int32_t> order(p.size());
      std::iota(order.begin(), order.end(), 0);
      const auto by_probability = [&p](std::int32_t a, std::int32_t b) {
        const double pa = p[static_cast<std::size_t>(a)], pb = p[static_cast<std::size_t>(b)];
        return pa > pb || (pa == pb && a < b);
      };
      std::size_t keep = order.size();
      if (truncate_k) keep = static_cast<std::size_t>(options_.top_k);
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep),
                        order.end(), by_probability);
      if (truncate_p) {
        double mass = 0.0;
        for (std::size_t i = 0; i < keep; ++i) mass += p[static_cast<std::size_t>(order[i])];
        const double target = options_.top_p * mass;
        double running = 0.0;
        std::size_t n = 0;
        while (n < keep) {
          running += p[static_cast<std::size_t>(order[n])];
          ++n;
          if (running >= target * (1.0 - 1e-12)) break;
        }
        keep = n;
      }
      std::vector<double> kept(p.size(), 0.0);
      for (std::size_t i = 0; i < keep; ++i)
        kept[static_cast<std::size_t>(order[i])] = p[static_cast<std::size_t>(order[i])];
      p.swap(kept);
    }
    // 5. renormalise
    const double mass = std::accumulate(p.begin(), p.end(), 0.0);
    for (double& v : p) v /= mass;
    return p;
  }

  /// Draws one token id in [0, size). Advances the generator by exactly one draw (none with
  /// temperature 0).
  template <class Scalar>
  std::int32_t sample(const Scalar* probabilities, std::int64_t size,
                      const std::vector<std::int32_t>& history = {}) {
    const std::vector<double> p = distribution(probabilities, size, history);
    if (options_.temperature == 0.0) return argmax(p.data(), size);
    const double u = rng_.uniform();
    double running = 0.0;
    std::int32_t last_nonzero = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i] <= 0.0) continue;
      last_nonzero = static_cast<std::int32_t>(i);
      running += p[i];
      if (u < running) return last_nonzero;
    }
    return last_nonzero;  // u landed in the rounding gap above the last cumulative sum
  }

  /// Convenience overload for any contiguous container (std::vector, Eigen vector or column).
  template <class Vector>
  std::int32_t sample(const Vector& probabilities, const std::vector<std::int32_t>& history = {}) {
    return sample(probabilities.data(), static_cast<std::int64_t>(probabilities.size()), history);
  }

 private:
  SamplerOptions options_;
  SplitMix64 rng_;
};

}  // namespace generate
SYMPHONIC_NAMESPACE_END
