# The CUDA backend built by nvcc (preset cuda: SYMPHONIC_CUDA=ON, sm_90 plus PTX): its test
# program, its benchmark, and symphonic-train and symphonic-generate with --device cuda compile
# and link; ctest runs the host-side checks (launch sizes, CudaError mapping, the refusals of a
# machine without a GPU), and the GPU parity checks report skipped here (no GPU). Their maths runs
# in the release build's tests/backend on the host executor; scripts/gpu-check.sh runs the rest on
# a GPU machine.
set -euo pipefail
nvcc=$(command -v nvcc || true)
if [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ]; then nvcc=/usr/local/cuda/bin/nvcc; fi
if [ -z "$nvcc" ]; then
  echo "no nvcc on this machine (CUDA toolkit): the CUDA build is skipped"
  exit 0
fi
cmake --preset cuda -DCMAKE_CUDA_COMPILER="$nvcc" >/dev/null
cmake --build --preset cuda --target test_cuda bench_cuda symphonic-train symphonic-generate
ctest --preset cuda -L cuda
# without a GPU, --device cuda is refused at once with exit status 2 and one line saying why
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then exit 0; fi
set +e
./build/cuda/examples/symphonic-train --corpus . --checkpoint build/cuda/unused.safetensors --device cuda 2> build/cuda/device.err
status=$?
set -e
cat build/cuda/device.err
if [ "$status" != 2 ] || ! grep -q -- "--device cuda: this process sees no GPU" build/cuda/device.err; then
  echo "symphonic-train --device cuda without a GPU: expected exit 2 and the no-GPU message, got $status"
  exit 1
fi
