#!/usr/bin/env python3
"""MIDI ingest speed against symusic, on the same bytes in the same run.

    python3 -m venv /tmp/symusic && /tmp/symusic/bin/pip install symusic
    /tmp/symusic/bin/python scripts/compare_symusic.py --bench build/release/bench/bench_midi [CORPUS]

symusic's Score.from_midi parses a file into tracks of notes in ticks (with tempos, controls,
pedals), as symphonic's midi::read_score does (BM_Midi_ReadScore_Corpus); read plus the merged
note extraction with seconds and programs (BM_Midi_ReadAndExtract_Corpus) and read alone
(BM_Midi_Read_Corpus) are printed beside them. Both sides see every *.mid / *.midi file
under CORPUS (default ../shared/corpus, as bench_midi's SYMPHONIC_CORPUS_DIR), already in
memory, one thread; medians of --repeat passes. By hand, not in CI.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def midi_files(root):
    paths = []
    for folder, _, names in os.walk(root):
        paths += [os.path.join(folder, n) for n in names if os.path.splitext(n)[1] in (".mid", ".midi")]
    return sorted(paths)


def run_bench(binary, corpus, repeat):
    """{name: (wall s, CPU s, files)} of the corpus benchmarks, medians."""
    env = dict(os.environ, SYMPHONIC_CORPUS_DIR=corpus)
    run = subprocess.run([binary, "--benchmark_filter=^BM_Midi_(Read|ReadAndExtract|ReadScore)_Corpus$",
                          "--benchmark_format=json", f"--benchmark_repetitions={repeat}",
                          "--benchmark_report_aggregates_only=true"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env)
    if run.returncode != 0:
        sys.exit(run.stderr)
    out = {}
    for b in json.loads(run.stdout)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        if b.get("error_occurred"):
            sys.exit(f"{b['name']}: {b.get('error_message')}")
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
        out[b["run_name"]] = (b["real_time"] * scale, b["cpu_time"] * scale, int(b.get("files", 0)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                                  "shared", "corpus"))
    parser.add_argument("--bench", required=True, help="path of bench_midi")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        import symusic
    except ImportError:
        sys.exit("symusic is not importable: run this with a venv's python that has it (see the top of this file)")

    files = [open(p, "rb").read() for p in midi_files(args.corpus)]
    if not files:
        sys.exit(f"no MIDI files under {args.corpus}")
    size = sum(len(b) for b in files)
    walls, cpus, notes = [], [], 0
    for _ in range(args.repeat):
        w, c = time.perf_counter(), time.process_time()
        scores = [symusic.Score.from_midi(b) for b in files]
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        notes = sum(t.note_num() for s in scores for t in s.tracks)
        del scores
    sym_wall, sym_cpu = statistics.median(walls), statistics.median(cpus)

    bench = run_bench(args.bench, os.path.abspath(args.corpus), args.repeat)
    print(f"{len(files)} files, {size} bytes; symusic {symusic.__version__} found {notes} notes")
    print(f"symusic Score.from_midi            {sym_wall * 1e3:8.2f} ms wall {sym_cpu * 1e3:8.2f} ms CPU "
          f"{size / sym_cpu / 1e6:7.1f} MB/s (CPU); wall range {min(walls) * 1e3:.2f}-{max(walls) * 1e3:.2f} ms")
    for name in ("BM_Midi_Read_Corpus", "BM_Midi_ReadAndExtract_Corpus", "BM_Midi_ReadScore_Corpus"):
        wall, cpu, count = bench[name]
        if count and count != len(files):
            print(f"warning: {name} read {count} files, this script {len(files)}")
        print(f"symphonic {name:<30} {wall * 1e3:8.2f} ms wall {cpu * 1e3:8.2f} ms CPU "
              f"{size / cpu / 1e6:7.1f} MB/s (CPU); {sym_cpu / cpu:.2f}x symusic")


if __name__ == "__main__":
    main()
