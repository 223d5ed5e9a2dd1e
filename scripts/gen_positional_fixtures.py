#!/usr/bin/python3
"""PyTorch's positional constructor forms of torch.optim and lr_scheduler (1.13): builds each
optimizer/scheduler from positional arguments only and records what torch made of them, so
tests/optim-positional.test.ts can check that kd reads the same positions as the same options.

    /usr/bin/python3 scripts/gen_positional_fixtures.py

Format: {"torch": version,
  "optim": [{"name", "args": positional args after params, "defaults": torch's
             optimizer.defaults for the Kindling option names (snake_case)}],
  "sched": [{"name", "optimizer", "lr", "args": positional args after the optimizer,
             "metrics": optional (ReduceLROnPlateau), "lrs": lr after construction, then
             after each of 12 steps}]}
"""
import json
import os
import warnings

import torch

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "optim-positional.json")
O = torch.optim
S = torch.optim.lr_scheduler
KEYS = ["lr", "momentum", "dampening", "weight_decay", "nesterov", "betas", "eps", "amsgrad", "alpha", "centered", "lr_decay",
        "initial_accumulator_value", "maximize"]

OPTIM = [
    ("SGD", [0.1]),
    ("SGD", [0.1, 0.9]),
    ("SGD", [0.05, 0.9, 0.0, 1e-4, True]),
    ("SGD", [0.05, 0.5, 0.1, 1e-3]),
    ("Adam", [2e-3]),
    ("Adam", [2e-3, [0.8, 0.99], 1e-6, 1e-2, True]),
    ("AdamW", [1e-3, [0.9, 0.95], 1e-7, 0.05]),
    ("RMSprop", [0.01, 0.9, 1e-6, 1e-4, 0.5, True]),
    ("Adagrad", [0.1, 0.01, 1e-3, 0.2, 1e-8]),
]

SCHED = [
    ("StepLR", "SGD", [3]),
    ("StepLR", "SGD", [4, 0.5]),
    ("MultiStepLR", "SGD", [[2, 5, 5, 9], 0.3]),
    ("ExponentialLR", "SGD", [0.8]),
    ("CosineAnnealingLR", "SGD", [5, 0.01]),
    ("OneCycleLR", "SGD", [0.5, 12]),
    ("OneCycleLR", "Adam", [0.5, None, 3, 4, 0.25, "linear"]),
    ("ReduceLROnPlateau", "SGD", ["min", 0.5, 1, 0.01, "abs", 1, 0.01]),
    ("LinearLR", "SGD", []),
    ("LinearLR", "SGD", [0.1, 0.9, 6]),
    ("LinearLR", "Adam", [1.0, 0.25, 4]),
    ("ConstantLR", "SGD", []),
    ("ConstantLR", "SGD", [0.5, 3]),
]
METRICS = [1.0, 0.9, 0.95, 0.97, 0.99, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]


def main():
    out = {"torch": torch.__version__, "optim": [], "sched": []}
    for name, args in OPTIM:
        p = torch.nn.Parameter(torch.zeros(2))
        targs = [tuple(a) if isinstance(a, list) else a for a in args]
        opt = getattr(O, name)([p], *targs)
        d = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opt.defaults.items() if k in KEYS}
        out["optim"].append({"name": name, "args": args, "defaults": d})
    for name, optname, args in SCHED:
        p = torch.nn.Parameter(torch.zeros(2))
        opt = O.SGD([p], 0.1, 0.9) if optname == "SGD" else O.Adam([p], 0.1)
        sched = getattr(S, name)(opt, *args)
        lrs = [[g["lr"] for g in opt.param_groups]]
        case = {"name": name, "optimizer": optname, "args": args}
        for i in range(12):
            opt.step()
            sched.step(METRICS[i]) if name == "ReduceLROnPlateau" else sched.step()
            lrs.append([g["lr"] for g in opt.param_groups])
        if name == "ReduceLROnPlateau":
            case["metrics"] = METRICS
        case["lrs"] = lrs
        out["sched"].append(case)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


main()
