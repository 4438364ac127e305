// symphonic/nn/scalar_input.hpp - the recipe's input: one number per step, id / vocab_size.
//
//   forward:  y(0, t B + b) = ids(b, t) / V        ids: batch x T, y: 1 x (T batch)
// No parameters and nothing to differentiate.
#pragma once

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/nn/embedding.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class ScalarInput {
 public:
  using Mat = Matrix<Scalar>;

  explicit ScalarInput(Index vocab_size) : vocab_(vocab_size) {}

  Index vocab_size() const { return vocab_; }
  Index output_size() const { return 1; }
  Index parameter_count() const { return 0; }
  void bind(Scalar* /*params*/, Scalar* /*grads*/) {}

  void forward(const IdMatrix& ids, Mat& y, Mode /*mode*/) {
    check_ids(ids, vocab_);
    const Index batch = ids.rows(), steps = ids.cols();
    y.resize(1, steps * batch);
    const Scalar v = static_cast<Scalar>(vocab_);
    for (Index t = 0; t < steps; ++t)
      for (Index b = 0; b < batch; ++b) y(0, t * batch + b) = static_cast<Scalar>(ids(b, t)) / v;
  }

  void backward(const Mat& /*dy*/) {}

 private:
  Index vocab_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
