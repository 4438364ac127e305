// symphonic/backend/buffers.hpp - the plain structs of pointers that both backends' kernels take
// (backend/cpu/ on host memory, backend/cuda/ on device memory): one layer's weights, their
// gradients, what its forward leaves for its backward, and batch norm's parameters.
#pragma once

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {

/// One LSTM layer's weights, row-major as in PyTorch (gate rows i, f, g, o).
template <class Scalar>
struct LstmWeights {
  const Scalar* w_ih;  ///< [4H, I] row-major
  const Scalar* w_hh;  ///< [4H, H] row-major
  const Scalar* b_ih;  ///< [4H]
  const Scalar* b_hh;  ///< [4H]
};

template <class Scalar>
struct LstmGradients {
  Scalar *w_ih, *w_hh, *b_ih, *b_hh;  ///< same shapes as LstmWeights; backward ADDS into them
};

/// What the forward sweep of one layer writes and its backward reads, all column-major, T B columns.
template <class Scalar>
struct LstmTrace {
  Scalar* gates;   ///< 4H x T B: pre-activations, then (in place) i, f, g, o
  Scalar* c;       ///< H x T B: cell states
  Scalar* tanh_c;  ///< H x T B
  Scalar* h;       ///< H x T B: outputs
  Scalar* h_prev;  ///< H x T B: h_{t-1} * m, the right factor of the recurrent product
};

/// Batch norm's parameters and running statistics (F each), and how the statistics move.
template <class Scalar>
struct BatchNormParams {
  const Scalar* gamma;
  const Scalar* beta;
  Scalar* running_mean;  ///< updated in training, read at inference
  Scalar* running_var;
  double momentum, epsilon;
  bool unbiased_running_var;
};

}  // namespace backend
SYMPHONIC_NAMESPACE_END
