#!/usr/bin/env python3
"""symphonic against the stacks a user would pick instead, back to back, same shapes, same threads.

One training step (forward, backward, RMSprop update) of
  recipe:  scalar input, LSTM 512 x 3 (recurrent dropout 0.3 where the stack has it), BatchNorm,
           Dropout 0.3, Dense 256, ReLU, BatchNorm, Dropout 0.3, Dense 358; T = 100, batch 64,
           the target after the window
  default: Embedding 64, LSTM 256 x 2 (dropout 0.2 between), Dropout 0.2, Dense 358 at every
           step; T = 64, batch 32
for each thread count, in this order: symphonic (bench/bench_nn, Google Benchmark, median of its
repetitions), PyTorch from a virtual environment (the newest from PyPI), Debian's PyTorch
(python3-torch), Keras from tensorflow-cpu (the recipe's own stack; its LSTM keeps recurrent
dropout, PyTorch's nn.LSTM has none, symphonic's figures include it). Every measurement runs in a
process of its own; its peak resident memory (ru_maxrss from wait4) is reported beside its rate.
With --precision bf16, symphonic's bf16 precision (AMX, else AVX512-BF16) runs against each peer's own bfloat16 mode:
torch.autocast("cpu", dtype=torch.bfloat16) and Keras' mixed_bfloat16 policy.

  python3 -m venv ~/venv-peers && ~/venv-peers/bin/pip install torch tensorflow-cpu
  python3 scripts/bench_peers.py --python ~/venv-peers/bin/python [--debian-python /usr/bin/python3]
          [--bench build/release/bench/bench_nn] [--threads 1 2] [--repeats 5] [--models recipe default]
          [--precision fp32 bf16]

Prints sequences/s (median, min-max over the repeats), peak RSS, and symphonic's ratio to each
peer. Peers are for runs by hand, not CI. The worker mode (`--worker FRAMEWORK`) is what the
driver runs in each child process.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

VOCAB = 358
SHAPES = {"recipe": dict(steps=100, batch=64), "default": dict(steps=64, batch=32)}


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", help="interpreter of a virtual environment with torch and tensorflow-cpu")
    p.add_argument("--debian-python", default="/usr/bin/python3", help="interpreter with Debian's python3-torch ('' to skip)")
    p.add_argument("--bench", default="build/release/bench/bench_nn")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--models", nargs="+", default=["recipe", "default"], choices=sorted(SHAPES))
    p.add_argument("--skip", nargs="*", default=[], help="peers to leave out: torch debian-torch keras")
    p.add_argument("--precision", nargs="+", default=["fp32"], choices=["fp32", "bf16"],
                   help="bf16: symphonic's bf16 precision against torch.autocast(bfloat16) and Keras' mixed_bfloat16")
    p.add_argument("--worker", choices=["torch", "keras"], help=argparse.SUPPRESS)
    p.add_argument("--model", choices=sorted(SHAPES), help=argparse.SUPPRESS)
    p.add_argument("--worker-precision", choices=["fp32", "bf16"], default="fp32", help=argparse.SUPPRESS)
    return p.parse_args()


def set_thread_env(threads):
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


def timed_steps(step, repeats):
    step()  # warm-up (graph building, allocator)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def torch_worker(model_name, threads, repeats, precision):
    set_thread_env(threads)
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    T, B = SHAPES[model_name]["steps"], SHAPES[model_name]["batch"]

    if model_name == "recipe":
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = torch.nn.LSTM(1, 512, num_layers=3)
                self.head = torch.nn.Sequential(
                    torch.nn.BatchNorm1d(512, eps=1e-3, momentum=0.01), torch.nn.Dropout(0.3), torch.nn.Linear(512, 256),
                    torch.nn.ReLU(), torch.nn.BatchNorm1d(256, eps=1e-3, momentum=0.01), torch.nn.Dropout(0.3),
                    torch.nn.Linear(256, VOCAB))

            def forward(self, x):
                out, _ = self.lstm(x)
                return self.head(out[-1])

        x = torch.randint(0, VOCAB, (T, B, 1)).float() / VOCAB
        y = torch.randint(0, VOCAB, (B,))
    else:
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = torch.nn.Embedding(VOCAB, 64)
                self.lstm = torch.nn.LSTM(64, 256, num_layers=2, dropout=0.2)
                self.drop = torch.nn.Dropout(0.2)
                self.dense = torch.nn.Linear(256, VOCAB)

            def forward(self, x):
                out, _ = self.lstm(self.embedding(x))
                return self.dense(self.drop(out)).reshape(-1, VOCAB)

        x = torch.randint(0, VOCAB, (T, B))
        y = torch.randint(0, VOCAB, (T * B,))
    model = Net().train()
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=False)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    version = "torch " + torch.__version__ + (", autocast bfloat16" if precision == "bf16" else "")
    return {"version": version, "batch": B, "times": timed_steps(step, repeats)}


def keras_recipe_model(keras, steps, vocab):
    """The recipe's model as its own script builds it: scalar input id / vocab, one softmax per window."""
    return keras.Sequential([
        keras.Input((steps, 1)),
        keras.layers.LSTM(512, recurrent_dropout=0.3, return_sequences=True),
        keras.layers.LSTM(512, recurrent_dropout=0.3, return_sequences=True),
        keras.layers.LSTM(512, recurrent_dropout=0.3),
        keras.layers.BatchNormalization(), keras.layers.Dropout(0.3), keras.layers.Dense(256),
        keras.layers.Activation("relu"), keras.layers.BatchNormalization(), keras.layers.Dropout(0.3),
        keras.layers.Dense(vocab), keras.layers.Activation("softmax")])


def keras_worker(model_name, threads, repeats, precision):
    set_thread_env(threads)
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np
    import tensorflow as tf

    if precision == "bf16":
        tf.keras.mixed_precision.set_global_policy("mixed_bfloat16")
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras = tf.keras
    T, B = SHAPES[model_name]["steps"], SHAPES[model_name]["batch"]
    rng = np.random.default_rng(0)
    if model_name == "recipe":
        model = keras_recipe_model(keras, T, VOCAB)
        x = (rng.integers(0, VOCAB, (B, T, 1)) / VOCAB).astype("float32")
        y = rng.integers(0, VOCAB, (B,))
    else:
        model = keras.Sequential([
            keras.Input((T,)), keras.layers.Embedding(VOCAB, 64),
            keras.layers.LSTM(256, return_sequences=True), keras.layers.Dropout(0.2),
            keras.layers.LSTM(256, return_sequences=True), keras.layers.Dropout(0.2),
            keras.layers.Dense(VOCAB), keras.layers.Activation("softmax")])
        x = rng.integers(0, VOCAB, (B, T))
        y = rng.integers(0, VOCAB, (B, T))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=1e-3))
    version = "keras " + keras.__version__ + " (tensorflow " + tf.__version__ + ")"
    if precision == "bf16":
        version += ", mixed_bfloat16"
    return {"version": version, "batch": B,
            "times": timed_steps(lambda: model.train_on_batch(x, y), repeats)}


def peak_rss_mib_of(cmd):
    """Runs cmd under wait4 so its own peak RSS (not the driver's) is known."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({proc.returncode}): {err.strip()[-800:]}")
    return out, usage.ru_maxrss / 1024.0


def symphonic(bench, model_name, threads, repeats, precision):
    bf16 = int(precision == "bf16")
    name = (f"BM_Recipe_TrainStep/batch:64/threads:{threads}/bf16:{bf16}/" if model_name == "recipe"
            else f"BM_Default_TrainStep/threads:{threads}/bf16:{bf16}/")
    out, rss = peak_rss_mib_of([bench, f"--benchmark_filter=^{name}", f"--benchmark_repetitions={repeats}",
                                "--benchmark_format=json", "--benchmark_report_aggregates_only=false"])
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    times = [b["real_time"] / 1e3 for b in runs]  # ms -> s
    if not runs:
        raise RuntimeError(f"{bench}: no run of {name} (bf16 needs AVX512-BF16)")
    return {"version": "symphonic" + (", bf16" if bf16 else ""), "batch": SHAPES[model_name]["batch"],
            "times": times, "rss": rss,
            "gflops": statistics.median(b["GFLOP/s"] for b in runs)}


def peer(python, framework, model_name, threads, repeats, precision):
    out, rss = peak_rss_mib_of([python, os.path.abspath(__file__), "--worker", framework, "--model", model_name,
                                "--threads", str(threads), "--repeats", str(repeats),
                                "--worker-precision", precision])
    result = json.loads(out.strip().splitlines()[-1])
    result["rss"] = rss
    return result


def rate(r):
    s = sorted(r["batch"] / t for t in r["times"])
    return statistics.median(s), s[0], s[-1]


def compare(args, peers, precision, model_name, threads):
    results = [("symphonic", symphonic(args.bench, model_name, threads, args.repeats, precision))]
    for label, python, framework in peers:
        try:
            results.append((label, peer(python, framework, model_name, threads, args.repeats, precision)))
        except RuntimeError as e:
            print(f"  {label}: {e}", file=sys.stderr)
    ours = rate(results[0][1])[0]
    print(f"{model_name}, {precision}, {threads} thread{'s' if threads > 1 else ''}:")
    for label, r in results:
        med, lo, hi = rate(r)
        extra = f", {r['gflops']:.0f} GFLOP/s" if "gflops" in r else ""
        ratio = "" if label == "symphonic" else f"   symphonic / this = {ours / med:.2f}x"
        print(f"  {label:13s} {med:7.2f} seq/s ({lo:.2f}-{hi:.2f}){extra}, peak RSS {r['rss']:.0f} MiB"
              f"  [{r['version']}]{ratio}", flush=True)


def main():
    args = parse()
    if args.worker:
        work = torch_worker if args.worker == "torch" else keras_worker
        print(json.dumps(work(args.model, args.threads[0], args.repeats, args.worker_precision)))
        return 0
    peers = []
    if args.python and "torch" not in args.skip:
        peers.append(("torch", args.python, "torch"))
    if args.debian_python and "debian-torch" not in args.skip:
        peers.append(("debian-torch", args.debian_python, "torch"))
    if args.python and "keras" not in args.skip:
        peers.append(("keras", args.python, "keras"))
    print(f"one training step, RMSprop; {args.repeats} repeats each; machine load {os.getloadavg()[0]:.2f}", flush=True)
    for precision in args.precision:
        for model_name in args.models:
            for threads in args.threads:
                compare(args, peers, precision, model_name, threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
