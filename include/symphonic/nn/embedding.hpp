// symphonic/nn/embedding.hpp - token ids to learned vectors (PyTorch nn.Embedding).
//
// Parameter: weight [V, E] row-major, so row v (contiguous) is the vector of token v; mapped here
// as the column-major E x V matrix W whose column v is that vector.
//   forward:  y(:, t B + b) = W(:, ids(b, t))            ids: batch x T, y: E x (T batch)
//   backward: dW(:, ids(b, t)) += dy(:, t B + b)           (no dx: ids are not differentiable)
#pragma once

#include <cmath>
#include <new>
#include <string>

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/dense.hpp"
#include "symphonic/nn/random.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

/// Throws music::VocabularyError when an id lies outside [0, vocab_size).
inline void check_ids(const IdMatrix& ids, Index vocab_size) {
  for (Index t = 0; t < ids.cols(); ++t)
    for (Index b = 0; b < ids.rows(); ++b) {
      const std::int32_t id = ids(b, t);
      if (id < 0 || id >= vocab_size)
        SYMPHONIC_THROW(music::VocabularyError(
            "token id " + std::to_string(id) + " at (sequence " + std::to_string(b) + ", step " +
            std::to_string(t) + ") outside [0, " + std::to_string(vocab_size) + ")"));
    }
}

template <class Scalar>
class Embedding {
 public:
  using Mat = Matrix<Scalar>;
  using Map = Eigen::Map<Mat>;

  struct Cache {
    IdMatrix ids;  ///< batch x T
  };

  Embedding(Index vocab_size, Index dimension) : vocab_(vocab_size), dim_(dimension) {}

  Index vocab_size() const { return vocab_; }
  Index output_size() const { return dim_; }
  Index parameter_count() const { return vocab_ * dim_; }

  void bind(Scalar* params, Scalar* grads) {
    new (&W_) Map(params, dim_, vocab_);
    new (&dW_) Map(grads, dim_, vocab_);
  }

  /// Keras: U(-0.05, 0.05); PyTorch: N(0, 1).
  void initialize(Init init, Rng& rng) {
    for (Index i = 0; i < W_.size(); ++i)
      W_.data()[i] = static_cast<Scalar>(init == Init::keras ? rng.uniform(-0.05, 0.05) : rng.normal());
  }

  void forward(const IdMatrix& ids, Mat& y, Mode /*mode*/) {
    check_ids(ids, vocab_);
    cache_.ids = ids;
    const Index batch = ids.rows(), steps = ids.cols();
    y.resize(dim_, steps * batch);
    for (Index t = 0; t < steps; ++t)
      for (Index b = 0; b < batch; ++b) y.col(t * batch + b) = W_.col(ids(b, t));
  }

  void backward(const Mat& dy) {
    const Index batch = cache_.ids.rows(), steps = cache_.ids.cols();
    SYMPHONIC_ASSERT(dy.rows() == dim_ && dy.cols() == steps * batch);
    for (Index t = 0; t < steps; ++t)
      for (Index b = 0; b < batch; ++b) dW_.col(cache_.ids(b, t)) += dy.col(t * batch + b);
  }

  const Cache& cache() const { return cache_; }

 private:
  Index vocab_, dim_;
  Map W_{nullptr, 0, 0}, dW_{nullptr, 0, 0};
  Cache cache_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
