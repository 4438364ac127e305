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
// may be smaller than batch_size. With set_transpositions, each epoch serves every piece at one
// shift of its transposed copies (data/augment.hpp).
//
// Windows are views: an epoch keeps one 32-bit index per window (its shuffled order) and one
// integer per piece, and a batch copies its T (+1) ids per row from the piece itself.
#pragma once

#include <algorithm>
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
      SYMPHONIC_THROW(DataError("batch size must be >= 1, got " + std::to_string(batch_size)));
    detail::check_window_options(options_);
    start_epoch(0);
  }

  /// Serves each piece, each epoch, at the shift epoch_transposition(range, seed, epoch, piece)
  /// (data/augment.hpp); restarts the current epoch.
  void set_transpositions(const TransposeRange& range) {
    transpose_ = range;
    start_epoch(epoch_);
  }

  /// This epoch's windows (with transpositions the count can change from epoch to epoch).
  std::int64_t window_count() const { return first_window_.back(); }
  std::int64_t batch_count() const { return (window_count() + batch_size_ - 1) / batch_size_; }
  int batch_size() const { return batch_size_; }
  const WindowOptions& options() const { return options_; }

  /// Restarts at the first batch of `epoch`, with the order seeded by seed + epoch.
  void start_epoch(std::int64_t epoch) {
    epoch_ = epoch;
    const std::size_t n = pieces_->size();
    source_.resize(n);
    first_window_.assign(n + 1, 0);
    for (std::size_t p = 0; p < n; ++p) {
      const Piece& piece = (*pieces_)[p];
      source_[p] = transpose_.active() ? &transposed_ids(piece, epoch_transposition(transpose_, seed_, epoch, p)) : &piece.ids;
      first_window_[p + 1] = first_window_[p] + data::window_count(static_cast<std::int64_t>(source_[p]->size()), options_);
    }
    // one 32-bit index per window: 4 bytes of order per training window is all an epoch keeps
    if (window_count() > 0xFFFFFFFFLL)
      SYMPHONIC_THROW(DataError(std::to_string(window_count()) + " windows in one epoch, more than 2^32: use a larger stride"));
    order_.resize(static_cast<std::size_t>(window_count()));
    for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<std::uint32_t>(i);
    if (shuffle_) detail::shuffle(order_, seed_ + static_cast<std::uint64_t>(epoch));
    position_ = 0;
  }

  /// Where window `index` (0 .. window_count() - 1, in piece order) of this epoch starts.
  WindowRef window(std::int64_t index) const {
    const auto after = std::upper_bound(first_window_.begin(), first_window_.end(), index);
    const auto piece = static_cast<std::int32_t>(after - first_window_.begin() - 1);
    return {piece, (index - first_window_[static_cast<std::size_t>(piece)]) * options_.stride};
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
      const WindowRef w = window(order_[position_ + b]);
      const std::int32_t* ids = source_[static_cast<std::size_t>(w.piece)]->data() + w.start;
      const auto row = static_cast<Eigen::Index>(b);
      for (int t = 0; t < T; ++t) batch.inputs(row, t) = ids[t];
      if (options_.target == Target::next_token) {
        batch.targets(row, 0) = ids[T];
      } else {
        for (int t = 0; t < T; ++t) batch.targets(row, t) = ids[t + 1];
      }
    }
    position_ += count;
    return true;
  }

 private:
  const std::vector<Piece>* pieces_;
  WindowOptions options_;
  int batch_size_;
  std::uint64_t seed_;
  bool shuffle_;
  TransposeRange transpose_;
  std::int64_t epoch_ = 0;
  std::vector<const std::vector<std::int32_t>*> source_;  ///< each piece's ids this epoch
  std::vector<std::int64_t> first_window_;                 ///< per piece, the index of its first window; then the total
  std::vector<std::uint32_t> order_;
  std::size_t position_ = 0;
};

}  // namespace data
SYMPHONIC_NAMESPACE_END
