// symphonic/detail/file_io.hpp - bounded whole-file reads, and atomic writes that never replace
// what they should not. Every file symphonic reads or writes whole goes through here.
//
// Reading (read_file): only a regular file is read. A directory, a device, a fifo or a socket is
// refused before a byte is taken (so /dev/zero cannot fill memory, and a fifo cannot hang the
// reader), and so is a file larger than `max_bytes`, checked against the size the file system
// reports before the one allocation.
//
// Writing (AtomicFile, write_file_atomic): the bytes go to "<target>.tmp.<pid>.<n>" beside the
// target (created exclusively, so a name planted there is never followed), are flushed and
// fsynced, and only then renamed over the target, whose folder is then fsynced. A crash or a kill
// at any moment leaves the old file or the new one, never a half-written one. The target:
//   - a symbolic link is followed: the file it points to is replaced and the link stays (a link
//     to nothing is refused);
//   - something that exists must be a regular file: a directory, a device, a fifo or a socket is
//     refused, never replaced;
//   - an existing file keeps its permission bits (and, when root writes it, its owner).
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define SYMPHONIC_POSIX_FILES 1
#else
#define SYMPHONIC_POSIX_FILES 0
#endif

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace detail {

inline std::string errno_text() { return std::strerror(errno); }

/// The largest file read_file takes unless told otherwise (4 GiB); readers with a smaller natural
/// bound (a MIDI file) pass their own.
constexpr std::uint64_t kMaxFileBytes = std::uint64_t(4) << 30;

/// `infix` inserted before the file name's extension: ("model.safetensors", ".last") ->
/// "model.last.safetensors", ("song.mid", "-2") -> "song-2.mid"; appended when the name has none
/// (a leading dot, as in ".mid", starts a hidden name, not an extension).
inline std::string insert_before_extension(const std::string& path, const std::string& infix) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot == slash + 1) return path + infix;
  return path.substr(0, dot) + infix + path.substr(dot);
}

#if SYMPHONIC_POSIX_FILES
/// "a directory", "a fifo", ...: what a file that is not a regular one is, for error messages.
inline std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a fifo";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}
#endif

/// A file's bytes in 4-byte words, not zero-filled before the read (so a large file is written
/// to memory once), shared by copies: a format whose 32-bit fields lie at offsets that are
/// multiples of 4 can use them where they are (data/token_cache.hpp's ids).
class FileWords {
 public:
  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(words_.get()); }
  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(words_.get()); }
  std::size_t size() const { return size_; }
  /// The words, kept alive as long as the pointer or one of its copies is.
  const std::shared_ptr<std::uint32_t>& words() const { return words_; }
  /// Keeps the first `size` bytes (any new ones are not set).
  void resize(std::size_t size) {
    if (size > capacity_) {
      const std::size_t capacity = std::max(size, capacity_ + capacity_ / 2);
      std::shared_ptr<std::uint32_t> grown(new std::uint32_t[(capacity + 3) / 4], std::default_delete<std::uint32_t[]>());
      prefer_large_pages(grown.get(), capacity);
      if (size_) std::memcpy(grown.get(), words_.get(), size_);
      words_ = std::move(grown);
      capacity_ = capacity;
    }
    size_ = size;
  }

 private:
  // A buffer of many megabytes, filled once: in 2 MiB pages it takes a few page faults instead of
  // one per 4 KiB (Linux, where transparent huge pages are on or "madvise"; elsewhere nothing).
  static void prefer_large_pages(void* buffer, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    if (bytes < 4 * huge) return;
    const auto begin = (reinterpret_cast<std::uintptr_t>(buffer) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(buffer) + bytes) & ~(huge - 1);
    if (end > begin) static_cast<void>(::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE));
#else
    static_cast<void>(buffer);
    static_cast<void>(bytes);
#endif
  }

  std::shared_ptr<std::uint32_t> words_;
  std::size_t size_ = 0, capacity_ = 0;
};

/// Reads a whole regular file of at most `max_bytes` into `bytes` (a std::vector<std::uint8_t>
/// or FileWords); throws io::FileError naming the path when it cannot, when it is not a regular
/// file, or when it is larger. The bytes arrive in pieces of at most 256 KiB, and after each
/// piece `arrived(bytes.data(), bytes read so far)` is called, so that a checksum can run over
/// them while they are still in the CPU's cache.
template <class Bytes, class Arrived>
void read_file_into(const std::string& path, std::uint64_t max_bytes, Bytes& bytes, Arrived&& arrived) {
  const auto too_large = [&](std::uint64_t size) {
    SYMPHONIC_THROW(io::FileError(path, "is " + std::to_string(size) + " bytes, more than the limit of " +
                                            std::to_string(max_bytes) + " bytes for this kind of file"));
  };
#if SYMPHONIC_POSIX_FILES
  // O_NONBLOCK: opening a fifo must not wait for a writer before it can be refused
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) SYMPHONIC_THROW(io::FileError(path, "cannot open for reading: " + errno_text()));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) SYMPHONIC_THROW(io::FileError(path, "cannot inspect: " + errno_text()));
  if (!S_ISREG(info.st_mode))
    SYMPHONIC_THROW(io::FileError(path, "is " + file_kind(info.st_mode) + ", not a regular file: not read"));
  const std::uint64_t size = static_cast<std::uint64_t>(info.st_size);
  if (size > max_bytes) too_large(size);
  bytes.resize(static_cast<std::size_t>(size));
  constexpr std::size_t piece = std::size_t(1) << 18;
  std::size_t got = 0;
  std::uint8_t more[1 << 12];  // past the size fstat gave: the end, or bytes of a file still growing
  for (;;) {  // to the end, even if the file grows while it is read (up to the limit)
    const bool full = got == bytes.size();
    const ssize_t n = full ? ::read(fd, more, sizeof more)
                           : ::read(fd, bytes.data() + got, std::min(piece, bytes.size() - got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) SYMPHONIC_THROW(io::FileError(path, "read failed: " + errno_text()));
    if (n == 0) break;
    if (full) {  // grown since: the buffer grows with it (never copied in the usual case)
      if (got + static_cast<std::size_t>(n) > max_bytes) too_large(got + static_cast<std::size_t>(n));
      bytes.resize(got + static_cast<std::size_t>(n));
      std::memcpy(bytes.data() + got, more, static_cast<std::size_t>(n));
    }
    got += static_cast<std::size_t>(n);
    arrived(static_cast<const std::uint8_t*>(bytes.data()), got);
  }
  bytes.resize(got);
#else
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) SYMPHONIC_THROW(io::FileError(path, "cannot open for reading: " + errno_text()));
  bytes.resize(0);
  std::uint8_t chunk[1 << 16];
  (void)piece;
  for (;;) {
    const std::size_t got = std::fread(chunk, 1, sizeof chunk, file);
    const std::size_t at = bytes.size();
    bytes.resize(at + got);
    if (got) std::memcpy(bytes.data() + at, chunk, got);
    arrived(static_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    if (bytes.size() > max_bytes) {
      std::fclose(file);
      too_large(bytes.size());
    }
    if (got < sizeof chunk) break;
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) SYMPHONIC_THROW(io::FileError(path, "read failed"));
#endif
}

/// read_file_into a new byte vector.
inline std::vector<std::uint8_t> read_file(const std::string& path, std::uint64_t max_bytes = kMaxFileBytes) {
  std::vector<std::uint8_t> bytes;
  read_file_into(path, max_bytes, bytes, [](const std::uint8_t*, std::size_t) {});
  return bytes;
}

/// The file a write to `path` replaces: `path` itself, or where its symbolic link points; and,
/// when that file exists, its permission bits and owner, which the new file keeps.
struct WriteTarget {
  std::string path;
  bool exists = false;
  unsigned mode = 0;
  long long uid = -1, gid = -1;
};

/// Throws io::FileError when `path` must not be written: it is something other than a regular
/// file, or a symbolic link to nothing.
inline WriteTarget resolve_write_target(const std::string& path) {
  WriteTarget target;
  target.path = path;
#if SYMPHONIC_POSIX_FILES
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return target;
    SYMPHONIC_THROW(io::FileError(path, "cannot inspect: " + errno_text()));
  }
  if (S_ISLNK(info.st_mode)) {
    char* real = ::realpath(path.c_str(), nullptr);
    if (!real)
      SYMPHONIC_THROW(io::FileError(path, "is a symbolic link to nothing (" + errno_text() + "): not written"));
    target.path = real;
    std::free(real);
    if (::stat(target.path.c_str(), &info) != 0)
      SYMPHONIC_THROW(io::FileError(path, "cannot inspect " + target.path + ": " + errno_text()));
  }
  if (!S_ISREG(info.st_mode))
    SYMPHONIC_THROW(io::FileError(path, "is " + file_kind(info.st_mode) +
                                            ": symphonic replaces only regular files, so it is left as it is"));
  target.exists = true;
  target.mode = static_cast<unsigned>(info.st_mode & 07777);
  target.uid = static_cast<long long>(info.st_uid);
  target.gid = static_cast<long long>(info.st_gid);
#endif
  return target;
}

/// A file written piece by piece that appears under its name only when complete (see the file
/// comment). If commit() is never reached (an error, an exception thrown by the caller between two
/// writes), the destructor removes the temporary file and the target keeps its previous content.
class AtomicFile {
 public:
  /// Resolves the target and creates the temporary file; throws io::FileError when the target
  /// must not be written or its folder is not writable. `durable` = false skips the fsync calls
  /// (tests, benchmarks of a format itself).
  explicit AtomicFile(const std::string& path, bool durable = true)
      : path_(path), target_(resolve_write_target(path)), durable_(durable) {
    static std::atomic<unsigned> counter{0};
    temporary_ = target_.path + ".tmp";
#if SYMPHONIC_POSIX_FILES
    temporary_ += "." + std::to_string(static_cast<long>(::getpid()));
#endif
    temporary_ += "." + std::to_string(counter.fetch_add(1));
#if SYMPHONIC_POSIX_FILES
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0 && target_.exists) {  // keep the replaced file's permissions (and owner, where we may)
      static_cast<void>(::fchmod(fd_, static_cast<mode_t>(target_.mode)));
      if (::geteuid() == 0)
        static_cast<void>(::fchown(fd_, static_cast<uid_t>(target_.uid), static_cast<gid_t>(target_.gid)));
    }
    if (fd_ < 0)
#else
    file_ = std::fopen(temporary_.c_str(), "wb");
    if (!file_)
#endif
      SYMPHONIC_THROW(io::FileError(path, "cannot create temporary file " + temporary_ + ": " + errno_text()));
  }

  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  ~AtomicFile() {
#if SYMPHONIC_POSIX_FILES
    if (fd_ >= 0) ::close(fd_);
#else
    if (file_) std::fclose(file_);
#endif
    if (!committed_) std::remove(temporary_.c_str());
  }

  /// Appends `size` bytes. On POSIX straight to the descriptor, so that a short write (a full
  /// disk, a signal) is continued and a failing one (ENOSPC, EIO) is seen at once, not at a
  /// later buffer flush.
  void write(const void* data, std::size_t size) {
#if SYMPHONIC_POSIX_FILES
    write_fully(data, size, -1);
    end_ += static_cast<long>(size);
#else
    if (size != 0 && std::fwrite(data, 1, size, file_) != size)
      SYMPHONIC_THROW(io::FileError(path_, "write failed: " + errno_text()));
#endif
  }

  /// Overwrites `size` bytes at `offset` (already written); later writes continue at the end.
  void write_at(long offset, const void* data, std::size_t size) {
#if SYMPHONIC_POSIX_FILES
    SYMPHONIC_ASSERT(offset >= 0 && offset + static_cast<long>(size) <= end_);
    write_fully(data, size, offset);
#else
    if (std::fseek(file_, offset, SEEK_SET) != 0) SYMPHONIC_THROW(io::FileError(path_, "seek failed: " + errno_text()));
    write(data, size);
    if (std::fseek(file_, 0, SEEK_END) != 0) SYMPHONIC_THROW(io::FileError(path_, "seek failed: " + errno_text()));
#endif
  }

  /// Makes the new content visible under the target's name: the data reaches the disk (fsync)
  /// before the rename, so a crash at any point leaves the old file or the new one, whole.
  void commit() {
#if SYMPHONIC_POSIX_FILES
    bool ok = !durable_ || ::fsync(fd_) == 0;
    int error = errno;
    if (::close(fd_) != 0 && ok) {
      ok = false;
      error = errno;
    }
    fd_ = -1;
#else
    bool ok = std::fflush(file_) == 0;
    const int error = errno;
    ok = std::fclose(file_) == 0 && ok;
    file_ = nullptr;
#endif
    if (!ok) SYMPHONIC_THROW(io::FileError(path_, std::string("write failed: ") + std::strerror(error)));
    if (std::rename(temporary_.c_str(), target_.path.c_str()) != 0)
      SYMPHONIC_THROW(io::FileError(path_, "cannot rename temporary file into place: " + errno_text()));
    committed_ = true;
#if SYMPHONIC_POSIX_FILES
    if (durable_) {
      const std::string& to = target_.path;
      const std::size_t slash = to.find_last_of('/');
      const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : to.substr(0, slash);
      const int fd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        static_cast<void>(::fsync(fd));  // best effort: some file systems refuse directory fsync
        ::close(fd);
      }
    }
#endif
  }

  const std::string& temporary_path() const { return temporary_; }
  /// The file that commit() replaces (the path written to, or where its link points).
  const std::string& target_path() const { return target_.path; }

 private:
  std::string path_;
  WriteTarget target_;
  std::string temporary_;
#if SYMPHONIC_POSIX_FILES
  // write(2) or pwrite(2) at `offset` (-1: at the end) until every byte is taken; EINTR retried.
  void write_fully(const void* data, std::size_t size, long offset) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t n = offset < 0 ? ::write(fd_, p, size) : ::pwrite(fd_, p, size, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) SYMPHONIC_THROW(io::FileError(path_, "write failed: " + (n < 0 ? errno_text() : std::string("nothing written"))));
      p += n;
      size -= static_cast<std::size_t>(n);
      if (offset >= 0) offset += static_cast<long>(n);
    }
  }
  int fd_ = -1;
  long end_ = 0;  // bytes appended so far
#else
  std::FILE* file_ = nullptr;
#endif
  bool durable_ = true;
  bool committed_ = false;
};

/// Writes `size` bytes to `path` atomically (AtomicFile). On any failure the temporary file is
/// removed, the target is untouched, and io::FileError is thrown.
inline void write_file_atomic(const std::string& path, const void* data, std::size_t size) {
  AtomicFile file(path);
  file.write(data, size);
  file.commit();
}

inline void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, text.data(), text.size());
}

inline void write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  write_file_atomic(path, bytes.data(), bytes.size());
}

/// Whether something exists at `path` (following links).
inline bool path_exists(const std::string& path) {
#if SYMPHONIC_POSIX_FILES
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
#else
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file) std::fclose(file);
  return file != nullptr;
#endif
}

/// Whether `a` and `b` name the same existing file (same device and inode: through links, or
/// different spellings of one path). False when either does not exist.
inline bool same_file(const std::string& a, const std::string& b) {
#if SYMPHONIC_POSIX_FILES
  struct stat x {}, y {};
  if (::stat(a.c_str(), &x) != 0 || ::stat(b.c_str(), &y) != 0) return false;
  return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
#else
  return a == b;
#endif
}

/// An exclusive advisory lock on "<path>.lock" (flock), held while the object lives: two
/// trainers pointed at one checkpoint cannot both write it. The kernel drops the lock when the
/// process ends, however it ends, so a crash leaves no stale lock; the lock file itself stays,
/// holding the pid of the last holder for the message another process gets.
class FileLock {
 public:
  /// Throws io::FileError when another process holds the lock (naming its pid) or the lock file
  /// cannot be created.
  explicit FileLock(const std::string& path) : path_(path + ".lock") {
#if SYMPHONIC_POSIX_FILES
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) SYMPHONIC_THROW(io::FileError(path_, "cannot create lock file: " + errno_text()));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      char holder[32] = {};
      const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
      ::close(fd_);
      fd_ = -1;
      std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string();
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      SYMPHONIC_THROW(io::FileError(path, "is being written by another process" + (pid.empty() ? "" : " (pid " + pid + ")") +
                                              ", which holds " + path_));
    }
    const std::string pid = std::to_string(static_cast<long>(::getpid())) + "\n";
    if (::ftruncate(fd_, 0) == 0) static_cast<void>(::pwrite(fd_, pid.data(), pid.size(), 0));
#endif
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() {
#if SYMPHONIC_POSIX_FILES
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
#endif
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace detail
SYMPHONIC_NAMESPACE_END
