// symphonic/nn/precision.hpp - the arithmetic of a model's matrix products.
//
//   fp32: float products (the default, and the only choice for Model<double>).
//   bf16: the LSTM's products in bfloat16 with float accumulation (backend/cpu/lstm_bf16.hpp): on
//         Intel AMX tiles where the CPU and Linux allow them, else with AVX512-BF16 vector
//         products (bf16_gemm.hpp); the one-token generation step of a batch below 16 uses vector
//         products from weights packed once per change of the weights. The weights, cell, head,
//         loss and optimizer stay float, so the optimizer updates float master weights and
//         checkpoints are unchanged.
// bf16 needs a build for a CPU with AVX512-BF16 (Intel Cooper Lake and later, AMD Zen 4 and
// later: -march=native there, as the programs and benchmarks are built); precision_available()
// says whether this one has it.
// Results differ from fp32 by bf16 rounding (docs/nn.md, "bf16 precision").
#pragma once

#include <string>
#include <type_traits>

#include "symphonic/backend/cpu/bf16_gemm.hpp"
#include "symphonic/config.hpp"
#include "symphonic/nn/config_error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

enum class Precision { fp32, bf16 };

inline const char* precision_name(Precision p) { return p == Precision::bf16 ? "bf16" : "fp32"; }

/// The precision and, for bf16, the kernel that runs it here: "fp32", "bf16 (AMX)", "bf16 (AVX512-BF16)".
inline std::string precision_description(Precision p) {
  if (p == Precision::fp32) return "fp32";
  return std::string("bf16 (") + backend::cpu::bf16_kernel_name() + ")";
}

inline Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  SYMPHONIC_THROW(ConfigError("precision must be fp32 or bf16, got '" + name + "'"));
}

/// Whether Model<Scalar> can run with precision `p` in this build on this CPU.
template <class Scalar>
bool precision_available(Precision p) {
  if (p == Precision::fp32) return true;
  return std::is_same<Scalar, float>::value && backend::cpu::bf16_products_available();
}

/// Throws ConfigError, saying why, unless precision_available<Scalar>(p).
template <class Scalar>
void check_precision(Precision p) {
  if (precision_available<Scalar>(p)) return;
  if (!std::is_same<Scalar, float>::value) SYMPHONIC_THROW(ConfigError("bf16 precision needs a float model"));
  SYMPHONIC_THROW(ConfigError("bf16 precision needs AVX512-BF16 and a build for it (-march=native on a CPU "
                              "that has it: Intel Cooper Lake or later, AMD Zen 4 or later); this build has no "
                              "bf16 kernels"));
}

}  // namespace nn
SYMPHONIC_NAMESPACE_END
