// symphonic/backend/cpu/dropout.hpp - inverted-dropout masks drawn by counter, and their use.
//
//   mask_i = 0 when element (key, stream, first + i) is dropped (common/counter_rng.hpp), else
//            1 / (1 - rate);   y = mask * x;   dx = mask * dy
// Element i of a mask is a pure function of (key, stream, first + i), so the mask is the same
// whichever thread, rank or device draws it, and in whatever order.
// A matrix of `rows` x (steps batch) columns (column t B + b) may hold only the rows [offset,
// offset + B) of a batch of `total` that several replicas share (data-parallel training): its
// element (i, t, b) then takes the counter index i + rows (t total + offset + b), the index it has
// in the whole batch, so the replicas together draw exactly the masks of one process.
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

/// Which rows of a batch a replica computes: [offset, offset + its rows) of `total`; total = 0
/// means the batch is whole.
struct BatchSlice {
  Index offset = 0;
  Index total = 0;
};

/// The mask of a rows x (steps batch) matrix that holds the rows of `slice` (see above).
template <class Scalar>
void dropout_mask_slice(ThreadPool& pool, Index rows, Index steps, Index batch, const BatchSlice& slice, double rate,
                        std::uint64_t key, std::uint64_t stream, Scalar* mask) {
  const Index total = slice.total > 0 ? slice.total : batch;
  SYMPHONIC_ASSERT(slice.offset >= 0 && slice.offset + batch <= total);
  if (total == batch) {  // whole: one contiguous run of counter indices
    dropout_mask(pool, rows * steps * batch, rate, key, stream, 0, mask);
    return;
  }
  for (Index t = 0; t < steps; ++t)
    dropout_mask(pool, rows * batch, rate, key, stream, static_cast<std::uint64_t>(rows * (t * total + slice.offset)),
                 mask + t * rows * batch);
}

/// y = mask * x over n elements (dx = mask * dy is the same call); y may alias x.
template <class Scalar>
void apply_mask(Index n, const Scalar* mask, const Scalar* x, Scalar* y) {
  VecMap<Scalar>(y, n) = ConstVecMap<Scalar>(mask, n).cwiseProduct(ConstVecMap<Scalar>(x, n));
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
