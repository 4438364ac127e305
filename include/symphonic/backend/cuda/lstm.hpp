// symphonic/backend/cuda/lstm.hpp - one LSTM layer over a time-major batch: the fused cell step,
// the forward sweep and backpropagation through time over an executor (executor.hpp), with
// backend/cpu/lstm.hpp's names, buffers and maths.
//
// Sizes: input I, hidden H, steps T, batch B; column t B + b of every (rows x T B) buffer is step
// t of sequence b. Weights row-major as in PyTorch (gate rows i, f, g, o). Per step, with m the
// recurrent-dropout mask (1 when none):
//   a_t = W_ih x_t + b_ih + b_hh + W_hh (h_{t-1} * m)
//   i = sigmoid(a_i),  f = sigmoid(a_f),  g = tanh(a_g),  o = sigmoid(a_o)
//   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
// The GPU recipe (CUDA.md): the input projection of all T steps is one product; each step is one
// (4H x H)(H x B) product and one fused cell kernel, one thread per (unit, sequence) reading its
// four gates (it also writes the next step's masked h); backward runs the cell's backward (which
// applies the mask to the incoming dh) and one (H x 4H)(4H x B) product per step, then
// forms every weight gradient as one product over all T B columns. Recurrent dropout is a product
// inside the cell chain, so it costs nothing beyond the mask (cuDNN cannot run it at all).
#pragma once

#include "symphonic/backend/buffers.hpp"
#include "symphonic/backend/cuda/elementwise.hpp"
#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

using backend::LstmGradients;  // backend/buffers.hpp, the CPU backend's too
using backend::LstmTrace;
using backend::LstmWeights;

/// Scratch of lstm_backward: da 4H x T B; dh_next, dc_next H x B; ones: T B ones.
template <class Scalar>
struct LstmBackwardScratch {
  Scalar *da, *dh_next, *dc_next;
  const Scalar* ones;
};

/// The cell of one step, element j = u + H b of H x B: `gates` is the step's 4H x B block. It
/// also writes the next step's right factor, h_t * m, into `next_h_prev` (null at the last step),
/// which saves a kernel per step.
template <class Scalar>
struct LstmCellForward {
  Index H;
  Scalar* gates;
  const Scalar* c_prev;
  Scalar *c, *tanh_c, *h;
  const Scalar* mask;  ///< H x B, or null
  Scalar* next_h_prev;
  SYMPHONIC_HD void operator()(Index j) const {
    const Index b = j / H, u = j - b * H;
    Scalar* a = gates + b * 4 * H;
    const Scalar i = sigmoid_of(a[u]), f = sigmoid_of(a[H + u]), g = tanh_of(a[2 * H + u]), o = sigmoid_of(a[3 * H + u]);
    a[u] = i;
    a[H + u] = f;
    a[2 * H + u] = g;
    a[3 * H + u] = o;
    const Scalar cell = f * c_prev[j] + i * g;  // c = f c' + i g
    const Scalar s = tanh_of(cell);
    c[j] = cell;
    tanh_c[j] = s;
    const Scalar out = o * s;  // h = o tanh(c)
    h[j] = out;
    if (next_h_prev) next_h_prev[j] = mask ? out * mask[j] : out;
  }
};

/// The cell's backward at one step, s = tanh(c_t), c' = c_{t-1}, with dh_next = W_hh^T da_{t+1}
/// before the mask (applied here, which saves a kernel per step):
///   dh = dy + dh_next * m,  dc = dc_next + dh o (1 - s^2)
///   da_i = dc g i (1 - i),  da_f = dc c' f (1 - f),  da_g = dc i (1 - g^2),  da_o = dh s o (1 - o)
///   dc_next <- dc f
template <class Scalar>
struct LstmCellBackward {
  Index H;
  const Scalar *gates, *c_prev, *tanh_c, *dy, *dh_next, *mask;
  Scalar *dc, *da;
  SYMPHONIC_HD void operator()(Index j) const {
    const Index b = j / H, u = j - b * H;
    const Scalar* a = gates + b * 4 * H;
    Scalar* d = da + b * 4 * H;
    const Scalar i = a[u], f = a[H + u], g = a[2 * H + u], o = a[3 * H + u], s = tanh_c[j], one(1);
    const Scalar dh = dy[j] + (mask ? dh_next[j] * mask[j] : dh_next[j]);
    const Scalar dcell = dc[j] + dh * o * (one - s * s);
    d[u] = dcell * g * i * (one - i);
    d[H + u] = dcell * c_prev[j] * f * (one - f);
    d[2 * H + u] = dcell * i * (one - g * g);
    d[3 * H + u] = dh * s * o * (one - o);
    dc[j] = dcell * f;
  }
};

/// A = W_ih x + (b_ih + b_hh) 1^T for N columns.
template <class Scalar>
struct GateBiases {
  Index rows;
  const Scalar *b_ih, *b_hh;
  Scalar* gates;
  SYMPHONIC_HD void operator()(Index i) const {
    const Index r = i % rows;
    gates[i] = b_ih[r] + b_hh[r];
  }
};

template <class Exec, class Scalar>
void lstm_input_projection(Exec& ex, Index I, Index H, Index N, const LstmWeights<Scalar>& w, const Scalar* x,
                           Scalar* gates) {
  ex.for_each(4 * H * N, GateBiases<Scalar>{4 * H, w.b_ih, w.b_hh, gates});
  ex.gemm(weight_times(4 * H, I, N), Scalar(1), w.w_ih, x, Scalar(1), gates);
}

/// Forward sweep of one layer. x: I x T B; h0, c0: H x B; mask: H x B or null. The final state
/// is the last B columns of trace.h and trace.c.
template <class Exec, class Scalar>
void lstm_forward(Exec& ex, Index I, Index H, Index T, Index B, const LstmWeights<Scalar>& w, const Scalar* x,
                  const Scalar* h0, const Scalar* c0, const Scalar* mask, const LstmTrace<Scalar>& tr) {
  lstm_input_projection(ex, I, H, T * B, w, x, tr.gates);
  ex.for_each(H * B, MultiplyBy<Scalar>{h0, mask, tr.h_prev});  // h_0 * m; later steps' come from the cell
  for (Index t = 0; t < T; ++t) {
    const Index col = t * B;
    Scalar* gates = tr.gates + col * 4 * H;
    ex.gemm(weight_times(4 * H, H, B), Scalar(1), w.w_hh, tr.h_prev + col * H, Scalar(1), gates);  // a_t += W_hh (h_{t-1} * m)
    ex.for_each(H * B, LstmCellForward<Scalar>{H, gates, t == 0 ? c0 : tr.c + (col - B) * H, tr.c + col * H,
                                               tr.tanh_c + col * H, tr.h + col * H, mask,
                                               t + 1 < T ? tr.h_prev + (col + B) * H : nullptr});
  }
}

/// Backpropagation through time for one layer, after lstm_forward with the same arguments. dy:
/// H x T B. Adds the weight gradients into `grad`; writes dx (I x T B) unless it is null, and dh0,
/// dc0 (H x B) when non-null. Per step t = T-1 .. 0: the cell's backward, then
///   dh_next = W_hh^T da_t      (times m in the next cell's backward, or for dh0)
/// and over all steps: dW_ih += dA X^T, dW_hh += dA H_prev^T, db_ih += dA 1, db_hh += dA 1,
/// dX = W_ih^T dA.
template <class Exec, class Scalar>
void lstm_backward(Exec& ex, Index I, Index H, Index T, Index B, const LstmWeights<Scalar>& w,
                   const LstmGradients<Scalar>& grad, const Scalar* x, const Scalar* c0, const Scalar* mask,
                   const LstmTrace<Scalar>& tr, const Scalar* dy, Scalar* dx, Scalar* dh0, Scalar* dc0,
                   const LstmBackwardScratch<Scalar>& scratch) {
  fill(ex, H * B, scratch.dh_next, Scalar(0));
  fill(ex, H * B, scratch.dc_next, Scalar(0));
  for (Index t = T - 1; t >= 0; --t) {
    const Index col = t * B;
    Scalar* da = scratch.da + col * 4 * H;
    ex.for_each(H * B, LstmCellBackward<Scalar>{H, tr.gates + col * 4 * H, t == 0 ? c0 : tr.c + (col - B) * H,
                                                tr.tanh_c + col * H, dy + col * H, scratch.dh_next, mask,
                                                scratch.dc_next, da});
    ex.gemm(weight_transposed_times(4 * H, H, B), Scalar(1), w.w_hh, da, Scalar(0), scratch.dh_next);
  }
  if (dh0) ex.for_each(H * B, MultiplyBy<Scalar>{scratch.dh_next, mask, dh0});
  if (dc0) copy(ex, H * B, scratch.dc_next, dc0);
  const Index N = T * B;
  ex.gemm(into_weight_gradient(4 * H, I, N), Scalar(1), x, scratch.da, Scalar(1), grad.w_ih);
  ex.gemm(into_weight_gradient(4 * H, H, N), Scalar(1), tr.h_prev, scratch.da, Scalar(1), grad.w_hh);
  ex.gemm(row_sums(4 * H, N), Scalar(1), scratch.da, scratch.ones, Scalar(1), grad.b_ih);
  ex.gemm(row_sums(4 * H, N), Scalar(1), scratch.da, scratch.ones, Scalar(1), grad.b_hh);
  if (dx) ex.gemm(weight_transposed_times(4 * H, I, N), Scalar(1), w.w_ih, scratch.da, Scalar(0), dx);
}

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
