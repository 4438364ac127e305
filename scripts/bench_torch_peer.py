#!/usr/bin/python3
"""PyTorch peer for bench/bench_nn.cpp: the recipe model (scalar input, LSTM 512 x 3, BatchNorm,
Dropout 0.3, Dense 256, ReLU, BatchNorm, Dropout 0.3, Dense 358; T = 100) in float32, timing
forward, backward and one training step (RMSprop, Keras defaults) at batch 64 and 128.

Threads are set explicitly before torch loads: OPENBLAS_NUM_THREADS, OMP_NUM_THREADS,
MKL_NUM_THREADS, OMP_WAIT_POLICY=PASSIVE, then torch.set_num_threads. --coretype keep|unset|NAME
controls OPENBLAS_CORETYPE (the machine sets Haswell; 'unset' lets OpenBLAS pick its AVX-512
kernels). torch.nn.LSTM has no recurrent dropout, so the peer runs the recipe without it (our
figures include it; the mask costs little).

GFLOP/s counts matrix products only, as symphonic's Model::forward_flops: per sequence and layer
2 * 4H * (I + H) * T, plus the Dense layers on the last step; backward 2x, training step 3x.

usage: bench_torch_peer.py [--threads 2] [--batch 64 128] [--repeats 3] [--coretype keep] [--cpu-time]
"""
import argparse
import os
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, nargs="+", default=[64, 128])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--vocab", type=int, default=358)
    p.add_argument("--cpu-time", action="store_true",
                   help="time with the process CPU clock (on a loaded machine, with --threads 1)")
    p.add_argument("--coretype", default="keep", help="keep | unset | an OpenBLAS core name such as Haswell")
    return p.parse_args()


args = parse()
threads = str(args.threads)
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = threads
os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
if args.coretype == "unset":
    os.environ.pop("OPENBLAS_CORETYPE", None)
elif args.coretype != "keep":
    os.environ["OPENBLAS_CORETYPE"] = args.coretype

import torch  # noqa: E402  (after the environment is set)

torch.set_num_threads(args.threads)
torch.manual_seed(0)

H, L, V, T = 512, 3, args.vocab, args.steps


class Recipe(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(1, H, num_layers=L)
        self.head = torch.nn.Sequential(
            torch.nn.BatchNorm1d(H, eps=1e-3, momentum=0.01), torch.nn.Dropout(0.3), torch.nn.Linear(H, 256),
            torch.nn.ReLU(), torch.nn.BatchNorm1d(256, eps=1e-3, momentum=0.01), torch.nn.Dropout(0.3),
            torch.nn.Linear(256, V))

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[-1])


def forward_flops(batch):
    lstm = sum(2 * 4 * H * ((1 if l == 0 else H) + H) * T * batch for l in range(L))
    return lstm + 2 * (H * 256 + 256 * V) * batch


def clock():
    return time.process_time() if args.cpu_time else time.perf_counter()


def timed(fn, repeats):
    fn()  # warm-up
    best = []
    for _ in range(repeats):
        start = clock()
        fn()
        best.append(clock() - start)
    return sorted(best)[len(best) // 2]  # median


def main():
    model = Recipe().train()
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"{'CPU' if args.cpu_time else 'wall'} time", flush=True)
    for batch in args.batch:
        x = torch.randint(0, V, (T, batch, 1)).float() / V
        y = torch.randint(0, V, (batch,))
        loss_fn = torch.nn.CrossEntropyLoss()
        state = {}

        def forward():
            state["loss"] = loss_fn(model(x), y)

        def backward():
            state["loss"].backward()

        def train_step():
            opt.zero_grad(set_to_none=False)
            loss_fn(model(x), y).backward()
            opt.step()

        t_fwd = timed(forward, args.repeats)
        t_bwd = []
        for _ in range(args.repeats + 1):
            forward()
            opt.zero_grad(set_to_none=False)
            start = clock()
            backward()
            t_bwd.append(clock() - start)
        t_bwd = sorted(t_bwd[1:])[len(t_bwd[1:]) // 2]
        t_step = timed(train_step, args.repeats)
        f = forward_flops(batch)
        for name, t, mult in (("forward", t_fwd, 1), ("backward", t_bwd, 2), ("train_step", t_step, 3)):
            print(f"torch batch={batch} {name}: {t * 1e3:.0f} ms  {batch / t:.2f} seq/s  {mult * f / t / 1e9:.1f} GFLOP/s",
                  flush=True)


if __name__ == "__main__":
    sys.exit(main())
