#!/usr/bin/env bash
# A rank that dies or hangs mid-run: the survivors exit non-zero within a bounded time (never
# the 120 s guard), the hanging case with the message of the collective that timed out, and the
# last checkpoint rank 0 wrote still resumes.
#   rank_dies.sh "MPIEXEC -n 2 [FLAGS]" PROGRAM WORKDIR
set -u
mpiexec=$1 program=$2 work=$3
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
for mode in die hang; do
  rm -rf "$work/$mode" && mkdir -p "$work/$mode"
  start=$(date +%s)
  # shellcheck disable=SC2086  # the launcher and its flags are words
  timeout -k 5 120 $mpiexec "$program" "$mode" "$work/$mode" > "$work/$mode.log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  echo "$mode: exit status $rc after $elapsed s"
  [ "$rc" -ne 0 ] || fail "$mode: the job exited 0"
  [ "$elapsed" -lt 115 ] || fail "$mode: the survivors did not stop within 120 s"
  if [ "$mode" = hang ] && ! grep -q "did not take part in" "$work/$mode.log"; then
    fail "hang: no message about the collective that timed out"
  fi
  "$program" check "$work/$mode" || fail "$mode: the last checkpoint does not resume"
  [ "$failures" -eq 0 ] || sed 's/^/  | /' "$work/$mode.log"
done
exit $(( failures > 0 ))
