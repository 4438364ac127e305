// symphonic/nn/dense.hpp - a fully connected layer, y = W x + b.
//
// The short example of the layer contract every nn layer follows (DESIGN.md, "Compute core"):
//   describe(layout, name)   its tensors, once: name.weight [out, in], name.bias [out]
//   bind(layout, flat)       pointers into the model's flat parameter and gradient arrays
//   forward(pool, x, y)      x is in x N (N = batch, or T * batch for time-major sequences)
//   backward(pool, x, dy, dx) x is the forward's input, kept by the caller; writes dx and ADDS
//                            into the bound gradients
// The layer keeps no activations: whatever backward needs belongs to the caller's workspace, and
// the maths is backend/cpu/dense.hpp.
//   forward:   y = W x + b 1^T
//   backward:  dW += dy x^T,  db += dy 1,  dx = W^T dy
#pragma once

#include <cmath>
#include <string>

#include <Eigen/Core>

#include "symphonic/backend/cpu/dense.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/init.hpp"
#include "symphonic/nn/layout.hpp"
#include "symphonic/nn/random.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class Dense {
 public:
  using Mat = Matrix<Scalar>;

  Dense(Index in, Index out) : in_(in), out_(out) {}

  Index input_size() const { return in_; }
  Index output_size() const { return out_; }
  Index parameter_count() const { return out_ * in_ + out_; }

  void describe(ParameterLayout& layout, const std::string& name) {
    weight_ = layout.add(name + ".weight", {out_, in_});
    bias_ = layout.add(name + ".bias", {out_});
  }
  void bind(const ParameterLayout& layout, const Flat<Scalar>& flat) {
    w_ = layout.param(weight_, flat);
    b_ = layout.param(bias_, flat);
    dw_ = layout.grad(weight_, flat);
    db_ = layout.grad(bias_, flat);
  }

  /// Draws the bound weights (Keras: Glorot uniform and zero bias; PyTorch: U(+-1/sqrt(in))).
  void initialize(Init init, Rng& rng) {
    const double limit = init == Init::keras ? std::sqrt(6.0 / static_cast<double>(in_ + out_))
                                             : 1.0 / std::sqrt(static_cast<double>(in_));
    for (Index i = 0; i < out_ * in_; ++i) w_[i] = static_cast<Scalar>(rng.uniform(-limit, limit));
    for (Index i = 0; i < out_; ++i) b_[i] = init == Init::keras ? Scalar(0) : static_cast<Scalar>(rng.uniform(-limit, limit));
  }

  void forward(backend::cpu::ThreadPool& pool, const Mat& x, Mat& y) const {
    if (x.rows() != in_) SYMPHONIC_THROW(ShapeError("dense input rows", in_, x.rows()));
    y.resize(out_, x.cols());
    backend::cpu::dense_forward(pool, in_, out_, x.cols(), w_, b_, x.data(), y.data());
  }

  void backward(backend::cpu::ThreadPool& pool, const Mat& x, const Mat& dy, Mat& dx) const {
    SYMPHONIC_ASSERT(dy.rows() == out_ && dy.cols() == x.cols() && x.rows() == in_);
    dx.resize(in_, dy.cols());
    backend::cpu::dense_backward(pool, in_, out_, dy.cols(), w_, x.data(), dy.data(), dw_, db_, dx.data());
  }

 private:
  Index in_, out_;
  ParameterLayout::Slot weight_ = 0, bias_ = 0;
  Scalar *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
