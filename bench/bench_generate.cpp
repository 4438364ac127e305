// Generation speed: one stateful LSTM step per token (symphonic) against re-running the whole
// window for every token (the recipe), on the recipe and default presets; and the sampler alone.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include <symphonic/generate/generator.hpp>
#include <symphonic/generate/sampler.hpp>
#include <symphonic/nn/model.hpp>

namespace sy = symphonic;

namespace {

constexpr int vocab = 358;  // the recipe corpus's vocabulary size

sy::nn::ModelConfig config(int preset) {
  return sy::nn::ModelConfig::preset(preset == 0 ? "recipe" : "default", vocab);
}

}  // namespace

// symphonic: prime with a window once, then each token costs one step
static void BM_Generate_Step(benchmark::State& state) {
  sy::nn::Model<float> model(config(static_cast<int>(state.range(0))), 1);
  sy::generate::Generator<float> generator(model, {}, 1);
  std::vector<std::int32_t> primer(100);
  for (int i = 0; i < 100; ++i) primer[static_cast<std::size_t>(i)] = (i * 7) % vocab;
  generator.prime(primer);
  for (auto _ : state) benchmark::DoNotOptimize(generator.next());
  state.SetItemsProcessed(state.iterations());  // tokens
}
BENCHMARK(BM_Generate_Step)->Arg(0)->Arg(1)->ArgName("preset(0=recipe,1=default)")->Unit(benchmark::kMicrosecond);

// the recipe: every new token runs the full 100-token window through the network again
static void BM_Generate_Window(benchmark::State& state) {
  sy::nn::Model<float> model(config(static_cast<int>(state.range(0))), 1);
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
