// Writes the seed inputs of make_seeds.hpp for one fuzz target into a folder:
//   make_fuzz_seeds TARGET DIR
// Used by scripts/fuzz.sh before it starts libFuzzer.
#include <cstdio>
#include <exception>
#include <string>

#include <symphonic/detail/file_io.hpp>

#include "make_seeds.hpp"
#include "targets.hpp"

int main(int argc, char** argv) {
  if (argc != 3 || !symphonic_fuzz::find_target(argv[1])) {
    std::fprintf(stderr, "usage: make_fuzz_seeds TARGET DIR (TARGET: one of targets.hpp)\n");
    return 2;
  }
  try {
    const auto seeds = symphonic_fuzz::make_seeds(argv[1]);
    for (const auto& seed : seeds) {
      symphonic::detail::AtomicFile file(std::string(argv[2]) + "/" + seed.name, false);
      file.write(seed.bytes.data(), seed.bytes.size());
      file.commit();
    }
    std::printf("%zu seeds for %s in %s\n", seeds.size(), argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
