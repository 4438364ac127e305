// symphonic/backend/cpu/softmax_xent.hpp - softmax fused with categorical cross-entropy.
//
// logits z: V x n (classes x columns), one target class per column.
//   log p_j = z_j - lse(z_j),   lse(z) = m + log sum_k exp(z_k - m),  m = max_k z_k
//   loss    = -(1/n) sum_j log p_j[target_j]
//   dz      = scale (p - onehot(target)) / n      (one fused backward, never a separate softmax)
// Subtracting the column maximum keeps every exp() argument <= 0, so logits of any magnitude give
// a finite loss and finite gradients. Columns are cut across the pool; the loss is summed per part
// in double and the parts added in order, so a thread count always gives the same sum.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

/// Softmax of each column of logits into probs (V x n).
template <class Scalar>
void softmax(ThreadPool& pool, Index V, Index n, const Scalar* logits, Scalar* probs) {
  ConstMatMap<Scalar> Z(logits, V, n);
  MatMap<Scalar> P(probs, V, n);
  const Index parts = column_parts(pool, n, 16);
  pool.run(parts, [&](Index part) {
    const Range r = split(n, parts, part);
    for (Index j = r.begin; j < r.end; ++j) {
      const Scalar m = Z.col(j).maxCoeff();
      P.col(j) = (Z.col(j).array() - m).exp();
      P.col(j) /= P.col(j).sum();
    }
  });
}

struct XentSums {
  double loss = 0;     ///< sum over columns of -log p[target]
  std::int64_t correct = 0;  ///< columns whose largest logit is the target
};

/// Writes probs (V x n); targets must lie in [0, V) (the caller checks them).
template <class Scalar>
XentSums softmax_xent_forward(ThreadPool& pool, Index V, Index n, const Scalar* logits, const std::int32_t* targets,
                              Scalar* probs) {
  ConstMatMap<Scalar> Z(logits, V, n);
  MatMap<Scalar> P(probs, V, n);
  const Index parts = column_parts(pool, n, 16);
  std::vector<XentSums> sums(static_cast<std::size_t>(parts));
  pool.run(parts, [&](Index part) {
    const Range r = split(n, parts, part);
    XentSums& s = sums[static_cast<std::size_t>(part)];
    for (Index j = r.begin; j < r.end; ++j) {
      Index best = 0;
      const Scalar m = Z.col(j).maxCoeff(&best);
      auto p = P.col(j);
      p = (Z.col(j).array() - m).exp();
      const Scalar sum = p.sum();            // >= 1: the max term is exp(0)
      const Scalar lse = m + std::log(sum);  // lse(z) = m + log sum exp(z - m)
      s.loss += static_cast<double>(lse - Z(targets[j], j));  // -log p[target]
      p /= sum;
      if (best == targets[j]) ++s.correct;
    }
  });
  XentSums total;
  for (const XentSums& s : sums) {
    total.loss += s.loss;
    total.correct += s.correct;
  }
  return total;
}

/// dz = scale (p - onehot) / n.
template <class Scalar>
void softmax_xent_backward(Index V, Index n, const Scalar* probs, const std::int32_t* targets, Scalar scale,
                           Scalar* dlogits) {
  MatMap<Scalar> dZ(dlogits, V, n);
  dZ = ConstMatMap<Scalar>(probs, V, n);
  for (Index j = 0; j < n; ++j) dZ(targets[j], j) -= Scalar(1);
  if (n > 0) dZ *= scale / Scalar(n);
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
