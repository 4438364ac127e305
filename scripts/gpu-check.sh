#!/usr/bin/env bash
# The CUDA backend's checks on a GPU machine, in one run of at most 10 minutes: build the parity
# test and the benchmark with nvcc, run the parity checks (plain, then quick ones under
# compute-sanitizer memcheck and racecheck), the GPU benchmarks, PyTorch's on the same model
# (scripts/bench_torch_cuda.py), and print a summary with the ratios.
#
#   bash scripts/gpu-check.sh --prepare   # here, on a machine with Eigen and Google Benchmark:
#                                         # copies their headers and library into .gpu-deps/
#   bash scripts/gpu-check.sh [OUT]       # on the GPU machine (nvcc, PyTorch, compute-sanitizer;
#                                         # .gpu-deps/ carried along); logs and JSON go to OUT
# Each phase has its own time limit; a failed phase is reported and the next one still runs.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
deps="$root/.gpu-deps"

if [ "${1:-}" = "--prepare" ]; then
  rm -rf "$deps" && mkdir -p "$deps/include" "$deps/lib"
  cp -r /usr/include/eigen3/Eigen "$deps/include/"
  cp -r /usr/include/benchmark "$deps/include/"
  cp -L /usr/lib/x86_64-linux-gnu/libbenchmark.so.1debian "$deps/lib/libbenchmark.so.1debian"
  ln -s libbenchmark.so.1debian "$deps/lib/libbenchmark.so"
  cp /usr/lib/x86_64-linux-gnu/libbenchmark_main.a "$deps/lib/"
  du -sh "$deps"
  exit 0
fi

out=${1:-${OUT:-/tmp/symphonic-gpu-check}}
mkdir -p "$out"
export PATH="/usr/local/cuda/bin:$PATH"
export LD_LIBRARY_PATH="$deps/lib:${LD_LIBRARY_PATH:-}"
summary="$out/summary.txt"
: > "$summary"
note() { echo "$*" | tee -a "$summary"; }
phase() {  # phase NAME SECONDS COMMAND...: runs it with a limit, logs to OUT/NAME.log
  local name=$1 limit=$2; shift 2
  local start=$(date +%s)
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  note "$name: exit $rc in $(( $(date +%s) - start )) s (log: $name.log)"
  return $rc
}

note "gpu-check $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(hostname), $(date -u +%FT%TZ)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$summary"
nvcc --version | tail -1 | tee -a "$summary"

flags=(-std=c++17 -O3 -arch=sm_90 -DSYMPHONIC_CUDA=1 -DEIGEN_NO_CUDA -DNDEBUG -Iinclude -Itests -I"$deps/include")
phase build_test 400 nvcc "${flags[@]}" tests/cuda/test_cuda.cu -o "$out/test_cuda" -lcublas &
build_test=$!
phase build_bench 400 nvcc "${flags[@]}" bench/bench_cuda.cu -o "$out/bench_cuda" -L"$deps/lib" -lbenchmark_main \
  -lbenchmark -lcublas -Xlinker -rpath -Xlinker "$deps/lib" &
build_bench=$!
wait $build_test
wait $build_bench

if [ -x "$out/test_cuda" ]; then
  phase parity 120 "$out/test_cuda" gpu
  grep -E "^(FAIL|device)" "$out/parity.log" | tee -a "$summary"
  note "parity checks: $(grep -c '^ok' "$out/parity.log") ok, $(grep -c '^FAIL' "$out/parity.log") failed"
  if command -v compute-sanitizer >/dev/null; then
    phase memcheck 150 compute-sanitizer --tool memcheck --error-exitcode 3 "$out/test_cuda" quick
    tail -2 "$out/memcheck.log" | tee -a "$summary"
    phase racecheck 150 compute-sanitizer --tool racecheck --error-exitcode 3 "$out/test_cuda" quick
    tail -2 "$out/racecheck.log" | tee -a "$summary"
  else
    note "compute-sanitizer not found: memcheck and racecheck not run"
  fi
fi
if [ -x "$out/bench_cuda" ]; then
  phase bench 150 "$out/bench_cuda" --benchmark_format=json --benchmark_out="$out/bench_cuda.json" \
    --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
fi
phase torch 150 python3 scripts/bench_torch_cuda.py --seconds 1.5
cp "$out/torch.log" "$out/torch.jsonl" 2>/dev/null

python3 - "$out" <<'PY' | tee -a "$summary"
import json, os, sys
out = sys.argv[1]
ours = {}
try:
    for b in json.load(open(os.path.join(out, "bench_cuda.json")))["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"]
        rate = b.get("sequences/s") or b.get("tokens/s")
        ours[name] = rate
except (OSError, ValueError, KeyError) as e:
    print("no symphonic benchmark figures:", e)
torch = []
try:
    for line in open(os.path.join(out, "torch.jsonl")):
        line = line.strip()
        if line.startswith("{"):
            torch.append(json.loads(line))
except OSError as e:
    print("no PyTorch figures:", e)
def mine(kind, batch, tf32, rd=None):
    for name, rate in ours.items():
        if kind == "train" and name.startswith("BM_Cuda_Recipe_TrainStep/batch:%d/recurrent_dropout:%d/tf32:%d" % (batch, rd, tf32)):
            return rate
        if kind == "generate" and name.startswith("BM_Cuda_Recipe_Generate/batch:%d" % batch) and not tf32:
            return rate
    return None
print("%-44s %12s %12s %7s" % ("", "symphonic", "PyTorch", "ratio"))
for t in torch:
    if t["name"] == "train":
        m, what = mine("train", t["batch"], t["tf32"], 0), "train, no recurrent dropout (PyTorch: cuDNN)"
    elif t["name"] == "train_rd":
        m, what = mine("train", t["batch"], t["tf32"], 1), "train, recurrent dropout (PyTorch: cell loop)"
    else:
        m, what = mine("generate", t["batch"], t["tf32"]), "generate, stateful (tokens/s)"
        if t["tf32"]:
            continue
    label = "%s b%d%s" % (what, t["batch"], " tf32" if t["tf32"] else "")
    print("%-44s %12s %12.1f %7s" % (label[:44], "%.1f" % m if m else "-", t["rate"], "%.2fx" % (m / t["rate"]) if m else "-"))
PY
note "logs and JSON in $out"
