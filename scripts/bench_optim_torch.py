#!/usr/bin/python3
"""torch.optim steps and torch.save/torch.load on the sizes bench/bench_optim.cpp uses.

Run it right after bench_optim, on the same machine, for the ratios in docs/optim.md. Both wall
and CPU time are printed: on a shared machine compare CPU times (Google Benchmark's "CPU" column).

    /usr/bin/python3 scripts/bench_optim_torch.py [--threads N] [--params 5000000]

Threads are fixed before torch loads (OMP/OpenBLAS variables, OMP_WAIT_POLICY=PASSIVE, and
torch.set_num_threads), as the benchmark notes in issue 5 ask.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--params", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch  # noqa: E402  (after the thread settings)
    torch.set_num_threads(args.threads)

    n = args.params
    print(f"torch {torch.__version__}, {args.threads} thread(s), {n} float parameters")

    def time_steps(make, steps=40):
        param = torch.nn.Parameter(torch.rand(n) * 2 - 1)
        param.grad = (torch.rand(n) * 2 - 1) * 1e-2
        optimizer = make([param])
        for _ in range(3):
            optimizer.step()
        wall, cpu = [], []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(steps):
                optimizer.step()
            wall.append((time.perf_counter() - start) / steps * 1e3)
            cpu.append((time.process_time() - start_cpu) / steps * 1e3)
        return statistics.median(wall), statistics.median(cpu)

    cases = [
        ("Adam", lambda p: torch.optim.Adam(p, lr=1e-3)),
        ("AdamW", lambda p: torch.optim.AdamW(p, lr=1e-3)),
        ("RMSprop", lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=1e-7)),
        ("SGD nesterov", lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True)),
    ]
    for name, make in cases:
        wall, cpu = time_steps(make)
        print(f"{name:14s} step {wall:8.2f} ms wall {cpu:8.2f} ms CPU (median of {args.repeats})")

    param = torch.nn.Parameter(torch.zeros(n))
    param.grad = torch.rand(n) * 2 - 1
    wall, cpu = [], []
    for _ in range(args.repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(20):
            torch.nn.utils.clip_grad_norm_([param], 1e9)
        wall.append((time.perf_counter() - start) / 20 * 1e3)
        cpu.append((time.process_time() - start_cpu) / 20 * 1e3)
    print(f"{'clip_grad_norm':14s}      {statistics.median(wall):8.2f} ms wall {statistics.median(cpu):8.2f} ms CPU")

    # Checkpoint I/O: torch.save / torch.load of the same tensor (torch's zip format, no fsync).
    state = {"weight": torch.rand(n)}
    directory = os.environ.get("SYMPHONIC_BENCH_DIR", tempfile.gettempdir())
    path = os.path.join(directory, "bench_optim_torch.pt")
    saves, loads = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        torch.save(state, path)
        saves.append(time.perf_counter() - start)
        start = time.perf_counter()
        loaded = torch.load(path)
        loads.append(time.perf_counter() - start)
        assert loaded["weight"].shape[0] == n
    os.remove(path)
    megabytes = n * 4 / 2**20
    print(f"torch.save      {megabytes / statistics.median(saves):8.0f} MiB/s (no fsync)")
    print(f"torch.load      {megabytes / statistics.median(loads):8.0f} MiB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
