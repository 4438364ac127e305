// symphonic-checkpoint: verify checkpoints and show what is in them.
//
//   symphonic-checkpoint [--metadata] [--tensors] [--lenient] FILE...
//
//   (default)   FILE: ok, format 1, T tensors, P values, S bytes, checksums verified
//               or FILE: error: [symphonic.io.checkpoint_error] <section>: <what failed>
//   --tensors   one line per tensor: name, dtype, shape
//   --metadata  every metadata key and its value (long values cut to 200 characters)
//   --lenient   also open plain safetensors files without symphonic metadata
//
// Exit status: 0 when every file is a valid checkpoint, 1 when any is not, 2 on a usage error.
#include <cstdio>
#include <exception>
#include <string>

#include <symphonic/io/io.hpp>

#include "cli.hpp"

namespace {

using namespace symphonic;

std::string one_line(const std::string& text, std::size_t limit) {
  std::string out;
  for (char c : text) {
    if (out.size() >= limit) return out + "...";
    out += c == '\n' ? std::string("\\n") : c == '\t' ? std::string("\\t") : std::string(1, c);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  cli::Parser parser("symphonic-checkpoint", "[--metadata] [--tensors] [--lenient] FILE...",
                     "Verifies symphonic checkpoints (structure, version, checksums) and lists them.");
  parser.flag("metadata", "print every metadata key and value")
      .flag("tensors", "print every tensor's name, dtype and shape")
      .flag("lenient", "accept plain safetensors files without symphonic metadata");
  try {
    if (!parser.parse(argc, argv)) return cli::exit_ok;
    if (parser.positional().empty()) throw cli::UsageError("no FILE given");
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "symphonic-checkpoint: %s (try --help)\n", e.what());
    return cli::exit_usage;
  }
  io::ReadOptions options;
  options.require_symphonic = !parser.flag_set("lenient");
  int status = cli::exit_ok;
  for (const std::string& path : parser.positional()) {
    try {
      const io::Checkpoint c = io::Checkpoint::read(path, options);
      std::int64_t values = 0;
      for (const auto& t : c.tensors()) values += t.element_count();
      const bool symphonic = c.metadata().count(io::format_version_key) != 0;
      std::printf("%s: ok, format %s, %zu tensors, %lld values, %zu bytes, %s\n", path.c_str(),
                  c.metadata(io::format_version_key, "none (plain safetensors)").c_str(), c.tensors().size(),
                  static_cast<long long>(values), c.file_size(),
                  symphonic ? "checksums verified" : "no checksums");
      if (parser.flag_set("tensors"))
        for (const auto& t : c.tensors())
          std::printf("  %-32s %-4s %s\n", t.name.c_str(), io::dtype_name(t.dtype), io::shape_text(t.shape).c_str());
      if (parser.flag_set("metadata"))
        for (const auto& kv : c.metadata())
          std::printf("  %s = %s\n", kv.first.c_str(), one_line(kv.second, 200).c_str());
    } catch (const std::exception& e) {
      std::printf("%s: error: %s\n", path.c_str(), e.what());
      status = cli::exit_failure;
    }
  }
  return status;
}
