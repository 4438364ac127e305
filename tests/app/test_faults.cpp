// Failing writes under the programs, through tests/support/fault_shim.cpp (LD_PRELOAD): a full
// disk (ENOSPC) or an I/O error (EIO) part way through a MIDI file or a checkpoint, a failing
// fsync, and writes that take a few bytes at a time. Each failure must be one clear line and a
// non-zero exit, must leave the file that was there before byte for byte (loadable, for a
// checkpoint) and no temporary file beside it; short writes must change nothing at all.
#include <doctest/doctest.h>

#include <dirent.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/programs.hpp"
#include "support/skip.hpp"

namespace {

using symphonic_test::read_text;
using symphonic_test::run;
using symphonic_test::Run;

std::vector<std::string> leftovers(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* entry = ::readdir(d)) {
      const std::string name = entry->d_name;
      if (name.find(".tmp.") != std::string::npos) names.push_back(name);
    }
    ::closedir(d);
  }
  return names;
}

// The shim goes first in LD_PRELOAD; an AddressSanitizer build of the programs is told that this
// is meant (its runtime otherwise insists on coming first).
std::string with_fault(const std::string& shim, const std::string& fault, long after = 0) {
  const char* asan = std::getenv("ASAN_OPTIONS");
  return "env LD_PRELOAD=" + shim + " SYMPHONIC_FAULT=" + fault + " SYMPHONIC_FAULT_AFTER=" + std::to_string(after) +
         " ASAN_OPTIONS=verify_asan_link_order=0" + (asan && *asan ? std::string(":") + asan : std::string()) + " ";
}

}  // namespace

TEST_SUITE("app") {

TEST_CASE("faults: ENOSPC, EIO, failing fsync and short writes keep every earlier file whole") {
  const std::string bin = symphonic_test::examples_dir();
  const std::string shim = symphonic_test::tests_build_dir() + "/libsymphonic_fault_shim.so";
  if (!symphonic_test::exists(bin + "/symphonic-train") || !symphonic_test::exists(shim))
    SYMPHONIC_SKIP_TEST("the symphonic-* programs or the fault shim are not built beside the tests");
  const std::string dir = "faults_" + std::to_string(::getpid());
  REQUIRE(std::system(("rm -rf " + dir + " && mkdir -p " + dir + "/corpus").c_str()) == 0);
  REQUIRE(run(bin + "/symphonic-tunes --out " + dir + "/corpus " + SYMPHONIC_TEST_SOURCE_DIR + "/data/demo", "f_tunes")
              .status == 0);
  const std::string checkpoint = dir + "/m.safetensors";
  const std::string train = bin + "/symphonic-train --corpus " + dir + "/corpus --checkpoint " + checkpoint +
                            " --embedding 8 --hidden 24 --layers 1 --seq-len 16 --batch 8 --quiet --seed 3";
  REQUIRE(run(train + " --max-steps 2", "f_train").status == 0);
  // the runs that fail would write other weights and other notes than those kept
  const std::string retrain = train + " --max-steps 1 --overwrite";
  const std::string generate = bin + "/symphonic-generate --checkpoint " + checkpoint + " --length 200 --out ";
  const std::string loads = bin + "/symphonic-generate --checkpoint " + checkpoint + " --length 5 --out " + dir + "/loads.mid";
  REQUIRE(run(generate + dir + "/g.mid --seed 5", "f_generate").status == 0);
  const std::string midi_before = read_text(dir + "/g.mid");
  const std::string checkpoint_before = read_text(checkpoint);
  const std::string last_before = read_text(checkpoint + ".last");
  REQUIRE(midi_before.size() > 100);
  REQUIRE(checkpoint_before.size() > 4096);

  struct Case {
    const char* fault;
    long after;
    const char* says;
  };
  const Case cases[] = {{"enospc", 0, "No space left on device"},
                        {"enospc", 100, "No space left on device"},
                        {"eio", 50, "Input/output error"},
                        {"fsync_eio", 0, "Input/output error"}};
  for (const Case& c : cases) {
    CAPTURE(c.fault);
    CAPTURE(c.after);
    // a MIDI file
    const Run midi = run(with_fault(shim, c.fault, c.after) + generate + dir + "/g.mid --seed 6", "f_midi");
    CHECK(midi.status == 1);
    CHECK(midi.err.find(c.says) != std::string::npos);
    CHECK(midi.err.find("g.mid") != std::string::npos);
    CHECK(read_text(dir + "/g.mid") == midi_before);
    // a checkpoint (the best and the last one are both written by a training run)
    const long after = c.after == 0 ? 0 : 3000;  // inside the header, or inside the tensors
    const Run save = run(with_fault(shim, c.fault, after) + retrain, "f_save");
    CHECK(save.status == 1);
    CHECK(save.err.find(c.says) != std::string::npos);
    CHECK(read_text(checkpoint) == checkpoint_before);
    CHECK(read_text(checkpoint + ".last") == last_before);
    CHECK(leftovers(dir).empty());
  }
  CHECK(run(loads, "f_loads").status == 0);  // the kept checkpoint loads

  // writes that take 7 bytes at a time are continued: the same bytes as before
  const Run slow_midi = run(with_fault(shim, "short") + generate + dir + "/g.mid --seed 5", "f_short_midi");
  CHECK(slow_midi.status == 0);
  CHECK(read_text(dir + "/g.mid") == midi_before);
  const Run slow_save = run(with_fault(shim, "short") + retrain, "f_short_save");
  CHECK(slow_save.status == 0);
  CHECK(run(loads, "f_loads2").status == 0);
  CHECK(leftovers(dir).empty());
  std::system(("rm -rf " + dir).c_str());
}

}  // TEST_SUITE
