// The thread pool and the kernels cut across it: every part runs once, errors come back, and a
// kernel gives the same numbers on 1, 2 and 3 threads (the parity the CUDA backend will also be
// held to, kernel by kernel), to the tolerance written beside each check.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <symphonic/backend/cpu/lstm.hpp>
#include <symphonic/backend/cpu/thread_pool.hpp>
#include <symphonic/nn/nn.hpp>

#include "support/gradcheck.hpp"

using namespace symphonic;
using backend::cpu::ThreadPool;
using nn::Index;
using symphonic_test::random_matrix;
using symphonic_test::relative_error;
using Mat = Eigen::MatrixXd;

TEST_SUITE("nn") {

TEST_CASE("thread pool: every part once, on any number of threads, errors rethrown") {
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    ThreadPool pool(threads);
    CHECK(pool.size() == threads);
    for (Index parts : {Index(1), Index(2), Index(3), Index(7), Index(100)}) {
      for (int repeat = 0; repeat < 50; ++repeat) {  // many runs back to back: no part of one run leaks into the next
        std::vector<std::atomic<int>> seen(static_cast<std::size_t>(parts));
        pool.run(parts, [&](Index p) { seen[static_cast<std::size_t>(p)]++; });
        for (auto& s : seen) REQUIRE(s.load() == 1);
      }
    }
    CHECK_THROWS_WITH_AS(pool.run(5, [](Index p) { if (p == 3) throw std::runtime_error("part 3"); }), "part 3",
                         std::runtime_error);
    // a run from inside a part runs inline instead of waiting for itself
    std::atomic<int> inner{0};
    pool.run(2, [&](Index) { pool.run(3, [&](Index) { inner++; }); });
    CHECK(inner.load() == 6);
  }
  SUBCASE("two threads sharing one pool: the second runs its parts itself") {
    ThreadPool pool(2);
    std::atomic<long> sum{0};
    auto work = [&] {
      for (int i = 0; i < 200; ++i) pool.run(4, [&](Index p) { sum += p; });
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
    CHECK(sum.load() == 2 * 200 * (0 + 1 + 2 + 3));
  }
  SUBCASE("workers that come late to a run take nothing of it; no part runs after its run returned") {
    // Tiny parts: the caller often finishes a run before a worker wakes (and, now and then, after
    // a pause that lets the workers fall asleep). A worker that claimed a part of a finished run
    // would run it with that run's number while `current` has moved on.
    for (int threads : {2, 3}) {
      ThreadPool pool(threads);
      std::atomic<long> current{0}, stale{0}, done{0};
      for (long run = 0; run < 20000; ++run) {
        current = run;
        pool.run(3, [&, run](Index) {
          if (current.load() != run) stale++;
          done++;
        });
        if (run % 2000 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      CHECK(stale.load() == 0);
      CHECK(done.load() == 3 * 20000);
    }
  }
  SUBCASE("split covers [0, n) in aligned, ordered pieces") {
    for (Index n : {Index(0), Index(5), Index(64), Index(1000)}) {
      Index next = 0;
      for (Index p = 0; p < 3; ++p) {
        const backend::cpu::Range r = backend::cpu::split(n, 3, p, 16);
        CHECK(r.begin == next);
        if (r.end < n) CHECK(r.end % 16 == 0);
        next = r.end;
      }
      CHECK(next == n);
    }
  }
}

TEST_CASE("cut_product: which kernel runs which piece, so that a one-column product never takes the blocked path") {
  // (kernel, parts) for a rows x cols product with min_columns 64 on `threads`; every piece of the
  // output covered once by the kernel that ran.
  auto cut = [](int threads, Index rows, Index cols) {
    ThreadPool pool(threads);
    std::atomic<int> by_columns{0}, by_rows{0};
    std::atomic<Index> covered{0};
    backend::cpu::cut_product(
        pool, rows, cols, 64,
        [&](backend::cpu::Range r) {
          ++by_columns;
          covered += r.size() * rows;
        },
        [&](backend::cpu::Range r) {
          ++by_rows;
          covered += r.size() * cols;
        });
    CHECK(covered.load() == rows * cols);
    return std::make_pair(by_columns.load(), by_rows.load());
  };
  // one thread: the columns kernel for a wide product, the rows kernel for a few columns (a
  // generated token's W x); before, one thread sent W x through the blocked kernel, which packs
  // all of W per token (recipe generation 0.80 -> 1.9 ms per token)
  CHECK(cut(1, 2048, 6400) == std::make_pair(1, 0));
  CHECK(cut(1, 2048, 64) == std::make_pair(1, 0));
  CHECK(cut(1, 2048, 1) == std::make_pair(0, 1));
  CHECK(cut(1, 2048, 63) == std::make_pair(0, 1));
  // two threads: by columns when each part keeps 64, else by rows when there are rows to share
  CHECK(cut(2, 2048, 6400) == std::make_pair(2, 0));
  CHECK(cut(2, 2048, 100) == std::make_pair(0, 2));
  CHECK(cut(2, 2048, 1) == std::make_pair(0, 2));
  // too few rows to share: whole, by the kernel for its width
  CHECK(cut(2, 20, 100) == std::make_pair(1, 0));
  CHECK(cut(2, 20, 3) == std::make_pair(0, 1));
}

TEST_CASE("lstm kernels: the same numbers on 1, 2 and 3 threads, batch split and unit split") {
  const Index I = 5, H = 64, T = 4;
  for (Index B : {Index(1), Index(3), Index(40)}) {  // 1 and 3: unit split at inference; 40: batch split
    CAPTURE(B);
    const Index N = T * B;
    Mat w_ih = random_matrix(4 * H, I, 1, 0.3), w_hh = random_matrix(4 * H, H, 2, 0.3);
    Eigen::VectorXd b_ih = random_matrix(4 * H, 1, 3), b_hh = random_matrix(4 * H, 1, 4);
    // row-major copies, the layout the kernels read
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Wih = w_ih, Whh = w_hh;
    const backend::cpu::LstmWeights<double> w{Wih.data(), Whh.data(), b_ih.data(), b_hh.data()};
    const Mat x = random_matrix(I, N, 5), h0 = random_matrix(H, B, 6, 0.5), c0 = random_matrix(H, B, 7, 0.5);
    const Mat dy = random_matrix(H, N, 8);
    const double* no_mask = nullptr;
    struct Out {
      Mat gates, c, tanh_c, h, h_prev, dx, dh0, dc0;
      Eigen::VectorXd grads;
    };
    auto run = [&](int threads) {
      ThreadPool pool(threads);
      Out o;
      o.gates.resize(4 * H, N);
      o.c.resize(H, N);
      o.tanh_c.resize(H, N);
      o.h.resize(H, N);
      o.h_prev.resize(H, N);
      const backend::cpu::LstmTrace<double> tr{o.gates.data(), o.c.data(), o.tanh_c.data(), o.h.data(), o.h_prev.data()};
      Eigen::VectorXd pack(backend::cpu::lstm_pack_size<double>(H));
      backend::cpu::lstm_forward(pool, I, H, T, B, w, x.data(), h0.data(), c0.data(), no_mask, tr, pack.data());
      o.grads = Eigen::VectorXd::Zero(4 * H * (I + H) + 8 * H);
      double* g = o.grads.data();
      const backend::cpu::LstmGradients<double> grad{g, g + 4 * H * I, g + 4 * H * (I + H), g + 4 * H * (I + H) + 4 * H};
      Mat da(4 * H, N), dh(H, B), dh_next(H, B), dc_next(H, B);
      o.dx.resize(I, N);
      o.dh0.resize(H, B);
      o.dc0.resize(H, B);
      backend::cpu::lstm_backward(pool, I, H, T, B, w, grad, x.data(), c0.data(), no_mask, tr, dy.data(), o.dx.data(),
                                  o.dh0.data(), o.dc0.data(),
                                  backend::cpu::LstmBackwardScratch<double>{da.data(), dh.data(), dh_next.data(), dc_next.data()},
                                  pack.data());
      return o;
    };
    const Out one = run(1);
    for (int threads : {2, 3}) {
      CAPTURE(threads);
      const Out many = run(threads);
      // the parts compute disjoint outputs with the same products; only the products' internal
      // blocking may differ, so agreement is to rounding (1e-13 relative, in double)
      CHECK(relative_error(many.h, one.h) < 1e-13);
      CHECK(relative_error(many.c, one.c) < 1e-13);
      CHECK(relative_error(many.gates, one.gates) < 1e-13);
      CHECK(relative_error(many.grads, one.grads) < 1e-13);
      CHECK(relative_error(many.dx, one.dx) < 1e-13);
      CHECK(relative_error(many.dh0, one.dh0) < 1e-13);
      CHECK(relative_error(many.dc0, one.dc0) < 1e-13);
    }
  }
}

TEST_CASE("model: a training step on 1 and 2 threads; the same count twice is bit-identical") {
  nn::ModelConfig c = nn::ModelConfig::preset("recipe", 11);
  c.lstm_size = 48;
  c.dense_sizes = {32};
  auto step = [&](int threads, Eigen::VectorXf& grads, Eigen::MatrixXf& logits) {
    nn::Model<float> model(c, 3, threads);
    nn::Workspace<float> ws;
    nn::Rng rng(4);
    nn::IdMatrix in(37, 20), target(37, 1);
    for (Index i = 0; i < in.size(); ++i) in.data()[i] = static_cast<std::int32_t>(rng.next() % 11);
    for (Index i = 0; i < target.size(); ++i) target.data()[i] = static_cast<std::int32_t>(rng.next() % 11);
    model.zero_grad();
    const double loss = model.forward(ws, in, target, nn::Mode::train).loss;
    model.backward(ws);
    grads = model.gradients();
    logits = ws.logits();
    return loss;
  };
  Eigen::VectorXf g1, g2, g2again;
  Eigen::MatrixXf l1, l2, l2again;
  const double loss1 = step(1, g1, l1), loss2 = step(2, g2, l2), loss2again = step(2, g2again, l2again);
  CHECK(loss2again == loss2);
  CHECK(g2again == g2);
  CHECK(l2again == l2);
  // float rounding of differently blocked products, through 20 steps of 3 layers
  CHECK(loss2 == doctest::Approx(loss1).epsilon(1e-6));
  CHECK(relative_error(l2, l1) < 1e-5);
  CHECK(relative_error(g2, g1) < 1e-4);
}

}  // TEST_SUITE
