// Benchmarks of the recipe model (scalar input, LSTM 512 x 3, BatchNorm, Dropout, Dense 256,
// ReLU, BatchNorm, Dropout, Dense 358; T = 100) in float: forward, backward, one full training
// step (forward, backward, RMSprop update over the flat buffers), at batch 64 and 128.
// GFLOP/s counts the matrix products only: Model::forward_flops for a forward, 2x for a backward,
// 3x for a training step (3.15 GFLOP per sequence). Threads: Eigen's GEMM runs on one thread
// unless the program is built with OpenMP (then OMP_NUM_THREADS). See docs/nn.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>

#include <symphonic/nn/nn.hpp>

namespace {

using namespace symphonic;

constexpr int kVocab = 358, kSteps = 100;

struct Setup {
  nn::Model<float> model;
  nn::IdMatrix inputs, targets;
  Eigen::VectorXf mean_square;

  explicit Setup(int batch) : model(nn::ModelConfig::preset("recipe", kVocab), 1) {
    nn::Rng rng(5);
    inputs.resize(batch, kSteps);
    targets.resize(batch, 1);
    for (nn::Index i = 0; i < inputs.size(); ++i) inputs.data()[i] = static_cast<std::int32_t>(rng.next() % kVocab);
    for (nn::Index i = 0; i < targets.size(); ++i) targets.data()[i] = static_cast<std::int32_t>(rng.next() % kVocab);
    mean_square = Eigen::VectorXf::Zero(model.parameter_count());
  }

  // RMSprop with Keras' defaults (lr 1e-3, rho 0.9, eps 1e-7), the recipe's optimizer.
  void rmsprop() {
    const auto& g = model.gradients();
    mean_square = 0.9f * mean_square + 0.1f * g.cwiseProduct(g);
    model.parameters().array() -= 1e-3f * g.array() / (mean_square.array().sqrt() + 1e-7f);
  }
};

void set_counters(benchmark::State& state, const Setup& s, double flop_multiple) {
  const double flops = flop_multiple * s.model.forward_flops(s.inputs.rows(), kSteps);
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["seq/s"] = benchmark::Counter(static_cast<double>(s.inputs.rows()), benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * s.inputs.rows() * kSteps);  // tokens/s
}

void BM_Recipe_Forward(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto r = s.model.forward(s.inputs, s.targets, nn::Mode::train);
    benchmark::DoNotOptimize(r);
  }
  set_counters(state, s, 1.0);
}

void BM_Recipe_Backward(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    s.model.forward(s.inputs, s.targets, nn::Mode::train);
    s.model.zero_grad();
    state.ResumeTiming();
    s.model.backward();
    benchmark::DoNotOptimize(s.model.gradients().data());
  }
  set_counters(state, s, 2.0);
}

void BM_Recipe_TrainStep(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    s.model.zero_grad();
    auto r = s.model.forward(s.inputs, s.targets, nn::Mode::train);
    s.model.backward();
    s.rmsprop();
    benchmark::DoNotOptimize(r);
  }
  set_counters(state, s, 3.0);
}

// One LSTM layer stack alone, forward, over growing sequence length: BPTT cost is linear in T.
void BM_Lstm_Forward(benchmark::State& state) {
  const nn::Index batch = 32, steps = state.range(0);
  nn::Rng rng(9);
  nn::Lstm<float> lstm(nn::LstmOptions{64, 256, 1, 0.0, 0.0, nn::Init::keras}, &rng);
  Eigen::VectorXf p = Eigen::VectorXf::Zero(lstm.parameter_count()), g = p;
  lstm.bind(p.data(), g.data());
  lstm.initialize(rng);
  Eigen::MatrixXf x = Eigen::MatrixXf::Random(64, steps * batch), y;
  for (auto _ : state) {
    lstm.forward(x, batch, y, nn::Mode::infer);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetComplexityN(steps);
  state.counters["GFLOP/s"] = benchmark::Counter(lstm.forward_flops(batch, steps) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_Recipe_Forward)->Arg(64)->Arg(128)->ArgName("batch")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Recipe_Backward)->Arg(64)->Arg(128)->ArgName("batch")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Recipe_TrainStep)->Arg(64)->Arg(128)->ArgName("batch")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Lstm_Forward)->RangeMultiplier(2)->Range(16, 128)->ArgName("steps")->Unit(benchmark::kMillisecond)->UseRealTime()->Complexity(benchmark::oN);
