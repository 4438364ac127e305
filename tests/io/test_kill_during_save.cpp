// SIGKILL at random points of checkpoint writes, many times over: a child process saves one
// checkpoint after another (durable, as symphonic-train does), the parent kills it after a random
// delay, and after every kill the checkpoint must read back whole and verified (one of the
// versions written, never a mixture), with no more than the one temporary file of the write that
// was cut off beside it.
#include <doctest/doctest.h>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <symphonic/io/io.hpp>

namespace {

int temporaries(const std::string& dir) {
  int n = 0;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* entry = ::readdir(d)) n += std::string(entry->d_name).find(".tmp.") != std::string::npos;
    ::closedir(d);
  }
  return n;
}

// Saves version 1, 2, 3, ... of a 4 MiB checkpoint whose every value is its version, forever.
[[noreturn]] void save_forever(const std::string& path, std::uint32_t first) {
  std::vector<float> values(1 << 20);
  for (std::uint32_t version = first;; ++version) {
    std::fill(values.begin(), values.end(), static_cast<float>(version));
    symphonic::io::save_tensors(path, {{"w", symphonic::io::Dtype::f32, {1 << 20}, values.data()}},
                                {{"version", std::to_string(version)}});
  }
}

}  // namespace

TEST_SUITE("io") {

TEST_CASE("checkpoint: SIGKILL at any point of a save, 40 times, always leaves a whole checkpoint") {
  const std::string dir = "kill_save_" + std::to_string(::getpid());
  REQUIRE(std::system(("rm -rf " + dir + " && mkdir " + dir).c_str()) == 0);
  const std::string path = dir + "/m.safetensors";
  std::vector<float> first(1 << 20, 0.0f);
  symphonic::io::save_tensors(path, {{"w", symphonic::io::Dtype::f32, {1 << 20}, first.data()}}, {{"version", "0"}});

  std::mt19937 random(12345);
  std::uint32_t next = 1;
  int versions_seen = 0;
  std::string last_version = "0";
  for (int round = 0; round < 40; ++round) {
    CAPTURE(round);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) save_forever(path, next);
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 60000)(random)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    next += 1000;  // the child wrote fewer versions than that in its time

    const symphonic::io::Checkpoint c = symphonic::io::Checkpoint::read(path);  // verified: checksums
    const std::string version = c.metadata("version", "");
    const std::vector<float> w = c.values<float>("w");
    REQUIRE(w.size() == std::size_t(1) << 20);
    CHECK(w.front() == static_cast<float>(std::stoul(version)));
    CHECK(w.back() == w.front());
    versions_seen += version != last_version;
    last_version = version;
    // the write that was cut off may leave its temporary file; a later one never adds to it
    CHECK(temporaries(dir) <= 1);
    std::system(("rm -f " + dir + "/*.tmp.*").c_str());
  }
  CHECK(versions_seen > 0);  // the children did replace the file, so kills also fell between saves
  std::system(("rm -rf " + dir).c_str());
}

}  // TEST_SUITE
