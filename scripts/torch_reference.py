#!/usr/bin/python3
"""Independent reference for symphonic's nn::Model: the same network in PyTorch.

Reads the <case>.in.raw files that the C++ test "torch reference: write the model inputs" writes
(model config text, parameters and batch-norm buffers with PyTorch state_dict names, a batch of
ids), builds the matching torch.nn modules from the config, loads the tensors with
load_state_dict(strict=True), runs forward + cross-entropy + backward in float64 in training mode,
and writes torch_<case>.raw with the inputs plus torch's logits, loss, gradients and updated
buffers. The C++ tests compare against those files (committed in tests/data/nn/).

usage: torch_reference.py DIR [--out DIR2]    (needs Debian's python3-torch)
"""
import argparse
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

MAGIC = b"symphonic-raw 1\n"


def read_raw(path):
    records = {}
    with open(path, "rb") as f:
        if f.readline() != MAGIC:
            raise ValueError(f"{path}: not a symphonic-raw file")
        while True:
            line = f.readline().decode()
            if line == "end\n":
                return records
            if not line:
                raise ValueError(f"{path}: no end marker")
            parts = line.split()
            name, kind, ndim = parts[0], parts[1], int(parts[2])
            shape = [int(d) for d in parts[3:3 + ndim]]
            count = int(np.prod(shape)) if shape else 1
            if kind == "txt":
                records[name] = f.read(count).decode()
            else:
                dtype = {"f64": "<f8", "i32": "<i4"}[kind]
                size = {"f64": 8, "i32": 4}[kind]
                records[name] = np.frombuffer(f.read(count * size), dtype=dtype).reshape(shape).copy()


def write_raw(path, records):
    with open(path, "wb") as f:
        f.write(MAGIC)
        for name, value in records:
            if isinstance(value, str):
                data = value.encode()
                f.write(f"{name} txt 1 {len(data)}\n".encode())
                f.write(data)
                continue
            value = np.asarray(value)
            kind, dtype = ("i32", "<i4") if value.dtype.kind in "iu" else ("f64", "<f8")
            f.write(f"{name} {kind} {value.ndim} {' '.join(str(d) for d in value.shape)}\n".encode())
            f.write(np.ascontiguousarray(value, dtype=dtype).tobytes())
        f.write(b"end\n")


def parse_config(text):
    lines = text.strip().splitlines()
    assert lines[0].strip() == "symphonic-model-config 1", lines[0]
    cfg = dict(line.split("=", 1) for line in lines[1:] if line.strip())
    return {
        "vocab_size": int(cfg["vocab_size"]),
        "input": cfg["input"],
        "embedding_size": int(cfg["embedding_size"]),
        "lstm_size": int(cfg["lstm_size"]),
        "lstm_layers": int(cfg["lstm_layers"]),
        "recurrent_dropout": float(cfg["recurrent_dropout"]),
        "lstm_dropout": float(cfg["lstm_dropout"]),
        "dense_sizes": [int(s) for s in cfg["dense_sizes"].split(",") if s],
        "batch_norm": cfg["batch_norm"] in ("1", "true"),
        "dropout": float(cfg["dropout"]),
        "bn_momentum": float(cfg["bn_momentum"]),
        "bn_epsilon": float(cfg["bn_epsilon"]),
    }


class Reference(torch.nn.Module):
    """symphonic's Model in torch.nn: [embedding] -> lstm -> head (bn k, dropout, dense k, relu)."""

    def __init__(self, c):
        super().__init__()
        if c["recurrent_dropout"] > 0:
            raise ValueError("torch.nn.LSTM has no recurrent dropout; compare with recurrent_dropout=0")
        self.c = c
        vocab, hidden = c["vocab_size"], c["lstm_size"]
        if c["input"] == "embedding":
            self.embedding = torch.nn.Embedding(vocab, c["embedding_size"])
            input_size = c["embedding_size"]
        else:
            input_size = 1
        self.lstm = torch.nn.LSTM(input_size, hidden, num_layers=c["lstm_layers"], dropout=c["lstm_dropout"])
        self.ops = []
        width = hidden
        outs = c["dense_sizes"] + [vocab]
        for k, out in enumerate(outs, start=1):
            if c["batch_norm"]:
                # Keras momentum m (weight of the old value) is torch's 1 - m
                setattr(self, f"bn{k}", torch.nn.BatchNorm1d(width, eps=c["bn_epsilon"], momentum=1.0 - c["bn_momentum"]))
                self.ops.append(f"bn{k}")
            if c["dropout"] > 0:
                setattr(self, f"drop{k}", torch.nn.Dropout(c["dropout"]))
                self.ops.append(f"drop{k}")
            setattr(self, f"dense{k}", torch.nn.Linear(width, out))
            self.ops.append(f"dense{k}")
            if k < len(outs):
                self.ops.append("relu")
            width = out

    def forward(self, ids, every_step):
        # ids: batch x T; torch.nn.LSTM wants time-major T x batch x features, as symphonic stores
        steps = ids.t()
        if self.c["input"] == "embedding":
            x = self.embedding(steps)
        else:
            x = (steps.double() / self.c["vocab_size"]).unsqueeze(-1)
        out, _ = self.lstm(x)
        h = out.reshape(-1, out.shape[-1]) if every_step else out[-1]  # row t*B + b, like symphonic's columns
        for op in self.ops:
            h = torch.relu(h) if op == "relu" else getattr(self, op)(h)
        return h


def run_case(in_path, out_path):
    rec = read_raw(in_path)
    c = parse_config(rec["config"])
    model = Reference(c).double()
    state = {}
    for name, value in rec.items():
        if name.startswith("param.") or name.startswith("buffer."):
            state[name.split(".", 1)[1]] = torch.from_numpy(value)
    for name, buf in model.state_dict().items():  # num_batches_tracked: not a symphonic buffer
        if name.endswith("num_batches_tracked"):
            state[name] = buf
    model.load_state_dict(state, strict=True)
    model.train()
    inputs = torch.from_numpy(rec["inputs"]).long()
    targets = torch.from_numpy(rec["targets"]).long()
    every_step = targets.shape[1] == inputs.shape[1] and inputs.shape[1] > 1
    logits = model(inputs, every_step)
    flat_targets = targets.t().reshape(-1) if every_step else targets[:, 0]
    loss = F.cross_entropy(logits, flat_targets)
    loss.backward()
    out = [(k, v) for k, v in rec.items()]
    out.append(("logits", logits.detach().numpy()))
    out.append(("loss", np.array([loss.item()])))
    params = dict(model.named_parameters())
    for name, value in rec.items():
        if name.startswith("param."):
            out.append(("grad." + name[6:], params[name[6:]].grad.numpy()))
    buffers = dict(model.named_buffers())
    for name, value in rec.items():
        if name.startswith("buffer."):
            out.append(("buffer_after." + name[7:], buffers[name[7:]].detach().numpy()))
    write_raw(out_path, out)
    print(f"{os.path.basename(out_path)}: loss {loss.item():.17g}, {len(params)} parameter tensors, torch {torch.__version__}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", help="folder with <case>.in.raw files from the C++ dump test")
    parser.add_argument("--out", help="folder for torch_<case>.raw (default: the same folder)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    out_dir = args.out or args.dir
    cases = sorted(f for f in os.listdir(args.dir) if f.endswith(".in.raw"))
    if not cases:
        sys.exit(f"no *.in.raw files in {args.dir}")
    for f in cases:
        run_case(os.path.join(args.dir, f), os.path.join(out_dir, "torch_" + f[: -len(".in.raw")] + ".raw"))


if __name__ == "__main__":
    main()
