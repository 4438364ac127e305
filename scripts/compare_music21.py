#!/usr/bin/env python3
"""Tokenize MIDI files with music21 the recipe's way and compare with symphonic-tokens --recipe.

The recipe (Classical-Piano-Composer, lstm.py, get_notes) does, for each file:

    midi = converter.parse(file)
    try:
        notes_to_parse = instrument.partitionByInstrument(midi).parts[0].recurse()
    except Exception:
        notes_to_parse = midi.flat.notes
    for element in notes_to_parse:
        Note  -> str(element.pitch)
        Chord -> '.'.join(str(n) for n in element.normalOrder)

This script does exactly that (music21 5.7.2 is the version symphonic follows), times it, runs
`symphonic-tokens --recipe --names` on the same files, times that too, and reports per file whether
the token lists are identical, the first difference otherwise, and the speed ratio.

    python3 -m venv /tmp/m21 && /tmp/m21/bin/pip install music21==5.7.2
    /tmp/m21/bin/python scripts/compare_music21.py --tokens build/release/examples/symphonic-tokens \
        ../shared/corpus/midi_songs

Exit status: 0 when every file matches (or --allow-mismatch), 1 otherwise, 2 on usage errors.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def list_midi_files(paths):
    files = []
    for path in paths:
        if os.path.isdir(path):
            for root, _, names in os.walk(path):
                for name in names:
                    if name.lower().endswith((".mid", ".midi")):
                        files.append(os.path.join(root, name))
        else:
            files.append(path)
    return sorted(files)


def music21_tokens(path):
    from music21 import chord, converter, instrument, note

    # forceSource/storePickle: parse the MIDI every time, as a first run of the recipe does
    # (music21 otherwise caches parsed scores as pickles and later runs only unpickle them)
    midi = converter.parse(path, forceSource=True, storePickle=False)
    try:
        notes_to_parse = instrument.partitionByInstrument(midi).parts[0].recurse()
    except Exception:  # the recipe's bare except: no instruments -> all notes, flattened
        notes_to_parse = midi.flat.notes
    tokens = []
    for element in notes_to_parse:
        if isinstance(element, note.Note):
            tokens.append(str(element.pitch))
        elif isinstance(element, chord.Chord):
            tokens.append(".".join(str(n) for n in element.normalOrder))
    return tokens


def symphonic_tokens(binary, files):
    start = time.perf_counter()
    run = subprocess.run([binary, "--recipe", "--names"] + files, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        raise SystemExit("symphonic-tokens failed with status %d" % run.returncode)
    result = {}
    for line in run.stdout.splitlines():
        name, _, text = line.partition("\t")
        result[name] = text.split()
    return result, seconds


def fnv1a64(text):
    h = 0xcbf29ce484222325
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def write_digests(path, reference):
    """name<TAB>token count<TAB>FNV-1a 64 of the tokens joined by single spaces (hex)."""
    import music21
    with open(path, "w") as f:
        f.write("# music21 %s recipe tokens per file: name, count, fnv1a64 of ' '.join(tokens)\n"
                % music21.__version__)
        for file in sorted(reference, key=lambda p: os.path.basename(p)):
            tokens = reference[file]
            if isinstance(tokens, dict):
                continue
            f.write("%s\t%d\t%016x\n" % (os.path.basename(file), len(tokens),
                                          fnv1a64(" ".join(tokens))))


def music21_version():
    try:
        import music21
        return music21.__version__
    except ImportError:
        return "?"


def run_bench(binary):
    """(wall seconds, CPU seconds, files) of one BM_Recipe_TokenizeCorpus pass."""
    run = subprocess.run([binary, "--benchmark_filter=^BM_Recipe_TokenizeCorpus$",
                          "--benchmark_format=json", "--benchmark_repetitions=5",
                          "--benchmark_report_aggregates_only=true"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        return None
    report = json.loads(run.stdout)
    for b in report["benchmarks"]:
        if b.get("aggregate_name") == "median" or b.get("run_type") == "iteration":
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
            if b.get("error_occurred"):
                return None
            return b["real_time"] * scale, b["cpu_time"] * scale, int(b.get("files", 0))
    return None


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", help="MIDI files or folders (searched recursively)")
    parser.add_argument("--tokens", help="path of the symphonic-tokens program")
    parser.add_argument("--dump", help="write music21's tokens as JSON {file: [tokens]} here")
    parser.add_argument("--load", help="read music21's tokens from a --dump file instead")
    parser.add_argument("--digest", help="write per-file token counts and hashes here (test data)")
    parser.add_argument("--bench", help="path of bench_music: also run BM_Recipe_TokenizeCorpus and "
                        "compare its time per corpus pass with music21's")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run symphonic-tokens this many times and keep the fastest")
    parser.add_argument("--allow-mismatch", action="store_true")
    args = parser.parse_args()

    files = list_midi_files(args.paths)
    if not files:
        parser.error("no MIDI files found")

    reference = {}
    music21_seconds = None
    music21_cpu = None
    if args.load:
        with open(args.load) as f:
            reference = json.load(f)
    else:
        import warnings
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        cpu_start = time.process_time()
        for path in files:
            try:
                reference[path] = music21_tokens(path)
            except Exception as error:  # the recipe would stop here; we record it
                reference[path] = {"error": "%s: %s" % (type(error).__name__, error)}
        music21_seconds = time.perf_counter() - start
        music21_cpu = time.process_time() - cpu_start
        if args.dump:
            with open(args.dump, "w") as f:
                json.dump(reference, f)

    if args.digest:
        write_digests(args.digest, reference)

    if music21_seconds is not None:
        print("music21 %s: %d files in %.2f s wall, %.2f s CPU"
              % (music21_version(), len(files), music21_seconds, music21_cpu))
    bench = run_bench(args.bench) if args.bench else None
    if bench is not None and music21_seconds is not None:
        print("bench_music BM_Recipe_TokenizeCorpus: %.2f ms wall, %.2f ms CPU per pass over %d files"
              % (bench[0] * 1e3, bench[1] * 1e3, bench[2]))
        if bench[2] == len(files):
            print("speed-up over music21 (same files, same run): %.0fx wall/wall, %.0fx CPU/CPU"
                  % (music21_seconds / bench[0], music21_cpu / bench[1]))
    if not args.tokens:
        return 0

    ours, seconds = symphonic_tokens(args.tokens, files)
    for _ in range(args.repeat - 1):
        again, more = symphonic_tokens(args.tokens, files)
        seconds = min(seconds, more)

    matched = 0
    for path in files:
        theirs = reference.get(path)
        mine = ours.get(path)
        name = os.path.relpath(path)
        if isinstance(theirs, dict):
            print("SKIP  %s: music21 failed (%s)" % (name, theirs["error"]))
            continue
        if mine is None:
            print("FAIL  %s: symphonic-tokens printed no line for it" % name)
        elif mine == theirs:
            matched += 1
            print("OK    %s: %d tokens" % (name, len(mine)))
        else:
            i = first_difference(mine, theirs)
            print("FAIL  %s: %d vs %d tokens, first difference at %d: symphonic %s, music21 %s"
                  % (name, len(mine), len(theirs), i, mine[i:i + 5], theirs[i:i + 5]))
    print("identical: %d of %d files" % (matched, len(files)))
    if music21_seconds is not None:
        print("time: music21 %.3f s, symphonic-tokens %.3f s (whole process, all threads), ratio %.0fx"
              % (music21_seconds, seconds, music21_seconds / seconds))
    return 0 if matched == len(files) or args.allow_mismatch else 1


if __name__ == "__main__":
    sys.exit(main())
