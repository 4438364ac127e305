// symphonic/nn/embedding.hpp - token ids to learned vectors (PyTorch nn.Embedding).
//
// Parameter: name.weight [V, E] row-major, so row v (contiguous) is the vector of token v.
//   forward:  y(:, t B + b) = W[ids(b, t), :]            ids: batch x T, y: E x (T batch)
//   backward: W[ids(b, t), :] += dy(:, t B + b)          (no dx: ids are not differentiable)
#pragma once

#include <cmath>
#include <string>

#include <Eigen/Core>

#include "symphonic/backend/cpu/embedding.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/dense.hpp"
#include "symphonic/nn/ids.hpp"
#include "symphonic/nn/layout.hpp"
#include "symphonic/nn/random.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class Embedding {
 public:
  using Mat = Matrix<Scalar>;

  Embedding(Index vocab_size, Index dimension) : vocab_(vocab_size), dim_(dimension) {}

  Index vocab_size() const { return vocab_; }
  Index output_size() const { return dim_; }
  Index parameter_count() const { return vocab_ * dim_; }

  void describe(ParameterLayout& layout, const std::string& name) { weight_ = layout.add(name + ".weight", {vocab_, dim_}); }
  void bind(const ParameterLayout& layout, const Flat<Scalar>& flat) {
    w_ = layout.param(weight_, flat);
    dw_ = layout.grad(weight_, flat);
  }

  /// Keras: U(-0.05, 0.05); PyTorch: N(0, 1).
  void initialize(Init init, Rng& rng) {
    for (Index i = 0; i < vocab_ * dim_; ++i)
      w_[i] = static_cast<Scalar>(init == Init::keras ? rng.uniform(-0.05, 0.05) : rng.normal());
  }

  void forward(const IdMatrix& ids, Mat& y) const {
    check_ids(ids, vocab_);
    y.resize(dim_, ids.size());
    backend::cpu::embedding_forward(dim_, ids.size(), w_, ids.data(), y.data());
  }

  /// `ids` are the forward's (checked there).
  void backward(const IdMatrix& ids, const Mat& dy) const {
    SYMPHONIC_ASSERT(dy.rows() == dim_ && dy.cols() == ids.size());
    backend::cpu::embedding_backward(dim_, ids.size(), ids.data(), dy.data(), dw_);
  }

 private:
  Index vocab_, dim_;
  ParameterLayout::Slot weight_ = 0;
  Scalar *w_ = nullptr, *dw_ = nullptr;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
