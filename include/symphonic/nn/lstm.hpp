// symphonic/nn/lstm.hpp - a stack of LSTM layers over time-major sequence batches.
//
// Input x is I x (T B): column t B + b is step t of sequence b (DESIGN.md seam 2). Each layer l has
// hidden size H; its output h (H x T B) is the next layer's input; forward() returns the top
// layer's h for every step (the caller takes the last block for a many-to-one model).
//
// Per layer and step, with gate order (i, f, g, o) stacked in 4H rows (PyTorch and cuDNN order):
//   a_t = W_ih x_t + b_ih + b_hh + W_hh (h_{t-1} o m)       one 4H x B block
//   i = sigmoid(a_i),  f = sigmoid(a_f),  g = tanh(a_g),  o = sigmoid(a_o)
//   c_t = f o c_{t-1} + i o g
//   h_t = o o tanh(c_t)
// m is the recurrent-dropout mask (Keras `recurrent_dropout`, implementation 2): one H x B mask per
// sequence and layer, drawn once per forward and reused at every step; m = 1 at inference.
// Between layers, `dropout` applies a fresh inverted-dropout mask per element and step to the
// input of layers 1..L-1 (PyTorch nn.LSTM `dropout`).
//
// Speed: the input projection W_ih X of a whole layer is one GEMM over all T B columns, the
// recurrent part one (4H x H)(H x B) GEMM per step, the gate nonlinearities are fused array
// expressions over the step's block, and every buffer is sized before the step loop (nothing is
// allocated inside it). Backward accumulates dA (the gate pre-activation gradients) for all steps
// and then forms the weight gradients as two large GEMMs.
//
// Parameters per layer, in PyTorch state_dict order and layout: weight_ih_l{k} [4H, I_l] row-major,
// weight_hh_l{k} [4H, H], bias_ih_l{k} [4H], bias_hh_l{k} [4H].
// Initialisation: Init::keras draws W_ih Glorot-uniform over (fan_in I, fan_out 4H), W_hh
// orthogonal (Keras' Orthogonal on the H x 4H recurrent kernel), biases 0 except the forget rows of
// b_ih = 1 (unit_forget_bias); Init::torch draws everything from U(-1/sqrt(H), 1/sqrt(H)).
#pragma once

#include <cmath>
#include <new>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/QR>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/nn/config_error.hpp"
#include "symphonic/nn/dense.hpp"
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
  using VecMap = Eigen::Map<Vec>;

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
    Mat h_prev;          ///< h_{t-1} o m, H x T B: the right factor of the recurrent GEMM
    Mat h0, c0;          ///< initial state, H x B
  };
  struct Cache {
    std::vector<LayerCache> layers;
    Index batch = 0, steps = 0;
  };

  explicit Lstm(LstmOptions options, Rng* rng = nullptr) : options_(options), rng_(rng) {
    if (options.input_size < 1 || options.hidden_size < 1 || options.layers < 1)
      SYMPHONIC_THROW(ConfigError("lstm sizes must be positive"));
    if (!(options.recurrent_dropout >= 0.0 && options.recurrent_dropout < 1.0))
      SYMPHONIC_THROW(ConfigError("lstm recurrent_dropout must lie in [0, 1)"));
    if (!(options.dropout >= 0.0 && options.dropout < 1.0))
      SYMPHONIC_THROW(ConfigError("lstm dropout must lie in [0, 1)"));
    views_.resize(static_cast<std::size_t>(options.layers));
    cache_.layers.resize(static_cast<std::size_t>(options.layers));
  }

  const LstmOptions& options() const { return options_; }
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

  void bind(Scalar* params, Scalar* grads) {
    const Index H = options_.hidden_size;
    for (Index l = 0; l < options_.layers; ++l) {
      const Index I = layer_input_size(l);
      Views& v = views_[static_cast<std::size_t>(l)];
      Scalar* p = params;
      Scalar* g = grads;
      new (&v.W_ih) RowMajorMap(p, 4 * H, I);
      new (&v.dW_ih) RowMajorMap(g, 4 * H, I);
      p += 4 * H * I, g += 4 * H * I;
      new (&v.W_hh) RowMajorMap(p, 4 * H, H);
      new (&v.dW_hh) RowMajorMap(g, 4 * H, H);
      p += 4 * H * H, g += 4 * H * H;
      new (&v.b_ih) VecMap(p, 4 * H);
      new (&v.db_ih) VecMap(g, 4 * H);
      p += 4 * H, g += 4 * H;
      new (&v.b_hh) VecMap(p, 4 * H);
      new (&v.db_hh) VecMap(g, 4 * H);
      params += layer_parameter_count(l);
      grads += layer_parameter_count(l);
    }
  }

  void initialize(Rng& rng) {
    const Index H = options_.hidden_size;
    for (Index l = 0; l < options_.layers; ++l) {
      Views& v = views_[static_cast<std::size_t>(l)];
      const Index I = layer_input_size(l);
      if (options_.init == Init::torch) {
        const double k = 1.0 / std::sqrt(static_cast<double>(H));
        for (auto* m : {&v.W_ih, &v.W_hh})
          for (Index i = 0; i < m->size(); ++i) m->data()[i] = static_cast<Scalar>(rng.uniform(-k, k));
        for (auto* b : {&v.b_ih, &v.b_hh})
          for (Index i = 0; i < b->size(); ++i) (*b)[i] = static_cast<Scalar>(rng.uniform(-k, k));
        continue;
      }
      // Glorot uniform on Keras' kernel [I, 4H]; W_ih is its transpose, same distribution.
      const double limit = std::sqrt(6.0 / static_cast<double>(I + 4 * H));
      for (Index i = 0; i < v.W_ih.size(); ++i) v.W_ih.data()[i] = static_cast<Scalar>(rng.uniform(-limit, limit));
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
      v.W_hh = q.cast<Scalar>();
      v.b_ih.setZero();
      v.b_ih.segment(H, H).setOnes();  // unit forget bias
      v.b_hh.setZero();
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

  /// x: I x (T batch); y: H x (T batch), the top layer's output at every step. `initial` (zero
  /// when null) must hold H x batch matrices. The final state is kept in final_state().
  void forward(const Mat& x, Index batch, Mat& y, Mode mode, const State* initial = nullptr) {
    const Index H = options_.hidden_size;
    if (x.rows() != options_.input_size) SYMPHONIC_THROW(ShapeError("lstm input rows", options_.input_size, x.rows()));
    if (batch < 1 || x.cols() % batch != 0)
      SYMPHONIC_THROW(ShapeError("lstm input columns (a multiple of the batch)", batch, x.cols()));
    const Index T = x.cols() / batch, B = batch;
    if (initial) check_state(*initial, B, "lstm initial state");
    cache_.batch = B;
    cache_.steps = T;
    const bool train = mode == Mode::train;
    if (train && (options_.recurrent_dropout > 0 || options_.dropout > 0) && !rng_)
      SYMPHONIC_THROW(ConfigError("lstm dropout needs a random generator"));
    final_.h.resize(static_cast<std::size_t>(options_.layers));
    final_.c.resize(static_cast<std::size_t>(options_.layers));

    for (Index l = 0; l < options_.layers; ++l) {
      LayerCache& L = cache_.layers[static_cast<std::size_t>(l)];
      Views& v = views_[static_cast<std::size_t>(l)];
      const Mat* in = nullptr;
      L.input_mask.resize(0, 0);
      if (l == 0) {
        L.input = x;
        in = &L.input;
      } else if (train && options_.dropout > 0) {
        const Mat& below = cache_.layers[static_cast<std::size_t>(l - 1)].h;
        L.input_mask.resize(below.rows(), below.cols());
        fill_dropout_mask(L.input_mask, options_.dropout, *rng_);
        L.input = L.input_mask.cwiseProduct(below);
        in = &L.input;
      } else {
        L.input.resize(0, 0);
        in = &cache_.layers[static_cast<std::size_t>(l - 1)].h;
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
        fill_dropout_mask(L.recurrent_mask, options_.recurrent_dropout, *rng_);
      } else {
        L.recurrent_mask.resize(0, 0);
      }
      const bool masked = L.recurrent_mask.size() > 0;

      // All buffers sized before the step loop.
      L.gates.resize(4 * H, T * B);
      L.c.resize(H, T * B);
      L.tanh_c.resize(H, T * B);
      L.h.resize(H, T * B);
      L.h_prev.resize(H, T * B);
      // Input projection of all steps in one GEMM: A = W_ih X + (b_ih + b_hh) 1^T.
      L.gates.noalias() = v.W_ih * (*in);
      const Vec bias = v.b_ih + v.b_hh;
      L.gates.colwise() += bias;

      for (Index t = 0; t < T; ++t) {
        auto hp = L.h_prev.middleCols(t * B, B);
        if (t == 0)
          hp = L.h0;
        else
          hp = L.h.middleCols((t - 1) * B, B);
        if (masked) hp.array() *= L.recurrent_mask.array();  // h_{t-1} o m
        auto a = L.gates.middleCols(t * B, B);
        a.noalias() += v.W_hh * hp;                            // a_t += W_hh (h_{t-1} o m)
        // i, f, o = sigmoid; g = tanh (in place: the cache keeps activations)
        a.topRows(2 * H) = a.topRows(2 * H).array().logistic();
        a.middleRows(2 * H, H) = a.middleRows(2 * H, H).array().tanh();
        a.bottomRows(H) = a.bottomRows(H).array().logistic();
        auto c = L.c.middleCols(t * B, B);
        if (t == 0)
          c = (a.middleRows(H, H).array() * L.c0.array() + a.topRows(H).array() * a.middleRows(2 * H, H).array()).matrix();
        else
          c = (a.middleRows(H, H).array() * L.c.middleCols((t - 1) * B, B).array() +
               a.topRows(H).array() * a.middleRows(2 * H, H).array()).matrix();  // c = f c' + i g
        auto tc = L.tanh_c.middleCols(t * B, B);
        tc = c.array().tanh().matrix();
        L.h.middleCols(t * B, B) = (a.bottomRows(H).array() * tc.array()).matrix();  // h = o tanh(c)
      }
      final_.h[static_cast<std::size_t>(l)] = L.h.middleCols((T - 1) * B, B);
      final_.c[static_cast<std::size_t>(l)] = L.c.middleCols((T - 1) * B, B);
    }
    y = cache_.layers.back().h;
  }

  /// dy: H x (T batch), the gradient of the top layer's outputs; dx: I x (T batch). When
  /// `d_initial` is given it receives dLoss/dh0 and dLoss/dc0 of every layer. Adds into the
  /// bound gradients.
  void backward(const Mat& dy, Mat& dx, State* d_initial = nullptr) {
    const Index H = options_.hidden_size, B = cache_.batch, T = cache_.steps;
    SYMPHONIC_ASSERT(dy.rows() == H && dy.cols() == T * B);
    if (d_initial) {
      d_initial->h.resize(static_cast<std::size_t>(options_.layers));
      d_initial->c.resize(static_cast<std::size_t>(options_.layers));
    }
    Mat dh_above = dy;  // gradient w.r.t. this layer's outputs h, H x T B
    Mat dh_next(H, B), dc_next(H, B), dh(H, B), dc(H, B);
    dA_.resize(4 * H, T * B);
    for (Index l = options_.layers - 1; l >= 0; --l) {
      LayerCache& L = cache_.layers[static_cast<std::size_t>(l)];
      Views& v = views_[static_cast<std::size_t>(l)];
      const bool masked = L.recurrent_mask.size() > 0;
      dh_next.setZero();
      dc_next.setZero();
      // Backward through time, with s = tanh(c_t) and c' = c_{t-1}:
      //   dh   = dy_t + dh_next
      //   dc   = dc_next + dh o o (1 - s^2)
      //   da_i = dc o g o i (1 - i)        da_f = dc o c' o f (1 - f)
      //   da_g = dc o i (1 - g^2)          da_o = dh o s o o (1 - o)
      //   dc_next = dc o f                 dh_next = (W_hh^T da) o m
      for (Index t = T - 1; t >= 0; --t) {
        const auto a = L.gates.middleCols(t * B, B);
        const auto i = a.topRows(H).array();
        const auto f = a.middleRows(H, H).array();
        const auto g = a.middleRows(2 * H, H).array();
        const auto o = a.bottomRows(H).array();
        const auto s = L.tanh_c.middleCols(t * B, B).array();
        dh = dh_above.middleCols(t * B, B) + dh_next;
        dc = (dc_next.array() + dh.array() * o * (Scalar(1) - s.square())).matrix();
        auto da = dA_.middleCols(t * B, B);
        da.topRows(H) = (dc.array() * g * i * (Scalar(1) - i)).matrix();
        if (t == 0)
          da.middleRows(H, H) = (dc.array() * L.c0.array() * f * (Scalar(1) - f)).matrix();
        else
          da.middleRows(H, H) = (dc.array() * L.c.middleCols((t - 1) * B, B).array() * f * (Scalar(1) - f)).matrix();
        da.middleRows(2 * H, H) = (dc.array() * i * (Scalar(1) - g.square())).matrix();
        da.bottomRows(H) = (dh.array() * s * o * (Scalar(1) - o)).matrix();
        dc_next = (dc.array() * f).matrix();
        dh_next.noalias() = v.W_hh.transpose() * da;
        if (masked) dh_next.array() *= L.recurrent_mask.array();
      }
      if (d_initial) {
        d_initial->h[static_cast<std::size_t>(l)] = dh_next;
        d_initial->c[static_cast<std::size_t>(l)] = dc_next;
      }
      // Weight gradients as large GEMMs over all steps.
      const Mat& in = l == 0 || L.input.size() > 0 ? L.input : cache_.layers[static_cast<std::size_t>(l - 1)].h;
      v.dW_ih.noalias() += dA_ * in.transpose();        // dW_ih += dA X^T
      v.dW_hh.noalias() += dA_ * L.h_prev.transpose();  // dW_hh += dA (H_prev o m)^T
      const Vec db = dA_.rowwise().sum();
      v.db_ih += db;
      v.db_hh += db;
      if (l > 0) {
        dh_above.noalias() = v.W_ih.transpose() * dA_;  // dX = W_ih^T dA
        if (L.input_mask.size() > 0) dh_above.array() *= L.input_mask.array();
      } else {
        dx.resize(options_.input_size, T * B);
        dx.noalias() = v.W_ih.transpose() * dA_;
      }
    }
  }

  /// Final (h, c) of the last forward, each H x batch.
  const State& final_state() const { return final_; }
  const Cache& cache() const { return cache_; }

  /// Multiply-adds x 2 of one forward over `batch` sequences of `steps` steps.
  double forward_flops(Index batch, Index steps) const {
    double flops = 0;
    const double H = static_cast<double>(options_.hidden_size);
    for (Index l = 0; l < options_.layers; ++l)
      flops += 2.0 * 4.0 * H * (static_cast<double>(layer_input_size(l)) + H) * static_cast<double>(batch * steps);
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

 private:
  struct Views {
    RowMajorMap W_ih{nullptr, 0, 0}, W_hh{nullptr, 0, 0}, dW_ih{nullptr, 0, 0}, dW_hh{nullptr, 0, 0};
    VecMap b_ih{nullptr, 0}, b_hh{nullptr, 0}, db_ih{nullptr, 0}, db_hh{nullptr, 0};
  };

  LstmOptions options_;
  Rng* rng_;
  std::vector<Views> views_;
  Cache cache_;
  State final_;
  Mat dA_;  // backward scratch, 4H x T B, reused by every layer
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
