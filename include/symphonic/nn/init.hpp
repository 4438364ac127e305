// symphonic/nn/init.hpp - which library's defaults a model's weights are drawn with: a word of
// the model configuration (nn/model_config.hpp) that the layers act on.
#pragma once

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

/// How weights are drawn: Keras defaults (Glorot uniform, zero bias, orthogonal recurrent weights,
/// forget bias 1) or PyTorch defaults (uniform +-1/sqrt(fan_in) for weights and biases).
enum class Init { keras, torch };

}  // namespace nn
SYMPHONIC_NAMESPACE_END
