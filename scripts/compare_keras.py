#!/usr/bin/env python3
"""symphonic against the recipe's own stack (Keras from tensorflow-cpu): the same wall time of
training, validation loss per token on the same held-out pieces.

  python3 scripts/compare_keras.py --python VENV/bin/python --corpus DIR [--minutes 5] [--threads 2]

VENV is a virtual environment with tensorflow-cpu (python3 -m venv VENV && VENV/bin/pip install
tensorflow-cpu). Three runs, one after another, each alone on the machine for --minutes:

  1. symphonic-train --recipe: the recipe's tokens ("chord recipe=1") and model (LSTM 512 x 3,
     recurrent dropout 0.3, batch norm, dense 256, RMSprop 1e-3), 100-token windows with the
     token after each as target, batch 64, the run's own split (10% of the pieces held out,
     seed 1). Scored with symphonic-eval on the validation pieces.
  2. The recipe in Keras (the model of the recipe's script, scalar input id / vocabulary size),
     trained on the windows of the same training pieces in a seeded shuffled order, batch 64,
     for the same wall time; then its mean cross-entropy (nats per token) over the same
     validation windows symphonic-eval scores (symphonic-eval --list names the pieces;
     symphonic-tokens --recipe gives their tokens; ids are the recipe's sorted(set(tokens))).
  3. symphonic-train with its default run (chord timing=1 markers=1 tokens, embedding, LSTM 256
     x 2, a target at every step, Adam) for the same time: its loss is per token of its own
     tokens, which are not the recipe's, so it is shown beside the others, not compared.

Each row also gives the add-k bigram baseline's loss on the same windows (symphonic-eval), and
for Keras its training steps. By hand, not in CI (needs tensorflow-cpu, takes 3 x --minutes).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_peers import keras_recipe_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "release", "examples")
STEPS, BATCH = 100, 64


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()[-800:]}")
    return result.stdout


def scores(checkpoint, corpus):
    """symphonic-eval's (model loss, bigram loss, targets) on the run's validation windows."""
    out = run([os.path.join(BIN, "symphonic-eval"), "--checkpoint", checkpoint, "--corpus", corpus])
    model = float(re.search(r"^model\s+([\d.]+)", out, re.M).group(1))
    bigram = float(re.search(r"^bigram\s+([\d.]+)", out, re.M).group(1))
    targets = int(re.search(r"(\d+) targets", out).group(1))
    return model, bigram, targets


def keras_worker(data_path, minutes, threads, seed):
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    tf.keras.utils.set_random_seed(seed)
    keras = tf.keras
    with open(data_path) as f:
        data = json.load(f)
    vocab = data["vocabulary"]
    ids = {t: i for i, t in enumerate(vocab)}
    V = len(vocab)

    def windows(pieces):  # symphonic's windows: (L - T - 1) / 1 + 1 of them when L > T
        xs, ys = [], []
        for tokens in pieces:
            seq = [ids[t] for t in tokens]
            for s in range(0, len(seq) - STEPS):
                xs.append(seq[s:s + STEPS])
                ys.append(seq[s + STEPS])
        return (np.asarray(xs, dtype="float32") / V)[..., None], np.asarray(ys)

    x_train, y_train = windows(data["train"])
    x_val, y_val = windows(data["validation"])
    model = keras_recipe_model(keras, STEPS, V)  # the same model bench_peers.py times
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=1e-3))
    order = np.random.default_rng(seed).permutation(len(x_train))
    deadline = time.monotonic() + 60.0 * minutes
    steps = 0
    while time.monotonic() < deadline:
        start = (steps * BATCH) % len(order)
        batch = order[start:start + BATCH]
        model.train_on_batch(x_train[batch], y_train[batch])
        steps += 1
    # mean -log p(target) in float64 over every validation window
    total = 0.0
    for s in range(0, len(x_val), 256):
        p = model.predict_on_batch(x_val[s:s + 256]).astype("float64")
        total -= np.log(np.maximum(p[np.arange(len(p)), y_val[s:s + 256]], 1e-300)).sum()
    return {"version": f"keras {keras.__version__} (tensorflow {tf.__version__})", "steps": steps,
            "windows_seen": steps * BATCH, "train_windows": len(x_train), "targets": len(x_val),
            "loss": total / len(x_val)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", help="the virtual environment's python, with tensorflow-cpu")
    p.add_argument("--corpus", help="MIDI folder (e.g. ../shared/corpus/midi_songs)")
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", help="folder for the checkpoints (default: a temporary one)")
    p.add_argument("--skip", nargs="*", default=[], help="runs to leave out: recipe keras default")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(keras_worker(args.worker, args.minutes, args.threads, args.seed)))
        return
    if not args.corpus or ("keras" not in args.skip and not args.python):
        p.error("--corpus is required, and --python unless --skip keras")
    for program in ("symphonic-train", "symphonic-eval", "symphonic-tokens"):
        if not os.access(os.path.join(BIN, program), os.X_OK):
            sys.exit(f"compare_keras.py: build {os.path.join(BIN, program)} first (cmake --workflow --preset release)")
    out = args.out or tempfile.mkdtemp(prefix="compare_keras.")
    os.makedirs(out, exist_ok=True)
    recipe = os.path.join(out, "recipe.safetensors")
    rows = []
    print(f"corpus {args.corpus}, {args.minutes} minutes each, {args.threads} threads", flush=True)

    if "recipe" not in args.skip or "keras" not in args.skip:
        # the split comes from symphonic's recipe run (trained here, or only made: one step)
        budget = ["--max-minutes", str(args.minutes)] if "recipe" not in args.skip else ["--max-steps", "1"]
        started = time.monotonic()
        run([os.path.join(BIN, "symphonic-train"), "--recipe", "--corpus", args.corpus, "--checkpoint", recipe,
                   "--overwrite", "--quiet", "--epochs", "100000", "--patience", "0", "--threads", str(args.threads),
                   "--seed", str(args.seed)] + budget)
        seconds = time.monotonic() - started
        model, bigram, targets = scores(recipe, args.corpus)
        if "recipe" not in args.skip:
            rows.append(("symphonic --recipe", "recipe", model, bigram, targets, f"{seconds:.0f} s in all"))
            print(f"symphonic recipe: validation loss {model:.4f} (bigram {bigram:.4f}) over {targets} targets", flush=True)

    if "keras" not in args.skip:
        validation = set(os.path.realpath(n) for n in run(
            [os.path.join(BIN, "symphonic-eval"), "--checkpoint", recipe, "--corpus", args.corpus, "--list"]).splitlines())
        pieces = {"train": [], "validation": []}
        every = set()
        for line in run([os.path.join(BIN, "symphonic-tokens"), "--recipe", "--names", args.corpus]).splitlines():
            name, _, text = line.partition("\t")
            tokens = text.split()
            every.update(tokens)
            pieces["validation" if os.path.realpath(name) in validation else "train"].append(tokens)
        if len(pieces["validation"]) != len(validation):
            sys.exit(f"compare_keras.py: found {len(pieces['validation'])} of the {len(validation)} validation pieces")
        data = os.path.join(out, "keras_data.json")
        with open(data, "w") as f:
            json.dump({"vocabulary": sorted(every), **pieces}, f)
        result = json.loads(run([args.python, os.path.abspath(__file__), "--worker", data, "--minutes", str(args.minutes),
                                 "--threads", str(args.threads), "--seed", str(args.seed)]).strip().splitlines()[-1])
        if result["targets"] != targets:
            sys.exit(f"compare_keras.py: Keras scored {result['targets']} windows, symphonic-eval {targets}")
        rows.append((result["version"], "recipe", result["loss"], bigram, result["targets"],
                     f"{result['steps']} steps, {result['windows_seen']} of {result['train_windows']} windows"))
        print(f"keras recipe: validation loss {result['loss']:.4f} over {result['targets']} targets", flush=True)

    if "default" not in args.skip:
        default = os.path.join(out, "default.safetensors")
        started = time.monotonic()
        run([os.path.join(BIN, "symphonic-train"), "--corpus", args.corpus, "--checkpoint", default, "--overwrite",
             "--quiet", "--epochs", "100000", "--patience", "0", "--max-minutes", str(args.minutes),
             "--threads", str(args.threads), "--seed", str(args.seed)])
        model, bigram, targets = scores(default, args.corpus)
        rows.append(("symphonic (default run)", "chord timing=1 markers=1", model, bigram, targets,
                     f"{time.monotonic() - started:.0f} s in all"))

    print()
    print("| run | tokens | validation loss (nats/token) | bigram, same windows | targets | notes |")
    print("|---|---|---|---|---|---|")
    for name, tokens, loss, bigram, targets, note in rows:
        print(f"| {name} | {tokens} | {loss:.4f} | {bigram:.4f} | {targets} | {note} |")


if __name__ == "__main__":
    main()
