// The dropout mask's eight-lane AVX-512 path against the counter formula element by element
// (common::counter_keep), for every remainder, offset and split over threads. Bit-exact: the
// masks are the CPU's, a resumed run's and the GPU's alike. Skipped without AVX-512 DQ and VL.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include <symphonic/backend/cpu/dropout.hpp>
#include <symphonic/common/counter_rng.hpp>

#include "support/skip.hpp"

using namespace symphonic;
using backend::cpu::Index;

namespace {

template <class Scalar>
void check_mask(backend::cpu::ThreadPool& pool, Index n, double rate, std::uint64_t key, std::uint64_t stream,
                std::uint64_t first) {
  std::vector<Scalar> mask(static_cast<std::size_t>(n) + 1, Scalar(-1));
  backend::cpu::dropout_mask(pool, n, rate, key, stream, first, mask.data());
  const Scalar keep = static_cast<Scalar>(1.0 / (1.0 - rate));
  const std::uint64_t below = common::drop_threshold(rate);
  Index wrong = 0, kept = 0;
  for (Index i = 0; i < n; ++i) {
    const bool expected = common::counter_keep(key, stream, first + static_cast<std::uint64_t>(i), below);
    wrong += mask[static_cast<std::size_t>(i)] != (expected ? keep : Scalar(0));
    kept += expected;
  }
  CAPTURE(n);
  CAPTURE(first);
  CHECK(wrong == 0);
  CHECK(mask[static_cast<std::size_t>(n)] == Scalar(-1));  // nothing written past the end
  if (n >= 10000) CHECK(static_cast<double>(kept) / static_cast<double>(n) == doctest::Approx(1 - rate).epsilon(0.02));
}

}  // namespace

TEST_SUITE("native") {

TEST_CASE("dropout mask: the eight-lane path draws the counter's bits exactly") {
#if !defined(SYMPHONIC_DROPOUT_AVX512)
  SYMPHONIC_SKIP_TEST("no AVX-512 DQ and VL in this build");
#endif
  for (int threads : {1, 2, 3}) {
    backend::cpu::ThreadPool pool(threads);
    for (Index n : {Index(0), Index(1), Index(7), Index(8), Index(9), Index(63), Index(64), Index(65), Index(1000),
                    Index(65536 + 13), Index(200003)})
      for (std::uint64_t first : {std::uint64_t(0), std::uint64_t(5), std::uint64_t(1) << 40}) {
        check_mask<float>(pool, n, 0.2, 0x1234567890ABCDEFULL, 3, first);
        check_mask<double>(pool, n, 0.5, 42, 0xFFFFFFFFFFFFFFFFULL, first);
      }
  }
}

}  // TEST_SUITE
