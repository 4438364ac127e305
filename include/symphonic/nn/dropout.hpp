// symphonic/nn/dropout.hpp - inverted dropout with counter-drawn masks; no parameters.
//
//   train:    m_i = 0 with probability p, else 1 / (1 - p);  y = m o x;  dx = m o dy
//   infer:    y = x;  dx = dy
// The expected value of y equals x in both modes, so nothing is rescaled at inference. Element i
// of the mask is a pure function of (key, stream, i) (common/counter_rng.hpp): the model draws one
// key per training step from its seeded generator and gives each dropout its own stream, so a run
// replays exactly and every thread draws the same mask.
#pragma once

#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "symphonic/backend/cpu/dropout.hpp"
#include "symphonic/config.hpp"
#include "symphonic/nn/config_error.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class Dropout {
 public:
  using Mat = Matrix<Scalar>;

  /// What backward needs from forward, kept in the caller's workspace.
  struct Cache {
    Mat mask;  ///< m, empty when the last forward did not drop (infer mode or rate 0)
  };

  /// `rate` is the probability of dropping a unit, in [0, 1); `stream` tells this dropout's masks
  /// from every other mask drawn under the same key.
  explicit Dropout(double rate, std::uint64_t stream = 0) : rate_(rate), stream_(stream) {
    if (!(rate >= 0.0 && rate < 1.0))
      SYMPHONIC_THROW(ConfigError("dropout rate must lie in [0, 1), got " + std::to_string(rate)));
  }

  double rate() const { return rate_; }

  /// x holds (steps batch) columns, column t batch + b (batch 0: all columns are one step);
  /// `slice` says which rows of a shared batch they are (backend/cpu/dropout.hpp), so that
  /// replicas draw the masks of the whole batch.
  void forward(backend::cpu::ThreadPool& pool, const Mat& x, Mat& y, Cache& cache, Mode mode, std::uint64_t key,
               Index batch = 0, const backend::cpu::BatchSlice& slice = {}) const {
    if (mode == Mode::infer || rate_ == 0.0) {
      cache.mask.resize(0, 0);
      y = x;
      return;
    }
    cache.mask.resize(x.rows(), x.cols());
    if (batch == 0) batch = x.cols();
    SYMPHONIC_ASSERT(batch > 0 && x.cols() % batch == 0);
    backend::cpu::dropout_mask_slice(pool, x.rows(), x.cols() / batch, batch, slice, rate_, key, stream_,
                                     cache.mask.data());
    y.resize(x.rows(), x.cols());
    backend::cpu::apply_mask(x.size(), cache.mask.data(), x.data(), y.data());  // y = m o x
  }

  void backward(const Mat& dy, Mat& dx, const Cache& cache) const {
    if (cache.mask.size() == 0) {
      dx = dy;
      return;
    }
    SYMPHONIC_ASSERT(dy.rows() == cache.mask.rows() && dy.cols() == cache.mask.cols());
    dx.resize(dy.rows(), dy.cols());
    backend::cpu::apply_mask(dy.size(), cache.mask.data(), dy.data(), dx.data());  // dx = m o dy
  }

 private:
  double rate_;
  std::uint64_t stream_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
