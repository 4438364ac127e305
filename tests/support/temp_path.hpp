// tests/support/temp_path.hpp - a checkpoint file name of this test process's own.
#pragma once

#include <string>

#include <unistd.h>

namespace symphonic_test {

/// ctest runs test cases in parallel processes (the float and double cases of one test too): the
/// process id keeps their files apart.
inline std::string temp_path(const std::string& name) {
  return "symphonic_test_io_" + std::to_string(::getpid()) + "_" + name + ".safetensors";
}

}  // namespace symphonic_test
