#!/usr/bin/python3
"""Opens symphonic checkpoints with PyTorch and checks them independently of the C++ reader.

The safetensors parsing is written here by hand (Debian has no `safetensors` package): 8-byte
little-endian header length, JSON header, raw little-endian tensor bytes. For each file it checks
the layout rules, both symphonic checksums (zlib.crc32), and then:

  export files (written by test_io's "torch export" case, SYMPHONIC_IO_EXPORT_DIR set):
      values equal sin(1000 k + i) rounded to the file's dtype, and torch.nn.LSTM(3, 4, 2) and
      torch.nn.Linear(4, 5) accept the tensors through load_state_dict(strict=True).
  --model FILE: a saved nn::Model: torch.nn.LSTM built from the shapes accepts the "lstm.*"
      tensors with load_state_dict(strict=True), torch.nn.Linear each "dense<k>.*" pair (strict),
      torch.nn.BatchNorm1d each "bn<k>.*" group (only num_batches_tracked, which symphonic does
      not keep, may be missing), torch.nn.Embedding "embedding.weight".

Usage: /usr/bin/python3 scripts/check_checkpoint_torch.py DIR_WITH_EXPORTS [--model FILE ...]
Exit status 0 when every check passes.
"""
import json
import math
import os
import struct
import sys
import zlib

import torch

DTYPES = {"F64": (torch.float64, 8), "F32": (torch.float32, 4), "I64": (torch.int64, 8),
          "I32": (torch.int32, 4), "U8": (torch.uint8, 1)}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        fail(f"{path}: shorter than 8 bytes")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        fail(f"{path}: header length {n} past the end")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"])
    expected = 0
    for name, info in entries:
        begin, end = info["data_offsets"]
        if begin != expected:
            fail(f"{path}: {name} starts at {begin}, expected {expected}")
        count = math.prod(info["shape"])
        if count * DTYPES[info["dtype"]][1] != end - begin:
            fail(f"{path}: {name} shape/offsets mismatch")
        expected = end
    if expected != len(data):
        fail(f"{path}: {len(data) - expected} trailing bytes")
    tensors = {}
    buffer = bytearray(data)
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype, size = DTYPES[info["dtype"]]
        count = (end - begin) // size
        t = torch.frombuffer(buffer, dtype=dtype, count=count, offset=begin) if count else \
            torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return metadata, header, data, tensors


def check_symphonic_checksums(path, metadata, header, data):
    if metadata.get("symphonic.format_version") != "1":
        fail(f"{path}: symphonic.format_version is {metadata.get('symphonic.format_version')!r}")
    crc = format(zlib.crc32(data), "08x")
    if metadata.get("symphonic.checksum") != crc:
        fail(f"{path}: data checksum {metadata.get('symphonic.checksum')} != zlib {crc}")
    # header_digest_text() of include/symphonic/io/checkpoint.hpp, rebuilt independently.
    text = ""
    for name in sorted(header, key=lambda s: s.encode("utf-8")):
        info = header[name]
        text += f"{len(name.encode())}:{name}{info['dtype']}[{','.join(str(d) for d in info['shape'])}]"
        text += f"{info['data_offsets'][0]},{info['data_offsets'][1]};"
    for key in sorted(metadata, key=lambda s: s.encode("utf-8")):
        if key == "symphonic.header_checksum":
            continue
        value = metadata[key]
        text += f"{len(key.encode())}:{key}{len(value.encode())}:{value};"
    header_crc = format(zlib.crc32(text.encode("utf-8")), "08x")
    if metadata.get("symphonic.header_checksum") != header_crc:
        fail(f"{path}: header checksum {metadata.get('symphonic.header_checksum')} != {header_crc}")


def lstm_from_tensors(tensors, prefix="lstm."):
    names = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    layers = sum(1 for k in names if k.startswith("weight_ih_l"))
    hidden = names["weight_hh_l0"].shape[1]
    input_size = names["weight_ih_l0"].shape[1]
    dtype = names["weight_ih_l0"].dtype
    lstm = torch.nn.LSTM(input_size, hidden, num_layers=layers, bias="bias_ih_l0" in names).to(dtype)
    lstm.load_state_dict(names, strict=True)
    for key, value in lstm.state_dict().items():
        if not torch.equal(value, names[key]):
            fail(f"nn.LSTM {key} differs after load_state_dict")
    return lstm, layers, input_size, hidden


def check_export(path, dtype):
    metadata, header, data, tensors = read_safetensors(path)
    check_symphonic_checksums(path, metadata, header, data)
    order = ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
             "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1",
             "dense.weight", "dense.bias"]
    if sorted(tensors) != sorted(order):
        fail(f"{path}: tensor names {sorted(tensors)}")
    for k, name in enumerate(order):
        t = tensors[name]
        if t.dtype != dtype:
            fail(f"{path}: {name} has dtype {t.dtype}")
        expected = torch.tensor([math.sin(1000.0 * k + i) for i in range(t.numel())],
                                dtype=torch.float64).to(dtype).reshape(t.shape)
        if not torch.equal(t, expected):
            fail(f"{path}: {name} values differ (max {float((t - expected).abs().max())})")
    lstm, layers, input_size, hidden = lstm_from_tensors(tensors)
    if (layers, input_size, hidden) != (2, 3, 4):
        fail(f"{path}: LSTM shape {(layers, input_size, hidden)}")
    linear = torch.nn.Linear(4, 5).to(dtype)
    linear.load_state_dict({"weight": tensors["dense.weight"], "bias": tensors["dense.bias"]},
                           strict=True)
    # The loaded modules run: one step of the LSTM and the dense layer.
    with torch.no_grad():
        out, _ = lstm(torch.ones(1, 1, 3, dtype=dtype))
        y = linear(out[-1])
    if not torch.isfinite(y).all():
        fail(f"{path}: non-finite output")
    print(f"ok {os.path.basename(path)}: {len(tensors)} tensors, values exact, "
          f"nn.LSTM(3, 4, 2) and nn.Linear(4, 5) load_state_dict(strict=True) accepted")


def check_model(path):
    metadata, header, data, tensors = read_safetensors(path)
    check_symphonic_checksums(path, metadata, header, data)
    _, layers, input_size, hidden = lstm_from_tensors(tensors)
    accepted = [f"nn.LSTM({input_size}, {hidden}, num_layers={layers})"]
    groups = {}
    for name, t in tensors.items():
        module, _, key = name.partition(".")
        groups.setdefault(module, {})[key] = t
    for module, state in sorted(groups.items()):
        if module.startswith("dense"):
            out_features, in_features = state["weight"].shape
            layer = torch.nn.Linear(in_features, out_features).to(state["weight"].dtype)
            layer.load_state_dict(state, strict=True)
            accepted.append(f"{module}=nn.Linear({in_features}, {out_features})")
        elif module.startswith("bn"):
            features = state["weight"].shape[0]
            layer = torch.nn.BatchNorm1d(features).to(state["weight"].dtype)
            result = layer.load_state_dict(state, strict=False)
            if result.unexpected_keys or set(result.missing_keys) - {"num_batches_tracked"}:
                fail(f"{path}: {module} as nn.BatchNorm1d: {result}")
            accepted.append(f"{module}=nn.BatchNorm1d({features})")
        elif module == "embedding":
            vocab, size = state["weight"].shape
            layer = torch.nn.Embedding(vocab, size).to(state["weight"].dtype)
            layer.load_state_dict(state, strict=True)
            accepted.append(f"nn.Embedding({vocab}, {size})")
    print(f"ok {os.path.basename(path)}: load_state_dict accepted by " + ", ".join(accepted))


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    args = argv[1:]
    model_files = []
    while "--model" in args:
        i = args.index("--model")
        model_files.append(args[i + 1])
        del args[i:i + 2]
    for directory in args:
        check_export(os.path.join(directory, "export_f32.safetensors"), torch.float32)
        check_export(os.path.join(directory, "export_f64.safetensors"), torch.float64)
    for path in model_files:
        check_model(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
