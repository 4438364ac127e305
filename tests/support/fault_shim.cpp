/* tests/support/fault_shim.cpp - failing writes for tests, loaded with LD_PRELOAD into a program.
 *
 *   SYMPHONIC_FAULT=enospc|eio   writes to regular files fail with that errno once
 *                                SYMPHONIC_FAULT_AFTER bytes (default 0) have been written;
 *                                the write that crosses the limit is short, as on a full disk
 *   SYMPHONIC_FAULT=short        every write to a regular file takes at most 7 bytes
 *   SYMPHONIC_FAULT=fsync_eio    fsync and fdatasync fail with EIO
 *
 * Standard input, output and error are never touched (the test reads what the program says).
 * Only write, pwrite and the fsync calls are wrapped: the library writes files through them.
 */
// Both pwrite and pwrite64 are defined here, so neither may be renamed to the other.
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

const char* fault() {
  const char* f = getenv("SYMPHONIC_FAULT");
  return f ? f : "";
}

bool is_target(int fd) {
  struct stat st {};
  return fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

unsigned long long written = 0;

/* How many of `size` bytes may go through, or -1 with errno set. */
ssize_t allowed(int fd, size_t size) {
  if (!is_target(fd)) return static_cast<ssize_t>(size);
  const char* f = fault();
  if (strcmp(f, "short") == 0) return static_cast<ssize_t>(size < 7 ? size : 7);
  if (strcmp(f, "enospc") == 0 || strcmp(f, "eio") == 0) {
    const char* after = getenv("SYMPHONIC_FAULT_AFTER");
    const unsigned long long limit = after ? strtoull(after, nullptr, 10) : 0;
    if (written >= limit) {
      errno = strcmp(f, "enospc") == 0 ? ENOSPC : EIO;
      return -1;
    }
    if (written + size > limit) return static_cast<ssize_t>(limit - written);
  }
  return static_cast<ssize_t>(size);
}

template <class Function>
Function real(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

// Lets through what allowed() lets through, counting the bytes that reached a target file.
template <class Call>
ssize_t wrapped(int fd, size_t size, Call call) {
  const ssize_t n = allowed(fd, size);
  if (n < 0) return -1;
  const ssize_t done = call(static_cast<size_t>(n));
  if (done > 0 && is_target(fd)) written += static_cast<unsigned long long>(done);
  return done;
}

int sync_with(const char* name, int fd) {
  if (strcmp(fault(), "fsync_eio") == 0 && is_target(fd)) {
    errno = EIO;
    return -1;
  }
  return real<int (*)(int)>(name)(fd);
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* data, size_t size) {
  return wrapped(fd, size, [&](size_t n) { return real<ssize_t (*)(int, const void*, size_t)>("write")(fd, data, n); });
}
ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) {
  return wrapped(fd, size, [&](size_t n) {
    return real<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite")(fd, data, n, offset);
  });
}
ssize_t pwrite64(int fd, const void* data, size_t size, off64_t offset) {
  return wrapped(fd, size, [&](size_t n) {
    return real<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64")(fd, data, n, offset);
  });
}
int fsync(int fd) { return sync_with("fsync", fd); }
int fdatasync(int fd) { return sync_with("fdatasync", fd); }

}  // extern "C"
