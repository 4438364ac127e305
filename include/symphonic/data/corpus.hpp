// symphonic/data/corpus.hpp - a folder of MIDI files to per-piece id sequences and a vocabulary.
//
//   auto encoder = music::make_encoder("chord recipe=1");
//   data::Corpus corpus = data::load_corpus("midi_songs", *encoder);
//   // corpus.pieces[i].ids, corpus.vocabulary (remembers encoder->options_text()), corpus.failed
//
// Files are read and tokenized in parallel (std::thread, one file at a time per thread); the
// result does not depend on the number of threads. A file that cannot be read is listed in
// `failed` ("path: reason") and left out; it does not stop the others.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>

#include "symphonic/config.hpp"
#include "symphonic/data/dataset.hpp"
#include "symphonic/error.hpp"
#include "symphonic/midi/read.hpp"
#include "symphonic/music/encoder.hpp"
#include "symphonic/music/vocabulary.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace data {

struct Corpus {
  std::vector<Piece> pieces;
  music::Vocabulary vocabulary;
  std::vector<std::string> failed;  ///< "path: reason" for each file left out
};

/// One file's tokens, or why there are none.
struct TokenizedFile {
  std::string path;
  std::vector<std::string> tokens;
  std::string error;  ///< empty when the file was read
};

namespace detail {
inline bool has_midi_extension(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return ext == "mid" || ext == "midi";
}

inline void walk(const std::string& dir, std::vector<std::string>& out, int depth) {
  if (depth > 64) return;  // symlink loops
  DIR* handle = ::opendir(dir.c_str());
  if (!handle) SYMPHONIC_THROW(io::FileError(dir, "cannot open folder"));
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(handle);
  for (const auto& name : names) {
    const std::string path = dir + "/" + name;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) continue;
    if (S_ISDIR(info.st_mode)) {
      walk(path, out, depth + 1);
    } else if (S_ISREG(info.st_mode) && has_midi_extension(name)) {
      out.push_back(path);
    }
  }
}

inline int thread_count(int requested, std::size_t jobs) {
  int n = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
  if (n < 1) n = 1;
  return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(n), std::max<std::size_t>(jobs, 1)));
}
}  // namespace detail

/// Every *.mid / *.midi file (any letter case) under `dir`, recursively, sorted by path.
/// Throws io::FileError when `dir` cannot be opened.
inline std::vector<std::string> list_midi_files(const std::string& dir) {
  std::vector<std::string> files;
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  detail::walk(root, files, 0);
  std::sort(files.begin(), files.end());
  return files;
}

/// Reads (tolerant reader) and tokenizes (encoder.encode_file) each file, `threads` at a time
/// (0: one per hardware thread). The result is in the order of `paths`.
inline std::vector<TokenizedFile> tokenize_files(const std::vector<std::string>& paths,
                                                 const music::Encoder& encoder, int threads = 0) {
  std::vector<TokenizedFile> results(paths.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < paths.size();) {
      TokenizedFile& r = results[i];
      r.path = paths[i];
      try {
        r.tokens = encoder.encode_file(midi::read_file(paths[i]));
      } catch (const std::exception& e) {
        r.error = e.what();
        if (r.error.empty()) r.error = "unknown error";
      }
    }
  };
  const int n = detail::thread_count(threads, paths.size());
  if (n == 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(n));
    for (int t = 0; t < n; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  return results;
}

/// Tokenizes every MIDI file under `dir` (list_midi_files), builds the vocabulary (with the
/// encoder's options_text recorded in it) and gives each piece its ids.
inline Corpus load_corpus(const std::string& dir, const music::Encoder& encoder,
                          music::VocabularyOptions options = {}, int threads = 0) {
  const std::vector<TokenizedFile> files = tokenize_files(list_midi_files(dir), encoder, threads);
  Corpus corpus;
  std::vector<std::vector<std::string>> token_lists;
  std::vector<std::string> names;
  for (const auto& f : files) {
    if (!f.error.empty()) {
      corpus.failed.push_back(f.path + ": " + f.error);
      continue;
    }
    token_lists.push_back(f.tokens);
    names.push_back(f.path);
  }
  const bool has_unknown = options.unknown;
  corpus.vocabulary = music::Vocabulary::build(token_lists, options, encoder.options_text());
  corpus.pieces.reserve(token_lists.size());
  for (std::size_t i = 0; i < token_lists.size(); ++i) {
    Piece piece;
    piece.name = names[i];
    piece.ids.reserve(token_lists[i].size());
    for (const auto& t : token_lists[i]) {
      const std::int32_t id = corpus.vocabulary.id(t);
      if (id >= 0 || has_unknown) piece.ids.push_back(id);  // without <unk>, rare tokens are dropped
    }
    corpus.pieces.push_back(std::move(piece));
  }
  return corpus;
}

}  // namespace data
SYMPHONIC_NAMESPACE_END
