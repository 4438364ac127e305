// symphonic/backend/cpu/lstm_bf16.hpp - lstm_forward and lstm_backward with every matrix product
// in bfloat16 (bf16_gemm.hpp: AMX tiles, or AVX512-BF16 vector products), accumulated in float;
// the weights stay float (the master copy the optimizer updates) and are rounded to bf16 once per
// sweep as they are packed.
//
// Same arguments, buffers and equations as lstm.hpp, plus `scratch`: lstm_bf16_scratch_size()
// bf16 elements owned by the caller. What is rounded to bf16: the weights, the layer input x,
// h_{t-1} * m, and dA (for dh_next, dX and the weight gradients). The cell (gates, c, h) and its
// backward, the biases and every sum stay float, and so do W_ih's products when I < 32 (a scalar
// input: K below one tile). The sweep is cut by batch columns as in lstm.hpp.
//
//   forward:   A = W_ih x + b 1^T          (pack W_ih, x -> bf16, one product)
//              a_t += W_hh (h_{t-1} * m)    per step, W_hh packed once per sweep
//   backward:  dh_next = (W_hh^T da_t) * m  per step, W_hh^T packed once per sweep
//              dW_hh^T += (H_prev * m) dA^T, dW_ih^T += X dA^T   (the weights are row-major [4H, K],
//              so their transposes are what a column-major C holds), dX = W_ih^T dA
#pragma once

#include <algorithm>

#include "symphonic/backend/cpu/bf16.hpp"
#include "symphonic/backend/cpu/bf16_gemm.hpp"
#include "symphonic/backend/cpu/lstm.hpp"
#include "symphonic/backend/cpu/thread_pool.hpp"
#include "symphonic/backend/cpu/views.hpp"
#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cpu {

namespace detail {
// The pieces of the bf16 scratch, one layout for forward and backward (sizes in bf16 elements).
struct LstmBf16Layout {
  Index weights, input, step, dgates, dgates_t, factor;  // sizes
  LstmBf16Layout(Index I, Index H, Index T, Index B, Index parts) {
    const Index N = T * B;
    weights = std::max({bf16_packed_a_size(4 * H, I), bf16_packed_a_size(4 * H, H), bf16_packed_a_size(H, 4 * H),
                        bf16_packed_a_size(I, 4 * H)});
    input = bf16_packed_b_size(I, N);                                   // x as the B of the input projection
    step = parts * bf16_packed_b_size(4 * H, (B + parts - 1) / parts);  // per part: h_{t-1} * m or da_t
    dgates = bf16_packed_b_size(4 * H, N);                              // dA as the B of dX
    dgates_t = bf16_packed_b_size(N, 4 * H);                            // dA^T as the B of the weight gradients
    factor = std::max(bf16_packed_a_size(H, N), bf16_packed_a_size(I, N));  // H_prev * m or X, packed
  }
  Index total() const { return std::max(weights + input + step, weights + step + dgates + dgates_t + factor); }
};

// Runs fn(Range) on column ranges of n that start at multiples of 32 (whole blocks of the packed layout).
template <class Fn>
void bf16_columns(ThreadPool& pool, Index n, Fn&& fn) {
  const Index parts = std::max<Index>(1, std::min<Index>(pool.size(), n / (2 * kTileN)));
  pool.run(parts, [&](Index p) { fn(split(n, parts, p, 2 * kTileN)); });
}

// bf16_pack_a cut by bands of 32 rows of A.
inline void bf16_pack_a_parallel(ThreadPool& pool, Index m, Index k, const float* a, Index rs, Index cs, bf16* out) {
  bf16_columns(pool, m, [&](Range r) { bf16_pack_a_rows(m, k, r.begin, r.end, a, rs, cs, out); });
}

// C (m x n, ldc) (+)= A B with the columns of C cut across the pool.
inline void bf16_gemm_parallel(ThreadPool& pool, Index m, Index n, Index k, const bf16* ap, const bf16* bp, float* c,
                               Index ldc, bool accumulate) {
  bf16_columns(pool, n, [&](Range r) {
    bf16_gemm(m, r.size(), k, ap, bp + bf16_packed_b_offset(k, r.begin), c + r.begin * ldc, ldc, accumulate);
  });
}
}  // namespace detail

/// bf16 elements of the scratch lstm_forward_bf16 and lstm_backward_bf16 need on `pool`.
inline Index lstm_bf16_scratch_size(Index I, Index H, Index T, Index B, const ThreadPool& pool) {
  return detail::LstmBf16Layout(I, H, T, B, std::min<Index>(B, pool.size())).total();
}

/// lstm_forward (lstm.hpp) with bf16 products.
inline void lstm_forward_bf16(ThreadPool& pool, Index I, Index H, Index T, Index B, const LstmWeights<float>& w,
                              const float* x, const float* h0, const float* c0, const float* mask,
                              const LstmTrace<float>& tr, bf16* scratch) {
  const Index N = T * B, parts = std::min<Index>(B, pool.size());
  const detail::LstmBf16Layout size(I, H, T, B, parts);
  bf16* wpack = scratch;
  bf16* input = wpack + size.weights;
  bf16* step = input + size.input;
  // A = W_ih x + (b_ih + b_hh) 1^T; in float when I is below one tile of k (a scalar input), where
  // the padded tiles would cost more than they save
  if (I < kTileK) {
    lstm_input_projection(pool, I, H, N, w, x, tr.gates);
  } else {
    const Vec<float> bias = ConstVecMap<float>(w.b_ih, 4 * H) + ConstVecMap<float>(w.b_hh, 4 * H);
    detail::bf16_pack_a_parallel(pool, 4 * H, I, w.w_ih, I, 1, wpack);
    detail::bf16_columns(pool, N, [&](Range r) {
      bf16_pack_b_part(I, N, 0, I, r.begin, r.end, x, 1, I, input);
      bf16_gemm(4 * H, r.size(), I, wpack, input + bf16_packed_b_offset(I, r.begin), tr.gates + r.begin * 4 * H,
                4 * H, false, bias.data());
    });
  }
  detail::bf16_pack_a_parallel(pool, 4 * H, H, w.w_hh, H, 1, wpack);
  pool.run(parts, [&](Index p) {
    const Range r = split(B, parts, p);
    const Index nb = r.size();
    bf16* hb = step + p * bf16_packed_b_size(4 * H, (B + parts - 1) / parts);
    for (Index t = 0; t < T; ++t) {
      const Index col = t * B + r.begin;
      MatMap<float> hp(tr.h_prev + col * H, H, nb);
      hp = ConstMatMap<float>(t == 0 ? h0 + r.begin * H : tr.h + (col - B) * H, H, nb);
      if (mask) hp.array() *= ConstMatMap<float>(mask + r.begin * H, H, nb).array();  // h_{t-1} * m
      bf16_pack_b(H, nb, hp.data(), 1, H, hb);
      bf16_gemm(4 * H, nb, H, wpack, hb, tr.gates + col * 4 * H, 4 * H, true);  // a_t += W_hh (h_{t-1} * m)
      lstm_cell_forward(H, Index(0), H, nb, tr.gates + col * 4 * H, t == 0 ? c0 + r.begin * H : tr.c + (col - B) * H,
                        tr.c + col * H, tr.tanh_c + col * H, tr.h + col * H);
    }
  });
}

/// lstm_backward (lstm.hpp) with bf16 products.
inline void lstm_backward_bf16(ThreadPool& pool, Index I, Index H, Index T, Index B, const LstmWeights<float>& w,
                               const LstmGradients<float>& grad, const float* x, const float* c0, const float* mask,
                               const LstmTrace<float>& tr, const float* dy, float* dx, float* dh0, float* dc0,
                               const LstmBackwardScratch<float>& scratch, bf16* bf16_scratch) {
  const Index N = T * B, parts = std::min<Index>(B, pool.size());
  const detail::LstmBf16Layout size(I, H, T, B, parts);
  bf16* wpack = bf16_scratch;
  bf16* step = wpack + size.weights;
  bf16* dgates = step + size.step;
  bf16* dgates_t = dgates + size.dgates;
  bf16* factor = dgates_t + size.dgates_t;

  // W_hh^T (H x 4H): element (i, k) is w_hh[k H + i]
  detail::bf16_pack_a_parallel(pool, H, 4 * H, w.w_hh, 1, H, wpack);
  // dA packed twice, both written step by step while da_t is in cache: as the B of dX (panels of 16
  // columns; kept when dX is wanted from bf16 products) and as the B of the weight gradients (dA^T:
  // panels of 16 gate rows, each tile row 32 columns of dA). Parts write their own columns of both.
  const bool small_input = I < kTileK;  // as in the forward: W_ih's products in float
  const bool keep_columns = dx && !small_input;
  // dX's B is written where the parts' products read da_t when every part starts at a panel
  bool in_place = B % kTileN == 0;
  for (Index p = 0; p < parts; ++p) in_place = in_place && split(B, parts, p).begin % kTileN == 0;
  pool.run(parts, [&](Index p) {
    const Range r = split(B, parts, p);
    const Index nb = r.size();
    bf16* own = step + p * bf16_packed_b_size(4 * H, (B + parts - 1) / parts);
    MatMap<float> dh(scratch.dh + r.begin * H, H, nb), dh_next(scratch.dh_next + r.begin * H, H, nb);
    MatMap<float> dc_next(scratch.dc_next + r.begin * H, H, nb);
    dh_next.setZero();
    dc_next.setZero();
    for (Index t = T - 1; t >= 0; --t) {
      const Index col = t * B + r.begin;
      dh = ConstMatMap<float>(dy + col * H, H, nb) + dh_next;
      float* da = scratch.da + col * 4 * H;
      lstm_cell_backward(H, nb, tr.gates + col * 4 * H, t == 0 ? c0 + r.begin * H : tr.c + (col - B) * H,
                         tr.tanh_c + col * H, dh.data(), dc_next.data(), da);
      bf16* dab = own;
      if (in_place) {  // columns col..col + nb of dX's B: also this step's B
        bf16_pack_b_part(4 * H, N, 0, 4 * H, col, col + nb, scratch.da, 1, 4 * H, dgates);
        dab = dgates + bf16_packed_b_offset(4 * H, col);
      } else {
        bf16_pack_b(4 * H, nb, da, 1, 4 * H, own);
      }
      bf16_pack_b_part(N, 4 * H, col, col + nb, 0, 4 * H, scratch.da, 4 * H, 1, dgates_t);  // rows of dA^T
      bf16_gemm(H, nb, 4 * H, wpack, dab, dh_next.data(), H, false);  // dh_next = W_hh^T da_t
      if (mask) dh_next.array() *= ConstMatMap<float>(mask + r.begin * H, H, nb).array();
    }
    if (dh0) MatMap<float>(dh0 + r.begin * H, H, nb) = dh_next;
    if (dc0) MatMap<float>(dc0 + r.begin * H, H, nb) = dc_next;
  });

  // dX's B, when the parts could not write it in place: packed from dA after the sweep
  if (keep_columns && !in_place)
    detail::bf16_columns(pool, N, [&](Range r) {
      bf16_pack_b_part(4 * H, N, 0, 4 * H, r.begin, r.end, scratch.da, 1, 4 * H, dgates);
    });
  // dW_hh^T (H x 4H, column-major: the row-major gradient) += (H_prev * m) dA^T; the same for dW_ih.
  detail::bf16_pack_a_parallel(pool, H, N, tr.h_prev, 1, H, factor);
  detail::bf16_gemm_parallel(pool, H, 4 * H, N, factor, dgates_t, grad.w_hh, H, true);
  // db = dA 1, summed column after column (contiguous) over each part's band of gate rows; for a
  // small input dW_ih += dA X^T in the same pass.
  const Index row_parts = std::min<Index>(pool.size(), std::max<Index>(1, 4 * H / kRowAlign));
  pool.run(row_parts, [&](Index p) {
    const Range r = split(4 * H, row_parts, p, kRowAlign);
    Vec<float> db = Vec<float>::Zero(r.size());
    Mat<float> dw = Mat<float>::Zero(r.size(), small_input ? I : 0);
    for (Index j = 0; j < N; ++j) {
      const ConstVecMap<float> da(scratch.da + j * 4 * H + r.begin, r.size());
      db += da;
      for (Index i = 0; i < dw.cols(); ++i) dw.col(i) += x[j * I + i] * da;
    }
    VecMap<float>(grad.b_ih + r.begin, r.size()) += db;
    VecMap<float>(grad.b_hh + r.begin, r.size()) += db;
    if (small_input) RowMajorMap<float>(grad.w_ih + r.begin * I, r.size(), I) += dw;
  });
  if (small_input) {
    if (dx) dense_input_gradient(pool, I, 4 * H, N, w.w_ih, scratch.da, dx);  // dX = W_ih^T dA
    return;
  }
  detail::bf16_pack_a_parallel(pool, I, N, x, 1, I, factor);
  detail::bf16_gemm_parallel(pool, I, 4 * H, N, factor, dgates_t, grad.w_ih, I, true);
  if (!dx) return;
  // dX = W_ih^T dA; W_ih^T (I x 4H): element (i, k) is w_ih[k I + i]
  detail::bf16_pack_a_parallel(pool, I, 4 * H, w.w_ih, 1, I, wpack);
  detail::bf16_gemm_parallel(pool, I, N, 4 * H, wpack, dgates, dx, I, false);
}

// ---- The generation step: T = 1, a small batch, weights packed once (they do not change) ----

/// bf16 elements of the weights lstm_step_bf16 reads: per gate, the rows of W_ih (unless I < 32:
/// then W_ih stays float) and of W_hh that belong to it, each packed by bf16_pack_a.
inline Index lstm_step_weights_size(Index I, Index H) {
  return 4 * ((I < kTileK ? 0 : bf16_packed_a_size(H, I)) + bf16_packed_a_size(H, H));
}
inline void lstm_pack_step_weights(ThreadPool& pool, Index I, Index H, const LstmWeights<float>& w, bf16* out) {
  const Index ih = I < kTileK ? 0 : bf16_packed_a_size(H, I), hh = bf16_packed_a_size(H, H);
  pool.run(4, [&](Index g) {
    bf16* o = out + g * (ih + hh);
    if (ih) bf16_pack_a(H, I, w.w_ih + g * H * I, I, 1, o);
    bf16_pack_a(H, H, w.w_hh + g * H * H, H, 1, o + ih);
  });
}
/// bf16 elements of lstm_step_bf16's scratch: x and h_{t-1} rounded to bf16.
inline Index lstm_step_scratch_size(Index I, Index H, Index B) { return bf16_b_size(I, B) + bf16_b_size(H, B); }

/// One step of lstm_forward (T = 1, no recurrent dropout) for a batch of a few sequences, its
/// products y += A x in bf16 (bf16_matvec) from weights packed by lstm_pack_step_weights. Cut by
/// hidden units like lstm_forward's small-batch path: part p owns units u0..u1 of all four gates.
/// The step streams the weights once per token: in bf16 that is half the bytes of float.
inline void lstm_step_bf16(ThreadPool& pool, Index I, Index H, Index B, const LstmWeights<float>& w,
                           const bf16* packed, const float* x, const float* h0, const float* c0,
                           const LstmTrace<float>& tr, bf16* scratch) {
  const Index ih = I < kTileK ? 0 : bf16_packed_a_size(H, I), hh = bf16_packed_a_size(H, H);
  bf16* xb = scratch;
  bf16* hb = scratch + bf16_b_size(I, B);
  if (ih) to_bf16_columns(I, B, x, I, xb, bf16_ldb(I));
  to_bf16_columns(H, B, h0, H, hb, bf16_ldb(H));
  MatMap<float>(tr.h_prev, H, B) = ConstMatMap<float>(h0, H, B);
  const Index parts = std::max<Index>(1, std::min<Index>(pool.size(), H / (2 * kTileM)));
  pool.run(parts, [&](Index p) {
    const Range u = split(H, parts, p, 2 * kTileM);
    const Eigen::OuterStride<> ld(4 * H);
    for (Index g = 0; g < 4; ++g) {
      const Index row = g * H + u.begin;
      float* a = tr.gates + row;  // rows g H + u0.. of the 4H x B gates
      Eigen::Map<Mat<float>, 0, Eigen::OuterStride<>> A(a, u.size(), B, ld);
      A.colwise() = ConstVecMap<float>(w.b_ih + row, u.size()) + ConstVecMap<float>(w.b_hh + row, u.size());
      const bf16* pg = packed + g * (ih + hh);
      if (ih)
        bf16_matvec(u.size(), B, I, pg + bf16_packed_a_size(u.begin, I), xb, bf16_ldb(I), a, 4 * H, true);
      else  // a scalar input: W_ih x in float
        A.noalias() += ConstRowMajorMap<float>(w.w_ih + row * I, u.size(), I) * ConstMatMap<float>(x, I, B);
      bf16_matvec(u.size(), B, H, pg + ih + bf16_packed_a_size(u.begin, H), hb, bf16_ldb(H), a, 4 * H, true);
    }
    lstm_cell_forward(H, u.begin, u.end, B, tr.gates, c0, tr.c, tr.tanh_c, tr.h);
  });
}

}  // namespace cpu
}  // namespace backend
SYMPHONIC_NAMESPACE_END
