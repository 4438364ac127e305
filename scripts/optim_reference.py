#!/usr/bin/python3
"""Reference numbers for symphonic's optimizers and schedules, computed with torch.optim.

Writes tests/data/optim/torch_reference.txt (committed, so ctest never needs torch). Run from the
repository root with the interpreter that has torch (Debian's python3-torch):

    /usr/bin/python3 scripts/optim_reference.py [output-path]

Format (one record per line, whitespace separated, numbers in Python repr, i.e. exact doubles):
    case <name> <f32|f64> <n> <steps> <symphonic options text...>
    params <n initial values>
    grad <n values>        # one grad/expect pair per step
    expect <n values>      # parameters after that step
    schedule <name> <symphonic-side description...>
    metrics <values>       # only for plateau schedules
    lrs <learning rate after each step()>
"""
import math
import sys

import torch

N = 9
STEPS = 6

CASES = [
    ("sgd_plain", "sgd lr=0.1", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("sgd_momentum", "sgd lr=0.05 momentum=0.9",
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    ("sgd_nesterov_wd", "sgd lr=0.05 momentum=0.9 nesterov=1 weight_decay=0.01",
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("sgd_dampening", "sgd lr=0.05 momentum=0.8 dampening=0.3 weight_decay=0.001",
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.001)),
    ("rmsprop_keras_defaults", "rmsprop",
     lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=1e-7)),
    ("rmsprop_momentum_centered_wd", "rmsprop lr=0.01 momentum=0.9 centered=1 weight_decay=0.01",
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-7, momentum=0.9, centered=True,
                                   weight_decay=0.01)),
    ("rmsprop_centered", "rmsprop rho=0.99 eps=1e-08 centered=1",
     lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.99, eps=1e-8, centered=True)),
    ("adam_defaults", "adam", lambda p: torch.optim.Adam(p)),
    ("adam_l2", "adam lr=0.01 weight_decay=0.1",
     lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1)),
    ("adamw", "adamw lr=0.01 weight_decay=0.1",
     lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1)),
    ("adam_betas", "adam lr=0.1 beta1=0.5 beta2=0.9 eps=1e-06",
     lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.5, 0.9), eps=1e-6)),
]


def numbers(values):
    return " ".join(repr(float(v)) for v in values)


def gradients(generator, dtype):
    """Gradients over many orders of magnitude, both signs, and exact zeros."""
    scale = torch.pow(10.0, torch.empty(N, dtype=torch.float64).uniform_(-6, 3, generator=generator))
    g = torch.randn(N, dtype=torch.float64, generator=generator) * scale
    g[2] = 0.0
    return g.to(dtype)


def optimizer_cases(out):
    for dtype, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
        for name, options, make in CASES:
            generator = torch.Generator().manual_seed(1234)
            p = (torch.randn(N, dtype=torch.float64, generator=generator) * 2).to(dtype)
            p.requires_grad_(False)
            param = torch.nn.Parameter(p.clone())
            optimizer = make([param])
            out.append(f"case {name} {tag} {N} {STEPS} {options}")
            out.append("params " + numbers(param.detach()))
            for _ in range(STEPS):
                g = gradients(generator, dtype)
                param.grad = g.clone()
                optimizer.step()
                out.append("grad " + numbers(g))
                out.append("expect " + numbers(param.detach()))


def run_scheduler(scheduler_factory, epochs, metrics=None):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.1)
    scheduler = scheduler_factory(optimizer)
    lrs = []
    for epoch in range(epochs):
        optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def schedule_cases(out):
    sched = torch.optim.lr_scheduler
    out.append("schedule step_lr base=0.1 step_size=3 gamma=0.5")
    out.append("lrs " + numbers(run_scheduler(lambda o: sched.StepLR(o, 3, gamma=0.5), 12)))
    out.append("schedule exponential_lr base=0.1 gamma=0.9")
    out.append("lrs " + numbers(run_scheduler(lambda o: sched.ExponentialLR(o, 0.9), 12)))

    metrics = [1.0, 0.9, 0.95, 0.899, 0.9, 0.91, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
               0.49, 0.6, 0.6, 0.6, 0.6]
    out.append("schedule plateau_min base=0.1 mode=min factor=0.5 patience=2 threshold=0.01 "
               "threshold_mode=rel cooldown=1 min_lr=0.001")
    out.append("metrics " + numbers(metrics))
    out.append("lrs " + numbers(run_scheduler(
        lambda o: sched.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=0.01,
                                          threshold_mode="rel", cooldown=1, min_lr=0.001),
        len(metrics), metrics)))

    accuracy = [0.1, 0.2, 0.25, 0.26, 0.27, 0.3, 0.31, 0.31, 0.4, 0.4, 0.4, 0.4, 0.45, 0.45, 0.45,
                0.45, 0.45, 0.45, 0.45, 0.45]
    out.append("schedule plateau_max base=0.1 mode=max factor=0.1 patience=1 threshold=0.02 "
               "threshold_mode=abs cooldown=0 min_lr=0.0005")
    out.append("metrics " + numbers(accuracy))
    out.append("lrs " + numbers(run_scheduler(
        lambda o: sched.ReduceLROnPlateau(o, mode="max", factor=0.1, patience=1, threshold=0.02,
                                          threshold_mode="abs", cooldown=0, min_lr=0.0005),
        len(accuracy), accuracy)))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/optim/torch_reference.txt"
    torch.set_num_threads(1)
    out = [f"# torch {torch.__version__}; written by scripts/optim_reference.py"]
    optimizer_cases(out)
    schedule_cases(out)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {path}: {len(out)} lines")


if __name__ == "__main__":
    main()
