// tests/support/skip.hpp - skipping a test that cannot run here (no corpus, no tool).
//
// SYMPHONIC_SKIP_TEST(reason) prints a marker that CTest recognises (SKIP_REGULAR_EXPRESSION in
// tests/CMakeLists.txt and tests/meson.build) and returns from the test case, so a user's clone
// without the developer corpus reports "skipped" rather than "passed" or "failed".
#pragma once

#include <cstdlib>
#include <iostream>
#include <string>
#include <sys/stat.h>

#define SYMPHONIC_SKIP_TEST(reason)                                        \
  do {                                                                     \
    std::cout << "symphonic-test-skipped: " << (reason) << std::endl;      \
    return;                                                                \
  } while (0)

namespace symphonic_test {

inline bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

/// The developer corpus folder: $SYMPHONIC_CORPUS_DIR if set, else the build's configured
/// default. Empty when neither exists.
inline std::string corpus_dir() {
  const char* from_env = std::getenv("SYMPHONIC_CORPUS_DIR");
  std::string dir = from_env ? from_env : SYMPHONIC_TEST_CORPUS_DIR;
  return is_directory(dir) ? dir : std::string();
}

/// The folder with the recipe's reference outputs, or empty.
inline std::string reference_dir() {
  const char* from_env = std::getenv("SYMPHONIC_REFERENCE_DIR");
  std::string dir = from_env ? from_env : SYMPHONIC_TEST_REFERENCE_DIR;
  return is_directory(dir) ? dir : std::string();
}

/// tests/data, the repository's own small fixtures.
inline std::string data_dir() { return SYMPHONIC_TEST_DATA_DIR; }

}  // namespace symphonic_test
