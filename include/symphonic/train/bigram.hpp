// symphonic/train/bigram.hpp - the baseline an LSTM has to beat: an add-k smoothed bigram model.
//
//   P(next | prev) = (count(prev, next) + k) / (count(prev) + k * V)
//
// fitted on every consecutive pair of the training pieces, and scored on exactly the windows and
// targets the trainer uses (evaluate() takes the same batches), so its loss, accuracy and
// perplexity sit beside the model's on the same footing. For a next-token window the prediction
// conditions on the window's last input token; for shifted targets, on the input at each step.
// Counts are sparse (one hash map per previous token), so a large vocabulary costs only what
// the corpus actually contains. sample() draws from the same distribution, for pieces to set
// beside a model's.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/tensor.hpp"
#include "symphonic/train/metrics.hpp"
#include "symphonic/train/train_error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

class Bigram {
 public:
  /// `k` > 0 is the pseudo-count added to every pair.
  explicit Bigram(std::int32_t vocab_size, double k = 0.05) : vocab_(vocab_size), k_(k), rows_(static_cast<std::size_t>(vocab_size > 0 ? vocab_size : 0)) {
    if (vocab_size <= 0) SYMPHONIC_THROW(nn::ShapeError("bigram vocabulary size", 1, vocab_size));
    if (!(k > 0.0)) SYMPHONIC_THROW(TrainError("bigram: smoothing k must be > 0, got " + std::to_string(k)));
  }

  std::int32_t vocab_size() const { return vocab_; }
  double k() const { return k_; }

  /// Counts every consecutive pair of one piece's ids.
  void add_piece(const std::vector<std::int32_t>& ids) {
    for (std::size_t i = 1; i < ids.size(); ++i) add_pair(ids[i - 1], ids[i]);
  }

  void add_pair(std::int32_t prev, std::int32_t next) {
    check(prev);
    check(next);
    Row& row = rows_[static_cast<std::size_t>(prev)];
    const double c = ++row.counts[next];
    ++row.total;
    if (c > row.best_count || (c == row.best_count && next < row.best)) {
      row.best_count = c;
      row.best = next;
    }
  }

  double probability(std::int32_t prev, std::int32_t next) const {
    check(prev);
    check(next);
    const Row& row = rows_[static_cast<std::size_t>(prev)];
    const auto it = row.counts.find(next);
    const double c = it == row.counts.end() ? 0.0 : it->second;
    return (c + k_) / (row.total + k_ * vocab_);
  }

  /// Most probable next token (lowest id on ties; 0 after a token never seen as a predecessor).
  std::int32_t predict(std::int32_t prev) const {
    check(prev);
    return rows_[static_cast<std::size_t>(prev)].best;
  }

  /// A draw from P(next | prev) given two uniform numbers in [0, 1): with probability
  /// count(prev) / (count(prev) + k * V) one of the seen successors, in proportion to its count
  /// (in id order, so the same draws give the same token on every platform), otherwise a token
  /// uniform over the vocabulary (the k * V smoothing mass, which gives every token k).
  std::int32_t sample(std::int32_t prev, double u_part, double u_token) const {
    check(prev);
    const Row& row = rows_[static_cast<std::size_t>(prev)];
    const double smoothing = k_ * vocab_;
    if (u_part * (row.total + smoothing) < row.total) {
      std::vector<std::pair<std::int32_t, double>> seen(row.counts.begin(), row.counts.end());
      std::sort(seen.begin(), seen.end());
      double left = u_token * row.total;
      for (const auto& successor : seen) {
        if (left < successor.second) return successor.first;
        left -= successor.second;
      }
      return seen.back().first;  // rounding at the very top
    }
    const auto id = static_cast<std::int32_t>(u_token * vocab_);
    return id < vocab_ ? id : vocab_ - 1;
  }

  /// Scores one batch laid out as the trainer's: `inputs` batch x T; `targets` batch x 1 (next
  /// token after the window) or batch x T (shifted: target t follows input t).
  Metrics evaluate(const nn::IdMatrix& inputs, const nn::IdMatrix& targets) const {
    Metrics m;
    if (inputs.rows() != targets.rows())
      SYMPHONIC_THROW(nn::ShapeError("bigram targets rows", inputs.rows(), targets.rows()));
    if (targets.cols() != 1 && targets.cols() != inputs.cols())
      SYMPHONIC_THROW(nn::ShapeError("bigram targets columns", inputs.cols(), targets.cols()));
    if (inputs.cols() == 0) return m;
    const nn::Index offset = inputs.cols() - targets.cols();  // next-token: the last input column
    for (nn::Index b = 0; b < inputs.rows(); ++b) {
      for (nn::Index t = 0; t < targets.cols(); ++t) {
        const std::int32_t prev = inputs(b, t + offset), next = targets(b, t);
        m.loss_sum -= std::log(probability(prev, next));
        m.correct += predict(prev) == next ? 1 : 0;
        ++m.count;
      }
    }
    return m;
  }

 private:
  struct Row {
    std::unordered_map<std::int32_t, double> counts;
    double total = 0.0;
    double best_count = 0.0;
    std::int32_t best = 0;
  };

  void check(std::int32_t id) const {
    if (id < 0 || id >= vocab_)
      SYMPHONIC_THROW(TrainError("bigram: token id " + std::to_string(id) + " outside the vocabulary [0, " +
                                 std::to_string(vocab_) + ")"));
  }

  std::int32_t vocab_;
  double k_;
  std::vector<Row> rows_;
};

}  // namespace train
SYMPHONIC_NAMESPACE_END
