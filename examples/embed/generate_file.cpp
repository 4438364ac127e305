// Load a checkpoint, generate 200 tokens one LSTM step at a time, and write a MIDI file.
//   example_generate_file model.safetensors out.mid
#include <cstdio>

#include <symphonic/generate/generator.hpp>
#include <symphonic/generate/primer.hpp>
#include <symphonic/train/saved_model.hpp>

namespace sy = symphonic;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CHECKPOINT OUT.mid\n", argv[0]);
    return 2;
  }
  try {
    // weights, configuration, vocabulary and encoder all come from the checkpoint
    auto saved = sy::train::load_model<float>(argv[1]);

    sy::generate::SamplerOptions sampling;
    sampling.temperature = 0.9;
    sampling.top_p = 0.95;
    sy::generate::Generator<float> generator(*saved.model, sampling, /*seed*/ 7);
    generator.set_banned({saved.vocabulary.unknown_id()});
    generator.prime(sy::generate::begin_primer(saved.vocabulary));  // needs markers=1
    const std::vector<std::int32_t> ids = generator.generate(200);

    const sy::midi::NoteList notes = sy::generate::ids_to_notes(ids, saved.vocabulary, *saved.encoder);
    sy::midi::write_file(argv[2], sy::generate::render_midi(notes));
    std::printf("wrote %s: %zu notes\n", argv[2], notes.notes.size());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
