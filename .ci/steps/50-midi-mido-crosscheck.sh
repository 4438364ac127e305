# Note extraction agrees with notes paired from mido's events on every corpus file
# (scripts/crosscheck_mido.py). Skipped when the corpus or python3-mido is absent.
# First, symphonic-inspect on broken inputs: it must report them (exit 1), never crash.
set -euo pipefail
inspect=build/release/examples/symphonic-inspect
if [ ! -x "$inspect" ]; then
  cmake --preset release >/dev/null
  cmake --build build/release --target symphonic-inspect
fi
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
python3 scripts/make_midi_seeds.py "$seeds"
set +e
"$inspect" --json "$seeds"/*.mid tests/data/midi/regressions/*.mid /dev/null >"$seeds/out.json"
rc=$?
set -e
if [ "$rc" != 1 ]; then
  echo "symphonic-inspect on broken inputs: exit status $rc, expected 1"
  exit 1
fi
echo "symphonic-inspect: $(grep -c '"ok":true' "$seeds/out.json") read, $(grep -c '"ok":false' "$seeds/out.json") refused, no crash"
corpus=${SYMPHONIC_CORPUS_DIR:-../shared/corpus}
if [ ! -d "$corpus" ]; then
  echo "skipped: no corpus at $corpus"
  exit 0
fi
if ! /usr/bin/python3 -c 'import mido' 2>/dev/null; then
  echo "skipped: /usr/bin/python3 has no mido (apt-get install python3-mido)"
  exit 0
fi
/usr/bin/python3 scripts/crosscheck_mido.py --inspect "$inspect" "$corpus"
