// Parity of the CUDA backend's functions (backend/cuda/, over any executor) with the CPU
// backend, kernel by kernel and for the whole model: each check runs both on the same random
// inputs and returns the largest difference, relative to the largest magnitude of the CPU's
// result. tests/backend runs them with the HostExecutor (no GPU needed), tests/cuda with the
// CudaExecutor; each states its own tolerances.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <symphonic/backend/cpu/batch_norm.hpp>
#include <symphonic/backend/cpu/dense.hpp>
#include <symphonic/backend/cpu/dropout.hpp>
#include <symphonic/backend/cpu/embedding.hpp>
#include <symphonic/backend/cpu/lstm.hpp>
#include <symphonic/backend/cpu/softmax_xent.hpp>
#include <symphonic/backend/cuda/batch_norm.hpp>
#include <symphonic/backend/cuda/dense.hpp>
#include <symphonic/backend/cuda/dropout.hpp>
#include <symphonic/backend/cuda/embedding.hpp>
#include <symphonic/backend/cuda/lstm.hpp>
#include <symphonic/backend/cuda/model.hpp>
#include <symphonic/backend/cuda/optim.hpp>
#include <symphonic/backend/cuda/softmax_xent.hpp>
#include <symphonic/nn/nn.hpp>
#include <symphonic/optim/optim.hpp>

namespace symphonic_test {
namespace parity {

using symphonic::nn::Index;
namespace cpu = symphonic::backend::cpu;
namespace dev = symphonic::backend::cuda;
namespace nn = symphonic::nn;

template <class Scalar>
std::vector<Scalar> random_values(Index n, std::uint64_t seed, double scale = 1.0) {
  nn::Rng rng(seed);
  std::vector<Scalar> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = static_cast<Scalar>(rng.uniform(-scale, scale));
  return v;
}

inline nn::IdMatrix random_ids(Index rows, Index cols, Index vocab, std::uint64_t seed) {
  nn::Rng rng(seed);
  nn::IdMatrix ids(rows, cols);
  for (Index i = 0; i < ids.size(); ++i) ids.data()[i] = static_cast<std::int32_t>(rng.next() % static_cast<std::uint64_t>(vocab));
  return ids;
}

/// The recipe's architecture at a small size: scalar input, 3 LSTM layers with recurrent dropout,
/// BatchNorm, Dropout, Dense `dense`, ReLU, BatchNorm, Dropout, Dense to the vocabulary.
inline nn::ModelConfig small_recipe(int vocab, int hidden, int dense) {
  nn::ModelConfig c = nn::ModelConfig::preset("recipe", vocab);
  c.lstm_size = hidden;
  c.dense_sizes = {dense};
  return c;
}

/// The default architecture at a small size, with dropout between the LSTM layers.
inline nn::ModelConfig small_default(int vocab, int hidden, int embedding) {
  nn::ModelConfig c = nn::ModelConfig::preset("default", vocab);
  c.lstm_size = hidden;
  c.embedding_size = embedding;
  c.lstm_dropout = 0.2;
  return c;
}

/// max |a - b| / max(max |a|, tiny): the CPU's result is `a`.
template <class A, class B>
double relative_difference(const A& a, const B& b, Index n) {
  double diff = 0, scale = 1e-30;
  for (Index i = 0; i < n; ++i) {
    const double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]);
    if (std::isnan(x) != std::isnan(y)) return INFINITY;
    diff = std::max(diff, std::abs(x - y));
    scale = std::max(scale, std::abs(x));
  }
  return diff / scale;
}

/// The executor's copy of host values.
template <class Exec, class T>
dev::BufferOf<Exec, T> to_device(Exec& ex, const std::vector<T>& v) {
  auto b = ex.template buffer<T>(static_cast<Index>(v.size()));
  if (!v.empty()) ex.upload(b.data(), v.data(), static_cast<Index>(v.size()));
  return b;
}
template <class Exec, class T>
std::vector<T> to_host(Exec& ex, const T* p, Index n) {
  std::vector<T> v(static_cast<std::size_t>(n));
  if (n > 0) ex.download(v.data(), p, n);
  return v;
}

/// Dense forward and backward (y, dW, db, dx).
template <class Exec, class Scalar>
double dense(Exec& ex, Index in, Index out, Index n) {
  cpu::ThreadPool pool(1);
  const auto w = random_values<Scalar>(out * in, 1), b = random_values<Scalar>(out, 2), x = random_values<Scalar>(in * n, 3),
             dy = random_values<Scalar>(out * n, 4), dw0 = random_values<Scalar>(out * in, 5),
             db0 = random_values<Scalar>(out, 6);
  std::vector<Scalar> y(static_cast<std::size_t>(out * n)), dw = dw0, db = db0, dx(static_cast<std::size_t>(in * n));
  cpu::dense_forward(pool, in, out, n, w.data(), b.data(), x.data(), y.data());
  cpu::dense_backward(pool, in, out, n, w.data(), x.data(), dy.data(), dw.data(), db.data(), dx.data());
  auto W = to_device(ex, w), Bv = to_device(ex, b), X = to_device(ex, x), dY = to_device(ex, dy), dW = to_device(ex, dw0),
       dB = to_device(ex, db0), Y = ex.template buffer<Scalar>(out * n), dX = ex.template buffer<Scalar>(in * n),
       ones = to_device(ex, std::vector<Scalar>(static_cast<std::size_t>(n), Scalar(1)));
  dev::dense_forward(ex, in, out, n, W.data(), Bv.data(), X.data(), Y.data());
  dev::dense_backward(ex, in, out, n, W.data(), X.data(), dY.data(), dW.data(), dB.data(), dX.data(), ones.data());
  return std::max({relative_difference(y, to_host(ex, Y.data(), out * n), out * n),
                   relative_difference(dw, to_host(ex, dW.data(), out * in), out * in),
                   relative_difference(db, to_host(ex, dB.data(), out), out),
                   relative_difference(dx, to_host(ex, dX.data(), in * n), in * n)});
}

/// One LSTM layer's forward (h, c, gates) and backward (every weight gradient, dx, dh0, dc0),
/// with or without a recurrent-dropout mask.
template <class Exec, class Scalar>
double lstm_layer(Exec& ex, Index I, Index H, Index T, Index B, bool masked) {
  cpu::ThreadPool pool(1);
  const Index N = T * B, G = 4 * H;
  const auto w_ih = random_values<Scalar>(G * I, 11, 0.5), w_hh = random_values<Scalar>(G * H, 12, 0.5),
             b_ih = random_values<Scalar>(G, 13), b_hh = random_values<Scalar>(G, 14), x = random_values<Scalar>(I * N, 15),
             h0 = random_values<Scalar>(H * B, 16), c0 = random_values<Scalar>(H * B, 17), dy = random_values<Scalar>(H * N, 18);
  std::vector<Scalar> mask(static_cast<std::size_t>(H * B));
  cpu::dropout_mask(pool, H * B, 0.3, 99, 1, 0, mask.data());
  const Scalar* m = masked ? mask.data() : nullptr;
  // CPU
  std::vector<Scalar> gates(static_cast<std::size_t>(G * N)), c(static_cast<std::size_t>(H * N)), tc = c, h = c, hp = c;
  std::vector<Scalar> gw_ih(w_ih.size()), gw_hh(w_hh.size()), gb_ih(b_ih.size()), gb_hh(b_hh.size());
  std::vector<Scalar> dx(static_cast<std::size_t>(I * N)), dh0(static_cast<std::size_t>(H * B)), dc0 = dh0, da = gates,
      dh = dh0, dhn = dh0, dcn = dh0, pack(static_cast<std::size_t>(cpu::lstm_pack_size<Scalar>(H)));
  const cpu::LstmWeights<Scalar> cw{w_ih.data(), w_hh.data(), b_ih.data(), b_hh.data()};
  const cpu::LstmTrace<Scalar> ctr{gates.data(), c.data(), tc.data(), h.data(), hp.data()};
  cpu::lstm_forward(pool, I, H, T, B, cw, x.data(), h0.data(), c0.data(), m, ctr, pack.data());
  cpu::lstm_backward(pool, I, H, T, B, cw, cpu::LstmGradients<Scalar>{gw_ih.data(), gw_hh.data(), gb_ih.data(), gb_hh.data()},
                     x.data(), c0.data(), m, ctr, dy.data(), dx.data(), dh0.data(), dc0.data(),
                     cpu::LstmBackwardScratch<Scalar>{da.data(), dh.data(), dhn.data(), dcn.data()}, pack.data());
  // executor
  auto Wih = to_device(ex, w_ih), Whh = to_device(ex, w_hh), Bih = to_device(ex, b_ih), Bhh = to_device(ex, b_hh),
       X = to_device(ex, x), H0 = to_device(ex, h0), C0 = to_device(ex, c0), dY = to_device(ex, dy), M = to_device(ex, mask);
  const std::vector<Scalar> zeros_g(static_cast<std::size_t>(G * I)), zeros_h(static_cast<std::size_t>(G * H)),
      zeros_b(static_cast<std::size_t>(G));
  auto gWih = to_device(ex, zeros_g), gWhh = to_device(ex, zeros_h), gBih = to_device(ex, zeros_b), gBhh = to_device(ex, zeros_b);
  auto Gates = ex.template buffer<Scalar>(G * N), Cc = ex.template buffer<Scalar>(H * N), Tc = ex.template buffer<Scalar>(H * N),
       Hh = ex.template buffer<Scalar>(H * N), Hp = ex.template buffer<Scalar>(H * N), dX = ex.template buffer<Scalar>(I * N),
       dH0 = ex.template buffer<Scalar>(H * B), dC0 = ex.template buffer<Scalar>(H * B), dA = ex.template buffer<Scalar>(G * N),
       dHn = ex.template buffer<Scalar>(H * B), dCn = ex.template buffer<Scalar>(H * B),
       ones = to_device(ex, std::vector<Scalar>(static_cast<std::size_t>(N), Scalar(1)));
  const dev::LstmWeights<Scalar> dw{Wih.data(), Whh.data(), Bih.data(), Bhh.data()};
  const dev::LstmTrace<Scalar> dtr{Gates.data(), Cc.data(), Tc.data(), Hh.data(), Hp.data()};
  dev::lstm_forward(ex, I, H, T, B, dw, X.data(), H0.data(), C0.data(), masked ? M.data() : nullptr, dtr);
  dev::lstm_backward(ex, I, H, T, B, dw, dev::LstmGradients<Scalar>{gWih.data(), gWhh.data(), gBih.data(), gBhh.data()},
                     X.data(), C0.data(), masked ? M.data() : nullptr, dtr, dY.data(), dX.data(), dH0.data(), dC0.data(),
                     dev::LstmBackwardScratch<Scalar>{dA.data(), dHn.data(), dCn.data(), ones.data()});
  return std::max({relative_difference(h, to_host(ex, Hh.data(), H * N), H * N),
                   relative_difference(c, to_host(ex, Cc.data(), H * N), H * N),
                   relative_difference(gates, to_host(ex, Gates.data(), G * N), G * N),
                   relative_difference(gw_ih, to_host(ex, gWih.data(), G * I), G * I),
                   relative_difference(gw_hh, to_host(ex, gWhh.data(), G * H), G * H),
                   relative_difference(gb_ih, to_host(ex, gBih.data(), G), G),
                   relative_difference(gb_hh, to_host(ex, gBhh.data(), G), G),
                   relative_difference(dx, to_host(ex, dX.data(), I * N), I * N),
                   relative_difference(dh0, to_host(ex, dH0.data(), H * B), H * B),
                   relative_difference(dc0, to_host(ex, dC0.data(), H * B), H * B)});
}

/// Softmax cross-entropy: probabilities, mean loss, correct count, and the backward.
template <class Exec, class Scalar>
double softmax_xent(Exec& ex, Index V, Index n) {
  cpu::ThreadPool pool(1);
  const auto z = random_values<Scalar>(V * n, 21, 8.0);
  std::vector<std::int32_t> t(static_cast<std::size_t>(n));
  for (Index j = 0; j < n; ++j) t[static_cast<std::size_t>(j)] = static_cast<std::int32_t>((j * 7) % V);
  std::vector<Scalar> p(z.size()), dz(z.size());
  const cpu::XentSums s = cpu::softmax_xent_forward(pool, V, n, z.data(), t.data(), p.data());
  cpu::softmax_xent_backward(V, n, p.data(), t.data(), Scalar(0.5), dz.data());
  auto Z = to_device(ex, z), P = ex.template buffer<Scalar>(V * n), dZ = ex.template buffer<Scalar>(V * n),
       L = ex.template buffer<Scalar>(n);
  auto Tg = to_device(ex, t);
  auto Cr = ex.template buffer<std::int32_t>(n);
  const dev::XentSums d = dev::softmax_xent_forward(ex, V, n, Z.data(), Tg.data(), P.data(), L.data(), Cr.data());
  dev::softmax_xent_backward(ex, V, n, P.data(), Tg.data(), Scalar(0.5), dZ.data());
  if (d.correct != s.correct) return INFINITY;
  return std::max({std::abs(d.loss - s.loss) / std::max(1.0, std::abs(s.loss)),
                   relative_difference(p, to_host(ex, P.data(), V * n), V * n),
                   relative_difference(dz, to_host(ex, dZ.data(), V * n), V * n)});
}

/// Batch norm in training (y, running statistics, dgamma, dbeta, dx) and in inference.
template <class Exec, class Scalar>
double batch_norm(Exec& ex, Index F, Index n, bool train) {
  const auto x = random_values<Scalar>(F * n, 31, 3.0), dy = random_values<Scalar>(F * n, 32),
             gamma = random_values<Scalar>(F, 33), beta = random_values<Scalar>(F, 34);
  std::vector<Scalar> mean = random_values<Scalar>(F, 35), var(static_cast<std::size_t>(F), Scalar(1.5));
  const std::vector<Scalar> mean0 = mean, var0 = var;
  std::vector<Scalar> xhat(x.size()), rstd(static_cast<std::size_t>(F)), y(x.size()), dg(static_cast<std::size_t>(F)),
      db(static_cast<std::size_t>(F)), dx(x.size());
  cpu::batch_norm_forward(F, n, x.data(), cpu::BatchNormParams<Scalar>{gamma.data(), beta.data(), mean.data(), var.data(), 0.9, 1e-3, true},
                          train, xhat.data(), rstd.data(), y.data());
  cpu::batch_norm_backward(F, n, dy.data(), xhat.data(), rstd.data(), gamma.data(), train, dg.data(), db.data(), dx.data(), n);
  auto X = to_device(ex, x), dY = to_device(ex, dy), Gm = to_device(ex, gamma), Bt = to_device(ex, beta),
       Mn = to_device(ex, mean0), Vr = to_device(ex, var0), Xh = ex.template buffer<Scalar>(F * n),
       Rs = ex.template buffer<Scalar>(F), Y = ex.template buffer<Scalar>(F * n),
       dG = to_device(ex, std::vector<Scalar>(static_cast<std::size_t>(F))), dB = to_device(ex, std::vector<Scalar>(static_cast<std::size_t>(F))),
       dX = ex.template buffer<Scalar>(F * n);
  dev::batch_norm_forward(ex, F, n, X.data(), dev::BatchNormParams<Scalar>{Gm.data(), Bt.data(), Mn.data(), Vr.data(), 0.9, 1e-3, true},
                          train, Xh.data(), Rs.data(), Y.data());
  dev::batch_norm_backward(ex, F, n, dY.data(), Xh.data(), Rs.data(), Gm.data(), train, dG.data(), dB.data(), dX.data());
  return std::max({relative_difference(y, to_host(ex, Y.data(), F * n), F * n),
                   relative_difference(mean, to_host(ex, Mn.data(), F), F), relative_difference(var, to_host(ex, Vr.data(), F), F),
                   relative_difference(dg, to_host(ex, dG.data(), F), F), relative_difference(db, to_host(ex, dB.data(), F), F),
                   relative_difference(dx, to_host(ex, dX.data(), F * n), F * n)});
}

/// Embedding forward and backward (with repeated ids) and the scalar input.
template <class Exec, class Scalar>
double embedding(Exec& ex, Index V, Index E, Index n) {
  const auto w = random_values<Scalar>(V * E, 41), dy = random_values<Scalar>(E * n, 42);
  const nn::IdMatrix ids = random_ids(n, 1, V, 43);
  std::vector<Scalar> y(static_cast<std::size_t>(E * n)), dw(w.size()), s(static_cast<std::size_t>(n));
  cpu::embedding_forward(E, n, w.data(), ids.data(), y.data());
  cpu::embedding_backward(E, n, ids.data(), dy.data(), dw.data());
  cpu::scalar_input_forward(V, n, ids.data(), s.data());
  std::vector<std::int32_t> id(ids.data(), ids.data() + n);
  auto W = to_device(ex, w), dY = to_device(ex, dy), dW = to_device(ex, std::vector<Scalar>(w.size())),
       Y = ex.template buffer<Scalar>(E * n), S = ex.template buffer<Scalar>(n);
  auto I = to_device(ex, id);
  dev::embedding_forward(ex, E, n, W.data(), I.data(), Y.data());
  dev::embedding_backward(ex, V, E, n, I.data(), dY.data(), dW.data());
  dev::scalar_input_forward(ex, V, n, I.data(), S.data());
  return std::max({relative_difference(y, to_host(ex, Y.data(), E * n), E * n),
                   relative_difference(dw, to_host(ex, dW.data(), V * E), V * E),
                   relative_difference(s, to_host(ex, S.data(), n), n)});
}

/// Counter-drawn dropout masks: the number of elements that differ (0 expected on any device).
template <class Exec, class Scalar>
Index dropout_mask_mismatches(Exec& ex, Index n, double rate) {
  cpu::ThreadPool pool(1);
  std::vector<Scalar> m(static_cast<std::size_t>(n));
  cpu::dropout_mask(pool, n, rate, 0x1234, 7, 100, m.data());
  auto M = ex.template buffer<Scalar>(n);
  dev::dropout_mask(ex, n, rate, 0x1234, 7, 100, M.data());
  const auto d = to_host(ex, M.data(), n);
  Index bad = 0;
  for (Index i = 0; i < n; ++i) bad += d[static_cast<std::size_t>(i)] != m[static_cast<std::size_t>(i)];
  return bad;
}

/// `steps` updates of the optimizer `options` on random gradients: the parameters after them
/// and the state tensors.
template <class Exec, class Scalar>
double optimizer(Exec& ex, const std::string& options, Index n, int steps) {
  auto host = symphonic::optim::make_optimizer<Scalar>(options, n);
  dev::Optimizer<Exec, Scalar> device(ex, options, n);
  nn::Vector<Scalar> p = Eigen::Map<const nn::Vector<Scalar>>(random_values<Scalar>(n, 51).data(), n);
  auto P = ex.template buffer<Scalar>(n);
  ex.upload(P.data(), p.data(), n);
  for (int s = 0; s < steps; ++s) {
    const auto g = random_values<Scalar>(n, 60 + static_cast<std::uint64_t>(s));
    host->step(p, Eigen::Map<const nn::Vector<Scalar>>(g.data(), n));
    auto G = to_device(ex, g);
    device.step(P.data(), G.data());
  }
  if (device.host().step_count() != host->step_count()) return INFINITY;
  double worst = relative_difference(p.data(), to_host(ex, P.data(), n), n);
  device.download_state();
  const auto a = host->state_tensors(), b = device.host().state_tensors();
  if (a.size() != b.size()) return INFINITY;
  for (std::size_t k = 0; k < a.size(); ++k) worst = std::max(worst, relative_difference(a[k].data, b[k].data, n));
  return worst;
}

/// clip_grad_norm: the norm returned and the clipped gradients.
template <class Exec, class Scalar>
double clip(Exec& ex, Index n, double max_norm) {
  nn::Vector<Scalar> g = Eigen::Map<const nn::Vector<Scalar>>(random_values<Scalar>(n, 71).data(), n);
  auto G = ex.template buffer<Scalar>(n), S = ex.template buffer<Scalar>(dev::norm_scratch_size(n));
  ex.upload(G.data(), g.data(), n);
  const double a = symphonic::optim::clip_grad_norm<Scalar>(g, max_norm);
  const double b = dev::clip_grad_norm(ex, n, G.data(), max_norm, S.data());
  return std::max(std::abs(a - b) / a, relative_difference(g.data(), to_host(ex, G.data(), n), n));
}

/// A training forward and backward of the whole model, twice (the second after a shared SGD step,
/// so the running statistics and the generator move on): loss, correct count, every gradient,
/// the running statistics and the generator's state.
struct ModelReport {
  double loss = 0, gradients = 0, buffers = 0, inference_loss = 0;
  bool correct_equal = true, rng_equal = true;
  double worst() const { return std::max({loss, gradients, buffers, inference_loss}); }
};

template <class Exec, class Scalar>
ModelReport model_training(Exec& ex, const nn::ModelConfig& config, Index B, Index T, bool every_step) {
  ModelReport r;
  nn::Model<Scalar> host(config, 5, 1);
  dev::Model<Exec, Scalar> device(ex, host);
  nn::Workspace<Scalar> ws;
  typename dev::Model<Exec, Scalar>::Workspace dws;
  for (int round = 0; round < 2; ++round) {
    const nn::IdMatrix in = random_ids(B, T, config.vocab_size, 80 + static_cast<std::uint64_t>(round));
    const nn::IdMatrix tg = random_ids(B, every_step ? T : 1, config.vocab_size, 90 + static_cast<std::uint64_t>(round));
    host.zero_grad();
    device.zero_grad();
    const auto a = host.forward(ws, in, tg, nn::Mode::train);
    host.backward(ws);
    const auto b = device.forward(dws, in, tg, nn::Mode::train);
    device.backward(dws);
    r.loss = std::max(r.loss, std::abs(a.loss - b.loss) / std::max(1.0, std::abs(a.loss)));
    r.correct_equal = r.correct_equal && a.correct == b.correct && a.count == b.count;
    nn::Vector<Scalar> g;
    device.download_gradients(g);
    r.gradients = std::max(r.gradients, relative_difference(host.gradients().data(), g.data(), g.size()));
    nn::Model<Scalar> back(config, 99, 1);
    device.download_to(back);
    if (host.buffer_values().size() > 0)
      r.buffers = std::max(r.buffers, relative_difference(host.buffer_values().data(), back.buffer_values().data(),
                                                          host.buffer_values().size()));
    r.rng_equal = r.rng_equal && back.rng_state() == host.rng_state();
    // the same SGD step on both, from the host's gradients, so round 2 starts from equal weights
    host.parameters() -= Scalar(0.1) * host.gradients();
    device.upload_from(host);
  }
  const nn::IdMatrix in = random_ids(B, T, config.vocab_size, 100);
  const nn::IdMatrix tg = random_ids(B, every_step ? T : 1, config.vocab_size, 101);
  const auto a = host.forward(ws, in, tg, nn::Mode::infer);
  const auto b = device.forward(dws, in, tg, nn::Mode::infer);
  r.inference_loss = std::abs(a.loss - b.loss) / std::max(1.0, std::abs(a.loss));
  return r;
}

/// `steps` stateful generation steps of `batch` sequences, feeding each step's arg-max: the
/// largest difference of the probabilities, or infinity when the two chose different tokens.
template <class Exec, class Scalar>
double generation(Exec& ex, const nn::ModelConfig& config, Index batch, int steps) {
  nn::Model<Scalar> host(config, 6, 1);
  dev::Model<Exec, Scalar> device(ex, host);
  nn::Workspace<Scalar> ws;
  typename dev::Model<Exec, Scalar>::Workspace dws;
  auto hs = host.zero_state(batch);
  auto ds = device.zero_state(batch);
  nn::IdMatrix ids = random_ids(batch, 1, config.vocab_size, 7);
  double worst = 0;
  const Index V = config.vocab_size;
  for (int s = 0; s < steps; ++s) {
    const auto& p = host.step(ws, hs, ids);
    const auto q = to_host(ex, device.step(dws, ds, ids), V * batch);
    worst = std::max(worst, relative_difference(p.data(), q.data(), V * batch));
    for (Index b = 0; b < batch; ++b) {
      Index best = 0;
      p.col(b).maxCoeff(&best);
      ids(b, 0) = static_cast<std::int32_t>(best);
    }
  }
  return worst;
}

}  // namespace parity
}  // namespace symphonic_test
