// symphonic-tokens: print the tokens of MIDI files, one line per file, to inspect encodings and
// cross-check them (scripts/compare_music21.py compares --recipe with music21 itself).
//
//   symphonic-tokens FILE_OR_FOLDER... [--recipe | --encoder TEXT] [--names] [--vocab]
//                    [--min-count N] [--threads N]
//   symphonic-tokens --save CACHE FOLDER [--recipe | --encoder TEXT] [--threads N]
//
//   --recipe          the recipe's tokens ("chord recipe=1"; the default)
//   --encoder TEXT    any encoder options text: "chord timing=1", "event", "event step_ms=20" ...
//   --names           prefix each line with the file's path and a tab
//   --vocab           print the vocabulary of all the files instead (its text form)
//   --min-count N     with --vocab: leave out tokens seen fewer than N times
//   --threads N       files tokenized in parallel (default: one per hardware thread)
//   --save CACHE      make or update the token cache of FOLDER (data/token_cache.hpp) instead of
//                     printing tokens; symphonic-train --cache CACHE then reads no unchanged file
// Folders are searched recursively for *.mid and *.midi. Files that cannot be read are reported
// on stderr and make the exit status 1; the others are still printed.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "symphonic/data/corpus.hpp"
#include "symphonic/data/token_cache.hpp"
#include "symphonic/music/factory.hpp"
#include "symphonic/music/vocabulary.hpp"

#include "cli.hpp"

namespace {

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace symphonic;
  cli::Parser args("symphonic-tokens",
                   "FILE_OR_FOLDER... [--recipe | --encoder TEXT] [--names] [--vocab] [--min-count N] [--threads N]\n"
                   "       symphonic-tokens --save CACHE FOLDER [--recipe | --encoder TEXT] [--threads N]",
                   "Prints the tokens of MIDI files, one line per file (folders are searched recursively), or\n"
                   "makes the token cache of a folder. Exit status 1 when a file could not be read.");
  args.flag("recipe", "the recipe's tokens (\"chord recipe=1\"; the default)")
      .option("encoder", "TEXT", "any encoder options text: \"chord timing=1\", \"event\", \"event step_ms=20\" ...",
              "chord recipe=1")
      .flag("names", "prefix each line with the file's path and a tab")
      .flag("vocab", "print the vocabulary of all the files instead (its text form)")
      .option("min-count", "N", "with --vocab: leave out tokens seen fewer than N times", "1")
      .option("threads", "N", "files tokenized in parallel, 0 = one per hardware thread", "0")
      .option("save", "CACHE", "make or update the token cache of FOLDER (data/token_cache.hpp) instead of printing "
                               "tokens; symphonic-train --cache CACHE then reads no unchanged file");
  std::string encoder_text, save;
  bool names = false, vocab = false;
  int min_count = 1, threads = 0;
  std::vector<std::string> inputs;
  try {
    if (!args.parse(argc, argv)) return cli::exit_ok;
    if (args.flag_set("recipe") && args.has("encoder"))
      throw cli::UsageError("--recipe and --encoder choose two encoders: choose one");
    encoder_text = args.text("encoder");
    save = args.text("save");
    names = args.flag_set("names");
    vocab = args.flag_set("vocab");
    min_count = static_cast<int>(args.integer("min-count", 1, 1000000));
    threads = static_cast<int>(args.integer("threads", 0, 1000000));
    inputs = args.positional();
    if (inputs.empty()) throw cli::UsageError("no input files");
    if (!save.empty() && (inputs.size() != 1 || !is_directory(inputs[0]) || names || vocab))
      throw cli::UsageError("--save takes one folder, without --names or --vocab");
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "symphonic-tokens: %s (see --help)\n", e.what());
    return cli::exit_usage;
  }

  try {
    const std::unique_ptr<music::Encoder> encoder = music::make_encoder(encoder_text);
    if (!save.empty()) {
      data::CacheReport report;
      const data::Corpus corpus = data::load_corpus_cached(inputs[0], save, *encoder, {}, threads, &report);
      std::size_t tokens = 0;
      for (const auto& piece : corpus.pieces) tokens += piece.ids.size();
      for (const auto& failure : corpus.failed) std::cerr << "symphonic-tokens: " << failure << "\n";
      std::fprintf(stderr, "%s: %s\n%s (%s): %zu pieces, %zu tokens, vocabulary %d%s\n", inputs[0].c_str(),
                   corpus.folder_summary.c_str(), report.summary().c_str(), save.c_str(), corpus.pieces.size(), tokens,
                   corpus.vocabulary.size(), report.changed() ? "" : "; unchanged, not rewritten");
      return corpus.failed.empty() ? 0 : 1;
    }
    std::vector<std::string> files;
    for (const auto& input : inputs) {
      if (is_directory(input)) {
        data::FolderScan scan = data::scan_midi_folder(input);
        std::fprintf(stderr, "%s: %s\n", input.c_str(), scan.summary().c_str());
        for (auto& f : scan.files) files.push_back(std::move(f));
      } else {
        files.push_back(input);
      }
    }
    const std::vector<data::TokenizedFile> results = data::tokenize_files(files, *encoder, threads);
    int status = 0;
    std::vector<std::vector<std::string>> pieces;
    std::string out;
    for (const auto& r : results) {
      if (!r.error.empty()) {
        std::cerr << "symphonic-tokens: " << r.path << ": " << r.error << "\n";
        status = 1;
        continue;
      }
      if (vocab) {
        pieces.push_back(r.tokens);
        continue;
      }
      if (names) {
        out += r.path;
        out += '\t';
      }
      for (std::size_t i = 0; i < r.tokens.size(); ++i) {
        if (i) out += ' ';
        out += r.tokens[i];
      }
      out += '\n';
    }
    if (vocab) {
      music::VocabularyOptions options;
      options.min_count = min_count;
      out = music::Vocabulary::build(pieces, options, encoder->options_text()).to_text();
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return status;
  } catch (const std::exception& e) {
    std::cerr << "symphonic-tokens: " << e.what() << "\n";
    return 1;
  }
}
