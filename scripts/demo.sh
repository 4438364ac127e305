#!/usr/bin/env bash
# The README's main command: from a fresh clone, build symphonic, train an LSTM on a corpus and
# write a generated piece as out/demo.mid with its piano roll out/demo.svg (and out/demo.wav where
# FluidSynth and a General MIDI sound font are installed).
#
#   scripts/demo.sh                        the bundled demo corpus (data/demo/*.tune): stops early, budget 2.5 min
#   scripts/demo.sh --corpus DIR           any folder of MIDI files (e.g. MAESTRO)
#   scripts/demo.sh --minutes 10           a longer training budget
#   scripts/demo.sh --out DIR --seed N     where to write, which seed to sample with
# Any further arguments go to symphonic-train (see build/release/examples/symphonic-train --help).
# On a machine without the build tools it runs scripts/install-deps.sh first (needs root or sudo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

corpus=""
minutes=2.5
out=out
seed=1
length=400
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus=${2:?--corpus needs a folder}; shift 2 ;;
    --minutes) minutes=${2:?--minutes needs a number}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --seed) seed=${2:?--seed needs a number}; shift 2 ;;
    --length) length=${2:?--length needs a number}; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
if [ -n "$corpus" ] && [ ! -d "$corpus" ]; then
  echo "demo.sh: $corpus is not a folder" >&2
  exit 1
fi

# 1. dependencies, only when something is missing
if ! command -v cmake >/dev/null || ! command -v ninja >/dev/null || [ ! -d /usr/include/eigen3 ] ||
   [ ! -f /usr/include/doctest/doctest.h ]; then
  echo "== installing build dependencies (scripts/install-deps.sh)"
  if [ "$(id -u)" = 0 ]; then SYMPHONIC_MINIMAL_DEPS=1 bash scripts/install-deps.sh
  else sudo env SYMPHONIC_MINIMAL_DEPS=1 bash scripts/install-deps.sh; fi
fi

# 2. build the programs (release)
echo "== building (release)"
start=$(date +%s)
cmake --preset release >/dev/null
cmake --build build/release --target symphonic-tunes symphonic-train symphonic-generate symphonic-eval \
  -j "${SYMPHONIC_JOBS:-2}" >/dev/null
bin=build/release/examples
echo "   built in $(( $(date +%s) - start )) s"
mkdir -p "$out"

# 3. the corpus: the bundled tunes, rendered to MIDI by symphonic's own writer. Training moves
#    each training tune by a random shift of up to 3 semitones either way every epoch
#    (--transpose, after the split, so no copy of a validation tune is trained on). The plateau
#    schedule waits 10 epochs (a small, noisy validation set) before it halves the learning rate;
#    training stops 40 epochs after the best validation loss (on this machine after about
#    120 epochs, 15 s: 14 tunes are learnt long before the budget is spent) or at the budget.
if [ -z "$corpus" ]; then
  corpus="$out/demo-corpus"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  echo "== rendering data/demo/*.tune"
  "$bin/symphonic-tunes" --out "$corpus" data/demo
  demo_args=(--seq-len 48 --batch 16 --val-split 0.15 --transpose -3..3 --epochs 100000 --patience 40
             --schedule "plateau factor=0.5 patience=10")
else
  demo_args=()
fi

# 4. train the default preset for the time budget (best and last checkpoints in $out; each demo
#    run starts afresh, so it replaces the checkpoints of an earlier one: --overwrite)
echo "== training on $corpus for at most $minutes minutes"
start=$(date +%s)
"$bin/symphonic-train" --corpus "$corpus" --checkpoint "$out/model.safetensors" --max-minutes "$minutes" \
  --seed "$seed" --overwrite "${demo_args[@]}" "${extra[@]}"
train_s=$(( $(date +%s) - start ))

# 5. generate from the best checkpoint: a MIDI file and its piano roll. Plain sampling (temperature
#    1, no top-p cut: both sharpen towards the most common length and lose the corpus's rhythm,
#    docs/app.md "Music statistics"), with recent tokens made less likely against loops, and the
#    more so the more often they came (the frequency penalty keeps one note length from taking
#    over: every seed 1-10 then keeps the corpus's rhythmic variety).
echo "== generating $length tokens"
"$bin/symphonic-generate" --checkpoint "$out/model.safetensors" --out "$out/demo.mid" --roll "$out/demo.svg" \
  --length "$length" --repetition-penalty 1.2 --frequency-penalty 0.1 --seed "$seed"
# 6. listening: a WAV file through FluidSynth and a General MIDI sound font, where Debian's
#    fluidsynth and fluid-soundfont-gm are installed (the library itself has no audio code)
soundfont=/usr/share/sounds/sf2/default-GM.sf2
audio="no $out/demo.wav: install Debian's fluidsynth and fluid-soundfont-gm to have the piece rendered as audio"
rm -f "$out/demo.wav"
if command -v fluidsynth >/dev/null && [ -f "$soundfont" ]; then
  if fluidsynth -ni -q -T wav -F "$out/demo.wav" -r 44100 "$soundfont" "$out/demo.mid" >"$out/fluidsynth.log" 2>&1 &&
     [ -s "$out/demo.wav" ]; then
    audio="wrote $out/demo.wav (rendered by FluidSynth with $soundfont)"
  else
    audio="fluidsynth could not render $out/demo.mid (see $out/fluidsynth.log)"
  fi
fi
echo "== statistics of the result against the corpus"
"$bin/symphonic-eval" --stats "$out/demo.mid" --reference "$corpus" --checkpoint "$out/model.safetensors" | tail -1

echo
echo "trained for ${train_s} s on $corpus"
echo "wrote $out/demo.mid (play it with any MIDI player, e.g. timidity $out/demo.mid)"
echo "wrote $out/demo.svg (piano roll; open it in a browser)"
echo "$audio"
echo "checkpoints: $out/model.safetensors (best), $out/model.last.safetensors (resume with:"
resume_args=$(printf ' %q' "${demo_args[@]}")  # quoted, so the line can be pasted
echo "  $bin/symphonic-train --corpus $corpus --checkpoint $out/model.safetensors --resume${demo_args[*]:+$resume_args})"
