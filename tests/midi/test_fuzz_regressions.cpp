// Replays what the fuzzer (tests/fuzz/fuzz_midi_read.cpp) ever found, plus every hand-made
// fixture in tests/data/midi, through the same properties (tests/fuzz/midi_read_properties.hpp).
#include <doctest/doctest.h>

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include <symphonic/detail/file_io.hpp>

#include "fuzz/midi_read_properties.hpp"
#include "support/skip.hpp"

namespace {

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* entry = ::readdir(d)) {
      const std::string name = entry->d_name;
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".mid") == 0)
        names.push_back(dir + "/" + name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_SUITE("midi") {

TEST_CASE("fuzz regressions: every saved input keeps the reader's properties") {
  std::vector<std::string> paths = files_in(symphonic_test::data_dir() + "/midi/regressions");
  const std::vector<std::string> fixtures = files_in(symphonic_test::data_dir() + "/midi");
  paths.insert(paths.end(), fixtures.begin(), fixtures.end());
  REQUIRE(!paths.empty());
  for (const std::string& path : paths) {
    CAPTURE(path);
    const std::vector<std::uint8_t> bytes = symphonic::detail::read_file(path);
    CHECK(midi_fuzz::check_read_properties(bytes.data(), bytes.size()) == "");
  }
}

}  // TEST_SUITE
