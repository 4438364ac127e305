#!/usr/bin/env bash
# The data layer at scale: tokenize a synthetic corpus of many small MIDI files into a token
# cache, then load it back, with wall time and peak memory of each (GNU time), against a
# 1,000-file slice of the same corpus tokenized in the same run (the rate per file must not fall
# as the corpus grows). By hand, not in CI: 100,000 files take about 3 minutes to generate.
#
#   scripts/bench_corpus_scale.sh [--files 100000] [--dir DIR] [--encoder TEXT] [--threads N]
#
# --dir keeps the generated corpus (and reuses it when it already holds --files files);
# otherwise it lives in a temporary folder removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
files=100000
dir=""
encoder="chord"
threads=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files=${2:?}; shift 2 ;;
    --dir) dir=${2:?}; shift 2 ;;
    --encoder) encoder=${2:?}; shift 2 ;;
    --threads) threads=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_corpus_scale.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

cmake --preset release -S "$root" >/dev/null
cmake --build "$root/build/release" --target symphonic-tokens >/dev/null
tokens="$root/build/release/examples/symphonic-tokens"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$dir" ]; then dir="$work/corpus"; fi
if [ "$(find "$dir" -name '*.mid' 2>/dev/null | wc -l)" != "$files" ]; then
  rm -rf "$dir"
  python3 "$root/scripts/make_synthetic_corpus.py" "$dir" --files "$files"
fi
bytes=$(du -sb --apparent-size "$dir" | cut -f1)
echo "corpus: $files files, $bytes bytes; encoder \"$encoder\", $threads threads"

# run NAME CACHE FOLDER: symphonic-tokens --save, printing wall seconds and peak RSS
run() {
  /usr/bin/time -f "%e %M" -o "$work/time" \
    "$tokens" --save "$2" "$3" --encoder "$encoder" --threads "$threads" >"$work/out" 2>&1 ||
    { cat "$work/out"; exit 1; }
  read -r seconds kb <"$work/time"
  printf '%-34s %8.2f s  %8.1f MB peak  %s\n' "$1" "$seconds" "$(echo "$kb / 1024" | bc -l)" "$(tail -1 "$work/out")"
  eval "${4}_s=$seconds"
}

sync
run "tokenize 1,000 files (slice)" "$work/slice.tokens" "$dir/00000" slice
run "tokenize $files files" "$work/all.tokens" "$dir" full
run "reload from the cache" "$work/all.tokens" "$dir" reload
echo "cache file: $(stat -c %s "$work/all.tokens") bytes"
echo "rate per file: slice $(echo "1000 / $slice_s" | bc) files/s, full $(echo "$files / $full_s" | bc) files/s"
echo "reload is $(echo "$full_s / $reload_s" | bc -l | cut -c1-5)x faster than tokenizing"
