// symphonic/nn/lstm.hpp - a stack of LSTM layers over time-major sequence batches.
//
// Input x is I x (T B): column t B + b is step t of sequence b (DESIGN.md seam 2). Each layer l has
// hidden size H; its output h (H x T B) is the next layer's input; forward() returns the top
// layer's h for every step (the caller takes the last block for a many-to-one model).
//
// Per layer and step, with gate order (i, f, g, o) stacked in 4H rows (PyTorch and cuDNN order)
// and * the elementwise product:
//   a_t = W_ih x_t + b_ih + b_hh + W_hh (h_{t-1} * m)       one 4H x B block
//   i = sigmoid(a_i),  f = sigmoid(a_f),  g = tanh(a_g),  o = sigmoid(a_o)
//   c_t = f * c_{t-1} + i * g
//   h_t = o * tanh(c_t)
// m is the recurrent-dropout mask (Keras `recurrent_dropout`, implementation 2): one H x B mask per
// sequence and layer, drawn once per forward and reused at every step; m = 1 at inference.
// Between layers, `dropout` applies a fresh inverted-dropout mask per element and step to the
// input of layers 1..L-1 (PyTorch nn.LSTM `dropout`). Masks are drawn by counter under the key
// the caller passes (one per training step): layer l's recurrent mask is stream 2l + 1, its input
// mask stream 2l + 2, element index its position in the column-major matrix (of the whole batch
// when the forward computes a slice of one: backend/cpu/dropout.hpp).
//
// The layer holds its options and views of its weights only. What a forward leaves for backward
// (gate activations, cell states, masks) is a Cache in the caller's workspace, so a trainer and a
// generator never share one; the maths, and how it is cut across threads, is backend/cpu/lstm.hpp:
// the input projection of a whole layer is one product over all T B columns, the recurrent part
// one (4H x H)(H x B) product per step, the gate nonlinearities one fused pass, and backward forms
// the weight gradients as two large products after the sweep through time.
//
// Parameters per layer, in PyTorch state_dict order and layout: weight_ih_l{k} [4H, I_l] row-major,
// weight_hh_l{k} [4H, H], bias_ih_l{k} [4H], bias_hh_l{k} [4H].
// Initialisation: Init::keras draws W_ih Glorot-uniform over (fan_in I, fan_out 4H), W_hh
// orthogonal (Keras' Orthogonal on the H x 4H recurrent kernel), biases 0 except the forget rows of
// b_ih = 1 (unit_forget_bias); Init::torch draws everything from U(-1/sqrt(H), 1/sqrt(H)).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <Eigen/QR>

#include "symphonic/backend/cpu/aligned_buffer.hpp"
#include "symphonic/backend/cpu/dropout.hpp"
#include "symphonic/backend/cpu/lstm.hpp"
#include "symphonic/backend/cpu/lstm_bf16.hpp"
#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/config_error.hpp"
#include "symphonic/nn/dense.hpp"
#include "symphonic/nn/layout.hpp"
#include "symphonic/nn/precision.hpp"
#include "symphonic/nn/random.hpp"
#include "symphonic/nn/tensor.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

struct LstmOptions {
  Index input_size = 1;
  Index hidden_size = 1;
  Index layers = 1;
  double recurrent_dropout = 0.0;  ///< Keras: one mask on h_{t-1} per sequence, in [0, 1)
  double dropout = 0.0;            ///< PyTorch: on the input of layers 1..L-1, in [0, 1)
  Init init = Init::keras;
};

template <class Scalar>
class Lstm {
 public:
  using Mat = Matrix<Scalar>;
  using Vec = Vector<Scalar>;
  using RowMajorMap = Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

  /// (h, c) of every layer, each H x B: the initial state of a forward, or its final state.
  struct State {
    std::vector<Mat> h, c;
  };

  /// What backward needs from one layer's forward.
  struct LayerCache {
    Mat input;           ///< layer input when it had to be stored (layer 0, or dropout applied)
    Mat input_mask;      ///< between-layer dropout mask, I x T B (empty when none)
    Mat recurrent_mask;  ///< m, H x B (empty when none)
    Mat gates;           ///< activations i, f, g, o, 4H x T B
    Mat c;               ///< cell states, H x T B
    Mat tanh_c;          ///< tanh(c), H x T B
    Mat h;               ///< outputs, H x T B
    Mat h_prev;          ///< h_{t-1} * m, H x T B: the right factor of the recurrent GEMM
    Mat h0, c0;          ///< initial state, H x B
  };
  /// Everything of one forward and its backward, owned by whoever runs the layer.
  struct Cache {
    std::vector<LayerCache> layers;
    Index batch = 0, steps = 0;
    Mat da, dh, dh_next, dc_next;  ///< backward scratch: 4H x T B, then H x B each
    Mat dh_above, dh_below;        ///< gradient of a layer's outputs and of its input, H x T B
    Vec pack;                      ///< W_hh or W_hh^T packed for the recurrent products (backend/cpu/lstm.hpp)
    bool bf16 = false;             ///< the forward ran with bf16 products, so its backward does too
    backend::cpu::AlignedBuffer<backend::cpu::bf16> bf16_scratch;  ///< backend/cpu/lstm_bf16.hpp
    /// The bf16 generation step's packed weights, valid while weights_version (set by the owner
    /// of the weights, Model::step; 0 = unknown, repack every step) equals step_weights_version.
    backend::cpu::AlignedBuffer<backend::cpu::bf16> step_weights;
    std::uint64_t weights_version = 0, step_weights_version = 0;
  };

  explicit Lstm(LstmOptions options) : options_(options) {
    if (options.input_size < 1 || options.hidden_size < 1 || options.layers < 1)
      SYMPHONIC_THROW(ConfigError("lstm sizes must be positive"));
    if (!(options.recurrent_dropout >= 0.0 && options.recurrent_dropout < 1.0))
      SYMPHONIC_THROW(ConfigError("lstm recurrent_dropout must lie in [0, 1)"));
    if (!(options.dropout >= 0.0 && options.dropout < 1.0))
      SYMPHONIC_THROW(ConfigError("lstm dropout must lie in [0, 1)"));
    slots_.resize(static_cast<std::size_t>(options.layers));
    views_.resize(static_cast<std::size_t>(options.layers));
  }

  const LstmOptions& options() const { return options_; }

  /// Arithmetic of the products (nn/precision.hpp).
  void set_precision(Precision p) {
    check_precision<Scalar>(p);
    precision_ = p;
  }
  Precision precision() const { return precision_; }
  Index hidden_size() const { return options_.hidden_size; }
  Index layers() const { return options_.layers; }
  Index layer_input_size(Index layer) const { return layer == 0 ? options_.input_size : options_.hidden_size; }

  /// Scalars of layer `layer`: 4H (I_l + H) weights and 8H biases.
  Index layer_parameter_count(Index layer) const {
    const Index H = options_.hidden_size;
    return 4 * H * (layer_input_size(layer) + H) + 8 * H;
  }
  Index parameter_count() const {
    Index n = 0;
    for (Index l = 0; l < options_.layers; ++l) n += layer_parameter_count(l);
    return n;
  }

  /// name.weight_ih_l{k} [4H, I_k], name.weight_hh_l{k} [4H, H], name.bias_ih_l{k} [4H],
  /// name.bias_hh_l{k} [4H] for every layer k: PyTorch nn.LSTM's state_dict.
  void describe(ParameterLayout& layout, const std::string& name) {
    const Index H = options_.hidden_size;
    for (Index l = 0; l < options_.layers; ++l) {
      const std::string k = std::to_string(l);
      Slots& s = slots_[static_cast<std::size_t>(l)];
      s.w_ih = layout.add(name + ".weight_ih_l" + k, {4 * H, layer_input_size(l)});
      s.w_hh = layout.add(name + ".weight_hh_l" + k, {4 * H, H});
      s.b_ih = layout.add(name + ".bias_ih_l" + k, {4 * H});
      s.b_hh = layout.add(name + ".bias_hh_l" + k, {4 * H});
    }
  }
  void bind(const ParameterLayout& layout, const Flat<Scalar>& flat) {
    for (std::size_t l = 0; l < slots_.size(); ++l) {
      const Slots& s = slots_[l];
      views_[l].w = {layout.param(s.w_ih, flat), layout.param(s.w_hh, flat), layout.param(s.b_ih, flat),
                     layout.param(s.b_hh, flat)};
      views_[l].g = {layout.grad(s.w_ih, flat), layout.grad(s.w_hh, flat), layout.grad(s.b_ih, flat),
                     layout.grad(s.b_hh, flat)};
    }
  }

  void initialize(Rng& rng) {
    const Index H = options_.hidden_size;
    for (Index l = 0; l < options_.layers; ++l) {
      const Index I = layer_input_size(l);
      const auto& w = views_[static_cast<std::size_t>(l)].w;
      RowMajorMap W_ih(w.w_ih, 4 * H, I), W_hh(w.w_hh, 4 * H, H);
      Eigen::Map<Vec> b_ih(w.b_ih, 4 * H), b_hh(w.b_hh, 4 * H);
      if (options_.init == Init::torch) {
        const double k = 1.0 / std::sqrt(static_cast<double>(H));
        for (Index i = 0; i < W_ih.size(); ++i) W_ih.data()[i] = static_cast<Scalar>(rng.uniform(-k, k));
        for (Index i = 0; i < W_hh.size(); ++i) W_hh.data()[i] = static_cast<Scalar>(rng.uniform(-k, k));
        for (Index i = 0; i < b_ih.size(); ++i) b_ih[i] = static_cast<Scalar>(rng.uniform(-k, k));
        for (Index i = 0; i < b_hh.size(); ++i) b_hh[i] = static_cast<Scalar>(rng.uniform(-k, k));
        continue;
      }
      // Glorot uniform on Keras' kernel [I, 4H]; W_ih is its transpose, same distribution.
      const double limit = std::sqrt(6.0 / static_cast<double>(I + 4 * H));
      for (Index i = 0; i < W_ih.size(); ++i) W_ih.data()[i] = static_cast<Scalar>(rng.uniform(-limit, limit));
      // Orthogonal: Q of a 4H x H normal matrix, columns signed by diag(R); Keras' recurrent
      // kernel [H, 4H] is its transpose (orthonormal rows), so W_hh = Q.
      Eigen::MatrixXd a(4 * H, H);
      for (Index j = 0; j < H; ++j)
        for (Index i = 0; i < 4 * H; ++i) a(i, j) = rng.normal();
      Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
      Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(4 * H, H);
      const Eigen::MatrixXd r = qr.matrixQR().topRows(H).template triangularView<Eigen::Upper>();
      for (Index j = 0; j < H; ++j)
        if (r(j, j) < 0) q.col(j) = -q.col(j);
      W_hh = q.cast<Scalar>();
      b_ih.setZero();
      b_ih.segment(H, H).setOnes();  // unit forget bias
      b_hh.setZero();
    }
  }

  /// A zero state for `batch` sequences.
  State zero_state(Index batch) const {
    State s;
    for (Index l = 0; l < options_.layers; ++l) {
      s.h.push_back(Mat::Zero(options_.hidden_size, batch));
      s.c.push_back(Mat::Zero(options_.hidden_size, batch));
    }
    return s;
  }

  /// x: I x (T batch). The top layer's output at every step is cache.layers.back().h (H x T batch).
  /// `initial` (zero when null) must hold H x batch matrices. In train mode the dropout masks are
  /// drawn under `key`, as for the rows of `slice` of a shared batch. Only `cache` is written:
  /// forwards with separate caches may run at once.
  void forward(backend::cpu::ThreadPool& pool, const Mat& x, Index batch, Cache& cache, Mode mode,
               std::uint64_t key = 0, const State* initial = nullptr, const backend::cpu::BatchSlice& slice = {}) const {
    const Index H = options_.hidden_size;
    if (x.rows() != options_.input_size) SYMPHONIC_THROW(ShapeError("lstm input rows", options_.input_size, x.rows()));
    if (batch < 1 || x.cols() % batch != 0)
      SYMPHONIC_THROW(ShapeError("lstm input columns (a multiple of the batch)", batch, x.cols()));
    const Index T = x.cols() / batch, B = batch;
    if (initial) check_state(*initial, B, "lstm initial state");
    cache.layers.resize(static_cast<std::size_t>(options_.layers));
    cache.pack.resize(backend::cpu::lstm_pack_size<Scalar>(H));
    cache.batch = B;
    cache.steps = T;
    const bool train = mode == Mode::train;
    cache.bf16 = use_bf16(T);
    if (cache.bf16) cache.bf16_scratch.resize(static_cast<std::size_t>(bf16_scratch_size(T, B, pool)));
    const bool bf16_step = use_bf16_step(T, B, train);
    if (bf16_step) prepare_step_weights(pool, B, cache);
    Index step_offset = 0;  // layer l's part of cache.step_weights

    for (Index l = 0; l < options_.layers; ++l) {
      LayerCache& L = cache.layers[static_cast<std::size_t>(l)];
      const Mat* in = nullptr;
      L.input_mask.resize(0, 0);
      if (l == 0) {
        L.input = x;
        in = &L.input;
      } else if (train && options_.dropout > 0) {
        const Mat& below = cache.layers[static_cast<std::size_t>(l - 1)].h;
        L.input_mask.resize(below.rows(), below.cols());
        backend::cpu::dropout_mask_slice(pool, H, T, B, slice, options_.dropout, key, input_stream(l), L.input_mask.data());
        L.input = L.input_mask.cwiseProduct(below);
        in = &L.input;
      } else {
        L.input.resize(0, 0);
        in = &cache.layers[static_cast<std::size_t>(l - 1)].h;
      }
      if (initial) {
        L.h0 = initial->h[static_cast<std::size_t>(l)];
        L.c0 = initial->c[static_cast<std::size_t>(l)];
      } else {
        L.h0.setZero(H, B);
        L.c0.setZero(H, B);
      }
      if (train && options_.recurrent_dropout > 0) {
        L.recurrent_mask.resize(H, B);
        backend::cpu::dropout_mask_slice(pool, H, 1, B, slice, options_.recurrent_dropout, key, recurrent_stream(l),
                                         L.recurrent_mask.data());
      } else {
        L.recurrent_mask.resize(0, 0);
      }
      // All buffers sized before the sweep; nothing is allocated inside it.
      L.gates.resize(4 * H, T * B);
      L.c.resize(H, T * B);
      L.tanh_c.resize(H, T * B);
      L.h.resize(H, T * B);
      L.h_prev.resize(H, T * B);
      const Scalar* mask = L.recurrent_mask.size() ? L.recurrent_mask.data() : nullptr;
      if constexpr (std::is_same<Scalar, float>::value) {
        if (cache.bf16) {
          backend::cpu::lstm_forward_bf16(pool, layer_input_size(l), H, T, B, weights(l), in->data(), L.h0.data(),
                                          L.c0.data(), mask, trace(L), cache.bf16_scratch.data());
          continue;
        }
        if (bf16_step) {
          backend::cpu::lstm_step_bf16(pool, layer_input_size(l), H, B, weights(l), cache.step_weights.data() + step_offset,
                                       in->data(), L.h0.data(), L.c0.data(), trace(L), cache.bf16_scratch.data());
          step_offset += backend::cpu::lstm_step_weights_size(layer_input_size(l), H);
          continue;
        }
      }
      backend::cpu::lstm_forward(pool, layer_input_size(l), H, T, B, weights(l), in->data(), L.h0.data(),
                                 L.c0.data(), mask, trace(L), cache.pack.data());
    }
  }

  /// dy: H x (T batch), the gradient of the top layer's outputs; dx: I x (T batch) (not computed
  /// when null). When `d_initial` is given it receives dLoss/dh0 and dLoss/dc0 of every layer.
  /// Adds into the bound gradients.
  void backward(backend::cpu::ThreadPool& pool, const Mat& dy, Mat* dx, Cache& cache, State* d_initial = nullptr) const {
    const Index H = options_.hidden_size, B = cache.batch, T = cache.steps;
    SYMPHONIC_ASSERT(dy.rows() == H && dy.cols() == T * B);
    if (d_initial) {
      d_initial->h.resize(static_cast<std::size_t>(options_.layers));
      d_initial->c.resize(static_cast<std::size_t>(options_.layers));
    }
    cache.da.resize(4 * H, T * B);
    cache.pack.resize(backend::cpu::lstm_pack_size<Scalar>(H));
    cache.dh.resize(H, B);
    cache.dh_next.resize(H, B);
    cache.dc_next.resize(H, B);
    cache.dh_above = dy;
    for (Index l = options_.layers - 1; l >= 0; --l) {
      LayerCache& L = cache.layers[static_cast<std::size_t>(l)];
      const Mat& in = l == 0 || L.input.size() > 0 ? L.input : cache.layers[static_cast<std::size_t>(l - 1)].h;
      Scalar* dh0 = nullptr;
      Scalar* dc0 = nullptr;
      if (d_initial) {
        d_initial->h[static_cast<std::size_t>(l)].resize(H, B);
        d_initial->c[static_cast<std::size_t>(l)].resize(H, B);
        dh0 = d_initial->h[static_cast<std::size_t>(l)].data();
        dc0 = d_initial->c[static_cast<std::size_t>(l)].data();
      }
      // The gradient of this layer's input: the layer below's outputs (dh_above of the next
      // iteration, written in place once this layer no longer reads it), or the caller's dx.
      Mat& below = cache.dh_below;
      Scalar* dinput = nullptr;
      if (l > 0) {
        below.resize(H, T * B);
        dinput = below.data();
      } else if (dx) {
        dx->resize(options_.input_size, T * B);
        dinput = dx->data();
      }
      const Scalar* mask = L.recurrent_mask.size() ? L.recurrent_mask.data() : nullptr;
      const backend::cpu::LstmBackwardScratch<Scalar> scratch{cache.da.data(), cache.dh.data(), cache.dh_next.data(),
                                                              cache.dc_next.data()};
      bool done = false;
      if constexpr (std::is_same<Scalar, float>::value) {
        if (cache.bf16) {
          backend::cpu::lstm_backward_bf16(pool, layer_input_size(l), H, T, B, weights(l), gradients(l), in.data(),
                                           L.c0.data(), mask, trace(L), cache.dh_above.data(), dinput, dh0, dc0,
                                           scratch, cache.bf16_scratch.data());
          done = true;
        }
      }
      if (!done)
        backend::cpu::lstm_backward(pool, layer_input_size(l), H, T, B, weights(l), gradients(l), in.data(),
                                    L.c0.data(), mask, trace(L), cache.dh_above.data(), dinput, dh0, dc0, scratch,
                                    cache.pack.data());
      if (l > 0) {
        if (L.input_mask.size() > 0) below.array() *= L.input_mask.array();  // through the input dropout
        cache.dh_above.swap(below);
      }
    }
  }

  /// Final (h, c) of the forward that filled `cache`, each H x batch.
  State final_state(const Cache& cache) const {
    State s;
    final_state(cache, s);
    return s;
  }
  void final_state(const Cache& cache, State& s) const {
    const Index B = cache.batch, T = cache.steps;
    s.h.resize(cache.layers.size());
    s.c.resize(cache.layers.size());
    for (std::size_t l = 0; l < cache.layers.size(); ++l) {
      s.h[l] = cache.layers[l].h.middleCols((T - 1) * B, B);
      s.c[l] = cache.layers[l].c.middleCols((T - 1) * B, B);
    }
  }

  /// Multiply-adds x 2 of one forward over `batch` sequences of `steps` steps.
  double forward_flops(Index batch, Index steps) const {
    double flops = 0;
    for (Index l = 0; l < options_.layers; ++l)
      flops += backend::cpu::lstm_forward_flops(layer_input_size(l), options_.hidden_size, batch * steps);
    return flops;
  }

  void check_state(const State& s, Index batch, const std::string& what) const {
    if (static_cast<Index>(s.h.size()) != options_.layers || static_cast<Index>(s.c.size()) != options_.layers)
      SYMPHONIC_THROW(ShapeError(what + " layers", options_.layers, static_cast<std::int64_t>(s.h.size())));
    for (std::size_t l = 0; l < s.h.size(); ++l)
      for (const Mat* m : {&s.h[l], &s.c[l]}) {
        if (m->rows() != options_.hidden_size) SYMPHONIC_THROW(ShapeError(what + " rows", options_.hidden_size, m->rows()));
        if (m->cols() != batch) SYMPHONIC_THROW(ShapeError(what + " columns", batch, m->cols()));
      }
  }

  /// Counter streams of layer l's masks (see the file comment).
  static std::uint64_t recurrent_stream(Index l) { return 2 * static_cast<std::uint64_t>(l) + 1; }
  static std::uint64_t input_stream(Index l) { return 2 * static_cast<std::uint64_t>(l) + 2; }

 private:
  struct Slots {
    ParameterLayout::Slot w_ih = 0, w_hh = 0, b_ih = 0, b_hh = 0;
  };
  struct Tensors {
    Scalar *w_ih = nullptr, *w_hh = nullptr, *b_ih = nullptr, *b_hh = nullptr;
  };
  struct Views {
    Tensors w, g;  // one layer's weights and their gradients
  };

  backend::cpu::LstmWeights<Scalar> weights(Index l) const {
    const Tensors& w = views_[static_cast<std::size_t>(l)].w;
    return {w.w_ih, w.w_hh, w.b_ih, w.b_hh};
  }
  backend::cpu::LstmGradients<Scalar> gradients(Index l) const {
    const Tensors& g = views_[static_cast<std::size_t>(l)].g;
    return {g.w_ih, g.w_hh, g.b_ih, g.b_hh};
  }

  bool use_bf16(Index steps) const { return precision_ == Precision::bf16 && steps > 1; }
  // The generation step: one step of a batch too small for the tiles, in inference.
  bool use_bf16_step(Index steps, Index batch, bool train) const {
    return std::is_same<Scalar, float>::value && precision_ == Precision::bf16 && steps == 1 && batch < 16 && !train;
  }
  void prepare_step_weights(backend::cpu::ThreadPool& pool, Index B, Cache& cache) const {
    const Index H = options_.hidden_size;
    Index size = 0, scratch = 0;
    for (Index l = 0; l < options_.layers; ++l) {
      size += backend::cpu::lstm_step_weights_size(layer_input_size(l), H);
      scratch = std::max(scratch, backend::cpu::lstm_step_scratch_size(layer_input_size(l), H, B));
    }
    cache.bf16_scratch.resize(static_cast<std::size_t>(scratch));
    if (cache.weights_version != 0 && cache.step_weights_version == cache.weights_version &&
        cache.step_weights.size() == static_cast<std::size_t>(size))
      return;
    cache.step_weights.resize(static_cast<std::size_t>(size));
    if constexpr (std::is_same<Scalar, float>::value) {
      Index offset = 0;
      for (Index l = 0; l < options_.layers; ++l) {
        backend::cpu::lstm_pack_step_weights(pool, layer_input_size(l), H, weights(l), cache.step_weights.data() + offset);
        offset += backend::cpu::lstm_step_weights_size(layer_input_size(l), H);
      }
    }
    cache.step_weights_version = cache.weights_version;
  }
  Index bf16_scratch_size(Index T, Index B, const backend::cpu::ThreadPool& pool) const {
    Index n = 0;
    for (Index l = 0; l < options_.layers; ++l)
      n = std::max(n, backend::cpu::lstm_bf16_scratch_size(layer_input_size(l), options_.hidden_size, T, B, pool));
    return n;
  }

  static backend::cpu::LstmTrace<Scalar> trace(LayerCache& L) {
    return {L.gates.data(), L.c.data(), L.tanh_c.data(), L.h.data(), L.h_prev.data()};
  }

  LstmOptions options_;
  Precision precision_ = Precision::fp32;
  std::vector<Slots> slots_;
  std::vector<Views> views_;
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
