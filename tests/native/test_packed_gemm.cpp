// Kernels that exist only for some instruction sets, built with -march=native (tests/CMakeLists.txt):
// the packed recurrent GEMM against Eigen's product on every kind of edge tile, the blocked GEMM
// of the large products against a product in double for every operand layout and block edge, the
// float dense layer and LSTM sweep that use them against the same in double. Skipped where the
// CPU or compiler has no AVX-512.
#include <doctest/doctest.h>

#include <symphonic/backend/cpu/dense.hpp>
#include <symphonic/backend/cpu/lstm.hpp>
#include <symphonic/backend/cpu/packed_gemm.hpp>

#include "support/gradcheck.hpp"
#include "support/skip.hpp"

using namespace symphonic;
using backend::cpu::Index;
using symphonic_test::random_matrix;
using symphonic_test::relative_error;

TEST_SUITE("native") {

TEST_CASE("packed gemm: C += A B for whole and edge tiles, A row-major or transposed") {
  if (!backend::cpu::packed_gemm_available<float>) SYMPHONIC_SKIP_TEST("no AVX-512 in this build");
  struct Shape { Index m, n, k; };
  for (const Shape& s : {Shape{32, 12, 128}, Shape{64, 24, 512}, Shape{33, 13, 129}, Shape{2048, 32, 512},
                         Shape{512, 64, 2048}, Shape{5, 1, 7}, Shape{100, 37, 300}, Shape{64, 16, 256}, Shape{64, 20, 256}, Shape{96, 8, 64}, Shape{96, 4, 64}, Shape{40, 10, 30}}) {
    CAPTURE(s.m);
    CAPTURE(s.n);
    CAPTURE(s.k);
    const Eigen::MatrixXf a = random_matrix(s.m, s.k, 1).cast<float>(), b = random_matrix(s.k, s.n, 2).cast<float>();
    const Eigen::MatrixXf c0 = random_matrix(s.m, s.n, 3).cast<float>();
    const Eigen::MatrixXf expected = c0 + a * b;
    std::vector<float> ap(static_cast<std::size_t>(backend::cpu::packed_a_size(s.m, s.k)));
    for (bool transposed_source : {false, true}) {
      CAPTURE(transposed_source);
      if (transposed_source) {
        const Eigen::MatrixXf at = a.transpose();  // A(i, k) = at[k + i k_rows]... as W_hh^T is read
        backend::cpu::pack_a(s.m, s.k, at.data(), s.k, Index(1), ap.data());
      } else {
        backend::cpu::pack_a(s.m, s.k, a.data(), Index(1), s.m, ap.data());
      }
      Eigen::MatrixXf c = c0;
#if defined(__AVX512F__)
      backend::cpu::gemm_packed(s.m, s.n, s.k, ap.data(), b.data(), Index(1), s.k, c.data(), s.m);
      Eigen::MatrixXf c2 = c0;
      const Eigen::MatrixXf bt = b.transpose();  // B read through its transpose: B(k, j) = bt[j + k n]
      backend::cpu::gemm_packed(s.m, s.n, s.k, ap.data(), bt.data(), s.n, Index(1), c2.data(), s.m);
      CHECK(relative_error(c2, expected) < 1e-5);
#endif
      // float sums of up to 2048 products in another order than Eigen's
      CHECK(relative_error(c, expected) < 1e-5);
    }
  }
}

TEST_CASE("blocked gemm: C (+)= A B for every operand layout, inside larger buffers, across every block edge") {
  if (!backend::cpu::packed_gemm_available<float>) SYMPHONIC_SKIP_TEST("no AVX-512 in this build");
#if defined(__AVX512F__)
  using backend::cpu::kKb;
  using backend::cpu::kMc;
  using backend::cpu::kNc;
  struct Shape { Index m, n, k; };
  // whole tiles; edges of a tile, of an A block (kMc), of a B block (kNc), of a k block (kKb)
  for (const Shape& s : {Shape{32, 12, 64}, Shape{1, 1, 1}, Shape{33, 13, 7}, Shape{kMc + 5, 30, 40},
                         Shape{40, kNc + 13, 20}, Shape{64, 24, 2 * kKb + 3}, Shape{2 * kMc, 2 * kNc + 1, kKb},
                         Shape{7, 5, 0}}) {
    CAPTURE(s.m);
    CAPTURE(s.n);
    CAPTURE(s.k);
    const Index pad = 3;  // every operand lies inside a larger buffer: leading dimensions exceed the sizes
    const Eigen::MatrixXd a = random_matrix(s.m, s.k, 1), b = random_matrix(s.k, s.n, 2), c0 = random_matrix(s.m, s.n, 3);
    const Eigen::MatrixXd product = a * b;
    Eigen::MatrixXf a_cm = Eigen::MatrixXf::Zero(s.m + pad, s.k), a_rm = Eigen::MatrixXf::Zero(s.k + pad, s.m);
    a_cm.topRows(s.m) = a.cast<float>();      // A(i, k) = a_cm[i + k (m + pad)]:  (ars, acs) = (1, m + pad)
    a_rm.topRows(s.k) = a.transpose().cast<float>();  // a row-major A: A(i, k) = a_rm[k + i (k + pad)]
    Eigen::MatrixXf b_cm = Eigen::MatrixXf::Zero(s.k + pad, s.n), b_t = Eigen::MatrixXf::Zero(s.n + pad, s.k);
    b_cm.topRows(s.k) = b.cast<float>();      // B(k, j) = b_cm[k + j (k + pad)]:  (bk, bj) = (1, k + pad)
    b_t.topRows(s.n) = b.transpose().cast<float>();   // B(k, j) = b_t[j + k (n + pad)]: (bk, bj) = (n + pad, 1)
    for (bool a_row_major : {false, true})
      for (bool b_transposed : {false, true})
        for (bool accumulate : {false, true}) {
          CAPTURE(a_row_major);
          CAPTURE(b_transposed);
          CAPTURE(accumulate);
          Eigen::MatrixXf c = Eigen::MatrixXf::Constant(s.m + pad, s.n, 7.0f);
          c.topRows(s.m) = c0.cast<float>();
          const float* ap = a_row_major ? a_rm.data() : a_cm.data();
          const Index ars = a_row_major ? s.k + pad : 1, acs = a_row_major ? 1 : s.m + pad;
          const float* bp = b_transposed ? b_t.data() : b_cm.data();
          const Index bk = b_transposed ? s.n + pad : 1, bj = b_transposed ? 1 : s.k + pad;
          backend::cpu::gemm_blocked(s.m, s.n, s.k, ap, ars, acs, bp, bk, bj, c.data(), s.m + pad, accumulate);
          const Eigen::MatrixXd expected = accumulate ? Eigen::MatrixXd(c0 + product) : product;
          if (s.m * s.n > 0) CHECK(relative_error(c.topRows(s.m).cast<double>(), expected) < 1e-5);
          CHECK((c.bottomRows(pad).array() == 7.0f).all());  // rows past m untouched
        }
  }
#endif
}

TEST_CASE("dense layer in float (blocked products, cut by columns) against double, 1 and 2 threads") {
  if (!backend::cpu::packed_gemm_available<float>) SYMPHONIC_SKIP_TEST("no AVX-512 in this build");
  const Index in = 70, out = 45, n = 300;
  auto run = [&](auto zero, int threads) {
    using S = decltype(zero);
    using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
    using RowMajor = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    backend::cpu::ThreadPool pool(threads);
    const RowMajor w = random_matrix(out, in, 1).cast<S>();
    const Eigen::Matrix<S, Eigen::Dynamic, 1> b = random_matrix(out, 1, 2).cast<S>();
    const M x = random_matrix(in, n, 3).cast<S>(), dy = random_matrix(out, n, 4).cast<S>();
    M y(out, n), dx(in, n);
    RowMajor dw = random_matrix(out, in, 5).cast<S>();  // gradients are added into
    Eigen::Matrix<S, Eigen::Dynamic, 1> db = random_matrix(out, 1, 6).cast<S>();
    backend::cpu::dense_forward(pool, in, out, n, w.data(), b.data(), x.data(), y.data());
    backend::cpu::dense_backward(pool, in, out, n, w.data(), x.data(), dy.data(), dw.data(), db.data(), dx.data());
    Eigen::VectorXd all(y.size() + dw.size() + db.size() + dx.size());
    all << Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>>(y.data(), y.size()).template cast<double>(),
        Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>>(dw.data(), dw.size()).template cast<double>(),
        db.template cast<double>(), Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>>(dx.data(), dx.size()).template cast<double>();
    return all;
  };
  const Eigen::VectorXd reference = run(0.0, 1);
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    CHECK(relative_error(run(0.0f, threads), reference) < 1e-5);
  }
}

TEST_CASE("lstm sweep in float (packed recurrent products) against double, 1 and 2 threads") {
  if (!backend::cpu::packed_gemm_available<float>) SYMPHONIC_SKIP_TEST("no AVX-512 in this build");
  const Index I = 7, H = 80, T = 6, B = 9;
  const Index N = T * B;
  auto run = [&](auto zero, int threads) {
    using S = decltype(zero);
    using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
    using RowMajor = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    backend::cpu::ThreadPool pool(threads);
    const RowMajor w_ih = random_matrix(4 * H, I, 1, 0.3).cast<S>(), w_hh = random_matrix(4 * H, H, 2, 0.3).cast<S>();
    const Eigen::Matrix<S, Eigen::Dynamic, 1> b_ih = random_matrix(4 * H, 1, 3).cast<S>(), b_hh = random_matrix(4 * H, 1, 4).cast<S>();
    const M x = random_matrix(I, N, 5).cast<S>(), h0 = random_matrix(H, B, 6, 0.5).cast<S>(), c0 = random_matrix(H, B, 7, 0.5).cast<S>();
    const M mask = (random_matrix(H, B, 8).array() > -0.4).template cast<S>().matrix() / S(0.7);  // recurrent dropout
    const M dy = random_matrix(H, N, 9).cast<S>();
    M gates(4 * H, N), c(H, N), tanh_c(H, N), h(H, N), h_prev(H, N), da(4 * H, N), dh(H, B), dh_next(H, B), dc_next(H, B);
    M dx(I, N), dh0(H, B), dc0(H, B);
    Eigen::Matrix<S, Eigen::Dynamic, 1> pack(backend::cpu::lstm_pack_size<S>(H));
    Eigen::Matrix<S, Eigen::Dynamic, 1> g = Eigen::Matrix<S, Eigen::Dynamic, 1>::Zero(4 * H * (I + H) + 8 * H);
    const backend::cpu::LstmWeights<S> w{w_ih.data(), w_hh.data(), b_ih.data(), b_hh.data()};
    const backend::cpu::LstmGradients<S> grad{g.data(), g.data() + 4 * H * I, g.data() + 4 * H * (I + H),
                                              g.data() + 4 * H * (I + H) + 4 * H};
    const backend::cpu::LstmTrace<S> tr{gates.data(), c.data(), tanh_c.data(), h.data(), h_prev.data()};
    backend::cpu::lstm_forward(pool, I, H, T, B, w, x.data(), h0.data(), c0.data(), mask.data(), tr, pack.data());
    backend::cpu::lstm_backward(pool, I, H, T, B, w, grad, x.data(), c0.data(), mask.data(), tr, dy.data(), dx.data(),
                                dh0.data(), dc0.data(),
                                backend::cpu::LstmBackwardScratch<S>{da.data(), dh.data(), dh_next.data(), dc_next.data()},
                                pack.data());
    Eigen::VectorXd out(h.size() + g.size() + dx.size() + dh0.size());
    out << Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>>(h.data(), h.size()).template cast<double>(),
        g.template cast<double>(), Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>>(dx.data(), dx.size()).template cast<double>(),
        Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>>(dh0.data(), dh0.size()).template cast<double>();
    return out;
  };
  const Eigen::VectorXd reference = run(0.0, 1);
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    CHECK(relative_error(run(0.0f, threads), reference) < 1e-5);  // float rounding over 6 steps
  }
}

}  // TEST_SUITE
