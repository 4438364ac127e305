// symphonic-tunes: renders tunes written in symphonic's tune text (data/demo/*.tune) to .mid
// files with the library's own MIDI writer. scripts/demo.sh uses it to make its corpus.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <symphonic/demo/tune_text.hpp>
#include <symphonic/midi/midi.hpp>

#include "cli.hpp"

namespace {

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

std::vector<std::string> tune_files(const std::string& path) {
  if (!is_directory(path)) return {path};
  std::vector<std::string> files;
  DIR* dir = opendir(path.c_str());
  if (!dir) throw symphonic::io::FileError(path, "cannot list the folder");
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".tune") == 0) files.push_back(path + "/" + name);
  }
  closedir(dir);
  std::sort(files.begin(), files.end());
  return files;
}

std::string stem(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.find_last_of('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

}  // namespace

int main(int argc, char** argv) {
  namespace sy = symphonic;
  cli::Parser args("symphonic-tunes", "--out DIR FILE_OR_DIR...",
                   "Renders .tune text files (or every .tune file of a folder) to Standard MIDI Files.");
  args.option("out", "DIR", "folder for the .mid files (must exist)")
      .option("transpose", "N", "also write every tune transposed by -N..N semitones (NAME.t+2.mid ...)", "0");
  try {
    if (!args.parse(argc, argv)) return cli::exit_ok;
    const std::string out = args.required("out");
    const int range = static_cast<int>(args.integer("transpose", 0, 12));
    if (args.positional().empty()) throw cli::UsageError("no tune files or folders given");
    if (!is_directory(out)) {
      std::fprintf(stderr, "symphonic-tunes: %s is not a folder\n", out.c_str());
      return cli::exit_failure;
    }
    std::vector<std::string> files;
    for (const std::string& p : args.positional()) {
      const auto more = tune_files(p);
      files.insert(files.end(), more.begin(), more.end());
    }
    long notes = 0, written = 0;
    for (const std::string& file : files) {
      const sy::demo::Tune tune = sy::demo::read_tune(file);
      sy::midi::NotesToFileOptions options;
      options.bpm = tune.bpm;
      options.name = tune.title;
      if (tune.meter_numerator > 0) {
        options.numerator = tune.meter_numerator;
        options.denominator = tune.meter_denominator;
      }
      for (int shift = -range; shift <= range; ++shift) {
        sy::midi::NoteList shifted = tune.notes;
        for (auto& n : shifted.notes) n.pitch += shift;  // the tunes stay far inside 0..127
        const std::string suffix = shift == 0 ? "" : (shift > 0 ? ".t+" : ".t") + std::to_string(shift);
        sy::midi::write_file(out + "/" + stem(file) + suffix + ".mid", sy::midi::notes_to_file(shifted, options));
        notes += static_cast<long>(shifted.notes.size());
        ++written;
      }
    }
    std::printf("rendered %zu tunes as %ld MIDI files (%ld notes) in %s\n", files.size(), written, notes, out.c_str());
    return cli::exit_ok;
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "symphonic-tunes: %s (see --help)\n", e.what());
    return cli::exit_usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "symphonic-tunes: %s\n", e.what());
    return cli::exit_failure;
  }
}
