#!/usr/bin/env python3
"""PyTorch on the GPU, on the model and shapes of bench/bench_cuda.cu, for scripts/gpu-check.sh.

  recipe model: scalar input, LSTM 512 x 3, BatchNorm, Dropout 0.3, Dense 256, ReLU, BatchNorm,
  Dropout 0.3, Dense 358; T = 100; RMSprop, gradient clipping at 5; the target after the window.

  train        nn.LSTM (cuDNN) without recurrent dropout: what cuDNN can run, batch 64 and 256
  train_rd     the recipe's recurrent dropout 0.3 (one mask on h_{t-1} per sequence, Keras'
               semantics), which cuDNN cannot run: three nn.LSTMCell stepped in a Python loop
  generate     stateful generation: nn.LSTM carrying (h, c), one token per call, softmax,
               torch.multinomial, the ids to the host (.cpu()), batch 1 and 64
Each in fp32 (TF32 off for cuBLAS and cuDNN) and in TF32. Prints one JSON object per line:
{"name": ..., "batch": ..., "tf32": ..., "rate": ..., "unit": "sequences/s" | "tokens/s",
 "median_ms": ..., "min_ms": ..., "max_ms": ...}. Runs by hand or from gpu-check.sh, never in CI.

  python3 scripts/bench_torch_cuda.py [--seconds 2] [--only train train_rd generate]
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn

VOCAB, STEPS, HIDDEN = 358, 100, 512


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.BatchNorm1d(HIDDEN), nn.Dropout(0.3), nn.Linear(HIDDEN, 256), nn.ReLU(),
                                 nn.BatchNorm1d(256), nn.Dropout(0.3), nn.Linear(256, VOCAB))

    def forward(self, h):
        return self.net(h)


class Recipe(nn.Module):
    """cuDNN's LSTM, no recurrent dropout."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, HIDDEN, 3, batch_first=True)
        self.head = Head()

    def forward(self, x, state=None):
        y, state = self.lstm(x, state)
        return self.head(y[:, -1]), state


class RecipeRecurrentDropout(nn.Module):
    """Three LSTMCells stepped in Python, h_{t-1} times one mask per sequence (Keras)."""

    def __init__(self, rate=0.3):
        super().__init__()
        self.cells = nn.ModuleList([nn.LSTMCell(1 if k == 0 else HIDDEN, HIDDEN) for k in range(3)])
        self.head = Head()
        self.rate = rate

    def forward(self, x):
        batch = x.shape[0]
        inputs = x
        for cell in self.cells:
            h = x.new_zeros(batch, HIDDEN)
            c = x.new_zeros(batch, HIDDEN)
            mask = (torch.rand(batch, HIDDEN, device=x.device) >= self.rate).float() / (1 - self.rate)
            outs = []
            for t in range(STEPS):
                h, c = cell(inputs[:, t], (h * mask, c))
                outs.append(h)
            inputs = torch.stack(outs, 1)
        return self.head(inputs[:, -1])


def timed(fn, seconds):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return times


def report(name, batch, tf32, times, per_call, unit):
    median = statistics.median(times)
    print(json.dumps(dict(name=name, batch=batch, tf32=tf32, rate=per_call / median, unit=unit,
                          median_ms=median * 1e3, min_ms=min(times) * 1e3, max_ms=max(times) * 1e3)), flush=True)


def train_step(model, batch):
    dev = "cuda"
    x = torch.randint(0, VOCAB, (batch, STEPS, 1), device=dev).float() / VOCAB
    y = torch.randint(0, VOCAB, (batch,), device=dev)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        out = model(x)
        logits = out[0] if isinstance(out, tuple) else out
        loss_fn(logits, y).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    return step


def generate_step(model, batch):
    state = [None]
    ids = torch.randint(0, VOCAB, (batch,), device="cuda")

    def step():
        nonlocal ids
        with torch.no_grad():
            x = (ids.float() / VOCAB).view(batch, 1, 1)
            logits, state[0] = model(x, state[0])
            ids = torch.multinomial(torch.softmax(logits, -1), 1).view(batch)
            ids.cpu()  # the host needs the tokens, as a generation loop does
    return step


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--only", nargs="*", default=["train", "train_rd", "generate"])
    a = p.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device for PyTorch")
    torch.manual_seed(1)
    for tf32 in (False, True):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        for batch in (64, 256):
            if "train" in a.only:
                m = Recipe().cuda().train()
                report("train", batch, tf32, timed(train_step(m, batch), a.seconds), batch, "sequences/s")
            if "train_rd" in a.only:
                m = RecipeRecurrentDropout().cuda().train()
                report("train_rd", batch, tf32, timed(train_step(m, batch), a.seconds), batch, "sequences/s")
        if "generate" in a.only:
            for batch in (1, 64):
                m = Recipe().cuda().eval()
                report("generate", batch, tf32, timed(generate_step(m, batch), a.seconds), batch, "tokens/s")


if __name__ == "__main__":
    main()
