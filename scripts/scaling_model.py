#!/usr/bin/env python3
"""Projected efficiency of data-parallel training at N ranks (docs/distributed.md, README).

Weak scaling: every rank keeps its batch, so its compute time per step, T_c, is what one rank
measures (bench/distributed_step). Each step sums the fp32 gradient buffer, S = 4 P bytes for P
parameters, with a ring all-reduce over links of B bytes/s and a latency of alpha per message:

    T_ar(N) = 2 (N - 1) / N * S / B  +  2 (N - 1) * alpha
    E(N)    = T_c / (T_c + T_ar(N))          (no overlap of the sum with the backward sweep)

    python3 scripts/scaling_model.py --parameters 5482343 --step-ms 679 [--alpha-us 20]
"""
import argparse


def allreduce_seconds(ranks, size_bytes, bandwidth_bytes, alpha_s):
    return 2 * (ranks - 1) / ranks * size_bytes / bandwidth_bytes + 2 * (ranks - 1) * alpha_s


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parameters", type=int, required=True, help="P, the model's parameter count")
    p.add_argument("--step-ms", type=float, required=True, help="T_c, one rank's training step in ms")
    p.add_argument("--alpha-us", type=float, default=20.0, help="latency per message in microseconds (TCP: ~20; RDMA: ~2)")
    p.add_argument("--gbits", type=float, nargs="+", default=[25.0, 100.0], help="link speeds in Gbit/s")
    p.add_argument("--ranks", type=int, nargs="+", default=[8, 64, 512])
    a = p.parse_args()
    size = 4 * a.parameters
    step = a.step_ms / 1e3
    print(f"S = {size / 1e6:.1f} MB per step, T_c = {a.step_ms:.0f} ms, alpha = {a.alpha_us:g} us")
    print("| ranks | " + " | ".join(f"{g:g} Gbit/s: T_ar, efficiency" for g in a.gbits) + " |")
    print("|---|" + "---|" * len(a.gbits))
    for n in a.ranks:
        cells = []
        for g in a.gbits:
            t = allreduce_seconds(n, size, g * 1e9 / 8, a.alpha_us * 1e-6)
            cells.append(f"{t * 1e3:.1f} ms, {100 * step / (step + t):.1f}%")
        print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
