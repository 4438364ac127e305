// symphonic/backend/cpu/dropout.hpp - inverted-dropout masks drawn by counter, and their use.
//
//   mask_i = 0 when element (key, stream, first + i) is dropped (common/counter_rng.hpp), else
//            1 / (1 - rate);   y = mask o x;   dx = mask o dy
// Element i of a mask is a pure function of (key, stream, first + i), so the mask is the same
// whichever thread, rank or device draws it, and in whatever order.
#pragma once

#include <cstdint>

#include <Eigen/Core>

#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/common/counter_rng.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

template <class Scalar>
void dropout_mask(ThreadPool& pool, Index n, double rate, std::uint64_t key, std::uint64_t stream, std::uint64_t first,
                  Scalar* mask) {
  const Scalar keep = static_cast<Scalar>(1.0 / (1.0 - rate));
  const std::uint64_t drop_below = common::drop_threshold(rate);
  const Index parts = n >= 65536 ? pool.size() : 1;
  pool.run(parts, [&](Index part) {
    const Range r = split(n, parts, part, 64);
    for (Index i = r.begin; i < r.end; ++i)
      mask[i] = common::counter_keep(key, stream, first + static_cast<std::uint64_t>(i), drop_below) ? keep : Scalar(0);
  });
}

/// y = mask o x over n elements (dx = mask o dy is the same call); y may alias x.
template <class Scalar>
void apply_mask(Index n, const Scalar* mask, const Scalar* x, Scalar* y) {
  VecMap<Scalar>(y, n) = ConstVecMap<Scalar>(mask, n).cwiseProduct(ConstVecMap<Scalar>(x, n));
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
