// Benchmarks of the recipe model (scalar input, LSTM 512 x 3, BatchNorm, Dropout, Dense 256,
// ReLU, BatchNorm, Dropout, Dense 358; T = 100) in float: forward, backward, one full training
// step (forward, backward, RMSprop update over the flat buffers), at batch 64 and 128, on 1 and 2
// threads (Model::set_threads); the default preset's training step (embedding 64, LSTM 256 x 2,
// T = 64, batch 32, a target at every step); and the FMA peak of the same binary on 1 and 2
// threads, the ceiling the GFLOP/s figures are read against. Each step also in bf16 precision
// (bf16=1: the LSTM's products in bf16, nn/precision.hpp) where the CPU has AVX512-BF16.
// GFLOP/s counts the matrix products only: Model::forward_flops for a forward, 2x for a backward,
// 3x for a training step (3.15 GFLOP per recipe sequence). BM_Gemm: the three large products of
// an LSTM 512 layer's training step over T B = 6400 columns, on one thread, by Eigen 3.4 and by
// backend/cpu's gemm_blocked (float, AVX-512); BM_Bf16Gemm: the bf16 products of such a layer, on
// AMX tiles and on AVX512-BF16 vectors. See docs/nn.md.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include <symphonic/backend/cpu/bf16_gemm.hpp>
#include <symphonic/backend/cpu/packed_gemm.hpp>
#include <symphonic/nn/nn.hpp>

namespace {

using namespace symphonic;

constexpr int kVocab = 358, kSteps = 100;

struct Setup {
  nn::Model<float> model;
  nn::Workspace<float> ws;
  nn::IdMatrix inputs, targets;
  Eigen::VectorXf mean_square;
  int steps;

  Setup(int batch, int threads, const char* preset = "recipe", int steps_ = kSteps, bool bf16 = false)
      : model(nn::ModelConfig::preset(preset, kVocab), 1, threads), steps(steps_) {
    if (bf16) model.set_precision(nn::Precision::bf16);
    nn::Rng rng(5);
    const bool every_step = std::string(preset) != "recipe";
    inputs.resize(batch, steps);
    targets.resize(batch, every_step ? steps : 1);
    for (nn::Index i = 0; i < inputs.size(); ++i) inputs.data()[i] = static_cast<std::int32_t>(rng.next() % kVocab);
    for (nn::Index i = 0; i < targets.size(); ++i) targets.data()[i] = static_cast<std::int32_t>(rng.next() % kVocab);
    mean_square = Eigen::VectorXf::Zero(model.parameter_count());
    // One untimed step first, as the peers of scripts/bench_peers.py get one: the workspace, the
    // pool's threads and their packing buffers are then in place, and the timed steps are the
    // ones a training run repeats.
    model.forward(ws, inputs, targets, nn::Mode::train);
    model.backward(ws);
    rmsprop();
    model.zero_grad();
  }

  // RMSprop with Keras' defaults (lr 1e-3, rho 0.9, eps 1e-7), the recipe's optimizer.
  void rmsprop() {
    const auto& g = model.gradients();
    mean_square = 0.9f * mean_square + 0.1f * g.cwiseProduct(g);
    model.parameters().array() -= 1e-3f * g.array() / (mean_square.array().sqrt() + 1e-7f);
  }
};

// The bf16 variants need AVX512-BF16 (nn/precision.hpp); elsewhere they are skipped with the reason.
bool skip_unavailable(benchmark::State& state, bool bf16) {
  if (!bf16 || nn::precision_available<float>(nn::Precision::bf16)) return false;
  state.SkipWithError("bf16 precision needs AVX512-BF16 (nn/precision.hpp)");
  return true;
}

void set_counters(benchmark::State& state, const Setup& s, double flop_multiple) {
  const double flops = flop_multiple * s.model.forward_flops(s.inputs.rows(), s.steps, s.targets.cols() > 1);
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["seq/s"] = benchmark::Counter(static_cast<double>(s.inputs.rows()), benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * s.inputs.rows() * kSteps);  // tokens/s
}

void BM_Recipe_Forward(benchmark::State& state) {
  if (skip_unavailable(state, state.range(2) != 0)) return;
  Setup s(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), "recipe", kSteps, state.range(2) != 0);
  for (auto _ : state) {
    auto r = s.model.forward(s.ws, s.inputs, s.targets, nn::Mode::train);
    benchmark::DoNotOptimize(r);
  }
  set_counters(state, s, 1.0);
}

void BM_Recipe_Backward(benchmark::State& state) {
  if (skip_unavailable(state, state.range(2) != 0)) return;
  Setup s(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), "recipe", kSteps, state.range(2) != 0);
  for (auto _ : state) {
    state.PauseTiming();
    s.model.forward(s.ws, s.inputs, s.targets, nn::Mode::train);
    s.model.zero_grad();
    state.ResumeTiming();
    s.model.backward(s.ws);
    benchmark::DoNotOptimize(s.model.gradients().data());
  }
  set_counters(state, s, 2.0);
}

// One training step per iteration: forward, backward, RMSprop over the flat buffers.
void train_steps(benchmark::State& state, Setup& s) {
  for (auto _ : state) {
    s.model.zero_grad();
    auto r = s.model.forward(s.ws, s.inputs, s.targets, nn::Mode::train);
    s.model.backward(s.ws);
    s.rmsprop();
    benchmark::DoNotOptimize(r);
  }
  set_counters(state, s, 3.0);
}

void BM_Recipe_TrainStep(benchmark::State& state) {
  if (skip_unavailable(state, state.range(2) != 0)) return;
  Setup s(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), "recipe", kSteps, state.range(2) != 0);
  train_steps(state, s);
}

// The default preset: embedding 64, LSTM 256 x 2, T = 64, batch 32, targets at every step.
void BM_Default_TrainStep(benchmark::State& state) {
  if (skip_unavailable(state, state.range(1) != 0)) return;
  Setup s(32, static_cast<int>(state.range(0)), "default", 64, state.range(1) != 0);
  train_steps(state, s);
}

// One LSTM layer stack alone, forward, over growing sequence length: BPTT cost is linear in T.
void BM_Lstm_Forward(benchmark::State& state) {
  const nn::Index batch = 32, steps = state.range(0);
  nn::Rng rng(9);
  nn::Lstm<float> lstm(nn::LstmOptions{64, 256, 1, 0.0, 0.0, nn::Init::keras});
  nn::ParameterLayout layout;
  lstm.describe(layout, "lstm");
  Eigen::VectorXf p = Eigen::VectorXf::Zero(layout.parameter_count()), g = p;
  lstm.bind(layout, nn::Flat<float>{p.data(), g.data(), nullptr});
  lstm.initialize(rng);
  backend::cpu::ThreadPool pool(static_cast<int>(state.range(1)));
  Eigen::MatrixXf x = Eigen::MatrixXf::Random(64, steps * batch);
  nn::Lstm<float>::Cache cache;
  for (auto _ : state) {
    lstm.forward(pool, x, batch, cache, nn::Mode::infer);
    benchmark::DoNotOptimize(cache.layers.back().h.data());
  }
  state.SetComplexityN(steps);
  state.counters["GFLOP/s"] = benchmark::Counter(lstm.forward_flops(batch, steps) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// The fp32 FMA peak of this binary: 12 independent chains of vector FMAs per thread (enough to
// cover the FMA latency on two ports), each thread on its own core. `ops` supplies the vector
// type's set1, fmadd and add; `lanes` floats per vector.
template <class V, class Ops>
double fma_chains(std::int64_t iterations, int lanes, Ops ops) {
  V acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = ops.set1(static_cast<float>(i));
  const V a = ops.set1(0.999f), b = ops.set1(1e-3f);
  for (std::int64_t k = 0; k < iterations; ++k)
    for (int i = 0; i < 12; ++i) acc[i] = ops.fmadd(acc[i], a, b);
  V sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = ops.add(sum, acc[i]);
  benchmark::DoNotOptimize(sum);
  return 12.0 * lanes * 2 * static_cast<double>(iterations);
}

double fma_chains(std::int64_t iterations) {
#if defined(__AVX512F__)
  struct {
    __m512 set1(float x) const { return _mm512_set1_ps(x); }
    __m512 fmadd(__m512 x, __m512 y, __m512 z) const { return _mm512_fmadd_ps(x, y, z); }
    __m512 add(__m512 x, __m512 y) const { return _mm512_add_ps(x, y); }
  } ops;
  return fma_chains<__m512>(iterations, 16, ops);
#elif defined(__AVX2__)
  struct {
    __m256 set1(float x) const { return _mm256_set1_ps(x); }
    __m256 fmadd(__m256 x, __m256 y, __m256 z) const { return _mm256_fmadd_ps(x, y, z); }
    __m256 add(__m256 x, __m256 y) const { return _mm256_add_ps(x, y); }
  } ops;
  return fma_chains<__m256>(iterations, 8, ops);
#else
  struct {
    float set1(float x) const { return x; }
    float fmadd(float x, float y, float z) const { return x * y + z; }
    float add(float x, float y) const { return x + y; }
  } ops;
  return fma_chains<float>(iterations, 1, ops);
#endif
}

// shape 0: gates = W_ih X (2048 x 512)(512 x 6400); 1: dW_ih += dA X^T (2048 x 6400)(6400 x 512);
// 2: dX = W_ih^T dA (512 x 2048)(2048 x 6400). kernel 0: Eigen, 1: gemm_blocked.
void BM_Gemm(benchmark::State& state) {
  const int shape = static_cast<int>(state.range(0));
  const bool blocked = state.range(1) != 0;
  constexpr Eigen::Index G = 2048, I = 512, N = 6400;
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMajor W = RowMajor::Random(G, I), dW = RowMajor::Zero(G, I);
  Eigen::MatrixXf X = Eigen::MatrixXf::Random(I, N), dA = Eigen::MatrixXf::Random(G, N), A(G, N), dX(I, N);
#if defined(__AVX512F__)
  const bool available = true;
#else
  const bool available = false;
#endif
  if (blocked && !available) {
    state.SkipWithError("gemm_blocked needs AVX-512");
    return;
  }
  Eigen::setNbThreads(1);
  for (auto _ : state) {
    if (!blocked) {
      if (shape == 0) A.noalias() = W * X;
      if (shape == 1) dW.noalias() += dA * X.transpose();
      if (shape == 2) dX.noalias() = W.transpose() * dA;
    } else {
#if defined(__AVX512F__)
      using backend::cpu::gemm_blocked;
      if (shape == 0) gemm_blocked(G, N, I, W.data(), I, 1, X.data(), 1, I, A.data(), G, false);
      if (shape == 1) gemm_blocked(I, G, N, X.data(), 1, I, dA.data(), G, 1, dW.data(), I, true);  // dW^T += X dA^T
      if (shape == 2) gemm_blocked(I, N, G, W.data(), 1, I, dA.data(), 1, G, dX.data(), I, false);
#endif
    }
    benchmark::DoNotOptimize(A.data());
    benchmark::DoNotOptimize(dW.data());
    benchmark::DoNotOptimize(dX.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * G * I * N / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_FmaPeak(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  constexpr std::int64_t kIterations = 20000000;
  double flops = 0;
  for (auto _ : state) {
    std::vector<std::thread> workers;
    std::atomic<std::int64_t> total{0};
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&] { total += static_cast<std::int64_t>(fma_chains(kIterations)); });
    for (auto& w : workers) w.join();
    flops = static_cast<double>(total.load());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// The bf16 products of an LSTM 512 layer's training step (batch 64, T B = 6400), one thread, each
// operand packed as the LSTM packs it. shape 0: gates = W_ih X (2048 x 6400, k 512); 1: dW^T +=
// X dA^T (512 x 2048, k 6400); 2: dX = W_ih^T dA (512 x 6400, k 2048); 3: one step's a_t += W_hh
// h (2048 x 64, k 512); 4: one step's dh = W_hh^T da_t (512 x 64, k 2048). kernel 0: AMX tiles,
// 1: AVX512-BF16 vectors (bf16_vector_gemm).
void BM_Bf16Gemm(benchmark::State& state) {
  using namespace backend::cpu;
  const int shape = static_cast<int>(state.range(0));
  const bool amx = state.range(1) == 0;
  if (amx ? !amx_usable() : !SYMPHONIC_HAVE_BF16_VECTOR) {
    state.SkipWithError(amx ? "no AMX tiles here" : "no AVX512-BF16 in this build");
    return;
  }
  const Index shapes[5][3] = {
      {2048, 6400, 512}, {512, 2048, 6400}, {512, 6400, 2048}, {2048, 64, 512}, {512, 64, 2048}};
  const Index m = shapes[shape][0], n = shapes[shape][1], k = shapes[shape][2];
  const Eigen::MatrixXf a = Eigen::MatrixXf::Random(m, k), b = Eigen::MatrixXf::Random(k, n);
  Eigen::MatrixXf c = Eigen::MatrixXf::Zero(m, n);
  std::vector<bf16> ap(static_cast<std::size_t>(bf16_packed_a_size(m, k)));
  std::vector<bf16> bp(static_cast<std::size_t>(bf16_packed_b_size(k, n)));
  bf16_pack_a(m, k, a.data(), 1, m, ap.data());
  bf16_pack_b(k, n, b.data(), 1, k, bp.data());
  for (auto _ : state) {
    if (amx)
      amx_gemm(m, n, k, ap.data(), bp.data(), c.data(), m, true);
    else
      bf16_vector_gemm(m, n, k, ap.data(), bp.data(), c.data(), m, true);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_Bf16Gemm)->ArgsProduct({{0, 1, 2, 3, 4}, {0, 1}})->ArgNames({"shape", "kernel(0=amx,1=vector)"})->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true)->UseRealTime();
BENCHMARK(BM_Gemm)->ArgsProduct({{0, 1, 2}, {0, 1}})->ArgNames({"shape", "blocked"})->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true)->UseRealTime();
BENCHMARK(BM_FmaPeak)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Recipe_Forward)->ArgsProduct({{64, 128}, {1, 2}, {0, 1}})->ArgNames({"batch", "threads", "bf16"})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Recipe_Backward)->ArgsProduct({{64, 128}, {1, 2}, {0, 1}})->ArgNames({"batch", "threads", "bf16"})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Recipe_TrainStep)->ArgsProduct({{64, 128}, {1, 2}, {0, 1}})->ArgNames({"batch", "threads", "bf16"})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Default_TrainStep)->ArgsProduct({{1, 2}, {0, 1}})->ArgNames({"threads", "bf16"})->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();
BENCHMARK(BM_Lstm_Forward)->ArgsProduct({{16, 32, 64, 128}, {1}})->ArgNames({"steps", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime()->Complexity(benchmark::oN);
