// symphonic/backend/cuda/embedding.hpp - token ids to vectors, and the recipe's scalar input:
// backend/cpu/embedding.hpp over an executor.
//
// ids: n ids in column order (element b + t B is step t of sequence b), checked by the caller.
// Embedding weight [V, E] row-major.
//   forward:   y(e, j) = W[ids[j], e]                              one thread per output element
//   backward:  dW[v, e] += sum over j with ids[j] = v of dy(e, j)  one thread per weight element,
//              summing in column order: no atomics, and the CPU's order, so the same sums
//   scalar input:  y(0, j) = ids[j] / V
#pragma once

#include <cstdint>

#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

template <class Scalar>
struct EmbeddingForward {
  Index E;
  const Scalar* w;
  const std::int32_t* ids;
  Scalar* y;
  SYMPHONIC_HD void operator()(Index i) const {
    const Index j = i / E, e = i - j * E;
    y[i] = w[Index(ids[j]) * E + e];
  }
};

template <class Scalar>
struct EmbeddingBackward {
  Index E, n;
  const std::int32_t* ids;
  const Scalar* dy;
  Scalar* dw;
  SYMPHONIC_HD void operator()(Index i) const {
    const Index v = i / E, e = i - v * E;
    Scalar s = dw[i];
    for (Index j = 0; j < n; ++j)
      if (ids[j] == v) s += dy[j * E + e];
    dw[i] = s;
  }
};

template <class Scalar>
struct ScalarInputForward {
  Scalar vocab;
  const std::int32_t* ids;
  Scalar* y;
  SYMPHONIC_HD void operator()(Index j) const { y[j] = static_cast<Scalar>(ids[j]) / vocab; }
};

template <class Exec, class Scalar>
void embedding_forward(Exec& ex, Index E, Index n, const Scalar* w, const std::int32_t* ids, Scalar* y) {
  ex.for_each(E * n, EmbeddingForward<Scalar>{E, w, ids, y});
}
template <class Exec, class Scalar>
void embedding_backward(Exec& ex, Index V, Index E, Index n, const std::int32_t* ids, const Scalar* dy, Scalar* dw) {
  ex.for_each(V * E, EmbeddingBackward<Scalar>{E, n, ids, dy, dw});
}
template <class Exec, class Scalar>
void scalar_input_forward(Exec& ex, Index V, Index n, const std::int32_t* ids, Scalar* y) {
  ex.for_each(n, ScalarInputForward<Scalar>{static_cast<Scalar>(V), ids, y});
}

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
