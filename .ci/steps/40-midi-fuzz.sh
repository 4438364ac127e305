# libFuzzer on the MIDI reader (tests/fuzz/fuzz_midi_read.cpp) for about 60 s, clang 14 with
# AddressSanitizer and UndefinedBehaviorSanitizer. Seeds: scripts/make_midi_seeds.py, the
# fixtures in tests/data/midi and, when present, the developer corpus (read at run time only).
# A failure leaves the input in build/fuzz/artifacts/: add it to tests/data/midi/regressions/.
set -euo pipefail
seconds=${SYMPHONIC_FUZZ_SECONDS:-60}
out=build/fuzz
bash scripts/build_fuzz_midi.sh "$out"
work="$out/corpus"   # libFuzzer adds new inputs to the first folder only
mkdir -p "$work" "$out/artifacts"
seeds=("$out/seeds")
corpus=${SYMPHONIC_CORPUS_DIR:-../shared/corpus}
if [ -d "$corpus" ]; then
  seeds+=("$corpus")
fi
"$out/fuzz_midi_read" "$work" "${seeds[@]}" -max_total_time="$seconds" -max_len=8192 \
  -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
  2>&1 | grep -v '^#[0-9]' | tail -n 30
status=${PIPESTATUS[0]}
if [ "$status" != 0 ]; then
  echo "fuzz_midi_read failed: the input is in $out/artifacts/; add it to tests/data/midi/regressions/"
  exit 1
fi
