// symphonic/nn/precision.hpp - the arithmetic of a model's matrix products.
//
//   fp32: float products (the default, and the only choice for Model<double>).
//   bf16: the LSTM's products in bfloat16 with float accumulation: on Intel AMX tiles for forwards
//         over more than one step (training, validation, evaluation; backend/cpu/lstm_bf16.hpp),
//         and with AVX512-BF16 vector products for the one-token generation step of a batch
//         below 16, from weights packed once per change of the weights. The weights, cell, head,
//         loss and optimizer stay float, so the optimizer updates float master weights and
//         checkpoints are unchanged.
// bf16 needs a CPU with AMX-BF16 and a build that targets it (-march=native there, as the
// programs and benchmarks are built); precision_available() says whether this one has both.
// Results differ from fp32 by bf16 rounding (docs/nn.md, "bf16 precision").
#pragma once

#include <string>
#include <type_traits>

#include "symphonic/backend/cpu/amx_gemm.hpp"
#include "symphonic/config.hpp"
#include "symphonic/nn/config_error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

enum class Precision { fp32, bf16 };

inline const char* precision_name(Precision p) { return p == Precision::bf16 ? "bf16" : "fp32"; }

inline Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  SYMPHONIC_THROW(ConfigError("precision must be fp32 or bf16, got '" + name + "'"));
}

/// Whether Model<Scalar> can run with precision `p` in this build on this CPU.
template <class Scalar>
bool precision_available(Precision p) {
  if (p == Precision::fp32) return true;
  return std::is_same<Scalar, float>::value && backend::cpu::amx_usable();
}

/// Throws ConfigError, saying why, unless precision_available<Scalar>(p).
template <class Scalar>
void check_precision(Precision p) {
  if (precision_available<Scalar>(p)) return;
  if (!std::is_same<Scalar, float>::value) SYMPHONIC_THROW(ConfigError("bf16 precision needs a float model"));
  SYMPHONIC_THROW(ConfigError(SYMPHONIC_HAVE_AMX
                                  ? "bf16 precision: the kernel did not grant this process the AMX tile state"
                                  : "bf16 precision needs Intel AMX-BF16 and a build for it (-march=native on a "
                                    "CPU that has it); this build has no AMX kernels"));
}

}  // namespace nn
SYMPHONIC_NAMESPACE_END
