#!/usr/bin/env bash
# symphonic-train --distributed under mpirun with 2 ranks: it trains, rank 0 alone reports and
# writes the checkpoints, and a single process resumes them.
#   train_cli.sh "MPIEXEC -n 2 [FLAGS]" PROGRAMS_DIR TUNES_DIR WORKDIR
set -u
mpiexec=$1 bin=$2 tunes=$3 work=$4
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
rm -rf "$work" && mkdir -p "$work/corpus"
"$bin/symphonic-tunes" --out "$work/corpus" "$tunes" > /dev/null || { echo "FAIL: symphonic-tunes"; exit 1; }
small=(--embedding 8 --hidden 24 --layers 1 --dense 16 --seq-len 16 --batch 8 --quiet --seed 3 --threads 1)
# shellcheck disable=SC2086  # the launcher and its flags are words
timeout 240 $mpiexec "$bin/symphonic-train" --distributed --sync-batch-norm --corpus "$work/corpus" \
  --checkpoint "$work/m.safetensors" --epochs 2 --max-steps 30 "${small[@]}" > "$work/train.log" 2>&1
rc=$?
echo "2 ranks: exit status $rc"
[ "$rc" -eq 0 ] || fail "the 2-rank run failed"
[ "$(grep -c '^data-parallel: 2 ranks' "$work/train.log")" -eq 1 ] || fail "rank 0 alone should report the ranks"
[ "$(grep -c '^stopped: ' "$work/train.log")" -eq 1 ] || fail "rank 0 alone should report the end"
[ -f "$work/m.safetensors" ] && [ -f "$work/m.last.safetensors" ] || fail "no checkpoints"
"$bin/symphonic-train" --corpus "$work/corpus" --checkpoint "$work/m.safetensors" --resume --max-steps 34 \
  --quiet --threads 1 > "$work/resume.log" 2>&1 || fail "one process does not resume the 2-rank run"
grep -q "at epoch .*, step 30" "$work/resume.log" || fail "the resumed run does not start at step 30"
[ "$failures" -eq 0 ] || sed 's/^/  | /' "$work/train.log" "$work/resume.log"
exit $(( failures > 0 ))
