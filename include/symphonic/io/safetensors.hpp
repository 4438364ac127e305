// symphonic/io/safetensors.hpp - the safetensors container: layout, header writer and a
// validating header reader. checkpoint.hpp builds symphonic's checkpoints on top of it.
//
// File layout (https://github.com/huggingface/safetensors, "Format"):
//
//   bytes 0..7      N, the header length, unsigned 64-bit little-endian
//   bytes 8..8+N    a JSON object, UTF-8, optionally padded with trailing spaces:
//                     {"__metadata__": {"key": "value", ...},          (string -> string only)
//                      "<tensor name>": {"dtype": "F32", "shape": [4, 3],
//                                        "data_offsets": [begin, end]}, ...}
//   bytes 8+N..     the data section; tensor bytes are [begin, end) relative to its start,
//                   row-major, little-endian, and the tensors cover it exactly (no gaps, no
//                   overlaps, nothing after the last one).
//
// We pad the header so the data section starts at a multiple of 8 bytes. The reader checks every
// rule above and more (known dtypes, shape x element size == end - begin without overflow, no
// unknown keys, no duplicate names, header length within the file and at most 100 MB) and throws
// io::CheckpointError naming the section: "file", "header", "metadata", "tensor:<name>", "data".
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/io/detail/json.hpp"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "symphonic/io writes tensors in host byte order and needs a little-endian host"
#endif

SYMPHONIC_NAMESPACE_BEGIN
namespace io {

/// Checkpoint metadata: the safetensors "__metadata__" string map.
using Metadata = std::map<std::string, std::string>;

/// safetensors element types (the names in the header are "F64", "F32", ...).
enum class Dtype { f64, f32, f16, bf16, i64, i32, i16, i8, u8, boolean };

inline const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64: return "F64";
    case Dtype::f32: return "F32";
    case Dtype::f16: return "F16";
    case Dtype::bf16: return "BF16";
    case Dtype::i64: return "I64";
    case Dtype::i32: return "I32";
    case Dtype::i16: return "I16";
    case Dtype::i8: return "I8";
    case Dtype::u8: return "U8";
    case Dtype::boolean: return "BOOL";
  }
  return "?";
}

inline std::size_t dtype_size(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64: case Dtype::i64: return 8;
    case Dtype::f32: case Dtype::i32: return 4;
    case Dtype::f16: case Dtype::bf16: case Dtype::i16: return 2;
    case Dtype::i8: case Dtype::u8: case Dtype::boolean: return 1;
  }
  return 0;
}

inline bool dtype_from_name(const std::string& name, Dtype& dtype) {
  for (Dtype d : {Dtype::f64, Dtype::f32, Dtype::f16, Dtype::bf16, Dtype::i64, Dtype::i32,
                  Dtype::i16, Dtype::i8, Dtype::u8, Dtype::boolean}) {
    if (name == dtype_name(d)) {
      dtype = d;
      return true;
    }
  }
  return false;
}

/// The Dtype of a C++ scalar: DtypeOf<float>::value == Dtype::f32.
template <class Scalar>
struct DtypeOf;
template <>
struct DtypeOf<float> {
  static constexpr Dtype value = Dtype::f32;
};
template <>
struct DtypeOf<double> {
  static constexpr Dtype value = Dtype::f64;
};

/// "[4, 3]"
inline std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// One tensor of a safetensors file; begin/end are byte offsets into the data section.
struct TensorInfo {
  std::string name;
  Dtype dtype = Dtype::f32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;

  std::int64_t element_count() const {
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d;
    return n;
  }
};

/// A tensor to write: its bytes (host order, row-major) start at `data`.
struct TensorSource {
  std::string name;
  Dtype dtype = Dtype::f32;
  std::vector<std::int64_t> shape;
  const void* data = nullptr;
};

/// What the header of a safetensors file says, after validation.
struct Header {
  Metadata metadata;
  std::vector<TensorInfo> tensors;  ///< in the order of the JSON header
  std::uint64_t data_offset = 0;    ///< file offset of the data section (8 + header length)
  std::uint64_t data_size = 0;
};

namespace safetensors {

/// Largest header we accept (the reference implementation's limit).
constexpr std::uint64_t max_header_size = 100000000;

/// Lays `sources` out back to back in the given order. Throws io::CheckpointError("tensor:<name>")
/// for an empty, reserved ("__metadata__") or repeated name, a negative dimension, or a size that
/// overflows 64 bits.
inline std::vector<TensorInfo> layout(const std::vector<TensorSource>& sources) {
  std::vector<TensorInfo> infos;
  infos.reserve(sources.size());
  std::map<std::string, bool> seen;
  std::uint64_t offset = 0;
  for (const TensorSource& source : sources) {
    const std::string section = "tensor:" + source.name;
    if (source.name.empty() || source.name == "__metadata__")
      SYMPHONIC_THROW(CheckpointError(section, "invalid tensor name"));
    if (seen[source.name]) SYMPHONIC_THROW(CheckpointError(section, "name used twice"));
    seen[source.name] = true;
    std::uint64_t bytes = dtype_size(source.dtype);
    for (std::int64_t d : source.shape) {
      if (d < 0) SYMPHONIC_THROW(CheckpointError(section, "negative dimension in " + shape_text(source.shape)));
      const auto ud = static_cast<std::uint64_t>(d);
      if (ud != 0 && bytes > (static_cast<std::uint64_t>(INT64_MAX) / ud))
        SYMPHONIC_THROW(CheckpointError(section, "size of " + shape_text(source.shape) + " overflows"));
      bytes *= ud;
    }
    if (bytes != 0 && source.data == nullptr)
      SYMPHONIC_THROW(CheckpointError(section, "no data pointer"));
    TensorInfo info;
    info.name = source.name;
    info.dtype = source.dtype;
    info.shape = source.shape;
    info.begin = offset;
    info.end = offset + bytes;
    offset = info.end;
    infos.push_back(std::move(info));
  }
  return infos;
}

/// The JSON header for `tensors` and `metadata`, padded with spaces so that 8 + its length is a
/// multiple of 8. Metadata must be valid UTF-8 (throws CheckpointError("metadata") otherwise).
inline std::string header_json(const std::vector<TensorInfo>& tensors, const Metadata& metadata) {
  std::string json = "{";
  bool first = true;
  if (!metadata.empty()) {
    json += "\"__metadata__\":{";
    for (const auto& kv : metadata) {
      json += (first ? "" : ",") + detail::json_quote(kv.first) + ":" + detail::json_quote(kv.second);
      first = false;
    }
    json += "}";
  }
  for (const TensorInfo& t : tensors) {
    json += (json.size() > 1 ? "," : "") + detail::json_quote(t.name) + ":{\"dtype\":\"" +
            dtype_name(t.dtype) + "\",\"shape\":[";
    for (std::size_t i = 0; i < t.shape.size(); ++i)
      json += (i ? "," : "") + std::to_string(t.shape[i]);
    json += "],\"data_offsets\":[" + std::to_string(t.begin) + "," + std::to_string(t.end) + "]}";
  }
  json += "}";
  // Our reader checks UTF-8; refuse to write what it would refuse to read.
  for (const auto& kv : metadata)
    if (!detail::valid_utf8(kv.first) || !detail::valid_utf8(kv.second))
      SYMPHONIC_THROW(CheckpointError("metadata", "key or value of \"" + kv.first + "\" is not valid UTF-8"));
  for (const TensorInfo& t : tensors)
    if (!detail::valid_utf8(t.name)) SYMPHONIC_THROW(CheckpointError("tensor:" + t.name, "name is not valid UTF-8"));
  while ((8 + json.size()) % 8 != 0) json += ' ';
  return json;
}

/// The 8-byte little-endian length prefix.
inline void encode_length(std::uint64_t length, unsigned char out[8]) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(length >> (8 * i));
}

/// Reads and validates the header of the safetensors file held in `bytes[0, size)`.
inline Header parse_header(const std::uint8_t* bytes, std::size_t size) {
  if (size < 8)
    SYMPHONIC_THROW(CheckpointError("file", "the file is " + std::to_string(size) +
                                                " bytes, too short for the 8-byte header length "
                                                "(truncated?)"));
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | bytes[i];
  if (length > max_header_size)
    SYMPHONIC_THROW(CheckpointError("header", "header length " + std::to_string(length) +
                                                  " is over the " + std::to_string(max_header_size) +
                                                  "-byte limit (corrupt or not a safetensors file)"));
  if (length > size - 8)
    SYMPHONIC_THROW(CheckpointError("header", "header length " + std::to_string(length) +
                                                  " runs past the end of the file (only " +
                                                  std::to_string(size - 8) +
                                                  " bytes follow; truncated?)"));
  if (length < 2 || bytes[8] != '{')
    SYMPHONIC_THROW(CheckpointError("header", "the header does not start with a JSON object"));

  detail::Json root;
  try {
    root = detail::parse_json(reinterpret_cast<const char*>(bytes + 8), static_cast<std::size_t>(length), 8);
  } catch (const detail::JsonError& e) {
    SYMPHONIC_THROW(CheckpointError("header", "invalid JSON at byte " + std::to_string(e.offset()) +
                                                  " of the header: " + e.message()));
  }
  if (!root.is_object()) SYMPHONIC_THROW(CheckpointError("header", "the header is not a JSON object"));

  Header header;
  header.data_offset = 8 + length;
  header.data_size = size - header.data_offset;
  for (const auto& member : root.members) {
    const std::string& name = member.first;
    const detail::Json& value = member.second;
    if (name == "__metadata__") {
      if (!value.is_object())
        SYMPHONIC_THROW(CheckpointError("metadata", std::string("__metadata__ is ") +
                                                        detail::Json::type_name(value.type) +
                                                        ", expected an object of strings"));
      for (const auto& kv : value.members) {
        if (!kv.second.is_string())
          SYMPHONIC_THROW(CheckpointError("metadata", "value of \"" + kv.first + "\" is " +
                                                          detail::Json::type_name(kv.second.type) +
                                                          ", expected a string"));
        header.metadata[kv.first] = kv.second.text;
      }
      continue;
    }
    const std::string section = "tensor:" + name;
    if (name.empty()) SYMPHONIC_THROW(CheckpointError(section, "empty tensor name"));
    if (!value.is_object())
      SYMPHONIC_THROW(CheckpointError(section, std::string("entry is ") +
                                                   detail::Json::type_name(value.type) +
                                                   ", expected an object"));
    TensorInfo info;
    info.name = name;
    const detail::Json* dtype = value.find("dtype");
    const detail::Json* shape = value.find("shape");
    const detail::Json* offsets = value.find("data_offsets");
    if (!dtype || !shape || !offsets || value.members.size() != 3)
      SYMPHONIC_THROW(CheckpointError(section, "expected exactly the keys dtype, shape and data_offsets"));
    if (!dtype->is_string() || !dtype_from_name(dtype->text, info.dtype))
      SYMPHONIC_THROW(CheckpointError(section, "unknown dtype" +
                                                   (dtype->is_string() ? " \"" + dtype->text + "\"" : std::string())));
    if (!shape->is_array() || shape->items.size() > 64)
      SYMPHONIC_THROW(CheckpointError(section, "shape must be an array of at most 64 dimensions"));
    std::uint64_t bytes = dtype_size(info.dtype);
    bool overflow = false;
    for (const detail::Json& d : shape->items) {
      std::uint64_t dim = 0;
      if (!d.to_uint64(dim) || dim > static_cast<std::uint64_t>(INT64_MAX))
        SYMPHONIC_THROW(CheckpointError(section, "shape entries must be integers >= 0"));
      info.shape.push_back(static_cast<std::int64_t>(dim));
      if (dim != 0 && bytes > UINT64_MAX / dim) overflow = true;
      bytes = overflow ? 0 : bytes * dim;
    }
    if (!offsets->is_array() || offsets->items.size() != 2 ||
        !offsets->items[0].to_uint64(info.begin) || !offsets->items[1].to_uint64(info.end) ||
        info.begin > info.end)
      SYMPHONIC_THROW(CheckpointError(section, "data_offsets must be [begin, end] with 0 <= begin <= end"));
    if (overflow || bytes != info.end - info.begin)
      SYMPHONIC_THROW(CheckpointError(section, std::string("shape ") + shape_text(info.shape) + " of " +
                                                   dtype_name(info.dtype) + " does not match the " +
                                                   std::to_string(info.end - info.begin) +
                                                   " bytes of data_offsets"));
    header.tensors.push_back(std::move(info));
  }

  // The tensors must tile the data section exactly.
  std::vector<const TensorInfo*> order;
  for (const TensorInfo& t : header.tensors) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::uint64_t expected = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo* t : order) {
    if (t->end > header.data_size)
      SYMPHONIC_THROW(CheckpointError("data", "tensor \"" + t->name + "\" ends at byte " +
                                                  std::to_string(t->end) + " but the data section holds " +
                                                  std::to_string(header.data_size) + " bytes (truncated?)"));
    if (t->begin != expected)
      SYMPHONIC_THROW(CheckpointError("data", "tensor \"" + t->name + "\" starts at byte " +
                                                  std::to_string(t->begin) + ", expected " +
                                                  std::to_string(expected) +
                                                  (previous ? " (right after \"" + previous->name + "\")" : std::string()) +
                                                  ": tensors overlap or leave a gap"));
    expected = t->end;
    previous = t;
  }
  if (expected != header.data_size)
    SYMPHONIC_THROW(CheckpointError("data", std::to_string(header.data_size - expected) +
                                                " bytes after the last tensor"));
  return header;
}

}  // namespace safetensors
}  // namespace io
SYMPHONIC_NAMESPACE_END
