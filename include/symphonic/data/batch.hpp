// symphonic/data/batch.hpp - seeded, shuffled batches of windows as time-major id matrices.
//
//   data::Batcher batcher(pieces, {100, 1, data::Target::next_token}, 64, /*seed*/ 7);
//   data::Batch batch;
//   for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
//     batcher.start_epoch(epoch);
//     while (batcher.next(batch)) model.forward(batch.inputs, batch.targets, nn::Mode::train);
//   }
//
// inputs is batch x T with column t holding step t of every window (DESIGN.md seam 2: an
// embedding lookup of column t gives the features x batch block of step t). targets is batch x 1
// (next_token) or batch x T (shifted). The order of windows in an epoch is a shuffle seeded by
// seed + epoch, so a run restarted at epoch k sees the same batches; the last batch of an epoch
// may be smaller than batch_size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/data/dataset.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace data {

struct Batch {
  nn::IdMatrix inputs;   ///< batch x T, column t = step t
  nn::IdMatrix targets;  ///< batch x 1 (next_token) or batch x T (shifted)
};

class Batcher {
 public:
  /// Keeps a reference to `pieces`, which must outlive the Batcher.
  Batcher(const std::vector<Piece>& pieces, WindowOptions options, int batch_size, std::uint64_t seed,
          bool shuffle = true)
      : pieces_(&pieces), options_(options), batch_size_(batch_size), seed_(seed), shuffle_(shuffle) {
    if (batch_size < 1)
      SYMPHONIC_THROW(Error("data.invalid_argument", "batch size must be >= 1, got " + std::to_string(batch_size)));
    windows_ = list_windows(pieces, options_);
    start_epoch(0);
  }

  std::int64_t window_count() const { return static_cast<std::int64_t>(windows_.size()); }
  std::int64_t batch_count() const { return (window_count() + batch_size_ - 1) / batch_size_; }
  int batch_size() const { return batch_size_; }
  const WindowOptions& options() const { return options_; }

  /// Restarts at the first batch of `epoch`, with the order seeded by seed + epoch.
  void start_epoch(std::int64_t epoch) {
    order_.resize(windows_.size());
    for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    if (shuffle_) detail::shuffle(order_, seed_ + static_cast<std::uint64_t>(epoch));
    position_ = 0;
  }

  /// Fills the next batch; false (batch untouched) when the epoch is over.
  bool next(Batch& batch) {
    if (position_ >= order_.size()) return false;
    const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(batch_size_), order_.size() - position_);
    const int T = options_.length;
    const auto rows = static_cast<Eigen::Index>(count);
    batch.inputs.resize(rows, T);
    batch.targets.resize(rows, options_.target == Target::next_token ? 1 : T);
    for (std::size_t b = 0; b < count; ++b) {
      const WindowRef& w = windows_[order_[position_ + b]];
      const std::vector<std::int32_t>& ids = (*pieces_)[static_cast<std::size_t>(w.piece)].ids;
      const auto row = static_cast<Eigen::Index>(b);
      for (int t = 0; t < T; ++t) batch.inputs(row, t) = ids[static_cast<std::size_t>(w.start + t)];
      if (options_.target == Target::next_token) {
        batch.targets(row, 0) = ids[static_cast<std::size_t>(w.start + T)];
      } else {
        for (int t = 0; t < T; ++t) batch.targets(row, t) = ids[static_cast<std::size_t>(w.start + t + 1)];
      }
    }
    position_ += count;
    return true;
  }

  /// All windows, in piece order (the shuffle only permutes the order they are served in).
  const std::vector<WindowRef>& windows() const { return windows_; }

 private:
  const std::vector<Piece>* pieces_;
  WindowOptions options_;
  int batch_size_;
  std::uint64_t seed_;
  bool shuffle_;
  std::vector<WindowRef> windows_;
  std::vector<std::size_t> order_;
  std::size_t position_ = 0;
};

}  // namespace data
SYMPHONIC_NAMESPACE_END
