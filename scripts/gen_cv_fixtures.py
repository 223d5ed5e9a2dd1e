#!/usr/bin/python3
"""Computer-vision fixtures: runs convolutions, pooling, normalisation, embedding, pad and
interpolate through real PyTorch and writes inputs, torch's forward values and the gradients
of every differentiable input (for a seeded upstream gradient) to tests/fixtures/cv.json,
which tests/cv.test.ts replays through kd.nn.functional and the kd.nn layers.

    /usr/bin/python3 scripts/gen_cv_fixtures.py

Format: {"torch": version, "seed": s, "cases": [case, ...]}. A case is
    {"name": unique id, "fn": fixture function (the test maps it to kd),
     "args": {options, camelCase as kd takes them},
     "inputs": {name: tensor}, "grad_out": tensor (the upstream gradient),
     "out": tensor, "grads": {name: tensor}, and per fn extras ("indices", "state", ...)}
A tensor is {"values": flat row-major list, "shape": [...], "dtype": "float32"|"int32"}.
Input floats carry 6 significant digits (torch is fed exactly those values), outputs 7.
Index tensors are int64 in torch and recorded as int32 (Kindling's integer dtype).
"""
import itertools
import json
import math
import os

import torch

from fixture_io import enc_float, enc_tensor
import torch.nn as nn
import torch.nn.functional as F

SEED = 20240701
g = torch.Generator().manual_seed(SEED)
CASES = []
NAMES = set()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "cv.json")
IN_DIGITS, OUT_DIGITS = 6, 7



def enc(t, digits=OUT_DIGITS):
    return enc_tensor(t, digits)


def fin(t):
    """A float tensor rounded to the digits the fixture stores (torch is fed exactly those)."""
    vals = [float(enc_float(v, IN_DIGITS)) for v in t.reshape(-1).tolist()]
    return torch.tensor(vals, dtype=torch.float32).reshape(t.shape)


def randn(*shape, scale=1.0):
    return fin(torch.randn(*shape, generator=g) * scale)


def randint(lo, hi, *shape):
    return torch.randint(lo, hi, shape, generator=g)


def add(name, fn, args, inputs, grad_of, call, extra=None):
    """call(**torch inputs) -> output tensor (or (output, extras dict)); records the grads of grad_of."""
    assert name not in NAMES, name
    NAMES.add(name)
    ts = {k: (v.clone().requires_grad_(k in grad_of) if v.dtype == torch.float32 else v.clone()) for k, v in inputs.items()}
    res = call(**ts)
    extras = {}
    if isinstance(res, tuple):
        res, extras = res
    out = res
    case = {"name": name, "fn": fn, "args": args,
            "inputs": {k: enc(v, IN_DIGITS if v.dtype == torch.float32 else 8) for k, v in inputs.items()}}
    if grad_of:
        go = randn(*out.shape)
        case["grad_out"] = enc(go, IN_DIGITS)
        out.backward(go)
    case["out"] = enc(out)
    case["grads"] = {k: enc(ts[k].grad) if ts[k].grad is not None else None for k in grad_of}
    for k, v in extras.items():
        case[k] = enc(v) if isinstance(v, torch.Tensor) else v
    if extra:
        case.update(extra)
    CASES.append(case)


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else v


# ---- convolutions -------------------------------------------------------------------------

def conv2d_cases():
    # The full grid stride x padding x dilation x groups x bias (padding='same' only at
    # stride 1), the input/kernel shape rotating through non-square and even-kernel cases.
    shapes = [  # (N, Cin, H, W, Cout, kH, kW)
        (2, 4, 7, 5, 4, 3, 2),   # non-square input and kernel, even kernel width
        (1, 4, 6, 6, 8, 3, 3),
        (3, 4, 5, 8, 4, 2, 3),
        (2, 4, 9, 7, 4, 4, 4),   # even square kernel
    ]
    k = 0
    for stride, padding, dilation, groups, bias in itertools.product([1, 2], [0, 1, 2, "same"], [1, 2], [1, 2, 4], [True, False]):
        if padding == "same" and stride != 1:
            continue
        n, cin, h, w, cout, kh, kw = shapes[k % len(shapes)]
        k += 1
        name = f"conv2d_s{stride}_p{padding}_d{dilation}_g{groups}_{'b' if bias else 'nb'}_{n}x{cin}x{h}x{w}_k{kh}x{kw}"
        conv_case(name, n, cin, h, w, cout, kh, kw, stride, padding, dilation, groups, bias)
    # hand-picked shapes
    conv_case("conv2d_depthwise", 2, 6, 7, 6, 6, 3, 3, 1, 1, 1, 6, True)
    conv_case("conv2d_depthwise_mult2", 1, 3, 6, 5, 6, 3, 2, 2, 1, 1, 3, True)
    conv_case("conv2d_depthwise_same_even", 2, 4, 6, 7, 4, 2, 4, 1, "same", 1, 4, False)
    conv_case("conv2d_7x5_k3x2", 1, 1, 7, 5, 2, 3, 2, 1, 0, 1, 1, True)
    conv_case("conv2d_batch3_1x1", 3, 5, 4, 3, 2, 1, 1, 1, 0, 1, 1, True)
    conv_case("conv2d_1x1_stride2", 2, 3, 5, 6, 4, 1, 1, 2, 0, 1, 1, False)
    conv_case("conv2d_kernel_eq_input", 2, 3, 4, 5, 2, 4, 5, 1, 0, 1, 1, True)
    conv_case("conv2d_stride_gt_kernel", 1, 2, 9, 8, 3, 2, 2, 3, 1, 1, 1, True)
    conv_case("conv2d_tuple_args", 2, 2, 8, 9, 3, 3, 2, (2, 1), (1, 0), (1, 2), 1, True)
    conv_case("conv2d_tuple_args_groups", 1, 4, 9, 7, 6, 2, 3, (1, 2), (2, 1), (2, 1), 2, False)
    conv_case("conv2d_same_even_dil", 1, 2, 7, 6, 3, 2, 2, 1, "same", (2, 3), 1, True)
    conv_case("conv2d_same_odd_total", 2, 3, 5, 6, 2, 4, 3, 1, "same", 1, 1, True)
    conv_case("conv2d_valid", 1, 2, 6, 5, 3, 3, 3, 1, "valid", 1, 1, True)
    conv_case("conv2d_wide", 1, 1, 3, 11, 1, 1, 5, 2, 2, 1, 1, True)
    # unbatched [C, H, W] input
    x, wt, b = randn(3, 6, 5), randn(4, 3, 3, 2, scale=0.3), randn(4)
    add("conv2d_unbatched", "conv2d", {"stride": 1, "padding": 1, "dilation": 1, "groups": 1}, {"input": x, "weight": wt, "bias": b},
        ["input", "weight", "bias"], lambda input, weight, bias: F.conv2d(input, weight, bias, padding=1))
    # the nn.Conv2d module with each padding mode (non-zeros modes pad with F.pad first)
    for mode, padding, stride in (("zeros", 1, 1), ("reflect", 2, 1), ("replicate", (1, 2), 2), ("circular", 1, 2), ("reflect", "same", 1), ("circular", "same", 1)):
        torch.manual_seed(len(CASES))
        m = nn.Conv2d(2, 3, (3, 2), stride=stride, padding=padding, padding_mode=mode, dilation=(1, 2) if padding == "same" else 1)
        with torch.no_grad():
            m.weight.copy_(fin(m.weight))
            m.bias.copy_(fin(m.bias))
        x = randn(2, 2, 6, 7)
        args = {"inChannels": 2, "outChannels": 3, "kernelSize": [3, 2], "stride": stride, "padding": pair(padding), "paddingMode": mode,
                "dilation": [1, 2] if padding == "same" else 1, "repr": repr(m)}
        add(f"conv2d_module_{mode}_p{padding}_s{stride}", "conv2d_module", args,
            {"input": x, "weight": m.weight.detach().clone(), "bias": m.bias.detach().clone()}, ["input", "weight", "bias"],
            lambda input, weight, bias, m=m: F.conv2d(F.pad(input, m._reversed_padding_repeated_twice, mode=m.padding_mode), weight, bias, m.stride, 0, m.dilation)
            if m.padding_mode != "zeros" else F.conv2d(input, weight, bias, m.stride, m.padding, m.dilation))


def conv_case(name, n, cin, h, w, cout, kh, kw, stride, padding, dilation, groups, bias):
    x = randn(n, cin, h, w)
    wt = randn(cout, cin // groups, kh, kw, scale=1 / math.sqrt(cin // groups * kh * kw))
    inputs = {"input": x, "weight": wt}
    if bias:
        inputs["bias"] = randn(cout)
    args = {"stride": pair(stride), "padding": pair(padding), "dilation": pair(dilation), "groups": groups}

    def call(input, weight, bias=None):
        return F.conv2d(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)

    add(name, "conv2d", args, inputs, list(inputs), call)


def convt_case(name, shape, cout, kernel, stride, padding, opad, groups, dil, bias):
    (n, cin, h, w), (kh, kw) = shape, kernel
    x = randn(n, cin, h, w)
    wt = randn(cin, cout // groups, kh, kw, scale=1 / math.sqrt(cin // groups * kh * kw))
    inputs = {"input": x, "weight": wt}
    if bias:
        inputs["bias"] = randn(cout)
    args = {"stride": pair(stride), "padding": pair(padding), "outputPadding": pair(opad), "groups": groups, "dilation": pair(dil)}

    def call(input, weight, bias=None):
        return F.conv_transpose2d(input, weight, bias, stride=stride, padding=padding, output_padding=opad, groups=groups, dilation=dil)

    add(name, "conv_transpose2d", args, inputs, list(inputs), call)


def conv_transpose2d_cases():
    cases = [  # name, (N, Cin, H, W), Cout, (kh, kw), stride, padding, output_padding, groups, dilation, bias
        ("basic", (2, 3, 4, 5), 2, (3, 3), 1, 0, 0, 1, 1, True),
        ("stride2", (1, 2, 3, 4), 3, (3, 3), 2, 0, 0, 1, 1, True),
        ("stride2_pad1", (2, 2, 4, 3), 2, (3, 2), 2, 1, 0, 1, 1, False),
        ("stride2_pad1_outpad1", (2, 4, 3, 3), 2, (3, 3), 2, 1, 1, 1, 1, True),
        ("stride3_outpad2", (1, 2, 3, 2), 2, (2, 3), 3, 0, (2, 1), 1, 1, True),
        ("groups2", (2, 4, 4, 4), 6, (3, 3), 1, 1, 0, 2, 1, True),
        ("groups4_stride2", (1, 4, 3, 5), 4, (2, 2), 2, 0, 1, 4, 1, False),
        ("dilation2", (2, 2, 4, 3), 3, (3, 2), 1, 0, 0, 1, 2, True),
        ("dilation2_stride2_pad2", (1, 3, 4, 4), 2, (3, 3), 2, 2, 1, 1, 2, True),
        ("outpad_lt_dilation", (2, 2, 3, 4), 2, (2, 3), 1, 0, 1, 1, 2, True),  # output_padding >= stride, < dilation
        ("tuple_args", (2, 2, 5, 3), 4, (3, 2), (2, 1), (1, 0), (1, 0), 2, (1, 2), True),
        ("nonsquare_1x1", (3, 3, 2, 6), 2, (1, 1), 2, 0, 1, 1, 1, True),
        ("big_pad", (1, 2, 5, 5), 2, (5, 5), 1, 2, 0, 1, 1, False),
    ]
    for name, shape, cout, kernel, stride, padding, opad, groups, dil, bias in cases:
        convt_case(f"conv_transpose2d_{name}", shape, cout, kernel, stride, padding, opad, groups, dil, bias)
    x, wt = randn(2, 3, 4), randn(2, 3, 3, 3, scale=0.3)
    add("conv_transpose2d_unbatched", "conv_transpose2d", {"stride": 2, "padding": 1, "outputPadding": 1, "groups": 1, "dilation": 1},
        {"input": x, "weight": wt}, ["input", "weight"], lambda input, weight: F.conv_transpose2d(input, weight, stride=2, padding=1, output_padding=1))
    # ConvTranspose2d(output_size=...) picks the output padding
    torch.manual_seed(7)
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    with torch.no_grad():
        m.weight.copy_(fin(m.weight))
        m.bias.copy_(fin(m.bias))
    x = randn(1, 2, 4, 5)
    add("conv_transpose2d_module_output_size", "conv_transpose2d_module",
        {"inChannels": 2, "outChannels": 3, "kernelSize": 3, "stride": 2, "padding": 1, "outputSize": [8, 10], "repr": repr(m)},
        {"input": x, "weight": m.weight.detach().clone(), "bias": m.bias.detach().clone()}, ["input", "weight", "bias"],
        lambda input, weight, bias: F.conv_transpose2d(input, weight, bias, stride=2, padding=1, output_padding=(1, 1)))


# ---- pooling ------------------------------------------------------------------------------

def pool_cases():
    mp = [  # name, shape, kernel, stride, padding, dilation, ceil
        ("k2", (2, 3, 6, 6), 2, None, 0, 1, False),
        ("k3_s2", (1, 2, 7, 5), 3, 2, 0, 1, False),
        ("k3_s2_ceil", (1, 2, 7, 6), 3, 2, 0, 1, True),
        ("k3_s1_p1", (2, 2, 5, 4), 3, 1, 1, 1, False),
        ("k2_s2_p1_ceil", (1, 3, 5, 5), 2, 2, 1, 1, True),
        ("k2_dil2", (1, 2, 7, 7), 2, 1, 0, 2, False),
        ("k3_dil2_p1_s2", (2, 1, 8, 9), 3, 2, 1, 2, False),
        ("k3_dil2_ceil", (1, 2, 9, 8), 3, 2, 0, 2, True),
        ("rect_kernel", (2, 2, 6, 7), (3, 2), (2, 1), (1, 0), 1, False),
        ("rect_all", (1, 2, 9, 8), (2, 3), (3, 2), (1, 1), (2, 1), True),
        ("3d_input", (3, 5, 4), 2, None, 0, 1, False),
        ("ceil_drop_last", (1, 1, 5, 5), 2, 2, 1, 1, True),  # the window that would start in the padding is dropped
    ]
    for name, shape, k, s, p, d, ceil in mp:
        x = randn(*shape)
        args = {"kernelSize": pair(k), "stride": pair(s), "padding": pair(p), "dilation": pair(d), "ceilMode": ceil}

        def call(input, k=k, s=s, p=p, d=d, ceil=ceil):
            v, i = F.max_pool2d(input, k, s, p, d, ceil_mode=ceil, return_indices=True)
            return v, {"indices": i}

        add(f"max_pool2d_{name}", "max_pool2d", args, {"input": x}, ["input"], call)
    # ties: the first maximum in the window wins, and takes the gradient
    x = fin(randint(0, 3, 1, 2, 6, 6).float())
    add("max_pool2d_ties", "max_pool2d", {"kernelSize": 3, "stride": 1, "padding": 1, "dilation": 1, "ceilMode": False}, {"input": x}, ["input"],
        lambda input: (lambda r: (r[0], {"indices": r[1]}))(F.max_pool2d(input, 3, 1, 1, return_indices=True)))

    # NaN wins over every number; with several NaNs in a window the last one (in scan order) is the index
    x = randn(1, 1, 6, 6)
    x[0, 0, 0, 1] = float("nan")
    x[0, 0, 1, 0] = float("nan")
    x[0, 0, 4, 4] = float("nan")
    x[0, 0, 2, 3] = float("inf")
    x[0, 0, 5, 2] = float("-inf")
    add("max_pool2d_nan_inf", "max_pool2d", {"kernelSize": 3, "stride": 2, "padding": 1, "dilation": 1, "ceilMode": True}, {"input": x}, ["input"],
        lambda input: (lambda r: (r[0], {"indices": r[1]}))(F.max_pool2d(input, 3, 2, 1, ceil_mode=True, return_indices=True)))

    # The 2x2 stride-2 kernel (four windows per SIMD step, then a tail): ties, NaNs, infinities
    x = fin(randint(0, 3, 2, 2, 6, 22).float())
    x[0, 0, 0, 2] = float("nan")
    x[0, 0, 1, 3] = float("nan")
    x[0, 1, 2, 9] = float("inf")
    x[1, 0, 4, 20] = float("nan")
    x[1, 1, 5, 16] = float("-inf")
    add("max_pool2d_2x2_nan_ties", "max_pool2d", {"kernelSize": [2, 2], "stride": [2, 2], "padding": [0, 0], "dilation": [1, 1], "ceilMode": False}, {"input": x}, ["input"],
        lambda input: (lambda r: (r[0], {"indices": r[1]}))(F.max_pool2d(input, 2, 2, return_indices=True)))

    ap = [  # name, shape, kernel, stride, padding, ceil, count_include_pad, divisor_override
        ("k2", (2, 3, 6, 6), 2, None, 0, False, True, None),
        ("k3_s2_p1", (1, 2, 7, 5), 3, 2, 1, False, True, None),
        ("k3_s2_p1_nopad", (1, 2, 7, 5), 3, 2, 1, False, False, None),
        ("k3_s2_ceil", (2, 1, 6, 8), 3, 2, 0, True, True, None),
        ("k3_s2_p1_ceil_nopad", (1, 2, 6, 6), 3, 2, 1, True, False, None),
        ("k3_s2_p1_ceil_pad", (1, 2, 6, 6), 3, 2, 1, True, True, None),
        ("divisor", (1, 2, 5, 6), 2, 1, 0, False, True, 3),
        ("divisor_pad", (1, 2, 5, 6), 3, 2, 1, True, False, 5),
        ("rect", (2, 2, 7, 6), (3, 2), (2, 1), (1, 1), False, True, None),
        ("3d_input", (3, 6, 5), 2, None, 0, True, True, None),
    ]
    for name, shape, k, s, p, ceil, cip, div in ap:
        x = randn(*shape)
        args = {"kernelSize": pair(k), "stride": pair(s), "padding": pair(p), "ceilMode": ceil, "countIncludePad": cip, "divisorOverride": div}

        def call(input, k=k, s=s, p=p, ceil=ceil, cip=cip, div=div):
            return F.avg_pool2d(input, k, s, p, ceil_mode=ceil, count_include_pad=cip, divisor_override=div)

        add(f"avg_pool2d_{name}", "avg_pool2d", args, {"input": x}, ["input"], call)

    aap = [  # name, shape, output size
        ("divisible", (2, 3, 6, 6), (3, 3)),
        ("non_divisible", (1, 2, 7, 5), (3, 2)),
        ("to_1x1", (2, 4, 5, 7), 1),
        ("larger", (1, 2, 3, 4), (5, 6)),
        ("none_dim", (1, 2, 5, 6), (None, 4)),
        ("3d_input", (3, 7, 7), (4, 3)),
        ("identity", (1, 1, 4, 5), (4, 5)),
    ]
    for name, shape, osz in aap:
        x = randn(*shape)
        add(f"adaptive_avg_pool2d_{name}", "adaptive_avg_pool2d", {"outputSize": pair(osz)}, {"input": x}, ["input"],
            lambda input, osz=osz: F.adaptive_avg_pool2d(input, osz))


# ---- normalisation ------------------------------------------------------------------------

def batch_norm_cases():
    """A BatchNorm module trained on two batches, then evaluated on a third."""
    cfgs = [  # name, kind, shape, momentum, affine, track
        ("bn2d", "2d", (4, 3, 5, 4), 0.1, True, True),
        ("bn2d_momentum_none", "2d", (3, 2, 4, 3), None, True, True),
        ("bn2d_momentum_0.3_noaffine", "2d", (2, 3, 3, 5), 0.3, False, True),
        ("bn2d_no_track", "2d", (3, 2, 4, 4), 0.1, True, False),
        ("bn1d_2d_input", "1d", (6, 4), 0.1, True, True),
        ("bn1d_3d_input", "1d", (3, 4, 5), 0.2, True, True),
        ("bn2d_batch1", "2d", (1, 2, 3, 3), 0.1, True, True),
    ]
    for name, kind, shape, mom, affine, track in cfgs:
        C = shape[1]
        x1, x2, x3 = randn(*shape, scale=2), randn(*shape, scale=2), randn(*shape, scale=2)
        x1, x2 = fin(x1 + 0.5), fin(x2 - 0.25)
        mod = (nn.BatchNorm2d if kind == "2d" else nn.BatchNorm1d)(C, eps=1e-5, momentum=mom, affine=affine, track_running_stats=track)
        inputs = {"x1": x1, "x2": x2, "x3": x3}
        if affine:
            with torch.no_grad():
                mod.weight.copy_(fin(torch.rand(C, generator=g) + 0.5))
                mod.bias.copy_(randn(C))
            inputs["weight"], inputs["bias"] = mod.weight.detach().clone(), mod.bias.detach().clone()
        mod.train()
        mod(x1)
        x2r = x2.clone().requires_grad_(True)
        y2 = mod(x2r)
        go2 = randn(*y2.shape)
        y2.backward(go2)
        case = {"name": name, "fn": "batch_norm_module", "args": {"kind": kind, "momentum": mom, "affine": affine, "trackRunningStats": track, "eps": 1e-5},
                "inputs": {k: enc(v, IN_DIGITS) for k, v in inputs.items()},
                "grad_out": enc(go2, IN_DIGITS), "out": enc(y2),
                "grads": {"x2": enc(x2r.grad)}}
        if affine:
            case["grads"]["weight"] = enc(mod.weight.grad)
            case["grads"]["bias"] = enc(mod.bias.grad)
        if track:
            case["state"] = {"running_mean": enc(mod.running_mean), "running_var": enc(mod.running_var),
                             "num_batches_tracked": int(mod.num_batches_tracked)}
        mod.eval()
        mod.zero_grad()
        x3r = x3.clone().requires_grad_(True)
        y3 = mod(x3r)
        go3 = randn(*y3.shape)
        y3.backward(go3)
        case["eval_grad_out"] = enc(go3, IN_DIGITS)
        case["eval_out"] = enc(y3)
        case["eval_grads"] = {"x3": enc(x3r.grad)}
        if affine:
            case["eval_grads"]["weight"] = enc(mod.weight.grad)
            case["eval_grads"]["bias"] = enc(mod.bias.grad)
        assert name not in NAMES
        NAMES.add(name)
        CASES.append(case)

    # functional batch_norm: training with given running stats (updated in place), and eval
    for training in (True, False):
        x = randn(3, 4, 2, 3)
        rm, rv = randn(4, scale=0.5), fin(torch.rand(4, generator=g) + 0.5)
        w, b = fin(torch.rand(4, generator=g) + 0.5), randn(4)

        def call(input, weight, bias, running_mean, running_var, training=training):
            y = F.batch_norm(input, running_mean, running_var, weight, bias, training=training, momentum=0.2, eps=1e-3)
            return y, {"state": {"running_mean": enc(running_mean), "running_var": enc(running_var)}}

        add(f"batch_norm_functional_{'train' if training else 'eval'}", "batch_norm",
            {"training": training, "momentum": 0.2, "eps": 1e-3},
            {"input": x, "weight": w, "bias": b, "running_mean": rm, "running_var": rv}, ["input", "weight", "bias"], call)


def layer_group_norm_cases():
    ln = [  # name, shape, normalized_shape, affine
        ("last_dim", (3, 5), [5], True),
        ("last2", (2, 3, 4, 5), [4, 5], True),
        ("last3_noaffine", (2, 3, 4, 2), [3, 4, 2], False),
        ("seq", (2, 6, 8), [8], True),
    ]
    for name, shape, ns, affine in ln:
        x = randn(*shape, scale=3)
        inputs = {"input": fin(x + 1)}
        if affine:
            inputs["weight"] = fin(torch.rand(*ns, generator=g) + 0.5)
            inputs["bias"] = randn(*ns)

        def call(input, weight=None, bias=None, ns=ns):
            return F.layer_norm(input, ns, weight, bias, eps=1e-5)

        add(f"layer_norm_{name}", "layer_norm", {"normalizedShape": ns, "eps": 1e-5}, inputs, list(inputs), call)

    gn = [  # name, shape, groups, affine
        ("g2", (2, 4, 3, 3), 2, True),
        ("g1", (3, 6, 2, 4), 1, True),
        ("g_eq_c", (2, 4, 5, 2), 4, True),
        ("3d_input", (2, 6, 7), 3, False),
        ("2d_input", (4, 6), 2, True),
    ]
    for name, shape, G, affine in gn:
        C = shape[1]
        inputs = {"input": randn(*shape, scale=2)}
        if affine:
            inputs["weight"] = fin(torch.rand(C, generator=g) + 0.5)
            inputs["bias"] = randn(C)

        def call(input, weight=None, bias=None, G=G):
            return F.group_norm(input, G, weight, bias, eps=1e-5)

        add(f"group_norm_{name}", "group_norm", {"numGroups": G, "eps": 1e-5}, inputs, list(inputs), call)


# ---- embedding, pad, interpolate ----------------------------------------------------------

def embedding_cases():
    w = randn(10, 4)
    idx = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
    add("embedding_plain", "embedding", {"paddingIdx": None}, {"weight": w, "indices": idx}, ["weight"],
        lambda weight, indices: F.embedding(indices, weight))
    w = randn(8, 3)
    idx = torch.tensor([[0, 2, 0, 5], [7, 2, 2, 0], [1, 1, 6, 3]])
    add("embedding_padding_idx", "embedding", {"paddingIdx": 2}, {"weight": w, "indices": idx}, ["weight"],
        lambda weight, indices: F.embedding(indices, weight, padding_idx=2))
    w = randn(6, 5)
    idx = torch.tensor([3, 0, 5, 5, 1])
    add("embedding_neg_padding_idx_1d", "embedding", {"paddingIdx": -1}, {"weight": w, "indices": idx}, ["weight"],
        lambda weight, indices: F.embedding(indices, weight, padding_idx=-1))


def pad_cases():
    cases = [  # name, shape, pad, mode, value
        ("constant_last", (2, 3), [1, 2], "constant", 0.0),
        ("constant_2d_value", (1, 2, 3, 4), [1, 0, 2, 1], "constant", 1.5),
        ("constant_3dims", (2, 3, 2), [1, 1, 0, 2, 1, 0], "constant", -2.0),
        ("constant_negative", (1, 2, 5, 6), [-1, 2, 1, -2], "constant", 0.0),
        ("reflect_2d", (2, 2, 4, 5), [2, 1, 3, 1], "reflect", None),
        ("reflect_1d", (2, 3, 6), [3, 2], "reflect", None),
        ("replicate_2d", (1, 3, 3, 4), [2, 3, 1, 2], "replicate", None),
        ("replicate_1d", (2, 2, 4), [1, 3], "replicate", None),
        ("circular_2d", (1, 2, 4, 5), [2, 1, 1, 3], "circular", None),
    ]
    for name, shape, p, mode, value in cases:
        x = randn(*shape)
        args = {"pad": p, "mode": mode}
        if value is not None:
            args["value"] = value

        def call(input, p=p, mode=mode, value=value):
            return F.pad(input, p, mode=mode, value=value) if mode == "constant" else F.pad(input, p, mode=mode)

        add(f"pad_{name}", "pad", args, {"input": x}, ["input"], call)


def interpolate_cases():
    cases = [  # name, shape, size, scale_factor, mode, align_corners
        ("nearest_x2", (1, 2, 3, 4), None, 2.0, "nearest", None),
        ("nearest_size", (2, 1, 4, 5), (7, 3), None, "nearest", None),
        ("nearest_scale_1.5", (1, 2, 4, 3), None, 1.5, "nearest", None),
        ("nearest_scale_tuple", (1, 1, 5, 6), None, (0.6, 1.7), "nearest", None),
        ("nearest_down", (1, 2, 8, 7), (3, 4), None, "nearest", None),
        ("nearest_exact_scale", (1, 2, 5, 4), None, 1.6, "nearest-exact", None),
        ("nearest_exact_down", (1, 1, 9, 7), (4, 3), None, "nearest-exact", None),
        ("bilinear_x2", (1, 2, 3, 4), None, 2.0, "bilinear", False),
        ("bilinear_x2_ac", (1, 2, 3, 4), None, 2.0, "bilinear", True),
        ("bilinear_size", (2, 2, 4, 5), (7, 3), None, "bilinear", False),
        ("bilinear_size_ac", (2, 2, 4, 5), (7, 3), None, "bilinear", True),
        ("bilinear_scale_1.7", (1, 1, 5, 4), None, 1.7, "bilinear", False),
        ("bilinear_scale_tuple_ac", (1, 2, 4, 6), None, (2.5, 0.5), "bilinear", True),
        ("bilinear_down", (1, 2, 9, 8), (4, 3), None, "bilinear", False),
        ("bilinear_to_1", (1, 2, 4, 5), (1, 3), None, "bilinear", True),
        ("bilinear_same_h", (1, 1, 4, 5), (4, 9), None, "bilinear", False),
        ("nearest_1d", (2, 3, 5), 8, None, "nearest", None),
        ("linear_1d", (2, 2, 4), None, 2.5, "linear", False),
        ("linear_1d_ac", (1, 2, 5), 9, None, "linear", True),
        ("area_down", (1, 2, 7, 6), (3, 4), None, "area", None),
        ("area_scale", (2, 1, 6, 6), None, 0.5, "area", None),
        ("nearest_recompute", (1, 1, 5, 4), None, 1.3, "nearest", None),
    ]
    for name, shape, size, sf, mode, ac in cases:
        x = randn(*shape)
        rsf = True if name.endswith("recompute") else None
        args = {"size": pair(size), "scaleFactor": pair(sf), "mode": mode}
        if ac is not None:
            args["alignCorners"] = ac
        if rsf:
            args["recomputeScaleFactor"] = True

        def call(input, size=size, sf=sf, mode=mode, ac=ac, rsf=rsf):
            return F.interpolate(input, size=size, scale_factor=sf, mode=mode, align_corners=ac, recompute_scale_factor=rsf)

        add(f"interpolate_{name}", "interpolate", args, {"input": x}, ["input"], call)


def winograd_cases():
    # 3x3 stride-1 convolutions between enough channels take Kindling's Winograd F(2x2, 3x3)
    # kernels (forward, input and weight gradients): odd and even planes (partial tiles),
    # tile rows not a multiple of 4, each padding; and a conv_transpose2d, which runs the
    # forward kernel on its input.
    conv_case("conv2d_winograd_8x16_p1", 2, 8, 9, 7, 16, 3, 3, 1, 1, 1, 1, True)
    conv_case("conv2d_winograd_12x6_p0", 1, 12, 8, 11, 6, 3, 3, 1, 0, 1, 1, False)
    conv_case("conv2d_winograd_10x10_p2", 2, 10, 6, 6, 10, 3, 3, 1, 2, 1, 1, True)
    conv_case("conv2d_winograd_16x32_same", 1, 16, 14, 14, 32, 3, 3, 1, "same", 1, 1, True)
    convt_case("conv_transpose2d_winograd", (2, 12, 5, 6), 8, (3, 3), (1, 1), (1, 1), (0, 0), 1, (1, 1), True)


def main():
    conv2d_cases()
    conv_transpose2d_cases()
    pool_cases()
    batch_norm_cases()
    layer_group_norm_cases()
    embedding_cases()
    pad_cases()
    interpolate_cases()
    winograd_cases()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "seed": SEED, "cases": CASES}, f, separators=(",", ":"))
    counts = {}
    for c in CASES:
        counts[c["fn"]] = counts.get(c["fn"], 0) + 1
    print(f"wrote {len(CASES)} cases ({os.path.getsize(OUT)} bytes) to {os.path.relpath(OUT)}: {counts}")


if __name__ == "__main__":
    main()
