// symphonic/nn/layout.hpp - where every tensor of a model lives in its three flat arrays.
//
// Each layer describes its tensors once, in describe(): name (PyTorch state_dict name), shape
// (row-major) and kind (trainable, or a buffer such as batch-norm running statistics). The layout
// gives each its offset: trainable tensors one after another in the parameter array, whose twin
// the gradient array has the same layout; buffers in the buffer array (DESIGN.md seam 1). A layer
// then binds its views from the same layout, so the order is written down in one place: the order
// of the describe() calls.
//
//   ParameterLayout layout;
//   dense.describe(layout, "dense1");           // dense1.weight [out, in], dense1.bias [out]
//   Flat<float> flat{params.data(), grads.data(), buffers.data()};  // sized from the layout
//   dense.bind(layout, flat);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/config_error.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

enum class TensorKind { trainable, buffer };

struct TensorSpec {
  std::string name;
  std::vector<std::int64_t> shape;
  TensorKind kind = TensorKind::trainable;
  Index offset = 0;  ///< into the parameter (and gradient) array, or into the buffer array

  Index count() const {
    Index n = 1;
    for (std::int64_t d : shape) n *= static_cast<Index>(d);
    return n;
  }
};

/// The three flat arrays of a model: parameters, gradients (same layout) and buffers.
template <class Scalar>
struct Flat {
  Scalar* params = nullptr;
  Scalar* grads = nullptr;
  Scalar* buffers = nullptr;
};

class ParameterLayout {
 public:
  using Slot = std::size_t;

  /// Appends a tensor; returns the slot a layer keeps to find it again at bind time.
  Slot add(std::string name, std::vector<std::int64_t> shape, TensorKind kind = TensorKind::trainable) {
    for (const TensorSpec& t : tensors_)
      if (t.name == name) SYMPHONIC_THROW(ConfigError("tensor " + name + " is described twice"));
    TensorSpec t{std::move(name), std::move(shape), kind, 0};
    Index& end = kind == TensorKind::trainable ? parameter_count_ : buffer_count_;
    t.offset = end;
    end += t.count();
    tensors_.push_back(std::move(t));
    return tensors_.size() - 1;
  }

  Index parameter_count() const { return parameter_count_; }
  Index buffer_count() const { return buffer_count_; }
  const std::vector<TensorSpec>& tensors() const { return tensors_; }
  const TensorSpec& operator[](Slot slot) const { return tensors_[slot]; }

  /// First parameter of `slot` and its gradient twin (a trainable slot).
  template <class Scalar>
  Scalar* param(Slot slot, const Flat<Scalar>& flat) const { return flat.params + checked(slot, TensorKind::trainable); }
  template <class Scalar>
  Scalar* grad(Slot slot, const Flat<Scalar>& flat) const { return flat.grads + checked(slot, TensorKind::trainable); }
  /// First element of a buffer slot.
  template <class Scalar>
  Scalar* buffer(Slot slot, const Flat<Scalar>& flat) const { return flat.buffers + checked(slot, TensorKind::buffer); }

  /// Named views of every tensor of one kind in `array` (parameters, gradients or buffers).
  template <class Scalar>
  std::vector<NamedTensor<Scalar>> named(Scalar* array, TensorKind kind) const {
    std::vector<NamedTensor<Scalar>> out;
    for (const TensorSpec& t : tensors_)
      if (t.kind == kind) out.push_back({t.name, t.shape, array + t.offset, kind == TensorKind::trainable});
    return out;
  }

 private:
  Index checked(Slot slot, TensorKind kind) const {
    SYMPHONIC_ASSERT(slot < tensors_.size() && tensors_[slot].kind == kind);
    (void)kind;
    return tensors_[slot].offset;
  }

  std::vector<TensorSpec> tensors_;
  Index parameter_count_ = 0, buffer_count_ = 0;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
