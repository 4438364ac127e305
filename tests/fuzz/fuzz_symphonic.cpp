// The libFuzzer binary for every target in targets.hpp; SYMPHONIC_FUZZ_TARGET names the one to
// run. Built and run by scripts/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined); CI runs
// each target for a bounded time (.ci/steps/40-fuzz.sh). A failure aborts, so libFuzzer keeps the
// input: it goes to tests/data/fuzz/<target>/, which test_fuzz_regressions.cpp replays.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "targets.hpp"

namespace {
const symphonic_fuzz::Target* target = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* name = std::getenv("SYMPHONIC_FUZZ_TARGET");
  target = name ? symphonic_fuzz::find_target(name) : nullptr;
  if (!target) {
    std::fprintf(stderr, "fuzz_symphonic: set SYMPHONIC_FUZZ_TARGET to one of:");
    for (const auto& t : symphonic_fuzz::targets()) std::fprintf(stderr, " %s", t.name);
    std::fprintf(stderr, "\n");
    std::exit(2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string failure = symphonic_fuzz::run_target(*target, data, size);
  if (!failure.empty()) {
    std::fprintf(stderr, "fuzz_symphonic %s: %s\n", target->name, failure.c_str());
    std::abort();
  }
  return 0;
}
