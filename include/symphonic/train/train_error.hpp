// symphonic/train/train_error.hpp - the train module's error: settings that make no sense, a
// checkpoint that does not fit the model, ids outside the bigram baseline's vocabulary.
#pragma once

#include <string>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

class TrainError : public Error {
 public:
  explicit TrainError(const std::string& message) : Error("train.train_error", message) {}
};

}  // namespace train
SYMPHONIC_NAMESPACE_END
