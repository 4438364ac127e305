// symphonic/io/checkpoint.hpp - symphonic checkpoints: safetensors files with a format version
// and checksums, written atomically, read with full validation, loaded all-or-nothing.
//
//   save_checkpoint(path, tensors, metadata)   writes <path> atomically (temporary file in the
//       same directory, flush, fsync, rename, fsync of the directory). A crash, a full disk or an
//       exception at any point leaves the previous <path> untouched. The metadata gets three keys:
//         "symphonic.format_version"  "1"
//         "symphonic.checksum"        CRC-32 of the data section (all tensor bytes), 8 hex digits;
//                                     Python: format(zlib.crc32(data), "08x")
//         "symphonic.header_checksum" CRC-32 of header_digest_text(): every tensor's name, dtype,
//                                     shape and offsets and every other metadata entry, so a
//                                     flipped bit in the JSON header is caught too
//   Checkpoint::read(path)   reads the file, validates the safetensors structure, the version and
//       both checksums, and only then returns. Errors: io::FileError (cannot open), or
//       io::CheckpointError with section() "file", "header", "metadata", "tensor:<name>", "data",
//       "version" or "checksum".
//   load_tensors(checkpoint, into)   checks that every target's name exists with the same shape
//       and a float dtype before copying anything, then copies, converting F32 <-> F64.
//
// Tensor names, shapes and layouts are the caller's (nn::Model gives PyTorch state_dict ones), so
// torch reads the file with safetensors.torch.load_file, or by hand (scripts/check_checkpoint_torch.py).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/detail/file_io.hpp"
#include "symphonic/error.hpp"
#include "symphonic/io/detail/crc32.hpp"
#include "symphonic/io/safetensors.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace io {

/// The checkpoint format this code writes and the only one it reads.
constexpr const char* checkpoint_format_version = "1";
constexpr const char* format_version_key = "symphonic.format_version";
constexpr const char* checksum_key = "symphonic.checksum";
constexpr const char* header_checksum_key = "symphonic.header_checksum";

struct SaveOptions {
  /// fsync the file and its directory (default). false only for tests and benchmarks.
  bool durable = true;
  /// Called after the header and after each chunk (at most 1 MiB) is written, with bytes written so far and the total
  /// file size. An exception thrown from it aborts the save; the previous file survives.
  std::function<void(std::uint64_t written, std::uint64_t total)> progress;
};

struct ReadOptions {
  /// The largest file read (checked before anything is allocated): 4 GiB, a model of about a
  /// billion float parameters.
  std::uint64_t max_bytes = symphonic::detail::kMaxFileBytes;
  /// true (default): the file must be a symphonic checkpoint of a known version with valid
  /// checksums. false: also accept plain safetensors files (e.g. written by torch) that have no
  /// "symphonic.format_version"; their structure is still validated, and checksums when present.
  bool require_symphonic = true;
};

namespace detail {

inline std::string hex32(std::uint32_t value) {
  char text[12];
  std::snprintf(text, sizeof text, "%08x", value);
  return text;
}

/// The text the header checksum covers: tensors sorted by name as
/// "<len>:<name><dtype>[d0,d1,...]<begin>,<end>;" then metadata sorted by key (without the
/// header checksum itself) as "<len>:<key><len>:<value>;". Lengths count bytes.
inline std::string header_digest_text(const std::vector<TensorInfo>& tensors, const Metadata& metadata) {
  std::vector<const TensorInfo*> sorted;
  for (const TensorInfo& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->name < b->name; });
  std::string text;
  for (const TensorInfo* t : sorted) {
    text += std::to_string(t->name.size()) + ":" + t->name + dtype_name(t->dtype) + "[";
    for (std::size_t i = 0; i < t->shape.size(); ++i) text += (i ? "," : "") + std::to_string(t->shape[i]);
    text += "]" + std::to_string(t->begin) + "," + std::to_string(t->end) + ";";
  }
  for (const auto& kv : metadata) {
    if (kv.first == header_checksum_key) continue;
    text += std::to_string(kv.first.size()) + ":" + kv.first + std::to_string(kv.second.size()) +
            ":" + kv.second + ";";
  }
  return text;
}

}  // namespace detail

/// Writes tensors of any dtypes (see the file comment). Throws io::FileError when the file cannot
/// be written, io::CheckpointError("tensor:<name>" / "metadata") for tensors or metadata a
/// checkpoint cannot hold (repeated names, negative dimensions, invalid UTF-8).
inline void save_tensors(const std::string& path, const std::vector<TensorSource>& sources,
                         const Metadata& metadata, const SaveOptions& options = {}) {
  const std::vector<TensorInfo> infos = safetensors::layout(sources);
  // Both checksums are 8 hex digits, so the header has the same length before and after they are
  // known: write it with placeholders, stream the tensors while computing the data CRC on each
  // chunk (still in cache), then rewrite the header in place. One pass over the tensor memory.
  auto header_for = [&](std::uint32_t data_crc) {
    Metadata full = metadata;
    full[format_version_key] = checkpoint_format_version;
    full[checksum_key] = detail::hex32(data_crc);
    full.erase(header_checksum_key);
    const std::string digest = detail::header_digest_text(infos, full);
    full[header_checksum_key] = detail::hex32(io::detail::crc32(digest.data(), digest.size()));
    return safetensors::header_json(infos, full);
  };
  const std::string placeholder = header_for(0);
  const std::uint64_t data_size = infos.empty() ? 0 : infos.back().end;
  const std::uint64_t total = 8 + placeholder.size() + data_size;

  symphonic::detail::AtomicFile file(path, options.durable);
  unsigned char prefix[8];
  safetensors::encode_length(placeholder.size(), prefix);
  file.write(prefix, sizeof prefix);
  file.write(placeholder.data(), placeholder.size());
  std::uint64_t written = 8 + placeholder.size();
  if (options.progress) options.progress(written, total);
  constexpr std::uint64_t chunk = 1u << 20;
  std::uint32_t crc = 0;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto* bytes = static_cast<const unsigned char*>(sources[i].data);
    const std::uint64_t size = infos[i].end - infos[i].begin;
    for (std::uint64_t done = 0; done < size;) {
      const std::uint64_t n = std::min(chunk, size - done);
      crc = io::detail::crc32(bytes + done, static_cast<std::size_t>(n), crc);
      file.write(bytes + done, static_cast<std::size_t>(n));
      done += n;
      written += n;
      if (options.progress) options.progress(written, total);
    }
  }
  const std::string header = header_for(crc);
  SYMPHONIC_ASSERT(header.size() == placeholder.size());
  file.write_at(8, header.data(), header.size());
  file.commit();
}

/// Writes the NamedTensors (PyTorch names and shapes, row-major) and `metadata` to `path`.
template <class Scalar>
void save_checkpoint(const std::string& path, const std::vector<nn::NamedTensor<Scalar>>& tensors,
                     const Metadata& metadata, const SaveOptions& options = {}) {
  std::vector<TensorSource> sources;
  sources.reserve(tensors.size());
  for (const auto& t : tensors) sources.push_back({t.name, DtypeOf<Scalar>::value, t.shape, t.data});
  save_tensors(path, sources, metadata, options);
}

/// A checkpoint read into memory and validated; tensors are read from it with load_tensors().
class Checkpoint {
 public:
  /// Reads and validates `path` (see the file comment for the errors).
  static Checkpoint read(const std::string& path, const ReadOptions& options = {}) {
    return from_bytes(symphonic::detail::read_file(path, options.max_bytes), options);
  }

  /// Validates a checkpoint already in memory (takes ownership of the bytes).
  static Checkpoint from_bytes(std::vector<std::uint8_t> bytes, const ReadOptions& options = {}) {
    Checkpoint c;
    c.bytes_ = std::move(bytes);
    c.header_ = safetensors::parse_header(c.bytes_.data(), c.bytes_.size());
    const Metadata& m = c.header_.metadata;
    auto version = m.find(format_version_key);
    if (version == m.end()) {
      if (options.require_symphonic)
        SYMPHONIC_THROW(CheckpointError("version", std::string("no \"") + format_version_key +
                                                       "\" in the metadata: not a symphonic checkpoint"));
    } else if (version->second != checkpoint_format_version) {
      SYMPHONIC_THROW(CheckpointError("version", "format version \"" + version->second +
                                                     "\" is not supported (this reader knows \"" +
                                                     checkpoint_format_version + "\")"));
    }
    const bool symphonic = version != m.end();
    auto header_crc = m.find(header_checksum_key);
    if (header_crc != m.end() || symphonic) {
      const std::string text = detail::header_digest_text(c.header_.tensors, m);
      const std::string actual = detail::hex32(io::detail::crc32(text.data(), text.size()));
      if (header_crc == m.end())
        SYMPHONIC_THROW(CheckpointError("header", std::string("no \"") + header_checksum_key + "\" in the metadata"));
      if (header_crc->second != actual)
        SYMPHONIC_THROW(CheckpointError("header", "header checksum mismatch: stored " + header_crc->second +
                                                      ", computed " + actual + " (corrupt header)"));
    }
    auto data_crc = m.find(checksum_key);
    if (data_crc != m.end() || symphonic) {
      if (data_crc == m.end())
        SYMPHONIC_THROW(CheckpointError("checksum", std::string("no \"") + checksum_key + "\" in the metadata"));
      const std::string actual = detail::hex32(io::detail::crc32(
          c.bytes_.data() + c.header_.data_offset, static_cast<std::size_t>(c.header_.data_size)));
      if (data_crc->second != actual)
        SYMPHONIC_THROW(CheckpointError("checksum", "tensor data checksum mismatch: stored " + data_crc->second +
                                                        ", computed " + actual + " (corrupt tensor bytes)"));
    }
    for (std::size_t i = 0; i < c.header_.tensors.size(); ++i) c.index_[c.header_.tensors[i].name] = i;
    return c;
  }

  const Metadata& metadata() const { return header_.metadata; }
  /// The metadata value for `key`, or `fallback` when absent.
  std::string metadata(const std::string& key, const std::string& fallback) const {
    auto it = header_.metadata.find(key);
    return it == header_.metadata.end() ? fallback : it->second;
  }
  bool has(const std::string& name) const { return index_.count(name) != 0; }
  /// Throws CheckpointError("tensor:<name>") when absent.
  const TensorInfo& info(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) SYMPHONIC_THROW(CheckpointError("tensor:" + name, "missing from the checkpoint"));
    return header_.tensors[it->second];
  }
  std::vector<std::int64_t> shape(const std::string& name) const { return info(name).shape; }
  Dtype dtype(const std::string& name) const { return info(name).dtype; }
  /// Every tensor, in the order of the header.
  const std::vector<TensorInfo>& tensors() const { return header_.tensors; }
  /// The raw little-endian bytes of a tensor (info(name).end - begin of them; may be unaligned).
  const std::uint8_t* tensor_bytes(const std::string& name) const {
    return bytes_.data() + header_.data_offset + info(name).begin;
  }
  std::size_t file_size() const { return bytes_.size(); }

  /// A copy of a float tensor's values as Scalar (converting F32 <-> F64), row-major.
  template <class Scalar>
  std::vector<Scalar> values(const std::string& name) const {
    const TensorInfo& t = info(name);
    std::vector<Scalar> out(static_cast<std::size_t>(t.element_count()));
    copy_to(t, out.data());
    return out;
  }

  /// Copies tensor `t` (F32 or F64) into `out`, converting to Scalar. Used by load_tensors().
  template <class Scalar>
  void copy_to(const TensorInfo& t, Scalar* out) const {
    const std::uint8_t* src = bytes_.data() + header_.data_offset + t.begin;
    const std::size_t n = static_cast<std::size_t>(t.element_count());
    if (t.dtype == DtypeOf<Scalar>::value) {
      if (n) std::memcpy(out, src, n * sizeof(Scalar));
    } else if (t.dtype == Dtype::f32) {
      convert<float>(src, n, out);
    } else if (t.dtype == Dtype::f64) {
      convert<double>(src, n, out);
    } else {
      SYMPHONIC_THROW(CheckpointError("tensor:" + t.name, std::string("dtype ") + dtype_name(t.dtype) +
                                                              " cannot be loaded as floating point (F32 or F64 only)"));
    }
  }

 private:
  template <class From, class To>
  static void convert(const std::uint8_t* src, std::size_t n, To* out) {
    constexpr std::size_t block = 1024;
    From buffer[block];
    for (std::size_t i = 0; i < n; i += block) {
      const std::size_t m = std::min(block, n - i);
      std::memcpy(buffer, src + i * sizeof(From), m * sizeof(From));
      for (std::size_t k = 0; k < m; ++k) out[i + k] = static_cast<To>(buffer[k]);
    }
  }

  std::vector<std::uint8_t> bytes_;
  Header header_;
  std::map<std::string, std::size_t> index_;
};

/// Throws CheckpointError("tensor:<name>") unless the checkpoint holds `name` with exactly
/// `shape` and an F32 or F64 dtype. Cheap (no tensor byte is read): a loader calls it before it
/// allocates what the tensor is to be copied into.
inline void check_loadable(const Checkpoint& checkpoint, const std::string& name, const std::vector<std::int64_t>& shape) {
  const std::string section = "tensor:" + name;
  if (!checkpoint.has(name)) SYMPHONIC_THROW(CheckpointError(section, "missing from the checkpoint"));
  const TensorInfo& t = checkpoint.info(name);
  if (t.shape != shape)
    SYMPHONIC_THROW(CheckpointError(section, "shape " + shape_text(t.shape) + " in the checkpoint, " +
                                                 shape_text(shape) + " expected"));
  if (t.dtype != Dtype::f32 && t.dtype != Dtype::f64)
    SYMPHONIC_THROW(CheckpointError(section, std::string("dtype ") + dtype_name(t.dtype) +
                                                 " cannot be loaded as floating point (F32 or F64 only)"));
}

/// Copies the checkpoint's tensors into `into` (matched by name). All-or-nothing: every name must
/// pass check_loadable(), and `into` must not name a tensor twice; the first violation throws
/// CheckpointError("tensor:<name>") before any byte is copied. Tensors in the file that `into`
/// does not name are ignored.
template <class Scalar>
void load_tensors(const Checkpoint& checkpoint, const std::vector<nn::NamedTensor<Scalar>>& into) {
  std::map<std::string, bool> seen;
  for (const auto& target : into) {
    const std::string section = "tensor:" + target.name;
    if (seen[target.name]) SYMPHONIC_THROW(CheckpointError(section, "requested twice"));
    seen[target.name] = true;
    check_loadable(checkpoint, target.name, target.shape);
    if (target.data == nullptr && target.element_count() != 0)
      SYMPHONIC_THROW(CheckpointError(section, "target has no data pointer"));
  }
  for (const auto& target : into) checkpoint.copy_to(checkpoint.info(target.name), target.data);
}

}  // namespace io
SYMPHONIC_NAMESPACE_END
