// symphonic/nn/config_error.hpp - nn::ConfigError, a model configuration that cannot be used.
#pragma once

#include <string>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

/// A layer option or ModelConfig text that is malformed or out of range; what() starts with
/// "[symphonic.nn.config_error]" and names the key.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& message) : Error("nn.config_error", message) {}
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
