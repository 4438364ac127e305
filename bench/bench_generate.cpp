// Generation speed: one stateful LSTM step per token (symphonic) against re-running the whole
// window for every token (the recipe), on the recipe and default presets, on 1 and 2 threads;
// batched steps (N pieces at once, symphonic-generate --count N); and the sampler alone. The step
// also in bf16 precision (bf16=1, nn/precision.hpp) where the CPU has AVX512-BF16.
//
// A step of one sequence multiplies every weight once, so it reads all of them for each token:
// BM_Generate_Step reports the bytes it streams per second (weights GB/s), and
// BM_Generate_WeightStream reads a buffer of the same size on the same threads and nothing else,
// the memory system's ceiling for that step in the same run: tokens/s <= GB/s / bytes per token.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include <symphonic/backend/cpu/aligned_buffer.hpp>
#include <symphonic/backend/cpu/thread_pool.hpp>
#include <symphonic/generate/generator.hpp>
#include <symphonic/generate/sampler.hpp>
#include <symphonic/nn/model.hpp>

namespace sy = symphonic;

namespace {

constexpr int vocab = 358;  // the recipe corpus's vocabulary size

sy::nn::ModelConfig config(int preset) {
  return sy::nn::ModelConfig::preset(preset == 0 ? "recipe" : "default", vocab);
}

// Bytes of weights one generation step reads: every parameter but the embedding table (one row
// of it per token); in bf16 precision the LSTM's weight matrices are packed as bf16 (2 bytes).
double step_weight_bytes(sy::nn::Model<float>& model, bool bf16) {
  double bytes = 0;
  for (const auto& t : model.named_parameters()) {
    const auto n = static_cast<double>(t.element_count());
    if (t.name.rfind("embedding", 0) == 0) continue;
    const bool lstm_matrix = t.name.rfind("lstm.weight_", 0) == 0;
    bytes += n * (bf16 && lstm_matrix ? 2.0 : 4.0);
  }
  return bytes;
}

}  // namespace

// symphonic: prime with a window once, then each token costs one step
static void BM_Generate_Step(benchmark::State& state) {
  const bool bf16 = state.range(2) != 0;
  if (bf16 && !sy::nn::precision_available<float>(sy::nn::Precision::bf16)) {
    state.SkipWithError("bf16 precision needs AVX512-BF16 (nn/precision.hpp)");
    return;
  }
  sy::nn::Model<float> model(config(static_cast<int>(state.range(0))), 1, static_cast<int>(state.range(1)));
  if (bf16) model.set_precision(sy::nn::Precision::bf16);
  sy::generate::Generator<float> generator(model, {}, 1);
  std::vector<std::int32_t> primer(100);
  for (int i = 0; i < 100; ++i) primer[static_cast<std::size_t>(i)] = (i * 7) % vocab;
  generator.prime(primer);
  for (auto _ : state) benchmark::DoNotOptimize(generator.next());
  state.SetItemsProcessed(state.iterations());  // tokens
  state.counters["weights GB/s"] = benchmark::Counter(step_weight_bytes(model, bf16) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Generate_Step)->ArgsProduct({{0, 1}, {1, 2}, {0, 1}})->ArgNames({"preset(0=recipe,1=default)", "threads", "bf16"})->Unit(benchmark::kMicrosecond);

// The ceiling of the step above: read as many bytes as it streams per token (a float sum over
// a buffer of that size, cut into one piece per thread of the same pool) and nothing else.
// "tokens/s ceiling" is the rate BM_Generate_Step would reach if its arithmetic were free.
static void BM_Generate_WeightStream(benchmark::State& state) {
  const bool bf16 = state.range(2) != 0;
  sy::nn::Model<float> model(config(static_cast<int>(state.range(0))), 1, 1);
  const double bytes = step_weight_bytes(model, bf16);
  const auto n = static_cast<sy::nn::Index>(bytes / sizeof(float));
  sy::backend::cpu::AlignedBuffer<float> weights;  // 2 MiB pages where the kernel allows: the generous ceiling
  weights.resize(static_cast<std::size_t>(n));
  for (sy::nn::Index i = 0; i < n; ++i) weights.data()[i] = static_cast<float>(i % 97) * 1e-3f;
  sy::backend::cpu::ThreadPool pool(static_cast<int>(state.range(1)));
  std::vector<float> partial(static_cast<std::size_t>(pool.size()));
  for (auto _ : state) {
    pool.run(pool.size(), [&](sy::nn::Index p) {
      const auto r = sy::backend::cpu::split(n, pool.size(), p, 16);
      partial[static_cast<std::size_t>(p)] = Eigen::Map<const Eigen::ArrayXf>(weights.data() + r.begin, r.size()).sum();
    });
    benchmark::DoNotOptimize(partial.data());
    benchmark::ClobberMemory();
  }
  state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tokens/s ceiling"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(static_cast<int>(bytes / 1e6 + 0.5)) + " MB per token");
}
BENCHMARK(BM_Generate_WeightStream)->ArgsProduct({{0, 1}, {1, 2}, {0, 1}})->ArgNames({"preset(0=recipe,1=default)", "threads", "bf16"})->Unit(benchmark::kMicrosecond);

// N sequences stepped together (the model's step over a batch of N): tokens/s counts all N
static void BM_Generate_BatchedStep(benchmark::State& state) {
  const sy::nn::Index n = state.range(0);
  sy::nn::Model<float> model(config(0), 1, static_cast<int>(state.range(1)));
  sy::nn::Workspace<float> ws;
  auto st = model.zero_state(n);
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> ids(n);
  for (sy::nn::Index i = 0; i < n; ++i) ids[i] = static_cast<std::int32_t>((i * 7) % vocab);
  for (auto _ : state) benchmark::DoNotOptimize(model.step(ws, st, ids).data());
  state.SetItemsProcessed(state.iterations() * n);  // tokens
}
BENCHMARK(BM_Generate_BatchedStep)->ArgsProduct({{8, 64}, {1, 2}})->ArgNames({"recipe, batch", "threads"})->Unit(benchmark::kMicrosecond);

// the recipe: every new token runs the full 100-token window through the network again
static void BM_Generate_Window(benchmark::State& state) {
  sy::nn::Model<float> model(config(static_cast<int>(state.range(0))), 1, 1);
  sy::nn::IdMatrix window(1, 100), target(1, 1);
  for (int i = 0; i < 100; ++i) window(0, i) = (i * 7) % vocab;
  target(0, 0) = 0;
  sy::nn::Workspace<float> ws;
  for (auto _ : state) {
    model.forward(ws, window, target, sy::nn::Mode::infer);
    benchmark::DoNotOptimize(ws.loss.probabilities.data());
  }
  state.SetItemsProcessed(state.iterations());  // tokens
}
BENCHMARK(BM_Generate_Window)->Arg(0)->Arg(1)->ArgName("preset(0=recipe,1=default)")->Unit(benchmark::kMicrosecond);

static void BM_Sampler_Sample(benchmark::State& state) {
  sy::generate::SamplerOptions options;
  options.temperature = 0.9;
  options.top_k = static_cast<int>(state.range(0));
  options.top_p = 0.95;
  options.repetition_penalty = 1.2;
  sy::generate::Sampler sampler(options, 1);
  std::vector<double> p(vocab);
  for (int i = 0; i < vocab; ++i) p[static_cast<std::size_t>(i)] = 1.0 / (1 + i % 37);
  std::vector<std::int32_t> history(64, 3);
  for (auto _ : state) benchmark::DoNotOptimize(sampler.sample(p, history));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sampler_Sample)->Arg(0)->Arg(40)->ArgName("top_k");
