#!/usr/bin/env python3
"""Which files' tokens occur, as one contiguous run, in the recipe's own token list.

    /tmp/m21/bin/python scripts/compare_music21.py ../shared/corpus/midi_songs --dump /tmp/m21.json
    python3 scripts/recipe_coverage.py /tmp/m21.json ../shared/reference/recipe_notes.txt

Prints each file not found (with the longest of its first 1000/300/100/30/10 tokens that is
found), then the found files in list order with their positions, and the vocabulary sizes.
tests/music/README.md records the result.
"""
import json
import os
import sys


def find(haystack, needle):
    if not needle:
        return -1
    first = needle[0]
    for i in range(len(haystack) - len(needle) + 1):
        if haystack[i] == first and haystack[i:i + len(needle)] == needle:
            return i
    return -1


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    tokens_by_file = json.load(open(sys.argv[1]))
    notes = [line for line in open(sys.argv[2]).read().split("\n") if line]
    print("recipe list: %d tokens, %d distinct" % (len(notes), len(set(notes))))
    found, vocab_all, vocab_found = [], set(), set()
    for path in sorted(tokens_by_file):
        tokens = tokens_by_file[path]
        if isinstance(tokens, dict):
            print("music21 failed on", path, tokens)
            continue
        vocab_all |= set(tokens)
        name = os.path.basename(path)
        at = find(notes, tokens)
        if at >= 0:
            found.append((at, name, len(tokens)))
            vocab_found |= set(tokens)
            continue
        prefix = 0
        for k in (1000, 300, 100, 30, 10):
            if len(tokens) >= k and find(notes, tokens[:k]) >= 0:
                prefix = k
                break
        print("not found: %s (%d tokens; longest prefix found: %d)" % (name, len(tokens), prefix))
    found.sort()
    end = 0
    for at, name, count in found:
        print("%6d %6d %s%s" % (at, at + count, name, "" if at == end else "  (gap before)"))
        end = at + count
    print("found %d files covering %d of %d tokens; vocabulary of the found files %d, of all %d"
          % (len(found), sum(c for _, _, c in found), len(notes), len(vocab_found), len(vocab_all)))


if __name__ == "__main__":
    main()
