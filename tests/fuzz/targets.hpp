// tests/fuzz/targets.hpp - every fuzz target by name: the properties that must hold for any
// input it is given. The libFuzzer binary (fuzz_symphonic.cpp) runs one of them, named by
// SYMPHONIC_FUZZ_TARGET; the regression suite (test_fuzz_regressions.cpp) replays every input
// kept under tests/data/fuzz/<name>/ through the same function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "checkpoint_properties.hpp"
#include "decode_properties.hpp"
#include "midi_read_properties.hpp"
#include "tune_text_properties.hpp"
#include "vocabulary_properties.hpp"

namespace symphonic_fuzz {

struct Target {
  const char* name;
  std::string (*check)(const std::uint8_t* data, std::size_t size);  ///< "" when every property holds
  const char* what;
};

inline const std::vector<Target>& targets() {
  static const std::vector<Target> all{
      {"midi_read", check_read_properties, "MIDI reader, strict and tolerant, note extraction, writer round trip"},
      {"checkpoint", check_checkpoint_properties, "checkpoint and safetensors loader, load_model, generation"},
      {"vocabulary", check_vocabulary_properties, "vocabulary text and the encoder options inside it"},
      {"tune_text", check_tune_text_properties, "the demo's tune text parser"},
      {"decode", check_decode_properties, "every token decoder: any id sequence decodes to a valid MIDI file"},
  };
  return all;
}

inline const Target* find_target(const std::string& name) {
  for (const Target& t : targets())
    if (name == t.name) return &t;
  return nullptr;
}

/// Runs a target's check; an exception that escapes it (anything the code under test was not
/// documented to throw, bad_alloc included) is a failure too.
inline std::string run_target(const Target& target, const std::uint8_t* data, std::size_t size) {
  try {
    return target.check(data, size);
  } catch (const std::exception& e) {
    return std::string("unexpected exception: ") + e.what();
  } catch (...) {
    return "unexpected exception of an unknown type";
  }
}

}  // namespace symphonic_fuzz
