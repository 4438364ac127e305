// tests/fuzz/checkpoint_properties.hpp - what must hold for any byte string given to the
// checkpoint loader, as a symphonic checkpoint and as a plain safetensors file:
//
//   - io::Checkpoint::from_bytes either accepts the bytes or throws io::CheckpointError; what it
//     accepts has every tensor inside the data section, and every F32/F64 tensor converts;
//   - the header it parsed, written again by safetensors::header_json over the same data
//     section, parses to the same tensors and metadata (reader and writer agree);
//   - train::load_model either returns a model or throws a symphonic::Error (never bad_alloc:
//     shapes are checked against the configuration before anything is allocated); a model it
//     returns generates a few tokens of its own vocabulary, which its encoder decodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <symphonic/generate/generator.hpp>
#include <symphonic/io/checkpoint.hpp>
#include <symphonic/train/saved_model.hpp>

#include "note_properties.hpp"

namespace symphonic_fuzz {

inline std::string check_checkpoint_properties(const std::uint8_t* data, std::size_t size) {
  using namespace symphonic;
  for (const bool require_symphonic : {true, false}) {
    io::ReadOptions options;
    options.require_symphonic = require_symphonic;
    io::Checkpoint checkpoint;
    try {
      checkpoint = io::Checkpoint::from_bytes(std::vector<std::uint8_t>(data, data + size), options);
    } catch (const io::CheckpointError&) {
      continue;
    }
    const io::Header parsed = io::safetensors::parse_header(data, size);
    for (const io::TensorInfo& t : checkpoint.tensors()) {
      if (t.begin > t.end || t.end > parsed.data_size) return "tensor " + t.name + " lies outside the data section";
      if ((t.dtype == io::Dtype::f32 || t.dtype == io::Dtype::f64) && t.element_count() <= (1 << 16))
        (void)checkpoint.values<double>(t.name);
    }

    // Written again, the header parses to the same thing.
    std::string json;
    try {
      json = io::safetensors::header_json(parsed.tensors, parsed.metadata);
    } catch (const io::CheckpointError& e) {
      return std::string("an accepted header cannot be written again: ") + e.what();
    }
    std::vector<std::uint8_t> again(8);
    io::safetensors::encode_length(json.size(), again.data());
    again.insert(again.end(), json.begin(), json.end());
    again.insert(again.end(), data + parsed.data_offset, data + size);
    io::Header reparsed;
    try {
      reparsed = io::safetensors::parse_header(again.data(), again.size());
    } catch (const io::CheckpointError& e) {
      return std::string("a header written again does not parse: ") + e.what();
    }
    if (reparsed.metadata != parsed.metadata) return "metadata changed when the header was written again";
    if (reparsed.tensors.size() != parsed.tensors.size()) return "tensor count changed when the header was written again";
    for (std::size_t i = 0; i < parsed.tensors.size(); ++i) {
      const io::TensorInfo &a = parsed.tensors[i], &b = reparsed.tensors[i];
      if (a.name != b.name || a.dtype != b.dtype || a.shape != b.shape || a.begin != b.begin || a.end != b.end)
        return "tensor " + a.name + " changed when the header was written again";
    }

    train::SavedModel<float> saved;
    try {
      saved = train::load_model<float>(checkpoint, "<fuzz>");
    } catch (const Error&) {
      continue;
    }
    saved.model->set_threads(1);
    generate::Generator<float> generator(*saved.model);
    generator.prime({saved.vocabulary.size() - 1});
    const std::vector<std::int32_t> ids = generator.generate(4);
    for (const std::int32_t id : ids)
      if (id < 0 || id >= saved.vocabulary.size()) return "generation gave an id outside the vocabulary";
    if (saved.encoder) {
      const midi::NoteList notes = saved.encoder->decode(saved.vocabulary.decode(ids));
      const std::string failure = check_note_ranges(notes);
      if (!failure.empty()) return "generated notes: " + failure;
    }
  }
  return "";
}

}  // namespace symphonic_fuzz
