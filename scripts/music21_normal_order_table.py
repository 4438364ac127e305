#!/usr/bin/env python3
"""Write music21's Chord.normalOrder for every non-empty pitch-class set (4095 lines).

Each line: the set as a 12-bit mask in decimal, a tab, the normal order joined by dots.
Bit k of the mask is pitch class k. The table is the reference for symphonic's
music::normal_order (tests/music/test_pitch.cpp). Run with the music21 version to compare
against (the recipe used 5.x):

    python3 -m venv /tmp/m21 && /tmp/m21/bin/pip install music21==5.7.2
    /tmp/m21/bin/python scripts/music21_normal_order_table.py > tests/data/music/normal_order_music21.tsv
"""
import sys

import music21
from music21 import chord


def main():
    out = sys.stdout
    out.write("# music21 %s Chord.normalOrder; mask<TAB>normal order\n" % music21.__version__)
    for mask in range(1, 1 << 12):
        # one pitch per class, in octave 4, so that the chord holds exactly this set
        pitches = [60 + pc for pc in range(12) if mask & (1 << pc)]
        order = chord.Chord(pitches).normalOrder
        out.write("%d\t%s\n" % (mask, ".".join(str(pc) for pc in order)))


if __name__ == "__main__":
    main()
