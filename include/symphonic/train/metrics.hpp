// symphonic/train/metrics.hpp - the sums a scoring pass keeps (the trainer, the bigram
// baseline, symphonic-eval), so that loss, accuracy and perplexity are summed, never averaged
// averages.
#pragma once

#include <cmath>
#include <cstdint>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

/// Loss (mean cross-entropy in nats), accuracy (argmax hits) and their count; perplexity()
/// is exp(loss).
struct Metrics {
  double loss_sum = 0.0;
  std::int64_t correct = 0;
  std::int64_t count = 0;

  double loss() const { return count ? loss_sum / static_cast<double>(count) : 0.0; }
  double accuracy() const { return count ? static_cast<double>(correct) / static_cast<double>(count) : 0.0; }
  double perplexity() const { return std::exp(loss()); }
  void add(const Metrics& other) {
    loss_sum += other.loss_sum;
    correct += other.correct;
    count += other.count;
  }
};

}  // namespace train
SYMPHONIC_NAMESPACE_END
