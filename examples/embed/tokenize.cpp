// Read a MIDI file, turn it into notes and tokens, and show what the model would see.
//   example_tokenize song.mid [encoder options, default "chord timing=1"]
#include <cstdio>
#include <map>
#include <string>

#include <symphonic/midi/midi.hpp>
#include <symphonic/music/music.hpp>

namespace sy = symphonic;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE.mid [ENCODER OPTIONS]\n", argv[0]);
    return 2;
  }
  try {
    const sy::midi::File file = sy::midi::read_file(argv[1]);           // tolerant reader
    const sy::midi::NoteList notes = sy::midi::extract_notes(file);     // note-on/off pairs
    const auto encoder = sy::music::make_encoder(argc > 2 ? argv[2] : "chord timing=1");
    const std::vector<std::string> tokens = encoder->encode_file(file);
    std::printf("%s: %zu notes -> %zu tokens (%s)\n", argv[1], notes.notes.size(), tokens.size(),
                encoder->options_text().c_str());
    std::map<std::string, int> counts;
    for (const auto& t : tokens) ++counts[t];
    std::printf("%zu distinct tokens; the first 24:", counts.size());
    for (std::size_t i = 0; i < tokens.size() && i < 24; ++i) std::printf(" %s", tokens[i].c_str());
    std::printf("\n");
    // and back: decoding is total, every token list gives notes
    const sy::midi::NoteList back = encoder->decode(tokens);
    std::printf("decoded back to %zu notes\n", back.notes.size());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
