// libFuzzer target for the MIDI reader: any byte string, both modes, then everything a caller
// would do with the result (notes, write, read back); the properties are in
// midi_read_properties.hpp. Built by scripts/build_fuzz_midi.sh (clang 14,
// -fsanitize=fuzzer,address,undefined) and run by .ci/steps/40-midi-fuzz.sh. Anything it finds
// goes to tests/data/midi/regressions/, which tests/midi/test_fuzz_regressions.cpp replays.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "midi_read_properties.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string failure = midi_fuzz::check_read_properties(data, size);
  if (!failure.empty()) {
    std::fprintf(stderr, "fuzz_midi_read: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
