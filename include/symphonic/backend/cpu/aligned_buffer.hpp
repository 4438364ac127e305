// symphonic/backend/cpu/aligned_buffer.hpp - a scratch array on 64-byte boundaries, on huge pages
// where it is large.
//
// AMX tile loads read 64-byte rows: from a base that is not 64-byte aligned every row spans two
// cache lines. A buffer of 2 MiB or more is also aligned to 2 MiB and offered to the kernel as
// transparent huge pages (madvise, Linux): a tile of B read 16 rows apart touches 16 pages, and
// with 4 KiB pages that costs TLB misses. The contents are not kept across resize().
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

template <class T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer& other) { *this = other; }
  AlignedBuffer& operator=(const AlignedBuffer& other) {
    if (this != &other) {
      resize(other.size_);
      if (size_) std::memcpy(data_, other.data_, size_ * sizeof(T));
    }
    return *this;
  }
  AlignedBuffer(AlignedBuffer&& other) noexcept { swap(other); }
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    swap(other);
    return *this;
  }
  ~AlignedBuffer() { std::free(data_); }

  /// Makes room for n elements (uninitialised); reallocates only to grow.
  void resize(std::size_t n) {
    if (n <= capacity_) {
      size_ = n;
      return;
    }
    constexpr std::size_t kHuge = std::size_t(2) << 20, kLine = 64;
    const std::size_t bytes = n * sizeof(T);
    const std::size_t align = bytes >= kHuge ? kHuge : kLine;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded);
    if (!p) SYMPHONIC_THROW(std::bad_alloc());
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (align == kHuge) madvise(p, rounded, MADV_HUGEPAGE);  // a hint: refused is fine
#endif
    std::free(data_);
    data_ = static_cast<T*>(p);
    size_ = n;
    capacity_ = rounded / sizeof(T);
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void swap(AlignedBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }
  T* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
