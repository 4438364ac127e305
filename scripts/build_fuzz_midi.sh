#!/usr/bin/env bash
# Builds the MIDI reader's libFuzzer target with clang 14 and writes its seed corpus.
#   scripts/build_fuzz_midi.sh [OUT_DIR]     (default build/fuzz)
# Produces OUT_DIR/fuzz_midi_read and OUT_DIR/seeds/ (small hand-made files from
# scripts/make_midi_seeds.py plus the repository's tests/data/midi fixtures).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/fuzz}
mkdir -p "$out"
cxx=${CXX_FUZZ:-clang++-14}
command -v "$cxx" >/dev/null || cxx=clang++
"$cxx" -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer -Wall -Wextra -Wpedantic -Werror -I"$root/include" \
  "$root/tests/fuzz/fuzz_midi_read.cpp" -o "$out/fuzz_midi_read"
rm -rf "$out/seeds"
mkdir -p "$out/seeds"
python3 "$root/scripts/make_midi_seeds.py" "$out/seeds"
if [ -d "$root/tests/data/midi" ]; then
  find "$root/tests/data/midi" -type f -name '*.mid' -exec cp {} "$out/seeds/" \;
fi
echo "built $out/fuzz_midi_read with $(ls "$out/seeds" | wc -l) seeds"
