// symphonic/data/token_cache.hpp - a corpus tokenized once and kept in one file, reused while
// its MIDI files are unchanged (the recipe pickled its notes for the same reason).
//
//   data::CacheReport report;
//   data::Corpus corpus = data::load_corpus_cached("midi_songs", "songs.tokens", *encoder, {}, 0, &report);
//   // the same Corpus as data::load_corpus("midi_songs", *encoder), id for id
//
// Each file is remembered by its path relative to the corpus folder, its size, its modification
// time and a hash of its bytes (common/content_hash.hpp). On the next load every file is
// stat()ed: an unchanged one is not read; a file whose time or size changed is read and hashed,
// and re-tokenized only when its bytes changed; new files are tokenized and files that are gone
// are dropped. Files that could not be read are remembered with their error, so they are not
// retried until they change. The stamp is taken before the read, so a file written while it is
// read is seen as changed next time. Tokens are stored as 32-bit indices into one token table,
// with each token's count over the untransposed pieces, so a load builds the vocabulary without
// counting and its cost is one pass over the ids (memory bandwidth, not parsing).
//
// A cache can also hold transposed copies of pieces (entries with semitones != 0, see
// data/augment.hpp), keyed by (path, semitones). Entries are kept, and written, sorted by that
// key, so a sorted folder walk meets them in its own order and finds each in a step, with no
// index of every path to build. A read keeps the ids in the buffer the file was read into (its
// id section starts at a multiple of 4 bytes), and its checksum runs at several GB/s
// (io/detail/crc32.hpp).
//
// File format, little-endian:
//   "symphonic-tokens" (16 bytes)   u32 format version (1)   u32 0
//   u32 n, encoder options text (n bytes)
//   u32 token count; each token: u32 n, n bytes; u64 count over the untransposed pieces
//   u64 entry count; each entry (sorted by path, then semitones; older files in any order):
//     u32 n, path relative to the corpus folder (n bytes); i32 semitones
//     u64 size in bytes; i64 modification time in ns; u64 content hash
//     u32 n, error text (n bytes; empty when the file was read)
//     u64 id count
//   zero bytes to a multiple of 4; every entry's ids, one after another (u32 token indices)
//   u32 CRC-32 of every byte before it; "end!"
// Written atomically (detail/file_io.hpp). A file that is not a cache, of another version,
// truncated, with a wrong checksum or made with another encoder is a data::CacheError naming
// it, never rebuilt over.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "symphonic/common/content_hash.hpp"
#include "symphonic/config.hpp"
#include "symphonic/data/corpus.hpp"
#include "symphonic/data/dataset.hpp"
#include "symphonic/detail/file_io.hpp"
#include "symphonic/error.hpp"
#include "symphonic/io/detail/crc32.hpp"
#include "symphonic/midi/read.hpp"
#include "symphonic/music/encoder.hpp"
#include "symphonic/music/vocabulary.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace data {

/// What an update of a cache did, for a program to print.
struct CacheReport {
  std::size_t reused = 0;     ///< files not read: size and time unchanged
  std::size_t touched = 0;    ///< read again because the time changed, but the same bytes: not re-tokenized
  std::size_t tokenized = 0;  ///< new or changed files, tokenized
  std::size_t removed = 0;    ///< entries of files no longer in the folder, dropped
  bool created = false;       ///< there was no cache file yet

  bool changed() const { return created || touched || tokenized || removed; }
  std::string summary() const {
    std::string s = created ? "new cache: " : "cache: ";
    s += std::to_string(reused) + " files reused, " + std::to_string(tokenized) + " tokenized";
    if (touched) s += ", " + std::to_string(touched) + " touched but unchanged";
    if (removed) s += ", " + std::to_string(removed) + " gone";
    return s;
  }
};

namespace detail {
inline const char* cache_magic() { return "symphonic-tokens"; }  // 16 bytes, no terminator stored
constexpr std::uint32_t kCacheVersion = 1;

/// `path` relative to the folder `root`.
inline std::string relative_to(const std::string& root, const std::string& path) {
  return std::string(RelativePaths(root)(path));
}

/// Appends little-endian integers and length-prefixed text to a byte buffer.
struct ByteWriter {
  std::vector<std::uint8_t> bytes;
  template <class T>
  void integer(T value) {
    auto v = static_cast<std::uint64_t>(value);
    for (std::size_t i = 0; i < sizeof(T); ++i, v >>= 8) bytes.push_back(static_cast<std::uint8_t>(v & 0xFF));
  }
  void text(const std::string& s) {
    integer(static_cast<std::uint32_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
};

/// Numbers strings in the order they are first seen (0, 1, 2 ...): one file's tokens, most of
/// them repeats of a few dozen. Open addressing over a power-of-two table of (hash, number + 1),
/// kept at most half full; the strings are views, so they must outlive it.
class FirstSeen {
 public:
  std::uint32_t number(std::string_view s) {
    if (2 * (distinct_.size() + 1) > slots_.size()) grow();
    const std::uint32_t h = hash(s);
    for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& slot = slots_[i];
      if (slot.number == 0) {
        distinct_.push_back(s);
        slot = {h, static_cast<std::uint32_t>(distinct_.size())};
        return slot.number - 1;
      }
      if (slot.hash == h && distinct_[slot.number - 1] == s) return slot.number - 1;
    }
  }
  /// The strings by number.
  const std::vector<std::string_view>& distinct() const { return distinct_; }

 private:
  struct Slot {
    std::uint32_t hash = 0, number = 0;  // number 0: empty
  };
  // FNV-1a, then its high bits folded down (the table uses the low ones)
  static std::uint32_t hash(std::string_view s) {
    std::uint64_t h = 0xCBF29CE484222325ULL;
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }
  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(64, 2 * slots_.size()));
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.number == 0) continue;
      std::size_t i = slot.hash & (slots_.size() - 1);
      while (slots_[i].number != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = slot;
    }
  }
  std::vector<Slot> slots_;
  std::vector<std::string_view> distinct_;
};

/// Reads what ByteWriter wrote, every read bounds-checked: a short file is a CacheError.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* bytes, std::size_t end, const std::string& path)
      : bytes_(bytes), end_(end), path_(path) {}
  template <class T>
  T integer(const char* section) {
    need(sizeof(T), section);
    std::uint64_t v = 0;
    for (std::size_t i = sizeof(T); i-- > 0;) v = (v << 8) | bytes_[at_ + i];
    at_ += sizeof(T);
    return static_cast<T>(v);
  }
  std::string text(const char* section) {
    const std::uint32_t n = integer<std::uint32_t>(section);
    need(n, section);
    std::string s(reinterpret_cast<const char*>(bytes_ + at_), n);
    at_ += n;
    return s;
  }
  void need(std::uint64_t n, const char* section) const {
    if (n > end_ - at_) SYMPHONIC_THROW(CacheError(path_, section, "ends early (the file is truncated or not a cache)"));
  }
  std::size_t at() const { return at_; }
  void skip(std::size_t n, const char* section) {
    need(n, section);
    at_ += n;
  }

 private:
  const std::uint8_t* bytes_;
  std::size_t end_, at_ = 0;
  std::string path_;
};
}  // namespace detail

/// The cache in memory: a token table and one entry per (file, transposition).
class TokenCache {
 public:
  struct Entry {
    std::string path;  ///< relative to the corpus folder
    int semitones = 0;
    FileStamp stamp;
    std::uint64_t hash = 0;
    std::string error;  ///< why the file could not be tokenized; empty when it was
    std::uint64_t offset = 0, count = 0;  ///< where its ids are (see ids())
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  explicit TokenCache(std::string encoder_options) : encoder_options_(std::move(encoder_options)) {}

  /// Reads a cache file; throws data::CacheError when it is not a valid cache for this encoder,
  /// io::FileError when it cannot be read. The ids stay where the read put them (no copy).
  static TokenCache read(const std::string& path, const std::string& encoder_options) {
    // a cache is read whole: refuse one that cannot fit before reading it
    symphonic::detail::FileWords file;
    std::uint32_t crc = 0;  // of every byte before the last 8, run as they arrive
    std::size_t crc_done = 0;
    symphonic::detail::read_file_into(path, memory_limit(), file, [&](const std::uint8_t* data, std::size_t got) {
      if (got > crc_done + 8) {
        crc = io::detail::crc32(data + crc_done, got - 8 - crc_done, crc);
        crc_done = got - 8;
      }
    });
    const std::uint8_t* bytes = file.data();
    const auto fail = [&](const char* section, const std::string& what) {
      SYMPHONIC_THROW(CacheError(path, section, what));
    };
    if (file.size() < 16 + 8 + 8 || std::memcmp(bytes, detail::cache_magic(), 16) != 0)
      fail("magic", "not a symphonic token cache (it does not start with \"symphonic-tokens\")");
    if (std::memcmp(bytes + file.size() - 4, "end!", 4) != 0) fail("end", "truncated: the end marker is missing");
    const std::size_t body = file.size() - 8;
    const std::uint32_t stored_crc = static_cast<std::uint32_t>(bytes[body]) | std::uint32_t(bytes[body + 1]) << 8 |
                                     std::uint32_t(bytes[body + 2]) << 16 | std::uint32_t(bytes[body + 3]) << 24;
    if (crc_done < body) crc = io::detail::crc32(bytes + crc_done, body - crc_done, crc);  // what arrived last
    if (crc != stored_crc) fail("checksum", "the CRC-32 does not match: the file is damaged");
    detail::ByteReader in(bytes, body, path);
    in.skip(16, "magic");
    const auto version = in.integer<std::uint32_t>("version");
    if (version != detail::kCacheVersion)
      fail("version", "format version " + std::to_string(version) + ", this build reads version " +
                          std::to_string(detail::kCacheVersion));
    in.integer<std::uint32_t>("version");
    TokenCache cache(in.text("encoder"));
    if (cache.encoder_options_ != encoder_options)
      fail("encoder", "made with encoder \"" + cache.encoder_options_ + "\", not \"" + encoder_options +
                          "\": give another cache file (or remove this one)");
    const auto tokens = in.integer<std::uint32_t>("tokens");
    in.need(std::uint64_t(tokens) * 12, "tokens");  // before reserving: a bad count cannot allocate much
    cache.table_.reserve(tokens);
    cache.counts_.reserve(tokens);
    for (std::uint32_t i = 0; i < tokens; ++i) {
      std::string token = in.text("tokens");
      if (!cache.index_.emplace(token, i).second) fail("tokens", "token \"" + token + "\" appears twice");
      cache.table_.push_back(std::move(token));
      cache.counts_.push_back(in.integer<std::int64_t>("tokens"));
    }
    const auto entries = in.integer<std::uint64_t>("entries");
    in.need(entries * 40, "entries");
    cache.entries_.reserve(static_cast<std::size_t>(entries));
    std::uint64_t total = 0;
    for (std::uint64_t e = 0; e < entries; ++e) {
      Entry entry;
      entry.path = in.text("entries");
      entry.semitones = in.integer<std::int32_t>("entries");
      entry.stamp.size = in.integer<std::uint64_t>("entries");
      entry.stamp.modified_ns = in.integer<std::int64_t>("entries");
      entry.hash = in.integer<std::uint64_t>("entries");
      entry.error = in.text("entries");
      entry.count = in.integer<std::uint64_t>("entries");
      entry.offset = total;
      if (entry.count > (body - in.at()) / 4) fail("entries", entry.path + " claims more ids than the file holds");
      total += entry.count;
      cache.entries_.push_back(std::move(entry));
    }
    // entries are kept sorted by (path, semitones), which is how write() stores them
    if (!std::is_sorted(cache.entries_.begin(), cache.entries_.end(), key_less))
      std::sort(cache.entries_.begin(), cache.entries_.end(), key_less);
    for (std::size_t i = 1; i < cache.entries_.size(); ++i)
      if (!key_less(cache.entries_[i - 1], cache.entries_[i])) fail("entries", cache.entries_[i].path + " appears twice");
    in.skip((4 - in.at() % 4) % 4, "ids");
    if (total * 4 != body - in.at()) fail("ids", "the entries' id counts do not add up to the ids stored");
    // the ids section starts at a multiple of 4 bytes: its words are used where they lie
    std::uint32_t* ids = file.words().get() + in.at() / 4;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    for (std::uint64_t i = 0; i < total; ++i) ids[i] = __builtin_bswap32(ids[i]);
#endif
    std::uint32_t largest = 0;  // a max over all, which vectorises; the first bad one is found after
    for (std::uint64_t i = 0; i < total; ++i) largest = std::max(largest, ids[i]);
    if (total && largest >= tokens)
      for (std::uint64_t i = 0; i < total; ++i)
        if (ids[i] >= tokens)
          fail("ids", "token index " + std::to_string(ids[i]) + " is outside the table of " + std::to_string(tokens));
    cache.stored_ = std::shared_ptr<const std::uint32_t>(file.words(), ids);
    cache.stored_count_ = total;
    return cache;
  }

  /// read() when `path` exists; an empty cache (report->created) when it does not.
  static TokenCache open(const std::string& path, const std::string& encoder_options, CacheReport* report = nullptr) {
    if (symphonic::detail::path_exists(path)) return read(path, encoder_options);
    if (report) report->created = true;
    return TokenCache(encoder_options);
  }

  /// Writes the cache atomically, with its token table cut to the tokens still used.
  void write(const std::string& path) const {
    // the tokens still used, in byte order, and each old index's new one
    std::vector<char> used(table_.size(), 0);
    for (const Entry& e : entries_) {
      const std::uint32_t* from = ids(e);
      for (std::uint64_t i = 0; i < e.count; ++i) used[from[i]] = 1;
    }
    std::vector<std::uint32_t> order;
    for (std::uint32_t i = 0; i < table_.size(); ++i)
      if (used[i]) order.push_back(i);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return table_[a] < table_[b]; });
    std::vector<std::uint32_t> renumber(table_.size(), 0);
    for (std::uint32_t k = 0; k < order.size(); ++k) renumber[order[k]] = k;

    detail::ByteWriter out;
    out.bytes.insert(out.bytes.end(), detail::cache_magic(), detail::cache_magic() + 16);
    out.integer<std::uint32_t>(detail::kCacheVersion);
    out.integer<std::uint32_t>(0);
    out.text(encoder_options_);
    out.integer<std::uint32_t>(static_cast<std::uint32_t>(order.size()));
    for (const std::uint32_t i : order) {
      out.text(table_[i]);
      out.integer<std::int64_t>(counts_[i]);
    }
    out.integer<std::uint64_t>(entries_.size());
    std::uint64_t total = 0;
    for (const Entry& e : entries_) {
      out.text(e.path);
      out.integer<std::int32_t>(e.semitones);
      out.integer<std::uint64_t>(e.stamp.size);
      out.integer<std::int64_t>(e.stamp.modified_ns);
      out.integer<std::uint64_t>(e.hash);
      out.text(e.error);
      out.integer<std::uint64_t>(e.count);
      total += e.count;
    }
    while (out.bytes.size() % 4) out.bytes.push_back(0);
    const std::size_t at = out.bytes.size();
    // room for the ids and the 8 bytes after them at once: growing by those 8 would copy it all
    out.bytes.reserve(at + static_cast<std::size_t>(total) * 4 + 8);
    out.bytes.resize(at + static_cast<std::size_t>(total) * 4);
    std::uint8_t* p = out.bytes.data() + at;
    for (const Entry& e : entries_) {
      const std::uint32_t* from = ids(e);
      for (std::uint64_t i = 0; i < e.count; ++i, p += 4) {
        const std::uint32_t v = renumber[from[i]];
        p[0] = static_cast<std::uint8_t>(v);
        p[1] = static_cast<std::uint8_t>(v >> 8);
        p[2] = static_cast<std::uint8_t>(v >> 16);
        p[3] = static_cast<std::uint8_t>(v >> 24);
      }
    }
    out.integer<std::uint32_t>(io::detail::crc32(out.bytes.data(), out.bytes.size()));
    out.bytes.insert(out.bytes.end(), {'e', 'n', 'd', '!'});
    symphonic::detail::write_file_atomic(path, out.bytes);
  }

  /// Brings the entries of `files` (full paths under the folder `root`) at `semitones` up to
  /// date, reading `threads` files at a time; see the top of this file. Counts into `report`.
  /// `stamps`, when given, are the files' stamps as a folder scan saw them (FolderScan::stamps),
  /// so that they are not stat-ed again. Files in sorted order (as a scan gives them) are matched
  /// to their entries in one pass; any order works.
  void update(const std::string& root, const std::vector<std::string>& files, int semitones,
              const music::Encoder& encoder, int threads, CacheReport* report = nullptr,
              const std::vector<FileStamp>* stamps = nullptr) {
    struct Job {
      std::size_t file = 0;
      std::size_t entry = npos;  ///< npos: a file the cache does not know yet
      FileStamp stamp;
      bool same_bytes = false;
      std::uint64_t hash = 0;
      std::vector<std::uint32_t> ids;  ///< indices into the cache's token table
      std::string error;
    };
    const detail::RelativePaths relative(root);
    CacheReport local;
    std::mutex table_mutex;  // intern() while files are tokenized
    std::vector<Job> jobs;
    std::unordered_set<std::string_view> unknown;  // a file listed twice gets one new entry
    std::size_t cursor = 0;
    for (std::size_t f = 0; f < files.size(); ++f) {
      Job job;
      job.file = f;
      job.entry = locate(relative(files[f]), semitones, &cursor);
      if (job.entry == npos && !unknown.insert(relative(files[f])).second) continue;
      struct stat info {};
      if (stamps || ::stat(files[f].c_str(), &info) == 0) {
        job.stamp = stamps ? (*stamps)[f] : detail::stamp_of(info);
        if (job.entry != npos && entries_[job.entry].stamp == job.stamp) {
          ++local.reused;
          continue;
        }
      }  // else: read below, which reports why
      jobs.push_back(std::move(job));
    }
    data::detail::for_each_index(jobs.size(), threads, [&](std::size_t j) {
      Job& job = jobs[j];
      const std::string& path = files[job.file];
      try {
        const std::vector<std::uint8_t> bytes = symphonic::detail::read_file(path, midi::ReadOptions{}.max_file_bytes);
        job.hash = common::content_hash(bytes.data(), bytes.size());
        if (job.entry != npos && entries_[job.entry].hash == job.hash && entries_[job.entry].stamp.size == bytes.size()) {
          job.same_bytes = true;
          return;
        }
        const midi::File file = midi::read(bytes);
        // interned as soon as the file is tokenized: what waits for the merge is 4 bytes a token,
        // not a string. The file's own distinct tokens first (no lock), then those few into the
        // cache's table under the lock; the table's order then depends on the threads, but
        // write() stores tokens in byte order and the counts do not depend on it.
        const std::vector<std::string> tokens = encoder.encode_file(semitones == 0 ? file : transpose(file, semitones));
        detail::FirstSeen index;
        job.ids.reserve(tokens.size());
        for (const std::string& token : tokens) job.ids.push_back(index.number(token));
        const std::vector<std::string_view>& distinct = index.distinct();
        std::vector<std::uint32_t> to_table(distinct.size());
        {
          const std::lock_guard<std::mutex> lock(table_mutex);
          for (std::size_t k = 0; k < distinct.size(); ++k) to_table[k] = intern(distinct[k]);
        }
        for (std::uint32_t& id : job.ids) id = to_table[id];
      } catch (const std::exception& e) {
        job.error = e.what();
        if (job.error.empty()) job.error = "unknown error";
      }
    });
    std::vector<Entry> fresh;  // entries of files new to the cache, merged in sorted at the end
    fresh.reserve(unknown.size());
    for (Job& job : jobs) {
      if (job.entry == npos) {
        fresh.emplace_back();
        fresh.back().path = std::string(relative(files[job.file]));
        fresh.back().semitones = semitones;
      }
      Entry& entry = job.entry == npos ? fresh.back() : entries_[job.entry];
      entry.stamp = job.stamp;
      if (job.same_bytes) {
        ++local.touched;
        continue;
      }
      ++local.tokenized;
      count(entry, -1);
      entry.hash = job.hash;
      entry.error = std::move(job.error);
      entry.offset = stored_count_ + added_.size();
      entry.count = job.ids.size();
      added_.insert(added_.end(), job.ids.begin(), job.ids.end());
      std::vector<std::uint32_t>().swap(job.ids);  // held once, not twice, at the peak
      count(entry, +1);
    }
    if (!fresh.empty()) {
      std::sort(fresh.begin(), fresh.end(), key_less);
      const std::size_t known = entries_.size();
      entries_.insert(entries_.end(), std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()));
      std::inplace_merge(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(known), entries_.end(), key_less);
    }
    if (report) {
      report->reused += local.reused;
      report->touched += local.touched;
      report->tokenized += local.tokenized;
    }
  }

  /// Drops the entries (at every transposition) of files not in `files`; returns how many.
  std::size_t keep_only(const std::string& root, const std::vector<std::string>& files) {
    const detail::RelativePaths relative(root);
    std::vector<std::string_view> present;
    present.reserve(files.size());
    for (const std::string& f : files) present.push_back(relative(f));
    if (!std::is_sorted(present.begin(), present.end())) std::sort(present.begin(), present.end());
    // both sorted by path: one walk tells which entries are still there
    std::vector<char> kept(entries_.size());
    std::size_t dropped = 0;
    for (std::size_t i = 0, j = 0; i < entries_.size(); ++i) {
      const std::string_view path(entries_[i].path);
      while (j < present.size() && present[j] < path) ++j;
      kept[i] = j < present.size() && present[j] == path;
      dropped += !kept[i];
    }
    if (dropped == 0) return 0;  // the usual reload: the entries stand as they are
    std::vector<Entry> still;
    still.reserve(entries_.size() - dropped);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (kept[i])
        still.push_back(std::move(entries_[i]));
      else
        count(entries_[i], -1);
    }
    entries_ = std::move(still);
    return dropped;
  }

  /// The index in entries() of (path relative to the folder, semitones), or npos. `cursor`, when
  /// given, is where to look first (the entry after the one the last call found, which it then
  /// becomes): a walk over files in sorted order finds each entry in a step or a few.
  std::size_t locate(std::string_view path, int semitones, std::size_t* cursor = nullptr) const {
    if (cursor)
      for (std::size_t j = *cursor, end = std::min(entries_.size(), *cursor + 32); j < end; ++j) {
        const int order = compare(entries_[j], path, semitones);
        if (order == 0) return *cursor = j + 1, j;
        if (order > 0) break;  // passed where it would be
      }
    const auto it = std::lower_bound(entries_.begin(), entries_.end(), 0, [&](const Entry& e, int) {
      return compare(e, path, semitones) < 0;
    });
    if (it == entries_.end() || compare(*it, path, semitones) != 0) return npos;
    const auto found = static_cast<std::size_t>(it - entries_.begin());
    if (cursor) *cursor = found + 1;
    return found;
  }

  /// The entry of (path relative to the folder, semitones), or null.
  const Entry* find(const std::string& path, int semitones) const {
    const std::size_t i = locate(path, semitones);
    return i == npos ? nullptr : &entries_[i];
  }

  const std::string& encoder_options() const { return encoder_options_; }
  /// Sorted by (path, semitones).
  const std::vector<Entry>& entries() const { return entries_; }
  const std::vector<std::string>& table() const { return table_; }
  /// Each table token's count over the untransposed entries.
  const std::vector<std::int64_t>& counts() const { return counts_; }
  /// The e.count ids of `e`: in the file read() read when it was there, else tokenized since.
  const std::uint32_t* ids(const Entry& e) const {
    return e.offset < stored_count_ ? stored_.get() + e.offset : added_.data() + (e.offset - stored_count_);
  }

  /// The ids of `e` as ids of `vocabulary` (which must know how to map every table token: see
  /// vocabulary_map); tokens it leaves out (-1) are dropped, as load_corpus drops them.
  std::vector<std::int32_t> ids_in(const Entry& e, const std::vector<std::int32_t>& table_to_vocabulary) const {
    std::vector<std::int32_t> out(static_cast<std::size_t>(e.count));
    const std::uint32_t* from = ids(e);
    // a gather with no step depending on the one before; the rare drop is a second pass
    std::int32_t any_dropped = 0;
    for (std::uint64_t i = 0; i < e.count; ++i) {
      out[i] = table_to_vocabulary[from[i]];
      any_dropped |= out[i];
    }
    if (any_dropped < 0) out.erase(std::remove(out.begin(), out.end(), -1), out.end());
    return out;
  }

  /// For each table token, its id in `vocabulary` (-1 where it has none and no unknown token).
  std::vector<std::int32_t> vocabulary_map(const music::Vocabulary& vocabulary) const {
    std::vector<std::int32_t> map(table_.size());
    for (std::size_t i = 0; i < table_.size(); ++i) map[i] = vocabulary.id(table_[i]);
    return map;
  }

 private:
  static std::uint64_t memory_limit() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return std::uint64_t(1) << 40;
    return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) / 2;  // and room for the corpus it becomes
  }

  // (path, semitones) order: <0, 0, >0 as `e` comes before, at or after the key
  static int compare(const Entry& e, std::string_view path, int semitones) {
    const int c = std::string_view(e.path).compare(path);
    return c != 0 ? c : (e.semitones > semitones) - (e.semitones < semitones);
  }
  static bool key_less(const Entry& a, const Entry& b) { return compare(a, b.path, b.semitones) < 0; }

  std::uint32_t intern(std::string_view token) {
    const auto inserted = index_.try_emplace(std::string(token), static_cast<std::uint32_t>(table_.size()));
    if (inserted.second) {
      table_.emplace_back(token);
      counts_.push_back(0);
    }
    return inserted.first->second;
  }

  // the untransposed pieces' counts follow their entries, so the vocabulary needs no counting
  void count(const Entry& e, int sign) {
    if (e.semitones != 0) return;
    const std::uint32_t* from = ids(e);
    for (std::uint64_t i = 0; i < e.count; ++i) counts_[from[i]] += sign;
  }

  std::string encoder_options_;
  std::vector<std::string> table_;
  std::vector<std::int64_t> counts_;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<Entry> entries_;  // sorted by (path, semitones)
  // ids at offsets below stored_count_ lie in the file read() read, shared by copies of the
  // cache; those of entries tokenized since are in added_
  std::shared_ptr<const std::uint32_t> stored_;
  std::uint64_t stored_count_ = 0;
  std::vector<std::uint32_t> added_;
};

/// load_corpus(dir, encoder, options, threads) through `cache`, for the files `scan` found in
/// `dir` (scan_midi_folder): their entries are brought up to date (TokenCache::update, then
/// keep_only), and the corpus assembled from them, the same as load_corpus's piece for piece and
/// id for id. The caller writes the cache when report->changed().
inline Corpus load_corpus(TokenCache& cache, const std::string& dir, const FolderScan& scan,
                          const music::Encoder& encoder, music::VocabularyOptions options = {}, int threads = 0,
                          CacheReport* report = nullptr) {
  if (cache.encoder_options() != encoder.options_text())
    SYMPHONIC_THROW(DataError("the cache holds tokens of encoder \"" + cache.encoder_options() + "\", not of \"" +
                              encoder.options_text() + "\""));
  CacheReport local;
  cache.update(dir, scan.files, 0, encoder, threads, &local, &scan.stamps);
  local.removed = cache.keep_only(dir, scan.files);

  Corpus corpus;
  corpus.folder_summary = scan.summary();
  std::unordered_map<std::string, std::int64_t> counts;
  for (std::size_t i = 0; i < cache.table().size(); ++i)
    if (cache.counts()[i] > 0) counts.emplace(cache.table()[i], cache.counts()[i]);
  corpus.vocabulary = music::Vocabulary::from_counts(std::move(counts), options, encoder.options_text());
  const std::vector<std::int32_t> map = cache.vocabulary_map(corpus.vocabulary);
  // the entries in folder order (one cursor walk), then each piece's ids gathered on the threads
  const detail::RelativePaths relative(dir);
  std::vector<const TokenCache::Entry*> found;
  found.reserve(scan.files.size());
  corpus.pieces.reserve(scan.files.size());
  std::size_t cursor = 0;
  for (const std::string& path : scan.files) {
    const TokenCache::Entry* entry = &cache.entries()[cache.locate(relative(path), 0, &cursor)];
    if (entry->error.empty()) {
      found.push_back(entry);
      corpus.pieces.emplace_back().name = path;
    } else {
      corpus.failed.push_back(path + ": " + entry->error);
    }
  }
  constexpr std::size_t run = 256;  // pieces a thread takes at once
  std::exception_ptr failure;        // out of memory in a worker: thrown here, as without threads
  std::mutex failure_mutex;
  detail::for_each_index((found.size() + run - 1) / run, threads, [&](std::size_t r) {
    try {
      for (std::size_t i = r * run; i < std::min(found.size(), (r + 1) * run); ++i)
        corpus.pieces[i].ids = cache.ids_in(*found[i], map);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  });
  if (failure) std::rethrow_exception(failure);
  if (report) {
    report->reused += local.reused;
    report->touched += local.touched;
    report->tokenized += local.tokenized;
    report->removed += local.removed;
  }
  return corpus;
}

/// The same, scanning `dir` first.
inline Corpus load_corpus(TokenCache& cache, const std::string& dir, const music::Encoder& encoder,
                          music::VocabularyOptions options = {}, int threads = 0, CacheReport* report = nullptr) {
  const FolderScan scan = scan_midi_folder(dir, 256, threads);
  return load_corpus(cache, dir, scan, encoder, std::move(options), threads, report);
}

/// load_corpus(dir, encoder, options, threads), through the cache file `cache_path`: made when
/// missing, brought up to date and rewritten when files changed, only read when none did.
/// Throws data::CacheError for a file that is not a valid cache of this encoder (left as it is).
inline Corpus load_corpus_cached(const std::string& dir, const std::string& cache_path, const music::Encoder& encoder,
                                 music::VocabularyOptions options = {}, int threads = 0,
                                 CacheReport* report = nullptr) {
  CacheReport local;
  // The folder scan (system calls, mostly) and the cache's read (a copy and a checksum) do not
  // depend on each other: given more than one thread, the scan runs beside the read. The errors
  // are those of the two in sequence: the cache's first.
  FolderScan scan;
  TokenCache cache(encoder.options_text());
  if (detail::thread_count(threads, 2) > 1) {
    std::exception_ptr scan_error;
    std::thread scanner([&] {
      try {
        scan = scan_midi_folder(dir, 256, threads);
      } catch (...) {
        scan_error = std::current_exception();
      }
    });
    try {
      cache = TokenCache::open(cache_path, encoder.options_text(), &local);
    } catch (...) {
      scanner.join();
      throw;
    }
    scanner.join();
    if (scan_error) std::rethrow_exception(scan_error);
  } else {
    cache = TokenCache::open(cache_path, encoder.options_text(), &local);
    scan = scan_midi_folder(dir, 256, threads);
  }
  Corpus corpus = load_corpus(cache, dir, scan, encoder, std::move(options), threads, &local);
  if (local.changed()) cache.write(cache_path);
  if (report) *report = local;
  return corpus;
}

}  // namespace data
SYMPHONIC_NAMESPACE_END
