// symphonic/nn/nn.hpp - the nn module: tensors, layers, loss, model configuration and model.
#pragma once

#include "symphonic/nn/batch_norm.hpp"
#include "symphonic/nn/layout.hpp"
#include "symphonic/nn/config_error.hpp"
#include "symphonic/nn/dense.hpp"
#include "symphonic/nn/dropout.hpp"
#include "symphonic/nn/embedding.hpp"
#include "symphonic/nn/lstm.hpp"
#include "symphonic/nn/model.hpp"
#include "symphonic/nn/model_config.hpp"
#include "symphonic/nn/precision.hpp"
#include "symphonic/nn/random.hpp"
#include "symphonic/nn/relu.hpp"
#include "symphonic/nn/scalar_input.hpp"
#include "symphonic/nn/softmax_cross_entropy.hpp"
#include "symphonic/nn/tensor.hpp"
#include "symphonic/nn/workspace.hpp"
