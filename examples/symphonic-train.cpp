// symphonic-train: fit an LSTM to a folder of MIDI files and write resumable checkpoints.
//
//   symphonic-train --corpus DIR --checkpoint model.safetensors [--max-minutes 10]
//   symphonic-train --corpus DIR --checkpoint model.safetensors --recipe     (the original recipe)
//   symphonic-train ... --resume        (continue from model.last.safetensors)
// Ctrl-C ends the current batch, writes model.last.safetensors and exits with status 130.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <new>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <symphonic/data/data.hpp>
#include <symphonic/detail/file_io.hpp>
#include <symphonic/distributed/communicator.hpp>
#include <symphonic/music/music.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/optim/optim.hpp>
#include <symphonic/train/callbacks.hpp>
#include <symphonic/train/preset.hpp>
#include <symphonic/train/trainer.hpp>
#ifdef SYMPHONIC_MPI
#include <symphonic/distributed/mpi.hpp>
#endif

#include "cli.hpp"
#include "device.hpp"

namespace sy = symphonic;

namespace {

const char* target_name(sy::data::Target target) { return target == sy::data::Target::next_token ? "next" : "shifted"; }

/// "adam" and "0.002" of "adam lr=0.002".
std::string optimizer_kind(const std::string& optimizer_text) { return optimizer_text.substr(0, optimizer_text.find(' ')); }
std::string optimizer_lr(const std::string& optimizer_text) {
  return sy::detail::format_number(sy::optim::make_optimizer<double>(optimizer_text, 1)->learning_rate());
}

std::vector<int> parse_sizes(const std::string& text) {
  std::vector<int> sizes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1 || v > 65536)
      throw cli::UsageError("--dense needs comma-separated sizes such as 256 or 512,256, got \"" + text + "\"");
    sizes.push_back(static_cast<int>(v));
  }
  return sizes;
}

// A model too large for this machine is refused before anything is allocated, with what it would
// take: weights, gradients and the optimizer's moments (Adam keeps two per weight, RMSprop and
// SGD one at most), 4 bytes each. Activations come on top, so this is a lower bound.
void check_model_fits(const sy::nn::ModelConfig& config, const std::string& optimizer) {
  const double weights = static_cast<double>(sy::nn::Model<float>::describe(config).parameter_count());
  const double bytes = weights * sizeof(float) * (optimizer == "adam" ? 4 : 3);
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return;  // unknown: the allocation itself will tell
  const double memory = static_cast<double>(pages) * static_cast<double>(page);
  if (bytes <= memory) return;
  char text[320];
  std::snprintf(text, sizeof text,
                "the model has %.3g parameters and needs at least %.1f GiB for its weights, gradients and %s state; "
                "this machine has %.1f GiB of memory: choose a smaller --hidden, --layers, --embedding or --dense",
                weights, bytes / 1073741824.0, optimizer.c_str(), memory / 1073741824.0);
  throw std::runtime_error(text);
}

// --distributed: this process is one rank of a data-parallel job started by mpirun.
struct Distributed {
#ifdef SYMPHONIC_MPI
  std::unique_ptr<sy::distributed::MpiSession> session;
  std::unique_ptr<sy::distributed::MpiCommunicator> world;
#endif
  bool on = false;
  int rank = 0, size = 1, local_size = 1;

  // A failure on one rank would leave the others waiting in their next collective: end the job.
  int exit(int code) {
#ifdef SYMPHONIC_MPI
    if (on && size > 1 && code != cli::exit_ok) sy::distributed::MpiSession::abort(code);
#endif
    return code;
  }
  // Errors every rank meets alike are told once, by rank 0; the others are told with the rank.
  void report(const char* text, bool alike) const {
    if (!on || size == 1) std::fprintf(stderr, "symphonic-train: %s\n", text);
    else if (!alike || rank == 0) std::fprintf(stderr, "symphonic-train: rank %d of %d: %s\n", rank, size, text);
  }
};

}  // namespace

int main(int argc, char** argv) {
  Distributed distributed;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--distributed") distributed.on = true;
#ifdef SYMPHONIC_MPI
  if (distributed.on) {
    try {
      distributed.session.reset(new sy::distributed::MpiSession(&argc, &argv));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "symphonic-train: --distributed: %s\n", e.what());
      return cli::exit_failure;
    }
  }
#endif
  // the defaults --help shows are the library's default run; --recipe fills in the recipe's
  const sy::train::RunPreset defaults = sy::train::run_preset("default");
  const sy::train::TrainerOptions& d = defaults.trainer;  // for the fallbacks below
  cli::Parser args("symphonic-train", "--corpus DIR --checkpoint PATH [options]",
                   "Trains an LSTM on every .mid/.midi file under DIR. Writes the best checkpoint (lowest\n"
                   "validation loss) to PATH and the latest, resumable one beside it (PATH with .last).");
  args.option("corpus", "DIR", "folder of MIDI files (searched recursively)")
      .option("checkpoint", "PATH", "best checkpoint; the last one goes to PATH with .last before the extension")
      .option("encoder", "chord|event", "tokens: chord onsets with durations, or performance events", "chord")
      .option("encoder-options", "TEXT", "full encoder options, e.g. \"event step_ms=20 markers=1\" (overrides --encoder)")
      .option("condition", "LIST", "control tokens learned with every piece, comma-separated: key, density, tempo (e.g. key,density); symphonic-generate then takes --key, --density and --tempo")
      .flag("recipe", "the original recipe: chord recipe=1 tokens, recipe model, rmsprop, 100-token windows")
      .option("preset", "recipe|default", "model preset", "default")
      .option("embedding", "N", "embedding size (default preset: 64)")
      .option("hidden", "N", "LSTM units per layer")
      .option("layers", "N", "LSTM layers")
      .option("dense", "N[,N...]", "hidden Dense+ReLU layers of the head")
      .option("dropout", "X", "dropout before each Dense layer")
      .option("epochs", "N", "epochs", std::to_string(d.epochs))
      .option("batch", "N", "windows per batch", std::to_string(d.batch_size))
      .option("seq-len", "N", "tokens per window", std::to_string(d.window.length))
      .option("target", "shifted|next", "predict the token after every step of a window, or only after its last (the recipe)",
              target_name(d.window.target))
      .option("stride", "N", "start-to-start distance of training windows (default: 1 with --target next, seq-len/4 with shifted)")
      .option("validation-stride", "N", "stride of validation windows (default: --stride)")
      .option("optimizer", "adam|rmsprop|sgd", "optimizer", optimizer_kind(d.optimizer))
      .option("lr", "X", "learning rate", optimizer_lr(d.optimizer))
      .option("clip", "X", "gradient-norm clip, 0 = off", sy::detail::format_number(d.clip_norm))
      .option("schedule", "TEXT", "none | step size=S gamma=G | exponential gamma=G | plateau factor=F patience=P", d.schedule)
      .option("patience", "N", "early stopping after N epochs without improvement, 0 = off", std::to_string(d.patience))
      .option("val-split", "X", "share of pieces held out for validation", sy::detail::format_number(d.val_split))
      .option("cache", "PATH", "token cache of the corpus (symphonic-tokens --save makes one too): read when valid, "
                               "updated when files changed, made when missing")
      .option("transpose", "LO..HI", "augmentation: each epoch moves every training piece by a seeded random shift "
                                     "in LO..HI semitones (e.g. -5..6); validation pieces are never moved")
      .flag("resume", "continue from the last checkpoint (model, optimizer, position, random state)")
      .flag("overwrite", "start a new run over existing checkpoints, replacing them (without it or --resume, they are kept and the run refused)")
      .option("threads", "N", "threads for reading the corpus and for every training step, 0 = all cores", "0")
      .option("device", "cpu|cuda", "where the training steps run: the CPU, or the first GPU in a build with the CUDA "
                                    "backend (the same checkpoints either way)", "cpu")
      .option("precision", "fp32|bf16", "arithmetic of the LSTM's products: bf16 uses AMX tiles or AVX512-BF16 (float weights, same checkpoints)", "fp32")
      .option("seed", "N", "seed of the split, the initial weights, dropout and batch order", "1")
      .option("max-minutes", "X", "stop after this much wall time (validated and saved), 0 = none", "0")
      .option("max-steps", "N", "stop after this many optimizer steps in all, 0 = none", "0")
      .flag("distributed", "data-parallel training across the processes of mpirun (a build with SYMPHONIC_MPI): each rank "
                           "computes its rows of every batch; rank 0 writes the checkpoints and reports")
      .flag("sync-batch-norm", "with --distributed: batch-norm statistics over the whole batch of all ranks (default: each rank's rows)")
      .option("distributed-timeout", "S", "with --distributed: a rank that waits this long for the others stops the job", "600")
      .flag("skip-non-finite", "skip a batch whose loss or gradient is NaN or infinite (counted per epoch) instead of stopping")
      .flag("quiet", "no progress bar: one line per epoch");
  try {
    if (!args.parse(argc, argv)) return cli::exit_ok;
    if (!args.positional().empty()) throw cli::UsageError("unexpected argument \"" + args.positional()[0] + "\"");
    if (!distributed.on && (args.flag_set("sync-batch-norm") || args.has("distributed-timeout")))
      throw cli::UsageError("--sync-batch-norm and --distributed-timeout go with --distributed");
    const double distributed_timeout = args.number("distributed-timeout", 1, 1e9);
#ifdef SYMPHONIC_MPI
    if (distributed.on) {
      distributed.world.reset(new sy::distributed::MpiCommunicator(MPI_COMM_WORLD, distributed_timeout));
      distributed.rank = distributed.world->rank();
      distributed.size = distributed.world->size();
      distributed.local_size = distributed.world->local_size();
      if (distributed.rank != 0 && !std::freopen("/dev/null", "w", stdout))  // rank 0 reports
        throw std::runtime_error("cannot silence the standard output of rank " + std::to_string(distributed.rank));
    }
#else
    if (distributed.on)
      throw cli::UsageError("--distributed: this symphonic-train was built without MPI (configure with -DSYMPHONIC_MPI=ON, "
                            "or meson -Dmpi=enabled, and run it under mpirun)");
    (void)distributed_timeout;
#endif
    const std::string corpus_dir = args.required("corpus");
    const std::string checkpoint = args.required("checkpoint");
    const bool recipe = args.flag_set("recipe");
    const bool resume = args.flag_set("resume");
    if (recipe && args.has("preset") && args.text("preset") != "recipe")
      throw cli::UsageError("--recipe and --preset " + args.text("preset") + " choose two different models: choose one");
    const std::string preset = recipe ? "recipe" : args.choice("preset", {"recipe", "default"});
    // --resume continues a run with its own settings, from its last checkpoint: a flag may repeat
    // one of them, never change it (that would not continue the run)
    // the last checkpoint is read and verified once, here, and resumed from later
    std::unique_ptr<sy::io::Checkpoint> resumed;
    sy::io::Metadata saved;
    sy::train::DataSettings data;  // the resumed run's windows, split and batches
    if (resume) {
      sy::train::TrainerOptions where;
      where.checkpoint_path = checkpoint;
      resumed.reset(new sy::io::Checkpoint(sy::io::Checkpoint::read(where.last_checkpoint_path())));
      saved = resumed->metadata();
      data = sy::train::DataSettings::from_text(saved[sy::train::keys::data]);
      const struct {
        const char* key;
        const char* flag;
        std::string value;
      } settings[] = {{"seq_len", "seq-len", std::to_string(data.window.length)},
                      {"stride", "stride", std::to_string(data.window.stride)},
                      {"target", "target", target_name(data.window.target)},
                      {"val_split", "val-split", sy::detail::format_number(data.val_split)},
                      {"seed", "seed", std::to_string(data.seed)},
                      {"batch", "batch", std::to_string(data.batch)},
                      {"transpose", "transpose", data.transpose.text()}};
      for (const auto& setting : settings) {
        if (!data.recorded(setting.key)) continue;  // a checkpoint from before that setting was recorded
        if (args.has(setting.flag) && !cli::same_value(args.text(setting.flag), setting.value))
          throw cli::UsageError(std::string("--") + setting.flag + " " + args.text(setting.flag) +
                                " contradicts the run being resumed (" + setting.value +
                                "): leave it out with --resume, or start a new run with --overwrite");
        args.fill(setting.flag, setting.value);
      }
      if (data.recorded("seq_len") && !data.recorded("transpose") && args.has("transpose"))
        throw cli::UsageError("--transpose: the run being resumed trained without transpositions: leave it out with "
                              "--resume, or start a new run with --overwrite");
    }
    // the run's settings that no flag (and no resumed run) gave
    const sy::train::RunPreset run = sy::train::run_preset(recipe ? "recipe" : "default");
    args.fill("batch", std::to_string(run.trainer.batch_size));
    args.fill("seq-len", std::to_string(run.trainer.window.length));
    args.fill("target", target_name(run.trainer.window.target));
    args.fill("optimizer", optimizer_kind(run.trainer.optimizer));
    args.fill("lr", optimizer_lr(run.trainer.optimizer));
    args.fill("schedule", run.trainer.schedule);
    std::string encoder_text;
    if (args.has("encoder-options")) encoder_text = args.text("encoder-options");
    else if (recipe) encoder_text = run.encoder;
    else encoder_text = args.choice("encoder", {"chord", "event"}) == "chord" ? defaults.encoder : "event markers=1";
    if (args.has("condition")) {
      if (encoder_text.find("condition=") != std::string::npos)
        throw cli::UsageError("--condition and the condition= of --encoder-options both set the conditions: choose one");
      encoder_text += " condition=" + args.text("condition");
    }
    const std::string optimizer = args.choice("optimizer", {"adam", "rmsprop", "sgd"});
    args.number("lr", 1e-9, 10);  // validates
    sy::train::TrainerOptions options;
    options.epochs = args.integer("epochs", 1, 1000000);
    options.batch_size = static_cast<int>(args.integer("batch", 1, 65536));
    options.window.length = static_cast<int>(args.integer("seq-len", 1, 100000));
    const std::string target = args.choice("target", {"shifted", "next"});
    options.window.target = target == "next" ? sy::data::Target::next_token : sy::data::Target::shifted;
    if (args.has("stride")) options.window.stride = static_cast<int>(args.integer("stride", 1, 100000));
    else options.window.stride = target == "next" ? 1 : std::max(1, options.window.length / 4);
    if (args.has("validation-stride")) options.validation_stride = static_cast<int>(args.integer("validation-stride", 1, 100000));
    options.optimizer = optimizer + " lr=" + args.text("lr");
    options.clip_norm = args.number("clip", 0, 1e9);
    options.schedule = args.text("schedule");
    options.patience = static_cast<int>(args.integer("patience", 0, 1000000));
    options.max_minutes = args.number("max-minutes", 0, 1e9);
    options.max_steps = args.integer("max-steps", 0, 1000000000000LL);
    options.seed = static_cast<std::uint64_t>(args.integer("seed", 0, 9007199254740991LL));
    options.checkpoint_path = checkpoint;
    options.skip_non_finite = args.flag_set("skip-non-finite");
    // a trained model is never replaced without being asked
    const bool overwrite = args.flag_set("overwrite");
    if (resume && overwrite) throw cli::UsageError("--resume continues the checkpoints and --overwrite replaces them: choose one");
    // one trainer per checkpoint: a second one pointed at it stops here, before it reads anything
    // one lock per run: data-parallel, rank 0 writes and holds it
    std::unique_ptr<sy::detail::FileLock> lock;
    if (distributed.rank == 0) lock.reset(new sy::detail::FileLock(checkpoint));
    if (!resume && !overwrite)
      for (const std::string& path : {checkpoint, options.last_checkpoint_path()})
        if (sy::detail::path_exists(path))
          throw cli::UsageError(path + " exists: pass --resume to continue that run, or --overwrite to start a new one over it");
    const double val_split = args.number("val-split", 0, 0.9);
    int threads = static_cast<int>(args.integer("threads", 0, 1024));
    if (distributed.on) {
      if (threads == 0) threads = sy::distributed::threads_per_replica(distributed.local_size);
      const int allowed = sy::backend::cpu::ThreadPool::default_threads();
      if (threads > allowed)
        std::fprintf(stderr, "symphonic-train: rank %d: --threads %d but this rank may run on %d CPUs only (the launcher "
                     "binds it: with Open MPI pass --bind-to none, or --map-by slot:PE=%d)\n",
                     distributed.rank, threads, allowed, threads);
    }
    const sy::nn::Precision precision = sy::nn::parse_precision(args.choice("precision", {"fp32", "bf16"}));
    const std::string device_name = args.choice("device", {"cpu", "cuda"});
    cli::check_device(device_name);
    if (device_name != "cpu" && distributed.on) throw cli::UsageError("--distributed trains on the CPU backend: leave out --device");
    if (device_name != "cpu" && precision != sy::nn::Precision::fp32)
      throw cli::UsageError("--precision bf16 is the CPU backend's: leave it out with --device " + device_name);
    try {
      sy::nn::check_precision<float>(precision);  // before the corpus is read: a clear refusal, at once
    } catch (const sy::nn::ConfigError& e) {
      throw cli::UsageError(std::string("--precision bf16: ") + e.what());
    }

    // the corpus, tokenized; on resume with the checkpoint's vocabulary so ids stay put
    std::unique_ptr<sy::music::Encoder> encoder;
    try {
      encoder = sy::music::make_encoder(encoder_text);
    } catch (const sy::music::VocabularyError& e) {
      throw cli::UsageError(std::string("bad encoder options: ") + e.what());
    }
    std::printf("reading %s with encoder \"%s\"...\n", corpus_dir.c_str(), encoder->options_text().c_str());
    std::fflush(stdout);
    sy::data::TransposeRange transpose;
    if (args.has("transpose")) {
      try {
        transpose = sy::data::TransposeRange::parse(args.text("transpose"));
      } catch (const sy::data::DataError& e) {
        throw cli::UsageError(std::string("--transpose: ") + e.what());
      }
    }
    // with --cache, one cache holds the corpus's tokens and the training pieces' transpositions
    std::unique_ptr<sy::data::TokenCache> cache;
    sy::data::CacheReport cache_report;
    if (args.has("cache")) cache.reset(new sy::data::TokenCache(sy::data::TokenCache::open(args.text("cache"), encoder->options_text(), &cache_report)));
    sy::data::Corpus corpus = cache ? sy::data::load_corpus(*cache, corpus_dir, *encoder, {}, threads, &cache_report)
                                    : sy::data::load_corpus(corpus_dir, *encoder, {}, threads);
    if (corpus.pieces.empty()) {
      distributed.report(("no readable MIDI files under " + corpus_dir).c_str(), true);
      return distributed.exit(cli::exit_failure);
    }
    for (const auto& piece : corpus.pieces)
      for (const std::string& path : {checkpoint, options.last_checkpoint_path()})
        if (sy::detail::same_file(path, piece.name))
          throw cli::UsageError("--checkpoint would write over " + piece.name + ", a file of the corpus");
    sy::music::Vocabulary vocabulary = corpus.vocabulary;
    sy::nn::ModelConfig config;
    if (resume) {
      const auto need = [&](const char* key) -> const std::string& {
        const auto it = saved.find(key);
        if (it == saved.end()) throw sy::train::TrainError(options.last_checkpoint_path() + " has no " + key);
        return it->second;
      };
      vocabulary = sy::music::Vocabulary::from_text(need(sy::train::keys::vocabulary));
      config = sy::nn::ModelConfig::from_text(need(sy::train::keys::model_config));
      const auto contradicts = [&](const char* flag, const std::string& trained) {
        if (args.has(flag) && !cli::same_value(args.text(flag), trained))
          throw cli::UsageError(std::string("--") + flag + " " + args.text(flag) + " contradicts the model being resumed (" +
                                trained + "): leave it out with --resume, or start a new run with --overwrite");
      };
      contradicts("embedding", std::to_string(config.embedding_size));
      contradicts("hidden", std::to_string(config.lstm_size));
      contradicts("layers", std::to_string(config.lstm_layers));
      contradicts("dropout", sy::detail::format_number(config.dropout));
      if (args.has("dense") && parse_sizes(args.text("dense")) != config.dense_sizes)
        throw cli::UsageError("--dense " + args.text("dense") + " contradicts the model being resumed");
      if (!data.corpus.empty() && data.corpus != sy::data::pieces_fingerprint(corpus.pieces, corpus_dir))
        throw cli::UsageError(corpus_dir + " is not the corpus this run trained on (pieces added, removed or renamed), "
                              "so its split and batches would not continue the run: start a new run with --overwrite");
      if (vocabulary.encoder_options() != encoder->options_text())
        throw cli::UsageError("the checkpoint was trained with encoder \"" + vocabulary.encoder_options() +
                              "\"; pass --encoder-options \"" + vocabulary.encoder_options() + "\"");
      sy::data::use_vocabulary(corpus, vocabulary);
    }
    std::int64_t tokens = 0;
    for (const auto& p : corpus.pieces) tokens += static_cast<std::int64_t>(p.ids.size());
    std::printf("corpus: %zu pieces, %lld tokens, vocabulary %d", corpus.pieces.size(), static_cast<long long>(tokens),
                vocabulary.size());
    std::printf("\nfolder: %s", corpus.folder_summary.c_str());
    if (!corpus.failed.empty()) std::printf("; %zu MIDI files could not be read", corpus.failed.size());
    std::printf("\n");
    sy::data::Split split = sy::data::split_by_piece(corpus.pieces, val_split, options.seed);
    if (transpose.active()) {
      // after the split: no copy of a validation piece is trained on; a resumed model's vocabulary stays as it is
      const std::size_t added = sy::data::add_transpositions(split.train, corpus_dir, transpose, *encoder, vocabulary, !resume,
                                                             threads, cache.get(), &cache_report);
      std::size_t copies = 0;
      for (const auto& piece : split.train) copies += piece.transposed.size();
      std::printf("augmentation: shifts %s of the %zu training pieces, %zu transposed copies; %zu tokens added to the vocabulary\n",
                  transpose.text().c_str(), split.train.size(), copies, added);
      options.transpose = transpose;
    }
    if (cache) {
      if (cache_report.changed() && distributed.rank == 0) cache->write(args.text("cache"));
      std::printf("%s (%s)\n", cache_report.summary().c_str(), args.text("cache").c_str());
    }
    if (!resume) {
      config = sy::nn::ModelConfig::preset(preset, vocabulary.size());
      if (args.has("embedding")) config.embedding_size = static_cast<int>(args.integer("embedding", 1, 65536));
      if (args.has("hidden")) config.lstm_size = static_cast<int>(args.integer("hidden", 1, 65536));
      if (args.has("layers")) config.lstm_layers = static_cast<int>(args.integer("layers", 1, 64));
      if (args.has("dense")) config.dense_sizes = parse_sizes(args.text("dense"));
      if (args.has("dropout")) config.dropout = args.number("dropout", 0, 0.95);
      config.validate();
    }
    options.val_split = val_split;
    options.corpus_root = corpus_dir;  // the checkpoints record the split's fingerprints

    check_model_fits(config, optimizer);
    sy::nn::Model<float> model(config, options.seed, threads > 0 ? threads : sy::backend::cpu::ThreadPool::default_threads());
    model.set_precision(precision);
    std::printf("model: preset %s, %lld parameters, %s, %d threads; %zu training and %zu validation pieces\n",
                preset.c_str(), static_cast<long long>(model.parameter_count()), sy::nn::precision_description(precision).c_str(),
                model.threads(), split.train.size(), split.validation.size());
    if (distributed.on) {
#ifdef SYMPHONIC_MPI
      options.communicator = distributed.world.get();
#endif
      options.sync_batch_norm = args.flag_set("sync-batch-norm");
      std::printf("data-parallel: %d ranks (%d on this machine), %d threads each; each computes its rows of every batch "
                  "of %d; batch-norm statistics %s\n",
                  distributed.size, distributed.local_size, model.threads(), options.batch_size,
                  options.sync_batch_norm ? "over the whole batch (synchronised)" : "over each rank's rows");
    }
    sy::train::install_interrupt_handler();
    options.stop_flag = &sy::train::interrupt_flag();
    sy::train::Trainer<float> trainer(model, vocabulary, split, options);
    if (resume) {
      trainer.resume(*resumed, options.last_checkpoint_path());
      std::printf("resumed from %s at epoch %lld, batch %lld, step %lld\n", options.last_checkpoint_path().c_str(),
                  static_cast<long long>(trainer.state().epoch + 1), static_cast<long long>(trainer.state().batch),
                  static_cast<long long>(trainer.state().step));
    }
    // after the resume, so that the device starts from the resumed weights and optimizer state
    const std::unique_ptr<sy::train::StepDevice<float>> device = cli::make_train_device(device_name, config);
    if (device) {
      trainer.set_device(*device);
      std::printf("device: %s\n", device->name().c_str());
    }
    std::printf("%lld training windows (%lld batches per epoch), %lld validation windows\n",
                static_cast<long long>(trainer.training_windows()), static_cast<long long>(trainer.batches_per_epoch()),
                static_cast<long long>(trainer.validation_windows()));
    if (trainer.validation_windows() == 0)
      std::printf("no validation windows (too few pieces, or --val-split 0): the best checkpoint is the epoch with "
                  "the lowest training loss\n");
    std::fflush(stdout);
    sy::train::ProgressCallback progress(std::cout, sy::train::is_terminal(stdout));
    struct Messages : sy::train::Callback {
      void on_message(const std::string& text) override { std::printf("%s\n", text.c_str()); }
      void on_epoch_end(const sy::train::EpochReport& r) override {
        std::printf("%s\n", sy::train::describe(r).c_str());
        std::fflush(stdout);
      }
    } messages;
    if (distributed.rank == 0)
      trainer.add_callback(args.flag_set("quiet") ? static_cast<sy::train::Callback&>(messages) : progress);
    const sy::train::TrainResult result = trainer.fit();
    std::printf("stopped: %s after %lld steps, %.1f s; best %s loss %.4f\n",
                sy::train::stop_reason_name(result.reason), static_cast<long long>(result.steps), result.seconds,
                trainer.validation_windows() > 0 ? "validation" : "training", result.best_validation_loss);
    if (result.reason == sy::train::StopReason::interrupted) return cli::exit_interrupted;  // every rank stopped
    const sy::train::Metrics baseline = trainer.bigram_baseline();
    if (baseline.count > 0)
      std::printf("bigram baseline on the same validation windows: loss %.4f, accuracy %.3f, perplexity %.2f\n",
                  baseline.loss(), baseline.accuracy(), baseline.perplexity());
    std::printf("checkpoints: %s (best), %s (last)\n", checkpoint.c_str(), options.last_checkpoint_path().c_str());
    return cli::exit_ok;
  } catch (const cli::UsageError& e) {
    distributed.report((std::string(e.what()) + " (see --help)").c_str(), true);
    return distributed.exit(cli::exit_usage);
  } catch (const std::bad_alloc&) {
    distributed.report("out of memory: the model (--hidden, --layers, --embedding, --dense), the batch "
                       "(--batch, --seq-len) or the corpus does not fit in this machine's memory", false);
    return distributed.exit(cli::exit_failure);
  } catch (const std::exception& e) {
    distributed.report(e.what(), false);
    return distributed.exit(cli::exit_failure);
  }
}
