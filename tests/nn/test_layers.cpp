// Layer tests: finite-difference gradient checks in double for every layer and the loss, plus
// closed-form forward values and mode semantics.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>

#include <symphonic/nn/nn.hpp>

#include "support/gradcheck.hpp"

using namespace symphonic;
using nn::Index;
using nn::Mode;
using symphonic_test::numeric_gradient;
using symphonic_test::random_matrix;
using symphonic_test::relative_error;
using symphonic_test::report;
using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;

namespace {

constexpr double tolerance = 1e-6;

// loss(y) = sum(R o y), so dy = R.
double weighted_sum(const Mat& y, const Mat& r) { return y.cwiseProduct(r).sum(); }

// A layer's own flat arrays, laid out from its describe().
struct Arrays {
  nn::ParameterLayout layout;
  Vec params, grads, buffers;
  template <class Layer>
  explicit Arrays(Layer& layer, std::uint64_t seed = 0) {
    layer.describe(layout, "layer");
    params = seed ? Vec(random_matrix(layout.parameter_count(), 1, static_cast<unsigned>(seed))) : Vec::Zero(layout.parameter_count());
    grads = Vec::Zero(layout.parameter_count());
    buffers = Vec::Zero(layout.buffer_count());
    layer.bind(layout, nn::Flat<double>{params.data(), grads.data(), buffers.data()});
  }
};

}  // namespace

TEST_SUITE("nn") {

TEST_CASE("layout: tensors in describe order, parameters and buffers apart, names unique") {
  nn::ParameterLayout layout;
  nn::BatchNorm<double> bn(3);
  nn::Dense<double> dense(3, 2);
  bn.describe(layout, "bn1");
  dense.describe(layout, "dense1");
  CHECK(layout.parameter_count() == 3 + 3 + 6 + 2);
  CHECK(layout.buffer_count() == 6);
  const auto& t = layout.tensors();
  REQUIRE(t.size() == 6);
  CHECK(t[0].name == "bn1.weight");
  CHECK(t[2].name == "bn1.running_mean");
  CHECK(t[2].kind == nn::TensorKind::buffer);
  CHECK(t[3].name == "bn1.running_var");
  CHECK(t[3].offset == 3);  // second buffer
  CHECK(t[4].name == "dense1.weight");
  CHECK(t[4].offset == 6);  // after gamma and beta
  CHECK(t[4].shape == std::vector<std::int64_t>{2, 3});
  CHECK(t[5].offset == 12);
  CHECK_THROWS_AS(dense.describe(layout, "dense1"), nn::ConfigError);
}

TEST_CASE("dense: forward is W x + b and backward matches finite differences") {
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    backend::cpu::ThreadPool pool(threads);
    nn::Dense<double> dense(4, 3);
    Arrays a(dense, 1);
    Mat x = random_matrix(4, 5, 2), r = random_matrix(3, 5, 3), y, dx;
    dense.forward(pool, x, y);
    Eigen::Map<Eigen::Matrix<double, 3, 4, Eigen::RowMajor>> W(a.params.data());
    Eigen::Map<Vec> b(a.params.data() + 12, 3);
    CHECK(relative_error(y, Mat((W * x).colwise() + b)) < 1e-15);
    dense.backward(pool, x, r, dx);
    auto loss = [&] { Mat out; dense.forward(pool, x, out); return weighted_sum(out, r); };
    const double ep = relative_error(a.grads, numeric_gradient(a.params, loss));
    const double ex = relative_error(dx, numeric_gradient(x, loss));
    report("dense params", ep);
    report("dense input", ex);
    CHECK(ep < tolerance);
    CHECK(ex < tolerance);
    SUBCASE("backward adds into the gradient buffer") {
      const Vec once = a.grads;
      dense.backward(pool, x, r, dx);
      CHECK(relative_error(a.grads, Vec(2 * once)) < 1e-15);
    }
    CHECK_THROWS_AS(dense.forward(pool, Mat::Zero(5, 2), y), nn::ShapeError);
  }
}

TEST_CASE("relu: zeroes negatives and passes gradients only where the input is positive") {
  nn::Relu<double> relu;
  Mat x = random_matrix(6, 4, 4);
  for (Index i = 0; i < x.size(); ++i)
    if (std::abs(x.data()[i]) < 0.05) x.data()[i] = 0.5;  // keep away from the kink
  Mat r = random_matrix(6, 4, 5), y, dx;
  relu.forward(x, y);
  CHECK(y.minCoeff() >= 0.0);
  CHECK(relative_error(y, Mat(x.cwiseMax(0.0))) == 0.0);
  relu.backward(y, r, dx);
  auto loss = [&] { Mat out; relu.forward(x, out); return weighted_sum(out, r); };
  const double e = relative_error(dx, numeric_gradient(x, loss));
  report("relu input", e);
  CHECK(e < tolerance);
}

TEST_CASE("dropout: inverted, drawn by counter, rate 0.3, identity at inference") {
  backend::cpu::ThreadPool pool(2);
  nn::Dropout<double> dropout(0.3, 9);
  nn::Dropout<double>::Cache cache;
  Mat x = Mat::Ones(400, 200), y, dx;  // 80,000 elements: the mask is drawn on both threads
  dropout.forward(pool, x, y, cache, Mode::train, 42);
  const double dropped = static_cast<double>((y.array() == 0.0).count()) / static_cast<double>(y.size());
  CHECK(dropped == doctest::Approx(0.3).epsilon(0.02));
  CHECK(((y.array() == 0.0) || ((y.array() - 1.0 / 0.7).abs() < 1e-15)).all());
  CHECK(y.mean() == doctest::Approx(1.0).epsilon(0.01));  // expectation preserved
  SUBCASE("a mask element is a pure function of (key, stream, index), whatever the threads") {
    backend::cpu::ThreadPool one(1);
    Mat y1;
    nn::Dropout<double>::Cache c1;
    dropout.forward(one, x, y1, c1, Mode::train, 42);
    CHECK(y1 == y);
    const std::uint64_t below = common::drop_threshold(0.3);
    for (Index i : {Index(0), Index(17), Index(79999)})
      CHECK((cache.mask.data()[i] != 0.0) == common::counter_keep(42, 9, static_cast<std::uint64_t>(i), below));
    dropout.forward(one, x, y1, c1, Mode::train, 43);
    CHECK(y1 != y);  // another key (the next step), another mask
    nn::Dropout<double> other_stream(0.3, 10);
    other_stream.forward(one, x, y1, c1, Mode::train, 42);
    CHECK(y1 != y);  // another dropout of the same step, another mask
  }
  SUBCASE("backward uses the forward's mask and matches finite differences") {
    Mat xs = random_matrix(5, 7, 6), r = random_matrix(5, 7, 7), out;
    dropout.forward(pool, xs, out, cache, Mode::train, 7);
    dropout.backward(r, dx, cache);
    CHECK(((dx.array() == 0.0) == (out.array() == 0.0)).all());
    auto loss = [&] { Mat o; nn::Dropout<double>::Cache c; dropout.forward(pool, xs, o, c, Mode::train, 7); return weighted_sum(o, r); };
    const double e = relative_error(dx, numeric_gradient(xs, loss));
    report("dropout input", e);
    CHECK(e < tolerance);
  }
  SUBCASE("inference passes everything through") {
    dropout.forward(pool, x, y, cache, Mode::infer, 42);
    CHECK(y == x);
    dropout.backward(x, dx, cache);
    CHECK(dx == x);
  }
  CHECK_THROWS_AS(nn::Dropout<double>(1.0), nn::ConfigError);
  CHECK_THROWS_AS(nn::Dropout<double>(-0.1), nn::ConfigError);
}

TEST_CASE("batch norm: batch statistics in training, running statistics at inference") {
  nn::BatchNorm<double> bn(3, nn::BatchNormOptions{0.9, 1e-3, false});
  Arrays a(bn);
  bn.initialize();
  Vec& params = a.params;
  Vec& grads = a.grads;
  Vec& buffers = a.buffers;
  CHECK(params.head(3) == Vec::Ones(3));
  CHECK(buffers.tail(3) == Vec::Ones(3));
  params = random_matrix(6, 1, 8);
  params.head(3).array() += 1.5;
  Mat x = random_matrix(3, 6, 9, 2.0), r = random_matrix(3, 6, 10), y, dx;
  x.row(1).array() += 3.0;
  nn::BatchNorm<double>::Cache cache;
  bn.forward(x, y, cache, Mode::train);
  // closed form for feature 1: normalised with the biased batch variance, then scaled and shifted
  const double mean = x.row(1).mean();
  const double var = (x.row(1).array() - mean).square().mean();
  CHECK(y(1, 2) == doctest::Approx(params(1) * (x(1, 2) - mean) / std::sqrt(var + 1e-3) + params(4)).epsilon(1e-12));
  CHECK(buffers(1) == doctest::Approx(0.1 * mean).epsilon(1e-12));        // 0.9 * 0 + 0.1 mean
  CHECK(buffers(4) == doctest::Approx(0.9 + 0.1 * var).epsilon(1e-12));  // 0.9 * 1 + 0.1 var
  SUBCASE("train-mode backward matches finite differences") {
    bn.backward(r, dx, cache);
    auto loss = [&] { Mat o; nn::BatchNorm<double>::Cache c; bn.forward(x, o, c, Mode::train); return weighted_sum(o, r); };
    const double ep = relative_error(grads, numeric_gradient(params, loss));
    const double ex = relative_error(dx, numeric_gradient(x, loss));
    report("batch norm params (train)", ep);
    report("batch norm input (train)", ex);
    CHECK(ep < tolerance);
    CHECK(ex < tolerance);
  }
  SUBCASE("inference uses the running statistics and its backward matches too") {
    buffers << 0.5, -1.0, 0.25, 2.0, 0.5, 1.5;
    bn.forward(x, y, cache, Mode::infer);
    CHECK(y(2, 3) == doctest::Approx(params(2) * (x(2, 3) - 0.25) / std::sqrt(1.5 + 1e-3) + params(5)).epsilon(1e-12));
    CHECK(buffers(0) == 0.5);  // untouched at inference
    grads.setZero();
    bn.backward(r, dx, cache);
    auto loss = [&] { Mat o; nn::BatchNorm<double>::Cache c; bn.forward(x, o, c, Mode::infer); return weighted_sum(o, r); };
    const double ep = relative_error(grads, numeric_gradient(params, loss));
    const double ex = relative_error(dx, numeric_gradient(x, loss));
    report("batch norm params (infer)", ep);
    report("batch norm input (infer)", ex);
    CHECK(ep < tolerance);
    CHECK(ex < tolerance);
  }
  SUBCASE("PyTorch's unbiased running variance") {
    nn::BatchNorm<double> torch_bn(3, nn::BatchNormOptions{0.9, 1e-3, true});
    Arrays b(torch_bn);
    torch_bn.initialize();
    nn::BatchNorm<double>::Cache c;
    torch_bn.forward(x, y, c, Mode::train);
    CHECK(b.buffers(4) == doctest::Approx(0.9 + 0.1 * var * 6.0 / 5.0).epsilon(1e-12));
  }
}

TEST_CASE("batch norm: a replica without columns of the batch joins the replica sums with zeros") {
  // With data-parallel training a rank can get no rows of a small last batch; synchronised batch
  // norm still needs its part in every sum, or the other ranks would wait for it.
  namespace cpu = symphonic::backend::cpu;
  const Eigen::Index F = 3;
  std::vector<double> gamma(F, 1.5), beta(F, 0.25), mean(F, 0.5), var(F, 2.0), rstd(F), dgamma(F, 7.0), dbeta(F, -1.0);
  const cpu::BatchNormParams<double> p{gamma.data(), beta.data(), mean.data(), var.data(), 0.9, 1e-3, true};
  std::vector<std::vector<double>> sums;
  // the other replica's part: 4 columns whose rows all have mean 1 and variance 4
  const cpu::ReplicaSum replicas = [&](double* v, Eigen::Index n) {
    sums.emplace_back(v, v + n);
    if (sums.size() == 1) for (Eigen::Index f = 0; f < F; ++f) v[f] += 4.0;        // row sums of x
    if (sums.size() == 2) for (Eigen::Index f = 0; f < F; ++f) v[f] += 4.0 * 4.0;  // of (x - mean)^2
    if (n == F + 1) v[F] += 4.0;                                             // the column count
  };
  const Eigen::Index N = cpu::batch_norm_forward<double>(F, 0, nullptr, p, true, nullptr, rstd.data(), nullptr, &replicas);
  CHECK(N == 4);
  REQUIRE(sums.size() == 2);
  for (const auto& s : sums) CHECK(s == std::vector<double>(F + 1, 0.0));  // nothing of its own
  for (Eigen::Index f = 0; f < F; ++f) {
    CHECK(mean[f] == doctest::Approx(0.9 * 0.5 + 0.1 * 1.0));
    CHECK(var[f] == doctest::Approx(0.9 * 2.0 + 0.1 * 4.0 * 4.0 / 3.0));  // unbiased over N = 4
    CHECK(rstd[f] == doctest::Approx(1.0 / std::sqrt(4.0 + 1e-3)));
  }
  cpu::batch_norm_backward<double>(F, 0, nullptr, nullptr, rstd.data(), gamma.data(), true, dgamma.data(),
                                   dbeta.data(), nullptr, N, &replicas);
  REQUIRE(sums.size() == 3);
  CHECK(sums[2] == std::vector<double>(2 * F, 0.0));
  CHECK(dgamma == std::vector<double>(F, 7.0));
  CHECK(dbeta == std::vector<double>(F, -1.0));
}

TEST_CASE("softmax cross-entropy: fused loss and gradient, finite on huge logits") {
  using Xent = nn::SoftmaxCrossEntropy<double>;
  backend::cpu::ThreadPool pool(2);
  Xent::Cache cache;
  Mat z = random_matrix(5, 4, 11, 3.0), dz;
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> t(4);
  t << 0, 4, 2, 2;
  Index correct = 0;
  const double loss = Xent::forward(pool, z, t, cache, &correct);
  double expected = 0;
  Index hits = 0;
  for (Index j = 0; j < 4; ++j) {
    expected -= std::log(std::exp(z(t[j], j)) / z.col(j).array().exp().sum());
    Index best;
    z.col(j).maxCoeff(&best);
    hits += best == t[j];
  }
  CHECK(loss == doctest::Approx(expected / 4).epsilon(1e-13));
  CHECK(correct == hits);
  Xent::backward(cache, dz);
  auto f = [&] { Xent::Cache c; return Xent::forward(pool, z, t, c); };
  const double e = relative_error(dz, numeric_gradient(z, f));
  report("softmax cross-entropy logits", e);
  CHECK(e < tolerance);
  SUBCASE("the loss of 4,000 columns is the same on one thread and two") {
    Mat many = random_matrix(7, 4000, 12, 2.0);
    Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> tm(4000);
    for (Index j = 0; j < 4000; ++j) tm[j] = static_cast<std::int32_t>(j % 7);
    backend::cpu::ThreadPool one(1);
    Xent::Cache c1, c2;
    const double l1 = Xent::forward(one, many, tm, c1), l2 = Xent::forward(pool, many, tm, c2);
    CHECK(l1 == doctest::Approx(l2).epsilon(1e-14));
    CHECK(c1.probabilities == c2.probabilities);
  }
  SUBCASE("logits of magnitude 1e4 give finite values") {
    Mat big(3, 2);
    big << 1e4, -1e4, -1e4, 1e4, 0, 0;
    Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> tb(2);
    tb << 1, 1;
    const double l = Xent::forward(pool, big, tb, cache);
    CHECK(std::isfinite(l));
    CHECK(l == doctest::Approx(1e4));  // column 0: -log softmax = 2e4, column 1: 0
    Xent::backward(cache, dz);
    CHECK(dz.allFinite());
  }
  SUBCASE("float logits of magnitude 1e30 stay finite") {
    nn::SoftmaxCrossEntropy<float>::Cache cf;
    Eigen::MatrixXf big(2, 1);
    big << 1e30f, -1e30f;
    Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> tb(1);
    tb << 0;
    CHECK(nn::SoftmaxCrossEntropy<float>::forward(pool, big, tb, cf) == 0.0);
    Eigen::MatrixXf d;
    nn::SoftmaxCrossEntropy<float>::backward(cf, d);
    CHECK(d.allFinite());
  }
  SUBCASE("a target outside the classes is rejected") {
    t << 0, 5, 1, 1;
    CHECK_THROWS_AS(Xent::forward(pool, z, t, cache), nn::IdError);
  }
}

TEST_CASE("embedding and scalar input: lookups, gradient and id checks") {
  nn::Embedding<double> emb(6, 3);
  Arrays a(emb, 12);
  nn::IdMatrix ids(2, 3);  // batch 2, 3 steps
  ids << 0, 5, 2,
         5, 1, 0;
  Mat y, r = random_matrix(3, 6, 13);
  emb.forward(ids, y);
  CHECK(y.col(1 * 2 + 0) == a.params.segment(5 * 3, 3));  // step 1 of sequence 0 is token 5, row 5 of [V, E]
  emb.backward(ids, r);
  auto loss = [&] { Mat o; emb.forward(ids, o); return weighted_sum(o, r); };
  const double e = relative_error(a.grads, numeric_gradient(a.params, loss));
  report("embedding weight", e);
  CHECK(e < tolerance);
  ids(1, 2) = 6;
  CHECK_THROWS_AS(emb.forward(ids, y), nn::IdError);
  ids(1, 2) = -1;
  CHECK_THROWS_AS(emb.forward(ids, y), nn::IdError);

  nn::ScalarInput<double> scalar(358);
  nn::IdMatrix one(1, 2);
  one << 179, 357;
  scalar.forward(one, y);
  CHECK(y(0, 0) == 0.5);
  CHECK(y(0, 1) == 357.0 / 358.0);
  one(0, 1) = 358;
  CHECK_THROWS_AS(scalar.forward(one, y), nn::IdError);
}

TEST_CASE("lstm: one step with hand-derived gate values") {
  // zero weights, biases switch gates: i = sigmoid(b_i), f, g = tanh(b_g), o = sigmoid(b_o)
  backend::cpu::ThreadPool pool(1);
  nn::Lstm<double> lstm(nn::LstmOptions{2, 1, 1, 0.0, 0.0, nn::Init::keras});
  Arrays a(lstm);
  const Index bias = 4 * 2 + 4 * 1;  // after W_ih [4, 2] and W_hh [4, 1]
  a.params.segment(bias, 4) << 2.0, -1.0, 0.5, 1.0;  // b_ih: i, f, g, o
  a.params.segment(bias + 4, 4) << 0.0, 0.0, 0.25, 0.0;  // b_hh adds to g
  auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  nn::Lstm<double>::State init = lstm.zero_state(1);
  init.c[0](0, 0) = 0.8;
  Mat x = Mat::Ones(2, 1);
  nn::Lstm<double>::Cache cache;
  lstm.forward(pool, x, 1, cache, Mode::infer, 0, &init);
  const double c = sigmoid(-1.0) * 0.8 + sigmoid(2.0) * std::tanh(0.75);
  CHECK(lstm.final_state(cache).c[0](0, 0) == doctest::Approx(c).epsilon(1e-14));
  CHECK(cache.layers.back().h(0, 0) == doctest::Approx(sigmoid(1.0) * std::tanh(c)).epsilon(1e-14));
}

TEST_CASE("lstm: Keras and PyTorch initialisation") {
  nn::Rng rng(3);
  nn::Lstm<double> keras(nn::LstmOptions{5, 8, 2, 0.0, 0.0, nn::Init::keras});
  Arrays a(keras);
  keras.initialize(rng);
  const Vec& p = a.params;
  // layer 1: W_ih [32, 8] then W_hh [32, 8], columns of W_hh orthonormal
  const Index off1 = keras.layer_parameter_count(0);
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> whh(p.data() + off1 + 32 * 8, 32, 8);
  CHECK((whh.transpose() * whh - Mat::Identity(8, 8)).norm() < 1e-12);
  Eigen::Map<const Vec> bih(p.data() + 4 * 8 * 5 + 4 * 8 * 8, 32);
  CHECK(bih.segment(8, 8) == Vec::Ones(8));    // forget gate
  CHECK(bih.head(8) == Vec::Zero(8));
  const double limit = std::sqrt(6.0 / (5 + 32));
  CHECK(p.head(32 * 5).cwiseAbs().maxCoeff() <= limit);
  CHECK(p.head(32 * 5).cwiseAbs().maxCoeff() > 0.8 * limit);

  nn::Lstm<double> torch(nn::LstmOptions{5, 8, 2, 0.0, 0.0, nn::Init::torch});
  Arrays b(torch);
  torch.initialize(rng);
  CHECK(b.params.cwiseAbs().maxCoeff() <= 1.0 / std::sqrt(8.0));
  CHECK(b.params.cwiseAbs().maxCoeff() > 0.9 / std::sqrt(8.0));
}

TEST_CASE("lstm: backward through time matches finite differences") {
  struct Case { const char* name; Index layers, steps, batch; double recurrent_dropout, dropout; };
  for (int threads : {1, 2, 3})
  for (const Case& k : {Case{"one layer, one step", 1, 1, 2, 0.0, 0.0}, Case{"one layer, bptt over 8 steps", 1, 8, 2, 0.0, 0.0},
                        Case{"three layers, 9 steps, recurrent dropout 0.3, dropout 0.25", 3, 9, 5, 0.3, 0.25}}) {
    CAPTURE(threads);
    CAPTURE(k.name);
    backend::cpu::ThreadPool pool(threads);
    nn::Rng rng(7);
    const Index I = 3, H = 4, B = k.batch;
    nn::Lstm<double> lstm(nn::LstmOptions{I, H, k.layers, k.recurrent_dropout, k.dropout, nn::Init::torch});
    Arrays a(lstm);
    lstm.initialize(rng);
    a.params *= 3.0;  // larger weights exercise the nonlinearities
    nn::Lstm<double>::State init = lstm.zero_state(B);
    for (Index l = 0; l < k.layers; ++l) {
      init.h[static_cast<std::size_t>(l)] = random_matrix(H, B, 20 + static_cast<unsigned>(l), 0.5);
      init.c[static_cast<std::size_t>(l)] = random_matrix(H, B, 30 + static_cast<unsigned>(l), 0.5);
    }
    Mat x = random_matrix(I, k.steps * B, 14), r = random_matrix(H, k.steps * B, 15), dx;
    // the final h enters the loss as well (the top layer's h_T is the last block of y)
    Mat rh = random_matrix(H, B, 16);
    nn::Lstm<double>::Cache cache;
    auto loss = [&] {
      nn::Lstm<double>::Cache c;  // key 99: the same dropout masks at every evaluation
      lstm.forward(pool, x, B, c, Mode::train, 99, &init);
      return weighted_sum(c.layers.back().h, r) + weighted_sum(lstm.final_state(c).h.back(), rh);
    };
    lstm.forward(pool, x, B, cache, Mode::train, 99, &init);
    Mat dy = r;
    dy.rightCols(B) += rh;
    nn::Lstm<double>::State dinit;
    lstm.backward(pool, dy, &dx, cache, &dinit);
    const double ep = relative_error(a.grads, numeric_gradient(a.params, loss));
    const double ex = relative_error(dx, numeric_gradient(x, loss));
    const double eh = relative_error(dinit.h[0], numeric_gradient(init.h[0], loss));
    const double ec = relative_error(dinit.c.back(), numeric_gradient(init.c.back(), loss));
    report("lstm params", ep);
    report("lstm input", ex);
    report("lstm h0", eh);
    report("lstm c0", ec);
    CHECK(ep < tolerance);
    CHECK(ex < tolerance);
    CHECK(eh < tolerance);
    CHECK(ec < tolerance);
    if (k.recurrent_dropout > 0) {
      // one recurrent mask per sequence: the same H x B mask at every step, some units dropped
      const auto& m = cache.layers[0].recurrent_mask;
      CHECK(m.rows() == H);
      CHECK(m.cols() == B);
      CHECK((m.array() == 0.0).count() > 0);
    }
  }
}

TEST_CASE("lstm: bad shapes are rejected") {
  backend::cpu::ThreadPool pool(1);
  nn::Lstm<double> lstm(nn::LstmOptions{3, 4, 2, 0.0, 0.0, nn::Init::keras});
  Arrays a(lstm);
  nn::Lstm<double>::Cache cache;
  CHECK_THROWS_AS(lstm.forward(pool, Mat::Zero(2, 6), 2, cache, Mode::train), nn::ShapeError);
  CHECK_THROWS_AS(lstm.forward(pool, Mat::Zero(3, 7), 2, cache, Mode::train), nn::ShapeError);
  auto s = lstm.zero_state(3);
  CHECK_THROWS_AS(lstm.forward(pool, Mat::Zero(3, 6), 2, cache, Mode::train, 0, &s), nn::ShapeError);
  CHECK_THROWS_AS(nn::Lstm<double>(nn::LstmOptions{3, 4, 2, 1.0, 0.0, nn::Init::keras}), nn::ConfigError);
}

}  // TEST_SUITE
