// symphonic/config.hpp - compile-time configuration shared by every header.
//
// One user-facing switch, SYMPHONIC_CUDA (0 or 1, default 0); everything else is derived:
//   SYMPHONIC_CUDACC   defined while a CUDA compiler (nvcc, clang-cuda) compiles the unit
//   SYMPHONIC_HD       `__host__ __device__ inline` under a CUDA compiler, `inline` otherwise
//   SYMPHONIC_THROW(e) throws e; aborts where exceptions are off (not a supported build: error.hpp)
//   SYMPHONIC_ASSERT(c) checks programmer errors in debug builds (compiled out by NDEBUG)
// The configuration is part of the ABI: the inline namespace differs with and without CUDA, so
// units compiled both ways never silently share an inline function.
#pragma once

#include <cassert>
#include <cstdlib>

#include "symphonic/version.hpp"

#ifndef SYMPHONIC_CUDA
#define SYMPHONIC_CUDA 0
#endif

#if defined(__CUDACC__) || (defined(__clang__) && defined(__CUDA__))
#define SYMPHONIC_CUDACC 1
#define SYMPHONIC_HD __host__ __device__ inline
#else
#define SYMPHONIC_HD inline
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define SYMPHONIC_THROW(exception) throw exception
#else
#define SYMPHONIC_THROW(exception) std::abort()
#endif

#ifdef NDEBUG
#define SYMPHONIC_ASSERT(condition) static_cast<void>(0)
#else
#define SYMPHONIC_ASSERT(condition) assert(condition)
#endif

// Open and close the library namespace together with its ABI tag. Every public header puts its
// declarations between these two.
#if SYMPHONIC_CUDA
#define SYMPHONIC_NAMESPACE_BEGIN \
  namespace symphonic {           \
  inline namespace v0_1_cuda {
#else
#define SYMPHONIC_NAMESPACE_BEGIN \
  namespace symphonic {           \
  inline namespace v0_1 {
#endif
#define SYMPHONIC_NAMESPACE_END \
  }                             \
  }
