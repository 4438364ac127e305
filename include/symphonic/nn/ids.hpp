// symphonic/nn/ids.hpp - the check every input layer makes of the token ids it is given.
#pragma once

#include <cstdint>
#include <string>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

/// Throws IdError when an id lies outside [0, vocab_size).
inline void check_ids(const IdMatrix& ids, Index vocab_size) {
  for (Index t = 0; t < ids.cols(); ++t)
    for (Index b = 0; b < ids.rows(); ++b) {
      const std::int32_t id = ids(b, t);
      if (id < 0 || id >= vocab_size)
        SYMPHONIC_THROW(IdError("input (sequence " + std::to_string(b) + ", step " + std::to_string(t) + ")", id,
                                vocab_size));
    }
}

}  // namespace nn
SYMPHONIC_NAMESPACE_END
