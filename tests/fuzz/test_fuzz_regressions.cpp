// Replays every input the fuzzers ever found (tests/data/fuzz/<target>/, and for the MIDI reader
// tests/data/midi/regressions/ with the hand-made fixtures in tests/data/midi/) through the same
// properties the fuzz binary checks (targets.hpp), and a few made here for each target, so the
// suite covers every target even where no finding was kept.
#include <doctest/doctest.h>

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include <symphonic/detail/file_io.hpp>

#include "fuzz/make_seeds.hpp"
#include "fuzz/targets.hpp"
#include "support/skip.hpp"

namespace {

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* entry = ::readdir(d)) {
      const std::string name = entry->d_name;
      if (name != "." && name != ".." && name != "README.md") names.push_back(dir + "/" + name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void check_inputs(const symphonic_fuzz::Target& target, const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    if (symphonic_test::is_directory(path)) continue;
    CAPTURE(path);
    const std::vector<std::uint8_t> bytes = symphonic::detail::read_file(path);
    CHECK(symphonic_fuzz::run_target(target, bytes.data(), bytes.size()) == "");
  }
}

}  // namespace

TEST_SUITE("fuzz") {

TEST_CASE("fuzz regressions: every kept input keeps its target's properties") {
  const std::string data = symphonic_test::data_dir();
  for (const symphonic_fuzz::Target& target : symphonic_fuzz::targets()) {
    CAPTURE(target.name);
    std::vector<std::string> paths = files_in(data + "/fuzz/" + target.name);
    if (std::string(target.name) == "midi_read") {
      const std::vector<std::string> regressions = files_in(data + "/midi/regressions");
      const std::vector<std::string> fixtures = files_in(data + "/midi");
      paths.insert(paths.end(), regressions.begin(), regressions.end());
      paths.insert(paths.end(), fixtures.begin(), fixtures.end());
      REQUIRE(!paths.empty());
    }
    check_inputs(target, paths);
  }
}

TEST_CASE("fuzz seeds: the generated seed inputs of every target hold its properties") {
  for (const symphonic_fuzz::Target& target : symphonic_fuzz::targets()) {
    CAPTURE(target.name);
    const std::vector<symphonic_fuzz::Seed> seeds = symphonic_fuzz::make_seeds(target.name);
    CHECK(!seeds.empty());
    for (const symphonic_fuzz::Seed& seed : seeds) {
      CAPTURE(seed.name);
      CHECK(symphonic_fuzz::run_target(target, seed.bytes.data(), seed.bytes.size()) == "");
    }
  }
}

TEST_CASE("fuzz seeds: a checkpoint seed loads as a model, so the fuzzer starts past the checksums") {
  const std::vector<symphonic_fuzz::Seed> seeds = symphonic_fuzz::make_seeds("checkpoint");
  REQUIRE(!seeds.empty());
  for (const symphonic_fuzz::Seed& seed : seeds) {
    CAPTURE(seed.name);
    const auto checkpoint = symphonic::io::Checkpoint::from_bytes(seed.bytes);
    const auto saved = symphonic::train::load_model<float>(checkpoint, seed.name);
    CHECK(saved.model->parameter_count() > 0);
  }
}

TEST_CASE("fuzz: a small checkpoint that claims an enormous model is refused before allocation") {
  // A 2 KiB file whose configuration asks for 4 x 2^20 x 2^20 weights: load_model must compare the
  // shapes with the file first (the fuzzer's memory limit is where this was found wanting).
  std::vector<symphonic_fuzz::Seed> seeds = symphonic_fuzz::make_seeds("checkpoint");
  REQUIRE(!seeds.empty());
  const symphonic::io::Checkpoint small = symphonic::io::Checkpoint::from_bytes(seeds[0].bytes);
  symphonic::io::Metadata metadata = small.metadata();
  std::string& config = metadata[symphonic::train::keys::model_config];
  const std::size_t at = config.find("lstm_size=");
  REQUIRE(at != std::string::npos);
  config = config.substr(0, at) + "lstm_size=1048576" + config.substr(config.find('\n', at));
  const std::vector<std::uint8_t> bytes = symphonic_fuzz::checkpoint_bytes(small, metadata);
  const auto claimed = symphonic::io::Checkpoint::from_bytes(bytes);
  CHECK_THROWS_WITH_AS(symphonic::train::load_model<float>(claimed, "claimed"),
                       doctest::Contains("in the checkpoint"), symphonic::io::CheckpointError);
}

}  // TEST_SUITE
