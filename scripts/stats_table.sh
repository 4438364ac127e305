#!/usr/bin/env bash
# Music statistics of a model's samples against its corpus, beside the corpus's own noise floor
# (generate/stats.hpp, printed by symphonic-eval --stats):
#   1. the corpus split in two halves (files alternately, in path order), one half measured
#      against the other: how far two sets of real pieces of one corpus are from each other;
#   2. SEEDS pieces sampled from CHECKPOINT with the demo's settings (seeds 1..SEEDS, 400 tokens,
#      plain sampling with a repetition penalty of 1.2 and a frequency penalty of 0.1; others
#      with --sampler "FLAGS"), measured
#      against the whole corpus;
#   3. SEEDS pieces of 400 tokens sampled from the bigram baseline fitted on the training split
#      of CORPUS that CHECKPOINT was trained with (symphonic-eval --bigram-samples; plain
#      sampling), measured against the whole corpus.
#
#   scripts/stats_table.sh CORPUS CHECKPOINT [--seeds 10] [--out DIR] [--sampler "FLAGS"]
#
# Prints symphonic-eval's summary line of each, and the per-piece rows of the model's samples.
# By hand (needs the release programs: cmake --preset release && cmake --build build/release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
corpus=$1 checkpoint=$2
shift 2
seeds=10 out="" sampler="--repetition-penalty 1.2 --frequency-penalty 0.1"
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --sampler) sampler=${2:?}; shift 2 ;;
    *) echo "stats_table.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
bin=$root/build/release/examples
for program in symphonic-eval symphonic-generate; do
  [ -x "$bin/$program" ] || { echo "stats_table.sh: build $bin/$program first" >&2; exit 1; }
done
[ -d "$corpus" ] || { echo "stats_table.sh: $corpus is not a folder" >&2; exit 1; }
if [ -z "$out" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out/half-a" "$out/half-b" "$out/samples" "$out/bigram"
rm -f "$out"/half-a/* "$out"/half-b/* "$out"/samples/* "$out"/bigram/*

# 1. halves, as links to the corpus's files (numbered, so equal names in sub-folders stay apart)
k=0
while IFS= read -r file; do
  half=$([ $((k % 2)) = 0 ] && echo half-a || echo half-b)
  ln -s "$(cd "$(dirname "$file")" && pwd)/$(basename "$file")" "$out/$half/$(printf '%05d' "$k")-$(basename "$file")"
  k=$((k + 1))
done < <(find "$corpus" -type f \( -iname '*.mid' -o -iname '*.midi' \) | LC_ALL=C sort)
[ "$k" -ge 2 ] || { echo "stats_table.sh: $corpus holds fewer than two MIDI files" >&2; exit 1; }

echo "== corpus half A ($(( (k + 1) / 2 )) files) against half B ($(( k / 2 )) files)"
"$bin/symphonic-eval" --stats "$out/half-a" --reference "$out/half-b" --checkpoint "$checkpoint" | tail -1

# 2. the model's samples
"$bin/symphonic-generate" --checkpoint "$checkpoint" --out "$out/samples/sample.mid" --count "$seeds" --seed 1 \
  --length 400 $sampler >/dev/null  # (split into its flags on purpose)
echo "== $seeds samples of $checkpoint against the corpus"
"$bin/symphonic-eval" --stats "$out/samples" --reference "$corpus" --checkpoint "$checkpoint" | tail -n +2

# 3. the bigram baseline's samples
"$bin/symphonic-eval" --checkpoint "$checkpoint" --corpus "$corpus" --bigram-samples "$seeds" --out "$out/bigram" >/dev/null
echo "== $seeds samples of the bigram baseline against the corpus"
"$bin/symphonic-eval" --stats "$out/bigram" --reference "$corpus" --checkpoint "$checkpoint" | tail -1
