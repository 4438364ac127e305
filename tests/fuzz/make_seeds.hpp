// tests/fuzz/make_seeds.hpp - seed inputs for every fuzz target, made with the library itself
// (no third-party bytes): small valid inputs that reach deep into each parser, so mutations start
// past the magic numbers and checksums. make_fuzz_seeds.cpp writes them to a folder for
// scripts/fuzz.sh; test_fuzz_regressions.cpp checks that they hold their target's properties.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <symphonic/demo/tune_text.hpp>
#include <symphonic/detail/file_io.hpp>
#include <symphonic/io/checkpoint.hpp>
#include <symphonic/midi/midi.hpp>
#include <symphonic/music/music.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/train/trainer.hpp>

#include "decode_properties.hpp"

namespace symphonic_fuzz {

struct Seed {
  std::string name;
  std::vector<std::uint8_t> bytes;
};

inline std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

/// The bytes of a symphonic checkpoint holding `sources` and `metadata` (checksums included),
/// through the library's own writer and a temporary file.
inline std::vector<std::uint8_t> checkpoint_bytes(const std::vector<symphonic::io::TensorSource>& sources,
                                                  const symphonic::io::Metadata& metadata) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/symphonic-fuzz-seed-XXXXXX";
  const int fd = ::mkstemp(&path[0]);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for a seed");
  ::close(fd);
  symphonic::io::SaveOptions options;
  options.durable = false;
  symphonic::io::save_tensors(path, sources, metadata, options);
  std::vector<std::uint8_t> bytes = symphonic::detail::read_file(path);
  ::unlink(path.c_str());
  return bytes;
}

/// The same tensors as `checkpoint` under other metadata (checksums made again).
inline std::vector<std::uint8_t> checkpoint_bytes(const symphonic::io::Checkpoint& checkpoint,
                                                  symphonic::io::Metadata metadata) {
  std::vector<symphonic::io::TensorSource> sources;
  for (const auto& t : checkpoint.tensors()) sources.push_back({t.name, t.dtype, t.shape, checkpoint.tensor_bytes(t.name)});
  return checkpoint_bytes(sources, metadata);
}

/// A checkpoint as symphonic-train writes it, of a tiny model of `config` over `vocabulary`.
inline std::vector<std::uint8_t> model_checkpoint(symphonic::nn::ModelConfig config,
                                                  const symphonic::music::Vocabulary& vocabulary) {
  using namespace symphonic;
  config.vocab_size = vocabulary.size();
  nn::Model<float> model(config, 7, 1);
  std::vector<io::TensorSource> sources;
  for (const auto& t : model.named_parameters()) sources.push_back({t.name, io::Dtype::f32, t.shape, t.data});
  for (const auto& t : model.buffers()) sources.push_back({t.name, io::Dtype::f32, t.shape, t.data});
  io::Metadata metadata;
  metadata[train::keys::model_config] = config.to_text();
  metadata[train::keys::vocabulary] = vocabulary.to_text();
  return checkpoint_bytes(sources, metadata);
}

inline std::vector<Seed> checkpoint_seeds() {
  using namespace symphonic;
  const music::Vocabulary chords({"<unk>", "C4", "0.4.7", "E4", "G4"}, 0, "chord recipe=1");
  nn::ModelConfig recipe = nn::ModelConfig::preset("recipe", chords.size());
  recipe.lstm_size = 3;
  recipe.lstm_layers = 2;
  recipe.dense_sizes = {4};
  nn::ModelConfig embedded = nn::ModelConfig::preset("default", 4);
  embedded.embedding_size = 2;
  embedded.lstm_size = 2;
  embedded.lstm_layers = 1;
  embedded.dense_sizes = {};
  const music::Vocabulary events({"note_on:60", "note_off:60", "time_shift:1", "velocity:3"}, -1,
                                 "event step_ms=10 max_shift=1 velocity_bins=4");
  return {{"recipe-tiny.safetensors", model_checkpoint(recipe, chords)},
          {"embedding-tiny.safetensors", model_checkpoint(embedded, events)}};
}

inline std::vector<Seed> make_seeds(const std::string& target) {
  using namespace symphonic;
  if (target == "checkpoint") return checkpoint_seeds();
  if (target == "vocabulary")
    return {{"chords.txt", bytes_of(music::Vocabulary({"<unk>", "<begin>", "C4", "0.4.7", "d:6", "r:12"}, 0,
                                                      "chord grid=4 timing=1 markers=1").to_text())},
            {"events.txt", bytes_of(music::Vocabulary({"note_on:1", "time_shift:2"}, -1, "event").to_text())},
            {"recipe.txt", bytes_of(music::Vocabulary({"A4", "B-3"}, -1, "chord recipe=1").to_text())}};
  if (target == "tune_text")
    return {{"ode.tune", bytes_of("# a comment\ntitle Ode\ntempo 132\nmeter 4/4\nprogram 0\nvoice melody\n"
                                  "velocity 84\nlen 1\n| E4 E4 F4 G4 | G4 F4 E4 D4 | C4:3/2 D4:1/2 r:2 |\n"
                                  "voice bass\nchannel 1\ntranspose -12\nlen 2\n| C3+E3+G3:4 | G3:2- G3:2 | C3:4 |\n")},
            {"free.tune", bytes_of("meter none\nlen 1/2\nC#4 Db4 Ebb5 F##2:3/4 r:1/3 B9 C-1\n")}};
  if (target == "decode") {
    std::vector<Seed> seeds;
    for (std::size_t e = 0; e < decode_encoders().size(); ++e) {
      // ids: a rising run through the encoder's alphabet; text: a short plausible piece
      std::vector<std::uint8_t> ids{static_cast<std::uint8_t>(e), 0};
      for (int i = 0; i < 64; ++i) {
        const unsigned id = 14 + static_cast<unsigned>(i) * 37;
        ids.push_back(static_cast<std::uint8_t>(id & 0xFF));
        ids.push_back(static_cast<std::uint8_t>(id >> 8));
      }
      seeds.push_back({"ids-" + std::to_string(e), ids});
      std::vector<std::uint8_t> text{static_cast<std::uint8_t>(e), 1};
      const std::string words = e < 4 ? "<begin> C4 d:6 0.4.7 d:12 r:3 E-5 d:48 r:48 <end>"
                                      : "<begin> velocity:3 note_on:60 time_shift:20 note_off:60 note_on:127 <end>";
      text.insert(text.end(), words.begin(), words.end());
      seeds.push_back({"text-" + std::to_string(e), text});
    }
    return seeds;
  }
  if (target == "midi_read") {
    midi::NoteList notes;
    notes.notes.push_back({60, 90, 0, 480, 0, 0, 0, 0, 0, false});
    notes.notes.push_back({64, 80, 240, 960, 0, 0, 1, 0, 40, false});
    notes.notes.push_back({38, 100, 480, 600, 0, 0, 9, 0, 0, true});
    return {{"notes.mid", midi::write(midi::notes_to_file(notes))}};
  }
  return {};
}

}  // namespace symphonic_fuzz
