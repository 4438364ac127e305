// symphonic/backend/cpu/lstm.hpp - one LSTM layer over a time-major batch: the fused cell step,
// the forward sweep and backpropagation through time, as free functions over raw buffers.
//
// Sizes: input I, hidden H, steps T, batch B. Column t B + b of every (rows x T B) buffer is step t
// of sequence b. Weights row-major as in PyTorch (gate rows i, f, g, o): W_ih [4H, I],
// W_hh [4H, H], b_ih [4H], b_hh [4H]. Per step, with m the recurrent-dropout mask (1 when none)
// and * the elementwise product:
//   a_t = W_ih x_t + b_ih + b_hh + W_hh (h_{t-1} * m)
//   i = sigmoid(a_i),  f = sigmoid(a_f),  g = tanh(a_g),  o = sigmoid(a_o)
//   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
//
// Threads: sequences are independent, so the sweep over time is cut by batch columns and each
// thread runs every step of its own sequences with no barrier between steps. A batch too small
// for that (generation: batch 1) is cut by hidden units instead, one region per step. The large
// products outside the sweep (input projection, weight gradients, input gradient) are cut by
// output rows or columns. Every output element is written by one thread only.
//
// With float and AVX-512 the input projection and the weight gradients use gemm_blocked (dense.hpp),
// and the recurrent products of the sweep use packed_gemm.hpp: W_hh (forward)
// or W_hh^T (backward) is packed once per sweep into `pack`, a caller-owned buffer of
// lstm_pack_size() scalars, instead of once per step inside a general GEMM.
#pragma once

#include <algorithm>

#include <Eigen/Core>

#include "symphonic/backend/buffers.hpp"
#include "symphonic/backend/cpu/dense.hpp"
#include "symphonic/backend/cpu/packed_gemm.hpp"
#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

using backend::LstmGradients;  // backend/buffers.hpp, shared with backend/cuda/
using backend::LstmTrace;
using backend::LstmWeights;

template <class Scalar>
using StridedArray = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic>, 0, Eigen::OuterStride<>>;
template <class Scalar>
using ConstStridedArray = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic>, 0, Eigen::OuterStride<>>;

/// The fused cell for hidden units [u0, u1) of n columns. `gates` points at a column of the
/// 4H-row gate buffer and holds pre-activations, which become activations in place; c_prev, c,
/// tanh_c and h point at the same columns of H-row buffers.
template <class Scalar>
void lstm_cell_forward(Index H, Index u0, Index u1, Index n, Scalar* gates, const Scalar* c_prev, Scalar* c,
                       Scalar* tanh_c, Scalar* h) {
  const Index rows = u1 - u0;
  const Eigen::OuterStride<> s4(4 * H), s1(H);
  StridedArray<Scalar> i(gates + u0, rows, n, s4), f(gates + H + u0, rows, n, s4);
  StridedArray<Scalar> g(gates + 2 * H + u0, rows, n, s4), o(gates + 3 * H + u0, rows, n, s4);
  i = i.logistic();
  f = f.logistic();
  g = g.tanh();
  o = o.logistic();
  ConstStridedArray<Scalar> cp(c_prev + u0, rows, n, s1);
  StridedArray<Scalar> cc(c + u0, rows, n, s1), tc(tanh_c + u0, rows, n, s1), hh(h + u0, rows, n, s1);
  cc = f * cp + i * g;  // c = f c' + i g
  tc = cc.tanh();
  hh = o * tc;          // h = o tanh(c)
}

/// The cell's backward for n columns (all H units), with s = tanh(c_t), c' = c_{t-1}:
///   dc   = dc_next + dh * o * (1 - s^2)
///   da_i = dc * g * i * (1 - i)      da_f = dc * c' * f * (1 - f)
///   da_g = dc * i * (1 - g^2)        da_o = dh * s * o * (1 - o)
///   dc_next <- dc * f
/// `dc` holds dc_next on entry and the next step's dc_next on return; `da` has the gates' layout.
template <class Scalar>
void lstm_cell_backward(Index H, Index n, const Scalar* gates, const Scalar* c_prev, const Scalar* tanh_c,
                        const Scalar* dh, Scalar* dc, Scalar* da) {
  using Array = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic>, 0, Eigen::OuterStride<>>;
  using ConstArray = ConstStridedArray<Scalar>;
  const Eigen::OuterStride<> s4(4 * H), s1(H);
  const Scalar one(1);
  ConstArray i(gates, H, n, s4), f(gates + H, H, n, s4), g(gates + 2 * H, H, n, s4), o(gates + 3 * H, H, n, s4);
  ConstArray cp(c_prev, H, n, s1), s(tanh_c, H, n, s1), dhh(dh, H, n, s1);
  Array dcc(dc, H, n, s1);
  Array dai(da, H, n, s4), daf(da + H, H, n, s4), dag(da + 2 * H, H, n, s4), dao(da + 3 * H, H, n, s4);
  dcc = dcc + dhh * o * (one - s.square());
  dai = dcc * g * i * (one - i);
  daf = dcc * cp * f * (one - f);
  dag = dcc * i * (one - g.square());
  dao = dhh * s * o * (one - o);
  dcc = dcc * f;
}

/// A = W_ih x + (b_ih + b_hh) 1^T for N columns: the input projection of every step in one
/// product (a dense layer with the two biases summed).
template <class Scalar>
void lstm_input_projection(ThreadPool& pool, Index I, Index H, Index N, const LstmWeights<Scalar>& w,
                           const Scalar* x, Scalar* gates) {
  const Vec<Scalar> bias = ConstVecMap<Scalar>(w.b_ih, 4 * H) + ConstVecMap<Scalar>(w.b_hh, 4 * H);
  dense_forward(pool, I, 4 * H, N, w.w_ih, bias.data(), x, gates);
}

/// Scalars of the `pack` buffer lstm_forward and lstm_backward need (0 when the packed recurrent
/// product is not available for Scalar).
template <class Scalar>
Index lstm_pack_size(Index H) {
  if (!packed_gemm_available<Scalar>) return 0;
  return std::max(packed_a_size(4 * H, H), packed_a_size(H, 4 * H));
}

namespace detail {
// Packs A (A(i, k) = a[i rs + k cs]) with its kMr-row panels cut across the pool.
template <class Scalar>
void pack_a_parallel(ThreadPool& pool, Index m, Index k, const Scalar* a, Index rs, Index cs, Scalar* out) {
  const Index panels = (m + kMr - 1) / kMr;
  const Index parts = std::min<Index>(pool.size(), panels);
  pool.run(parts, [&](Index p) {
    const Range r = split(panels, parts, p);
    const Index i0 = r.begin * kMr, rows = std::min(m, r.end * kMr) - i0;
    pack_a(rows, k, a + i0 * rs, rs, cs, out + i0 * k);
  });
}
}  // namespace detail

/// Forward sweep of one layer. x: I x T B; h0, c0: H x B; mask: H x B or null (no recurrent
/// dropout). The final state is the last B columns of trace.h and trace.c. `pack`: lstm_pack_size() scalars.
template <class Scalar>
void lstm_forward(ThreadPool& pool, Index I, Index H, Index T, Index B, const LstmWeights<Scalar>& w,
                  const Scalar* x, const Scalar* h0, const Scalar* c0, const Scalar* mask, const LstmTrace<Scalar>& tr,
                  Scalar* pack) {
  lstm_input_projection(pool, I, H, T * B, w, x, tr.gates);
  ConstRowMajorMap<Scalar> Whh(w.w_hh, 4 * H, H);
  const Index by_batch = std::min<Index>(B, pool.size());
  const bool by_units = B < 16 * pool.size() && H >= 32 * pool.size() && mask == nullptr;
  if (!by_units) {
    // Each part runs every step of its own sequences [b0, b1).
    if constexpr (packed_gemm_available<Scalar>) detail::pack_a_parallel(pool, 4 * H, H, w.w_hh, H, Index(1), pack);
    pool.run(by_batch, [&](Index p) {
      const Range r = split(B, by_batch, p);
      const Index nb = r.size();
      for (Index t = 0; t < T; ++t) {
        const Index col = t * B + r.begin;
        MatMap<Scalar> hp(tr.h_prev + col * H, H, nb);
        hp = ConstMatMap<Scalar>(t == 0 ? h0 + r.begin * H : tr.h + (col - B) * H, H, nb);
        if (mask) hp.array() *= ConstMatMap<Scalar>(mask + r.begin * H, H, nb).array();  // h_{t-1} * m
        // a_t += W_hh (h_{t-1} * m)
        if constexpr (packed_gemm_available<Scalar>) {
          gemm_packed(4 * H, nb, H, pack, hp.data(), Index(1), H, tr.gates + col * 4 * H, 4 * H);
        } else {
          MatMap<Scalar>(tr.gates + col * 4 * H, 4 * H, nb).noalias() += Whh * hp;
        }
        lstm_cell_forward(H, Index(0), H, nb, tr.gates + col * 4 * H, t == 0 ? c0 + r.begin * H : tr.c + (col - B) * H,
                          tr.c + col * H, tr.tanh_c + col * H, tr.h + col * H);
      }
    });
    return;
  }
  // Small batch: every step is one region cut by hidden units; part p owns rows u0..u1 of all
  // four gates, so its cell update needs nothing another part computes in the same step.
  const Index parts = pool.size();
  for (Index t = 0; t < T; ++t) {
    const Index col = t * B;
    const Scalar* prev_h = t == 0 ? h0 : tr.h + (col - B) * H;
    const Scalar* prev_c = t == 0 ? c0 : tr.c + (col - B) * H;
    pool.run(parts, [&](Index p) {
      const Range u = split(H, parts, p, kRowAlign);
      ConstMatMap<Scalar> hp(prev_h, H, B);
      MatMap<Scalar>(tr.h_prev + col * H, H, B).middleRows(u.begin, u.size()) = hp.middleRows(u.begin, u.size());
      MatMap<Scalar> A(tr.gates + col * 4 * H, 4 * H, B);
      for (Index gate = 0; gate < 4; ++gate)
        A.middleRows(gate * H + u.begin, u.size()).noalias() += Whh.middleRows(gate * H + u.begin, u.size()) * hp;
      lstm_cell_forward(H, u.begin, u.end, B, tr.gates + col * 4 * H, prev_c, tr.c + col * H, tr.tanh_c + col * H,
                        tr.h + col * H);
    });
  }
}

/// Scratch of lstm_backward: dA 4H x T B, and dh, dh_next, dc_next H x B each.
template <class Scalar>
struct LstmBackwardScratch {
  Scalar *da, *dh, *dh_next, *dc_next;
};

/// Backpropagation through time for one layer, after lstm_forward with the same arguments.
/// dy: H x T B, the gradient of the loss with respect to the layer's outputs h. Adds the weight
/// gradients into `grad`; writes dx (I x T B, skipped when null) and, when non-null, dh0 and
/// dc0 (H x B). With s = tanh(c_t), backward through time is
///   dh_t = dy_t + dh_next,  (cell backward: da_t, dc_next),  dh_next = (W_hh^T da_t) * m
/// and then, as products over all steps,
///   dW_ih += dA X^T,  dW_hh += dA (H_prev * m)^T,  db_ih += dA 1,  db_hh += dA 1,  dX = W_ih^T dA.
template <class Scalar>
void lstm_backward(ThreadPool& pool, Index I, Index H, Index T, Index B, const LstmWeights<Scalar>& w,
                   const LstmGradients<Scalar>& grad, const Scalar* x, const Scalar* c0, const Scalar* mask,
                   const LstmTrace<Scalar>& tr, const Scalar* dy, Scalar* dx, Scalar* dh0, Scalar* dc0,
                   const LstmBackwardScratch<Scalar>& scratch, Scalar* pack) {
  ConstRowMajorMap<Scalar> Whh(w.w_hh, 4 * H, H);
  const Index by_batch = std::min<Index>(B, pool.size());
  // W_hh^T (H x 4H): element (i, k) is w_hh[k H + i]
  if constexpr (packed_gemm_available<Scalar>) detail::pack_a_parallel(pool, H, 4 * H, w.w_hh, Index(1), H, pack);
  pool.run(by_batch, [&](Index p) {
    const Range r = split(B, by_batch, p);
    const Index nb = r.size();
    MatMap<Scalar> dh(scratch.dh + r.begin * H, H, nb), dh_next(scratch.dh_next + r.begin * H, H, nb);
    MatMap<Scalar> dc_next(scratch.dc_next + r.begin * H, H, nb);
    dh_next.setZero();
    dc_next.setZero();
    for (Index t = T - 1; t >= 0; --t) {
      const Index col = t * B + r.begin;
      dh = ConstMatMap<Scalar>(dy + col * H, H, nb) + dh_next;
      lstm_cell_backward(H, nb, tr.gates + col * 4 * H, t == 0 ? c0 + r.begin * H : tr.c + (col - B) * H,
                         tr.tanh_c + col * H, dh.data(), dc_next.data(), scratch.da + col * 4 * H);
      if constexpr (packed_gemm_available<Scalar>) {
        dh_next.setZero();
        gemm_packed(H, nb, 4 * H, pack, scratch.da + col * 4 * H, Index(1), 4 * H, dh_next.data(), H);
      } else {
        dh_next.noalias() = Whh.transpose() * ConstMatMap<Scalar>(scratch.da + col * 4 * H, 4 * H, nb);
      }
      if (mask) dh_next.array() *= ConstMatMap<Scalar>(mask + r.begin * H, H, nb).array();
    }
    if (dh0) MatMap<Scalar>(dh0 + r.begin * H, H, nb) = dh_next;
    if (dc0) MatMap<Scalar>(dc0 + r.begin * H, H, nb) = dc_next;
  });

  // Weight gradients: each part owns a band of the 4H gate rows.
  const Index N = T * B;
  ConstMatMap<Scalar> dA(scratch.da, 4 * H, N);
  VecMap<Scalar> dbih(grad.b_ih, 4 * H), dbhh(grad.b_hh, 4 * H);
  const Index row_parts = std::min<Index>(pool.size(), std::max<Index>(1, 4 * H / kRowAlign));
  pool.run(row_parts, [&](Index p) {
    const Range r = split(4 * H, row_parts, p, kRowAlign);
    weight_gradient(I, r.size(), N, x, scratch.da + r.begin, 4 * H, grad.w_ih + r.begin * I);
    weight_gradient(H, r.size(), N, tr.h_prev, scratch.da + r.begin, 4 * H, grad.w_hh + r.begin * H);
    const Vec<Scalar> db = dA.middleRows(r.begin, r.size()).rowwise().sum();
    dbih.segment(r.begin, r.size()) += db;
    dbhh.segment(r.begin, r.size()) += db;
  });
  if (!dx) return;
  ConstRowMajorMap<Scalar> Wih(w.w_ih, 4 * H, I);
  MatMap<Scalar> dX(dx, I, N);
  const Index col_parts = column_parts(pool, N, 32);
  pool.run(col_parts, [&](Index p) {
    const Range r = split(N, col_parts, p);
    // Eigen's product: faster here than gemm_blocked (BM_Gemm shape 2)
    dX.middleCols(r.begin, r.size()).noalias() = Wih.transpose() * dA.middleCols(r.begin, r.size());
  });
}

/// Multiply-adds x 2 of one layer's forward products over N = T B columns.
inline double lstm_forward_flops(Index I, Index H, Index N) {
  return 2.0 * 4.0 * static_cast<double>(H) * static_cast<double>(I + H) * static_cast<double>(N);
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
