#!/usr/bin/env python3
"""Write small MIDI files that exercise music21's quirks, and the tokens music21 gives them.

    /tmp/m21/bin/python scripts/music21_fixtures.py tests/data/music/quirks [COUNT]

    /tmp/m21/bin/python scripts/music21_fixtures.py --fuzz SEED COUNT FOLDER

The first form writes <name>.mid for each fixture below (and COUNT random files, random_NNN.mid, if a count
follows the folder) and music21.tsv (name<TAB>tokens, space separated),
the recipe's tokens as music21 (5.7.2, the version symphonic follows) computes them. The MIDI
bytes are written here by hand, so the files do not depend on symphonic's writer.
tests/music/test_chord_encoder.cpp checks symphonic's recipe encoder against music21.tsv. The
--fuzz form writes COUNT harder random files (fuzz_NNNN.mid) and their music21.tsv into FOLDER,
for a one-off comparison:

    for f in FOLDER/*.mid; do printf '%s\t' $(basename $f .mid); symphonic-tokens $f; done
"""
import os
import struct
import sys

TPQ = 480


def varlen(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def track(events):
    """events: (tick, bytes) in any order; sorted stably by tick."""
    data = b""
    now = 0
    for tick, raw in sorted(events, key=lambda e: e[0]):
        data += varlen(tick - now) + raw
        now = tick
    data += varlen(0) + b"\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(data)) + data


def smf(tracks, tpq=TPQ):
    fmt = 0 if len(tracks) == 1 else 1
    return b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), tpq) + b"".join(tracks)


def on(t, p, v=80, ch=0):
    return (t, bytes([0x90 | ch, p, v]))


def off(t, p, ch=0, zero_velocity_on=False):
    return (t, bytes([0x90 | ch, p, 0]) if zero_velocity_on else bytes([0x80 | ch, p, 64]))


def program(t, n, ch=0):
    return (t, bytes([0xC0 | ch, n]))


def cc(t, c, v, ch=0):
    return (t, bytes([0xB0 | ch, c, v]))


def tempo(t, bpm):
    return (t, b"\xff\x51\x03" + struct.pack(">I", int(60000000 / bpm))[1:])


def note(t, p, length, v=80, ch=0):
    return [on(t, p, v, ch), off(t + length, p, ch)]


def fixtures():
    f = {}
    # a second note-on of a sounding key ends the first and is used up; CC 64 ends nothing
    f["repeated_note_on"] = smf([track([program(0, 0), on(0, 60), on(480, 60), off(960, 60),
                                        on(1440, 60), cc(1500, 64, 127), off(1920, 60),
                                        *note(1920, 64, 480), cc(2000, 64, 0)])])
    # chords are made before quantizing, within 480/16 = 30 ticks, only with equal ends
    f["chord_tolerance"] = smf([track([program(0, 0), *note(0, 60, 480), *note(25, 64, 470),
                                       *note(29, 67, 900), *note(35, 72, 480),
                                       *note(960, 62, 480), *note(990, 65, 480), *note(1021, 69, 480),
                                       *note(1920, 48, 100), *note(1940, 55, 100)])])
    # offsets and durations on the 1/4 and 1/3 grids, and the ties between them
    f["quantize_grids"] = smf([track([program(0, 0)] + [x for i, t in enumerate(
        [0, 160, 320, 480, 600, 720, 840, 960, 1020, 1100, 1130, 1280, 1400, 1490])
        for x in note(t, 60 + i, 100)])])
    # the first instrument found is the part kept; other tracks' instruments are other parts
    f["two_instruments"] = smf([
        track([tempo(0, 100), (0, b"\xff\x58\x04\x04\x02\x18\x08")]),
        track([program(0, 40, 1)] + note(0, 76, 480, ch=1) + note(480, 77, 480, ch=1) +
              [program(960, 0, 1)] + note(960, 79, 480, ch=1) + note(1440, 81, 480, ch=1)),
        track([program(0, 0)] + note(0, 48, 960) + note(960, 50, 960)),
        track([program(0, 40, 2)] + note(240, 84, 240, ch=2) + note(1200, 86, 240, ch=2)),
    ])
    # no program change anywhere: all notes of all tracks, flattened
    f["no_program"] = smf([track(note(0, 60, 480) + note(480, 62, 480)),
                           track(note(0, 48, 960) + note(480, 50, 240) + note(960, 52, 480))])
    # notes before the first program change of their track belong to no part
    f["late_program"] = smf([track(note(0, 60, 480) + note(480, 62, 480) + [program(960, 0)] +
                                   note(960, 64, 480) + note(1440, 65, 480))])
    # overlapping notes that start together but end apart need voices; one that fits no voice
    # is dropped
    f["voices"] = smf([track([program(0, 0)] + note(0, 60, 1920) + note(0, 64, 480) + note(0, 67, 960) +
                             note(480, 62, 480) + note(480, 71, 1440) + note(960, 65, 960) +
                             note(1440, 69, 480) + note(1920, 72, 480))])
    # unknown programs (no music21 class) share one part named None
    f["unknown_programs"] = smf([track([program(0, 1)] + note(0, 60, 480) + note(480, 61, 480)),
                                 track([program(0, 2, 1)] + note(240, 72, 480, ch=1)),
                                 track([program(0, 0, 2)] + note(0, 36, 480, ch=2))])
    # velocity-0 note-ons as note-offs, a note-on left open, a zero-length note (1 quarter)
    f["note_off_forms"] = smf([track([program(0, 0), on(0, 60), off(480, 60, zero_velocity_on=True),
                                      on(480, 62), on(960, 64), off(960, 64), on(1000, 67),
                                      off(1440, 67)])])
    return f


def random_file(rng):
    """A small random file: 1-3 tracks, jittered onsets, chords, overlaps, program changes."""
    tpq = rng.choice([96, 120, 480, 1024])
    tracks = []
    for t in range(rng.randint(1, 3)):
        ch = rng.randrange(16)
        events = []
        if rng.random() < 0.8:
            events.append(program(rng.choice([0, 0, rng.randrange(4) * tpq]), rng.choice([0, 1, 40, 73, 90]), ch))
        if rng.random() < 0.3:
            events.append(program(rng.randrange(8) * tpq, rng.choice([0, 40, 5]), ch))
        now = 0
        for _ in range(rng.randint(1, 40)):
            now += rng.choice([0, 0, tpq // 4, tpq // 3, tpq // 2, tpq, rng.randrange(tpq)])
            for _ in range(rng.choice([1, 1, 1, 2, 3, 4])):
                start = now + rng.choice([0, 0, 0, rng.randrange(tpq // 8 + 1)])
                length = rng.choice([0, tpq // 3, tpq // 2, tpq, 2 * tpq, rng.randrange(1, 3 * tpq)])
                key = rng.randrange(36, 90)
                events.append(on(start, key, rng.randrange(1, 128), ch))
                events.append(off(start + length, key, ch, zero_velocity_on=rng.random() < 0.5))
        tracks.append(track(events))
    return smf(tracks, tpq)


def random_file_hard(rng):
    """Harder random files: conductor tracks, several program changes, CC 64, odd divisions."""
    tpq = rng.choice([96, 100, 120, 384, 480, 960, 1024, 7])
    tracks = []
    if rng.random() < 0.5:
        ev = [tempo(0, 120)]
        for _ in range(rng.randint(0, 4)):
            ev.append((rng.randrange(20 * tpq), b"\xff\x58\x04\x03\x02\x18\x08"))
            ev.append(tempo(rng.randrange(30 * tpq), rng.choice([60, 90, 150])))
        tracks.append(track(ev))
    for t in range(rng.randint(1, 4)):
        events = []
        for _ in range(rng.choice([0, 1, 1, 2, 4])):
            ch = rng.randrange(3)
            events.append(program(rng.choice([0, 0, rng.randrange(6) * tpq, rng.randrange(6 * tpq)]), rng.choice([0, 1, 2, 40, 41, 73, 90, 24]), ch))
        if rng.random() < 0.3:
            events.append(cc(rng.randrange(4 * tpq), 64, 127, 0))
        now = 0
        for _ in range(rng.randint(1, 50)):
            now += rng.choice([0, 0, max(1, tpq // 4), max(1, tpq // 3), tpq // 2, tpq, rng.randrange(max(1, tpq))])
            for _ in range(rng.choice([1, 1, 1, 2, 3, 4, 6])):
                start = now + rng.choice([0, 0, 0, rng.randrange(tpq // 8 + 1), rng.randrange(tpq // 4 + 1)])
                length = rng.choice([0, 1, tpq // 3, tpq // 2, tpq, 2 * tpq, rng.randrange(1, 3 * tpq)])
                key = rng.randrange(36, 90) if rng.random() < 0.8 else rng.choice([60, 64])
                ch = rng.randrange(3)
                events.append(on(start, key, rng.randrange(1, 128), ch))
                if rng.random() < 0.95:
                    events.append(off(start + length, key, ch, zero_velocity_on=rng.random() < 0.5))
        tracks.append(track(events))
    return smf(tracks, tpq)

def music21_tokens(path):
    from music21 import chord, converter, instrument, note
    midi = converter.parse(path, forceSource=True, storePickle=False)
    try:
        notes_to_parse = instrument.partitionByInstrument(midi).parts[0].recurse()
    except Exception:
        notes_to_parse = midi.flat.notes
    out = []
    for element in notes_to_parse:
        if isinstance(element, note.Note):
            out.append(str(element.pitch))
        elif isinstance(element, chord.Chord):
            out.append(".".join(str(n) for n in element.normalOrder))
    return out


def fuzz(folder, seed, count):
    """Writes COUNT harder random files and music21's tokens for them (music21.tsv)."""
    import random
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        name = "fuzz_%04d" % i
        path = os.path.join(folder, name + ".mid")
        with open(path, "wb") as f:
            f.write(random_file_hard(rng))
        try:
            lines.append(name + "\t" + " ".join(music21_tokens(path)))
        except Exception:
            os.remove(path)
    with open(os.path.join(folder, "music21.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    if sys.argv[1] == "--fuzz":
        return fuzz(sys.argv[4], int(sys.argv[2]), int(sys.argv[3]))
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    import music21
    lines = ["# music21 %s recipe tokens of the fixtures written by scripts/music21_fixtures.py"
             % music21.__version__]
    for name, data in sorted(fixtures().items()):
        path = os.path.join(folder, name + ".mid")
        with open(path, "wb") as f:
            f.write(data)
        lines.append(name + "\t" + " ".join(music21_tokens(path)))
    import random
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    rng = random.Random(1234)
    for i in range(count):
        name = "random_%03d" % i
        path = os.path.join(folder, name + ".mid")
        with open(path, "wb") as f:
            f.write(random_file(rng))
        try:
            lines.append(name + "\t" + " ".join(music21_tokens(path)))
        except Exception:  # music21 cannot read it (the recipe would stop): not a fixture
            os.remove(path)
    with open(os.path.join(folder, "music21.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
