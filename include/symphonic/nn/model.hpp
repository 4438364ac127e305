// symphonic/nn/model.hpp - the whole network of a ModelConfig over one flat parameter buffer.
//
// Model<Scalar> owns one parameter vector and one gradient vector of the same layout (DESIGN.md
// seam 1), one buffer vector (batch-norm running statistics), one random generator (weights, and
// one dropout key per training step) and the thread pool its kernels cut work on. Each layer
// describes its tensors once into the model's ParameterLayout, which places them in the flat
// arrays and binds every view. The model owns no activations: forward(ws, ...) takes token ids
// (batch x T, column t = step t) and targets (batch x 1: the next token after the window, the
// recipe's many-to-one; or batch x T: the token after every step, many-to-many), leaves what
// backward needs in the caller's Workspace and returns the mean cross-entropy and the accuracy;
// backward(ws) ADDS the gradients of that mean loss into gradients().
//
//   nn::Model<float> model(nn::ModelConfig::preset("recipe", 358), seed);
//   nn::Workspace<float> ws;
//   model.zero_grad();
//   auto r = model.forward(ws, inputs, targets, nn::Mode::train);
//   model.backward(ws);                      // then an optimizer step on the flat arrays
//
// Threads: set_threads(n) (default: every core). Results are deterministic for a given count;
// see docs/nn.md for how they differ between counts.
//
// Flat layout = named_parameters() order, PyTorch state_dict names, row-major shapes:
//   embedding.weight            [V, E]          (input = embedding only)
//   lstm.weight_ih_l{k}         [4H, I_k]       gate rows i, f, g, o; I_0 = E or 1 (scalar input)
//   lstm.weight_hh_l{k}         [4H, H]
//   lstm.bias_ih_l{k}           [4H]
//   lstm.bias_hh_l{k}           [4H]            for k = 0 .. lstm_layers - 1
//   then the head, per Dense k = 1 .. n (n = dense_sizes.size() + 1, the last has V outputs):
//   bn{k}.weight, bn{k}.bias    [in_k]          (batch_norm only)
//   dense{k}.weight             [out_k, in_k]
//   dense{k}.bias               [out_k]
// buffers(): bn{k}.running_mean, bn{k}.running_var [in_k] (not trainable).
// The recipe preset: lstm.*_l0..l2, bn1 (512), dense1 (256 x 512), bn2 (256), dense2 (V x 256).
//
// Truncated BPTT: with ws.carry_state, each forward starts from the final (h, c) of the previous
// forward in that workspace (when the batch size matches; zero otherwise) and gradients stop at the
// window boundary. Generation: state = zero_state(batch), then step(ws, state, ids) once per token;
// it runs in inference mode, is const, and touches only its workspace and state.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/batch_norm.hpp"
#include "symphonic/nn/dense.hpp"
#include "symphonic/nn/dropout.hpp"
#include "symphonic/nn/embedding.hpp"
#include "symphonic/nn/layout.hpp"
#include "symphonic/nn/lstm.hpp"
#include "symphonic/nn/model_config.hpp"
#include "symphonic/nn/random.hpp"
#include "symphonic/nn/relu.hpp"
#include "symphonic/nn/scalar_input.hpp"
#include "symphonic/nn/softmax_cross_entropy.hpp"
#include "symphonic/nn/tensor.hpp"
#include "symphonic/nn/workspace.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class Model {
 public:
  using Mat = Matrix<Scalar>;
  using Vec = Vector<Scalar>;
  using State = typename Lstm<Scalar>::State;
  using Workspace = nn::Workspace<Scalar>;
  using Ids = Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1>;

  struct Result {
    double loss = 0;      ///< mean cross-entropy over the targets
    Index correct = 0;    ///< targets that are the arg-max prediction (sum these, not accuracies)
    double accuracy = 0;  ///< correct / count
    Index count = 0;      ///< number of targets
  };

  /// Counter stream of head dropout k (the LSTM's masks use small numbers, Lstm::*_stream).
  static std::uint64_t head_dropout_stream(std::size_t k) { return (std::uint64_t(1) << 32) + k; }

  explicit Model(const ModelConfig& config, std::uint64_t seed = 1, int threads = backend::cpu::ThreadPool::default_threads())
      : Model(config, DescribeOnly{}) {
    rng_.reset(new Rng(seed));
    pool_.reset(new backend::cpu::ThreadPool(threads));
    params_ = Vec::Zero(layout_.parameter_count());
    grads_ = Vec::Zero(layout_.parameter_count());
    buffers_ = Vec::Zero(layout_.buffer_count());
    bind();
    initialize();
  }

  /// The tensors a model of `config` has (names, shapes, offsets), found without allocating
  /// them: a loader checks a checkpoint against it, a program its memory budget, before a
  /// hostile or mistyped size can ask for gigabytes. Throws ConfigError like the constructor.
  static ParameterLayout describe(const ModelConfig& config) { return Model(config, DescribeOnly{}).layout_; }

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  Model(Model&& other) noexcept { *this = std::move(other); }
  Model& operator=(Model&& other) noexcept {
    config_ = std::move(other.config_);
    rng_ = std::move(other.rng_);
    pool_ = std::move(other.pool_);
    layout_ = std::move(other.layout_);
    params_ = std::move(other.params_);
    grads_ = std::move(other.grads_);
    buffers_ = std::move(other.buffers_);
    embedding_ = std::move(other.embedding_);
    scalar_ = std::move(other.scalar_);
    lstm_ = std::move(other.lstm_);
    ops_ = std::move(other.ops_);
    batch_norms_ = std::move(other.batch_norms_);
    dropouts_ = std::move(other.dropouts_);
    denses_ = std::move(other.denses_);
    version_ = other.version_;
    bind();  // the arrays' storage moved with them; rebinding keeps the views exact either way
    return *this;
  }

  const ModelConfig& config() const { return config_; }
  const ParameterLayout& layout() const { return layout_; }
  Index parameter_count() const { return params_.size(); }
  /// Mutable access counts as a change of the weights: the bf16 generation step repacks them.
  Vec& parameters() {
    touch();
    return params_;
  }
  const Vec& parameters() const { return params_; }
  Vec& gradients() { return grads_; }
  Vec& buffer_values() { return buffers_; }
  const Vec& buffer_values() const { return buffers_; }

  /// Views into parameters(), in flat-buffer order, PyTorch names and shapes.
  std::vector<NamedTensor<Scalar>> named_parameters() {
    touch();
    return layout_.named(params_.data(), TensorKind::trainable);
  }
  /// Views into gradients(), same names and shapes as named_parameters().
  std::vector<NamedTensor<Scalar>> named_gradients() { return layout_.named(grads_.data(), TensorKind::trainable); }
  /// Batch-norm running statistics (trainable = false).
  std::vector<NamedTensor<Scalar>> buffers() { return layout_.named(buffers_.data(), TensorKind::buffer); }

  void zero_grad() { grads_.setZero(); }

  /// Threads the kernels use (counting the caller); default every core.
  void set_threads(int threads) {
    if (threads < 1) SYMPHONIC_THROW(ConfigError("threads must be at least 1, got " + std::to_string(threads)));
    if (threads != pool_->size()) pool_.reset(new backend::cpu::ThreadPool(threads));
  }
  int threads() const { return pool_->size(); }

  /// Arithmetic of the LSTM's products (nn/precision.hpp); throws ConfigError when this build or
  /// CPU cannot run `p`. Not saved in checkpoints: the weights are float either way.
  void set_precision(Precision p) { lstm_.set_precision(p); }
  Precision precision() const { return lstm_.precision(); }
  backend::cpu::ThreadPool& pool() const { return *pool_; }

  /// Mean cross-entropy over the targets; see the file comment for the target shapes. Throws
  /// ShapeError on mismatched shapes and IdError on ids outside [0, vocab). In train
  /// mode it draws this step's dropout key and updates the batch-norm running statistics.
  Result forward(Workspace& ws, const IdMatrix& inputs, const IdMatrix& targets, Mode mode) {
    const Index B = inputs.rows(), T = inputs.cols();
    if (B < 1) SYMPHONIC_THROW(ShapeError("model input rows (batch, at least)", 1, B));
    if (T < 1) SYMPHONIC_THROW(ShapeError("model input columns (steps, at least)", 1, T));
    if (targets.rows() != B) SYMPHONIC_THROW(ShapeError("target rows (batch)", B, targets.rows()));
    if (targets.cols() != 1 && targets.cols() != T)
      SYMPHONIC_THROW(ShapeError("target columns (1 or the number of steps)", T, targets.cols()));
    ws.backward_ready = false;
    ws.every_step = targets.cols() == T && T > 1;
    ws.key = mode == Mode::train ? next_training_key() : 0;
    run_input(ws, inputs);
    const State* initial = nullptr;
    if (ws.carry_state && ws.carried.h.size() == static_cast<std::size_t>(config_.lstm_layers) &&
        ws.carried.h[0].cols() == B)
      initial = &ws.carried;
    ws.lstm.weights_version = version_;
    lstm_.forward(*pool_, ws.x, B, ws.lstm, mode, ws.key, initial, ws.slice);
    if (ws.carry_state) lstm_.final_state(ws.lstm, ws.carried);
    const Mat& top = ws.lstm.layers.back().h;
    ws.acts.resize(ops_.size() + 1);
    if (ws.every_step)
      ws.acts[0] = top;
    else
      ws.acts[0] = top.rightCols(B);
    run_head(ws, mode);
    typename SoftmaxCrossEntropy<Scalar>::Targets flat(ws.every_step ? T * B : B);
    for (Index t = 0; t < (ws.every_step ? T : 1); ++t)
      for (Index b = 0; b < B; ++b) flat[t * B + b] = targets(b, ws.every_step ? t : 0);
    Index correct = 0;
    Result r;
    r.loss = SoftmaxCrossEntropy<Scalar>::forward(*pool_, ws.acts.back(), flat, ws.loss, &correct);
    r.count = flat.size();
    r.correct = correct;
    r.accuracy = static_cast<double>(correct) / static_cast<double>(r.count);
    ws.backward_ready = true;
    return r;
  }

  /// Adds d(mean loss of the forward that filled `ws`)/d(parameters) into gradients().
  void backward(Workspace& ws) {
    SYMPHONIC_ASSERT(ws.backward_ready);  // forward(ws, ...) ran, and no step(ws, ...) since
    const Index B = ws.lstm.batch, T = ws.lstm.steps;  // of the forward that filled ws
    SoftmaxCrossEntropy<Scalar>::backward(ws.loss, ws.d, static_cast<Scalar>(ws.loss_weight));
    for (std::size_t k = ops_.size(); k-- > 0;) {
      const OpRef& op = ops_[k];
      switch (op.kind) {
        case Op::batch_norm: batch_norms_[op.index].backward(ws.d, ws.dx, ws.batch_norm[op.index]); break;
        case Op::dropout: dropouts_[op.index].backward(ws.d, ws.dx, ws.dropout[op.index]); break;
        case Op::dense: denses_[op.index].backward(*pool_, ws.acts[k], ws.d, ws.dx); break;
        case Op::relu: relu_.backward(ws.acts[k + 1], ws.d, ws.dx); break;
      }
      ws.d.swap(ws.dx);
    }
    if (ws.every_step) {
      ws.dsequence.swap(ws.d);
    } else {
      ws.dsequence.setZero(config_.lstm_size, T * B);
      ws.dsequence.rightCols(B) = ws.d;
    }
    lstm_.backward(*pool_, ws.dsequence, embedding_ ? &ws.dx : nullptr, ws.lstm);
    if (embedding_) embedding_->backward(ws.ids, ws.dx);
  }

  /// The dropout key of the next training step, drawn from the model's generator (forward in
  /// train mode draws it itself). A data-parallel replica with no rows in a batch draws it too,
  /// so that every replica's generator stays at the same point.
  std::uint64_t next_training_key() { return rng_->next(); }

  /// For a replica with no rows in this training batch, while the others run forward and
  /// backward with ws.replicas: draws the step's dropout key, and runs each batch norm forward and
  /// backward on no columns, so that it takes part in the same synchronised sums in the same order
  /// and updates the same running statistics.
  void join_replica_step(Workspace& ws) {
    next_training_key();
    if (!ws.replicas) return;
    ws.batch_norm.resize(batch_norms_.size());
    Mat none, out;
    for (std::size_t k = 0; k < batch_norms_.size(); ++k) {
      none.resize(batch_norms_[k].features(), 0);
      batch_norms_[k].forward(none, out, ws.batch_norm[k], Mode::train, &ws.replicas);
    }
    for (std::size_t k = batch_norms_.size(); k-- > 0;) {
      none.resize(batch_norms_[k].features(), 0);
      batch_norms_[k].backward(none, out, ws.batch_norm[k]);
    }
  }

  /// A zero (h, c) for `batch` generated sequences.
  State zero_state(Index batch) const { return lstm_.zero_state(batch); }

  /// One step per token for every sequence of `state` (made by zero_state), in inference mode:
  /// advances `state` and returns the probabilities of the next token, vocab x batch (kept in ws).
  /// Writes only `ws` and `state`: generators with their own may step one model at once.
  const Mat& step(Workspace& ws, State& state, const Eigen::Ref<const Ids>& ids) const {
    const Index B = ids.size();
    if (state.h.empty() || state.h[0].cols() != B)
      SYMPHONIC_THROW(ShapeError("generation batch (set by zero_state)", state.h.empty() ? 0 : state.h[0].cols(), B));
    ws.backward_ready = false;
    ws.every_step = false;
    ws.ids = ids;
    run_input(ws, ws.ids);
    ws.lstm.weights_version = version_;
    lstm_.forward(*pool_, ws.x, B, ws.lstm, Mode::infer, 0, &state);
    lstm_.final_state(ws.lstm, state);
    ws.acts.resize(ops_.size() + 1);
    ws.acts[0] = ws.lstm.layers.back().h;
    run_head(ws, Mode::infer);
    SoftmaxCrossEntropy<Scalar>::softmax(*pool_, ws.acts.back(), ws.probabilities);
    return ws.probabilities;
  }

  /// FLOPs (2 per multiply-add) of the matrix products of one forward over `batch` sequences of
  /// `steps` steps, head on the last step (or on every step). A training step (forward + backward)
  /// costs about 3x this.
  double forward_flops(Index batch, Index steps, bool head_every_step = false) const {
    double flops = lstm_.forward_flops(batch, steps);
    const double n = static_cast<double>(head_every_step ? batch * steps : batch);
    for (const auto& d : denses_) flops += 2.0 * static_cast<double>(d.input_size() * d.output_size()) * n;
    return flops;
  }

  std::uint64_t rng_state() const { return rng_->state(); }
  void set_rng_state(std::uint64_t state) { rng_->set_state(state); }

  const Lstm<Scalar>& lstm() const { return lstm_; }

 private:
  struct DescribeOnly {};

  // Builds the layers and describes every tensor once, in flat-buffer order; allocates nothing.
  Model(const ModelConfig& config, DescribeOnly)
      : config_((config.validate(), config)),
        lstm_(LstmOptions{config.input == InputKind::embedding ? config.embedding_size : 1, config.lstm_size,
                          config.lstm_layers, config.recurrent_dropout, config.lstm_dropout, config.init}) {
    if (config.input == InputKind::embedding) {
      embedding_.reset(new Embedding<Scalar>(config.vocab_size, config.embedding_size));
      embedding_->describe(layout_, "embedding");
    } else {
      scalar_.reset(new ScalarInput<Scalar>(config.vocab_size));
    }
    lstm_.describe(layout_, "lstm");
    BatchNormOptions bn_options{config.bn_momentum, config.bn_epsilon, config.bn_unbiased_running_var};
    for (const HeadLayer& h : head_layers(config)) {
      const std::string n = std::to_string(h.number);
      switch (h.kind) {
        case Op::batch_norm:
          ops_.push_back({h.kind, batch_norms_.size()});
          batch_norms_.emplace_back(h.in, bn_options);
          batch_norms_.back().describe(layout_, "bn" + n);
          break;
        case Op::dropout:
          ops_.push_back({h.kind, dropouts_.size()});
          dropouts_.emplace_back(config.dropout, head_dropout_stream(static_cast<std::size_t>(h.number)));
          break;
        case Op::dense:
          ops_.push_back({h.kind, denses_.size()});
          denses_.emplace_back(h.in, h.out);
          denses_.back().describe(layout_, "dense" + n);
          break;
        case Op::relu: ops_.push_back({h.kind, 0}); break;
      }
    }
  }

  using Op = HeadLayer::Kind;
  struct OpRef {
    Op kind;
    std::size_t index;
  };

  void bind() {
    const Flat<Scalar> flat{params_.data(), grads_.data(), buffers_.data()};
    if (embedding_) embedding_->bind(layout_, flat);
    lstm_.bind(layout_, flat);
    for (auto& bn : batch_norms_) bn.bind(layout_, flat);
    for (auto& d : denses_) d.bind(layout_, flat);
  }

  // A new version number, unique in the process, whenever the weights may have changed.
  void touch() {
    static std::atomic<std::uint64_t> next{1};
    version_ = next.fetch_add(1);
  }

  void initialize() {
    touch();
    if (embedding_) embedding_->initialize(config_.init, *rng_);
    lstm_.initialize(*rng_);
    for (auto& d : denses_) d.initialize(config_.init, *rng_);
    for (auto& bn : batch_norms_) bn.initialize();
  }

  void run_input(Workspace& ws, const IdMatrix& ids) const {
    if (&ids != &ws.ids) ws.ids = ids;
    if (embedding_)
      embedding_->forward(ws.ids, ws.x);
    else
      scalar_->forward(ws.ids, ws.x);
  }

  // The head over ws.acts[0]; train mode updates the batch-norm running statistics (which only a
  // training forward does: step() passes infer).
  void run_head(Workspace& ws, Mode mode) const {
    ws.batch_norm.resize(batch_norms_.size());
    ws.dropout.resize(dropouts_.size());
    for (std::size_t k = 0; k < ops_.size(); ++k) {
      const OpRef& op = ops_[k];
      const Mat& x = ws.acts[k];
      Mat& y = ws.acts[k + 1];
      switch (op.kind) {
        case Op::batch_norm: batch_norms_[op.index].forward(x, y, ws.batch_norm[op.index], mode, &ws.replicas); break;
        case Op::dropout:
          dropouts_[op.index].forward(*pool_, x, y, ws.dropout[op.index], mode, ws.key, ws.lstm.batch, ws.slice);
          break;
        case Op::dense: denses_[op.index].forward(*pool_, x, y); break;
        case Op::relu: relu_.forward(x, y); break;
      }
    }
  }

  ModelConfig config_;
  std::unique_ptr<Rng> rng_;
  std::unique_ptr<backend::cpu::ThreadPool> pool_;
  std::uint64_t version_ = 0;  // of the weights, for caches of them (the bf16 generation step)
  ParameterLayout layout_;
  Vec params_, grads_, buffers_;
  std::unique_ptr<Embedding<Scalar>> embedding_;
  std::unique_ptr<ScalarInput<Scalar>> scalar_;
  Lstm<Scalar> lstm_{LstmOptions{}};
  std::vector<OpRef> ops_;
  std::vector<BatchNorm<Scalar>> batch_norms_;
  std::vector<Dropout<Scalar>> dropouts_;
  std::vector<Dense<Scalar>> denses_;
  Relu<Scalar> relu_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
