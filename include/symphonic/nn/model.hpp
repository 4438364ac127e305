// symphonic/nn/model.hpp - the whole network of a ModelConfig over one flat parameter buffer.
//
// Model<Scalar> owns one parameter vector and one gradient vector of the same layout (DESIGN.md
// seam 1), one buffer vector (batch-norm running statistics) and one random generator (dropout).
// Every layer binds views into them. forward() takes token ids (batch x T, column t = step t) and
// targets (batch x 1: the next token after the window, the recipe's many-to-one; or batch x T:
// the token after every step, many-to-many), returns the mean cross-entropy and the accuracy;
// backward() ADDS the gradients of that mean loss into gradients().
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
// Truncated BPTT: with set_carry_state(true), each forward starts from the final (h, c) of the
// previous forward (when the batch size matches; zero otherwise) and gradients stop at the window
// boundary. Generation: reset_state(batch) then step(ids) once per token; it runs in inference
// mode and carries its own (h, c), separate from training's. step() reuses the layers' caches, so
// call forward() again before the next backward().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/batch_norm.hpp"
#include "symphonic/nn/dense.hpp"
#include "symphonic/nn/dropout.hpp"
#include "symphonic/nn/embedding.hpp"
#include "symphonic/nn/lstm.hpp"
#include "symphonic/nn/model_config.hpp"
#include "symphonic/nn/random.hpp"
#include "symphonic/nn/relu.hpp"
#include "symphonic/nn/scalar_input.hpp"
#include "symphonic/nn/softmax_cross_entropy.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

template <class Scalar>
class Model {
 public:
  using Mat = Matrix<Scalar>;
  using Vec = Vector<Scalar>;
  using State = typename Lstm<Scalar>::State;
  using Ids = Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1>;

  struct Result {
    double loss = 0;      ///< mean cross-entropy over the targets
    double accuracy = 0;  ///< fraction of targets that are the arg-max prediction
    Index count = 0;      ///< number of targets
  };

  explicit Model(const ModelConfig& config, std::uint64_t seed = 1)
      : config_((config.validate(), config)), rng_(new Rng(seed)),
        lstm_(LstmOptions{config.input == InputKind::embedding ? config.embedding_size : 1, config.lstm_size,
                          config.lstm_layers, config.recurrent_dropout, config.lstm_dropout, config.init},
              rng_.get()) {
    const Index V = config.vocab_size, H = config.lstm_size;
    // Lay out the flat buffers: record each tensor's name, shape and offset.
    Index offset = 0, buffer_offset = 0;
    auto add = [&](const std::string& name, std::vector<std::int64_t> shape) {
      Entry e{name, shape, offset};
      for (std::int64_t d : shape) e.count *= d;
      offset += e.count;
      entries_.push_back(e);
    };
    auto add_buffer = [&](const std::string& name, std::int64_t n) {
      buffer_entries_.push_back(Entry{name, {n}, buffer_offset, n});
      buffer_offset += n;
    };
    if (config.input == InputKind::embedding) {
      embedding_.reset(new Embedding<Scalar>(V, config.embedding_size));
      add("embedding.weight", {V, config.embedding_size});
    } else {
      scalar_.reset(new ScalarInput<Scalar>(V));
    }
    for (Index l = 0; l < config.lstm_layers; ++l) {
      const std::string k = std::to_string(l);
      add("lstm.weight_ih_l" + k, {4 * H, lstm_.layer_input_size(l)});
      add("lstm.weight_hh_l" + k, {4 * H, H});
      add("lstm.bias_ih_l" + k, {4 * H});
      add("lstm.bias_hh_l" + k, {4 * H});
    }
    std::vector<int> outs = config.dense_sizes;
    outs.push_back(config.vocab_size);
    Index in = H;
    BatchNormOptions bn_options{config.bn_momentum, config.bn_epsilon, config.bn_unbiased_running_var};
    for (std::size_t k = 0; k < outs.size(); ++k) {
      const std::string n = std::to_string(k + 1);
      if (config.batch_norm) {
        ops_.push_back({Op::batch_norm, batch_norms_.size()});
        batch_norms_.emplace_back(in, bn_options);
        add("bn" + n + ".weight", {in});
        add("bn" + n + ".bias", {in});
        add_buffer("bn" + n + ".running_mean", in);
        add_buffer("bn" + n + ".running_var", in);
      }
      if (config.dropout > 0) {
        ops_.push_back({Op::dropout, dropouts_.size()});
        dropouts_.emplace_back(config.dropout, rng_.get());
      }
      ops_.push_back({Op::dense, denses_.size()});
      denses_.emplace_back(in, outs[k]);
      add("dense" + n + ".weight", {outs[k], in});
      add("dense" + n + ".bias", {outs[k]});
      in = outs[k];
      if (k + 1 < outs.size()) {
        ops_.push_back({Op::relu, relus_.size()});
        relus_.emplace_back();
      }
    }
    params_ = Vec::Zero(offset);
    grads_ = Vec::Zero(offset);
    buffers_ = Vec::Zero(buffer_offset);
    bind();
    initialize();
  }

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;

  const ModelConfig& config() const { return config_; }
  Index parameter_count() const { return params_.size(); }
  Vec& parameters() { return params_; }
  Vec& gradients() { return grads_; }
  Vec& buffer_values() { return buffers_; }

  /// Views into parameters(), in flat-buffer order, PyTorch names and shapes.
  std::vector<NamedTensor<Scalar>> named_parameters() {
    std::vector<NamedTensor<Scalar>> out;
    for (const Entry& e : entries_) out.push_back({e.name, e.shape, params_.data() + e.offset, true});
    return out;
  }
  /// Views into gradients(), same names and shapes as named_parameters().
  std::vector<NamedTensor<Scalar>> named_gradients() {
    std::vector<NamedTensor<Scalar>> out;
    for (const Entry& e : entries_) out.push_back({e.name, e.shape, grads_.data() + e.offset, true});
    return out;
  }
  /// Batch-norm running statistics (trainable = false).
  std::vector<NamedTensor<Scalar>> buffers() {
    std::vector<NamedTensor<Scalar>> out;
    for (const Entry& e : buffer_entries_) out.push_back({e.name, e.shape, buffers_.data() + e.offset, false});
    return out;
  }

  void zero_grad() { grads_.setZero(); }

  /// Mean cross-entropy over the targets; see the file comment for the target shapes. Throws
  /// ShapeError on mismatched shapes and music::VocabularyError on ids outside [0, vocab).
  Result forward(const IdMatrix& inputs, const IdMatrix& targets, Mode mode) {
    const Index B = inputs.rows(), T = inputs.cols();
    if (B < 1) SYMPHONIC_THROW(ShapeError("model input rows (batch, at least)", 1, B));
    if (T < 1) SYMPHONIC_THROW(ShapeError("model input columns (steps, at least)", 1, T));
    if (targets.rows() != B) SYMPHONIC_THROW(ShapeError("target rows (batch)", B, targets.rows()));
    if (targets.cols() != 1 && targets.cols() != T)
      SYMPHONIC_THROW(ShapeError("target columns (1 or the number of steps)", T, targets.cols()));
    every_step_ = targets.cols() == T && T > 1;
    batch_ = B;
    steps_ = T;
    run_input(inputs, mode);
    const State* initial = nullptr;
    if (carry_ && carried_.h.size() == static_cast<std::size_t>(config_.lstm_layers) &&
        carried_.h[0].cols() == B)
      initial = &carried_;
    lstm_.forward(x_, B, sequence_, mode, initial);
    if (carry_) carried_ = lstm_.final_state();
    if (every_step_)
      acts_.assign(1, sequence_);
    else
      acts_.assign(1, sequence_.rightCols(B));
    run_head(mode);
    Ids flat(every_step_ ? T * B : B);
    for (Index t = 0; t < (every_step_ ? T : 1); ++t)
      for (Index b = 0; b < B; ++b) flat[t * B + b] = targets(b, every_step_ ? t : 0);
    Index correct = 0;
    Result r;
    r.loss = loss_.forward(acts_.back(), flat, &correct);
    r.count = flat.size();
    r.accuracy = static_cast<double>(correct) / static_cast<double>(r.count);
    backward_ready_ = true;
    return r;
  }

  /// Adds d(mean loss of the last forward)/d(parameters) into gradients().
  void backward() {
    SYMPHONIC_ASSERT(backward_ready_);  // forward() ran, and no step() since
    const Index B = batch_, T = steps_;
    Mat d, dx;
    loss_.backward(d);
    for (std::size_t k = ops_.size(); k-- > 0;) {
      const OpRef& op = ops_[k];
      switch (op.kind) {
        case Op::batch_norm: batch_norms_[op.index].backward(d, dx); break;
        case Op::dropout: dropouts_[op.index].backward(d, dx); break;
        case Op::dense: denses_[op.index].backward(d, dx); break;
        case Op::relu: relus_[op.index].backward(d, dx); break;
      }
      d.swap(dx);
    }
    if (every_step_) {
      dsequence_ = d;
    } else {
      dsequence_.setZero(config_.lstm_size, T * B);
      dsequence_.rightCols(B) = d;
    }
    lstm_.backward(dsequence_, dx);
    if (embedding_) embedding_->backward(dx);
  }

  /// Truncated BPTT across consecutive windows: each forward starts from the previous final state.
  void set_carry_state(bool carry) {
    carry_ = carry;
    if (!carry) carried_ = State();
  }
  bool carry_state() const { return carry_; }
  /// The state the next training forward starts from when carrying (empty: zero).
  const State& carried_state() const { return carried_; }
  void set_carried_state(const State& state) {
    if (!state.h.empty()) lstm_.check_state(state, state.h[0].cols(), "carried state");
    carried_ = state;
  }

  /// Generation: start `batch` fresh sequences from a zero state.
  void reset_state(Index batch) { generation_ = lstm_.zero_state(batch); }
  /// One step per token for every sequence, inference mode, carrying (h, c); returns the
  /// probabilities of the next token, vocab x batch. Starts from zero when reset_state was not called.
  const Mat& step(const Eigen::Ref<const Ids>& ids) {
    const Index B = ids.size();
    if (generation_.h.empty()) reset_state(B);
    if (generation_.h[0].cols() != B)
      SYMPHONIC_THROW(ShapeError("generation batch (set by reset_state)", generation_.h[0].cols(), B));
    IdMatrix in = ids;
    backward_ready_ = false;
    run_input(in, Mode::infer);
    lstm_.forward(x_, B, sequence_, Mode::infer, &generation_);
    generation_ = lstm_.final_state();
    acts_.assign(1, sequence_);
    run_head(Mode::infer);
    SoftmaxCrossEntropy<Scalar>::softmax(acts_.back(), probabilities_);
    return probabilities_;
  }
  const State& generation_state() const { return generation_; }

  /// Logits of the last forward or step, vocab x N.
  const Mat& logits() const { return acts_.back(); }
  /// Softmax probabilities of the last forward, vocab x N.
  const Mat& probabilities() const { return loss_.cache().probabilities; }

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

  Lstm<Scalar>& lstm() { return lstm_; }

 private:
  enum class Op { batch_norm, dropout, dense, relu };
  struct OpRef {
    Op kind;
    std::size_t index;
  };
  struct Entry {
    std::string name;
    std::vector<std::int64_t> shape;
    Index offset = 0;
    std::int64_t count = 1;
  };

  void bind() {
    std::size_t e = 0;
    auto next = [&](auto& layer) {
      if (layer.parameter_count() == 0) return;
      layer.bind(params_.data() + entries_[e].offset, grads_.data() + entries_[e].offset);
    };
    if (embedding_) {
      next(*embedding_);
      ++e;
    }
    next(lstm_);
    e += static_cast<std::size_t>(4 * config_.lstm_layers);
    std::size_t buffer = 0;
    for (const OpRef& op : ops_) {
      if (op.kind == Op::batch_norm) {
        next(batch_norms_[op.index]);
        batch_norms_[op.index].bind_buffers(buffers_.data() + buffer_entries_[buffer].offset);
        buffer += 2;
        e += 2;
      } else if (op.kind == Op::dense) {
        next(denses_[op.index]);
        e += 2;
      }
    }
  }

  void initialize() {
    if (embedding_) embedding_->initialize(config_.init, *rng_);
    lstm_.initialize(*rng_);
    for (auto& d : denses_) d.initialize(config_.init, *rng_);
    for (auto& bn : batch_norms_) bn.initialize();
  }

  void run_input(const IdMatrix& ids, Mode mode) {
    if (embedding_)
      embedding_->forward(ids, x_, mode);
    else
      scalar_->forward(ids, x_, mode);
  }

  void run_head(Mode mode) {
    acts_.resize(ops_.size() + 1);
    for (std::size_t k = 0; k < ops_.size(); ++k) {
      const OpRef& op = ops_[k];
      Mat& x = acts_[k];
      Mat& y = acts_[k + 1];
      switch (op.kind) {
        case Op::batch_norm: batch_norms_[op.index].forward(x, y, mode); break;
        case Op::dropout: dropouts_[op.index].forward(x, y, mode); break;
        case Op::dense: denses_[op.index].forward(x, y, mode); break;
        case Op::relu: relus_[op.index].forward(x, y, mode); break;
      }
    }
  }

  ModelConfig config_;
  std::unique_ptr<Rng> rng_;  // heap-held so layers' pointers survive a move of the model
  Vec params_, grads_, buffers_;
  std::vector<Entry> entries_, buffer_entries_;
  std::unique_ptr<Embedding<Scalar>> embedding_;
  std::unique_ptr<ScalarInput<Scalar>> scalar_;
  Lstm<Scalar> lstm_;
  std::vector<OpRef> ops_;
  std::vector<BatchNorm<Scalar>> batch_norms_;
  std::vector<Dropout<Scalar>> dropouts_;
  std::vector<Dense<Scalar>> denses_;
  std::vector<Relu<Scalar>> relus_;
  SoftmaxCrossEntropy<Scalar> loss_;
  bool carry_ = false, every_step_ = false, backward_ready_ = false;
  Index batch_ = 0, steps_ = 0;
  State carried_, generation_;
  Mat x_, sequence_, dsequence_, probabilities_;
  std::vector<Mat> acts_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
