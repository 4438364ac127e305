// symphonic/detail/file_io.hpp - whole-file reads and atomic whole-file writes.
//
// Every file symphonic writes (MIDI, vocabularies, checkpoints) goes through write_file_atomic:
// the bytes go to a temporary file beside the target, are flushed to disk, and only then renamed
// over the target. A crash or a kill at any moment leaves either the old file or the new one,
// never a half-written one.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace detail {

inline std::string errno_text() { return std::strerror(errno); }

/// `infix` inserted before the file name's extension: ("model.safetensors", ".last") ->
/// "model.last.safetensors", ("song.mid", "-2") -> "song-2.mid"; appended when the name has none
/// (a leading dot, as in ".mid", starts a hidden name, not an extension).
inline std::string insert_before_extension(const std::string& path, const std::string& infix) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot == slash + 1) return path + infix;
  return path.substr(0, dot) + infix + path.substr(dot);
}

/// Reads a whole file into memory; throws io::FileError when it cannot.
inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) SYMPHONIC_THROW(io::FileError(path, "cannot open for reading: " + errno_text()));
  std::vector<std::uint8_t> bytes;
  std::uint8_t chunk[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(chunk, 1, sizeof chunk, file);
    bytes.insert(bytes.end(), chunk, chunk + got);
    if (got < sizeof chunk) break;
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) SYMPHONIC_THROW(io::FileError(path, "read failed"));
  return bytes;
}

/// Writes `size` bytes to `path` atomically (temporary file, flush, fsync, rename).
/// On any failure the temporary file is removed, the target is untouched, and io::FileError
/// is thrown.
inline void write_file_atomic(const std::string& path, const void* data, std::size_t size) {
  static std::atomic<unsigned> counter{0};
  std::string temporary = path + ".tmp";
#if defined(__unix__) || defined(__APPLE__)
  temporary += "." + std::to_string(static_cast<long>(::getpid()));
#endif
  temporary += "." + std::to_string(counter.fetch_add(1));

  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (!file) SYMPHONIC_THROW(io::FileError(path, "cannot create temporary file: " + errno_text()));
  bool ok = size == 0 || std::fwrite(data, 1, size, file) == size;
  ok = std::fflush(file) == 0 && ok;
#if defined(__unix__) || defined(__APPLE__)
  ok = ::fsync(::fileno(file)) == 0 && ok;
#endif
  ok = std::fclose(file) == 0 && ok;
  if (!ok) {
    const std::string reason = errno_text();
    std::remove(temporary.c_str());
    SYMPHONIC_THROW(io::FileError(path, "write failed: " + reason));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = errno_text();
    std::remove(temporary.c_str());
    SYMPHONIC_THROW(io::FileError(path, "cannot rename temporary file into place: " + reason));
  }
}

inline void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, text.data(), text.size());
}

inline void write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace detail
SYMPHONIC_NAMESPACE_END
