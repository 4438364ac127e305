#!/usr/bin/env bash
# The acceptance run of issue 6 (figures in docs/app.md): train the default preset on a corpus
# for a fixed time, compare its validation loss with the bigram baseline on the same split, and
# compare the longest run of one repeated token in 5 generated pieces (temperature 1, 500 tokens)
# with the corpus's own longest run.
#   scripts/app-acceptance.sh [CORPUS_DIR] [MINUTES] [OUT_DIR] [symphonic-train options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-$root/../shared/corpus/midi_songs}
minutes=${2:-10}
out=${3:-$root/build/acceptance}
shift $(( $# < 3 ? $# : 3 ))
bin=$root/build/release/examples
mkdir -p "$out"
if [ ! -f "$out/model.safetensors" ]; then
  "$bin/symphonic-train" --corpus "$corpus" --checkpoint "$out/model.safetensors" --max-minutes "$minutes" --seed 1 "$@" \
    | tee "$out/train.log"
fi
"$bin/symphonic-eval" --checkpoint "$out/model.safetensors" --corpus "$corpus" | tee "$out/eval.log"
"$bin/symphonic-eval" --stats "$corpus" --checkpoint "$out/model.safetensors" | tail -1 | tee "$out/corpus-stats.log"
# the begin-of-piece token when the vocabulary has one, else a random training window (the recipe)
primer=(--primer none)
if "$bin/symphonic-generate" --checkpoint "$out/model.safetensors" --out "$out/probe.mid" --length 1 | grep -q "no <begin>"; then
  primer=(--primer random --corpus "$corpus" --primer-length 64)
fi
rm -f "$out/probe.mid"
for seed in 1 2 3 4 5; do
  "$bin/symphonic-generate" --checkpoint "$out/model.safetensors" --out "$out/seed$seed.mid" --length 500 \
    --temperature 1 --seed "$seed" --roll "$out/seed$seed.svg" "${primer[@]}" | head -1
done | tee "$out/generate.log"
"$bin/symphonic-generate" --checkpoint "$out/model.safetensors" --out "$out/argmax.mid" --length 500 --argmax \
  "${primer[@]}" | tee "$out/argmax.log"
"$bin/symphonic-eval" --stats "$out" --reference "$corpus" --checkpoint "$out/model.safetensors" | tee "$out/generated-stats.log"
