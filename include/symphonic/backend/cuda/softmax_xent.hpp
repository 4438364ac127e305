// symphonic/backend/cuda/softmax_xent.hpp - softmax fused with categorical cross-entropy:
// backend/cpu/softmax_xent.hpp over an executor.
//
// logits z: V x n, one target class per column; one thread per column for the forward:
//   m = max_k z_k,  p = exp(z - m) / sum exp(z - m),  loss_j = m + log sum exp(z - m) - z[target_j]
// Each column's loss and "largest logit is the target" flag go to two n-long buffers; the host
// sums them in double in column order (n is a batch, or a batch times the steps: a few thousand
// numbers per training step), so the sum does not depend on how the device schedules threads.
//   backward:  dz = scale (p - onehot(target)) / n,  one thread per element
#pragma once

#include <cstdint>
#include <vector>

#include "symphonic/backend/cuda/elementwise.hpp"
#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

namespace detail {
// Writes p = softmax(z) of one column; returns m + log sum exp(z - m) and the first arg-max.
template <class Scalar>
SYMPHONIC_HD Scalar column_softmax(Index V, const Scalar* z, Scalar* p, Index* best) {
  Index arg = 0;
  Scalar m = z[0];
  for (Index v = 1; v < V; ++v)
    if (z[v] > m) {
      m = z[v];
      arg = v;
    }
  Scalar sum = 0;
  for (Index v = 0; v < V; ++v) {
    p[v] = exp_of(z[v] - m);
    sum += p[v];
  }
  const Scalar inverse = Scalar(1) / sum;
  for (Index v = 0; v < V; ++v) p[v] *= inverse;
  *best = arg;
  return m + log_of(sum);
}
}  // namespace detail

template <class Scalar>
struct SoftmaxColumns {
  Index V;
  const Scalar* logits;
  Scalar* probs;
  SYMPHONIC_HD void operator()(Index j) const {
    Index best = 0;
    detail::column_softmax(V, logits + j * V, probs + j * V, &best);
  }
};

template <class Scalar>
struct SoftmaxXentColumns {
  Index V;
  const Scalar* logits;
  const std::int32_t* targets;
  Scalar* probs;
  Scalar* loss;          ///< n: -log p[target] of each column
  std::int32_t* correct;  ///< n: 1 when the first largest logit is the target
  SYMPHONIC_HD void operator()(Index j) const {
    Index best = 0;
    const Scalar lse = detail::column_softmax(V, logits + j * V, probs + j * V, &best);
    loss[j] = lse - logits[j * V + targets[j]];
    correct[j] = best == targets[j] ? 1 : 0;
  }
};

template <class Scalar>
struct SoftmaxXentBackward {
  Index V;
  const Scalar* probs;
  const std::int32_t* targets;
  Scalar factor;  ///< scale / n
  Scalar* dlogits;
  SYMPHONIC_HD void operator()(Index i) const {
    const Index j = i / V, v = i - j * V;
    dlogits[i] = (probs[i] - (v == targets[j] ? Scalar(1) : Scalar(0))) * factor;
  }
};

struct XentSums {
  double loss = 0;            ///< sum over columns of -log p[target]
  std::int64_t correct = 0;  ///< columns whose largest logit is the target
};

template <class Exec, class Scalar>
void softmax(Exec& ex, Index V, Index n, const Scalar* logits, Scalar* probs) {
  ex.for_each(n, SoftmaxColumns<Scalar>{V, logits, probs});
}

/// Writes probs (V x n); targets must lie in [0, V) (the caller checks them). `loss` and
/// `correct` are n-long scratch in the executor's memory.
template <class Exec, class Scalar>
XentSums softmax_xent_forward(Exec& ex, Index V, Index n, const Scalar* logits, const std::int32_t* targets,
                              Scalar* probs, Scalar* loss, std::int32_t* correct) {
  ex.for_each(n, SoftmaxXentColumns<Scalar>{V, logits, targets, probs, loss, correct});
  std::vector<Scalar> host_loss(static_cast<std::size_t>(n));
  std::vector<std::int32_t> host_correct(static_cast<std::size_t>(n));
  ex.download(host_loss.data(), loss, n);
  ex.download(host_correct.data(), correct, n);
  XentSums s;
  for (Index j = 0; j < n; ++j) {
    s.loss += static_cast<double>(host_loss[static_cast<std::size_t>(j)]);
    s.correct += host_correct[static_cast<std::size_t>(j)];
  }
  return s;
}

/// dz = scale (p - onehot) / n.
template <class Exec, class Scalar>
void softmax_xent_backward(Exec& ex, Index V, Index n, const Scalar* probs, const std::int32_t* targets, Scalar scale,
                           Scalar* dlogits) {
  if (n > 0) ex.for_each(V * n, SoftmaxXentBackward<Scalar>{V, probs, targets, scale / Scalar(n), dlogits});
}

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
