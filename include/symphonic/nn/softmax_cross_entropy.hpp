// symphonic/nn/softmax_cross_entropy.hpp - softmax fused with categorical cross-entropy.
//
// logits z are V x N (classes x batch columns), targets one class id per column.
//   log p_n = z_n - lse(z_n),   lse(z) = m + log sum_k exp(z_k - m),  m = max_k z_k
//   loss    = -(1/N) sum_n log p_n[target_n]
//   dz      = (p - onehot(target)) / N          (one fused backward, never a separate softmax)
// Subtracting the column maximum keeps every exp() argument <= 0, so logits of any magnitude give
// a finite loss and finite gradients (no inf - inf, no NaN).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class SoftmaxCrossEntropy {
 public:
  using Mat = Matrix<Scalar>;
  using Targets = Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1>;

  struct Cache {
    Mat probabilities;  ///< softmax(z), V x N
    Targets targets;    ///< class per column
  };

  Index parameter_count() const { return 0; }
  void bind(Scalar* /*params*/, Scalar* /*grads*/) {}

  /// Softmax of each column, max-subtracted; `probabilities` may alias nothing else.
  static void softmax(const Mat& logits, Mat& probabilities) {
    probabilities.resize(logits.rows(), logits.cols());
    for (Index n = 0; n < logits.cols(); ++n) {
      const Scalar m = logits.col(n).maxCoeff();
      probabilities.col(n) = (logits.col(n).array() - m).exp();
      probabilities.col(n) /= probabilities.col(n).sum();
    }
  }

  /// Returns the mean loss over the N columns (accumulated in double); `correct` receives the
  /// number of columns whose largest logit is the target. Throws music::VocabularyError for a
  /// target outside [0, V).
  double forward(const Mat& logits, const Targets& targets, Index* correct = nullptr) {
    const Index classes = logits.rows(), n = logits.cols();
    if (targets.size() != n) SYMPHONIC_THROW(ShapeError("cross-entropy targets", n, targets.size()));
    cache_.targets = targets;
    cache_.probabilities.resize(classes, n);
    double total = 0.0;
    Index hits = 0;
    for (Index j = 0; j < n; ++j) {
      const std::int32_t target = targets[j];
      if (target < 0 || target >= classes)
        SYMPHONIC_THROW(music::VocabularyError("target id " + std::to_string(target) +
                                               " outside [0, " + std::to_string(classes) + ")"));
      Index best = 0;
      const Scalar m = logits.col(j).maxCoeff(&best);
      auto p = cache_.probabilities.col(j);
      p = (logits.col(j).array() - m).exp();
      const Scalar sum = p.sum();                       // >= 1: the max term is exp(0)
      const Scalar lse = m + std::log(sum);             // lse(z) = m + log sum exp(z - m)
      total += static_cast<double>(lse - logits(target, j));  // -log p[target]
      p /= sum;
      if (best == target) ++hits;
    }
    if (correct) *correct = hits;
    return n > 0 ? total / static_cast<double>(n) : 0.0;
  }

  /// dz = scale (p - onehot) / N, where `scale` is d(total loss) / d(this mean loss).
  void backward(Mat& dlogits, Scalar scale = Scalar(1)) const {
    const Index n = cache_.probabilities.cols();
    dlogits = cache_.probabilities;
    for (Index j = 0; j < n; ++j) dlogits(cache_.targets[j], j) -= Scalar(1);
    if (n > 0) dlogits *= scale / Scalar(n);
  }

  const Cache& cache() const { return cache_; }

 private:
  Cache cache_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
