// examples/device_cuda.cu - --device cuda of symphonic-train and symphonic-generate (device.hpp):
// one CUDA context and executor for the whole program, made on first use.
#include <memory>

#include <symphonic/cuda.hpp>

#include "device.hpp"

namespace cli {
namespace {

namespace cuda = symphonic::backend::cuda;

struct CudaRuntime {
  cuda::Context context;
  cuda::CudaExecutor executor{context};
};

// Lives until the program exits, after every trainer and generator that uses it.
CudaRuntime& runtime() {
  static CudaRuntime r;
  return r;
}

}  // namespace

void check_cuda_device() {
  if (cuda::device_count() == 0)
    throw UsageError("--device cuda: this process sees no GPU (none installed, no driver, or CUDA_VISIBLE_DEVICES hides them)");
}

std::unique_ptr<symphonic::train::StepDevice<float>> make_cuda_step_device(const symphonic::nn::ModelConfig& config) {
  CudaRuntime& r = runtime();
  return std::unique_ptr<symphonic::train::StepDevice<float>>(
      new cuda::ExecutorStepDevice<cuda::CudaExecutor, float>(r.executor, config, "cuda: " + r.context.describe()));
}

std::unique_ptr<symphonic::generate::Stepper<float>> make_cuda_stepper(const symphonic::nn::Model<float>& model) {
  auto device_model = std::make_shared<cuda::Model<cuda::CudaExecutor, float>>(runtime().executor, model);
  return std::unique_ptr<symphonic::generate::Stepper<float>>(new cuda::ExecutorStepper<cuda::CudaExecutor, float>(device_model));
}

}  // namespace cli
