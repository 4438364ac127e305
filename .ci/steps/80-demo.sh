# The README's main command, shortened: build, render the demo corpus, train for at most ~20
# seconds, generate; then check that the MIDI file it wrote reads back with notes in it (with mido, an
# independent reader, when it is installed; with symphonic's own reader otherwise).
set -euo pipefail
out=build/demo-ci
rm -rf "$out"
bash scripts/demo.sh --minutes 0.33 --out "$out" --length 300
test -s "$out/demo.mid"
test -s "$out/demo.svg"
grep -q '<rect class="note"' "$out/demo.svg"
# the audio, where FluidSynth and its sound font are installed (scripts/install-deps.sh): a WAV
# file that lasts as long as the piece, give or take its last notes' release
if command -v fluidsynth >/dev/null && [ -f /usr/share/sounds/sf2/default-GM.sf2 ]; then
  /usr/bin/python3 - "$out/demo.wav" "$out/demo.mid" <<'PY'
import sys, wave
with wave.open(sys.argv[1]) as w:
    seconds = w.getnframes() / w.getframerate()
print(f"{sys.argv[1]}: {w.getnchannels()} channels at {w.getframerate()} Hz, {seconds:.1f} s")
sys.exit(0 if seconds > 1.0 else 1)
PY
fi
if /usr/bin/python3 -c 'import mido' 2>/dev/null; then
  /usr/bin/python3 - "$out/demo.mid" <<'PY'
import sys, mido
midi = mido.MidiFile(sys.argv[1])
notes = sum(1 for track in midi.tracks for m in track if m.type == "note_on" and m.velocity > 0)
print(f"mido reads {sys.argv[1]}: {notes} notes, {midi.length:.1f} s")
sys.exit(0 if notes > 0 else 1)
PY
else
  build/release/examples/symphonic-eval --stats "$out/demo.mid" | awk 'NR == 2 { print; if ($2 + 0 <= 0) exit 1 }'
fi
