#!/usr/bin/python3
"""Compute fixtures for the wide dtypes: float64 arithmetic (unary, binary with broadcasting,
comparisons, reductions, matmul), PyTorch's promotion between float64, float32 and int64,
int64 arithmetic, float64 rand/randn after manual_seed, int64 index tensors (index_select,
gather, scatter_add, t[idx], embedding, cross_entropy and nll_loss targets) and torch 1.13's
handling of uint8 masks (taken, with a deprecation warning), all run through real PyTorch and written to
tests/fixtures/dtype-compute.json, which tests/dtype-compute.test.ts replays through Kindling.

    /usr/bin/python3 scripts/gen_dtype_compute_fixtures.py

Format: {"torch": version, "inputs": {name: tensor}, "cases": [case, ...]}. A case is
{"name", "out": tensor, "exact": bool} (the test knows how to compute each name); a tensor is
{"values", "shape", "dtype"} with every float written with 17 significant digits (so float64
values are exact) and NaN / infinities as strings; int64 values stay within ±2^53.
"""
import json
import math
import os
import warnings

import torch
import torch.nn.functional as F

from fixture_io import enc_float

g = torch.Generator().manual_seed(20261203)
f64 = torch.float64


def enc(t):
    dtype = str(t.dtype).replace("torch.", "")
    vals = t.detach().reshape(-1).tolist()
    if t.dtype == torch.bool:
        vals = [int(v) for v in vals]
    elif t.dtype.is_floating_point:
        vals = [enc_float(v, 17) for v in vals]
    else:
        assert all(abs(v) <= 2 ** 53 for v in vals)
    return {"values": vals, "shape": list(t.shape), "dtype": dtype}


inputs = {
    "x": torch.randn(3, 4, generator=g, dtype=f64),
    "y": torch.randn(4, generator=g, dtype=f64),
    "pos": torch.rand(3, 4, generator=g, dtype=f64) * 3 + 0.1,
    "unit": torch.rand(3, 4, generator=g, dtype=f64) * 1.8 - 0.9,
    "xf": torch.randn(3, 4, generator=g),
    "m": torch.randn(4, 5, generator=g, dtype=f64),
    "bm": torch.randn(2, 3, 4, generator=g, dtype=f64),
    "bn": torch.randn(4, 2, generator=g, dtype=f64),
    "i": torch.tensor([[2 ** 40 + 3, -7, 5, 0], [-(2 ** 35), 11, 2 ** 31, -1], [9, -(2 ** 31) - 5, 4, 3]], dtype=torch.int64),
    "j": torch.tensor([3, -2, 2 ** 33, 7], dtype=torch.int64),
    "logits": torch.randn(4, 3, generator=g),
    "emb": torch.randn(5, 3, generator=g),
}
x, y, pos, unit, xf, m, bm, bn, i, j = (inputs[k] for k in ["x", "y", "pos", "unit", "xf", "m", "bm", "bn", "i", "j"])
cases = []


def case(name, out, exact=False):
    cases.append({"name": name, "out": enc(out), "exact": exact})


# ---- float64 unary: domain-appropriate inputs, as Kindling's rows declare them ----
UNARY = {
    "neg": (torch.neg, "x", True), "abs": (torch.abs, "x", True), "exp": (torch.exp, "x", False),
    "log": (torch.log, "pos", False), "sqrt": (torch.sqrt, "pos", True), "rsqrt": (torch.rsqrt, "pos", False),
    "sin": (torch.sin, "x", False), "cos": (torch.cos, "x", False), "tanh": (torch.tanh, "x", False),
    "sigmoid": (torch.sigmoid, "x", False), "relu": (torch.relu, "x", True), "gelu": (F.gelu, "x", False),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"), "x", False), "silu": (F.silu, "x", False),
    "sign": (torch.sign, "x", True), "floor": (torch.floor, "x", True), "ceil": (torch.ceil, "x", True),
    "round": (torch.round, "x", True), "trunc": (torch.trunc, "x", True), "square": (torch.square, "x", True),
    "reciprocal": (torch.reciprocal, "x", True), "log1p": (torch.log1p, "pos", False), "expm1": (torch.expm1, "x", False),
    "erf": (torch.erf, "x", False), "softplus": (F.softplus, "x", False), "log2": (torch.log2, "pos", False),
    "exp2": (torch.exp2, "x", False), "tan": (torch.tan, "unit", False), "atan": (torch.atan, "x", False),
    "logical_not": (torch.logical_not, "x", True),
}
for name, (fn, arg, exact) in UNARY.items():
    case(f"unary.{name}", fn(inputs[arg] * 3 if arg == "x" else inputs[arg]), exact)

# ---- float64 binary, x [3, 4] against y [4] (broadcast) ----
BINARY = {
    "add": (torch.add, "x", "y", True), "sub": (torch.sub, "x", "y", True), "mul": (torch.mul, "x", "y", True),
    "div": (torch.div, "x", "y", True), "pow": (torch.pow, "pos", "y", False), "maximum": (torch.maximum, "x", "y", True),
    "minimum": (torch.minimum, "x", "y", True), "remainder": (torch.remainder, "x", "y", True),
    "floor_divide": (torch.floor_divide, "x", "y", True), "atan2": (torch.atan2, "x", "y", False),
    "hypot": (torch.hypot, "x", "y", False), "logaddexp": (torch.logaddexp, "x", "y", False),
    "xlogy": (torch.xlogy, "x", "pos", False),
    "eq": (torch.eq, "x", "x", True), "ne": (torch.ne, "x", "y", True), "lt": (torch.lt, "x", "y", True),
    "le": (torch.le, "x", "y", True), "gt": (torch.gt, "x", "y", True), "ge": (torch.ge, "x", "y", True),
}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # floor_divide's deprecation notice
    for name, (fn, a, b, exact) in BINARY.items():
        case(f"binary.{name}", fn(inputs[a], inputs[b]), exact)
    case("binary.floor_divide_int64", torch.floor_divide(i, j), True)

# ---- promotion (torch.result_type): float64 wins; int64 + float32 is float32; a 0-d tensor or
# a Python scalar does not widen a dimensioned tensor of its category ----
case("promote.f64_add_f32", x + xf, True)
case("promote.i64_add_f32", i + xf, True)
case("promote.i64_add_2.5", i + 2.5, True)
case("promote.f32_add_f64_0d", xf + torch.tensor(0.1, dtype=f64), True)
case("promote.f64_add_0.1", x + 0.1, True)
case("promote.f64_mul_3", x * 3, True)
case("promote.i64_div_i64", i / j, True)

# ---- int64 arithmetic, comparisons, reductions (beyond int32, within 2^53) ----
case("int64.add", i + j, True)
case("int64.sub", i - j, True)
case("int64.mul_3", i * 3, True)
case("int64.add_2^40", i + 2 ** 40, True)
case("int64.maximum", torch.maximum(i, j), True)
case("int64.neg", -i, True)
case("int64.abs", i.abs(), True)
case("int64.lt", i < j, True)
case("int64.eq_2^40+3", i == 2 ** 40 + 3, True)
case("int64.sum", i.sum(), True)
case("int64.sum_dim0", i.sum(0), True)
case("int64.amax_dim1", i.amax(1), True)
case("int64.argmax_dim1", i.argmax(1), True)
case("int64.prod_small", torch.tensor([[3, -2, 5], [7, 1, -4]]).prod(1), True)

# ---- float64 reductions ----
case("reduce.sum", x.sum())
case("reduce.sum_dim1", x.sum(1))
case("reduce.mean", x.mean())
case("reduce.mean_dim0_keepdim", x.mean(0, keepdim=True))
case("reduce.amax", x.amax(), True)
case("reduce.amin_dim1", x.amin(1), True)
case("reduce.argmax", x.argmax(), True)
case("reduce.argmin_dim0", x.argmin(0), True)
case("reduce.max_dim1_values", x.max(1).values, True)
case("reduce.max_dim1_indices", x.max(1).indices, True)
case("reduce.prod_dim1", x.prod(1))
case("reduce.var", x.var())
case("reduce.std_dim0", x.std(0))
case("reduce.logsumexp_dim1", x.logsumexp(1))

# ---- float64 matmul ----
case("matmul.2d", x @ m)
case("matmul.batched", bm @ bn)
case("matmul.vec_mat", y @ m)
case("matmul.mat_vec", x @ y)

# ---- float64 rand / randn after manual_seed(42), as torch's CPU generator draws them ----
for shape in [[3, 4], [20]]:
    torch.manual_seed(42)
    case(f"rand.{'x'.join(map(str, shape))}", torch.rand(*shape, dtype=f64), True)
for n in [5, 16, 20]:
    torch.manual_seed(42)
    case(f"randn.{n}", torch.randn(n, dtype=f64))

# ---- int64 index tensors wherever an index is taken ----
ix = torch.tensor([3, 0, 3, 1], dtype=torch.int64)
case("index.index_select", x.index_select(1, ix), True)
gi = torch.tensor([[0, 3], [2, 2], [1, 0]], dtype=torch.int64)
case("index.gather", xf.gather(1, gi), True)
case("index.scatter_add", torch.zeros(3, 4).scatter_add(1, gi, xf[:, :2]), True)
case("index.get", x[torch.tensor([2, 0], dtype=torch.int64)], True)
ei = torch.tensor([[4, 0], [2, 2]], dtype=torch.int64)
case("index.embedding", F.embedding(ei, inputs["emb"]), True)
tg = torch.tensor([2, 0, 1, 2], dtype=torch.int64)
case("index.cross_entropy", F.cross_entropy(inputs["logits"], tg))
case("index.nll_loss", F.nll_loss(F.log_softmax(inputs["logits"], 1), tg))

# ---- uint8 masks: torch 1.13 still takes one as a bool mask in indexing, masked_fill and
# where, each with a deprecation warning (recorded here) ----
mask_u8 = torch.tensor([1, 0, 1, 1], dtype=torch.uint8)
warned = {}
for name, fn in [("get", lambda: y[mask_u8]), ("masked_fill", lambda: y.masked_fill(mask_u8, 0.5)),
                 ("where", lambda: torch.where(mask_u8, y, y * 2))]:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        case(f"mask.uint8_{name}", fn(), True)
    warned[name] = str(w[0].message).split(" (Triggered")[0] if w else None
errors = {"uint8_warnings": warned}

out = {"torch": torch.__version__, "inputs": {k: enc(v) for k, v in inputs.items()}, "cases": cases, "errors": errors}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "dtype-compute.json")
with open(path, "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
