// symphonic/common/counter_rng.hpp - random numbers drawn by counter, the same on every thread,
// rank and device.
//
// A dropout mask element must not depend on which thread, process or GPU computes it, nor on the
// order in which elements are visited. So it is a pure function of four integers:
//   bits(key, stream, index) = mix(key + mix(stream * K1 + index * K2 + K3))
// where `key` is one 64-bit draw of the model's seeded generator per training step (so a function
// of the seed and the step, and resumable from the one integer a checkpoint saves), `stream`
// names the mask (layer and kind, see nn/model.hpp) and `index` the element in it. `mix` is the
// SplitMix64 / MurmurHash3 finaliser, a bijection on 64 bits whose output passes BigCrush when
// fed a counter. Integer arithmetic only, so CPU and GPU draw identical bits.
#pragma once

#include <cstdint>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace common {

SYMPHONIC_HD std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// 64 random bits for element `index` of stream `stream` under `key`.
SYMPHONIC_HD std::uint64_t counter_bits(std::uint64_t key, std::uint64_t stream, std::uint64_t index) {
  return mix64(key + mix64(stream * 0xD1B54A32D192ED03ULL + index * 0x9E3779B97F4A7C15ULL + 0x8CB92BA72F3D8DD7ULL));
}

/// Keep test of inverted dropout at `rate`: an element is dropped when its top 53 bits, read as a
/// fraction of 2^53, fall below `rate`; `drop_below` = floor(rate * 2^53) is computed once.
SYMPHONIC_HD std::uint64_t drop_threshold(double rate) {
  return static_cast<std::uint64_t>(rate * 9007199254740992.0);
}
SYMPHONIC_HD bool counter_keep(std::uint64_t key, std::uint64_t stream, std::uint64_t index, std::uint64_t drop_below) {
  return (counter_bits(key, stream, index) >> 11) >= drop_below;
}

}  // namespace common
SYMPHONIC_NAMESPACE_END
