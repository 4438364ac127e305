// The CUDA backend's training step and generation on a GPU (SYMPHONIC_CUDA builds; nvcc).
//
//   BM_Cuda_Recipe_TrainStep   recipe model (scalar input, LSTM 512 x 3, BatchNorm, Dropout, Dense
//                              256, Dense 358; T = 100), forward + backward + clip + RMSprop, at
//                              batch 64 and 256, with the recipe's recurrent dropout 0.3 and
//                              without it (the cuDNN-comparable model); fp32 products, and TF32
//   BM_Cuda_Recipe_Generate    stateful generation: per token, upload the ids, one step, sample on
//                              the device, download the ids (what a generation loop needs), at
//                              batch 1 and 64
// Each iteration ends with the stream synchronised, so real time is the GPU's. Counters:
// sequences/s (training) and tokens/s (generation, all pieces together). scripts/gpu-check.sh runs
// it beside scripts/bench_torch_cuda.py (PyTorch + cuDNN on the same model) and prints ratios.
// Without a GPU every benchmark reports an error and exits cleanly.
#include <benchmark/benchmark.h>

#include <symphonic/cuda.hpp>

namespace sy = symphonic;
namespace cuda = symphonic::backend::cuda;

namespace {

constexpr int kVocab = 358, kSteps = 100;

sy::nn::IdMatrix random_ids(sy::nn::Index rows, sy::nn::Index cols, std::uint64_t seed) {
  sy::nn::Rng rng(seed);
  sy::nn::IdMatrix ids(rows, cols);
  for (sy::nn::Index i = 0; i < ids.size(); ++i) ids.data()[i] = static_cast<std::int32_t>(rng.next() % kVocab);
  return ids;
}

bool have_gpu(benchmark::State& state) {
  if (cuda::device_count() > 0) return true;
  state.SkipWithError("no CUDA device");
  return false;
}

void BM_Cuda_Recipe_TrainStep(benchmark::State& state) {
  if (!have_gpu(state)) return;
  const int batch = static_cast<int>(state.range(0));
  sy::nn::ModelConfig config = sy::nn::ModelConfig::preset("recipe", kVocab);
  if (state.range(1) == 0) config.recurrent_dropout = 0;
  cuda::Context ctx;
  ctx.set_tf32(state.range(2) != 0);
  cuda::CudaExecutor ex(ctx);
  sy::nn::Model<float> host(config, 1, 1);
  cuda::ExecutorStepDevice<cuda::CudaExecutor, float> device(ex, config, "bench");
  auto optimizer = sy::optim::make_optimizer<float>("rmsprop lr=0.001", host.parameter_count());
  device.upload(host, *optimizer);
  const sy::nn::IdMatrix inputs = random_ids(batch, kSteps, 1), targets = random_ids(batch, 1, 2);
  for (int warm = 0; warm < 2; ++warm) {  // allocations and cuBLAS's first-call setup
    device.train_batch(inputs, targets);
    device.clip_gradients(5.0);
    device.optimizer_step();
  }
  ctx.synchronize();
  for (auto _ : state) {
    device.train_batch(inputs, targets);
    device.clip_gradients(5.0);
    device.optimizer_step();
    ctx.synchronize();
  }
  state.counters["sequences/s"] = benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(ctx.describe());
}

void BM_Cuda_Recipe_Generate(benchmark::State& state) {
  if (!have_gpu(state)) return;
  const int batch = static_cast<int>(state.range(0));
  const sy::nn::ModelConfig config = sy::nn::ModelConfig::preset("recipe", kVocab);
  cuda::Context ctx;
  cuda::CudaExecutor ex(ctx);
  sy::nn::Model<float> host(config, 1, 1);
  cuda::Model<cuda::CudaExecutor, float> model(ex, host);
  cuda::Model<cuda::CudaExecutor, float>::Workspace ws;
  auto s = model.zero_state(batch);
  sy::nn::IdMatrix ids = random_ids(batch, 1, 3);
  auto sampled = ex.buffer<std::int32_t>(batch);
  std::uint64_t token = 0;
  const auto one_token = [&] {
    const float* p = model.step(ws, s, ids);
    cuda::sample_tokens(ex, kVocab, batch, p, 1.0, 7, token++, sampled.data());
    ex.download(ids.data(), sampled.data(), batch);
  };
  for (int warm = 0; warm < 5; ++warm) one_token();
  for (auto _ : state) one_token();
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(ctx.describe());
}

}  // namespace

BENCHMARK(BM_Cuda_Recipe_TrainStep)
    ->ArgsProduct({{64, 256}, {0, 1}, {0, 1}})
    ->ArgNames({"batch", "recurrent_dropout", "tf32"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);
BENCHMARK(BM_Cuda_Recipe_Generate)->Arg(1)->Arg(64)->ArgName("batch")->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(2.0);
