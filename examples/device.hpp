// examples/device.hpp - where symphonic-train and symphonic-generate compute: `--device cpu` (the
// default: the host model on --threads cores) or `--device cuda` (a build with SYMPHONIC_CUDA: the
// first GPU; the CUDA code is device_cuda.cu, compiled by nvcc). A device is refused at once,
// before any corpus or checkpoint is read, when this build or machine cannot use it.
#pragma once

#include <memory>
#include <string>

#include <symphonic/generate/stepper.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/train/step_device.hpp>

#include "cli.hpp"

namespace cli {

#if SYMPHONIC_CUDA
/// Throws UsageError when this process sees no GPU (device_cuda.cu).
void check_cuda_device();
/// The first GPU with a copy of a model of `config`, for a Trainer.
std::unique_ptr<symphonic::train::StepDevice<float>> make_cuda_step_device(const symphonic::nn::ModelConfig& config);
/// The first GPU with a copy of `model`, for a BatchGenerator.
std::unique_ptr<symphonic::generate::Stepper<float>> make_cuda_stepper(const symphonic::nn::Model<float>& model);
#endif

/// Refuses a device this build or machine cannot use.
inline void check_device(const std::string& device) {
  if (device == "cpu") return;
  if (device != "cuda") throw UsageError("--device must be cpu or cuda, got " + device);
#if SYMPHONIC_CUDA
  check_cuda_device();
#else
  throw UsageError("--device cuda: this build has no CUDA backend (configure with -DSYMPHONIC_CUDA=ON, or meson "
                   "-Dcuda=enabled, on a machine with the CUDA toolkit)");
#endif
}

/// Null for "cpu" (the trainer computes on the host model).
inline std::unique_ptr<symphonic::train::StepDevice<float>> make_train_device(const std::string& device,
                                                                              const symphonic::nn::ModelConfig& config) {
  check_device(device);
#if SYMPHONIC_CUDA
  if (device == "cuda") return make_cuda_step_device(config);
#endif
  (void)config;
  return nullptr;
}

/// What a generator steps on `device`.
inline std::unique_ptr<symphonic::generate::Stepper<float>> make_stepper(const std::string& device,
                                                                         const symphonic::nn::Model<float>& model) {
  check_device(device);
#if SYMPHONIC_CUDA
  if (device == "cuda") return make_cuda_stepper(model);
#endif
  return std::unique_ptr<symphonic::generate::Stepper<float>>(new symphonic::generate::ModelStepper<float>(model));
}

}  // namespace cli
