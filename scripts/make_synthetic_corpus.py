#!/usr/bin/env python3
"""Writes a synthetic corpus of many small MIDI files, for the scale benchmark of the data layer.

    python3 scripts/make_synthetic_corpus.py OUT_DIR [--files 100000] [--seed 1] [--jobs N]

Each file is a format 1 Standard MIDI File of two tracks: a tempo and time-signature track, and
one channel of melody with chords (a random walk in a major key, 3- and 4-note chords every few
beats, note lengths of an eighth to a half note, some rests), 60 to 400 notes, about 0.5-3 KB.
Files go into sub-folders of 1,000 (OUT_DIR/00000/000000.mid, ...) so no folder holds 100,000
names. The same seed always gives the same bytes. Nothing here comes from a third-party file.
"""
import argparse
import os
import random
import struct
import sys
from multiprocessing import Pool

from make_midi_seeds import chunk, vlq  # the seed writer's own SMF helpers (beside this file)

PER_FOLDER = 1000
MAJOR = (0, 2, 4, 5, 7, 9, 11)


def piece(seed, index):
    rng = random.Random(seed * 1_000_003 + index)
    division = 480
    tonic = 48 + rng.randrange(12)
    tempo = 60_000_000 // rng.randrange(70, 160)
    conductor = (b"\x00\xff\x51\x03" + tempo.to_bytes(3, "big") +
                 b"\x00\xff\x58\x04\x04\x02\x18\x08" + b"\x00\xff\x2f\x00")

    # (tick, order, bytes): order puts note-offs before note-ons at one tick
    events = [(0, 0, bytes((0xC0, rng.randrange(8))))]
    tick = 0
    degree = rng.randrange(7, 14)
    for _ in range(rng.randrange(40, 260)):
        length = rng.choice((240, 240, 480, 480, 960))
        if rng.random() < 0.1:  # a rest
            tick += length
            continue
        degree = max(0, min(27, degree + rng.choice((-2, -1, -1, 1, 1, 2, 0))))
        root = tonic + 12 * (degree // 7) + MAJOR[degree % 7]
        pitches = [root]
        if rng.random() < 0.25:  # a chord on the root: triad, sometimes with a seventh
            third = 4 if rng.random() < 0.6 else 3
            pitches += [root + third, root + 7] + ([root + 10] if rng.random() < 0.3 else [])
        velocity = rng.randrange(50, 110)
        for p in pitches:
            events.append((tick, 1, bytes((0x90, p, velocity))))
            events.append((tick + length, 0, bytes((0x80, p, 64))))
        tick += length
    events.sort(key=lambda e: (e[0], e[1]))

    body = bytearray()
    last = 0
    for at, _, message in events:
        body += vlq(at - last)
        body += message
        last = at
    body += b"\x00\xff\x2f\x00"
    return (chunk(b"MThd", struct.pack(">HHH", 1, 2, division)) +
            chunk(b"MTrk", conductor) + chunk(b"MTrk", bytes(body)))


def write_folder(args):
    out, seed, first, last = args
    folder = os.path.join(out, f"{first // PER_FOLDER:05d}")
    os.makedirs(folder, exist_ok=True)
    size = 0
    for index in range(first, last):
        data = piece(seed, index)
        with open(os.path.join(folder, f"{index:06d}.mid"), "wb") as f:
            f.write(data)
        size += len(data)
    return size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.files < 1:
        sys.exit("--files must be at least 1")
    tasks = [(args.out, args.seed, first, min(first + PER_FOLDER, args.files))
             for first in range(0, args.files, PER_FOLDER)]
    with Pool(args.jobs) as pool:
        total = sum(pool.imap_unordered(write_folder, tasks))
    print(f"{args.files} files, {total} bytes in {args.out}")


if __name__ == "__main__":
    main()
