// symphonic/train/trainer.hpp - fitting a model to a corpus, epoch after epoch, resumably.
//
//   Trainer<float> trainer(model, vocabulary, split, options);
//   trainer.add_callback(progress);            // train/callbacks.hpp
//   if (resume) trainer.resume(options.last_checkpoint_path());
//   TrainResult result = trainer.fit();
//
// One epoch = every training window once, in an order shuffled from (seed, epoch); then the
// validation windows, built the same way, give loss, accuracy and perplexity. Around that:
//   best checkpoint    written to `checkpoint_path` whenever the validation loss improves
//   last checkpoint    written to last_checkpoint_path() after every epoch and on an interrupt
//   early stopping     after `patience` epochs without improvement
//   schedule           "none", "step size=S gamma=G", "exponential gamma=G",
//                      "plateau factor=F patience=P" (on the validation loss)
//   limits             max_minutes (wall time), max_steps; the epoch is cut short, validated
//   interrupt          `stop_flag` (install_interrupt_handler() ties it to Ctrl-C) ends the batch,
//                      writes the last checkpoint and returns
// A checkpoint holds the weights, batch-norm buffers, optimizer state, and metadata:
//   symphonic.model_config   ModelConfig::to_text()       symphonic.vocabulary  Vocabulary::to_text()
//   symphonic.optimizer      Optimizer::options_text()    symphonic.step / .epoch / .rng
//   symphonic.trainer        the rest of the trainer state (position in the epoch, running sums,
//                            best loss, patience, schedule), one "key=value" per line
// so resume() continues exactly: the same batches, dropout masks and updates as a run that was
// never stopped (tests/train checks the losses bit for bit). Carried LSTM state (carry_state)
// is not saved: a resumed run with it starts the next window from zero.
//
// Data-parallel (options.communicator, distributed/communicator.hpp): every replica runs this same
// loop over the same batches; each computes its rows of every batch, the gradients are summed
// over the replicas before the clip and the optimizer step, so all replicas take the same step
// (the step a single process takes on the whole batch, up to the order of the additions). The
// validation sums, the interrupt flag and the time limit are summed too, so every replica agrees
// on the epoch, the step and when to stop. Rank 0 alone writes checkpoints. Batch-norm statistics
// are each replica's own rows' unless sync_batch_norm (then the whole batch's, as one process).
//
// Another device (set_device, train/step_device.hpp: a GPU): the steps and the validation
// forwards run there on a copy of the model; the host model and optimizer are brought up to date
// before every checkpoint, at the end of each epoch and of fit(), and the device from them after
// a resume. Everything else (batches, schedule, limits, reports) is the same loop.
#pragma once

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/data/data.hpp"
#include "symphonic/detail/file_io.hpp"
#include "symphonic/detail/key_value.hpp"
#include "symphonic/distributed/communicator.hpp"
#include "symphonic/error.hpp"
#include "symphonic/io/checkpoint.hpp"
#include "symphonic/music/vocabulary.hpp"
#include "symphonic/nn/model.hpp"
#include "symphonic/optim/optim.hpp"
#include "symphonic/train/bigram.hpp"
#include "symphonic/train/callbacks.hpp"
#include "symphonic/train/checkpoint_keys.hpp"
#include "symphonic/train/data_settings.hpp"
#include "symphonic/train/step_device.hpp"
#include "symphonic/train/train_error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

struct TrainerOptions {
  std::int64_t epochs = 20;
  int batch_size = 64;
  data::WindowOptions window;          ///< length, stride and target kind of the windows
  int validation_stride = 0;           ///< 0: the training stride
  std::string optimizer = "adam lr=0.001";
  double clip_norm = 5.0;              ///< global gradient-norm clip; 0 switches it off
  std::string schedule = "none";
  int patience = 0;                    ///< early stopping after this many epochs without improvement; 0: off
  double max_minutes = 0;              ///< wall-time budget of this run; 0: none
  std::int64_t max_steps = 0;          ///< total optimizer steps; 0: none
  std::uint64_t seed = 1;              ///< batch order (and the shift of each piece in each epoch)
  /// Augmentation: each epoch serves every training piece at one shift of this range, drawn from
  /// (seed, epoch, piece); the pieces must carry those transpositions (data::add_transpositions).
  /// Validation pieces are served as they are.
  data::TransposeRange transpose;
  bool carry_state = false;            ///< truncated BPTT across consecutive windows
  std::string checkpoint_path;         ///< best checkpoint; empty: no checkpoints at all
  std::string last_path;               ///< last checkpoint; empty: derived from checkpoint_path
  const volatile std::sig_atomic_t* stop_flag = nullptr;  ///< nonzero: stop after this batch
  io::SaveOptions save;                ///< durability of checkpoint writes
  io::Metadata extra_metadata;         ///< more metadata for every checkpoint
  /// Recorded in the checkpoints' data settings (train/data_settings.hpp) for an evaluation to
  /// rebuild the split: the share of pieces the split held out, and the folder the pieces' names
  /// are relative to in its fingerprints (empty: no fingerprints recorded).
  double val_split = 0;
  std::string corpus_root;
  /// A batch whose loss or gradient is not finite (NaN or infinite): false (default) stops
  /// training with a TrainError naming the step, before the optimizer takes it, so the weights
  /// and the checkpoints on disk stay those of the last good step; true skips the batch (no
  /// optimizer step) and counts it in the epoch's report.
  bool skip_non_finite = false;
  /// Data-parallel training over these replicas (see the file comment); null: this process alone.
  /// Must outlive the trainer.
  distributed::Communicator* communicator = nullptr;
  /// Batch-norm statistics over the whole batch of all replicas (two small sums per batch norm
  /// per step) rather than over each replica's rows; with it, R replicas train exactly as one.
  bool sync_batch_norm = false;

  /// "model.safetensors" -> "model.last.safetensors"; "model" -> "model.last".
  std::string last_checkpoint_path() const {
    if (!last_path.empty() || checkpoint_path.empty()) return last_path;
    return ::symphonic::detail::insert_before_extension(checkpoint_path, ".last");
  }
};

/// "NaN", "+infinity" or "-infinity", for messages about a non-finite value.
inline std::string describe_non_finite(double v) {
  return std::isnan(v) ? "NaN" : v > 0 ? "+infinity" : "-infinity";
}

enum class StopReason { finished, early_stopping, time_limit, step_limit, interrupted };

inline const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::finished: return "finished";
    case StopReason::early_stopping: return "early stopping";
    case StopReason::time_limit: return "time limit";
    case StopReason::step_limit: return "step limit";
    case StopReason::interrupted: return "interrupted";
  }
  return "?";
}

struct TrainResult {
  StopReason reason = StopReason::finished;
  std::int64_t epochs_completed = 0;
  std::int64_t steps = 0;
  double best_validation_loss = std::numeric_limits<double>::infinity();
  std::vector<EpochReport> epochs;  ///< of this run
  double seconds = 0;
};

/// Everything of the trainer's progress that a checkpoint must carry.
struct TrainerState {
  std::int64_t epoch = 0;             ///< current (or next) epoch, 0-based
  std::int64_t batch = 0;             ///< batches of `epoch` already done
  std::int64_t step = 0;              ///< optimizer steps so far
  Metrics epoch_train;                ///< running sums of the current epoch
  std::int64_t epoch_tokens = 0;
  double epoch_seconds = 0;
  double best_validation_loss = std::numeric_limits<double>::infinity();
  int bad_epochs = 0;                 ///< epochs since the best (early stopping)
  std::int64_t epoch_skipped = 0;     ///< batches of `epoch` skipped for a non-finite loss or gradient
  std::string schedule_state;         ///< ReduceOnPlateau::state_text()

  std::string to_text() const {
    std::string t;
    const auto put = [&t](const char* key, const std::string& value) { t += std::string(key) + "=" + value + "\n"; };
    put("epoch", std::to_string(epoch));
    put("batch", std::to_string(batch));
    put("step", std::to_string(step));
    using symphonic::detail::format_number;
    put("epoch_loss_sum", format_number(epoch_train.loss_sum));
    put("epoch_correct", std::to_string(epoch_train.correct));
    put("epoch_count", std::to_string(epoch_train.count));
    put("epoch_tokens", std::to_string(epoch_tokens));
    put("epoch_seconds", format_number(epoch_seconds));
    put("best_validation_loss", format_number(best_validation_loss));
    put("bad_epochs", std::to_string(bad_epochs));
    put("epoch_skipped", std::to_string(epoch_skipped));
    put("schedule_state", schedule_state);
    return t;
  }

  static TrainerState from_text(const std::string& text) {
    symphonic::detail::KeyValues values(text, symphonic::detail::KeyValues::Layout::lines, "symphonic.trainer",
                                        [](const std::string& message) {
                                          SYMPHONIC_THROW(io::CheckpointError("metadata", message));
                                        });
    const std::int64_t count_max = std::numeric_limits<std::int64_t>::max();
    TrainerState s;
    s.epoch = values.integer("epoch", 0, count_max);
    s.batch = values.integer("batch", 0, count_max);
    s.step = values.integer("step", 0, count_max);
    s.epoch_train.loss_sum = values.number("epoch_loss_sum");
    s.epoch_train.correct = values.integer("epoch_correct", 0, count_max);
    s.epoch_train.count = values.integer("epoch_count", 0, count_max);
    s.epoch_tokens = values.integer("epoch_tokens", 0, count_max);
    s.epoch_seconds = values.number("epoch_seconds");
    // +inf until a first epoch is validated
    s.best_validation_loss = values.number_or_infinity("best_validation_loss");
    s.bad_epochs = static_cast<int>(values.integer("bad_epochs", 0, std::numeric_limits<int>::max()));
    s.epoch_skipped = values.integer("epoch_skipped", 0, 0, count_max);  // absent before it existed
    s.schedule_state = values.text("schedule_state");
    values.finish();
    return s;
  }
};

template <class Scalar>
class Trainer {
 public:
  /// `model` and `vocabulary` must outlive the trainer. The split's pieces are copied.
  Trainer(nn::Model<Scalar>& model, const music::Vocabulary& vocabulary, data::Split split, TrainerOptions options)
      : model_(model), vocabulary_(vocabulary), split_(std::move(split)), options_(std::move(options)) {
    if (options_.epochs < 1) SYMPHONIC_THROW(TrainError("epochs must be >= 1"));
    if (options_.batch_size < 1) SYMPHONIC_THROW(TrainError("batch size must be >= 1"));
    if (options_.window.length < 1) SYMPHONIC_THROW(TrainError("window length must be >= 1"));
    if (options_.clip_norm < 0) SYMPHONIC_THROW(TrainError("clip norm must be >= 0"));
    if (model_.config().vocab_size != vocabulary_.size())
      SYMPHONIC_THROW(TrainError("the model has " + std::to_string(model_.config().vocab_size) +
                                 " outputs but the vocabulary " + std::to_string(vocabulary_.size()) + " tokens"));
    optimizer_ = optim::make_optimizer<Scalar>(options_.optimizer, model_.parameter_count());
    base_lr_ = optimizer_->learning_rate();
    schedule_ = optim::make_schedule(options_.schedule, base_lr_);
    train_batcher_.reset(new data::Batcher(split_.train, options_.window, options_.batch_size, options_.seed, true));
    if (options_.transpose.active()) train_batcher_->set_transpositions(options_.transpose);
    if (train_batcher_->window_count() == 0)
      SYMPHONIC_THROW(TrainError("no training windows: every training piece is shorter than the window length + 1 (" +
                                 std::to_string(options_.window.length + 1) + " tokens)"));
    validation_window_ = options_.window;
    if (options_.validation_stride > 0) validation_window_.stride = options_.validation_stride;
    if (!split_.validation.empty())
      validation_batcher_.reset(new data::Batcher(split_.validation, validation_window_, options_.batch_size, options_.seed, false));
    workspace_.carry_state = options_.carry_state;
    data_settings_text_ = data_settings().to_text();
    if (options_.communicator && options_.sync_batch_norm) {
      distributed::Communicator* c = options_.communicator;
      workspace_.replicas = [c](double* values, Eigen::Index n) { c->sum(values, static_cast<std::size_t>(n)); };
    }
  }

  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  void add_callback(Callback& callback) { callbacks_.push_back(&callback); }

  /// Runs the steps and validation on `device` (which must outlive the trainer) from now on,
  /// starting from the host model and optimizer as they are. Not with a communicator: data-
  /// parallel training runs on the CPU backend.
  void set_device(StepDevice<Scalar>& device) {
    if (options_.communicator) SYMPHONIC_THROW(TrainError("data-parallel training runs on the CPU backend only"));
    device_ = &device;
    device_->set_carry_state(options_.carry_state);
    device_->upload(model_, *optimizer_);
    host_current_ = true;
  }
  StepDevice<Scalar>* device() const { return device_; }
  optim::Optimizer<Scalar>& optimizer() { return *optimizer_; }
  const TrainerState& state() const { return state_; }
  const TrainerOptions& options() const { return options_; }
  /// Of the epoch the trainer stands at (they can differ by epoch with transpositions).
  std::int64_t batches_per_epoch() const { return train_batcher_->batch_count(); }
  std::int64_t training_windows() const { return train_batcher_->window_count(); }
  std::int64_t validation_windows() const { return validation_batcher_ ? validation_batcher_->window_count() : 0; }

  /// Loss, accuracy and perplexity of the model on the validation windows (inference mode).
  /// Data-parallel, each replica validates its rows and the sums are summed: every replica must
  /// call it.
  Metrics validate() {
    Metrics m;
    if (!validation_batcher_) return m;
    workspace_.carried = typename nn::Model<Scalar>::State();  // the next training window starts from zero
    if (device_) device_->forget_state();
    validation_batcher_->start_epoch(0);
    data::Batch batch;
    while (validation_batcher_->next(batch)) {
      const data::Batch* mine = my_rows(batch, mine_);
      if (!mine) continue;
      const auto r = device_ ? device_->evaluate(mine->inputs, mine->targets)
                             : model_.forward(validation_workspace_, mine->inputs, mine->targets, nn::Mode::infer);
      m.loss_sum += r.loss * static_cast<double>(r.count);
      m.correct += r.correct;
      m.count += r.count;
    }
    if (options_.communicator) {
      double sums[3] = {m.loss_sum, static_cast<double>(m.correct), static_cast<double>(m.count)};
      options_.communicator->sum(sums, 3);
      m.loss_sum = sums[0];
      m.correct = static_cast<std::int64_t>(sums[1]);
      m.count = static_cast<std::int64_t>(sums[2]);
    }
    return m;
  }

  /// True when this process writes checkpoints and reports: alone, or rank 0 of its replicas.
  bool is_reporter() const { return !options_.communicator || options_.communicator->rank() == 0; }

  /// The same figures for an add-k bigram fitted on the training pieces, on the same windows.
  Metrics bigram_baseline(double k = 0.05) const {
    Bigram bigram(vocabulary_.size(), k);
    for (const data::Piece& p : split_.train) bigram.add_piece(p.ids);
    Metrics m;
    if (!validation_batcher_) return m;
    data::Batcher batcher(split_.validation, validation_window_, options_.batch_size, options_.seed, false);
    batcher.start_epoch(0);
    data::Batch batch;
    while (batcher.next(batch)) m.add(bigram.evaluate(batch.inputs, batch.targets));
    return m;
  }

  /// What the checkpoints record of the windows, the split and the batches.
  DataSettings data_settings() const {
    DataSettings d;
    d.window = options_.window;
    d.val_split = options_.val_split;
    d.seed = options_.seed;
    d.batch = options_.batch_size;
    d.transpose = options_.transpose;
    if (!options_.corpus_root.empty()) {
      d.validation = data::pieces_fingerprint(split_.validation, options_.corpus_root);
      std::vector<std::string> names;  // the split's two sides are every piece
      for (const auto* side : {&split_.train, &split_.validation})
        for (const data::Piece& p : *side) names.push_back(p.name);
      d.corpus = data::names_fingerprint(names, options_.corpus_root);
    }
    return d;
  }

  /// Writes a checkpoint of the model, the optimizer and the trainer state to `path` (atomic).
  /// Refuses (TrainError, nothing written) weights that hold NaN or infinite values. Data-parallel,
  /// only rank 0 writes (the others hold the same weights and state); the others return at once.
  void save(const std::string& path) {
    if (!is_reporter()) return;
    sync_host();
    std::vector<nn::NamedTensor<Scalar>> tensors = model_.named_parameters();
    for (auto& b : model_.buffers()) tensors.push_back(b);
    for (const auto& t : tensors)
      for (std::int64_t i = 0; i < t.element_count(); ++i)
        if (!std::isfinite(static_cast<double>(t.data[i])))
          SYMPHONIC_THROW(TrainError(path + " not written: tensor " + t.name + " holds NaN or infinite values"));
    for (auto& s : optimizer_->state_tensors()) tensors.push_back(s);
    io::Metadata meta = options_.extra_metadata;
    meta[keys::model_config] = model_.config().to_text();
    meta[keys::vocabulary] = vocabulary_.to_text();
    meta[keys::optimizer] = optimizer_->options_text();
    meta[keys::step] = std::to_string(state_.step);
    meta[keys::epoch] = std::to_string(state_.epoch);
    meta[keys::rng] = std::to_string(model_.rng_state());
    meta[keys::trainer] = state_.to_text();
    meta[keys::optimizer_steps] = std::to_string(optimizer_->step_count());
    meta[keys::data] = data_settings_text_;
    io::save_checkpoint(path, tensors, meta, options_.save);
  }

  /// Restores weights, optimizer state and trainer state from a checkpoint this trainer's save()
  /// wrote for the same model configuration and vocabulary; throws TrainError when they differ.
  void resume(const std::string& path) { resume(io::Checkpoint::read(path), path); }

  /// The same from a checkpoint already read (and verified) from `path`, which the messages name.
  void resume(const io::Checkpoint& checkpoint, const std::string& path) {
    const auto need = [&](const char* key) -> std::string {
      const auto it = checkpoint.metadata().find(key);
      if (it == checkpoint.metadata().end())
        SYMPHONIC_THROW(TrainError(path + " is not a resumable training checkpoint (no " + key + ")"));
      return it->second;
    };
    // compared as configurations: older checkpoints wrote their numbers with 17 digits
    if (nn::ModelConfig::from_text(need(keys::model_config)).to_text() != model_.config().to_text())
      SYMPHONIC_THROW(TrainError(path + " was trained with a different model configuration"));
    if (need(keys::vocabulary) != vocabulary_.to_text())
      SYMPHONIC_THROW(TrainError(path + " was trained with a different vocabulary"));
    const TrainerState state = TrainerState::from_text(need(keys::trainer));
    std::unique_ptr<optim::Optimizer<Scalar>> optimizer = optim::make_optimizer<Scalar>(need(keys::optimizer), model_.parameter_count());
    std::vector<nn::NamedTensor<Scalar>> tensors = model_.named_parameters();
    for (auto& b : model_.buffers()) tensors.push_back(b);
    for (auto& s : optimizer->state_tensors()) tensors.push_back(s);
    io::load_tensors(checkpoint, tensors);
    std::int64_t optimizer_steps = 0;
    std::uint64_t rng = 0;
    if (!symphonic::detail::parse_integer(need(keys::optimizer_steps), optimizer_steps) || optimizer_steps < 0)
      SYMPHONIC_THROW(io::CheckpointError("metadata", path + ": " + keys::optimizer_steps + " is not a count"));
    if (!symphonic::detail::parse_unsigned(need(keys::rng), rng))
      SYMPHONIC_THROW(io::CheckpointError("metadata", path + ": " + keys::rng + " is not a 64-bit unsigned integer"));
    optimizer->set_step_count(optimizer_steps);
    model_.set_rng_state(rng);
    optimizer_ = std::move(optimizer);
    state_ = state;
    train_batcher_->start_epoch(state_.epoch);  // so batches_per_epoch() is this epoch's
    if (device_) device_->upload(model_, *optimizer_);
    host_current_ = true;
    schedule_->restore(state_.epoch, state_.schedule_state);
  }

  /// Trains until the epochs are done or a limit, early stopping or the stop flag ends it.
  TrainResult fit() {
    using clock = std::chrono::steady_clock;
    const auto run_start = clock::now();
    const auto since_start = [&] { return std::chrono::duration<double>(clock::now() - run_start).count(); };
    TrainResult result;
    result.best_validation_loss = state_.best_validation_loss;
    data::Batch batch;
    for (; state_.epoch < options_.epochs; ++state_.epoch) {
      train_batcher_->start_epoch(state_.epoch);
      const std::int64_t batches = train_batcher_->batch_count();  // transpositions change it per epoch
      for (std::int64_t skip = 0; skip < state_.batch; ++skip) train_batcher_->next(batch);
      for (Callback* c : callbacks_) c->on_epoch_begin(state_.epoch, options_.epochs, batches);
      const double lr_used = optimizer_->learning_rate();
      StopReason stop = StopReason::finished;
      const auto epoch_start = clock::now();
      const double seconds_before = state_.epoch_seconds;
      while (train_batcher_->next(batch)) {
        if (!device_) model_.zero_grad();
        const Metrics r = train_batch(batch);
        const double loss = r.count > 0 ? r.loss_sum / static_cast<double>(r.count) : 0.0;
        // the norm is wanted anyway: a NaN or infinity anywhere in the gradient makes it non-finite
        const double norm = device_ ? device_->clip_gradients(options_.clip_norm)
                            : options_.clip_norm > 0 ? optim::clip_grad_norm<Scalar>(model_.gradients(), options_.clip_norm)
                                                     : optim::global_norm<Scalar>(model_.gradients());
        if (!std::isfinite(loss) || !std::isfinite(norm)) {
          const std::string what = "step " + std::to_string(state_.step + 1) + " (epoch " +
                                   std::to_string(state_.epoch + 1) + ", batch " + std::to_string(state_.batch + 1) +
                                   "): the " + (!std::isfinite(loss) ? "loss" : "gradient norm") + " is " +
                                   describe_non_finite(!std::isfinite(loss) ? loss : norm);
          if (!options_.skip_non_finite)
            SYMPHONIC_THROW(TrainError(what + "; training stopped before that step, so the weights and the "
                                              "checkpoints are those of the last good step (a lower learning rate "
                                              "or --clip may help; --skip-non-finite skips such batches)"));
          ++state_.batch;  // skipped: no optimizer step, not in the epoch's sums
          ++state_.epoch_skipped;
          if (state_.epoch_skipped == 1) message(what + ": batch skipped (counted in the epoch's line)");
          continue;
        }
        if (device_) {
          device_->optimizer_step();
          host_current_ = false;
        } else {
          optimizer_->step(model_.parameters(), model_.gradients());
        }
        ++state_.step;
        ++state_.batch;
        state_.epoch_train.loss_sum += r.loss_sum;
        state_.epoch_train.correct += r.correct;
        state_.epoch_train.count += r.count;
        state_.epoch_tokens += batch.inputs.size();
        state_.epoch_seconds = seconds_before + std::chrono::duration<double>(clock::now() - epoch_start).count();
        BatchReport report;
        report.epoch = state_.epoch;
        report.batch = state_.batch;
        report.batches = batches;
        report.step = state_.step;
        report.loss = loss;
        report.mean_loss = state_.epoch_train.loss();
        report.tokens_per_s = state_.epoch_seconds > 0 ? static_cast<double>(state_.epoch_tokens) / state_.epoch_seconds : 0;
        report.gradient_norm = norm;
        for (Callback* c : callbacks_) c->on_batch_end(report);
        // data-parallel, one replica's interrupt or clock stops every replica after this batch
        double stops[2] = {options_.stop_flag && *options_.stop_flag ? 1.0 : 0.0,
                           options_.max_minutes > 0 && since_start() >= options_.max_minutes * 60.0 ? 1.0 : 0.0};
        if (options_.communicator) options_.communicator->sum(stops, 2);
        if (stops[0] > 0) {
          stop = StopReason::interrupted;
          break;
        }
        if (options_.max_steps > 0 && state_.step >= options_.max_steps) {
          stop = StopReason::step_limit;
          break;
        }
        if (stops[1] > 0) {
          stop = StopReason::time_limit;
          break;
        }
      }
      const bool epoch_done = state_.batch >= batches;
      if (stop == StopReason::interrupted) {
        // keep the exact position: the next run resumes inside this epoch
        if (!options_.checkpoint_path.empty() && is_reporter()) {
          save(options_.last_checkpoint_path());
          message("interrupted: wrote " + options_.last_checkpoint_path() + " (continue with --resume)");
        }
        result.reason = stop;
        break;
      }
      // validation, also after a partial epoch cut by a limit
      EpochReport report;
      report.epoch = state_.epoch;
      report.step = state_.step;
      report.train = state_.epoch_train;
      report.seconds = state_.epoch_seconds;
      report.tokens_per_s = state_.epoch_seconds > 0 ? static_cast<double>(state_.epoch_tokens) / state_.epoch_seconds : 0;
      report.learning_rate = lr_used;
      report.partial = !epoch_done;
      report.skipped = state_.epoch_skipped;
      report.validation = validate();
      const double monitored = report.validation.count > 0 ? report.validation.loss() : report.train.loss();
      if (monitored < state_.best_validation_loss) {
        state_.best_validation_loss = monitored;
        report.improved = true;
      }
      if (epoch_done) {
        state_.bad_epochs = report.improved ? 0 : state_.bad_epochs + 1;
        schedule_->step_epoch(*optimizer_, monitored);
        state_.schedule_state = schedule_->state_text();
        state_.batch = 0;
        state_.epoch_train = Metrics();
        state_.epoch_tokens = 0;
        state_.epoch_seconds = 0;
        state_.epoch_skipped = 0;
        ++result.epochs_completed;
      }
      // the best checkpoint carries the position after this epoch, like the last one
      const std::int64_t epoch_now = state_.epoch;
      if (epoch_done) ++state_.epoch;
      if (!options_.checkpoint_path.empty()) {
        if (report.improved) save(options_.checkpoint_path);
        save(options_.last_checkpoint_path());
      }
      state_.epoch = epoch_now;
      result.epochs.push_back(report);
      sync_host();  // callbacks may read the model
      for (Callback* c : callbacks_) c->on_epoch_end(report);
      if (!epoch_done) {
        result.reason = stop;
        break;
      }
      if (stop != StopReason::finished) {  // a limit hit exactly on the epoch's last batch
        result.reason = stop;
        ++state_.epoch;
        break;
      }
      if (options_.patience > 0 && state_.bad_epochs >= options_.patience) {
        message("early stopping: no improvement of the validation loss for " + std::to_string(state_.bad_epochs) + " epochs");
        result.reason = StopReason::early_stopping;
        ++state_.epoch;
        break;
      }
    }
    sync_host();
    result.steps = state_.step;
    result.best_validation_loss = state_.best_validation_loss;
    result.seconds = since_start();
    return result;
  }

 private:
  // The host model and optimizer state from the device, when it has stepped since.
  void sync_host() {
    if (!device_ || host_current_) return;
    device_->download(model_);
    host_current_ = true;
  }

  void message(const std::string& text) {
    for (Callback* c : callbacks_) c->on_message(text);
  }

  // This replica's rows of `batch`: the batch itself when alone, else copied into `mine`; null
  // when it has none (more replicas than rows).
  const data::Batch* my_rows(const data::Batch& batch, data::Batch& mine, distributed::RowRange* range = nullptr) const {
    const distributed::Communicator* c = options_.communicator;
    const distributed::RowRange rows = c ? distributed::rows_of_replica(batch.inputs.rows(), c->rank(), c->size())
                                         : distributed::RowRange{0, batch.inputs.rows()};
    if (range) *range = rows;
    if (rows.size() == 0) return nullptr;
    if (!c) return &batch;
    mine.inputs = batch.inputs.middleRows(rows.begin, rows.size());
    mine.targets = batch.targets.middleRows(rows.begin, rows.size());
    return &mine;
  }

  // Forward and backward of one training batch: gradients() receives d(the batch's mean loss),
  // summed over the replicas when data-parallel. Returns the batch's sums (loss, correct, count).
  Metrics train_batch(const data::Batch& batch) {
    Metrics m;
    distributed::Communicator* c = options_.communicator;
    distributed::RowRange rows;
    const data::Batch* mine = my_rows(batch, mine_, &rows);
    if (device_) {
      const auto r = device_->train_batch(batch.inputs, batch.targets);
      m.loss_sum = r.loss * static_cast<double>(r.count);
      m.correct = r.correct;
      m.count = r.count;
    } else if (!mine) {
      model_.join_replica_step(workspace_);  // no rows: zeros into every sum
    } else {
      workspace_.slice = c ? backend::cpu::BatchSlice{rows.begin, batch.inputs.rows()} : backend::cpu::BatchSlice{};
      // this replica's share of the whole batch's mean: its rows over the batch's (every row has
      // as many targets)
      workspace_.loss_weight = static_cast<double>(rows.size()) / static_cast<double>(batch.inputs.rows());
      const auto r = model_.forward(workspace_, mine->inputs, mine->targets, nn::Mode::train);
      model_.backward(workspace_);
      m.loss_sum = r.loss * static_cast<double>(r.count);
      m.correct = r.correct;
      m.count = r.count;
    }
    if (c) {
      auto& g = model_.gradients();
      c->sum(g.data(), static_cast<std::size_t>(g.size()));
      double sums[3] = {m.loss_sum, static_cast<double>(m.correct), static_cast<double>(m.count)};
      c->sum(sums, 3);
      m.loss_sum = sums[0];
      m.correct = static_cast<std::int64_t>(sums[1]);
      m.count = static_cast<std::int64_t>(sums[2]);
    }
    return m;
  }

  nn::Model<Scalar>& model_;
  nn::Workspace<Scalar> workspace_, validation_workspace_;  // training's caches, and validation's
  const music::Vocabulary& vocabulary_;
  data::Split split_;
  TrainerOptions options_;
  std::unique_ptr<optim::Optimizer<Scalar>> optimizer_;
  double base_lr_ = 0;
  std::unique_ptr<optim::Schedule> schedule_;
  std::string data_settings_text_;  // DataSettings::to_text(), made once
  data::WindowOptions validation_window_;
  std::unique_ptr<data::Batcher> train_batcher_, validation_batcher_;
  std::vector<Callback*> callbacks_;
  TrainerState state_;
  StepDevice<Scalar>* device_ = nullptr;  // null: the host model computes
  bool host_current_ = true;              // the host model holds the device's latest weights
  data::Batch mine_;  // this replica's rows of the current batch
};

}  // namespace train
SYMPHONIC_NAMESPACE_END
