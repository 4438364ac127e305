#!/usr/bin/env bash
# Runs one libFuzzer target (tests/fuzz/targets.hpp) for a bounded time, or every one (one per core at a time):
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]     TARGET: a name, or all
#   scripts/fuzz.sh list
# Builds build/fuzz/fuzz_symphonic (clang, ASan + UBSan, -fsanitize=fuzzer) and the seed maker
# when their sources changed, writes the seeds (tests/fuzz/make_seeds.hpp; for midi_read also
# scripts/make_midi_seeds.py, the fixtures in tests/data/midi and, when present, the developer
# corpus, read in place), and keeps what libFuzzer grows in build/fuzz/corpus/TARGET.
# Every input ever found is in tests/data/fuzz/TARGET/ and is fed back as a seed.
# A finding stops the run with the input in build/fuzz/artifacts/TARGET/: copy it to
# tests/data/fuzz/TARGET/ (test_fuzz_regressions.cpp replays it) and fix the code.
# Each run appends "date target seconds executions coverage findings" to build/fuzz/runs.tsv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${SYMPHONIC_FUZZ_DIR:-$root/build/fuzz}
targets="midi_read checkpoint vocabulary tune_text decode"

if [ "${1:-}" = list ]; then echo "$targets"; exit 0; fi
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS [libFuzzer flags...]  (targets: $targets)" >&2
  exit 2
fi
target=$1 seconds=$2
shift 2
case " $targets all " in *" $target "*) ;; *) echo "fuzz.sh: unknown target $target (targets: $targets)" >&2; exit 2;; esac

mkdir -p "$out"
cxx=${CXX_FUZZ:-clang++-14}
command -v "$cxx" >/dev/null || cxx=clang++
flags=(-std=c++17 -g -I"$root/include" -I"$root/tests" $(pkg-config --cflags eigen3))
newest=$(find "$root/include" "$root/tests/fuzz" -type f -newer "$out/fuzz_symphonic" 2>/dev/null | head -n 1 || true)
if [ ! -x "$out/fuzz_symphonic" ] || [ ! -x "$out/make_fuzz_seeds" ] || [ -n "$newest" ]; then
  echo "building $out/fuzz_symphonic with $cxx"
  # the two programs side by side (a core each)
  "$cxx" "${flags[@]}" -O0 "$root/tests/fuzz/make_fuzz_seeds.cpp" -o "$out/make_fuzz_seeds" -pthread &
  seeds_build=$!
  "$cxx" "${flags[@]}" -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -Wall -Wextra -Wpedantic -Werror "$root/tests/fuzz/fuzz_symphonic.cpp" -o "$out/fuzz_symphonic" -pthread
  wait "$seeds_build"
fi

run_one() {
  local name=$1
  shift
  local seeds="$out/seeds/$name" work="$out/corpus/$name" artifacts="$out/artifacts/$name/"
  rm -rf "$seeds"
  mkdir -p "$seeds" "$work" "$artifacts" "$root/tests/data/fuzz/$name"
  "$out/make_fuzz_seeds" "$name" "$seeds" >/dev/null
  local extra=("$root/tests/data/fuzz/$name")
  local max_len=4096
  if [ "$name" = midi_read ]; then
    python3 "$root/scripts/make_midi_seeds.py" "$seeds"
    find "$root/tests/data/midi" -type f -name '*.mid' -exec cp {} "$seeds/" \;
    corpus=${SYMPHONIC_CORPUS_DIR:-$root/../shared/corpus}
    [ -d "$corpus" ] && extra+=("$corpus")
    max_len=8192
  fi
  [ "$name" = checkpoint ] && max_len=16384
  echo "=== fuzz $name for ${seconds} s"
  local log="$out/$name.log" status=0
  # the first folder is libFuzzer's own: new inputs go there only
  SYMPHONIC_FUZZ_TARGET=$name "$out/fuzz_symphonic" "$work" "$seeds" "${extra[@]}" \
    -max_total_time="$seconds" -max_len=$max_len -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts" -print_final_stats=1 "$@" >"$log" 2>&1 || status=$?
  grep -v '^#[0-9]' "$log" | grep -v '^INFO: ' | tail -n 25
  local execs cov findings
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  findings=$(find "$artifacts" -type f | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$seconds" "${execs:-0}" "${cov:-0}" \
    "$findings" >>"$out/runs.tsv"
  if [ "$status" != 0 ]; then
    echo "fuzz $name FAILED: the input is in $artifacts; copy it to tests/data/fuzz/$name/ and fix the code"
    return 1
  fi
  echo "fuzz $name: ${execs:-0} executions, coverage ${cov:-0}, no finding"
}

if [ "$target" = all ]; then
  # SYMPHONIC_FUZZ_JOBS targets at once (default: one per core; libFuzzer runs one thread), each
  # one's report printed whole, in the order of $targets, when all are done.
  jobs=${SYMPHONIC_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
  pids=()
  for name in $targets; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    # inside `||`, as before, so that set -e does not end a run at its first failing grep
    ( run_one "$name" "$@" || exit 1 ) >"$out/$name.report" 2>&1 &
    pids+=($!)
  done
  failed=0 k=0
  for name in $targets; do
    wait "${pids[$k]}" || failed=1
    cat "$out/$name.report"
    k=$((k + 1))
  done
  exit $failed
fi
run_one "$target" "$@"
