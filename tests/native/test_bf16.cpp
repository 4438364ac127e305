// The bf16 precision (nn/precision.hpp), built with -march=native: the rounding, each bf16 GEMM
// this CPU has (AMX tiles, AVX512-BF16 vectors) against a double product of the same rounded
// inputs, the bf16 LSTM sweep against the float one, and a training run in bf16 that tracks the
// same run in fp32. Skipped where the build has no bf16 kernels.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <symphonic/backend/cpu/bf16_gemm.hpp>
#include <symphonic/backend/cpu/lstm.hpp>
#include <symphonic/backend/cpu/lstm_bf16.hpp>
#include <symphonic/nn/nn.hpp>
#include <symphonic/optim/optim.hpp>

#include "support/gradcheck.hpp"
#include "support/skip.hpp"

using namespace symphonic;
using backend::cpu::bf16;
using backend::cpu::Index;
using symphonic_test::random_matrix;
using symphonic_test::relative_error;

namespace {
float bits_to_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
Eigen::MatrixXd rounded(const Eigen::MatrixXf& m) {
  return m.unaryExpr([](float v) { return static_cast<double>(backend::cpu::from_bf16(backend::cpu::to_bf16(v))); });
}

// The bf16 GEMMs this build and CPU can run, each with amx_gemm's contract.
using Gemm = void (*)(Index, Index, Index, const bf16*, const bf16*, float*, Index, bool, const float*);
struct Engine {
  const char* name;
  Gemm gemm;
};
std::vector<Engine> bf16_engines() {
  std::vector<Engine> engines;
  if (backend::cpu::amx_usable()) engines.push_back({"AMX", &backend::cpu::amx_gemm});
  if (SYMPHONIC_HAVE_BF16_VECTOR) engines.push_back({"AVX512-BF16", &backend::cpu::bf16_vector_gemm});
  return engines;
}
}  // namespace

TEST_SUITE("native") {

TEST_CASE("bf16 rounding: nearest, ties to even, NaN and infinity kept; the vector path agrees") {
  using backend::cpu::to_bf16;
  CHECK(to_bf16(1.0f) == 0x3f80);
  CHECK(to_bf16(bits_to_float(0x3f808000u)) == 0x3f80);  // tie, even below
  CHECK(to_bf16(bits_to_float(0x3f818000u)) == 0x3f82);  // tie, even above
  CHECK(to_bf16(bits_to_float(0x3f808001u)) == 0x3f81);  // above the tie
  CHECK(to_bf16(-2.0f) == 0xc000);
  CHECK(to_bf16(std::numeric_limits<float>::infinity()) == 0x7f80);
  CHECK(std::isnan(backend::cpu::from_bf16(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(std::isnan(backend::cpu::from_bf16(to_bf16(bits_to_float(0x7f800001u)))));  // a NaN that would round to inf
  CHECK(to_bf16(bits_to_float(0x7f7fffffu)) == 0x7f80);                              // the largest float rounds up to inf
  // to_bf16_columns (vectors of 16 where it can) against to_bf16 one by one
  const Eigen::MatrixXf m = (random_matrix(37, 5, 11) * 1e3).cast<float>();
  std::vector<bf16> out(static_cast<std::size_t>(backend::cpu::bf16_b_size(37, 5)), 0xffff);
  backend::cpu::to_bf16_columns(37, 5, m.data(), 37, out.data(), backend::cpu::bf16_ldb(37));
  const Index ld = backend::cpu::bf16_ldb(37);
  bool same = true;
  for (Index j = 0; j < 32; ++j)
    for (Index i = 0; i < ld; ++i)
      same = same && out[static_cast<std::size_t>(j * ld + i)] == (i < 37 && j < 5 ? to_bf16(m(i, j)) : 0);
  CHECK(same);
}

TEST_CASE("bf16 packing: parts written apart, by columns and by any rows of B, make the whole packed operand") {
  // B, 75 x 70 (padding rows and columns in the last tile and panel), packed whole and in pieces:
  // bands of 16 columns by rows cut at odd places, over a buffer of junk that every element of the
  // layout must overwrite; from both layouts of B (contiguous columns, contiguous rows).
  const Index k = 75, n = 70;
  const Eigen::MatrixXf b = random_matrix(k, n, 12).cast<float>();
  const Eigen::MatrixXf bt = b.transpose();  // B(i, j) = bt[j + i n]
  const std::size_t size = static_cast<std::size_t>(backend::cpu::bf16_packed_b_size(k, n));
  std::vector<bf16> whole(size, 0xffff);
  backend::cpu::bf16_pack_b(k, n, b.data(), Index(1), k, whole.data());
  CHECK(whole[static_cast<std::size_t>((1 * 3 + 1) * 512 + 2 * 32 + 7)] == backend::cpu::to_bf16(b(39, 18)));
  const std::size_t last = (4 * 3 + 2) * 512;                                                 // tile (4, 2)
  CHECK(whole[last + 5 * 32 + 10] == backend::cpu::to_bf16(b(74, 69)));                        // the last element
  CHECK(whole[last + 5 * 32 + 11] == 0);                                                       // row 75: past K
  CHECK(whole[last + 6 * 32 + 10] == 0);                                                       // column 70: past N
  for (bool rows_contiguous : {false, true}) {
    CAPTURE(rows_contiguous);
    std::vector<bf16> pieces(size, 0xffff);
    const Index col_cuts[] = {0, 16, 48, n}, row_cuts[] = {0, 1, 30, 33, 64, 65, k};
    for (Index ci = 0; ci + 1 < 4; ++ci)
      for (Index ri = 0; ri + 1 < 7; ++ri) {
        if (rows_contiguous)
          backend::cpu::bf16_pack_b_part(k, n, row_cuts[ri], row_cuts[ri + 1], col_cuts[ci], col_cuts[ci + 1],
                                         bt.data(), n, Index(1), pieces.data());
        else
          backend::cpu::bf16_pack_b_part(k, n, row_cuts[ri], row_cuts[ri + 1], col_cuts[ci], col_cuts[ci + 1],
                                         b.data(), Index(1), k, pieces.data());
      }
    CHECK(pieces == whole);
    // one piece leaves everything else as it was
    std::vector<bf16> one(size, 0xffff);
    if (rows_contiguous)
      backend::cpu::bf16_pack_b_part(k, n, 31, 34, 16, 48, bt.data(), n, Index(1), one.data());
    else
      backend::cpu::bf16_pack_b_part(k, n, 31, 34, 16, 48, b.data(), Index(1), k, one.data());
    Index written = 0;
    for (std::size_t i = 0; i < size; ++i) written += one[i] != 0xffff;
    CHECK(written == 32 * 3);
  }
}

TEST_CASE("bf16 gemm: C (+)= A B (+ bias) on whole and edge blocks, A and B packed from either layout, on every "
          "engine here") {
  const std::vector<Engine> engines = bf16_engines();
  if (engines.empty()) SYMPHONIC_SKIP_TEST("no bf16 kernels in this build");
  struct Shape { Index m, n, k; };
  for (const Shape& s : {Shape{32, 32, 32}, Shape{5, 3, 7}, Shape{33, 17, 33}, Shape{64, 16, 64}, Shape{2048, 40, 600},
                         Shape{100, 50, 70}, Shape{512, 1, 2048}, Shape{16, 48, 1100}, Shape{300, 70, 1},
                         Shape{64, 801, 300}, Shape{45, 390, 260}, Shape{40, 24, 2100}}) {
    CAPTURE(s.m);
    CAPTURE(s.n);
    CAPTURE(s.k);
    const Eigen::MatrixXf a = random_matrix(s.m, s.k, 1).cast<float>(), b = random_matrix(s.k, s.n, 2).cast<float>();
    const Eigen::MatrixXf c0 = random_matrix(s.m, s.n, 3).cast<float>();
    const Eigen::VectorXf bias = random_matrix(s.m, 1, 4).cast<float>();
    const Eigen::MatrixXd product = rounded(a) * rounded(b);
    std::vector<bf16> bp(static_cast<std::size_t>(backend::cpu::bf16_packed_b_size(s.k, s.n)));
    std::vector<bf16> bt(bp.size(), 0xffff);
    backend::cpu::bf16_pack_b(s.k, s.n, b.data(), Index(1), s.k, bp.data());
    const Eigen::MatrixXf b_transposed = b.transpose();  // n x k: B(k, j) = b_transposed[j + k n]
    backend::cpu::bf16_pack_b(s.k, s.n, b_transposed.data(), s.n, Index(1), bt.data());
    CHECK(bt == bp);
    std::vector<bf16> ap(static_cast<std::size_t>(backend::cpu::bf16_packed_a_size(s.m, s.k)));
    for (bool row_major : {false, true}) {
      CAPTURE(row_major);
      const Eigen::MatrixXf at = a.transpose();
      if (row_major)
        backend::cpu::bf16_pack_a(s.m, s.k, at.data(), s.k, Index(1), ap.data());  // A(i, k) = at[i K + k]
      else
        backend::cpu::bf16_pack_a(s.m, s.k, a.data(), Index(1), s.m, ap.data());
      for (const Engine& engine : engines)
        for (int start : {0, 1, 2}) {  // C = A B, C += A B, C = bias 1^T + A B
          CAPTURE(engine.name);
          CAPTURE(start);
          Eigen::MatrixXf c = c0;
          engine.gemm(s.m, s.n, s.k, ap.data(), bp.data(), c.data(), s.m, start == 1,
                      start == 2 ? bias.data() : nullptr);
          Eigen::MatrixXd expected = product;
          if (start == 1) expected += c0.cast<double>();
          if (start == 2) expected.colwise() += bias.cast<double>();
          // exact products of bf16 values, summed in float: only the order of the float sums differs
          CHECK(relative_error(c, expected) < 1e-5);
        }
    }
  }
}

TEST_CASE("bf16 matvec: y (+)= A x for few columns, the packed A of the GEMMs read with vector loads") {
  if (!SYMPHONIC_HAVE_BF16_VECTOR) SYMPHONIC_SKIP_TEST("no AVX512-BF16 kernels in this build");
  struct Shape { Index m, n, k; };
  for (const Shape& s : {Shape{5, 1, 7}, Shape{512, 1, 512}, Shape{100, 3, 600}, Shape{48, 5, 64}, Shape{33, 9, 31}}) {
    CAPTURE(s.m);
    CAPTURE(s.n);
    CAPTURE(s.k);
    const Eigen::MatrixXf a = random_matrix(s.m, s.k, 4).cast<float>(), x = random_matrix(s.k, s.n, 5).cast<float>();
    const Eigen::MatrixXf y0 = random_matrix(s.m, s.n, 6).cast<float>();
    const Eigen::MatrixXd product = rounded(a) * rounded(x);
    std::vector<bf16> ap(static_cast<std::size_t>(backend::cpu::bf16_packed_a_size(s.m, s.k)));
    const Eigen::MatrixXf at = a.transpose();
    backend::cpu::bf16_pack_a(s.m, s.k, at.data(), s.k, Index(1), ap.data());
    std::vector<bf16> xb(static_cast<std::size_t>(backend::cpu::bf16_b_size(s.k, s.n)));
    backend::cpu::to_bf16_columns(s.k, s.n, x.data(), s.k, xb.data(), backend::cpu::bf16_ldb(s.k));
    for (bool accumulate : {false, true}) {
      CAPTURE(accumulate);
      Eigen::MatrixXf y = y0;
      backend::cpu::bf16_matvec(s.m, s.n, s.k, ap.data(), xb.data(), backend::cpu::bf16_ldb(s.k), y.data(), s.m, accumulate);
      const Eigen::MatrixXd expected = accumulate ? Eigen::MatrixXd(y0.cast<double>() + product) : product;
      CHECK(relative_error(y, expected) < 1e-5);
    }
  }
}

TEST_CASE("generation step in bf16: close to fp32, on 1 and 2 threads, and never from stale weights") {
  if (!nn::precision_available<float>(nn::Precision::bf16)) SYMPHONIC_SKIP_TEST("bf16 precision not available here");
  for (const char* preset : {"default", "recipe"}) {
    CAPTURE(preset);
    nn::ModelConfig config = nn::ModelConfig::preset(preset, 30);
    config.lstm_size = 96;  // three 32-unit bands: uneven parts on 2 threads
    if (config.input == nn::InputKind::embedding) config.embedding_size = 40;
    for (int threads : {1, 2}) {
      CAPTURE(threads);
      nn::Model<float> fp32(config, 3, threads), bf16(config, 3, threads);
      bf16.set_precision(nn::Precision::bf16);
      nn::Workspace<float> ws32, ws16;
      const Index B = 3;
      auto s32 = fp32.zero_state(B), s16 = bf16.zero_state(B);
      nn::Model<float>::Ids ids(B);
      for (int t = 0; t < 6; ++t) {
        for (Index b = 0; b < B; ++b) ids(b) = static_cast<std::int32_t>((7 * t + 3 * b) % 30);
        if (t == 3) {  // the weights change between steps: the bf16 step must repack them
          fp32.parameters() *= 0.5f;
          bf16.parameters() *= 0.5f;
        }
        const Eigen::MatrixXf p32 = fp32.step(ws32, s32, ids);
        const Eigen::MatrixXf p16 = bf16.step(ws16, s16, ids);
        CAPTURE(t);
        CHECK(relative_error(p16, p32) < 2e-2);
        CHECK(relative_error(p16, p32) > 0);  // the bf16 step really ran
        CHECK(relative_error(s16.h.back(), s32.h.back()) < 2e-2);
      }
    }
  }
}

TEST_CASE("lstm sweep in bf16 against float: forward, every gradient, the same on 1 and 2 threads") {
  if (!backend::cpu::bf16_products_available()) SYMPHONIC_SKIP_TEST("no bf16 kernels in this build");
  CAPTURE(backend::cpu::bf16_kernel_name());
  // I below one tile of k (float input products) and above; a batch whose parts do not start at
  // panels of 16 columns (dA packed into each part's own block; pairs of columns split between
  // steps and parts) and ones whose parts do (in place; one of them a single panel a part), with
  // 4H a multiple of 32 rows and not.
  const Index shapes[][3] = {{7, 80, 9}, {40, 80, 9}, {7, 81, 64}, {40, 81, 64}, {40, 81, 32}};
  for (const auto& shape : shapes) {
    const Index I = shape[0], H = shape[1], B = shape[2], T = 6;
    CAPTURE(I);
    CAPTURE(H);
    CAPTURE(B);
    const Index N = T * B;
    using M = Eigen::MatrixXf;
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const RowMajor w_ih = random_matrix(4 * H, I, 1, 0.3).cast<float>();
    const RowMajor w_hh = random_matrix(4 * H, H, 2, 0.3).cast<float>();
    const Eigen::VectorXf b_ih = random_matrix(4 * H, 1, 3).cast<float>();
    const Eigen::VectorXf b_hh = random_matrix(4 * H, 1, 4).cast<float>();
    const M x = random_matrix(I, N, 5).cast<float>(), h0 = random_matrix(H, B, 6, 0.5).cast<float>();
    const M c0 = random_matrix(H, B, 7, 0.5).cast<float>();
    const M mask = (random_matrix(H, B, 8).array() > -0.4).cast<float>().matrix() / 0.7f;  // recurrent dropout
    const M dy = random_matrix(H, N, 9).cast<float>();
    auto run = [&](bool bf16_products, int threads) {
      backend::cpu::ThreadPool pool(threads);
      M gates(4 * H, N), c(H, N), tanh_c(H, N), h(H, N), h_prev(H, N), da(4 * H, N), dh(H, B), dh_next(H, B);
      M dc_next(H, B), dx(I, N), dh0(H, B), dc0(H, B);
      Eigen::VectorXf pack(backend::cpu::lstm_pack_size<float>(H));
      std::vector<bf16> scratch(static_cast<std::size_t>(backend::cpu::lstm_bf16_scratch_size(I, H, T, B, pool)));
      Eigen::VectorXf g = Eigen::VectorXf::Zero(4 * H * (I + H) + 8 * H);
      const backend::cpu::LstmWeights<float> w{w_ih.data(), w_hh.data(), b_ih.data(), b_hh.data()};
      const backend::cpu::LstmGradients<float> grad{g.data(), g.data() + 4 * H * I, g.data() + 4 * H * (I + H),
                                                    g.data() + 4 * H * (I + H) + 4 * H};
      const backend::cpu::LstmTrace<float> tr{gates.data(), c.data(), tanh_c.data(), h.data(), h_prev.data()};
      const backend::cpu::LstmBackwardScratch<float> bs{da.data(), dh.data(), dh_next.data(), dc_next.data()};
      if (bf16_products) {
        backend::cpu::lstm_forward_bf16(pool, I, H, T, B, w, x.data(), h0.data(), c0.data(), mask.data(), tr,
                                        scratch.data());
        backend::cpu::lstm_backward_bf16(pool, I, H, T, B, w, grad, x.data(), c0.data(), mask.data(), tr, dy.data(),
                                         dx.data(), dh0.data(), dc0.data(), bs, scratch.data());
      } else {
        backend::cpu::lstm_forward(pool, I, H, T, B, w, x.data(), h0.data(), c0.data(), mask.data(), tr, pack.data());
        backend::cpu::lstm_backward(pool, I, H, T, B, w, grad, x.data(), c0.data(), mask.data(), tr, dy.data(),
                                    dx.data(), dh0.data(), dc0.data(), bs, pack.data());
      }
      return std::vector<M>{h, c, Eigen::Map<M>(g.data(), g.size(), 1), dx, dh0, dc0};
    };
    const std::vector<M> reference = run(false, 1), one = run(true, 1), two = run(true, 2);
    const char* names[] = {"h", "c", "weight gradients", "dx", "dh0", "dc0"};
    for (std::size_t i = 0; i < reference.size(); ++i) {
      CAPTURE(names[i]);
      // bf16 keeps 8 significant bits (relative rounding 2^-9 = 0.2%) of every factor
      CHECK(relative_error(one[i], reference[i]) < 1e-2);
      CHECK(relative_error(one[i], reference[i]) > 0);  // the bf16 path really ran
      CHECK(two[i] == one[i]);                          // every output column is computed the same on any split
    }
  }
}

TEST_CASE("training in bf16 tracks fp32: the same steps reach nearly the same loss") {
  if (!nn::precision_available<float>(nn::Precision::bf16)) SYMPHONIC_SKIP_TEST("bf16 precision not available here");
  nn::ModelConfig config = nn::ModelConfig::preset("default", 12);
  config.lstm_size = 64;
  config.embedding_size = 16;
  // a learnable sequence: each token is the previous plus the one before, modulo 12
  const Index B = 16, T = 20;
  nn::IdMatrix in(B, T), target(B, T);
  for (Index b = 0; b < B; ++b) {
    int u = static_cast<int>(b % 12), v = static_cast<int>((3 * b + 1) % 12);
    for (Index t = 0; t < T; ++t) {
      in(b, t) = u;
      const int w = (u + v) % 12;
      target(b, t) = v;
      u = v;
      v = w;
    }
  }
  auto train = [&](nn::Precision precision) {
    nn::Model<float> model(config, 7, 2);
    model.set_precision(precision);
    auto optimizer = optim::make_optimizer<float>("adam lr=0.01", model.parameter_count());
    nn::Workspace<float> ws;
    std::vector<double> losses;
    for (int step = 0; step < 80; ++step) {
      model.zero_grad();
      losses.push_back(model.forward(ws, in, target, nn::Mode::train).loss);
      model.backward(ws);
      optimizer->step(model.parameters(), model.gradients());
    }
    return losses;
  };
  const std::vector<double> fp32 = train(nn::Precision::fp32), bf16 = train(nn::Precision::bf16);
  CHECK(fp32.back() < 0.3 * fp32.front());  // the task is learnt
  CHECK(bf16.front() == doctest::Approx(fp32.front()).epsilon(0.01));
  for (std::size_t i = 0; i < fp32.size(); i += 10) {
    CAPTURE(i);
    CHECK(std::fabs(bf16[i] - fp32[i]) < 0.1 * fp32[i] + 0.02);
  }
}

TEST_CASE("bf16 precision is refused with a reason where it cannot run") {
  nn::Model<double> model(nn::ModelConfig::preset("default", 12), 1, 1);
  CHECK_THROWS_WITH_AS(model.set_precision(nn::Precision::bf16), doctest::Contains("needs a float model"),
                       nn::ConfigError);
  CHECK_THROWS_WITH_AS(nn::parse_precision("fp16"), doctest::Contains("fp32 or bf16"), nn::ConfigError);
  CHECK(nn::parse_precision("bf16") == nn::Precision::bf16);
}

}  // TEST_SUITE
