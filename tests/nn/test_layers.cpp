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
using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;

namespace {

constexpr double tolerance = 1e-6;

void report(const char* what, double err) {
  if (std::getenv("SYMPHONIC_GRADCHECK_VERBOSE")) std::cout << "gradcheck " << what << ": " << err << "\n";
}

// loss(y) = sum(R o y), so dy = R.
double weighted_sum(const Mat& y, const Mat& r) { return y.cwiseProduct(r).sum(); }

}  // namespace

TEST_SUITE("nn") {

TEST_CASE("dense: forward is W x + b and backward matches finite differences") {
  nn::Dense<double> dense(4, 3);
  Vec params = random_matrix(dense.parameter_count(), 1, 1), grads = Vec::Zero(dense.parameter_count());
  dense.bind(params.data(), grads.data());
  Mat x = random_matrix(4, 5, 2), r = random_matrix(3, 5, 3), y, dx;
  dense.forward(x, y, Mode::train);
  Eigen::Map<Eigen::Matrix<double, 3, 4, Eigen::RowMajor>> W(params.data());
  Eigen::Map<Vec> b(params.data() + 12, 3);
  CHECK(relative_error(y, Mat((W * x).colwise() + b)) < 1e-15);
  dense.backward(r, dx);
  auto loss = [&] { Mat out; dense.forward(x, out, Mode::train); return weighted_sum(out, r); };
  const double ep = relative_error(grads, numeric_gradient(params, loss));
  const double ex = relative_error(dx, numeric_gradient(x, loss));
  report("dense params", ep);
  report("dense input", ex);
  CHECK(ep < tolerance);
  CHECK(ex < tolerance);
  SUBCASE("backward adds into the gradient buffer") {
    const Vec once = grads;
    dense.forward(x, y, Mode::train);
    dense.backward(r, dx);
    CHECK(relative_error(grads, Vec(2 * once)) < 1e-15);
  }
  CHECK_THROWS_AS(dense.forward(Mat::Zero(5, 2), y, Mode::train), nn::ShapeError);
}

TEST_CASE("relu: zeroes negatives and passes gradients only where the input is positive") {
  nn::Relu<double> relu;
  Mat x = random_matrix(6, 4, 4);
  for (Index i = 0; i < x.size(); ++i)
    if (std::abs(x.data()[i]) < 0.05) x.data()[i] = 0.5;  // keep away from the kink
  Mat r = random_matrix(6, 4, 5), y, dx;
  relu.forward(x, y, Mode::train);
  CHECK(y.minCoeff() >= 0.0);
  CHECK(relative_error(y, Mat(x.cwiseMax(0.0))) == 0.0);
  relu.backward(r, dx);
  auto loss = [&] { Mat out; relu.forward(x, out, Mode::train); return weighted_sum(out, r); };
  const double e = relative_error(dx, numeric_gradient(x, loss));
  report("relu input", e);
  CHECK(e < tolerance);
}

TEST_CASE("dropout: inverted, seeded, rate 0.3, identity at inference") {
  nn::Rng rng(42);
  nn::Dropout<double> dropout(0.3, &rng);
  Mat x = Mat::Ones(100, 200), y, dx;
  dropout.forward(x, y, Mode::train);
  const double dropped = static_cast<double>((y.array() == 0.0).count()) / static_cast<double>(y.size());
  CHECK(dropped == doctest::Approx(0.3).epsilon(0.05));
  CHECK(((y.array() == 0.0) || ((y.array() - 1.0 / 0.7).abs() < 1e-15)).all());
  CHECK(y.mean() == doctest::Approx(1.0).epsilon(0.03));  // expectation preserved
  SUBCASE("the same seed gives the same mask") {
    nn::Rng other(42);
    nn::Dropout<double> twin(0.3, &other);
    Mat y2;
    twin.forward(x, y2, Mode::train);
    CHECK(y2 == y);
  }
  SUBCASE("backward uses the forward's mask and matches finite differences") {
    Mat xs = random_matrix(5, 7, 6), r = random_matrix(5, 7, 7), out;
    const std::uint64_t state = rng.state();
    dropout.forward(xs, out, Mode::train);
    dropout.backward(r, dx);
    CHECK(((dx.array() == 0.0) == (out.array() == 0.0)).all());
    auto loss = [&] { rng.set_state(state); Mat o; dropout.forward(xs, o, Mode::train); return weighted_sum(o, r); };
    const double e = relative_error(dx, numeric_gradient(xs, loss));
    report("dropout input", e);
    CHECK(e < tolerance);
  }
  SUBCASE("inference passes everything through") {
    dropout.forward(x, y, Mode::infer);
    CHECK(y == x);
    dropout.backward(x, dx);
    CHECK(dx == x);
  }
  CHECK_THROWS_AS(nn::Dropout<double>(1.0, &rng), nn::ConfigError);
  CHECK_THROWS_AS(nn::Dropout<double>(-0.1, &rng), nn::ConfigError);
}

TEST_CASE("batch norm: batch statistics in training, running statistics at inference") {
  nn::BatchNorm<double> bn(3, nn::BatchNormOptions{0.9, 1e-3, false});
  Vec params(6), grads = Vec::Zero(6), buffers(6);
  bn.bind(params.data(), grads.data());
  bn.bind_buffers(buffers.data());
  bn.initialize();
  CHECK(params.head(3) == Vec::Ones(3));
  CHECK(buffers.tail(3) == Vec::Ones(3));
  params = random_matrix(6, 1, 8);
  params.head(3).array() += 1.5;
  Mat x = random_matrix(3, 6, 9, 2.0), r = random_matrix(3, 6, 10), y, dx;
  x.row(1).array() += 3.0;
  bn.forward(x, y, Mode::train);
  // closed form for feature 1: normalised with the biased batch variance, then scaled and shifted
  const double mean = x.row(1).mean();
  const double var = (x.row(1).array() - mean).square().mean();
  CHECK(y(1, 2) == doctest::Approx(params(1) * (x(1, 2) - mean) / std::sqrt(var + 1e-3) + params(4)).epsilon(1e-12));
  CHECK(buffers(1) == doctest::Approx(0.1 * mean).epsilon(1e-12));        // 0.9 * 0 + 0.1 mean
  CHECK(buffers(4) == doctest::Approx(0.9 + 0.1 * var).epsilon(1e-12));  // 0.9 * 1 + 0.1 var
  SUBCASE("train-mode backward matches finite differences") {
    bn.backward(r, dx);
    const Vec saved_buffers = buffers;
    auto loss = [&] { Mat o; bn.forward(x, o, Mode::train); return weighted_sum(o, r); };
    const double ep = relative_error(grads, numeric_gradient(params, loss));
    const double ex = relative_error(dx, numeric_gradient(x, loss));
    report("batch norm params (train)", ep);
    report("batch norm input (train)", ex);
    CHECK(ep < tolerance);
    CHECK(ex < tolerance);
    (void)saved_buffers;
  }
  SUBCASE("inference uses the running statistics and its backward matches too") {
    buffers << 0.5, -1.0, 0.25, 2.0, 0.5, 1.5;
    bn.forward(x, y, Mode::infer);
    CHECK(y(2, 3) == doctest::Approx(params(2) * (x(2, 3) - 0.25) / std::sqrt(1.5 + 1e-3) + params(5)).epsilon(1e-12));
    CHECK(buffers(0) == 0.5);  // untouched at inference
    grads.setZero();
    bn.backward(r, dx);
    auto loss = [&] { Mat o; bn.forward(x, o, Mode::infer); return weighted_sum(o, r); };
    const double ep = relative_error(grads, numeric_gradient(params, loss));
    const double ex = relative_error(dx, numeric_gradient(x, loss));
    report("batch norm params (infer)", ep);
    report("batch norm input (infer)", ex);
    CHECK(ep < tolerance);
    CHECK(ex < tolerance);
  }
  SUBCASE("PyTorch's unbiased running variance") {
    nn::BatchNorm<double> torch_bn(3, nn::BatchNormOptions{0.9, 1e-3, true});
    Vec p2 = Vec::Ones(6), g2 = Vec::Zero(6), b2(6);
    torch_bn.bind(p2.data(), g2.data());
    torch_bn.bind_buffers(b2.data());
    torch_bn.initialize();
    torch_bn.forward(x, y, Mode::train);
    CHECK(b2(4) == doctest::Approx(0.9 + 0.1 * var * 6.0 / 5.0).epsilon(1e-12));
  }
}

TEST_CASE("softmax cross-entropy: fused loss and gradient, finite on huge logits") {
  nn::SoftmaxCrossEntropy<double> xent;
  Mat z = random_matrix(5, 4, 11, 3.0), dz;
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> t(4);
  t << 0, 4, 2, 2;
  Index correct = 0;
  const double loss = xent.forward(z, t, &correct);
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
  xent.backward(dz);
  auto f = [&] { return xent.forward(z, t); };
  const double e = relative_error(dz, numeric_gradient(z, f));
  report("softmax cross-entropy logits", e);
  CHECK(e < tolerance);
  SUBCASE("logits of magnitude 1e4 give finite values") {
    Mat big(3, 2);
    big << 1e4, -1e4, -1e4, 1e4, 0, 0;
    Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> tb(2);
    tb << 1, 1;
    const double l = xent.forward(big, tb);
    CHECK(std::isfinite(l));
    CHECK(l == doctest::Approx(1e4));  // column 0: -log softmax = 2e4, column 1: 0
    xent.backward(dz);
    CHECK(dz.allFinite());
  }
  SUBCASE("float logits of magnitude 1e30 stay finite") {
    nn::SoftmaxCrossEntropy<float> xf;
    Eigen::MatrixXf big(2, 1);
    big << 1e30f, -1e30f;
    Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> tb(1);
    tb << 0;
    CHECK(xf.forward(big, tb) == 0.0);
    Eigen::MatrixXf d;
    xf.backward(d);
    CHECK(d.allFinite());
  }
  SUBCASE("a target outside the classes is rejected") {
    t << 0, 5, 1, 1;
    CHECK_THROWS_AS(xent.forward(z, t), music::VocabularyError);
  }
}

TEST_CASE("embedding and scalar input: lookups, gradient and id checks") {
  nn::Embedding<double> emb(6, 3);
  Vec params = random_matrix(18, 1, 12), grads = Vec::Zero(18);
  emb.bind(params.data(), grads.data());
  nn::IdMatrix ids(2, 3);  // batch 2, 3 steps
  ids << 0, 5, 2, 
         5, 1, 0;
  Mat y, r = random_matrix(3, 6, 13);
  emb.forward(ids, y, Mode::train);
  CHECK(y.col(1 * 2 + 0) == params.segment(5 * 3, 3));  // step 1 of sequence 0 is token 5, row 5 of [V, E]
  emb.backward(r);
  auto loss = [&] { Mat o; emb.forward(ids, o, Mode::train); return weighted_sum(o, r); };
  const double e = relative_error(grads, numeric_gradient(params, loss));
  report("embedding weight", e);
  CHECK(e < tolerance);
  ids(1, 2) = 6;
  CHECK_THROWS_AS(emb.forward(ids, y, Mode::train), music::VocabularyError);
  ids(1, 2) = -1;
  CHECK_THROWS_AS(emb.forward(ids, y, Mode::train), music::VocabularyError);

  nn::ScalarInput<double> scalar(358);
  nn::IdMatrix one(1, 2);
  one << 179, 357;
  scalar.forward(one, y, Mode::train);
  CHECK(y(0, 0) == 0.5);
  CHECK(y(0, 1) == 357.0 / 358.0);
  one(0, 1) = 358;
  CHECK_THROWS_AS(scalar.forward(one, y, Mode::train), music::VocabularyError);
}

TEST_CASE("lstm: one step with hand-derived gate values") {
  // zero weights, biases switch gates: i = sigmoid(b_i), f, g = tanh(b_g), o = sigmoid(b_o)
  nn::Lstm<double> lstm(nn::LstmOptions{2, 1, 1, 0.0, 0.0, nn::Init::keras});
  Vec params = Vec::Zero(lstm.parameter_count()), grads = Vec::Zero(lstm.parameter_count());
  lstm.bind(params.data(), grads.data());
  const Index bias = 4 * 2 + 4 * 1;  // after W_ih [4, 2] and W_hh [4, 1]
  params.segment(bias, 4) << 2.0, -1.0, 0.5, 1.0;  // b_ih: i, f, g, o
  params.segment(bias + 4, 4) << 0.0, 0.0, 0.25, 0.0;  // b_hh adds to g
  auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  nn::Lstm<double>::State init = lstm.zero_state(1);
  init.c[0](0, 0) = 0.8;
  Mat x = Mat::Ones(2, 1), y;
  lstm.forward(x, 1, y, Mode::infer, &init);
  const double c = sigmoid(-1.0) * 0.8 + sigmoid(2.0) * std::tanh(0.75);
  CHECK(lstm.final_state().c[0](0, 0) == doctest::Approx(c).epsilon(1e-14));
  CHECK(y(0, 0) == doctest::Approx(sigmoid(1.0) * std::tanh(c)).epsilon(1e-14));
}

TEST_CASE("lstm: Keras and PyTorch initialisation") {
  nn::Rng rng(3);
  nn::Lstm<double> keras(nn::LstmOptions{5, 8, 2, 0.0, 0.0, nn::Init::keras});
  Vec p = Vec::Zero(keras.parameter_count()), g = Vec::Zero(keras.parameter_count());
  keras.bind(p.data(), g.data());
  keras.initialize(rng);
  // layer 1: W_ih [32, 8] then W_hh [32, 8], columns of W_hh orthonormal
  const Index off1 = keras.layer_parameter_count(0);
  Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> whh(p.data() + off1 + 32 * 8, 32, 8);
  CHECK((whh.transpose() * whh - Mat::Identity(8, 8)).norm() < 1e-12);
  Eigen::Map<Vec> bih(p.data() + 4 * 8 * 5 + 4 * 8 * 8, 32);
  CHECK(bih.segment(8, 8) == Vec::Ones(8));    // forget gate
  CHECK(bih.head(8) == Vec::Zero(8));
  const double limit = std::sqrt(6.0 / (5 + 32));
  CHECK(p.head(32 * 5).cwiseAbs().maxCoeff() <= limit);
  CHECK(p.head(32 * 5).cwiseAbs().maxCoeff() > 0.8 * limit);

  nn::Lstm<double> torch(nn::LstmOptions{5, 8, 2, 0.0, 0.0, nn::Init::torch});
  Vec q = Vec::Zero(torch.parameter_count()), h = Vec::Zero(torch.parameter_count());
  torch.bind(q.data(), h.data());
  torch.initialize(rng);
  CHECK(q.cwiseAbs().maxCoeff() <= 1.0 / std::sqrt(8.0));
  CHECK(q.cwiseAbs().maxCoeff() > 0.9 / std::sqrt(8.0));
}

TEST_CASE("lstm: backward through time matches finite differences") {
  struct Case { const char* name; Index layers, steps; double recurrent_dropout, dropout; };
  for (const Case& k : {Case{"one layer, one step", 1, 1, 0.0, 0.0}, Case{"one layer, bptt over 8 steps", 1, 8, 0.0, 0.0},
                        Case{"three layers, 9 steps, recurrent dropout 0.3, dropout 0.25", 3, 9, 0.3, 0.25}}) {
    CAPTURE(k.name);
    nn::Rng rng(7);
    const Index I = 3, H = 4, B = 2;
    nn::Lstm<double> lstm(nn::LstmOptions{I, H, k.layers, k.recurrent_dropout, k.dropout, nn::Init::torch}, &rng);
    Vec params = Vec::Zero(lstm.parameter_count()), grads = Vec::Zero(lstm.parameter_count());
    lstm.bind(params.data(), grads.data());
    lstm.initialize(rng);
    params *= 3.0;  // larger weights exercise the nonlinearities
    nn::Lstm<double>::State init = lstm.zero_state(B);
    for (Index l = 0; l < k.layers; ++l) {
      init.h[static_cast<std::size_t>(l)] = random_matrix(H, B, 20 + static_cast<unsigned>(l), 0.5);
      init.c[static_cast<std::size_t>(l)] = random_matrix(H, B, 30 + static_cast<unsigned>(l), 0.5);
    }
    Mat x = random_matrix(I, k.steps * B, 14), r = random_matrix(H, k.steps * B, 15), y, dx;
    // the final h enters the loss as well (the top layer's h_T is the last block of y)
    Mat rh = random_matrix(H, B, 16);
    const std::uint64_t state = rng.state();
    auto loss = [&] {
      rng.set_state(state);  // the same dropout masks at every evaluation
      Mat o;
      lstm.forward(x, B, o, Mode::train, &init);
      return weighted_sum(o, r) + weighted_sum(lstm.final_state().h.back(), rh);
    };
    loss();
    Mat dy = r;
    dy.rightCols(B) += rh;
    nn::Lstm<double>::State dinit;
    lstm.backward(dy, dx, &dinit);
    const double ep = relative_error(grads, numeric_gradient(params, loss));
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
      const auto& m = lstm.cache().layers[0].recurrent_mask;
      CHECK(m.rows() == H);
      CHECK(m.cols() == B);
    }
  }
}

TEST_CASE("lstm: bad shapes are rejected") {
  nn::Lstm<double> lstm(nn::LstmOptions{3, 4, 2, 0.0, 0.0, nn::Init::keras});
  Vec p = Vec::Zero(lstm.parameter_count()), g = p;
  lstm.bind(p.data(), g.data());
  Mat y;
  CHECK_THROWS_AS(lstm.forward(Mat::Zero(2, 6), 2, y, Mode::train), nn::ShapeError);
  CHECK_THROWS_AS(lstm.forward(Mat::Zero(3, 7), 2, y, Mode::train), nn::ShapeError);
  auto s = lstm.zero_state(3);
  CHECK_THROWS_AS(lstm.forward(Mat::Zero(3, 6), 2, y, Mode::train, &s), nn::ShapeError);
  CHECK_THROWS_AS(nn::Lstm<double>(nn::LstmOptions{3, 4, 2, 1.0, 0.0, nn::Init::keras}), nn::ConfigError);
}

}  // TEST_SUITE
