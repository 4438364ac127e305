// symphonic/nn/tensor.hpp - the Eigen aliases every layer uses, the train/infer mode, and
// NamedTensor: a named, shaped view into a model's flat buffers.
//
// Layout contract (DESIGN.md seam 1): a NamedTensor's `shape` and element order are PyTorch's
// state_dict ones, row-major, so a checkpoint writer copies the bytes as they are and a reader
// needs no transposition. Layers that want column-major algebra map the same bytes with
// Eigen::Map<..., Eigen::RowMajor> or as the transpose.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

using Index = Eigen::Index;

/// Column-major dynamic matrix; a time-major sequence batch is features x (T * batch).
template <class Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
/// Dynamic column vector, used for the flat parameter and gradient buffers.
template <class Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
/// Token ids, batch x T, column-major: column t holds step t of every sequence (time-major).
using IdMatrix = Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic>;

/// Dropout and batch-norm behave differently when training and when inferring (DESIGN.md seam 5).
enum class Mode { train, infer };

/// A named view of `element_count()` contiguous scalars, row-major in `shape`.
template <class Scalar>
struct NamedTensor {
  std::string name;                ///< PyTorch state_dict name, e.g. "lstm.weight_ih_l0"
  std::vector<std::int64_t> shape; ///< PyTorch shape, e.g. {4 * hidden, input}
  Scalar* data = nullptr;          ///< first element; the buffer outlives the view
  bool trainable = true;           ///< false for buffers such as batch-norm running statistics

  std::int64_t element_count() const {
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d;
    return n;
  }
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
