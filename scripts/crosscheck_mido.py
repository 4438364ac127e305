#!/usr/bin/env python3
"""Cross-check symphonic's note extraction against notes paired from mido's events.

    /usr/bin/python3 scripts/crosscheck_mido.py --inspect build/release/examples/symphonic-inspect DIR

For every .mid/.midi file under DIR, runs `symphonic-inspect --notes` and, independently,
parses the file with mido (Debian's python3-mido) and pairs its messages the way
symphonic documents it (midi/notes.hpp):
  - tracks are merged by tick, ties in track order (mido.merge_tracks); program changes apply
    to their channel in that merged order; a note takes the program in force at its note-on;
  - a note-on with velocity 0 is a note-off; overlapping notes of one key on one track and
    channel end first-in-first-out; a note-off with nothing to end is ignored;
  - notes never ended close at their track's last tick;
  - seconds come from the merged tempo changes through mido.tick2second.
Compares (track, channel, program, pitch, velocity, start_tick, end_tick) exactly and the
seconds within --tolerance. Prints the totals; exits 1 on any disagreement, 0 otherwise, and
77 when mido is not installed.
"""
import argparse
import collections
import os
import subprocess
import sys

try:
    import mido
except ImportError:  # pragma: no cover - reported to the caller
    print("crosscheck_mido: python3 mido is not installed; skipped")
    sys.exit(77)


def midi_files(root):
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            if name.lower().endswith((".mid", ".midi")):
                found.append(os.path.join(folder, name))
    return sorted(found)


def symphonic_notes(inspect, paths):
    """Runs symphonic-inspect --notes on the paths; returns {path: [note tuples]}."""
    notes = {}
    for start in range(0, len(paths), 64):
        batch = paths[start:start + 64]
        run = subprocess.run([inspect, "--notes", "--"] + batch, capture_output=True, text=True)
        current = None
        for line in run.stdout.splitlines():
            if line.startswith("# file: "):
                current = line[len("# file: "):]
                notes[current] = []
            elif line and not line.startswith("#"):
                cells = line.split("\t")
                ints = tuple(int(c) for c in cells[:7])
                notes[current].append(ints + (float(cells[7]), float(cells[8])))
    return notes


def mido_notes(path):
    """Pairs mido's messages into note tuples, as described in the module docstring."""
    midi = mido.MidiFile(path)
    tpq = midi.ticks_per_beat
    merged = []  # (tick, track, order, message): sorted stably by tick = mido.merge_tracks order
    track_end = []
    for t, track in enumerate(midi.tracks):
        tick = 0
        for order, message in enumerate(track):
            tick += message.time
            merged.append((tick, t, order, message))
        track_end.append(tick)
    merged.sort(key=lambda item: item[0])

    # Tempo map: (tick, seconds at tick, tempo), a later change at one tick replacing the earlier.
    segments = [[0, 0.0, 500000]]
    for tick, _, _, message in merged:
        if message.type == "set_tempo":
            last = segments[-1]
            if tick == last[0]:
                last[2] = message.tempo
            else:
                seconds = last[1] + mido.tick2second(tick - last[0], tpq, last[2])
                segments.append([tick, seconds, message.tempo])

    def seconds_at(tick):
        lo = 0
        for i, segment in enumerate(segments):
            if segment[0] <= tick:
                lo = i
            else:
                break
        segment = segments[lo]
        return segment[1] + mido.tick2second(tick - segment[0], tpq, segment[2])

    program = [0] * 16
    sounding = collections.defaultdict(collections.deque)
    notes = []
    for tick, t, _, message in merged:
        if message.type == "program_change":
            program[message.channel] = message.program
        elif message.type == "note_on" and message.velocity > 0:
            sounding[(t, message.channel, message.note)].append(
                (tick, message.velocity, program[message.channel]))
        elif message.type in ("note_off", "note_on"):
            queue = sounding.get((t, message.channel, message.note))
            if queue:
                start, velocity, prog = queue.popleft()
                notes.append((t, message.channel, prog, message.note, velocity, start, tick))
    for (t, channel, pitch), queue in sounding.items():
        for start, velocity, prog in queue:
            notes.append((t, channel, prog, pitch, velocity, start, max(start, track_end[t])))
    return [n + (seconds_at(n[5]), seconds_at(n[6])) for n in notes]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--inspect", required=True, help="path of the symphonic-inspect program")
    parser.add_argument("--tolerance", type=float, default=1e-8, help="seconds")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    paths = midi_files(args.folder)
    ours = symphonic_notes(args.inspect, paths)
    files = compared_notes = disagreements = skipped = 0
    for path in paths:
        try:
            reference = mido_notes(path)
        except Exception as error:  # mido cannot read it: nothing to compare against
            skipped += 1
            if args.verbose:
                print(f"{path}: mido failed: {error}")
            continue
        if path not in ours:
            disagreements += 1
            print(f"{path}: symphonic-inspect gave no notes")
            continue
        files += 1
        mine = sorted(ours[path])
        theirs = sorted(reference)
        compared_notes += len(theirs)
        bad = abs(len(mine) - len(theirs))
        for a, b in zip(mine, theirs):
            if a[:7] != b[:7] or abs(a[7] - b[7]) > args.tolerance or abs(a[8] - b[8]) > args.tolerance:
                bad += 1
                if args.verbose and bad < 5:
                    print(f"{path}: symphonic {a} mido {b}")
        if bad:
            print(f"{path}: {bad} disagreements ({len(mine)} vs {len(theirs)} notes)")
        disagreements += bad
    print(f"crosscheck_mido: {files} files, {compared_notes} notes, {disagreements} disagreements"
          + (f", {skipped} files mido could not read" if skipped else ""))
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
