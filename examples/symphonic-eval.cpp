// symphonic-eval: how good is a checkpoint, and how does generated music compare with a corpus?
//
//   symphonic-eval --checkpoint model.safetensors --corpus DIR
//       loss, accuracy and perplexity on the validation windows exactly as training built them
//       (same encoder, window length, split and seed, read from the checkpoint), beside an add-k
//       bigram baseline fitted on the training pieces of the same split; --bigram-samples N
//       --out DIR also writes N pieces sampled from that bigram
//   symphonic-eval --stats FILE_OR_DIR [--reference DIR] [--checkpoint PATH | --encoder-options TEXT]
//       per file: notes, notes per second, longest run of one repeated token, distinct n-gram
//       ratios, and the pitch-class histogram distance to the reference corpus
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <new>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <symphonic/data/data.hpp>
#include <symphonic/generate/primer.hpp>
#include <symphonic/generate/sampler.hpp>
#include <symphonic/generate/stats.hpp>
#include <symphonic/midi/midi.hpp>
#include <symphonic/music/music.hpp>
#include <symphonic/train/bigram.hpp>
#include <symphonic/train/checkpoint_keys.hpp>
#include <symphonic/train/data_settings.hpp>
#include <symphonic/train/saved_model.hpp>

#include "cli.hpp"

namespace sy = symphonic;

namespace {

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// --bigram-samples N: N pieces of --length tokens drawn from the bigram baseline (piece k with
// seed k), from the begin marker where the vocabulary has one (else a random token), never an
// unknown token or a marker; written as DIR/bigram-K.mid, so that --stats can set them beside a
// model's samples.
void write_bigram_samples(const cli::Parser& args, const sy::train::Bigram& bigram, const sy::music::Vocabulary& vocabulary,
                          const sy::music::Encoder& encoder) {
  const std::int64_t count = args.integer("bigram-samples", 1, 4096);
  const std::int64_t length = args.integer("length", 1, 1000000);
  const std::string folder = args.required("out");
  std::vector<bool> banned(static_cast<std::size_t>(vocabulary.size()), false);
  for (const std::int32_t id : sy::generate::unplayable_ids(vocabulary)) banned[static_cast<std::size_t>(id)] = true;
  if (std::find(banned.begin(), banned.end(), false) == banned.end())
    throw cli::UsageError("--bigram-samples: the vocabulary holds only markers and the unknown token");
  for (std::int64_t k = 1; k <= count; ++k) {
    sy::generate::SplitMix64 rng(static_cast<std::uint64_t>(k));
    std::vector<std::int32_t> ids;
    std::int32_t previous;
    if (vocabulary.contains(sy::music::begin_token())) {
      previous = vocabulary.id(sy::music::begin_token());
    } else {
      do previous = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(vocabulary.size())));
      while (banned[static_cast<std::size_t>(previous)]);
      ids.push_back(previous);
    }
    while (static_cast<std::int64_t>(ids.size()) < length) {
      std::int32_t next;
      do {  // a banned draw is drawn again: the bigram's distribution without those tokens
        const double part = rng.uniform();
        next = bigram.sample(previous, part, rng.uniform());
      } while (banned[static_cast<std::size_t>(next)]);
      ids.push_back(next);
      previous = next;
    }
    const std::string path = folder + "/bigram-" + std::to_string(k) + ".mid";
    sy::generate::RenderOptions render;
    render.name = "bigram seed " + std::to_string(k);
    sy::midi::write_file(path, sy::generate::render_midi(sy::generate::ids_to_notes(ids, vocabulary, encoder), render));
  }
  std::printf("wrote %lld bigram samples of %lld tokens: %s/bigram-1.mid ..\n", static_cast<long long>(count),
              static_cast<long long>(length), folder.c_str());
}

int evaluate(const cli::Parser& args) {
  if (args.has("bigram-samples")) {  // usage errors before the scoring, not after it
    args.required("out");
    args.integer("bigram-samples", 1, 4096);
    args.integer("length", 1, 1000000);
  }
  auto saved = sy::train::load_model<float>(args.required("checkpoint"));
  if (!saved.encoder) throw sy::train::TrainError(args.text("checkpoint") + ": the vocabulary names no encoder");
  // the run's windows and split, unless a flag says otherwise
  const auto data_it = saved.metadata.find(sy::train::keys::data);
  const sy::train::DataSettings data =
      sy::train::DataSettings::from_text(data_it == saved.metadata.end() ? std::string() : data_it->second);
  sy::data::WindowOptions window = data.window;
  if (args.has("seq-len")) window.length = static_cast<int>(args.integer("seq-len", 1, 100000));
  if (args.has("stride")) window.stride = static_cast<int>(args.integer("stride", 1, 100000));
  if (args.has("target"))
    window.target = args.choice("target", {"next_token", "shifted"}) == "shifted" ? sy::data::Target::shifted
                                                                                : sy::data::Target::next_token;
  const double val_split = args.has("val-split") ? args.number("val-split", 0, 0.9) : data.val_split;
  const std::uint64_t seed = args.has("seed") ? static_cast<std::uint64_t>(args.integer("seed", 0, 9007199254740991LL)) : data.seed;
  const int batch = static_cast<int>(args.integer("batch", 1, 65536));

  auto corpus = sy::data::load_corpus(args.required("corpus"), *saved.encoder);
  if (corpus.pieces.empty()) {
    std::fprintf(stderr, "symphonic-eval: no readable MIDI files under %s\n", args.text("corpus").c_str());
    return cli::exit_failure;
  }
  sy::data::use_vocabulary(corpus, saved.vocabulary);
  const std::vector<sy::data::Piece>& pieces = corpus.pieces;
  std::int64_t unknown = 0, total = 0;
  for (const auto& p : pieces) {
    for (std::int32_t id : p.ids) unknown += id == saved.vocabulary.unknown_id();
    total += static_cast<std::int64_t>(p.ids.size());
  }
  const sy::data::Split split = sy::data::split_by_piece(pieces, val_split, seed);
  const bool all = args.text("split") == "all";
  const std::vector<sy::data::Piece>& scored = all ? pieces : split.validation;
  if (scored.empty()) {
    std::fprintf(stderr, "symphonic-eval: the split has no validation pieces (use --split all)\n");
    return cli::exit_failure;
  }
  if (args.flag_set("list")) {  // which pieces, for a peer scored on the same ones (scripts/compare_keras.py)
    for (const auto& p : scored) std::printf("%s\n", p.name.c_str());
    return cli::exit_ok;
  }
  // the split is held out only if it is the one the training run held out (same pieces)
  std::string split_name = all ? "whole corpus" : "validation";
  if (!all) {
    const std::string fingerprint = sy::data::pieces_fingerprint(split.validation, args.text("corpus"));
    if (data.validation.empty()) {
      split_name = "validation (unverified: the checkpoint does not record its split)";
    } else if (data.validation != fingerprint) {
      split_name = "not held out";
      std::fprintf(stderr, "symphonic-eval: note: these validation pieces are not the ones the checkpoint held out "
                           "(another or a changed corpus), so they may include training pieces\n");
    }
  }
  sy::train::Bigram bigram(saved.vocabulary.size());
  for (const auto& p : split.train) bigram.add_piece(p.ids);
  sy::data::Batcher batcher(scored, window, batch, seed, false);
  batcher.start_epoch(0);
  sy::data::Batch b;
  sy::train::Metrics model_metrics, bigram_metrics;
  sy::nn::Workspace<float> workspace;
  while (batcher.next(b)) {
    const auto r = saved.model->forward(workspace, b.inputs, b.targets, sy::nn::Mode::infer);
    model_metrics.loss_sum += r.loss * static_cast<double>(r.count);
    model_metrics.correct += r.correct;
    model_metrics.count += r.count;
    bigram_metrics.add(bigram.evaluate(b.inputs, b.targets));
  }
  if (model_metrics.count == 0) {  // a loss of 0 and a perplexity of 1 would be numbers about nothing
    std::fprintf(stderr, "symphonic-eval: no windows of %d tokens in the %zu scored pieces: nothing to score "
                         "(pieces shorter than --seq-len?)\n", window.length, scored.size());
    return cli::exit_failure;
  }
  std::printf("corpus: %zu pieces, %lld tokens (%.2f%% unknown to the checkpoint's vocabulary)\n", pieces.size(),
              static_cast<long long>(total), total ? 100.0 * static_cast<double>(unknown) / static_cast<double>(total) : 0.0);
  std::printf("windows: length %d, stride %d, %s split (%zu pieces, seed %llu): %lld targets\n", window.length,
              window.stride, split_name.c_str(), scored.size(), static_cast<unsigned long long>(seed),
              static_cast<long long>(model_metrics.count));
  std::printf("%-8s %10s %10s %12s\n", "", "loss", "accuracy", "perplexity");
  std::printf("%-8s %10.4f %10.4f %12.3f\n", "model", model_metrics.loss(), model_metrics.accuracy(), model_metrics.perplexity());
  std::printf("%-8s %10.4f %10.4f %12.3f\n", "bigram", bigram_metrics.loss(), bigram_metrics.accuracy(), bigram_metrics.perplexity());
  if (args.has("bigram-samples")) write_bigram_samples(args, bigram, saved.vocabulary, *saved.encoder);
  return cli::exit_ok;
}

int statistics(const cli::Parser& args) {
  std::unique_ptr<sy::music::Encoder> encoder;
  if (args.has("checkpoint")) {
    encoder = sy::train::load_model<float>(args.text("checkpoint")).encoder;
    if (!encoder) throw sy::train::TrainError(args.text("checkpoint") + ": the vocabulary names no encoder");
  } else {
    try {
      encoder = sy::music::make_encoder(args.text("encoder-options"));
    } catch (const sy::music::VocabularyError& e) {
      throw cli::UsageError(std::string("bad --encoder-options: ") + e.what());
    }
  }
  const std::string target = args.text("stats");
  std::vector<std::string> files{target};
  if (is_directory(target)) {
    sy::data::FolderScan scan = sy::data::scan_midi_folder(target);
    std::printf("folder: %s\n", scan.summary().c_str());
    files = std::move(scan.files);
  }
  if (files.empty()) {
    std::fprintf(stderr, "symphonic-eval: no MIDI files under %s\n", target.c_str());
    return cli::exit_failure;
  }
  bool have_reference = false;
  sy::generate::MusicStats reference;
  std::size_t reference_pieces = 0;
  if (args.has("reference")) {
    sy::generate::StatsCounter counter;
    for (const std::string& f : sy::data::list_midi_files(args.text("reference"))) {
      try {
        counter.add(sy::generate::music_stats(sy::midi::extract_notes(sy::midi::read_file(f))));
      } catch (const sy::Error&) {
        // unreadable reference files are left out, as training leaves them out
      }
    }
    reference = counter.result();
    reference_pieces = counter.pieces;
    if (reference.pitch_classes.total() == 0) {  // a distance to nothing would be a number that means nothing
      std::fprintf(stderr, "symphonic-eval: --reference %s holds no readable MIDI notes\n", args.text("reference").c_str());
      return cli::exit_failure;
    }
    have_reference = true;
  }
  // Columns: notes, density, the token loops (longest run, distinct 1-, 2-, 4-grams), then the
  // distances of the histograms to the reference's (pitch classes, note lengths, inter-onset
  // intervals, melodic intervals), rhythmic entropy and the shares of repeated 4- and 8-bar
  // stretches (generate/stats.hpp).
  std::printf("%-40s %7s %8s %8s %7s %7s %7s", "file", "notes", "notes/s", "max-run", "dist-1", "dist-2", "dist-4");
  if (have_reference) std::printf(" %7s %7s %7s %7s", "pc-dist", "len-d", "ioi-d", "int-d");
  std::printf(" %7s %7s %7s\n", "rh-ent", "rep-4", "rep-8");
  std::size_t longest = 0, read = 0;
  sy::generate::StatsDistance distance_sum;
  double entropy_sum = 0, repeated_4_sum = 0, repeated_8_sum = 0;
  for (const std::string& f : files) {
    sy::midi::File file;
    try {
      file = sy::midi::read_file(f);
    } catch (const sy::midi::ParseError& e) {
      std::printf("%-40s unreadable: %s\n", f.c_str(), e.what());
      continue;
    }
    const auto notes = sy::midi::extract_notes(file);
    std::vector<std::string> tokens = encoder->encode_file(file);
    std::vector<std::string> body;
    for (const auto& t : tokens)
      if (t != sy::music::begin_token() && t != sy::music::end_token()) body.push_back(t);
    const auto run = sy::generate::longest_run(body);
    longest = std::max(longest, run.length);
    ++read;
    const sy::generate::MusicStats stats = sy::generate::music_stats(notes);
    std::string name = f.size() > 40 ? "..." + f.substr(f.size() - 37) : f;
    std::printf("%-40s %7zu %8.2f %8zu %7.3f %7.3f %7.3f", name.c_str(), notes.notes.size(), stats.notes_per_second,
                run.length, sy::generate::distinct_ngram_ratio(body, 1), sy::generate::distinct_ngram_ratio(body, 2),
                sy::generate::distinct_ngram_ratio(body, 4));
    if (have_reference) {
      const sy::generate::StatsDistance d = sy::generate::stats_distance(stats, reference);
      std::printf(" %7.3f %7.3f %7.3f %7.3f", d.pitch_classes, d.durations, d.onsets, d.intervals);
      distance_sum.pitch_classes += d.pitch_classes;
      distance_sum.durations += d.durations;
      distance_sum.onsets += d.onsets;
      distance_sum.intervals += d.intervals;
    }
    std::printf(" %7.3f %7.3f %7.3f\n", stats.rhythmic_entropy, stats.repeated_4_bars, stats.repeated_8_bars);
    entropy_sum += stats.rhythmic_entropy;
    repeated_4_sum += stats.repeated_4_bars;
    repeated_8_sum += stats.repeated_8_bars;
  }
  if (have_reference)  // its notes in all; the rest are means over its pieces
    std::printf("%-40s %7zu %8.2f %8s %7s %7s %7s %7s %7s %7s %7s %7.3f %7.3f %7.3f\n",
                ("(reference: " + std::to_string(reference_pieces) + " pieces)").c_str(), reference.notes,
                reference.notes_per_second, "", "", "", "", "", "", "", "", reference.rhythmic_entropy,
                reference.repeated_4_bars, reference.repeated_8_bars);
  const double n = read ? static_cast<double>(read) : 1.0;
  std::printf("%zu files; longest run of one repeated token: %zu", read, longest);
  if (have_reference && read)
    std::printf("; mean pitch-class distance to the reference: %.3f; mean distances of note lengths %.3f, "
                "inter-onset intervals %.3f, melodic intervals %.3f",
                distance_sum.pitch_classes / n, distance_sum.durations / n, distance_sum.onsets / n, distance_sum.intervals / n);
  if (read)
    std::printf("; mean rhythmic entropy %.3f bits, repeated 4-bar %.3f, 8-bar %.3f", entropy_sum / n, repeated_4_sum / n,
                repeated_8_sum / n);
  std::printf(" (tokens: %s)\n", encoder->options_text().c_str());
  return cli::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  cli::Parser args("symphonic-eval", "--checkpoint PATH --corpus DIR | --stats FILE_OR_DIR [--reference DIR]",
                   "Scores a checkpoint on the windows training used, beside a bigram baseline; or prints\n"
                   "music statistics of MIDI files (e.g. generated ones) against a reference corpus.");
  args.option("checkpoint", "PATH", "checkpoint written by symphonic-train")
      .option("corpus", "DIR", "the MIDI folder the checkpoint was trained on")
      .option("split", "validation|all", "score the validation pieces of the training split, or every piece", "validation")
      .option("seq-len", "N", "window length (default: from the checkpoint)")
      .option("stride", "N", "window stride (default: from the checkpoint)")
      .option("target", "next_token|shifted", "target kind (default: from the checkpoint)")
      .option("val-split", "X", "validation share (default: from the checkpoint)")
      .option("seed", "N", "split seed (default: from the checkpoint)")
      .option("batch", "N", "windows per forward pass", "256")
      .flag("list", "print the file names of the pieces --split selects, one per line, instead of scoring them")
      .option("bigram-samples", "N", "also write N pieces sampled from the bigram baseline (seeds 1..N) into --out")
      .option("out", "DIR", "folder for --bigram-samples")
      .option("length", "N", "tokens per bigram sample", "400")
      .option("stats", "FILE_OR_DIR", "print music statistics of a MIDI file or folder")
      .option("reference", "DIR", "corpus for the pitch-class histogram distance")
      .option("encoder-options", "TEXT", "tokens for --stats without --checkpoint", "chord timing=1 markers=1");
  try {
    if (!args.parse(argc, argv)) return cli::exit_ok;
    if (!args.positional().empty()) throw cli::UsageError("unexpected argument \"" + args.positional()[0] + "\"");
    args.choice("split", {"validation", "all"});
    if (args.has("seq-len")) args.integer("seq-len", 1, 100000);
    if (args.has("stride")) args.integer("stride", 1, 100000);
    if (args.has("val-split")) args.number("val-split", 0, 0.9);
    if (args.has("seed")) args.integer("seed", 0, 9007199254740991LL);
    if (args.has("target")) args.choice("target", {"next_token", "shifted"});
    if (args.has("stats")) return statistics(args);
    if (!args.has("checkpoint") || !args.has("corpus"))
      throw cli::UsageError("give --checkpoint PATH --corpus DIR, or --stats FILE_OR_DIR");
    return evaluate(args);
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "symphonic-eval: %s (see --help)\n", e.what());
    return cli::exit_usage;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "symphonic-eval: out of memory: this model and batch do not fit in this machine's memory\n");
    return cli::exit_failure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "symphonic-eval: %s\n", e.what());
    return cli::exit_failure;
  }
}
