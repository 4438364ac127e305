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
#include <type_traits>

#include <Eigen/Core>
#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
#include <immintrin.h>
#define SYMPHONIC_DROPOUT_AVX512 1
#endif

#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/common/counter_rng.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

#if defined(SYMPHONIC_DROPOUT_AVX512)
namespace detail {

// common::mix64 on eight lanes.
inline __m512i mix64_x8(__m512i z) {
  z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)),
                         _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ULL)));
  z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)),
                         _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBULL)));
  return _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
}

// Mask elements [begin, end) of (key, stream, first): common::counter_keep eight elements at a
// time, the same bits (integer arithmetic), without the unpredictable branch per element that
// the scalar loop takes at a dropout rate of 0.2. The counter's inner sum is a multiply of the
// index, so it advances by a constant: one addition per eight elements.
template <class Scalar>
Index dropout_mask_x8(Index begin, Index end, Scalar keep, std::uint64_t drop_below, std::uint64_t key,
                      std::uint64_t stream, std::uint64_t first, Scalar* mask) {
  constexpr std::uint64_t k_index = 0x9E3779B97F4A7C15ULL;
  const std::uint64_t start =
      stream * 0xD1B54A32D192ED03ULL + (first + static_cast<std::uint64_t>(begin)) * k_index + 0x8CB92BA72F3D8DD7ULL;
  const auto lane = [&](std::uint64_t j) { return static_cast<long long>(start + j * k_index); };
  __m512i z = _mm512_set_epi64(lane(7), lane(6), lane(5), lane(4), lane(3), lane(2), lane(1), lane(0));
  const __m512i step = _mm512_set1_epi64(static_cast<long long>(8 * k_index));
  const __m512i key_x8 = _mm512_set1_epi64(static_cast<long long>(key));
  const __m512i below = _mm512_set1_epi64(static_cast<long long>(drop_below));
  Index i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m512i bits = mix64_x8(_mm512_add_epi64(key_x8, mix64_x8(z)));
    const __mmask8 kept = _mm512_cmpge_epu64_mask(_mm512_srli_epi64(bits, 11), below);
    if constexpr (std::is_same<Scalar, float>::value)
      _mm256_storeu_ps(mask + i, _mm256_maskz_mov_ps(kept, _mm256_set1_ps(keep)));
    else
      _mm512_storeu_pd(mask + i, _mm512_maskz_mov_pd(kept, _mm512_set1_pd(keep)));
    z = _mm512_add_epi64(z, step);
  }
  return i;
}

}  // namespace detail
#endif

template <class Scalar>
void dropout_mask(ThreadPool& pool, Index n, double rate, std::uint64_t key, std::uint64_t stream, std::uint64_t first,
                  Scalar* mask) {
  const Scalar keep = static_cast<Scalar>(1.0 / (1.0 - rate));
  const std::uint64_t drop_below = common::drop_threshold(rate);
  const Index parts = n >= 65536 ? pool.size() : 1;
  pool.run(parts, [&](Index part) {
    const Range r = split(n, parts, part, 64);
    Index i = r.begin;
#if defined(SYMPHONIC_DROPOUT_AVX512)
    if constexpr (std::is_same<Scalar, float>::value || std::is_same<Scalar, double>::value)
      i = detail::dropout_mask_x8(r.begin, r.end, keep, drop_below, key, stream, first, mask);
#endif
    for (; i < r.end; ++i)
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
