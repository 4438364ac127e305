# The recipe's tokens against music21 itself: install music21 5.7.2 into a temporary venv (skip
# this step when that is not possible, e.g. offline), tokenize ../shared/corpus/midi_songs with
# it the recipe's way, and require symphonic-tokens --recipe to give identical tokens for every
# file; also prints the speed ratio against bench_music. About 1-2 minutes.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus="$root/../shared/corpus/midi_songs"
build="$root/build/release"
if [ ! -d "$corpus" ]; then
  echo "60-music21-compare: skipped (no ../shared/corpus)"
  exit 0
fi
if [ ! -x "$build/examples/symphonic-tokens" ]; then
  cmake --build "$build" --target symphonic-tokens bench_music -j2 || exit 1
fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
if ! "$python" -m venv "$venv" >/dev/null 2>&1 ||
   ! timeout 180 "$venv/bin/pip" install -q music21==5.7.2 >/dev/null 2>&1; then
  echo "60-music21-compare: skipped (cannot install music21 5.7.2 here)"
  exit 0
fi
bench=()
[ -x "$build/bench/bench_music" ] && bench=(--bench "$build/bench/bench_music")
timeout 300 "$venv/bin/python" "$root/scripts/compare_music21.py" \
  --tokens "$build/examples/symphonic-tokens" "${bench[@]}" "$corpus" 2>/dev/null | grep -v '^OK '
exit "${PIPESTATUS[0]}"
