// tests/support/programs.hpp - running the symphonic-* programs from a test: where they are
// (build/<preset>/examples, beside this test's build folder), a command line run with its
// output captured, and small file helpers.
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace symphonic_test {

/// The folder of the running test executable.
inline std::string tests_build_dir() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return "";
  const std::string self(buffer, static_cast<std::size_t>(n));
  return self.substr(0, self.find_last_of('/'));
}

/// Where the build put the programs.
inline std::string examples_dir() {
  const std::string tests = tests_build_dir();
  return tests.substr(0, tests.find_last_of('/')) + "/examples";
}

inline bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Run {
  int status;
  std::string out, err;
};

/// Runs a shell command line with stdout and stderr captured (`tag` names the capture files).
inline Run run(const std::string& command, const std::string& tag) {
  const std::string out = "cli_" + tag + ".out", err = "cli_" + tag + ".err";
  const int raw = std::system((command + " >" + out + " 2>" + err).c_str());
  Run r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_text(out), read_text(err)};
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

}  // namespace symphonic_test
