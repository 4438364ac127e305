// examples/train_device.hpp - where symphonic-train computes: `--device cpu` (the default: the host
// model, on --threads cores) or `--device cuda` (a build with SYMPHONIC_CUDA: the GPU, through the
// trainer's StepDevice; the CUDA code is in train_device_cuda.cu, compiled by nvcc).
#pragma once

#include <memory>
#include <string>

#include <symphonic/nn/model_config.hpp>
#include <symphonic/train/step_device.hpp>

#include "cli.hpp"

namespace cli {

#if SYMPHONIC_CUDA
/// The first GPU, with a copy of a model of `config` (train_device_cuda.cu); throws
/// backend::cuda::CudaError when there is none.
std::unique_ptr<symphonic::train::StepDevice<float>> make_cuda_step_device(const symphonic::nn::ModelConfig& config);
/// Throws UsageError when this process sees no GPU.
void check_cuda_device();
#endif

/// Refuses at once (before the corpus is read) a device this build or machine cannot use.
inline void check_train_device(const std::string& device) {
  if (device == "cpu") return;
  if (device != "cuda") throw UsageError("--device must be cpu or cuda, got " + device);
#if SYMPHONIC_CUDA
  check_cuda_device();
#else
  throw UsageError("--device cuda: this build has no CUDA backend (configure with -DSYMPHONIC_CUDA=ON, or meson "
                   "-Dcuda=enabled, on a machine with the CUDA toolkit)");
#endif
}

/// Null for "cpu"; the device for "cuda" (after check_train_device accepted it).
inline std::unique_ptr<symphonic::train::StepDevice<float>> make_train_device(const std::string& device,
                                                                              const symphonic::nn::ModelConfig& config) {
  check_train_device(device);
#if SYMPHONIC_CUDA
  if (device == "cuda") return make_cuda_step_device(config);
#endif
  (void)config;
  return nullptr;
}

}  // namespace cli
