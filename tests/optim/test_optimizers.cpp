#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <symphonic/optim/optim.hpp>

#include "support/skip.hpp"

namespace {

using namespace symphonic;

template <class Scalar>
nn::Vector<Scalar> vec(std::initializer_list<double> values) {
  nn::Vector<Scalar> v(static_cast<nn::Index>(values.size()));
  nn::Index i = 0;
  for (double x : values) v[i++] = static_cast<Scalar>(x);
  return v;
}

// One optimizer case of tests/data/optim/torch_reference.txt (see scripts/optim_reference.py).
struct ReferenceCase {
  std::string name, dtype, options;
  std::vector<double> params;
  std::vector<std::vector<double>> grads, expected;
};

struct ReferenceSchedule {
  std::string name;
  std::map<std::string, std::string> settings;
  std::vector<double> metrics, lrs;
};

std::vector<double> read_numbers(std::istringstream& in) {
  std::vector<double> values;
  std::string word;
  while (in >> word) values.push_back(std::strtod(word.c_str(), nullptr));
  return values;
}

void read_reference(std::vector<ReferenceCase>& cases, std::vector<ReferenceSchedule>& schedules) {
  const std::string path = symphonic_test::data_dir() + "/optim/torch_reference.txt";
  std::ifstream file(path);
  REQUIRE_MESSAGE(file.good(), "cannot open " << path);
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "case") {
      ReferenceCase c;
      int n = 0, steps = 0;
      in >> c.name >> c.dtype >> n >> steps;
      std::getline(in, c.options);
      cases.push_back(c);
    } else if (tag == "params") {
      cases.back().params = read_numbers(in);
    } else if (tag == "grad") {
      cases.back().grads.push_back(read_numbers(in));
    } else if (tag == "expect") {
      cases.back().expected.push_back(read_numbers(in));
    } else if (tag == "schedule") {
      ReferenceSchedule s;
      in >> s.name;
      std::string kv;
      while (in >> kv) s.settings[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
      schedules.push_back(s);
    } else if (tag == "metrics") {
      schedules.back().metrics = read_numbers(in);
    } else if (tag == "lrs") {
      schedules.back().lrs = read_numbers(in);
    }
  }
}

template <class Scalar>
void check_against_torch(const ReferenceCase& c, double tolerance) {
  const auto n = static_cast<nn::Index>(c.params.size());
  auto optimizer = optim::make_optimizer<Scalar>(c.options, n);
  nn::Vector<Scalar> params(n), grads(n);
  for (nn::Index i = 0; i < n; ++i) params[i] = static_cast<Scalar>(c.params[static_cast<std::size_t>(i)]);
  double worst = 0;
  for (std::size_t step = 0; step < c.grads.size(); ++step) {
    for (nn::Index i = 0; i < n; ++i) grads[i] = static_cast<Scalar>(c.grads[step][static_cast<std::size_t>(i)]);
    optimizer->step(params, grads);
    for (nn::Index i = 0; i < n; ++i) {
      const double expected = c.expected[step][static_cast<std::size_t>(i)];
      const double error = std::abs(static_cast<double>(params[i]) - expected) / std::max(1.0, std::abs(expected));
      worst = std::max(worst, error);
    }
  }
  INFO(c.name << " " << c.dtype << " (" << c.options << "): worst relative error " << worst);
  CHECK(worst <= tolerance);
  if (std::getenv("SYMPHONIC_PRINT_ERRORS")) MESSAGE(c.name << " " << c.dtype << " " << worst);
  CHECK(optimizer->step_count() == static_cast<std::int64_t>(c.grads.size()));
}

}  // namespace

TEST_SUITE("optim") {

TEST_CASE("optimizers: every step matches torch.optim (reference numbers in tests/data/optim)") {
  std::vector<ReferenceCase> cases;
  std::vector<ReferenceSchedule> schedules;
  read_reference(cases, schedules);
  REQUIRE(cases.size() == 22);
  for (const ReferenceCase& c : cases) {
    REQUIRE(c.grads.size() == 6);
    REQUIRE(c.expected.size() == 6);
    // Same operations in the same order as torch: measured worst errors are 0 to 9e-16 (double)
    // and 0 to 5.4e-7 (float, where torch's kernels fuse or reorder a multiply-add).
    if (c.dtype == "f64")
      check_against_torch<double>(c, 4e-15);
    else
      check_against_torch<float>(c, 1e-6);
  }
}

TEST_CASE("schedules: learning rates match torch.optim.lr_scheduler") {
  std::vector<ReferenceCase> cases;
  std::vector<ReferenceSchedule> schedules;
  read_reference(cases, schedules);
  REQUIRE(schedules.size() == 4);
  for (const ReferenceSchedule& s : schedules) {
    INFO(s.name);
    const double base = std::stod(s.settings.at("base"));
    std::vector<double> lrs;
    if (s.name == "step_lr") {
      optim::StepLr schedule(base, std::stoll(s.settings.at("step_size")), std::stod(s.settings.at("gamma")));
      for (std::size_t i = 0; i < s.lrs.size(); ++i) lrs.push_back(schedule.step());
    } else if (s.name == "exponential_lr") {
      optim::ExponentialLr schedule(base, std::stod(s.settings.at("gamma")));
      for (std::size_t i = 0; i < s.lrs.size(); ++i) lrs.push_back(schedule.step());
    } else {
      optim::ReduceOnPlateauOptions o;
      o.maximize = s.settings.at("mode") == "max";
      o.factor = std::stod(s.settings.at("factor"));
      o.patience = std::stoll(s.settings.at("patience"));
      o.threshold = std::stod(s.settings.at("threshold"));
      o.relative_threshold = s.settings.at("threshold_mode") == "rel";
      o.cooldown = std::stoll(s.settings.at("cooldown"));
      o.min_lr = std::stod(s.settings.at("min_lr"));
      optim::ReduceOnPlateau schedule(base, o);
      for (double metric : s.metrics) lrs.push_back(schedule.step(metric));
    }
    REQUIRE(lrs.size() == s.lrs.size());
    for (std::size_t i = 0; i < lrs.size(); ++i) CHECK(lrs[i] == doctest::Approx(s.lrs[i]).epsilon(1e-13));
  }
}

TEST_CASE_TEMPLATE("sgd: hand-computed momentum and Nesterov steps", Scalar, float, double) {
  // p0 = 1, g = 2 then 4, lr 0.1, momentum 0.5.
  // momentum: buf1 = 2, p1 = 1 - 0.2 = 0.8; buf2 = 0.5*2 + 4 = 5, p2 = 0.8 - 0.5 = 0.3
  // nesterov: buf1 = 2, d1 = 2 + 1 = 3, p1 = 0.7; buf2 = 5, d2 = 4 + 2.5 = 6.5, p2 = 0.05
  for (bool nesterov : {false, true}) {
    optim::SgdOptions o;
    o.learning_rate = 0.1;
    o.momentum = 0.5;
    o.nesterov = nesterov;
    optim::Sgd<Scalar> sgd(1, o);
    nn::Vector<Scalar> p = vec<Scalar>({1.0});
    sgd.step(p, vec<Scalar>({2.0}));
    CHECK(double(p[0]) == doctest::Approx(nesterov ? 0.7 : 0.8).epsilon(1e-6));
    sgd.step(p, vec<Scalar>({4.0}));
    CHECK(double(p[0]) == doctest::Approx(nesterov ? 0.05 : 0.3).epsilon(1e-6));
    REQUIRE(sgd.state_tensors().size() == 1);
    CHECK(sgd.state_tensors()[0].name == "optimizer.momentum_buffer");
    CHECK(double(sgd.state_tensors()[0].data[0]) == doctest::Approx(5.0));
  }
  // weight decay without momentum: p -= lr (g + wd p) = 1 - 0.1 * (2 + 0.5) = 0.75
  optim::SgdOptions o;
  o.learning_rate = 0.1;
  o.weight_decay = 0.5;
  optim::Sgd<Scalar> sgd(1, o);
  nn::Vector<Scalar> p = vec<Scalar>({1.0});
  sgd.step(p, vec<Scalar>({2.0}));
  CHECK(double(p[0]) == doctest::Approx(0.75).epsilon(1e-6));
  CHECK(sgd.state_tensors().empty());
}

TEST_CASE("rmsprop: Keras defaults and the eps-outside-the-root formula, by hand") {
  optim::RmsProp<double> rmsprop(2);
  CHECK(rmsprop.options_text() == "rmsprop lr=0.001 rho=0.9 eps=1e-07 momentum=0 centered=0 weight_decay=0");
  nn::Vector<double> p = vec<double>({1.0, -3.0});
  rmsprop.step(p, vec<double>({1.0, -0.5}));
  // v = 0.1 g^2; p -= 1e-3 g / (sqrt(v) + 1e-7)
  CHECK(p[0] == doctest::Approx(1.0 - 1e-3 * 1.0 / (std::sqrt(0.1) + 1e-7)).epsilon(1e-15));
  CHECK(p[1] == doctest::Approx(-3.0 + 1e-3 * 0.5 / (std::sqrt(0.1 * 0.25) + 1e-7)).epsilon(1e-15));
  rmsprop.step(p, vec<double>({1.0, -0.5}));
  const double v = 0.9 * 0.1 + 0.1;  // second step, same gradient
  CHECK(p[0] == doctest::Approx(1.0 - 1e-3 / (std::sqrt(0.1) + 1e-7) - 1e-3 / (std::sqrt(v) + 1e-7)).epsilon(1e-15));
  REQUIRE(rmsprop.state_tensors().size() == 1);
  CHECK(rmsprop.state_tensors()[0].name == "optimizer.square_avg");
  CHECK(rmsprop.state_tensors()[0].data[0] == doctest::Approx(v));
}

TEST_CASE("adam: the first bias-corrected step is lr * g / (|g| + eps); AdamW decays the weights") {
  optim::AdamOptions o;
  o.learning_rate = 0.1;
  optim::Adam<double> adam(3, o);
  nn::Vector<double> p = vec<double>({1.0, 1.0, 1.0});
  adam.step(p, vec<double>({2.0, -1e-3, 0.0}));
  CHECK(p[0] == doctest::Approx(1.0 - 0.1 * 2.0 / (2.0 + 1e-8)).epsilon(1e-14));
  CHECK(p[1] == doctest::Approx(1.0 + 0.1 * 1e-3 / (1e-3 + 1e-8)).epsilon(1e-14));
  CHECK(p[2] == 1.0);  // zero gradient, zero moments: no move
  // second step with g = 2 again: m = 0.19 / 0.19 = 2, v = 0.003996 / 0.001999 = 4 -> same size
  adam.step(p, vec<double>({2.0, 0.0, 0.0}));
  CHECK(p[0] == doctest::Approx(1.0 - 2 * 0.1 * 2.0 / (2.0 + 1e-8)).epsilon(1e-12));

  o.decoupled = true;
  o.weight_decay = 0.5;
  optim::Adam<double> adamw(1, o);
  nn::Vector<double> q = vec<double>({2.0});
  adamw.step(q, vec<double>({0.0}));
  CHECK(q[0] == doctest::Approx(2.0 * (1 - 0.1 * 0.5)).epsilon(1e-15));
  CHECK(adamw.options_text() == "adamw lr=0.1 beta1=0.9 beta2=0.999 eps=1e-08 weight_decay=0.5");
  const auto names = adamw.state_tensors();
  REQUIRE(names.size() == 2);
  CHECK(names[0].name == "optimizer.exp_avg");
  CHECK(names[1].name == "optimizer.exp_avg_sq");
  CHECK(names[0].shape == std::vector<std::int64_t>{1});
  CHECK_FALSE(names[0].trainable);
}

TEST_CASE("adam: restoring state tensors and the step count resumes exactly") {
  const nn::Index n = 50;
  auto run = [&](int from, int to, optim::Optimizer<float>& opt, nn::Vector<float>& p) {
    for (int s = from; s < to; ++s) {
      nn::Vector<float> g(n);
      for (nn::Index i = 0; i < n; ++i) g[i] = std::sin(0.37f * float(i) + 1.3f * float(s)) + 0.1f * p[i];
      opt.step(p, g);
    }
  };
  nn::Vector<float> straight = nn::Vector<float>::LinSpaced(n, -1, 1);
  auto a = optim::make_optimizer<float>("adam lr=0.01", n);
  run(0, 20, *a, straight);

  nn::Vector<float> resumed = nn::Vector<float>::LinSpaced(n, -1, 1);
  auto b = optim::make_optimizer<float>("adam lr=0.01", n);
  run(0, 8, *b, resumed);
  auto c = optim::make_optimizer<float>(b->options_text(), n);
  const auto from = b->state_tensors();
  const auto to = c->state_tensors();
  for (std::size_t k = 0; k < from.size(); ++k)
    std::copy(from[k].data, from[k].data + from[k].element_count(), to[k].data);
  c->set_step_count(b->step_count());
  run(8, 20, *c, resumed);
  CHECK((resumed.array() == straight.array()).all());
}

TEST_CASE("make_optimizer: options text round trips and bad text is rejected with a reason") {
  for (const char* text : {"sgd lr=0.01 momentum=0.9 dampening=0 nesterov=1 weight_decay=0.0001",
                           "rmsprop lr=0.002 rho=0.95 eps=1e-06 momentum=0.5 centered=1 weight_decay=0",
                           "adam lr=0.0003 beta1=0.8 beta2=0.99 eps=1e-08 weight_decay=0.01",
                           "adamw lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 weight_decay=0.05",
                           "adam lr=0.1234567890123456789"}) {
    auto first = optim::make_optimizer<float>(text, 4);
    auto second = optim::make_optimizer<float>(first->options_text(), 4);
    CHECK(first->options_text() == second->options_text());
    CHECK(first->learning_rate() == second->learning_rate());
  }
  CHECK(optim::make_optimizer<double>("adam lr=0.1234567890123456789", 1)->learning_rate() == 0.1234567890123456789);
  CHECK(optim::make_optimizer<double>("adamw", 1)->options_text() ==
        "adamw lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 weight_decay=0.01");
  CHECK(optim::make_optimizer<double>("adam decoupled=1 weight_decay=0.2", 1)->options_text().rfind("adamw ", 0) == 0);

  CHECK_THROWS_WITH_AS(optim::make_optimizer<float>("adagrad lr=0.1", 3),
                       "[symphonic.optim.options_error] unknown optimizer \"adagrad\" (expected sgd, rmsprop, adam or adamw)",
                       optim::OptionsError);
  CHECK_THROWS_WITH_AS(optim::make_optimizer<float>("sgd lr=0.1 momentun=0.9", 3),
                       "[symphonic.optim.options_error] sgd optimizer key 'momentun' unknown", optim::OptionsError);
  CHECK_THROWS_WITH_AS(optim::make_optimizer<float>("adam lr=fast", 3),
                       "[symphonic.optim.options_error] adam optimizer key 'lr': not a finite number: 'fast'", optim::OptionsError);
  CHECK_THROWS_AS(optim::make_optimizer<float>("adam lr=-1", 3), optim::OptionsError);
  CHECK_THROWS_AS(optim::make_optimizer<float>("adam beta1=1", 3), optim::OptionsError);
  CHECK_THROWS_AS(optim::make_optimizer<float>("adam lr=nan", 3), optim::OptionsError);
  CHECK_THROWS_AS(optim::make_optimizer<float>("rmsprop eps=0", 3), optim::OptionsError);
  CHECK_THROWS_AS(optim::make_optimizer<float>("sgd lr=0.1 lr=0.2", 3), optim::OptionsError);
  CHECK_THROWS_AS(optim::make_optimizer<float>("sgd nesterov=1", 3), optim::OptionsError);
  CHECK_THROWS_AS(optim::make_optimizer<float>("sgd momentum", 3), optim::OptionsError);
  CHECK_THROWS_AS(optim::make_optimizer<float>("", 3), optim::OptionsError);
  CHECK_THROWS_AS(optim::make_optimizer<float>("lr=0.1", 3), optim::OptionsError);
}

TEST_CASE("optimizers: a buffer of the wrong length is a ShapeError, and nothing moves") {
  auto adam = optim::make_optimizer<float>("adam", 4);
  nn::Vector<float> p = nn::Vector<float>::Ones(4);
  CHECK_THROWS_AS(adam->step(p, nn::Vector<float>::Ones(5)), nn::ShapeError);
  nn::Vector<float> wrong = nn::Vector<float>::Ones(3);
  CHECK_THROWS_AS(adam->step(wrong, nn::Vector<float>::Ones(3)), nn::ShapeError);
  CHECK((p.array() == 1.0f).all());
  CHECK(adam->step_count() == 0);
  CHECK_THROWS_AS(adam->set_learning_rate(-0.1), optim::OptionsError);
  adam->set_learning_rate(0.5);
  CHECK(adam->learning_rate() == 0.5);
  CHECK(adam->options_text().rfind("adam lr=0.5 ", 0) == 0);
}

TEST_CASE("optimizers: steps over blocks give the same result as element by element") {
  // 10007 elements cross the 4096-element blocks at uneven places.
  const nn::Index n = 10007;
  for (const char* text : {"sgd lr=0.1 momentum=0.9 nesterov=1 weight_decay=0.01",
                           "rmsprop momentum=0.5 centered=1 weight_decay=0.1", "adam weight_decay=0.1",
                           "adamw"}) {
    auto big = optim::make_optimizer<double>(text, n);
    nn::Vector<double> p = nn::Vector<double>::LinSpaced(n, -2, 2);
    nn::Vector<double> single = p;
    std::vector<std::unique_ptr<optim::Optimizer<double>>> singles;
    for (nn::Index i : {nn::Index(0), nn::Index(4095), nn::Index(4096), nn::Index(10006)})
      singles.push_back(optim::make_optimizer<double>(text, 1)), (void)i;
    const nn::Index probes[] = {0, 4095, 4096, 10006};
    for (int s = 0; s < 3; ++s) {
      nn::Vector<double> g(n);
      for (nn::Index i = 0; i < n; ++i) g[i] = std::cos(0.01 * double(i) * (s + 1));
      big->step(p, g);
      for (int k = 0; k < 4; ++k) {
        nn::Vector<double> one(1), grad(1);
        one[0] = single[probes[k]];
        grad[0] = g[probes[k]];
        singles[static_cast<std::size_t>(k)]->step(one, grad);
        single[probes[k]] = one[0];
      }
    }
    for (nn::Index i : probes) CHECK(p[i] == single[i]);
  }
}

TEST_CASE_TEMPLATE("clip_grad_norm: torch's rule, returns the norm before clipping", Scalar, float, double) {
  nn::Vector<Scalar> g = vec<Scalar>({3.0, 4.0});
  CHECK(optim::global_norm(g) == doctest::Approx(5.0));
  CHECK(optim::clip_grad_norm(g, 10.0) == doctest::Approx(5.0));
  CHECK(double(g[0]) == doctest::Approx(3.0));  // under the limit: unchanged
  CHECK(optim::clip_grad_norm(g, 1.0) == doctest::Approx(5.0));
  CHECK(double(g[0]) == doctest::Approx(3.0 / (5.0 + 1e-6)).epsilon(1e-6));
  CHECK(double(g[1]) == doctest::Approx(4.0 / (5.0 + 1e-6)).epsilon(1e-6));
  CHECK(optim::global_norm(g) == doctest::Approx(1.0).epsilon(1e-6));

  nn::Vector<Scalar> bad = vec<Scalar>({1.0, std::numeric_limits<double>::quiet_NaN()});
  CHECK(std::isnan(optim::clip_grad_norm(bad, 1.0)));
  CHECK(double(bad[0]) == 1.0);
  CHECK_THROWS_AS(optim::clip_grad_norm(g, 0.0), optim::OptionsError);

  nn::Vector<Scalar> v = vec<Scalar>({-3.0, 0.5, 7.0});
  optim::clip_grad_value(v, 1.0);
  CHECK(double(v[0]) == -1.0);
  CHECK(double(v[1]) == 0.5);
  CHECK(double(v[2]) == 1.0);
}

TEST_CASE("global_norm: a million floats keep float accuracy") {
  nn::Vector<float> g = nn::Vector<float>::Constant(1000000, 0.001f);
  CHECK(optim::global_norm(g) == doctest::Approx(std::sqrt(1e6) * double(0.001f)).epsilon(1e-6));
}

TEST_CASE("schedules: closed forms, optimizer updates and resume state") {
  optim::StepLr step(0.1, 2, 0.5);
  CHECK(step.learning_rate() == 0.1);
  CHECK(step.learning_rate_at(5) == doctest::Approx(0.025));
  auto sgd = optim::make_optimizer<float>("sgd lr=0.1", 1);
  step.step(*sgd);
  step.step(*sgd);
  CHECK(sgd->learning_rate() == doctest::Approx(0.05));
  CHECK(step.epoch() == 2);
  step.set_epoch(4);
  CHECK(step.learning_rate() == doctest::Approx(0.025));
  CHECK_THROWS_AS(optim::StepLr(0.1, 0), optim::OptionsError);

  optim::ExponentialLr exp(1.0, 0.5);
  CHECK(exp.step() == 0.5);
  CHECK(exp.step() == 0.25);

  optim::ReduceOnPlateauOptions o;
  o.patience = 1;
  o.factor = 0.5;
  optim::ReduceOnPlateau plateau(1.0, o);
  CHECK(plateau.step(3.0) == 1.0);
  CHECK(plateau.step(3.0) == 1.0);  // one bad epoch, patience 1
  CHECK(plateau.step(3.0) == 0.5);  // two: reduce
  const std::string saved = plateau.state_text();
  optim::ReduceOnPlateau restored(1.0, o);
  restored.load_state_text(saved);
  CHECK(restored.state_text() == saved);
  CHECK(restored.learning_rate() == 0.5);
  CHECK(restored.best() == 3.0);
  CHECK(restored.reductions() == 1);
  for (double metric : {3.0, 2.0, 2.5, 2.5, 2.5}) CHECK(restored.step(metric) == plateau.step(metric));
  optim::ReduceOnPlateau fresh(1.0, o);
  optim::ReduceOnPlateau fresh_copy(1.0, o);
  fresh_copy.load_state_text(fresh.state_text());  // best is still +inf
  CHECK(fresh_copy.step(10.0) == fresh.step(10.0));
  CHECK(fresh_copy.best() == 10.0);
  CHECK_THROWS_AS(fresh.load_state_text("lr=0.1 worst=2"), optim::OptionsError);
  CHECK_THROWS_AS(optim::ReduceOnPlateau(1.0, [] { optim::ReduceOnPlateauOptions b; b.factor = 1.0; return b; }()),
                  optim::OptionsError);
}

}  // TEST_SUITE

TEST_CASE("make_schedule: each text's schedule, restored from its epoch and state text") {
  auto sgd = optim::make_optimizer<float>("sgd lr=0.1", 1);
  for (const char* none : {"", "none"}) {
    auto constant = optim::make_schedule(none, 0.1);
    CHECK(constant->step_epoch(*sgd, 5.0) == 0.1);
    CHECK(constant->state_text().empty());
  }
  auto step = optim::make_schedule("step size=2 gamma=0.5", 0.1);
  CHECK(step->step_epoch(1.0) == 0.1);
  CHECK(step->step_epoch(*sgd, 1.0) == doctest::Approx(0.05));
  CHECK(sgd->learning_rate() == doctest::Approx(0.05));
  auto step_again = optim::make_schedule("step size=2 gamma=0.5", 0.1);
  step_again->restore(2, step->state_text());
  CHECK(step_again->step_epoch(1.0) == step->step_epoch(1.0));
  auto exponential = optim::make_schedule("exponential gamma=0.5", 1.0);
  CHECK(exponential->step_epoch(0.0) == 0.5);
  CHECK(optim::make_schedule("exponential", 1.0)->step_epoch(0.0) == 0.95);  // the default gamma

  auto plateau = optim::make_schedule("plateau factor=0.5 patience=0 min_lr=0.3", 1.0);
  CHECK(plateau->step_epoch(2.0) == 1.0);
  CHECK(plateau->step_epoch(2.0) == 0.5);  // no better: reduced at once (patience 0)
  CHECK(plateau->step_epoch(2.0) == 0.3);  // never below min_lr
  auto plateau_again = optim::make_schedule("plateau factor=0.5 patience=0 min_lr=0.3", 1.0);
  plateau_again->restore(3, plateau->state_text());
  CHECK(plateau_again->state_text() == plateau->state_text());
  for (double metric : {1.0, 1.5, 0.5}) CHECK(plateau_again->step_epoch(metric) == plateau->step_epoch(metric));

  CHECK_THROWS_WITH_AS(optim::make_schedule("cosine", 0.1),
                       "[symphonic.optim.options_error] unknown schedule \"cosine\" (expected none, step, exponential "
                       "or plateau)",
                       optim::OptionsError);
  CHECK_THROWS_WITH_AS(optim::make_schedule("plateau patiense=3", 0.1),
                       "[symphonic.optim.options_error] plateau schedule key 'patiense' unknown", optim::OptionsError);
  CHECK_THROWS_WITH_AS(optim::make_schedule("step size=1.5", 0.1),
                       "[symphonic.optim.options_error] step schedule key 'size': not an integer: '1.5'",
                       optim::OptionsError);
  CHECK_THROWS_WITH_AS(optim::make_schedule("plateau factor", 0.1),
                       "[symphonic.optim.options_error] schedule: expected key=value, got \"factor\"", optim::OptionsError);
  CHECK_THROWS_AS(optim::make_schedule("plateau factor=1", 0.1), optim::OptionsError);  // (0, 1)
  CHECK_THROWS_AS(optim::make_schedule("none gamma=0.5", 0.1), optim::OptionsError);
}
