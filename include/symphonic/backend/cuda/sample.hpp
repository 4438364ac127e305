// symphonic/backend/cuda/sample.hpp - drawing the next token of every generated sequence on the
// device, from the probabilities Model::step left there.
//
// Column j (V probabilities) is sampled at a temperature tau by inverse transform, one thread per
// column: weights w_v = p_v^(1 / tau) (tau = 1: p itself), u = the top 53 bits of
// counter_bits(key, stream, j) as a fraction of 2^53 times sum w, and the token is the first v
// whose running sum of w exceeds u. A pure function of (probabilities, key, stream, j): any device
// or the host draws the same tokens. The host's samplers (generate/sampler.hpp: top-k, top-p,
// penalties) need the probabilities on the host instead; this one saves that copy for a batch.
#pragma once

#include <cstdint>

#include "symphonic/backend/cuda/elementwise.hpp"
#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/common/counter_rng.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

template <class Scalar>
struct SampleColumns {
  Index V;
  const Scalar* probs;
  double inverse_temperature;
  std::uint64_t key, stream;
  std::int32_t* ids;
  SYMPHONIC_HD double weight(Scalar p) const {
    return inverse_temperature == 1.0 || p <= Scalar(0) ? static_cast<double>(p) : pow_of(static_cast<double>(p), inverse_temperature);
  }
  SYMPHONIC_HD void operator()(Index j) const {
    const Scalar* p = probs + j * V;
    double total = 0;
    Index last = 0;  // the last token with a weight, for a u that rounding puts at the very end
    for (Index v = 0; v < V; ++v) {
      const double w = weight(p[v]);
      total += w;
      if (w > 0) last = v;
    }
    const double u = static_cast<double>(common::counter_bits(key, stream, static_cast<std::uint64_t>(j)) >> 11) *
                     (1.0 / 9007199254740992.0) * total;
    double running = 0;
    for (Index v = 0; v < V; ++v) {
      running += weight(p[v]);
      if (running > u) {
        ids[j] = static_cast<std::int32_t>(v);
        return;
      }
    }
    ids[j] = static_cast<std::int32_t>(last);
  }
};

/// ids[j] (n of them, in the executor's memory) = a token drawn from column j of probs (V x n).
template <class Exec, class Scalar>
void sample_tokens(Exec& ex, Index V, Index n, const Scalar* probs, double temperature, std::uint64_t key,
                   std::uint64_t stream, std::int32_t* ids) {
  ex.for_each(n, SampleColumns<Scalar>{V, probs, 1.0 / temperature, key, stream, ids});
}

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
