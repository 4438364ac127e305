// symphonic/backend/cuda/runtime.hpp - the CUDA runtime under the backend: errors, device
// buffers, a context (stream and cuBLAS handle) and the executor that launches backend/cuda/'s
// functions on a GPU.
//
// Only a unit compiled by nvcc with SYMPHONIC_CUDA=1 may include this header (CMake: the
// symphonic::cuda target of -DSYMPHONIC_CUDA=ON; meson: -Dcuda=enabled); anything else gets a
// compile error that says so, and a program built without the flag never sees a CUDA header.
//
// Every CUDA and cuBLAS status is checked; a failure throws CudaError with the call, the file and
// line, and the runtime's own name and text for the status (never exit()). Work goes in order on
// the context's stream; upload() and download() wait for it.
//
//   backend::cuda::Context ctx;                  // device 0, or Context(ordinal)
//   backend::cuda::CudaExecutor ex(ctx);
//   auto x = ex.buffer<float>(n);                // DeviceBuffer<float>
//   backend::cuda::fill(ex, n, x.data(), 1.0f);  // one grid-stride kernel
#pragma once

#include "symphonic/config.hpp"

#if !SYMPHONIC_CUDA
#error "symphonic/backend/cuda/runtime.hpp needs SYMPHONIC_CUDA=1: configure with -DSYMPHONIC_CUDA=ON (meson: -Dcuda=enabled), link symphonic::cuda and compile this unit with nvcc"
#endif
#ifndef SYMPHONIC_CUDACC
#error "symphonic/backend/cuda/runtime.hpp launches kernels: compile this unit with nvcc (a .cu file), not the host compiler"
#endif

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "symphonic/backend/cuda/executor.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace backend {
namespace cuda {

/// A CUDA runtime or cuBLAS call that failed: what was called, where, and the status.
class CudaError : public Error {
 public:
  CudaError(const std::string& call, const std::string& status, const char* file, int line, int code)
      : Error("cuda.error", call + " failed: " + status + " (" + file + ":" + std::to_string(line) + ")"),
        file_(file), line_(line), code_(code) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  /// The cudaError_t or cublasStatus_t value.
  int code() const { return code_; }

 private:
  std::string file_;
  int line_;
  int code_;
};

/// cuBLAS's name for a status (cublasGetStatusName's text; "unknown cuBLAS status N" otherwise).
inline std::string cublas_status_text(cublasStatus_t s) {
  const char* name = cublasGetStatusName(s);
  const char* text = cublasGetStatusString(s);
  if (!name) return "unknown cuBLAS status " + std::to_string(static_cast<int>(s));
  return std::string(name) + (text ? std::string(": ") + text : std::string());
}

namespace detail {
inline void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // reset the last-error slot, so the next check reports its own call
  SYMPHONIC_THROW(CudaError(call, std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status), file, line,
                            static_cast<int>(status)));
}
inline void check(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  SYMPHONIC_THROW(CudaError(call, cublas_status_text(status), file, line, static_cast<int>(status)));
}
}  // namespace detail

/// Checks a cudaError_t or cublasStatus_t; throws CudaError naming the call, file and line.
#define SYMPHONIC_CUDA_CHECK(call) ::symphonic::backend::cuda::detail::check((call), #call, __FILE__, __LINE__)

/// GPUs this process can use: 0 when there is none, or no driver (never throws for that).
inline int device_count() {
  int n = 0;
  const cudaError_t s = cudaGetDeviceCount(&n);
  if (s != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

/// Blocks and threads of a grid-stride launch over n elements: 256 threads a block, at most
/// `max_blocks` blocks (each thread then takes every (blocks x 256)-th element).
struct LaunchSize {
  unsigned blocks = 0, threads = 0;
};
inline LaunchSize launch_size(Index n, Index max_blocks = 8192) {
  constexpr Index threads = 256;
  if (n <= 0) return {};
  const Index blocks = (n + threads - 1) / threads;
  return {static_cast<unsigned>(blocks < max_blocks ? blocks : max_blocks), static_cast<unsigned>(threads)};
}

/// n elements of T in device memory; move-only. Zero elements hold no allocation.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(Index n) : size_(n) {
    if (n > 0) SYMPHONIC_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), static_cast<std::size_t>(n) * sizeof(T)));
  }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  Index size() const { return size_; }

 private:
  void release() noexcept {
    if (data_) cudaFree(data_);  // a destructor reports nothing; a failed free leaves a sticky error
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  Index size_ = 0;
};

/// A device, a stream on it and a cuBLAS handle bound to that stream. Products run in true fp32
/// unless set_tf32(true) lets cuBLAS use TF32 tensor cores (about 10 bits of mantissa).
class Context {
 public:
  explicit Context(int device = 0) : device_(device) {
    if (device < 0 || device >= device_count())
      SYMPHONIC_THROW(CudaError("Context(" + std::to_string(device) + ")",
                                "no such GPU (this process sees " + std::to_string(device_count()) + ")", __FILE__,
                                __LINE__, static_cast<int>(cudaErrorInvalidDevice)));
    SYMPHONIC_CUDA_CHECK(cudaSetDevice(device));
    SYMPHONIC_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    const cublasStatus_t s = cublasCreate(&blas_);
    if (s != CUBLAS_STATUS_SUCCESS) {
      cudaStreamDestroy(stream_);
      SYMPHONIC_CUDA_CHECK(s);
    }
    SYMPHONIC_CUDA_CHECK(cublasSetStream(blas_, stream_));
    SYMPHONIC_CUDA_CHECK(cublasSetMathMode(blas_, CUBLAS_DEFAULT_MATH));
  }
  ~Context() {
    if (blas_) cublasDestroy(blas_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t blas() const { return blas_; }
  void set_tf32(bool on) {
    SYMPHONIC_CUDA_CHECK(cublasSetMathMode(blas_, on ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  }
  /// Waits for everything queued on the stream; reports an error a kernel raised meanwhile.
  void synchronize() const { SYMPHONIC_CUDA_CHECK(cudaStreamSynchronize(stream_)); }
  /// The device's name and memory, e.g. "NVIDIA H200, 139 GiB".
  std::string describe() const {
    cudaDeviceProp p{};
    SYMPHONIC_CUDA_CHECK(cudaGetDeviceProperties(&p, device_));
    return std::string(p.name) + ", " + std::to_string(p.totalGlobalMem >> 30) + " GiB, sm_" +
           std::to_string(p.major) + std::to_string(p.minor);
  }

 private:
  int device_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
};

/// f(i) for every i < n, each thread stepping by the grid's size. Template: a kernel defined in a
/// header must be a template (or static) to link from several units (CUDA.md 2.1).
template <class F>
__global__ void for_each_kernel(Index n, F f) {
  const Index stride = static_cast<Index>(blockDim.x) * static_cast<Index>(gridDim.x);
  for (Index i = static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) + static_cast<Index>(threadIdx.x); i < n;
       i += stride)
    f(i);
}

/// The executor (executor.hpp) of a Context: kernels and cuBLAS products on its stream.
class CudaExecutor {
 public:
  template <class T>
  using Buffer = DeviceBuffer<T>;

  explicit CudaExecutor(Context& ctx) : ctx_(&ctx) {}
  Context& context() const { return *ctx_; }

  template <class T>
  Buffer<T> buffer(Index n) const {
    return Buffer<T>(n);
  }

  template <class F>
  void for_each(Index n, const F& f) const {
    const LaunchSize s = launch_size(n);
    if (s.blocks == 0) return;
    for_each_kernel<<<s.blocks, s.threads, 0, ctx_->stream()>>>(n, f);
    SYMPHONIC_CUDA_CHECK(cudaGetLastError());  // a launch that could not start (bad size, no image for this GPU)
  }

  void gemm(const Gemm& g, float alpha, const float* a, const float* b, float beta, float* c) const {
    if (g.m == 0 || g.n == 0) return;
    SYMPHONIC_CUDA_CHECK(cublasSgemm(ctx_->blas(), op(g.transpose_a), op(g.transpose_b), dim(g.m), dim(g.n), dim(g.k),
                                     &alpha, a, dim(g.lda), b, dim(g.ldb), &beta, c, dim(g.ldc)));
  }
  void gemm(const Gemm& g, double alpha, const double* a, const double* b, double beta, double* c) const {
    if (g.m == 0 || g.n == 0) return;
    SYMPHONIC_CUDA_CHECK(cublasDgemm(ctx_->blas(), op(g.transpose_a), op(g.transpose_b), dim(g.m), dim(g.n), dim(g.k),
                                     &alpha, a, dim(g.lda), b, dim(g.ldb), &beta, c, dim(g.ldc)));
  }

  /// Waits for the copy, so `src` may be reused at once even when it is pinned memory.
  template <class T>
  void upload(T* dst, const T* src, Index n) const {
    if (n <= 0) return;
    SYMPHONIC_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n) * sizeof(T), cudaMemcpyHostToDevice,
                                         ctx_->stream()));
    ctx_->synchronize();
  }
  template <class T>
  void download(T* dst, const T* src, Index n) const {
    if (n <= 0) return;
    SYMPHONIC_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n) * sizeof(T), cudaMemcpyDeviceToHost,
                                         ctx_->stream()));
    ctx_->synchronize();
  }
  void synchronize() const { ctx_->synchronize(); }

 private:
  static cublasOperation_t op(bool transpose) { return transpose ? CUBLAS_OP_T : CUBLAS_OP_N; }
  // cuBLAS's dimensions are int: a product past 2^31 - 1 rows is refused, not wrapped
  static int dim(Index n) {
    if (n < 0 || n > 2147483647) SYMPHONIC_THROW(nn::ShapeError("cuBLAS dimension (at most 2^31 - 1)", 2147483647, n));
    return static_cast<int>(n);
  }

  Context* ctx_;
};

}  // namespace cuda
}  // namespace backend
SYMPHONIC_NAMESPACE_END
