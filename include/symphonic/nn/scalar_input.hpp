// symphonic/nn/scalar_input.hpp - the recipe's input: one number per step, id / vocab_size.
//
//   forward:  y(0, t B + b) = ids(b, t) / V        ids: batch x T, y: 1 x (T batch)
// No parameters and nothing to differentiate.
#pragma once

#include <Eigen/Core>

#include "symphonic/backend/cpu/embedding.hpp"
#include "symphonic/config.hpp"
#include "symphonic/nn/ids.hpp"
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

  void forward(const IdMatrix& ids, Mat& y) const {
    check_ids(ids, vocab_);
    y.resize(1, ids.size());
    backend::cpu::scalar_input_forward(vocab_, ids.size(), ids.data(), y.data());
  }

 private:
  Index vocab_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
