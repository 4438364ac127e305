// symphonic/backend/cuda/dropout.hpp - inverted-dropout masks drawn by counter, as
// backend/cpu/dropout.hpp draws them: element i of a mask is
//   0 when counter_keep(key, stream, first + i) says drop (common/counter_rng.hpp), else 1 / (1 - rate)
// a pure function of integers, so the device's mask is the CPU's, bit for bit.
#pragma once

#include <cstdint>

#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/common/counter_rng.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

template <class Scalar>
struct DropoutMask {
  std::uint64_t key, stream, first, drop_below;
  Scalar keep;
  Scalar* mask;
  SYMPHONIC_HD void operator()(Index i) const {
    mask[i] = common::counter_keep(key, stream, first + static_cast<std::uint64_t>(i), drop_below) ? keep : Scalar(0);
  }
};

template <class Exec, class Scalar>
void dropout_mask(Exec& ex, Index n, double rate, std::uint64_t key, std::uint64_t stream, std::uint64_t first,
                  Scalar* mask) {
  ex.for_each(n, DropoutMask<Scalar>{key, stream, first, common::drop_threshold(rate),
                                     static_cast<Scalar>(1.0 / (1.0 - rate)), mask});
}

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
