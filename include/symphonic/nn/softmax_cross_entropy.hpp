// symphonic/nn/softmax_cross_entropy.hpp - softmax fused with categorical cross-entropy.
//
// logits z are V x N (classes x batch columns), targets one class id per column. The maths
// (max-subtracted log-sum-exp, fused backward p - onehot) is backend/cpu/softmax_xent.hpp; this
// layer checks the targets and keeps what backward needs in the caller's Cache.
#pragma once

#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "symphonic/backend/cpu/softmax_xent.hpp"
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

  /// Softmax of each column, max-subtracted.
  static void softmax(backend::cpu::ThreadPool& pool, const Mat& logits, Mat& probabilities) {
    probabilities.resize(logits.rows(), logits.cols());
    backend::cpu::softmax(pool, logits.rows(), logits.cols(), logits.data(), probabilities.data());
  }

  /// Returns the mean loss over the N columns (accumulated in double); `correct` receives the
  /// number of columns whose largest logit is the target. Throws IdError for a target outside
  /// [0, V).
  static double forward(backend::cpu::ThreadPool& pool, const Mat& logits, const Targets& targets, Cache& cache,
                        Index* correct = nullptr) {
    const Index classes = logits.rows(), n = logits.cols();
    if (targets.size() != n) SYMPHONIC_THROW(ShapeError("cross-entropy targets", n, targets.size()));
    for (Index j = 0; j < n; ++j)
      if (targets[j] < 0 || targets[j] >= classes)
        SYMPHONIC_THROW(IdError("target " + std::to_string(j), targets[j], classes));
    cache.targets = targets;
    cache.probabilities.resize(classes, n);
    const backend::cpu::XentSums s =
        backend::cpu::softmax_xent_forward(pool, classes, n, logits.data(), targets.data(), cache.probabilities.data());
    if (correct) *correct = static_cast<Index>(s.correct);
    return n > 0 ? s.loss / static_cast<double>(n) : 0.0;
  }

  /// dz = scale (p - onehot) / N, where `scale` is d(total loss) / d(this mean loss).
  static void backward(const Cache& cache, Mat& dlogits, Scalar scale = Scalar(1)) {
    dlogits.resize(cache.probabilities.rows(), cache.probabilities.cols());
    backend::cpu::softmax_xent_backward(cache.probabilities.rows(), cache.probabilities.cols(),
                                        cache.probabilities.data(), cache.targets.data(), scale, dlogits.data());
  }
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
