// symphonic-generate: new music from a trained checkpoint, one LSTM step per token.
//
//   symphonic-generate --checkpoint model.safetensors --out song.mid --roll song.svg
//   symphonic-generate ... --primer start.mid --temperature 0.9 --top-p 0.95 --seed 7
//   symphonic-generate ... --argmax --primer random --corpus DIR      (the recipe's behaviour)
//   symphonic-generate ... --count 8 --threads 2     (8 pieces, seeds 1-8, in one batched pass)
//   symphonic-generate ... --best-of 8               (the likeliest of 8 pieces, by the model's own score)
//   symphonic-generate ... --beam 8                  (beam search: the likeliest continuation 8 beams find)
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <new>
#include <cstring>
#include <string>
#include <vector>

#include <symphonic/detail/file_io.hpp>
#include <symphonic/generate/beam_search.hpp>
#include <symphonic/generate/conditions.hpp>
#include <symphonic/generate/generator.hpp>
#include <symphonic/generate/piano_roll.hpp>
#include <symphonic/generate/primer.hpp>
#include <symphonic/generate/stats.hpp>
#include <symphonic/train/saved_model.hpp>

#include "cli.hpp"
#include "device.hpp"

namespace sy = symphonic;

int main(int argc, char** argv) {
  cli::Parser args("symphonic-generate", "--checkpoint PATH --out FILE.mid [options]",
                   "Generates a piece from a checkpoint written by symphonic-train and writes it as MIDI.");
  args.option("checkpoint", "PATH", "checkpoint written by symphonic-train")
      .option("out", "FILE.mid", "MIDI file to write (- for standard output); a link is followed, only a regular file is replaced")
      .option("length", "N", "tokens to generate", "500")
      .option("temperature", "X", "sampling temperature; 0 = always the most probable token", "1")
      .flag("argmax", "always the most probable token (the recipe; same as --temperature 0)")
      .option("top-k", "N", "sample among the N most probable tokens, 0 = all", "0")
      .option("top-p", "X", "sample within the smallest set of tokens of mass X", "1")
      .option("repetition-penalty", "X", "divide recent tokens' probability by X (>= 1)", "1")
      .option("frequency-penalty", "X", "multiply a recent token's probability by exp(-X) for each time it occurs among the last 32 (>= 0)", "0")
      .option("primer", "FILE.mid|random|none", "start from a MIDI file's opening, a random training window (needs --corpus), or the begin-of-piece token (a random token when the vocabulary has none)", "none")
      .option("primer-tokens", "FILE", "start from the whitespace-separated tokens in FILE")
      .option("primer-length", "N", "tokens taken from a primer file or window", "64")
      .option("corpus", "DIR", "MIDI folder for --primer random")
      .option("seed", "N", "random seed of the sampler and the primer window", "1")
      .option("tempo", "BPM", "tempo of the written file; for a model trained with condition=tempo, also the tempo asked of it", "120")
      .option("key", "KEY", "for a model trained with condition=key: the key asked of it, e.g. G, F#m, Bb (default: the model's choice)")
      .option("density", "N", "for a model trained with condition=density: notes per second asked of it, 0-16 (default: the model's choice)")
      .option("program", "N", "General MIDI program for every note (0 = piano), -1 = as decoded; by default as decoded when the encoder keeps instruments (event programs=1), else 0")
      .option("roll", "FILE.svg", "also write a piano-roll picture of the result")
      .option("count", "N", "write N pieces sampled in one batched pass (seeds SEED .. SEED+N-1) as FILE-1.mid .. FILE-N.mid", "1")
      .option("best-of", "N", "sample N pieces in one batched pass (seeds SEED .. SEED+N-1) and write the one the model finds likeliest (highest log-likelihood of its tokens)", "1")
      .option("beam", "N", "beam search with N beams stepped as one batch: write the continuation the model finds likeliest among those the beams keep (no sampling; 1 = argmax)")
      .option("threads", "N", "threads for each generation step, 0 = all cores", "0")
      .option("device", "cpu|cuda", "where the model steps: the CPU, or the first GPU in a build with the CUDA backend "
                                    "(sampling stays on the CPU)", "cpu")
      .option("precision", "fp32|bf16", "arithmetic of the LSTM's products: bf16 uses AMX tiles or AVX512-BF16 (same checkpoints)", "fp32");
  try {
    if (!args.parse(argc, argv)) return cli::exit_ok;
    if (!args.positional().empty()) throw cli::UsageError("unexpected argument \"" + args.positional()[0] + "\"");
    const std::string checkpoint = args.required("checkpoint");
    const std::string out = args.required("out");
    sy::generate::SamplerOptions sampler;
    // two flags that say different things are an error, never a silent choice of one
    if (args.flag_set("argmax") && args.has("temperature"))
      throw cli::UsageError("--argmax and --temperature both set the sampling temperature: choose one");
    if (args.has("primer-tokens") && args.has("primer"))
      throw cli::UsageError("--primer and --primer-tokens both give the start of the piece: choose one");
    sampler.temperature = args.flag_set("argmax") ? 0.0 : args.number("temperature", 0, 100);
    sampler.top_k = static_cast<int>(args.integer("top-k", 0, 1000000));
    sampler.top_p = args.number("top-p", 1e-9, 1);
    sampler.repetition_penalty = args.number("repetition-penalty", 1, 1e6);
    sampler.frequency_penalty = args.number("frequency-penalty", 0, 1e6);
    const std::int64_t length = args.integer("length", 1, 100000000);
    const std::size_t primer_length = static_cast<std::size_t>(args.integer("primer-length", 1, 100000000));
    const std::uint64_t seed = static_cast<std::uint64_t>(args.integer("seed", 0, 9007199254740991LL));
    sy::generate::RenderOptions render;
    render.bpm = args.number("tempo", 10, 1000);
    render.program = args.has("program") ? static_cast<int>(args.integer("program", -1, 127)) : 0;
    const std::string primer = args.text("primer");
    const std::int64_t count = args.integer("count", 1, 4096);
    const std::int64_t best_of = args.integer("best-of", 1, 4096);
    if (count > 1 && best_of > 1) throw cli::UsageError("--count writes every piece and --best-of one of them: choose one");
    const std::int64_t beam = args.has("beam") ? args.integer("beam", 1, 4096) : 0;
    if (beam > 0) {  // beam search scores with the model's own probabilities: no sampler setting applies
      for (const char* sampling : {"count", "best-of", "temperature", "top-k", "top-p", "repetition-penalty", "frequency-penalty"})
        if (args.has(sampling)) throw cli::UsageError(std::string("--beam searches, it does not sample: it cannot take --") + sampling);
      if (args.flag_set("argmax")) throw cli::UsageError("--beam searches, it does not sample: it cannot take --argmax (--beam 1 is argmax)");
    }
    const int threads = static_cast<int>(args.integer("threads", 0, 1024));
    const std::string device = args.choice("device", {"cpu", "cuda"});
    cli::check_device(device);
    // "-": the MIDI bytes go to standard output, and what is said goes to standard error
    const bool to_stdout = out == "-";
    if (to_stdout && count != 1) throw cli::UsageError("--out - writes one piece; it cannot take --count");
    std::FILE* said = to_stdout ? stderr : stdout;
    const auto out_path = [&](std::int64_t k) {
      return count == 1 ? out : sy::detail::insert_before_extension(out, "-" + std::to_string(k + 1));
    };
    const auto roll_path = [&](std::int64_t k) {
      const std::string roll = args.text("roll");
      return count == 1 ? roll : sy::detail::insert_before_extension(roll, "-" + std::to_string(k + 1));
    };
    for (std::int64_t k = 0; k < count; ++k) {  // never write over what is read, nor one output over another
      if (!to_stdout && sy::detail::same_file(out_path(k), checkpoint))
        throw cli::UsageError("--out " + out_path(k) + " is the checkpoint being read; choose another name");
      if (args.has("roll") && sy::detail::same_file(roll_path(k), checkpoint))
        throw cli::UsageError("--roll " + roll_path(k) + " is the checkpoint being read; choose another name");
      if (args.has("roll") && !to_stdout && roll_path(k) == out_path(k))
        throw cli::UsageError("--roll and --out name the same file " + out_path(k));
    }
    if (primer == "random" && !args.has("corpus")) throw cli::UsageError("--primer random needs --corpus DIR");
    sy::generate::ConditionRequest request;
    if (args.has("key")) {
      request.key = sy::music::parse_key(args.text("key"));
      if (request.key < 0) throw cli::UsageError("--key needs a key such as C, G, F#m or Bb, got \"" + args.text("key") + "\"");
    }
    if (args.has("density")) request.density = static_cast<int>(args.integer("density", 0, 16));
    const sy::nn::Precision precision = sy::nn::parse_precision(args.choice("precision", {"fp32", "bf16"}));
    if (device != "cpu" && precision != sy::nn::Precision::fp32)
      throw cli::UsageError("--precision bf16 is the CPU backend's: leave it out with --device " + device);
    try {
      sy::nn::check_precision<float>(precision);
    } catch (const sy::nn::ConfigError& e) {
      throw cli::UsageError(std::string("--precision bf16: ") + e.what());
    }

    auto saved = sy::train::load_model<float>(checkpoint);
    if (threads > 0) saved.model->set_threads(threads);
    saved.model->set_precision(precision);
    if (!saved.encoder) throw sy::train::TrainError(checkpoint + ": the vocabulary names no encoder");
    if (!args.has("program") && saved.encoder->keeps_instruments()) render.program = -1;  // one track per instrument
    std::vector<std::int32_t> primer_ids;
    if (args.has("primer-tokens")) {
      const auto bytes = sy::detail::read_file(args.text("primer-tokens"));
      std::vector<std::string> tokens;
      std::string word;
      for (std::uint8_t b : bytes) {
        if (std::isspace(b)) {
          if (!word.empty()) tokens.push_back(word);
          word.clear();
        } else {
          word += static_cast<char>(b);
        }
      }
      if (!word.empty()) tokens.push_back(word);
      primer_ids = sy::generate::token_primer(tokens, saved.vocabulary);
    } else if (primer == "none") {
      if (saved.vocabulary.contains(sy::music::begin_token())) {
        primer_ids = sy::generate::begin_primer(saved.vocabulary);
      } else {  // e.g. the recipe's tokens: start from one token drawn at random
        sy::generate::SplitMix64 rng(seed);
        std::int32_t id = saved.vocabulary.unknown_id();
        while (id == saved.vocabulary.unknown_id())
          id = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(saved.vocabulary.size())));
        primer_ids = {id};
        std::fprintf(said, "this vocabulary has no %s token: starting from the random token %s\n",
                    sy::music::begin_token().c_str(), saved.vocabulary.token(id).c_str());
      }
    } else if (primer == "random") {
      auto corpus = sy::data::load_corpus(args.text("corpus"), *saved.encoder);
      sy::data::use_vocabulary(corpus, saved.vocabulary);
      primer_ids = sy::generate::random_window_primer(corpus.pieces, primer_length, seed);
    } else {
      primer_ids = sy::generate::midi_primer(primer, *saved.encoder, saved.vocabulary, primer_length);
    }

    if (args.has("tempo") && saved.encoder->conditions().tempo) request.tempo = static_cast<int>(render.bpm);
    sy::generate::BatchGenerator<float> generator(cli::make_stepper(device, *saved.model), std::max({count, best_of, beam}),
                                                  sampler, seed);
    generator.set_banned(sy::generate::unplayable_ids(saved.vocabulary));
    const bool conditioned = saved.encoder->conditions().any();
    if (conditioned) {  // the primer's own controls out: the block follows it, as in training
      primer_ids = sy::generate::without_conditions(primer_ids, saved.vocabulary);
      if (primer_ids.empty()) throw sy::generate::PrimerError("the primer holds nothing but control tokens");
    }
    generator.prime(primer_ids);
    // feeds the block (none without conditions) or refuses a request the model cannot take
    std::string block;
    for (const std::string& token : sy::generate::start_conditions(generator, *saved.encoder, saved.vocabulary, request))
      block += " " + token;
    if (conditioned) std::fprintf(said, "conditions:%s (every %d tokens)\n", block.c_str(), saved.encoder->conditions().every);
    std::vector<std::vector<std::int32_t>> pieces;
    std::size_t first = 0;  // the seed offset of pieces[0]
    if (beam > 0) {
      const std::vector<sy::generate::Beam> beams = sy::generate::beam_search(generator, length);
      const double per_token = 1.0 / static_cast<double>(length);
      std::fprintf(said, "beam search, %lld beams: log-likelihood %.4f nats per token (the %zu beams kept ranged %.4f .. %.4f)\n",
                   static_cast<long long>(beam), beams.front().log_likelihood * per_token, beams.size(),
                   beams.back().log_likelihood * per_token, beams.front().log_likelihood * per_token);
      pieces = {beams.front().ids};
    } else if (best_of > 1) {
      const sy::nn::Index best = sy::generate::best_of(generator, length, &pieces);
      double lowest = generator.log_likelihood(0), highest = lowest;
      for (sy::nn::Index k = 1; k < generator.count(); ++k) {
        lowest = std::min(lowest, generator.log_likelihood(k));
        highest = std::max(highest, generator.log_likelihood(k));
      }
      const double per_token = 1.0 / static_cast<double>(length);
      std::fprintf(said, "best of %lld: sampler seed %llu, log-likelihood %.4f nats per token (the %lld ranged %.4f .. %.4f)\n",
                   static_cast<long long>(best_of), static_cast<unsigned long long>(seed + static_cast<std::uint64_t>(best)),
                   generator.log_likelihood(best) * per_token, static_cast<long long>(best_of), lowest * per_token,
                   highest * per_token);
      pieces = {pieces[static_cast<std::size_t>(best)]};
      first = static_cast<std::size_t>(best);
    } else {
      pieces = generator.generate(length);
    }
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      const std::vector<std::int32_t>& ids = pieces[k];
      const std::string path = to_stdout ? "standard output" : out_path(static_cast<std::int64_t>(k));
      sy::music::DecodeStats stats;
      const sy::midi::NoteList notes = sy::generate::ids_to_notes(ids, saved.vocabulary, *saved.encoder, &stats);
      render.name = beam > 0 ? "symphonic beam search of " + std::to_string(beam)
                             : "symphonic seed " + std::to_string(seed + first + k);
      if (to_stdout) {
        const std::vector<std::uint8_t> bytes = sy::midi::write(sy::generate::render_midi(notes, render));
        if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0) {
          std::fprintf(stderr, "symphonic-generate: writing to standard output failed: %s\n", std::strerror(errno));
          return cli::exit_failure;
        }
      } else {
        sy::midi::write_file(path, sy::generate::render_midi(notes, render));
      }
      const auto run = sy::generate::longest_run(ids);
      std::fprintf(said, "wrote %s: %lld tokens -> %zu notes (%lld tokens skipped), %.1f notes/s, longest repeated-token run %zu, "
                  "distinct 4-grams %.2f\n",
                  path.c_str(), static_cast<long long>(ids.size()), notes.notes.size(), static_cast<long long>(stats.skipped),
                  sy::generate::notes_per_second(notes), run.length, sy::generate::distinct_ngram_ratio(ids, 4));
      if (args.has("roll")) {
        const std::string roll_file = roll_path(static_cast<std::int64_t>(k));
        sy::generate::PianoRollOptions roll;
        roll.title = (to_stdout ? std::string("symphonic") : path) + " (" + std::to_string(notes.notes.size()) + " notes)";
        sy::generate::write_piano_roll(roll_file, notes, roll);
        std::fprintf(said, "wrote %s\n", roll_file.c_str());
      }
    }
    return cli::exit_ok;
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "symphonic-generate: %s (see --help)\n", e.what());
    return cli::exit_usage;
  } catch (const sy::generate::SamplerError& e) {
    std::fprintf(stderr, "symphonic-generate: %s (see --help)\n", e.what());
    return cli::exit_usage;
  } catch (const sy::generate::ConditionError& e) {
    std::fprintf(stderr, "symphonic-generate: %s\n", e.what());
    return cli::exit_usage;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "symphonic-generate: out of memory: this model and batch do not fit in this machine's memory\n");
    return cli::exit_failure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "symphonic-generate: %s\n", e.what());
    return cli::exit_failure;
  }
}
