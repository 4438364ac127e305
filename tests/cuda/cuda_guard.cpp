// Must not compile: the CUDA backend without SYMPHONIC_CUDA, or with it under the host compiler
// (the tests headers.cuda_guard and headers.cuda_needs_nvcc expect the header's own messages).
#include <symphonic/cuda.hpp>
