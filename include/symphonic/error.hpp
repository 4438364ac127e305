// symphonic/error.hpp - the exception hierarchy.
//
//   std::runtime_error
//     symphonic::Error                 base; what() starts with "[symphonic.<area>]"
//       midi::ParseError               byte_offset(), track(), expected()  - bad MIDI input
//       midi::WriteError               data a Standard MIDI File cannot represent
//       music::VocabularyError         token id or event out of range, malformed vocabulary file
//       nn::ShapeError                 expected vs actual dimensions
//       nn::IdError                    id(), vocab_size()  - a token id a model cannot take
//       io::CheckpointError            section()  - bad magic, version, checksum, truncation
//       io::FileError                  a file that cannot be opened, read or written
//       data::DataError                settings of windows, batches, the split or transposition
//       data::CacheError               path(), section()  - a token cache that is corrupt or foreign
//
// User data (MIDI bytes, checkpoints, ids from callers) always gets an exception, in release
// builds too. The library needs C++ exceptions: it catches some itself (a worker thread's error
// is carried to the caller), so a -fno-exceptions build is not supported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN

/// Base of every exception symphonic throws.
class Error : public std::runtime_error {
 public:
  /// `area` is the dotted id of the kind of error, e.g. "midi.parse_error".
  Error(const std::string& area, const std::string& message)
      : std::runtime_error("[symphonic." + area + "] " + message) {}
};

namespace midi {

/// A MIDI byte stream that cannot be read (strict mode), or cannot be repaired (tolerant mode).
class ParseError : public Error {
 public:
  /// `byte_offset` is 0-based from the first byte of the stream; `track` is the 0-based index of
  /// the track chunk being read, or -1 outside any track.
  ParseError(std::size_t byte_offset, int track, const std::string& expected)
      : Error("midi.parse_error", describe(byte_offset, track, expected)),
        byte_offset_(byte_offset),
        track_(track),
        expected_(expected) {}

  /// 0-based offset of the offending byte from the first byte of the stream.
  std::size_t byte_offset() const noexcept { return byte_offset_; }
  /// 0-based index of the track chunk, -1 when the error is outside any track.
  int track() const noexcept { return track_; }
  /// What the reader expected at that place, in words.
  const std::string& expected() const noexcept { return expected_; }

 private:
  static std::string describe(std::size_t offset, int track, const std::string& expected) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%zX", offset);
    std::string text = "byte " + std::to_string(offset) + " (" + hex + ")";
    if (track >= 0) text += ", track " + std::to_string(track);
    return text + ": " + expected;
  }

  std::size_t byte_offset_;
  int track_;
  std::string expected_;
};

/// A file model that a Standard MIDI File cannot represent (e.g. a data byte over 127).
class WriteError : public Error {
 public:
  explicit WriteError(const std::string& message) : Error("midi.write_error", message) {}
};

}  // namespace midi

namespace music {

/// A token id or event out of range, or a vocabulary file that cannot be read.
class VocabularyError : public Error {
 public:
  explicit VocabularyError(const std::string& message)
      : Error("music.vocabulary_error", message) {}
};

}  // namespace music

namespace nn {

/// Dimensions that do not agree with what a layer or model was built for.
class ShapeError : public Error {
 public:
  ShapeError(const std::string& what, std::int64_t expected, std::int64_t actual)
      : Error("nn.shape_error", what + ": expected " + std::to_string(expected) + ", got " +
                                    std::to_string(actual)),
        expected_(expected),
        actual_(actual) {}

  std::int64_t expected() const noexcept { return expected_; }
  std::int64_t actual() const noexcept { return actual_; }

 private:
  std::int64_t expected_;
  std::int64_t actual_;
};

/// A token id outside [0, vocab_size) given to a model, as an input or as a target; the message
/// says where (sequence and step, or the target's index).
class IdError : public Error {
 public:
  IdError(const std::string& where, std::int64_t id, std::int64_t vocab_size)
      : Error("nn.id_error", where + ": token id " + std::to_string(id) + " outside [0, " +
                                 std::to_string(vocab_size) + ")"),
        id_(id),
        vocab_size_(vocab_size) {}

  std::int64_t id() const noexcept { return id_; }
  std::int64_t vocab_size() const noexcept { return vocab_size_; }

 private:
  std::int64_t id_;
  std::int64_t vocab_size_;
};

}  // namespace nn

namespace io {

/// A checkpoint that cannot be loaded; section() names the part that failed
/// ("header", "metadata", "tensor:<name>", "checksum", "version", ...).
class CheckpointError : public Error {
 public:
  CheckpointError(const std::string& section, const std::string& message)
      : Error("io.checkpoint_error", section + ": " + message), section_(section) {}

  const std::string& section() const noexcept { return section_; }

 private:
  std::string section_;
};

/// A file that cannot be opened, read, written or renamed; path() names it.
class FileError : public Error {
 public:
  FileError(const std::string& path, const std::string& message)
      : Error("io.file_error", path + ": " + message), path_(path) {}

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace io

namespace data {

/// Data settings that make no sense (a window or batch size under 1, a split share outside
/// [0, 1), a transposition range out of bounds) or a cache of another encoder.
class DataError : public Error {
 public:
  explicit DataError(const std::string& message) : Error("data.data_error", message) {}
};

/// A corpus token cache (data/token_cache.hpp) that cannot be used: not a cache, another
/// version, a checksum or structure that does not hold, or made with another encoder. path()
/// names the file, section() the part that failed ("magic", "version", "checksum", "entries",
/// "encoder", ...). Such a file is never rebuilt over: the caller decides.
class CacheError : public Error {
 public:
  CacheError(const std::string& path, const std::string& section, const std::string& message)
      : Error("data.cache_error", path + ": " + section + ": " + message), path_(path), section_(section) {}

  const std::string& path() const noexcept { return path_; }
  const std::string& section() const noexcept { return section_; }

 private:
  std::string path_, section_;
};

}  // namespace data

SYMPHONIC_NAMESPACE_END
