// The CUDA backend on a GPU against the CPU backend, and its host-side logic.
//
//   test_cuda host   launch sizes, error mapping, the refusals a machine without a GPU gives
//                    (runs everywhere; CI has no GPU)
//   test_cuda gpu    parity of every kernel, one optimizer step of each kind, the whole model's
//                    training step and generation with a fixed seed, in double and in float;
//                    exits 77 (CTest: skipped) when no GPU is present
//   test_cuda quick  the float checks only, for compute-sanitizer (scripts/gpu-check.sh)
// Each check prints its measured difference beside its tolerance. Tolerances: double on the GPU
// differs from the CPU only by the order of sums (1e-11); float adds cuBLAS's order of summation
// and the device's expf/tanhf (1e-4 for a recurrent chain, 1e-5 for one product).
#include <cstdio>
#include <cstring>
#include <string>

#include <symphonic/cuda.hpp>

#include "support/backend_parity.hpp"

using namespace symphonic;
namespace cuda = symphonic::backend::cuda;
namespace parity = symphonic_test::parity;
using nn::Index;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%-4s %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++failures;
}
void within(double measured, double tolerance, const std::string& what) {
  char line[256];
  std::snprintf(line, sizeof line, "%s: %.3g (tolerance %.0e)", what.c_str(), measured, tolerance);
  check(measured <= tolerance, line);
}

int host_checks() {
  const auto none = cuda::launch_size(0);
  check(none.blocks == 0, "launch_size(0) launches nothing");
  const auto one = cuda::launch_size(1);
  check(one.blocks == 1 && one.threads == 256, "launch_size(1): one block of 256");
  const auto big = cuda::launch_size(Index(1) << 40);
  check(big.blocks == 8192, "launch_size(2^40): capped at 8192 blocks, grid-stride covers the rest");
  check(cuda::launch_size(257).blocks == 2, "launch_size(257): two blocks");
  check(cuda::cublas_status_text(CUBLAS_STATUS_NOT_INITIALIZED).find("CUBLAS_STATUS_NOT_INITIALIZED") == 0,
        "cuBLAS statuses are named");
  bool thrown = false;
  try {
    SYMPHONIC_CUDA_CHECK(cudaErrorMemoryAllocation);
  } catch (const cuda::CudaError& e) {
    thrown = e.code() == static_cast<int>(cudaErrorMemoryAllocation) && e.line() > 0 &&
             std::string(e.what()).find("cudaErrorMemoryAllocation") != std::string::npos &&
             e.file().find("test_cuda.cu") != std::string::npos && std::string(e.what()).find("[symphonic.cuda.error]") == 0;
  }
  check(thrown, "a failed status throws CudaError with its name, file and line");
  if (cuda::device_count() == 0) {
    thrown = false;
    try {
      cuda::Context ctx;
    } catch (const cuda::CudaError& e) {
      thrown = std::string(e.what()).find("no such GPU") != std::string::npos;
    }
    check(thrown, "without a GPU, Context() throws CudaError (no exit, no crash)");
    thrown = false;
    try {
      cuda::DeviceBuffer<float> b(16);
    } catch (const cuda::CudaError& e) {
      thrown = e.file().find("runtime.hpp") != std::string::npos;
    }
    check(thrown, "without a GPU, a device allocation throws CudaError");
  }
  return failures == 0 ? 0 : 1;
}

nn::ModelConfig small_recipe(int vocab, int hidden) { return parity::small_recipe(vocab, hidden, 24); }
nn::ModelConfig small_default(int vocab, int hidden) { return parity::small_default(vocab, hidden, 16); }

template <class Scalar>
void gpu_kernels(cuda::CudaExecutor& ex, const char* type, double one_product, double chain) {
  const std::string t = std::string(" (") + type + ")";
  within(parity::dense<cuda::CudaExecutor, Scalar>(ex, 300, 130, 257), one_product, "dense forward and backward" + t);
  within(parity::dense<cuda::CudaExecutor, Scalar>(ex, 5, 3, 1), one_product, "dense, one column" + t);
  for (bool masked : {false, true}) {
    const std::string m = masked ? ", recurrent dropout" : "";
    within(parity::lstm_layer<cuda::CudaExecutor, Scalar>(ex, 1, 64, 20, 16, masked), chain, "lstm layer I=1 H=64 T=20 B=16" + m + t);
    within(parity::lstm_layer<cuda::CudaExecutor, Scalar>(ex, 40, 96, 7, 33, masked), chain, "lstm layer I=40 H=96 T=7 B=33" + m + t);
  }
  within(parity::lstm_layer<cuda::CudaExecutor, Scalar>(ex, 3, 512, 2, 1, false), chain, "lstm layer H=512, batch 1" + t);
  within(parity::softmax_xent<cuda::CudaExecutor, Scalar>(ex, 358, 640), one_product, "softmax cross-entropy V=358" + t);
  for (bool train : {true, false})
    within(parity::batch_norm<cuda::CudaExecutor, Scalar>(ex, 256, 64, train), one_product,
           std::string("batch norm, ") + (train ? "training" : "inference") + t);
  within(parity::embedding<cuda::CudaExecutor, Scalar>(ex, 50, 16, 300), 0.0, "embedding (same sums, same order)" + t);
  check(parity::dropout_mask_mismatches<cuda::CudaExecutor, Scalar>(ex, 1 << 20, 0.3) == 0,
        "dropout masks equal the CPU's, bit for bit, 2^20 elements" + t);
  for (const char* o : {"adam lr=0.01", "adamw lr=0.01 weight_decay=0.1", "rmsprop lr=0.01",
                        "rmsprop lr=0.01 momentum=0.9 centered=1 weight_decay=0.01", "sgd lr=0.1 momentum=0.9 nesterov=1"})
    within(parity::optimizer<cuda::CudaExecutor, Scalar>(ex, o, 100000, 3), one_product, std::string("3 steps of ") + o + t);
  within(parity::clip<cuda::CudaExecutor, Scalar>(ex, 1000003, 0.5), one_product, "clip_grad_norm, 1,000,003 gradients" + t);
}

template <class Scalar>
void gpu_model(cuda::CudaExecutor& ex, const char* type, double tolerance) {
  const std::string t = std::string(" (") + type + ")";
  const auto r = parity::model_training<cuda::CudaExecutor, Scalar>(ex, small_recipe(40, 48), 16, 12, false);
  within(r.worst(), tolerance, "recipe model: loss, every gradient, running statistics, inference loss" + t);
  check(r.correct_equal && r.rng_equal, "recipe model: correct counts and generator state" + t);
  const auto d = parity::model_training<cuda::CudaExecutor, Scalar>(ex, small_default(50, 40), 8, 10, true);
  within(d.worst(), tolerance, "default model, every-step targets: loss and every gradient" + t);
  check(d.correct_equal && d.rng_equal, "default model: correct counts and generator state" + t);
  within(parity::generation<cuda::CudaExecutor, Scalar>(ex, small_recipe(40, 48), 1, 30), tolerance,
         "generation, batch 1, 30 steps, same tokens" + t);
  within(parity::generation<cuda::CudaExecutor, Scalar>(ex, small_default(50, 40), 8, 30), tolerance,
         "generation, batch 8, 30 steps, same tokens" + t);
}

void gpu_sampling(cuda::CudaExecutor& ex) {
  const Index V = 4, n = 20000;
  std::vector<float> probs(static_cast<std::size_t>(V * n));
  for (Index j = 0; j < n; ++j) {
    const float p[4] = {0.1f, 0.2f, 0.0f, 0.7f};
    std::memcpy(probs.data() + j * V, p, sizeof p);
  }
  std::vector<std::int32_t> host(static_cast<std::size_t>(n));
  cuda::HostExecutor hx;
  cuda::sample_tokens(hx, V, n, probs.data(), 0.8, 42, 3, host.data());
  auto P = parity::to_device(ex, probs);
  auto ids = ex.buffer<std::int32_t>(n);
  cuda::sample_tokens(ex, V, n, P.data(), 0.8, 42, 3, ids.data());
  check(parity::to_host(ex, ids.data(), n) == host, "sampling on the GPU draws the host's tokens (20,000 columns)");
}

int gpu_checks(bool quick) {
  cuda::Context ctx;
  cuda::CudaExecutor ex(ctx);
  std::printf("device: %s\n", ctx.describe().c_str());
  if (!quick) gpu_kernels<double>(ex, "double", 1e-11, 1e-11);
  gpu_kernels<float>(ex, "float", 1e-5, 1e-4);
  if (!quick) gpu_model<double>(ex, "double", 1e-11);
  gpu_model<float>(ex, "float", 5e-4);
  gpu_sampling(ex);
  ctx.synchronize();
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "gpu";
  try {
    if (mode == "host") return host_checks();
    if (cuda::device_count() == 0) {
      std::printf("no CUDA device here: the GPU parity checks are skipped\n");
      return 77;
    }
    return gpu_checks(mode == "quick");
  } catch (const std::exception& e) {
    std::printf("FAIL %s\n", e.what());
    return 1;
  }
}
