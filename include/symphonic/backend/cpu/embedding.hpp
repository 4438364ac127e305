// symphonic/backend/cpu/embedding.hpp - token ids to vectors, and the recipe's scalar input.
//
// ids: B x T column-major (element b + t B is step t of sequence b), checked by the caller.
// Embedding weight [V, E] row-major: row v, contiguous, is the vector of token v.
//   embedding forward:   y(:, t B + b) = W[ids(b, t), :]
//   embedding backward:  W[ids(b, t), :] += dy(:, t B + b)   (in column order: deterministic)
//   scalar input:        y(0, t B + b) = ids(b, t) / V
#pragma once

#include <cstdint>

#include <Eigen/Core>

#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

template <class Scalar>
void embedding_forward(Index E, Index n, const Scalar* w, const std::int32_t* ids, Scalar* y) {
  for (Index j = 0; j < n; ++j) VecMap<Scalar>(y + j * E, E) = ConstVecMap<Scalar>(w + Index(ids[j]) * E, E);
}

template <class Scalar>
void embedding_backward(Index E, Index n, const std::int32_t* ids, const Scalar* dy, Scalar* dw) {
  for (Index j = 0; j < n; ++j) VecMap<Scalar>(dw + Index(ids[j]) * E, E) += ConstVecMap<Scalar>(dy + j * E, E);
}

template <class Scalar>
void scalar_input_forward(Index V, Index n, const std::int32_t* ids, Scalar* y) {
  const Scalar v = static_cast<Scalar>(V);
  for (Index j = 0; j < n; ++j) y[j] = static_cast<Scalar>(ids[j]) / v;
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
