// examples/train_device_cuda.cu - symphonic-train's --device cuda (see train_device.hpp): a CUDA
// context and executor that live as long as the trainer's device.
#include <symphonic/cuda.hpp>

#include "train_device.hpp"

namespace cli {
namespace {

namespace cuda = symphonic::backend::cuda;

struct CudaRuntime {
  cuda::Context context;
  cuda::CudaExecutor executor{context};
};

// The runtime is a base listed first, so it is built before the device that uses it.
class CudaStepDevice : private CudaRuntime, public cuda::ExecutorStepDevice<cuda::CudaExecutor, float> {
 public:
  explicit CudaStepDevice(const symphonic::nn::ModelConfig& config)
      : CudaRuntime(), ExecutorStepDevice(executor, config, "cuda: " + context.describe()) {}
};

}  // namespace

void check_cuda_device() {
  if (cuda::device_count() == 0)
    throw UsageError("--device cuda: this process sees no GPU (none installed, no driver, or CUDA_VISIBLE_DEVICES hides them)");
}

std::unique_ptr<symphonic::train::StepDevice<float>> make_cuda_step_device(const symphonic::nn::ModelConfig& config) {
  return std::unique_ptr<symphonic::train::StepDevice<float>>(new CudaStepDevice(config));
}

}  // namespace cli
