// symphonic/data/corpus.hpp - a folder of MIDI files to per-piece id sequences and a vocabulary.
//
//   auto encoder = music::make_encoder("chord recipe=1");
//   data::Corpus corpus = data::load_corpus("midi_songs", *encoder);
//   // corpus.pieces[i].ids, corpus.vocabulary (remembers encoder->options_text()), corpus.failed
//
// Files are read and tokenized in parallel (std::thread, one file at a time per thread); the
// result does not depend on the number of threads. A file that cannot be read is listed in
// `failed` ("path: reason") and left out; it does not stop the others. The folder walk
// (scan_midi_folder) follows links but visits each folder and file once, so a link loop ends and
// no file is read twice (or lands on both sides of a split); what it passes over is counted in
// `folder_summary`.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <thread>
#include <unordered_map>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symphonic/config.hpp"
#include "symphonic/data/dataset.hpp"
#include "symphonic/error.hpp"
#include "symphonic/io/detail/crc32.hpp"
#include "symphonic/midi/read.hpp"
#include "symphonic/music/encoder.hpp"
#include "symphonic/music/vocabulary.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace data {

struct Corpus {
  std::vector<Piece> pieces;
  music::Vocabulary vocabulary;
  std::vector<std::string> failed;  ///< "path: reason" for each file left out
  std::string folder_summary;       ///< FolderScan::summary() of the walk that found the files
};

/// One file's tokens, or why there are none.
struct TokenizedFile {
  std::string path;
  std::vector<std::string> tokens;
  std::string error;  ///< empty when the file was read
};

namespace detail {
inline bool has_midi_extension(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view ext = name.substr(dot + 1);
  if (ext.size() != 3 && ext.size() != 4) return false;
  const char* expected = "midi";
  for (std::size_t i = 0; i < ext.size(); ++i) {
    const char c = ext[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != expected[i]) return false;
  }
  return true;
}

/// Paths under the folder `root` (as the folder walk writes them) relative to it, as views into
/// the full paths: no string is made per file.
class RelativePaths {
 public:
  explicit RelativePaths(const std::string& root) : prefix_(root) {
    while (prefix_.size() > 1 && prefix_.back() == '/') prefix_.pop_back();
    prefix_ += '/';
  }
  std::string_view operator()(const std::string& path) const {
    const std::string_view view(path);
    return view.compare(0, prefix_.size(), prefix_) == 0 ? view.substr(prefix_.size()) : view;
  }

 private:
  std::string prefix_;
};

inline int thread_count(int requested, std::size_t jobs) {
  int n = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
  if (n < 1) n = 1;
  return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(n), std::max<std::size_t>(jobs, 1)));
}

/// Calls job(i) for every i in [0, count), `threads` at a time (0: one per hardware thread), each
/// thread taking the next index as it finishes one. `job` must not throw.
template <class Job>
void for_each_index(std::size_t count, int threads, const Job& job) {
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) job(i);
  };
  const int n = thread_count(threads, count);
  if (n == 1) return work();
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(n));
  for (int t = 0; t < n; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
}
}  // namespace detail

/// What a file looked like when it was seen: a changed size or time means "look again".
struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t modified_ns = 0;
  friend bool operator==(const FileStamp& a, const FileStamp& b) {
    return a.size == b.size && a.modified_ns == b.modified_ns;
  }
  friend bool operator!=(const FileStamp& a, const FileStamp& b) { return !(a == b); }
};

namespace detail {
inline FileStamp stamp_of(const struct stat& info) {
  FileStamp s;
  s.size = static_cast<std::uint64_t>(info.st_size);
  s.modified_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL + info.st_mtim.tv_nsec;
  return s;
}
}  // namespace detail

/// What a walk of a folder found: its MIDI files, and what it passed over and why.
struct FolderScan {
  std::vector<std::string> files;    ///< every *.mid / *.midi file (any letter case), sorted by path
  std::vector<FileStamp> stamps;     ///< files[i]'s size and modification time when the walk saw it
  std::vector<std::string> skipped;  ///< "path: reason" for each entry passed over (see scan_midi_folder)
  std::size_t not_midi = 0;          ///< regular files without a MIDI extension (not listed one by one)

  /// One line for a program to print, e.g. "92 MIDI files; passed over: 1 folders already walked
  /// (link loops or second links), 5 files not MIDI".
  std::string summary() const {
    std::size_t loops = 0, duplicates = 0, unreadable = 0, deep = 0;
    for (const std::string& entry : skipped) {
      if (entry.find(": folder already walked") != std::string::npos) ++loops;
      else if (entry.find(": the same file as ") != std::string::npos) ++duplicates;
      else if (entry.find(": deeper than ") != std::string::npos) ++deep;
      else ++unreadable;
    }
    std::string line = std::to_string(files.size()) + " MIDI file" + (files.size() == 1 ? "" : "s");
    std::string over;
    const auto add = [&](std::size_t n, const char* what) {
      if (n) over += (over.empty() ? "" : ", ") + std::to_string(n) + " " + what;
    };
    add(loops, "folders already walked (link loops or second links)");
    add(duplicates, "files already listed (second links)");
    add(unreadable, "unreadable entries");
    add(deep, "folders too deep");
    add(not_midi, "files not MIDI");
    return over.empty() ? line : line + "; passed over: " + over;
  }
};

/// Walks `dir` recursively, following symbolic links, and lists its MIDI files. Each folder and
/// each file is visited once, by device and inode: a link loop, or a second name for a folder or
/// file already seen, is passed over and recorded in `skipped` (within a folder, real entries
/// come before links, so the real name is kept), as are entries that cannot be read and folders
/// more than `max_depth` levels below `dir`. The MIDI files' stats are taken `threads` at a time
/// (0: one per hardware thread) while the walk reads the next folders; the result does not
/// depend on it. Throws io::FileError when `dir` itself cannot be opened.
inline FolderScan scan_midi_folder(const std::string& dir, int max_depth = 256, int threads = 0) {
  FolderScan scan;
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  // folders: (device, inode) -> the first path it was met under
  struct Inode {
    std::size_t operator()(const std::pair<dev_t, ino_t>& key) const {
      return std::hash<std::uint64_t>()(static_cast<std::uint64_t>(key.second) * 0x9E3779B97F4A7C15ull ^
                                        static_cast<std::uint64_t>(key.first));
    }
  };
  std::unordered_map<std::pair<dev_t, ino_t>, std::string, Inode> folders;
  struct stat root_info {};
  if (::stat(root.c_str(), &root_info) != 0 || !S_ISDIR(root_info.st_mode))
    SYMPHONIC_THROW(io::FileError(root, "cannot open folder"));
  folders.emplace(std::make_pair(root_info.st_dev, root_info.st_ino), root);

  // 1. The walk: depth-first, names in sorted order, with a stack of its own (no recursion: any
  //    depth is safe). Folders, links and entries of unknown kind are stat-ed at once (the walk
  //    depends on them); a regular file with a MIDI name only becomes an item whose stat, the
  //    scan's main cost, is left to step 2. Every entry that ends up in the result is an item;
  //    each folder's items are one block, blocks in walk order.
  struct Item {
    explicit Item(std::string name_, std::string message_ = {}) : name(std::move(name_)), message(std::move(message_)) {}
    std::string name;     // within its folder
    std::string message;  // a folder passed over: the whole line for `skipped`
    bool waiting = false; // stat-ed in step 2
    int error = 0;        // errno of its stat
    mode_t mode = 0;
    dev_t device = 0;
    ino_t inode = 0;
    FileStamp stamp;
    void take(const struct stat& info) {
      mode = info.st_mode;
      device = info.st_dev;
      inode = info.st_ino;
      stamp = detail::stamp_of(info);
    }
  };
  struct Block {
    std::string path;  // of the folder
    std::vector<Item> items;
  };
  // unique_ptr: a block does not move while a thread takes its stats and the walk adds more
  std::vector<std::unique_ptr<Block>> blocks;

  // 2. The stats, taken while the walk goes on: each folder's waiting items, in runs of up to 128
  //    (each from its own handle on the folder), are queued as soon as the folder is read, and
  //    threads take runs as they come; the walk's own thread joins them when it ends. The first
  //    run is the walk's alone: a small folder starts no thread.
  struct Run {
    const Block* block;
    Item *begin, *end;
  };
  const auto take_stats = [](const Run& run) {
    const int at = ::open(run.block->path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const int open_error = at < 0 ? errno : 0;
    for (Item* item = run.begin; item != run.end; ++item) {
      struct stat info {};
      if (at < 0)
        item->error = open_error;
      else if (::fstatat(at, item->name.c_str(), &info, 0) != 0)
        item->error = errno;
      else
        item->take(info);
    }
    if (at >= 0) ::close(at);
  };
  struct Runs {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Run> queue;
    bool walked = false;
    std::vector<std::thread> helpers;
    // the walk has ended (or thrown): no more runs come, threads finish the queue and stop
    void walk_ended() {
      {
        const std::lock_guard<std::mutex> lock(mutex);
        walked = true;
      }
      ready.notify_all();
    }
    void join() {
      for (auto& t : helpers) t.join();
      helpers.clear();
    }
    ~Runs() {
      walk_ended();
      join();
    }
  } runs;
  // takes runs until the walk has ended and none is left
  const auto work = [&] {
    for (;;) {
      std::unique_lock<std::mutex> lock(runs.mutex);
      runs.ready.wait(lock, [&] { return runs.walked || !runs.queue.empty(); });
      if (runs.queue.empty()) return;
      const Run run = runs.queue.front();
      runs.queue.pop_front();
      lock.unlock();
      take_stats(run);
    }
  };
  constexpr std::size_t run_length = 128;
  const int thread_total = detail::thread_count(threads, std::numeric_limits<std::size_t>::max());
  std::size_t queued = 0;  // runs
  const auto queue_stats = [&](Block& block) {
    for (std::size_t i = 0; i < block.items.size();) {
      if (!block.items[i].waiting) {
        ++i;
        continue;
      }
      std::size_t end = i + 1;
      while (end < block.items.size() && end - i < run_length && block.items[end].waiting) ++end;
      {
        const std::lock_guard<std::mutex> lock(runs.mutex);
        runs.queue.push_back({&block, block.items.data() + i, block.items.data() + end});
      }
      runs.ready.notify_one();
      if (++queued == 2)  // more than one run: worth the threads
        for (int t = 1; t < thread_total; ++t) runs.helpers.emplace_back(work);
      i = end;
    }
  };

  struct Pending {
    std::string path;
    int depth;
  };
  std::vector<Pending> stack{{root, 0}};
  struct Name {
    std::string name;
    std::uint64_t key;   // its first 8 bytes, big-endian: most comparisons in the sort end here
    unsigned char type;  // readdir's d_type
    bool link;
  };
  std::vector<Name> names;
  while (!stack.empty()) {
    const Pending folder = stack.back();
    stack.pop_back();
    blocks.push_back(std::make_unique<Block>());
    Block& block = *blocks.back();
    DIR* handle = ::opendir(folder.path.c_str());
    if (!handle) {
      if (folder.depth == 0) SYMPHONIC_THROW(io::FileError(root, "cannot open folder"));
      block.items.emplace_back(std::string(), folder.path + ": cannot open folder: " + std::strerror(errno));
      continue;
    }
    struct Closer {
      DIR* handle;
      ~Closer() { ::closedir(handle); }
    } closer{handle};
    block.path = folder.path;
    // entries are looked up from the open folder (fstatat), not by walking the whole path again
    const int at = ::dirfd(handle);
    // the kind from readdir where the file system gives it, lstat where it does not
    names.clear();
    while (const dirent* entry = ::readdir(handle)) {
      const char* name = entry->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      bool link = entry->d_type == DT_LNK;
      if (entry->d_type == DT_UNKNOWN) {
        struct stat info {};
        link = ::fstatat(at, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode);
      }
      std::uint64_t key = 0;
      for (std::size_t i = 0; i < 8; ++i) {
        key <<= 8;
        if (name[0]) key |= static_cast<unsigned char>(*name++);  // a name's end: zeros, which sort first
      }
      names.push_back({entry->d_name, key, entry->d_type, link});
    }
    // sorted by bytes (as std::string compares), with links after the real entries: where a file
    // has a second name by a link, the real name is the one listed
    std::sort(names.begin(), names.end(), [](const Name& a, const Name& b) {
      if (a.link != b.link) return b.link;
      if (a.key != b.key) return a.key < b.key;
      return a.name < b.name;
    });
    block.items.reserve(names.size());
    std::vector<Pending> below;
    for (Name& entry : names) {
      if (entry.type == DT_REG) {
        if (detail::has_midi_extension(entry.name)) {
          block.items.emplace_back(std::move(entry.name)).waiting = true;
        } else {
          ++scan.not_midi;
        }
        continue;
      }
      struct stat info {};
      Item item(std::move(entry.name));
      if (::fstatat(at, item.name.c_str(), &info, 0) != 0) {
        item.error = errno;
        block.items.push_back(std::move(item));
        continue;
      }
      if (S_ISDIR(info.st_mode)) {
        std::string path = folder.path + "/" + item.name;
        const auto inserted = folders.emplace(std::make_pair(info.st_dev, info.st_ino), path);
        if (!inserted.second) {
          item.message = path + ": folder already walked as " + inserted.first->second;
          block.items.push_back(std::move(item));
        } else if (folder.depth + 1 > max_depth) {
          item.message = path + ": deeper than " + std::to_string(max_depth) + " folders";
          block.items.push_back(std::move(item));
        } else {
          below.push_back({std::move(path), folder.depth + 1});
        }
      } else if (S_ISREG(info.st_mode) && detail::has_midi_extension(item.name)) {
        item.take(info);
        block.items.push_back(std::move(item));
      } else if (S_ISREG(info.st_mode)) {
        ++scan.not_midi;
      }
    }
    queue_stats(block);
    for (auto it = below.rbegin(); it != below.rend(); ++it) stack.push_back(std::move(*it));  // first name on top
  }
  runs.walk_ended();
  work();
  runs.join();

  // 3. The result, item by item in walk order. Every MIDI file's (device, inode) and place in
  //    `listed` are kept and sorted once at the end to find second names (a hash of 100,000
  //    inodes costs more than the sort), with how many entries `skipped` held when it was met,
  //    so that those found late are reported in walk order.
  struct Met {
    dev_t device;
    ino_t inode;
    std::size_t index;
  };
  std::vector<Met> met;
  std::vector<std::size_t> skipped_before;
  std::vector<std::pair<std::string, FileStamp>> listed;  // MIDI files, sorted by path at the end
  std::size_t item_count = 0;
  for (const auto& block : blocks) item_count += block->items.size();
  met.reserve(item_count);
  skipped_before.reserve(item_count);
  listed.reserve(item_count);
  for (const auto& block : blocks) {
    for (const Item& item : block->items) {
      if (!item.message.empty()) {
        scan.skipped.push_back(item.message);
      } else if (item.error) {
        scan.skipped.push_back(block->path + "/" + item.name + ": cannot read: " + std::strerror(item.error));
      } else if (S_ISREG(item.mode)) {  // (a file that became something else since the walk is left out)
        met.push_back({item.device, item.inode, listed.size()});
        skipped_before.push_back(scan.skipped.size());
        listed.emplace_back(block->path + "/" + item.name, item.stamp);
      }
    }
  }
  // a file met again under another name keeps the first; the others are passed over
  std::sort(met.begin(), met.end(), [](const Met& a, const Met& b) {
    return a.device != b.device ? a.device < b.device : a.inode != b.inode ? a.inode < b.inode : a.index < b.index;
  });
  std::vector<std::pair<std::size_t, std::size_t>> again;  // (index, index of its first name)
  for (std::size_t i = 1, first = 0; i < met.size(); ++i) {
    if (met[i].device != met[first].device || met[i].inode != met[first].inode)
      first = i;
    else
      again.emplace_back(met[i].index, met[first].index);
  }
  if (!again.empty()) {
    std::sort(again.begin(), again.end());
    std::vector<std::string> skipped;
    std::size_t a = 0;
    for (std::size_t k = 0; k <= scan.skipped.size(); ++k) {
      for (; a < again.size() && skipped_before[again[a].first] == k; ++a)
        skipped.push_back(listed[again[a].first].first + ": the same file as " + listed[again[a].second].first);
      if (k < scan.skipped.size()) skipped.push_back(std::move(scan.skipped[k]));
    }
    scan.skipped = std::move(skipped);
    std::vector<std::pair<std::string, FileStamp>> kept;
    kept.reserve(listed.size() - again.size());
    for (std::size_t i = 0, a2 = 0; i < listed.size(); ++i) {
      if (a2 < again.size() && again[a2].first == i)
        ++a2;
      else
        kept.push_back(std::move(listed[i]));
    }
    listed = std::move(kept);
  }
  const auto by_path = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(listed.begin(), listed.end(), by_path)) std::sort(listed.begin(), listed.end(), by_path);
  scan.files.reserve(listed.size());
  scan.stamps.reserve(listed.size());
  for (auto& file : listed) {
    scan.files.push_back(std::move(file.first));
    scan.stamps.push_back(file.second);
  }
  return scan;
}

/// scan_midi_folder(dir).files: every MIDI file under `dir`, each once, sorted by path.
inline std::vector<std::string> list_midi_files(const std::string& dir) { return scan_midi_folder(dir).files; }

/// Which pieces a list holds, as 8 hex digits: the CRC-32 of their paths relative to `root` (the
/// corpus folder), sorted, one per line. The trainer records its validation split's, so that an
/// evaluation can tell whether its split of a corpus is the one the model never trained on.
inline std::string names_fingerprint(const std::vector<std::string>& piece_names, const std::string& root) {
  const detail::RelativePaths relative(root);
  std::vector<std::string> names;
  names.reserve(piece_names.size());
  for (const std::string& name : piece_names) names.emplace_back(relative(name));
  std::sort(names.begin(), names.end());
  std::string text;
  for (const std::string& n : names) text += n + "\n";
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(io::detail::crc32(text.data(), text.size())));
  return hex;
}

inline std::string pieces_fingerprint(const std::vector<Piece>& pieces, const std::string& root) {
  std::vector<std::string> names;
  names.reserve(pieces.size());
  for (const Piece& p : pieces) names.push_back(p.name);
  return names_fingerprint(names, root);
}

/// Reads (tolerant reader) and tokenizes (encoder.encode_file) each file, `threads` at a time
/// (0: one per hardware thread). The result is in the order of `paths`.
inline std::vector<TokenizedFile> tokenize_files(const std::vector<std::string>& paths,
                                                 const music::Encoder& encoder, int threads = 0) {
  std::vector<TokenizedFile> results(paths.size());
  detail::for_each_index(paths.size(), threads, [&](std::size_t i) {
    TokenizedFile& r = results[i];
    r.path = paths[i];
    try {
      r.tokens = encoder.encode_file(midi::read_file(paths[i]));
    } catch (const std::exception& e) {
      r.error = e.what();
      if (r.error.empty()) r.error = "unknown error";
    }
  });
  return results;
}

/// Tokenizes every MIDI file under `dir` (list_midi_files), builds the vocabulary (with the
/// encoder's options_text recorded in it) and gives each piece its ids.
inline Corpus load_corpus(const std::string& dir, const music::Encoder& encoder,
                          music::VocabularyOptions options = {}, int threads = 0) {
  const FolderScan scan = scan_midi_folder(dir, 256, threads);
  const std::vector<TokenizedFile> files = tokenize_files(scan.files, encoder, threads);
  Corpus corpus;
  corpus.folder_summary = scan.summary();
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

/// Gives `corpus` the ids of `vocabulary` (a trained model's, so that its ids mean what the
/// weights learned) instead of its own. Each of the corpus vocabulary's tokens is looked up once,
/// and the pieces' ids are mapped through that table. A token `vocabulary` lacks becomes its
/// unknown id; without one, a piece that holds such a token throws VocabularyError, as
/// Vocabulary::encode would. The corpus's vocabulary is `vocabulary` afterwards. Call it before
/// add_transpositions, which takes the ids of the pieces' vocabulary.
inline void use_vocabulary(Corpus& corpus, const music::Vocabulary& vocabulary) {
  std::vector<std::int32_t> map(static_cast<std::size_t>(corpus.vocabulary.size()));
  for (std::int32_t id = 0; id < corpus.vocabulary.size(); ++id) map[id] = vocabulary.id(corpus.vocabulary.token(id));
  for (Piece& piece : corpus.pieces)
    for (std::int32_t& id : piece.ids) {
      if (id < 0 || id >= corpus.vocabulary.size()) corpus.vocabulary.token(id);  // throws: out of range
      const std::int32_t mapped = map[static_cast<std::size_t>(id)];
      if (mapped < 0)
        SYMPHONIC_THROW(music::VocabularyError("token \"" + corpus.vocabulary.token(id) +
                                               "\" is not in the vocabulary, which has no unknown token"));
      id = mapped;
    }
  corpus.vocabulary = vocabulary;
}

}  // namespace data
SYMPHONIC_NAMESPACE_END
