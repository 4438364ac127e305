// symphonic/io/detail/atomic_file.hpp - a file written piece by piece that appears under its
// name only when complete, and a whole-file reader with one allocation.
//
// The bytes go to "<path>.tmp.<pid>.<n>" in the same directory (so the final rename stays on one
// file system and is atomic); commit() flushes, fsyncs, closes and renames it over <path>, then
// fsyncs the directory so the rename itself is durable. If commit() is never reached (an error,
// an exception thrown by the caller between two writes), the destructor removes the temporary
// file and <path> keeps its previous content.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <string>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#endif

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace io {
namespace detail {

class AtomicFile {
 public:
  /// Creates the temporary file; throws io::FileError when the directory is not writable.
  /// `durable` = false skips the fsync calls (tests, benchmarks of the format itself).
  explicit AtomicFile(const std::string& path, bool durable = true)
      : path_(path), durable_(durable) {
    static std::atomic<unsigned> counter{0};
    temporary_ = path + ".tmp";
#if defined(__unix__) || defined(__APPLE__)
    temporary_ += "." + std::to_string(static_cast<long>(::getpid()));
#endif
    temporary_ += "." + std::to_string(counter.fetch_add(1));
    file_ = std::fopen(temporary_.c_str(), "wb");
    if (!file_)
      SYMPHONIC_THROW(FileError(path, "cannot create temporary file " + temporary_ + ": " +
                                          std::strerror(errno)));
  }

  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  ~AtomicFile() {
    if (file_) std::fclose(file_);
    if (!committed_) std::remove(temporary_.c_str());
  }

  void write(const void* data, std::size_t size) {
    if (size != 0 && std::fwrite(data, 1, size, file_) != size)
      SYMPHONIC_THROW(FileError(path_, std::string("write failed: ") + std::strerror(errno)));
  }

  /// Overwrites `size` bytes at `offset` (already written), then continues at the end.
  void write_at(long offset, const void* data, std::size_t size) {
    if (std::fseek(file_, offset, SEEK_SET) != 0)
      SYMPHONIC_THROW(FileError(path_, std::string("seek failed: ") + std::strerror(errno)));
    write(data, size);
    if (std::fseek(file_, 0, SEEK_END) != 0)
      SYMPHONIC_THROW(FileError(path_, std::string("seek failed: ") + std::strerror(errno)));
  }

  /// Makes the new content visible under the final name.
  void commit() {
    bool ok = std::fflush(file_) == 0;
#if defined(__unix__) || defined(__APPLE__)
    if (ok && durable_) ok = ::fsync(::fileno(file_)) == 0;
#endif
    const int error = errno;
    ok = std::fclose(file_) == 0 && ok;
    file_ = nullptr;
    if (!ok) SYMPHONIC_THROW(FileError(path_, std::string("write failed: ") + std::strerror(error)));
    if (std::rename(temporary_.c_str(), path_.c_str()) != 0)
      SYMPHONIC_THROW(FileError(path_, std::string("cannot rename temporary file into place: ") +
                                           std::strerror(errno)));
    committed_ = true;
#if defined(__unix__) || defined(__APPLE__)
    if (durable_) {
      const std::size_t slash = path_.find_last_of('/');
      const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
      const int fd = ::open(dir.c_str(), O_RDONLY);
      if (fd >= 0) {
        static_cast<void>(::fsync(fd));  // best effort: some file systems refuse directory fsync
        ::close(fd);
      }
    }
#endif
  }

  const std::string& temporary_path() const { return temporary_; }

 private:
  std::string path_;
  std::string temporary_;
  std::FILE* file_ = nullptr;
  bool durable_ = true;
  bool committed_ = false;
};

/// Reads a whole file with one allocation of its current size (io::FileError when it cannot).
/// The size comes from the file system, not from the file's content; a file that changes while
/// being read is still read to its end.
inline std::vector<std::uint8_t> read_whole_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) SYMPHONIC_THROW(FileError(path, std::string("cannot open for reading: ") + std::strerror(errno)));
  std::vector<std::uint8_t> bytes;
  long size = -1;
  if (std::fseek(file, 0, SEEK_END) == 0) size = std::ftell(file);
  std::rewind(file);
  if (size > 0) bytes.resize(static_cast<std::size_t>(size));
  std::size_t got = bytes.empty() ? 0 : std::fread(bytes.data(), 1, bytes.size(), file);
  bytes.resize(got);
  if (size <= 0 || got == static_cast<std::size_t>(size)) {  // the file may have grown: read on
    unsigned char chunk[1 << 16];
    for (;;) {
      const std::size_t n = std::fread(chunk, 1, sizeof chunk, file);
      bytes.insert(bytes.end(), chunk, chunk + n);
      if (n < sizeof chunk) break;
    }
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) SYMPHONIC_THROW(FileError(path, "read failed"));
  return bytes;
}

}  // namespace detail
}  // namespace io
SYMPHONIC_NAMESPACE_END
