// music21's quantize: the fast m21_quantize12 against m21_quantize12_as_written (the steps as
// music21 writes them), on every tick of common resolutions and millions of other values.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>

#include "symphonic/music/detail/music21_midi.hpp"
#include "symphonic/nn/random.hpp"

using namespace symphonic;

TEST_CASE("m21_quantize12: the twelfths of music21's quantize as written, for ticks, random values and edges") {
  std::int64_t checked = 0, wrong = 0;
  const auto check = [&](double n) {
    ++checked;
    if (music::detail::m21_quantize12(n) != music::detail::m21_quantize12_as_written(n) && ++wrong <= 5) {
      CAPTURE(n);
      CHECK(music::detail::m21_quantize12(n) == music::detail::m21_quantize12_as_written(n));
    }
  };
  // every tick of the first 64 quarter notes at common resolutions, and far into a long piece
  for (const int tpq : {1, 3, 7, 24, 48, 96, 100, 120, 192, 220, 240, 384, 480, 960, 1000, 1024, 32767}) {
    for (std::int64_t tick = 0; tick < 64 * tpq; ++tick) check(static_cast<double>(tick) / tpq);
    for (const std::int64_t far : {std::int64_t(1) << 30, std::int64_t(1) << 40, std::int64_t(1) << 50})
      for (std::int64_t tick = far; tick < far + 4 * tpq; ++tick) check(static_cast<double>(tick) / tpq);
  }
  // random values over many magnitudes (either side of 2^46, where the fast path ends), and
  // next to the multiples of 1/12 and 1/24 (the grids' points and the midpoints between them)
  nn::Rng rng(20261206);
  for (int i = 0; i < 400000; ++i) {
    const double magnitude = std::ldexp(1.0, static_cast<int>(rng.below(80)) - 24);
    const double n = (static_cast<double>(rng.next() >> 11) * 0x1p-53) * magnitude;
    check(n);
    check(-n);
    const double grid = static_cast<double>(rng.below(std::uint64_t(1) << 24)) / (rng.below(2) ? 12.0 : 24.0);
    for (const double step : {0.0, 5e-8, 4.9999999e-8, 5.0000001e-8, 1e-12})
      for (const double sign : {-1.0, 1.0}) check(grid + sign * step);
    check(std::nextafter(grid, 0.0));
    check(std::nextafter(grid, 1e300));
  }
  for (const double n : {0.0, -0.0, 1e-320, 0.125, 1.0 / 6, 1.0 / 24, 70368744177663.99, 70368744177664.0,
                         4503599627370496.0, 1e17, 1e300, std::nan("")})
    check(n);
  CHECK(wrong == 0);
  CHECK(checked > 7000000);
}
