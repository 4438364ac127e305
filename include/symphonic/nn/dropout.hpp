// symphonic/nn/dropout.hpp - inverted dropout with a seeded generator; no parameters.
//
//   train:    m_ij = 0 with probability p, else 1 / (1 - p);  y = m o x;  dx = m o dy
//   infer:    y = x;  dx = dy
// The expected value of y equals x in both modes, so nothing is rescaled at inference. The mask
// is drawn from the generator given at construction (the model's one Rng, whose state a
// checkpoint saves), so a run can be replayed exactly.
#pragma once

#include <string>

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/nn/config_error.hpp"
#include "symphonic/nn/random.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class Dropout {
 public:
  using Mat = Matrix<Scalar>;

  struct Cache {
    Mat mask;      ///< m, empty when the last forward did not drop (infer mode or rate 0)
  };

  /// `rate` is the probability of dropping a unit, in [0, 1).
  Dropout(double rate, Rng* rng) : rate_(rate), rng_(rng) {
    if (!(rate >= 0.0 && rate < 1.0))
      SYMPHONIC_THROW(ConfigError("dropout rate must lie in [0, 1), got " + std::to_string(rate)));
  }

  double rate() const { return rate_; }
  Index parameter_count() const { return 0; }
  void bind(Scalar* /*params*/, Scalar* /*grads*/) {}

  void forward(const Mat& x, Mat& y, Mode mode) {
    if (mode == Mode::infer || rate_ == 0.0) {
      cache_.mask.resize(0, 0);
      y = x;
      return;
    }
    cache_.mask.resize(x.rows(), x.cols());
    fill_dropout_mask(cache_.mask, rate_, *rng_);
    y = cache_.mask.cwiseProduct(x);  // y = m o x
  }

  void backward(const Mat& dy, Mat& dx) {
    if (cache_.mask.size() == 0) {
      dx = dy;
      return;
    }
    SYMPHONIC_ASSERT(dy.rows() == cache_.mask.rows() && dy.cols() == cache_.mask.cols());
    dx = cache_.mask.cwiseProduct(dy);  // dx = m o dy
  }

  const Cache& cache() const { return cache_; }

 private:
  double rate_;
  Rng* rng_;
  Cache cache_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
