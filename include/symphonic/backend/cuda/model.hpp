// symphonic/backend/cuda/model.hpp - the network of a ModelConfig on an executor: training
// forward and backward, and the stateful generation step, with nn::Model's parameter layout.
//
// Model<Exec, Scalar> keeps the three flat arrays of nn::Model (parameters, gradients, buffers;
// the layout from nn::Model::describe, so offsets and PyTorch names are the CPU's) in the
// executor's memory, and a generator for the dropout keys that it copies from and back to an
// nn::Model. A checkpoint therefore moves between the devices as the same bytes:
//
//   nn::Model<float> host(config, seed);          // or loaded from a checkpoint
//   backend::cuda::Context ctx;                   // runtime.hpp, nvcc only
//   backend::cuda::CudaExecutor ex(ctx);
//   backend::cuda::Model<backend::cuda::CudaExecutor, float> gpu(ex, host);
//   backend::cuda::Model<...>::Workspace ws;
//   gpu.zero_grad();
//   auto r = gpu.forward(ws, inputs, targets, nn::Mode::train);
//   gpu.backward(ws);                             // then an Optimizer<Exec, float> step
//   gpu.download_to(host);                        // weights, buffers, generator state
//
// forward/backward follow nn::Model: ids batch x T (column t = step t), targets batch x 1 (the
// token after the window) or batch x T (after every step); the LSTM stack with recurrent dropout
// and dropout between layers, then the head (BatchNorm, Dropout, Dense, ReLU between Dense
// layers), then softmax cross-entropy; masks are drawn by counter under one key per training step
// with nn::Model's streams, so they are the CPU's masks. The same key sequence, from the same
// generator state, makes a GPU step the CPU step up to rounding. Data-parallel slices and bf16 are
// the CPU backend's only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "symphonic/backend/cuda/batch_norm.hpp"
#include "symphonic/backend/cuda/dense.hpp"
#include "symphonic/backend/cuda/dropout.hpp"
#include "symphonic/backend/cuda/elementwise.hpp"
#include "symphonic/backend/cuda/embedding.hpp"
#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/backend/cuda/lstm.hpp"
#include "symphonic/backend/cuda/softmax_xent.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/ids.hpp"
#include "symphonic/nn/model.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

template <class Exec, class Scalar>
class Model {
 public:
  using Buffer = BufferOf<Exec, Scalar>;
  using IdBuffer = BufferOf<Exec, std::int32_t>;
  using Result = typename nn::Model<Scalar>::Result;

  /// (h, c) of every layer, H x batch each, in the executor's memory.
  struct State {
    std::vector<Buffer> h, c;
    Index batch = 0;
  };

  /// What one layer's forward leaves for its backward.
  struct LayerTrace {
    Buffer input;           ///< the input after between-layer dropout (when dropped_input)
    Buffer input_mask;      ///< its mask
    Buffer recurrent_mask;  ///< H x B (when masked)
    Buffer gates, c, tanh_c, h, h_prev;
    Buffer h0, c0;
    bool dropped_input = false, masked = false;
  };

  /// Activations, caches and scratch of one run, owned by the caller (nn::Workspace's role).
  struct Workspace {
    IdBuffer ids, targets;
    Buffer x;
    std::vector<LayerTrace> layers;
    std::vector<Buffer> acts;    ///< acts[k + 1]: head op k's output (acts[0] unused: the head reads the LSTM's h)
    std::vector<Buffer> xhat, rstd, masks;  ///< per head op: batch-norm caches, dropout masks
    Buffer probs, column_loss;
    IdBuffer column_correct;
    Buffer d, dx, dsequence, da, dh_next, dc_next, dh_a, dh_b, ones;
    Index batch = 0, steps = 0, head_columns = 0;
    bool every_step = false, train = false, backward_ready = false;
    std::uint64_t key = 0;
    double loss_weight = 1;  ///< backward computes d(loss_weight x mean loss)
    bool carry_state = false;  ///< truncated BPTT, as nn::Workspace::carry_state
    State carried;
  };

  /// A model of `config` with zero weights (upload_from() gives it a host model's).
  Model(Exec& ex, const nn::ModelConfig& config)
      : ex_(&ex), config_(config), layout_(nn::Model<Scalar>::describe(config)) {
    params_ = ex.template buffer<Scalar>(layout_.parameter_count());
    grads_ = ex.template buffer<Scalar>(layout_.parameter_count());
    buffers_ = ex.template buffer<Scalar>(layout_.buffer_count() > 0 ? layout_.buffer_count() : 1);
    fill(ex, layout_.parameter_count(), params_.data(), Scalar(0));
    fill(ex, layout_.parameter_count(), grads_.data(), Scalar(0));
    build_ops();
  }
  /// A copy of `host`: weights, buffers and generator state.
  Model(Exec& ex, const nn::Model<Scalar>& host) : Model(ex, host.config()) { upload_from(host); }

  const nn::ModelConfig& config() const { return config_; }
  const nn::ParameterLayout& layout() const { return layout_; }
  Index parameter_count() const { return layout_.parameter_count(); }
  Exec& executor() const { return *ex_; }
  Scalar* parameters() { return params_.data(); }
  Scalar* gradients() { return grads_.data(); }
  void zero_grad() { fill(*ex_, parameter_count(), grads_.data(), Scalar(0)); }

  void upload_from(const nn::Model<Scalar>& host) {
    ex_->upload(params_.data(), host.parameters().data(), parameter_count());
    const auto& b = host.buffer_values();
    if (b.size() > 0) ex_->upload(buffers_.data(), b.data(), b.size());
    rng_.set_state(host.rng_state());
  }
  void download_to(nn::Model<Scalar>& host) const {
    ex_->download(host.parameters().data(), params_.data(), parameter_count());
    auto& b = host.buffer_values();
    if (b.size() > 0) ex_->download(b.data(), buffers_.data(), b.size());
    host.set_rng_state(rng_.state());
  }
  void download_gradients(nn::Vector<Scalar>& out) const {
    out.resize(parameter_count());
    ex_->download(out.data(), grads_.data(), parameter_count());
  }

  std::uint64_t rng_state() const { return rng_.state(); }
  void set_rng_state(std::uint64_t s) { rng_.set_state(s); }

  /// Mean cross-entropy over the targets (nn::Model::forward's contract and errors).
  Result forward(Workspace& ws, const nn::IdMatrix& inputs, const nn::IdMatrix& targets, nn::Mode mode) {
    const Index B = inputs.rows(), T = inputs.cols(), V = config_.vocab_size;
    if (B < 1) SYMPHONIC_THROW(nn::ShapeError("model input rows (batch, at least)", 1, B));
    if (T < 1) SYMPHONIC_THROW(nn::ShapeError("model input columns (steps, at least)", 1, T));
    if (targets.rows() != B) SYMPHONIC_THROW(nn::ShapeError("target rows (batch)", B, targets.rows()));
    if (targets.cols() != 1 && targets.cols() != T)
      SYMPHONIC_THROW(nn::ShapeError("target columns (1 or the number of steps)", T, targets.cols()));
    for (Index j = 0; j < targets.size(); ++j)
      if (targets.data()[j] < 0 || targets.data()[j] >= V)
        SYMPHONIC_THROW(nn::IdError("target " + std::to_string(j), targets.data()[j], V));
    ws.backward_ready = false;
    ws.every_step = targets.cols() == T && T > 1;
    ws.train = mode == nn::Mode::train;
    ws.key = ws.train ? rng_.next() : 0;
    const bool carried = ws.carry_state && ws.carried.batch == B && !ws.carried.h.empty();
    run_lstm(ws, inputs, carried ? &ws.carried : nullptr);
    if (ws.carry_state) save_final_state(ws, ws.carried);
    const Index n = ws.every_step ? T * B : B;
    run_head(ws, n);
    // targets are column-major batch x T: element b + t B is column t B + b of the head, as uploaded
    ensure(*ex_, ws.targets, n);
    ex_->upload(ws.targets.data(), targets.data(), n);
    ensure(*ex_, ws.probs, V * n);
    ensure(*ex_, ws.column_loss, n);
    ensure(*ex_, ws.column_correct, n);
    const XentSums s = softmax_xent_forward(*ex_, V, n, logits(ws), ws.targets.data(), ws.probs.data(),
                                            ws.column_loss.data(), ws.column_correct.data());
    Result r;
    r.count = n;
    r.loss = s.loss / static_cast<double>(n);
    r.correct = static_cast<Index>(s.correct);
    r.accuracy = static_cast<double>(s.correct) / static_cast<double>(n);
    ws.backward_ready = true;
    return r;
  }

  /// Adds d(loss_weight x mean loss of the forward that filled ws)/d(parameters) into gradients().
  void backward(Workspace& ws) {
    SYMPHONIC_ASSERT(ws.backward_ready);
    Exec& ex = *ex_;
    const Index B = ws.batch, T = ws.steps, n = ws.head_columns, V = config_.vocab_size, H = config_.lstm_size;
    if (static_cast<Index>(ws.ones.size()) < T * B)  // it only grows, and holds nothing but ones
      fill(ex, T * B, ensure(ex, ws.ones, T * B), Scalar(1));
    ensure(ex, ws.d, V * n);
    softmax_xent_backward(ex, V, n, ws.probs.data(), ws.targets.data(), static_cast<Scalar>(ws.loss_weight), ws.d.data());
    for (std::size_t k = ops_.size(); k-- > 0;) {
      const Op& op = ops_[k];
      const Scalar* x = head_input(ws, k);
      ensure(ex, ws.dx, op.in * n);
      switch (op.kind) {
        case Kind::batch_norm:
          batch_norm_backward(ex, op.in, n, ws.d.data(), ws.xhat[k].data(), ws.rstd[k].data(), param(op.weight), ws.train,
                              grad(op.weight), grad(op.bias), ws.dx.data());
          break;
        case Kind::dropout:
          if (ws.train && config_.dropout > 0)
            ex.for_each(op.in * n, MultiplyBy<Scalar>{ws.d.data(), ws.masks[k].data(), ws.dx.data()});
          else
            copy(ex, op.in * n, ws.d.data(), ws.dx.data());
          break;
        case Kind::dense:
          dense_backward(ex, op.in, op.out, n, param(op.weight), x, ws.d.data(), grad(op.weight), grad(op.bias),
                         ws.dx.data(), ws.ones.data());
          break;
        case Kind::relu: relu_backward(ex, op.in * n, ws.acts[k + 1].data(), ws.d.data(), ws.dx.data()); break;
      }
      std::swap(ws.d, ws.dx);
    }
    // the gradient of every step's top output: the head's, or zero but on the last step
    Scalar* dy = ensure(ex, ws.dsequence, H * T * B);
    if (ws.every_step) {
      copy(ex, H * T * B, ws.d.data(), dy);
    } else {
      fill(ex, H * (T - 1) * B, dy, Scalar(0));
      copy(ex, H * B, ws.d.data(), dy + H * (T - 1) * B);
    }
    ensure(ex, ws.da, 4 * H * T * B);
    ensure(ex, ws.dh_next, H * B);
    ensure(ex, ws.dc_next, H * B);
    const LstmBackwardScratch<Scalar> scratch{ws.da.data(), ws.dh_next.data(), ws.dc_next.data(), ws.ones.data()};
    for (Index l = config_.lstm_layers - 1; l >= 0; --l) {
      LayerTrace& L = ws.layers[static_cast<std::size_t>(l)];
      Scalar* dinput = nullptr;
      Buffer& below = l % 2 == 0 ? ws.dh_a : ws.dh_b;  // never the buffer dy is in
      if (l > 0)
        dinput = ensure(ex, below, H * T * B);
      else if (embedding_weight_ >= 0)
        dinput = ensure(ex, ws.dx, config_.embedding_size * T * B);
      lstm_backward(ex, input_size(l), H, T, B, lstm_weights(l), lstm_gradients(l), layer_input(ws, l), L.c0.data(),
                    L.masked ? L.recurrent_mask.data() : nullptr, trace(L), dy, dinput, static_cast<Scalar*>(nullptr),
                    static_cast<Scalar*>(nullptr), scratch);
      if (l > 0) {
        if (L.dropped_input) ex.for_each(H * T * B, MultiplyBy<Scalar>{dinput, L.input_mask.data(), dinput});
        dy = dinput;
      }
    }
    if (embedding_weight_ >= 0)
      embedding_backward(ex, Index(config_.vocab_size), Index(config_.embedding_size), T * B, ws.ids.data(), ws.dx.data(),
                         grad(static_cast<std::size_t>(embedding_weight_)));
  }

  /// A zero (h, c) for `batch` generated sequences.
  State zero_state(Index batch) const {
    State s;
    s.batch = batch;
    const Index H = config_.lstm_size;
    for (Index l = 0; l < config_.lstm_layers; ++l) {
      s.h.push_back(ex_->template buffer<Scalar>(H * batch));
      s.c.push_back(ex_->template buffer<Scalar>(H * batch));
      fill(*ex_, H * batch, s.h.back().data(), Scalar(0));
      fill(*ex_, H * batch, s.c.back().data(), Scalar(0));
    }
    return s;
  }

  /// One inference step per token for every sequence of `state`: advances it and returns the next
  /// token's probabilities, vocab x batch in the executor's memory (ws.probs).
  const Scalar* step(Workspace& ws, State& state, const nn::IdMatrix& ids) {
    const Index B = ids.size();
    if (state.h.empty() || state.batch != B)
      SYMPHONIC_THROW(nn::ShapeError("generation batch (set by zero_state)", state.h.empty() ? 0 : state.batch, B));
    ws.backward_ready = false;
    ws.every_step = false;
    ws.train = false;
    ws.key = 0;
    run_lstm(ws, ids, &state);
    save_final_state(ws, state);
    run_head(ws, B);
    ensure(*ex_, ws.probs, Index(config_.vocab_size) * B);
    softmax(*ex_, Index(config_.vocab_size), B, logits(ws), ws.probs.data());
    return ws.probs.data();
  }

 private:
  using Kind = nn::HeadLayer::Kind;
  struct Op {
    Kind kind;
    Index in = 0, out = 0;  ///< rows in and out (equal but for dense)
    std::size_t weight = 0, bias = 0;        ///< tensors of dense or batch norm
    std::size_t mean = 0, var = 0;           ///< batch norm's buffers
    std::uint64_t stream = 0;                ///< dropout's counter stream
  };

  std::size_t slot(const std::string& name) const {
    const auto& t = layout_.tensors();
    for (std::size_t k = 0; k < t.size(); ++k)
      if (t[k].name == name) return k;
    SYMPHONIC_THROW(nn::ConfigError("no tensor named " + name + " in the model's layout"));
  }
  Scalar* param(std::size_t s) const { return const_cast<Scalar*>(params_.data()) + layout_[s].offset; }
  Scalar* grad(std::size_t s) const { return const_cast<Scalar*>(grads_.data()) + layout_[s].offset; }
  Scalar* buffer(std::size_t s) const { return const_cast<Scalar*>(buffers_.data()) + layout_[s].offset; }

  // The head of nn::head_layers, nn::Model's, with its tensors found by name.
  void build_ops() {
    if (config_.input == nn::InputKind::embedding) embedding_weight_ = static_cast<std::int64_t>(slot("embedding.weight"));
    for (Index l = 0; l < config_.lstm_layers; ++l) {
      const std::string k = std::to_string(l);
      lstm_slots_.push_back({slot("lstm.weight_ih_l" + k), slot("lstm.weight_hh_l" + k), slot("lstm.bias_ih_l" + k),
                             slot("lstm.bias_hh_l" + k)});
    }
    for (const nn::HeadLayer& h : nn::head_layers(config_)) {
      Op op{h.kind, h.in, h.out};
      const std::string n = std::to_string(h.number);
      if (h.kind == Kind::batch_norm) {
        op.weight = slot("bn" + n + ".weight");
        op.bias = slot("bn" + n + ".bias");
        op.mean = slot("bn" + n + ".running_mean");
        op.var = slot("bn" + n + ".running_var");
      } else if (h.kind == Kind::dropout) {
        op.stream = nn::Model<Scalar>::head_dropout_stream(static_cast<std::size_t>(h.number));
      } else if (h.kind == Kind::dense) {
        op.weight = slot("dense" + n + ".weight");
        op.bias = slot("dense" + n + ".bias");
      }
      ops_.push_back(op);
    }
  }

  Index input_size(Index l) const {
    if (l > 0) return config_.lstm_size;
    return config_.input == nn::InputKind::embedding ? config_.embedding_size : 1;
  }
  LstmWeights<Scalar> lstm_weights(Index l) const {
    const auto& s = lstm_slots_[static_cast<std::size_t>(l)];
    return {param(s[0]), param(s[1]), param(s[2]), param(s[3])};
  }
  LstmGradients<Scalar> lstm_gradients(Index l) const {
    const auto& s = lstm_slots_[static_cast<std::size_t>(l)];
    return {grad(s[0]), grad(s[1]), grad(s[2]), grad(s[3])};
  }
  static LstmTrace<Scalar> trace(LayerTrace& L) {
    return {L.gates.data(), L.c.data(), L.tanh_c.data(), L.h.data(), L.h_prev.data()};
  }
  // What layer l read in its forward: the input features, its dropped-out input, or the layer below's h.
  const Scalar* layer_input(Workspace& ws, Index l) const {
    if (l == 0) return ws.x.data();
    const LayerTrace& L = ws.layers[static_cast<std::size_t>(l)];
    return L.dropped_input ? L.input.data() : ws.layers[static_cast<std::size_t>(l - 1)].h.data();
  }

  // Input features and the LSTM stack over ids (batch x T), from `initial` or zero.
  void run_lstm(Workspace& ws, const nn::IdMatrix& ids, const State* initial) {
    Exec& ex = *ex_;
    const Index B = ids.rows(), T = ids.cols(), N = B * T, H = config_.lstm_size, V = config_.vocab_size;
    nn::check_ids(ids, V);
    ws.batch = B;
    ws.steps = T;
    ensure(ex, ws.ids, N);
    ex.upload(ws.ids.data(), ids.data(), N);  // column-major batch x T: element b + t B
    if (embedding_weight_ >= 0) {
      const Index E = config_.embedding_size;
      embedding_forward(ex, E, N, param(static_cast<std::size_t>(embedding_weight_)), ws.ids.data(), ensure(ex, ws.x, E * N));
    } else {
      scalar_input_forward(ex, V, N, ws.ids.data(), ensure(ex, ws.x, N));
    }
    ws.layers.resize(static_cast<std::size_t>(config_.lstm_layers));
    for (Index l = 0; l < config_.lstm_layers; ++l) {
      LayerTrace& L = ws.layers[static_cast<std::size_t>(l)];
      const Index I = input_size(l);
      L.dropped_input = l > 0 && ws.train && config_.lstm_dropout > 0;
      if (L.dropped_input) {
        const Scalar* below = ws.layers[static_cast<std::size_t>(l - 1)].h.data();
        dropout_mask(ex, H * N, config_.lstm_dropout, ws.key, nn::Lstm<Scalar>::input_stream(l), 0,
                     ensure(ex, L.input_mask, H * N));
        ex.for_each(H * N, MultiplyBy<Scalar>{below, L.input_mask.data(), ensure(ex, L.input, H * N)});
      }
      ensure(ex, L.h0, H * B);
      ensure(ex, L.c0, H * B);
      if (initial) {
        copy(ex, H * B, initial->h[static_cast<std::size_t>(l)].data(), L.h0.data());
        copy(ex, H * B, initial->c[static_cast<std::size_t>(l)].data(), L.c0.data());
      } else {
        fill(ex, H * B, L.h0.data(), Scalar(0));
        fill(ex, H * B, L.c0.data(), Scalar(0));
      }
      L.masked = ws.train && config_.recurrent_dropout > 0;
      if (L.masked)
        dropout_mask(ex, H * B, config_.recurrent_dropout, ws.key, nn::Lstm<Scalar>::recurrent_stream(l), 0,
                     ensure(ex, L.recurrent_mask, H * B));
      ensure(ex, L.gates, 4 * H * N);
      ensure(ex, L.c, H * N);
      ensure(ex, L.tanh_c, H * N);
      ensure(ex, L.h, H * N);
      ensure(ex, L.h_prev, H * N);
      lstm_forward(ex, I, H, T, B, lstm_weights(l), layer_input(ws, l), L.h0.data(), L.c0.data(),
                   L.masked ? L.recurrent_mask.data() : nullptr, trace(L));
    }
  }

  void save_final_state(Workspace& ws, State& s) const {
    const Index B = ws.batch, T = ws.steps, H = config_.lstm_size;
    if (s.batch != B || s.h.size() != ws.layers.size()) s = zero_state(B);
    for (std::size_t l = 0; l < ws.layers.size(); ++l) {
      copy(*ex_, H * B, ws.layers[l].h.data() + H * (T - 1) * B, s.h[l].data());
      copy(*ex_, H * B, ws.layers[l].c.data() + H * (T - 1) * B, s.c[l].data());
    }
  }

  // The head's input before op k: the top LSTM's h (every step, or the last step's B columns), or
  // op k - 1's output.
  const Scalar* head_input(Workspace& ws, std::size_t k) const {
    if (k > 0) return ws.acts[k].data();
    const Scalar* top = ws.layers.back().h.data();
    return ws.every_step ? top : top + Index(config_.lstm_size) * (ws.steps - 1) * ws.batch;
  }
  const Scalar* logits(Workspace& ws) const { return head_input(ws, ops_.size()); }

  void run_head(Workspace& ws, Index n) {
    Exec& ex = *ex_;
    ws.head_columns = n;
    ws.acts.resize(ops_.size() + 1);
    ws.xhat.resize(ops_.size());
    ws.rstd.resize(ops_.size());
    ws.masks.resize(ops_.size());
    for (std::size_t k = 0; k < ops_.size(); ++k) {
      const Op& op = ops_[k];
      const Scalar* x = head_input(ws, k);
      Scalar* y = ensure(ex, ws.acts[k + 1], op.out * n);
      switch (op.kind) {
        case Kind::batch_norm: {
          const BatchNormParams<Scalar> p{param(op.weight), param(op.bias), buffer(op.mean), buffer(op.var),
                                          config_.bn_momentum, config_.bn_epsilon, config_.bn_unbiased_running_var};
          batch_norm_forward(ex, op.in, n, x, p, ws.train, ensure(ex, ws.xhat[k], op.in * n), ensure(ex, ws.rstd[k], op.in), y);
          break;
        }
        case Kind::dropout:
          if (ws.train && config_.dropout > 0) {
            dropout_mask(ex, op.in * n, config_.dropout, ws.key, op.stream, 0, ensure(ex, ws.masks[k], op.in * n));
            ex.for_each(op.in * n, MultiplyBy<Scalar>{x, ws.masks[k].data(), y});
          } else {
            copy(ex, op.in * n, x, y);
          }
          break;
        case Kind::dense: dense_forward(ex, op.in, op.out, n, param(op.weight), param(op.bias), x, y); break;
        case Kind::relu: relu_forward(ex, op.in * n, x, y); break;
      }
    }
  }

  Exec* ex_;
  nn::ModelConfig config_;
  nn::ParameterLayout layout_;
  Buffer params_, grads_, buffers_;
  nn::Rng rng_{1};
  std::int64_t embedding_weight_ = -1;  // its slot, or -1 for the scalar input
  std::vector<std::vector<std::size_t>> lstm_slots_;  // per layer: w_ih, w_hh, b_ih, b_hh
  std::vector<Op> ops_;
};

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
