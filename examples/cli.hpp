// examples/cli.hpp - the small command-line parser the symphonic-* programs share.
//
// Options are "--name VALUE" or "--name=VALUE"; flags are "--name"; after "--" every argument is
// positional (a file named "--x.mid"). Every program declares its options up front, so --help
// lists them all and anything else is a usage error. Exit statuses
// follow one rule across the programs: 0 success, 1 a file that cannot be read or written (or
// data that cannot be used), 2 bad arguments (a one-line message on stderr), 130 interrupted.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cli {

constexpr int exit_ok = 0, exit_failure = 1, exit_usage = 2, exit_interrupted = 130;

/// A bad command line; the program prints it on one line and exits with status 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

/// Whether two option values say the same: equal as numbers when both are numbers, else as text.
inline bool same_value(const std::string& a, const std::string& b) {
  char *end_a = nullptr, *end_b = nullptr;
  const double x = std::strtod(a.c_str(), &end_a), y = std::strtod(b.c_str(), &end_b);
  if (!a.empty() && !b.empty() && *end_a == '\0' && *end_b == '\0') return x == y;
  return a == b;
}

class Parser {
 public:
  Parser(std::string program, std::string usage, std::string description)
      : program_(std::move(program)), usage_(std::move(usage)), description_(std::move(description)) {}

  /// An option that takes a value; `fallback` is shown in --help and returned when absent.
  Parser& option(const std::string& name, const std::string& metavar, const std::string& help,
                 const std::string& fallback = "") {
    specs_.push_back({name, metavar, help, fallback, true});
    return *this;
  }
  Parser& flag(const std::string& name, const std::string& help) {
    specs_.push_back({name, "", help, "", false});
    return *this;
  }

  /// Parses argv; prints help and returns false for --help; throws UsageError.
  bool parse(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        print_help();
        return false;
      }
      if (arg == "--") {  // what follows is positional, even if it starts with "--"
        positional_.insert(positional_.end(), argv + i + 1, argv + argc);
        break;
      }
      if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
        positional_.push_back(arg);
        continue;
      }
      std::string name = arg.substr(2), value;
      bool has_value = false;
      const std::size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        has_value = true;
      }
      const Spec* spec = find(name);
      if (!spec) throw UsageError("unknown option --" + name);
      if (!spec->takes_value) {
        if (has_value) throw UsageError("--" + name + " takes no value");
        flags_.insert(name);
        continue;
      }
      if (!has_value) {
        if (i + 1 >= argc) throw UsageError("--" + name + " needs a value (" + spec->metavar + ")");
        value = argv[++i];
      }
      values_[name] = value;
    }
    return true;
  }

  bool has(const std::string& name) const { return values_.count(name) != 0 || flags_.count(name) != 0; }
  /// Gives option `name` the value `value` unless the command line gave it one (a resumed run's
  /// own settings, say); has(name) is true afterwards.
  void fill(const std::string& name, const std::string& value) { values_.emplace(name, value); }
  bool flag_set(const std::string& name) const { return flags_.count(name) != 0; }
  const std::vector<std::string>& positional() const { return positional_; }

  std::string text(const std::string& name) const {
    const auto it = values_.find(name);
    if (it != values_.end()) return it->second;
    const Spec* spec = find(name);
    return spec ? spec->fallback : std::string();
  }
  std::string required(const std::string& name) const {
    if (!values_.count(name)) throw UsageError("--" + name + " is required");
    return values_.at(name);
  }
  long long integer(const std::string& name, long long minimum, long long maximum) const {
    const std::string v = text(name);
    char* end = nullptr;
    errno = 0;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno != 0 || x < minimum || x > maximum)
      throw UsageError("--" + name + " needs a whole number in " + std::to_string(minimum) + ".." +
                       std::to_string(maximum) + ", got \"" + v + "\"");
    return x;
  }
  double number(const std::string& name, double minimum, double maximum) const {
    const std::string v = text(name);
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(x >= minimum && x <= maximum))
      throw UsageError("--" + name + " needs a number in [" + short_number(minimum) + ", " +
                       short_number(maximum) + "], got \"" + v + "\"");
    return x;
  }
  std::string choice(const std::string& name, const std::set<std::string>& allowed) const {
    const std::string v = text(name);
    if (!allowed.count(v)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
      throw UsageError("--" + name + " must be one of " + list + ", got \"" + v + "\"");
    }
    return v;
  }

  void print_help() const {
    std::printf("usage: %s %s\n\n%s\n\noptions:\n", program_.c_str(), usage_.c_str(), description_.c_str());
    for (const Spec& s : specs_) {
      std::string left = "  --" + s.name + (s.takes_value ? " " + s.metavar : "");
      if (left.size() < 30) left.resize(30, ' ');
      else left += "\n" + std::string(30, ' ');
      std::printf("%s%s%s\n", left.c_str(), s.help.c_str(),
                  s.fallback.empty() ? "" : (" (default: " + s.fallback + ")").c_str());
    }
    std::printf("  --help                      this text\n");
  }

  const std::string& program() const { return program_; }

 private:
  struct Spec {
    std::string name, metavar, help, fallback;
    bool takes_value;
  };
  const Spec* find(const std::string& name) const {
    for (const Spec& s : specs_)
      if (s.name == name) return &s;
    return nullptr;
  }
  static std::string short_number(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", v);
    return buffer;
  }

  std::string program_, usage_, description_;
  std::vector<Spec> specs_;
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

}  // namespace cli
