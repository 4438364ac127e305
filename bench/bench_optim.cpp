// Optimizer steps and checkpoint I/O at the size of a mid-sized model (5M float parameters).
// Compare with PyTorch in the same session: scripts/bench_optim_torch.py (see docs/optim.md).
//
//   build/release/bench/bench_optim --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// Checkpoint files go to $SYMPHONIC_BENCH_DIR (default: the current directory).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <symphonic/io/io.hpp>
#include <symphonic/optim/optim.hpp>

namespace {

using namespace symphonic;

constexpr nn::Index kParams = 5000000;

void run_optimizer(benchmark::State& state, const std::string& options) {
  const nn::Index n = state.range(0);
  nn::Vector<float> params = nn::Vector<float>::Random(n);
  nn::Vector<float> grads = nn::Vector<float>::Random(n) * 1e-2f;
  auto optimizer = optim::make_optimizer<float>(options, n);
  for (auto _ : state) {
    optimizer->step(params, grads);
    benchmark::DoNotOptimize(params.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(options);
}

void BM_Adam_Step(benchmark::State& state) { run_optimizer(state, "adam"); }
void BM_AdamW_Step(benchmark::State& state) { run_optimizer(state, "adamw"); }
void BM_RmsProp_Step(benchmark::State& state) { run_optimizer(state, "rmsprop"); }
void BM_Sgd_Step(benchmark::State& state) { run_optimizer(state, "sgd lr=0.01 momentum=0.9 nesterov=1"); }

void BM_ClipGradNorm(benchmark::State& state) {
  nn::Vector<float> grads = nn::Vector<float>::Random(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(optim::clip_grad_norm(grads, 1e9));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_Adam_Step)->Arg(kParams)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AdamW_Step)->Arg(kParams)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RmsProp_Step)->Arg(kParams)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sgd_Step)->Arg(kParams)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ClipGradNorm)->Arg(kParams)->Unit(benchmark::kMillisecond);

std::string bench_path(const char* name) {
  const char* dir = std::getenv("SYMPHONIC_BENCH_DIR");
  return (dir ? std::string(dir) + "/" : std::string()) + name;
}

// Weights split into tensors the way a 3-layer LSTM model is (a few large matrices, small biases).
struct Tensors {
  std::vector<float> flat;
  std::vector<nn::NamedTensor<float>> views;
  explicit Tensors(std::int64_t n) : flat(static_cast<std::size_t>(n)) {
    for (std::size_t i = 0; i < flat.size(); ++i) flat[i] = static_cast<float>(i % 1000) * 1e-3f;
    std::int64_t offset = 0;
    int k = 0;
    while (offset < n) {
      const std::int64_t rows = 2048, cols = std::min<std::int64_t>(512, (n - offset) / rows);
      nn::NamedTensor<float> t;
      t.name = "layer" + std::to_string(k++) + ".weight";
      if (cols > 0) {
        t.shape = {rows, cols};
      } else {
        t.shape = {n - offset};
      }
      t.data = flat.data() + offset;
      offset += t.element_count();
      views.push_back(t);
    }
  }
};

void save(benchmark::State& state, bool durable) {
  Tensors tensors(state.range(0));
  const std::string path = bench_path("bench_optim_checkpoint.safetensors");
  io::SaveOptions options;
  options.durable = durable;
  const io::Metadata metadata = {{"symphonic.model_config", "bench"}};
  for (auto _ : state) io::save_checkpoint(path, tensors.views, metadata, options);
  state.SetBytesProcessed(state.iterations() * state.range(0) * 4);
  std::remove(path.c_str());
}

void BM_Checkpoint_Save(benchmark::State& state) { save(state, true); }
void BM_Checkpoint_SaveNoFsync(benchmark::State& state) { save(state, false); }

void BM_Checkpoint_Load(benchmark::State& state) {
  Tensors tensors(state.range(0));
  const std::string path = bench_path("bench_optim_checkpoint.safetensors");
  io::save_checkpoint(path, tensors.views, {});
  Tensors into(state.range(0));
  for (auto _ : state) {
    const io::Checkpoint c = io::Checkpoint::read(path);  // read, validate, CRC-32 both parts
    io::load_tensors(c, into.views);
    benchmark::DoNotOptimize(into.flat.data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0) * 4);
  std::remove(path.c_str());
}

void BM_Crc32(benchmark::State& state) {
  std::vector<unsigned char> bytes(static_cast<std::size_t>(state.range(0)), 0x5A);
  for (auto _ : state) benchmark::DoNotOptimize(io::detail::crc32(bytes.data(), bytes.size()));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_Checkpoint_Save)->Arg(kParams)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Checkpoint_SaveNoFsync)->Arg(kParams)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Checkpoint_Load)->Arg(kParams)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Crc32)->Arg(kParams * 4)->Unit(benchmark::kMillisecond);

}  // namespace
