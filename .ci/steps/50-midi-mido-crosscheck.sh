# Note extraction agrees with notes paired from mido's events on every corpus file
# (scripts/crosscheck_mido.py). Skipped when the corpus or python3-mido is absent.
set -euo pipefail
corpus=${SYMPHONIC_CORPUS_DIR:-../shared/corpus}
if [ ! -d "$corpus" ]; then
  echo "skipped: no corpus at $corpus"
  exit 0
fi
if ! /usr/bin/python3 -c 'import mido' 2>/dev/null; then
  echo "skipped: /usr/bin/python3 has no mido (apt-get install python3-mido)"
  exit 0
fi
inspect=build/release/examples/symphonic-inspect
if [ ! -x "$inspect" ]; then
  cmake --preset release >/dev/null
  cmake --build build/release --target symphonic-inspect
fi
/usr/bin/python3 scripts/crosscheck_mido.py --inspect "$inspect" "$corpus"
