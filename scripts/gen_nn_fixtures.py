#!/usr/bin/python3
"""nn fixtures: runs the losses, Linear and the activation layers through real PyTorch and
writes inputs, torch's forward values and the input (and weight) gradients to
tests/fixtures/nn.json, which tests/losses.test.ts replays through kd.nn.

    /usr/bin/python3 scripts/gen_nn_fixtures.py

Format: {"torch": version, "seed": s, "cases": [case, ...]}. A case is
    {"name": unique id, "fn": fixture function name (the test maps it to kd.nn),
     "args": {options, camelCase as kd.nn takes them},
     "inputs": {"input": tensor, "target": tensor, "weight": tensor, "pos_weight": tensor, "bias": tensor},
     "grad_out": tensor (the upstream gradient, for outputs that are not scalars),
     "out": tensor, "grads": {name: tensor} (d out / d input for each differentiable input)}
A tensor is {"values": flat row-major list, "shape": [...], "dtype": "float32"|"int32"}.
Floats that JSON cannot hold are the strings "nan", "inf", "-inf". Input floats carry 7
significant digits (torch is fed exactly those values), outputs 8. Class-index targets are
int64 in torch and recorded as int32 (Kindling's integer dtype).
"""
import json
import math
import os
import sys

import torch

from fixture_io import enc_float, enc_tensor
import torch.nn.functional as F

SEED = 20240612
g = torch.Generator().manual_seed(SEED)
CASES = []
NAMES = set()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "nn.json")



def enc(t, digits=8):
    return enc_tensor(t, digits)


def fin(t):
    """A float input rounded to the 7 digits the fixture stores (torch is fed exactly those)."""
    vals = [float(enc_float(v, 7)) for v in t.reshape(-1).tolist()]
    return torch.tensor(vals, dtype=torch.float32).reshape(t.shape)


def randn(*shape, scale=1.0):
    return fin(torch.randn(*shape, generator=g) * scale)


def rand(*shape, lo=0.0, hi=1.0):
    return fin(torch.rand(*shape, generator=g) * (hi - lo) + lo)


def randint(lo, hi, *shape):
    return torch.randint(lo, hi, shape, generator=g)


def add(name, fn, args, inputs, grad_of, call):
    """call(**torch inputs) -> output tensor; grads for the inputs named in grad_of."""
    assert name not in NAMES, name
    NAMES.add(name)
    ts = {k: (v.clone().requires_grad_(k in grad_of) if v.dtype == torch.float32 else v.clone()) for k, v in inputs.items()}
    out = call(**ts)
    case = {"name": name, "fn": fn, "args": args, "inputs": {k: enc(v, 7 if v.dtype == torch.float32 else 8) for k, v in inputs.items()}}
    if out.dim() == 0:
        out.backward()
    else:
        go = randn(*out.shape)
        case["grad_out"] = enc(go, 7)
        out.backward(go)
    case["out"] = enc(out)
    case["grads"] = {k: enc(ts[k].grad) for k in grad_of}
    CASES.append(case)


RED = ["none", "mean", "sum"]


def regression():
    for r in RED:
        x, y = randn(3, 4), randn(3, 4)
        add(f"l1_{r}", "l1_loss", {"reduction": r}, {"input": x, "target": y}, ["input", "target"],
            lambda input, target: F.l1_loss(input, target, reduction=r))
        x, y = randn(3, 4), randn(3, 4)
        add(f"mse_{r}", "mse_loss", {"reduction": r}, {"input": x, "target": y}, ["input", "target"],
            lambda input, target: F.mse_loss(input, target, reduction=r))
        for delta in (1.0, 0.5, 2.0):
            x, y = randn(4, 5, scale=2), randn(4, 5)
            add(f"huber_{r}_d{delta}", "huber_loss", {"reduction": r, "delta": delta}, {"input": x, "target": y}, ["input", "target"],
                lambda input, target: F.huber_loss(input, target, reduction=r, delta=delta))
        for beta in (1.0, 0.5, 0.0):
            x, y = randn(4, 5, scale=2), randn(4, 5)
            add(f"smooth_l1_{r}_b{beta}", "smooth_l1_loss", {"reduction": r, "beta": beta}, {"input": x, "target": y}, ["input", "target"],
                lambda input, target: F.smooth_l1_loss(input, target, reduction=r, beta=beta))


def bce():
    for r in RED:
        for tgt in ("binary", "soft"):
            x = fin(torch.sigmoid(torch.randn(3, 4, generator=g) * 2))
            y = fin(randint(0, 2, 3, 4).float()) if tgt == "binary" else rand(3, 4)
            add(f"bce_{r}_{tgt}", "binary_cross_entropy", {"reduction": r}, {"input": x, "target": y}, ["input"],
                lambda input, target: F.binary_cross_entropy(input, target, reduction=r))
        x = fin(torch.sigmoid(torch.randn(3, 4, generator=g)))
        y, w = rand(3, 4), rand(4, lo=0.2, hi=2)
        add(f"bce_{r}_weight", "binary_cross_entropy", {"reduction": r}, {"input": x, "target": y, "weight": w}, ["input"],
            lambda input, target, weight: F.binary_cross_entropy(input, target, weight=weight, reduction=r))
        # saturated probabilities: the log floor at -100
        x = torch.tensor([[0.0, 1.0, 0.5], [1.0, 0.0, 1e-30]])
        y = torch.tensor([[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
        # (values only: torch's backward clamps x (1 - x) at 1e-12 there, which autograd does not)
        assert f"bce_{r}_edges" not in NAMES
        NAMES.add(f"bce_{r}_edges")
        out = F.binary_cross_entropy(x, y, reduction=r)
        CASES.append({"name": f"bce_{r}_edges", "fn": "binary_cross_entropy", "args": {"reduction": r},
                      "inputs": {"input": enc(x, 7), "target": enc(y, 7)}, "out": enc(out), "grads": {}})

        for variant in ("plain", "pos_weight", "weight", "both"):
            x, y = randn(4, 3, scale=3), fin(randint(0, 2, 4, 3).float())
            if variant == "plain":
                y = rand(4, 3)
            inputs = {"input": x, "target": y}
            if variant in ("pos_weight", "both"):
                inputs["pos_weight"] = rand(3, lo=0.5, hi=3)
            if variant in ("weight", "both"):
                inputs["weight"] = rand(4, 1, lo=0.5, hi=2)

            def call(input, target, weight=None, pos_weight=None):
                return F.binary_cross_entropy_with_logits(input, target, weight=weight, pos_weight=pos_weight, reduction=r)

            add(f"bce_logits_{r}_{variant}", "binary_cross_entropy_with_logits", {"reduction": r}, inputs, ["input"], call)
        # large logits: stable where exp would overflow
        x = torch.tensor([[-120.0, 90.0, 0.0], [30.0, -30.0, 1e-3]])
        y = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.5]])
        add(f"bce_logits_{r}_large", "binary_cross_entropy_with_logits", {"reduction": r}, {"input": x, "target": y}, ["input"],
            lambda input, target: F.binary_cross_entropy_with_logits(input, target, reduction=r))


def classification():
    C = 4
    for r in RED:
        # nll_loss
        for variant in ("plain", "weight", "ignore", "ignore_custom", "weight_ignore", "1d", "kdim", "kdim_weight_ignore"):
            args = {"reduction": r}
            weight = rand(C, lo=0.2, hi=2) if "weight" in variant else None
            if variant == "1d":
                x, t = fin(torch.log_softmax(torch.randn(C, generator=g), 0)), randint(0, C, 1)[0]
            elif variant.startswith("kdim"):
                x, t = fin(torch.log_softmax(torch.randn(2, C, 3, generator=g), 1)), randint(0, C, 2, 3)
            else:
                x, t = fin(torch.log_softmax(torch.randn(5, C, generator=g), 1)), randint(0, C, 5)
            ignore = -100
            if "ignore" in variant:
                if variant == "ignore_custom":
                    ignore = 2
                    args["ignoreIndex"] = 2
                    t.view(-1)[0] = 2
                else:
                    t.view(-1)[1] = -100
            inputs = {"input": x, "target": t}
            if weight is not None:
                inputs["weight"] = weight

            def call(input, target, weight=None):
                return F.nll_loss(input, target, weight=weight, ignore_index=ignore, reduction=r)

            add(f"nll_{r}_{variant}", "nll_loss", args, inputs, ["input"], call)

        # cross_entropy with class indices
        for ls in (0.0, 0.1):
            for variant in ("plain", "weight", "ignore", "weight_ignore", "1d", "kdim", "kdim_weight_ignore"):
                args = {"reduction": r, "labelSmoothing": ls}
                weight = rand(C, lo=0.2, hi=2) if "weight" in variant else None
                if variant == "1d":
                    x, t = randn(C, scale=2), randint(0, C, 1)[0]
                elif variant.startswith("kdim"):
                    x, t = randn(2, C, 3, scale=2), randint(0, C, 2, 3)
                else:
                    x, t = randn(5, C, scale=2), randint(0, C, 5)
                ignore = -100
                if "ignore" in variant:
                    ignore = 1
                    args["ignoreIndex"] = 1
                    t.view(-1)[0] = 1
                inputs = {"input": x, "target": t}
                if weight is not None:
                    inputs["weight"] = weight

                def call(input, target, weight=None):
                    return F.cross_entropy(input, target, weight=weight, ignore_index=ignore, reduction=r, label_smoothing=ls)

                add(f"ce_{r}_ls{ls}_{variant}", "cross_entropy", args, inputs, ["input"], call)

            # class probabilities
            for variant in ("plain", "weight", "1d", "kdim"):
                args = {"reduction": r, "labelSmoothing": ls}
                weight = rand(C, lo=0.2, hi=2) if variant == "weight" else None
                shape = (C,) if variant == "1d" else (2, C, 3) if variant == "kdim" else (5, C)
                cd = 0 if variant == "1d" else 1
                x = randn(*shape, scale=2)
                p = fin(torch.softmax(torch.randn(*shape, generator=g) * 2, cd))
                inputs = {"input": x, "target": p}
                if weight is not None:
                    inputs["weight"] = weight

                def call(input, target, weight=None):
                    return F.cross_entropy(input, target, weight=weight, reduction=r, label_smoothing=ls)

                add(f"ce_probs_{r}_ls{ls}_{variant}", "cross_entropy", args, inputs, ["input", "target"], call)

    # every target ignored: mean is 0/0
    for fn, f in (("nll_loss", F.nll_loss), ("cross_entropy", F.cross_entropy)):
        x, t = randn(3, C), torch.full((3,), -100, dtype=torch.int64)
        out = f(x, t)
        NAMES.add(f"{fn}_all_ignored")
        CASES.append({"name": f"{fn}_all_ignored", "fn": fn, "args": {"reduction": "mean"},
                      "inputs": {"input": enc(x, 7), "target": enc(t)}, "out": enc(out), "grads": {}})


def layers():
    for shape, bias in (((5, 3), True), ((5, 3), False), ((2, 5, 3), True), ((3,), True)):
        x, w = randn(*shape), randn(4, 3, scale=0.5)
        inputs = {"input": x, "weight": w}
        if bias:
            inputs["bias"] = randn(4)

        def call(input, weight, bias=None):
            return F.linear(input, weight, bias)

        add(f"linear_{'x'.join(map(str, shape))}_{'bias' if bias else 'nobias'}", "linear", {}, inputs, list(inputs), call)

    acts = [
        ("relu", {}, lambda x: F.relu(x)),
        ("leaky_relu", {}, lambda x: F.leaky_relu(x)),
        ("leaky_relu", {"negativeSlope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
        ("gelu", {}, lambda x: F.gelu(x)),
        ("gelu", {"approximate": "tanh"}, lambda x: F.gelu(x, approximate="tanh")),
        ("silu", {}, lambda x: F.silu(x)),
        ("sigmoid", {}, lambda x: torch.sigmoid(x)),
        ("tanh", {}, lambda x: torch.tanh(x)),
        ("softplus", {}, lambda x: F.softplus(x)),
        ("softplus", {"beta": 2, "threshold": 5}, lambda x: F.softplus(x, beta=2, threshold=5)),
        ("logsigmoid", {}, lambda x: F.logsigmoid(x)),
        ("softmax", {"dim": 1}, lambda x: F.softmax(x, 1)),
        ("softmax", {"dim": 0}, lambda x: F.softmax(x, 0)),
        ("log_softmax", {"dim": 1}, lambda x: F.log_softmax(x, 1)),
        ("log_softmax", {"dim": -1}, lambda x: F.log_softmax(x, -1)),
        ("flatten", {}, lambda x: torch.nn.Flatten()(x)),
        ("flatten", {"startDim": 0, "endDim": 1}, lambda x: torch.nn.Flatten(0, 1)(x)),
        ("unflatten", {"dim": 1, "sizes": [2, 2]}, lambda x: torch.nn.Unflatten(1, (2, 2))(x)),
        ("identity", {}, lambda x: torch.nn.Identity()(x)),
    ]
    for i, (fn, args, f) in enumerate(acts):
        x = randn(3, 4, 2, scale=3) if fn in ("flatten", "unflatten") else randn(3, 4, scale=3)
        if fn == "unflatten":
            x = randn(3, 4, scale=3)
        add(f"{fn}_{i}", fn, args, {"input": x}, ["input"], lambda input: f(input))


def main():
    torch.manual_seed(SEED)
    regression()
    bce()
    classification()
    layers()
    doc = {"torch": torch.__version__, "seed": SEED, "cases": CASES}
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    with open(OUT, "w") as f:
        f.write(text)
        f.write("\n")
    print(f"wrote {len(CASES)} cases, {len(text) / 1e3:.0f} kB to {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
