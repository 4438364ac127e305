// symphonic/cuda.hpp - the CUDA backend in one include, for units compiled by nvcc with
// SYMPHONIC_CUDA=1 (CMake target symphonic::cuda). Include it before anything that includes
// Eigen, or define EIGEN_NO_CUDA (the target does): Eigen then stays host code under nvcc.
//
//   #include <symphonic/cuda.hpp>
//   namespace cuda = symphonic::backend::cuda;
//   cuda::Context ctx;                                  // throws CudaError without a GPU
//   cuda::CudaExecutor ex(ctx);
//   cuda::Model<cuda::CudaExecutor, float> gpu(ex, host_model);
//   cuda::Optimizer<cuda::CudaExecutor, float> opt(ex, "rmsprop lr=0.001", gpu.parameter_count());
//   ... gpu.forward(ws, inputs, targets, nn::Mode::train); gpu.backward(ws);
//       opt.step(gpu.parameters(), gpu.gradients());
//   gpu.download_to(host_model);                        // then io/ saves it as on the CPU
#pragma once

#ifndef EIGEN_NO_CUDA
#define EIGEN_NO_CUDA 1
#endif

#include "symphonic/backend/cuda/runtime.hpp"

#include "symphonic/backend/cuda/model.hpp"
#include "symphonic/backend/cuda/optim.hpp"
#include "symphonic/backend/cuda/sample.hpp"
#include "symphonic/backend/cuda/step_device.hpp"
#include "symphonic/backend/cuda/stepper.hpp"
