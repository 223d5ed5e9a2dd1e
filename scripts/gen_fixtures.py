#!/usr/bin/python3
"""Conformance fixtures: runs every op the TypeScript API exposes through real PyTorch and
writes the inputs and torch's answers to tests/fixtures/ops.json, which
tests/conformance.test.ts replays through Kindling.

    /usr/bin/python3 scripts/gen_fixtures.py      (or: npm run fixtures)

Format: {"torch": version, "seed": s, "cases": [case, ...]}. A case is
    {"name": unique id, "op": fixture op name (the test's OPS table maps it to Kindling),
     "inputs": [{"values": flat row-major list, "shape": [...], "dtype": "float32"|"int32"|"bool",
                 "view": optional recipe [["transpose", d0, d1] | ["permute", dims] |
                                          ["expand", sizes] | ["slice", dim, start, stop, step]]}],
     "args": {op arguments}, "tol": tolerance class, "k": elements reduced per output,
     "out": [{"values", "shape", "dtype"}, ...]  (one entry per returned tensor)
       or "error": "ShapeError" | "IndexError" | "DTypeError" | "ValueError"
       or "stats": {...} for the random factories (their RNG is not torch's)}
Floats that JSON cannot hold are the strings "nan", "inf", "-inf". Input floats carry 7
significant digits (torch is fed exactly those values), outputs 8.

Documented deviations built in here: Kindling's integer dtype is int32 (torch's int64: int
inputs are made int64 in torch, and an int64 result is recorded as "int32"); argmax and the
indices of max/min are int32; kd.tensor(numbers) and kd.full(shape, number) are float32
(JavaScript cannot tell 1 from 1.0), so those cases give torch dtype=float32 explicitly.
"""
import json
import math
import os
import sys
import zlib

import torch

from fixture_io import apply_view, enc_float, read_manifest, torch_fn, view_recipe

SEED = 20240611
g = torch.Generator().manual_seed(SEED)
CASES = []
NAMES = set()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "ops.json")

# ---- value encoding ---------------------------------------------------------------------



def enc_args(a):
    """Arguments with NaN/inf floats as their string forms (the test decodes them back)."""
    if isinstance(a, float) and not math.isfinite(a):
        return enc_float(a, 8)
    if isinstance(a, dict):
        return {k: enc_args(v) for k, v in a.items()}
    if isinstance(a, list):
        return [enc_args(v) for v in a]
    return a


def dtype_name(t):
    if t.dtype in (torch.int64, torch.int32):
        return "int32"
    if t.dtype == torch.float32:
        return "float32"
    if t.dtype == torch.bool:
        return "bool"
    raise TypeError(f"unexpected torch dtype {t.dtype}")


def enc_tensor(t, digits=8):
    dt = dtype_name(t)
    flat = t.detach().contiguous().reshape(-1).tolist()
    if dt == "float32":
        vals = [enc_float(v, digits) for v in flat]
    elif dt == "bool":
        vals = [1 if v else 0 for v in flat]
    else:
        vals = [int(v) for v in flat]
    return {"values": vals, "shape": list(t.shape), "dtype": dt}


# ---- inputs -------------------------------------------------------------------------------

TORCH_DT = {"float32": torch.float32, "int32": torch.int64, "bool": torch.bool}


def gen_values(shape, kind):
    n = math.prod(shape)
    if kind == "randn":
        return torch.randn(n, generator=g)
    if kind == "pos":  # strictly positive, for log/sqrt/pow bases
        return torch.rand(n, generator=g) * 4 + 0.05
    if kind == "unit":  # (-1, 1)
        return torch.rand(n, generator=g) * 1.98 - 0.99
    if kind == "wide":
        return torch.randn(n, generator=g) * 10
    if kind == "int":
        return torch.randint(-9, 10, (n,), generator=g)
    if kind == "intpos":
        return torch.randint(1, 10, (n,), generator=g)
    if kind == "small":  # small ints for pow
        return torch.randint(0, 5, (n,), generator=g)
    if kind == "bool":
        return torch.rand(n, generator=g) < 0.5
    if kind == "distinct":  # distinct ints (no ties for argmax / max indices)
        return torch.randperm(max(n, 1), generator=g)[:n] - n // 2
    raise ValueError(kind)


def inp(shape, dtype="float32", kind=None, view=None, values=None):
    """An input: returns (fixture dict, torch tensor after the view recipe)."""
    if kind is None:
        kind = {"float32": "randn", "int32": "int", "bool": "bool"}[dtype]
    base, recipe = view_recipe(shape, view)
    if values is not None:
        flat = (torch.tensor(values, dtype=torch.float64) if dtype == "float32" else torch.tensor(values)).reshape(-1)
    else:
        flat = gen_values(base, kind)
    if dtype == "float32":
        vals = [enc_float(v, 7) for v in flat.tolist()]
        dec = [float(v) for v in vals]  # float("nan"), float("-inf") read the string forms
        t = torch.tensor(dec, dtype=torch.float32)
    elif dtype == "bool":
        vals = [1 if v else 0 for v in flat.tolist()]
        t = torch.tensor([bool(v) for v in vals], dtype=torch.bool)
    else:
        vals = [int(v) for v in flat.tolist()]
        t = torch.tensor(vals, dtype=torch.int64)
    t = t.reshape(base)
    d = {"values": vals, "shape": base, "dtype": dtype}
    if recipe:
        d["view"] = recipe
    tv = apply_view(t, recipe)
    assert list(tv.shape) == list(shape), (tv.shape, shape)
    return d, tv


def add(name, op, inputs, args, fn, tol="exact", k=1):
    """A value case: fn(*torch inputs) -> tensor or tuple/list of tensors."""
    assert name not in NAMES, name
    NAMES.add(name)
    ts = [t for _, t in inputs]
    try:
        out = fn(*ts)
    except Exception as e:  # noqa: BLE001
        if os.environ.get("KEEP_GOING"):  # while editing: list every such case, then fix them
            print(f"{name}: torch raised {type(e).__name__}: {e}", file=sys.stderr)
            return
        raise AssertionError(f"{name}: torch raised {type(e).__name__}: {e}") from e
    if isinstance(out, torch.Tensor):
        out = [out]
    CASES.append({"name": name, "op": op, "inputs": [d for d, _ in inputs], "args": enc_args(args), "tol": tol,
                  "k": int(k), "out": [enc_tensor(o) for o in out]})


def add_err(name, op, inputs, args, error, fn):
    """An error case: torch must raise too; Kindling must raise kd.<error>."""
    assert name not in NAMES, name
    NAMES.add(name)
    ts = [t for _, t in inputs]
    try:
        fn(*ts)
    except Exception:  # noqa: BLE001  torch raises RuntimeError/IndexError/ValueError
        pass
    else:
        raise AssertionError(f"{name}: torch did not raise")
    CASES.append({"name": name, "op": op, "inputs": [d for d, _ in inputs], "args": enc_args(args), "error": error})


def shp(s):
    return "x".join(map(str, s)) if s else "scalar"


# ---- creation -----------------------------------------------------------------------------


def creation():
    f32 = torch.float32
    for name, data in [("1d", [1.5, -2, 3.25]), ("2d", [[1, 2, 3], [4, 5, 6]]), ("3d", [[[1], [2]], [[3], [4]]]),
                       ("scalar", 7.5), ("empty", []), ("empty2", [[], []])]:
        add(f"tensor/{name}", "tensor", [], {"data": data}, lambda d=data: torch.tensor(d, dtype=f32))
    add("tensor/int", "tensor", [], {"data": [[1, -2], [3, 4]], "dtype": "int32"}, lambda: torch.tensor([[1, -2], [3, 4]]))
    add("tensor/int_trunc", "tensor", [], {"data": [1.7, -2.7], "dtype": "int32"},
        lambda: torch.tensor([1.7, -2.7]).to(torch.int64))
    add("tensor/bool", "tensor", [], {"data": [[True, False], [False, True]]}, lambda: torch.tensor([[True, False], [False, True]]))
    add("tensor/float_to_bool", "tensor", [], {"data": [0, 1.5, -2], "dtype": "bool"}, lambda: torch.tensor([0, 1.5, -2]).bool())
    add_err("tensor/ragged", "tensor", [], {"data": [[1, 2], [3]]}, "ValueError", lambda: torch.tensor([[1, 2], [3]]))
    for fn in ("zeros", "ones"):
        tf = getattr(torch, fn)
        add(f"{fn}/2x3", fn, [], {"shape": [2, 3]}, lambda tf=tf: tf(2, 3))
        add(f"{fn}/scalar", fn, [], {"shape": []}, lambda tf=tf: tf([]))
        add(f"{fn}/0x3", fn, [], {"shape": [0, 3]}, lambda tf=tf: tf(0, 3))
        add(f"{fn}/int", fn, [], {"shape": [4], "dtype": "int32"}, lambda tf=tf: tf(4, dtype=torch.int64))
        add(f"{fn}/bool", fn, [], {"shape": [2, 2], "dtype": "bool"}, lambda tf=tf: tf(2, 2, dtype=torch.bool))
    add("full/float", "full", [], {"shape": [2, 3], "value": 2.5}, lambda: torch.full((2, 3), 2.5))
    add("full/intvalue_float32", "full", [], {"shape": [3], "value": 7}, lambda: torch.full((3,), 7, dtype=f32))
    add("full/int", "full", [], {"shape": [3, 1], "value": -4, "dtype": "int32"}, lambda: torch.full((3, 1), -4))
    add("full/bool", "full", [], {"shape": [2], "value": True}, lambda: torch.full((2,), True))
    add("full/scalar", "full", [], {"shape": [], "value": -1.25}, lambda: torch.full((), -1.25))
    add("full/int_float_value", "full", [], {"shape": [2], "value": 2.9, "dtype": "int32"},
        lambda: torch.full((2,), 2.9).to(torch.int64))
    add("full/nan", "full", [], {"shape": [2], "value": float("nan")}, lambda: torch.full((2,), float("nan")))
    for a in [[5], [2, 9], [1, 10, 3], [10, 0, -3], [-4, 4, 2], [0, 0], [3, 3, 1], [0, 1, 0.1], [-1, 1, 0.3],
              [0.5, 3], [1, 2.5, 0.5], [2, -1, -0.25], [0, 257], [3.5], [0, 0.9, 0.3],
              [0.1, 0.4, 0.1], [1, 2, 0.1], [0, 1, 1 / 3], [-5, 5, 1.25], [10, 9.5, -0.1]]:
        args = {"args": [v if not isinstance(v, float) or v != int(v) else v for v in a]}
        tag = "_".join(str(v).replace("-", "m") for v in a)
        ints = all(isinstance(v, int) for v in a)
        add(f"arange/{tag}", "arange", [], args, lambda a=a, ints=ints: torch.arange(*a, dtype=torch.int64 if ints else f32),
            tol="exact" if ints else "elementwise")
    add("arange/float_dtype", "arange", [], {"args": [0, 5], "dtype": "float32"}, lambda: torch.arange(0, 5, dtype=f32))
    add_err("arange/zero_step", "arange", [], {"args": [0, 5, 0]}, "ValueError", lambda: torch.arange(0, 5, 0))
    add_err("arange/wrong_sign", "arange", [], {"args": [0, 5, -1]}, "ValueError", lambda: torch.arange(0, 5, -1))
    for a in [[0, 1, 5], [-1, 1, 7], [2, -3, 33], [0, 1, 1], [3, 7, 0], [0, 10, 257], [1.5, 1.5, 4], [-0.3, 0.7, 11]]:
        add("linspace/" + "_".join(str(v) for v in a), "linspace", [], {"start": a[0], "end": a[1], "steps": a[2]},
            lambda a=a: torch.linspace(a[0], a[1], a[2]), tol="elementwise")
    add_err("linspace/negative", "linspace", [], {"start": 0, "end": 1, "steps": -1}, "ValueError", lambda: torch.linspace(0, 1, -1))
    add("eye/3", "eye", [], {"n": 3}, lambda: torch.eye(3))
    add("eye/2x4", "eye", [], {"n": 2, "m": 4}, lambda: torch.eye(2, 4))
    add("eye/4x2", "eye", [], {"n": 4, "m": 2}, lambda: torch.eye(4, 2))
    add("eye/0", "eye", [], {"n": 0}, lambda: torch.eye(0))
    add("eye/3x0", "eye", [], {"n": 3, "m": 0}, lambda: torch.eye(3, 0))
    add("eye/int", "eye", [], {"n": 3, "dtype": "int32"}, lambda: torch.eye(3, dtype=torch.int64))
    add("eye/bool", "eye", [], {"n": 2, "m": 3, "dtype": "bool"}, lambda: torch.eye(2, 3, dtype=torch.bool))
    # *_like factories
    x = inp([2, 3])
    xi = inp([4], "int32")
    add("zeros_like/float", "zeros_like", [x], {}, torch.zeros_like)
    add("ones_like/int", "ones_like", [xi], {}, torch.ones_like)
    add("full_like/float", "full_like", [x], {"value": 3.5}, lambda t: torch.full_like(t, 3.5))
    add("full_like/int", "full_like", [xi], {"value": -2}, lambda t: torch.full_like(t, -2))
    add("ones_like/dtype", "ones_like", [x], {"dtype": "bool"}, lambda t: torch.ones_like(t, dtype=torch.bool))

    # Random factories: Kindling's generator is not torch's, so only shape, dtype, range and
    # moments are compared. Bounds: n=4000 samples, mean within 5 standard errors.
    def stats(name, op, args, shape, dtype, lo, hi, mean, std, integer=False, mean_tol=None, std_tol=None):
        n = math.prod(shape)
        se = std / math.sqrt(max(n, 1))
        mean_tol = 5 * se if mean_tol is None else mean_tol
        std_tol = 0.08 * std if std_tol is None else std_tol
        CASES.append({"name": name, "op": op, "inputs": [], "args": args, "stats": {
            "shape": shape, "dtype": dtype, "min": lo, "max": hi, "integer": integer,
            "mean": mean, "mean_tol": mean_tol, "std": std, "std_tol": std_tol}})
        NAMES.add(name)
        # sanity: torch's own sample passes the same check
        if op == "rand":
            t = torch.rand(shape, generator=g)
        elif op == "randn":
            t = torch.randn(shape, generator=g)
        elif op == "randint":
            t = torch.randint(args.get("low", 0), args["high"], shape, generator=g).float()
        elif op == "rand_like":
            t = torch.rand(shape, generator=g)
        elif op == "randn_like":
            t = torch.randn(shape, generator=g)
        elif op == "randint_like":
            t = torch.randint(args["low"], args["high"], shape, generator=g).float()
        elif op in ("empty", "empty_like"):
            t = torch.zeros(shape)
        else:
            t = torch.randperm(args["n"], generator=g).float()
        if n:
            assert abs(t.mean().item() - mean) <= mean_tol and abs(t.std().item() - std) <= std_tol, name

    stats("rand/40x100", "rand", {"shape": [40, 100]}, [40, 100], "float32", 0.0, 1.0, 0.5, math.sqrt(1 / 12))
    stats("randn/4000", "randn", {"shape": [4000]}, [4000], "float32", None, None, 0.0, 1.0)
    stats("randn/2x0", "randn", {"shape": [2, 0]}, [2, 0], "float32", None, None, 0.0, 1.0)
    stats("randint/m3_7", "randint", {"low": -3, "high": 7, "shape": [50, 80]}, [50, 80], "int32", -3, 6, 1.5,
          math.sqrt((10**2 - 1) / 12), True)
    stats("randint/high_only", "randint", {"high": 5, "shape": [4000]}, [4000], "int32", 0, 4, 2.0, math.sqrt((25 - 1) / 12), True)
    stats("randperm/257", "randperm", {"n": 257}, [257], "int32", 0, 256, 128.0, math.sqrt((257**2 - 1) / 12), True)
    stats("randn_like/4000", "randn_like", {"shape": [40, 100]}, [40, 100], "float32", None, None, 0.0, 1.0)
    stats("randint_like/0_3", "randint_like", {"shape": [4000], "low": 0, "high": 3}, [4000], "int32", 0, 2, 1.0,
          math.sqrt(8 / 12), True)
    # empty/empty_like are uninitialised in torch: shape and dtype only
    stats("empty/2x3", "empty", {"shape": [2, 3]}, [2, 3], "float32", None, None, 0.0, 0.0, mean_tol=1e30, std_tol=1e30)
    stats("empty_like/int", "empty_like", {"shape": [4], "dtype": "int32"}, [4], "int32", None, None, 0.0, 0.0,
          mean_tol=1e30, std_tol=1e30)
    # 6 samples: range and dtype only
    stats("rand_like/2x3", "rand_like", {"shape": [2, 3]}, [2, 3], "float32", 0.0, 1.0, 0.5, math.sqrt(1 / 12),
          mean_tol=0.5, std_tol=1.0)


# ---- elementwise --------------------------------------------------------------------------

SPECIAL = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5,
           20.0, 25.0, -20.0, 88.0, -100.0, 1e-8, -1e-8, 1e-30, 0.7853982, 100.0, 3.0]

MANIFEST = read_manifest()
# The unary and binary ops in the order their cases were first written: kept so that ops.json
# stays byte-identical (the cases share one random stream). Ops the engine gained later are not
# listed: their cases come after all others, from the manifest alone (appended_ops()).
FROZEN_UNARY = ["neg", "abs", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tan", "atan", "tanh", "sigmoid", "relu",
                "silu", "sign", "floor", "ceil", "round", "trunc", "square", "reciprocal", "log1p", "expm1", "erf",
                "softplus", "log2", "exp2", "logical_not"]
FROZEN_BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "floor_divide", "eq", "ne", "lt",
                 "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "atan2"]
# torch refuses int inputs to these; Kindling computes them in float, so no int case is recorded
NO_INT_CASE = {"silu", "softplus"}

# unary op -> (torch fn, tolerance class, domain kind for the main random case, int ok); the
# tolerance and the domain are the engine's spec row (crates/engine/src/ops/spec.rs)
UNARY = {n: (torch_fn(n), MANIFEST[n]["tol"], MANIFEST[n]["domain"][0], n not in NO_INT_CASE) for n in FROZEN_UNARY}


def unary_op(name, fn, tol, kind, int_ok, put=add):
    """The cases of one unary op (put: how a value case is recorded)."""
    put(f"{name}/7", name, [inp([7], kind=kind)], {}, fn, tol)
    put(f"{name}/special", name, [inp([len(SPECIAL)], values=SPECIAL)], {}, fn, tol)
    put(f"{name}/3x257_T", name, [inp([3, 257], kind=kind, view="T")], {}, fn, tol)
    put(f"{name}/2x3x4_perm", name, [inp([2, 3, 4], kind=kind, view="perm")], {}, fn, tol)
    put(f"{name}/4x5_step", name, [inp([4, 5], kind=kind, view="step")], {}, fn, tol)
    put(f"{name}/scalar", name, [inp([], kind=kind)], {}, fn, tol)
    put(f"{name}/0x3", name, [inp([0, 3])], {}, fn, tol)
    if int_ok:
        put(f"{name}/int", name, [inp([2, 5], "int32", kind="intpos" if name in ("log", "sqrt", "rsqrt", "log2", "log1p") else "int")], {}, fn, tol)
    if name in ("logical_not", "exp", "sigmoid", "sqrt"):
        put(f"{name}/bool", name, [inp([6], "bool")], {}, fn, tol)


def elementwise():
    for name, (fn, tol, kind, int_ok) in UNARY.items():
        unary_op(name, fn, tol, kind, int_ok)
    add_err("neg/bool", "neg", [inp([3], "bool")], {}, "DTypeError", torch.neg)

    # gelu, leaky_relu, clamp
    F = torch.nn.functional
    for approx in ("none", "tanh"):
        add(f"gelu_{approx}/33", "gelu", [inp([33], kind="wide")], {"approximate": approx},
            lambda t, a=approx: F.gelu(t, approximate=a), "transcendental")
        add(f"gelu_{approx}/special", "gelu", [inp([len(SPECIAL)], values=SPECIAL)], {"approximate": approx},
            lambda t, a=approx: F.gelu(t, approximate=a), "transcendental")
        add(f"gelu_{approx}/4x6_T", "gelu", [inp([4, 6], view="T")], {"approximate": approx},
            lambda t, a=approx: F.gelu(t, approximate=a), "transcendental")
    for slope in (0.01, 0.2):
        add(f"leaky_relu/{slope}/3x7_step", "leaky_relu", [inp([3, 7], view="step")], {"slope": slope},
            lambda t, s=slope: F.leaky_relu(t, s), "elementwise")
    add("leaky_relu/default/special", "leaky_relu", [inp([len(SPECIAL)], values=SPECIAL)], {}, F.leaky_relu, "elementwise")
    for lo, hi in [(-0.5, 0.5), (0.0, None), (None, 0.25), (1.0, -1.0)]:
        tag = f"{lo}_{hi}"
        add(f"clamp/{tag}/5x7_T", "clamp", [inp([5, 7], view="T")], {"min": lo, "max": hi},
            lambda t, lo=lo, hi=hi: torch.clamp(t, lo, hi), "elementwise")
    add("clamp/special", "clamp", [inp([len(SPECIAL)], values=SPECIAL)], {"min": -2, "max": 2.5},
        lambda t: torch.clamp(t, -2, 2.5), "elementwise")
    add("clamp/int", "clamp", [inp([9], "int32")], {"min": -3, "max": 4}, lambda t: torch.clamp(t, -3, 4))
    add("clamp/int_min", "clamp", [inp([2, 4], "int32", view="T")], {"min": 0}, lambda t: torch.clamp(t, min=0))
    # a non-integer bound promotes an int tensor to float, as a float scalar does in torch
    add("clamp/int_float_bound", "clamp", [inp([9], "int32")], {"min": 0.5}, lambda t: torch.clamp(t, min=0.5), "elementwise")
    add("clamp/int_float_both", "clamp", [inp([9], "int32")], {"min": -2.5, "max": 3.25},
        lambda t: torch.clamp(t, -2.5, 3.25), "elementwise")
    add("clamp/bool", "clamp", [inp([6], "bool")], {"min": 0, "max": 0}, lambda t: torch.clamp(t.long(), 0, 0))
    add("clamp/scalar", "clamp", [inp([])], {"min": 0.1, "max": 0.2}, lambda t: torch.clamp(t, 0.1, 0.2), "elementwise")
    add("clip/expand", "clip", [inp([3, 4], view="expand")], {"min": -0.3, "max": 0.3},
        lambda t: torch.clip(t, -0.3, 0.3), "elementwise")
    add_err("clamp/none", "clamp", [inp([3])], {"min": None, "max": None}, "ValueError", lambda t: torch.clamp(t))


# binary op -> (torch fn, tol class, lhs kind, rhs kind), from the spec rows
BINARY = {n: (torch_fn(n), MANIFEST[n]["tol"], *MANIFEST[n]["domain"]) for n in FROZEN_BINARY}
SPECIAL_B = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 7.0]


def with_scalar(fn, t, sv):
    """fn(t, number), or fn(t, 0-d tensor) for torch functions that take tensors only
    (maximum, minimum, atan2...): a 0-d operand promotes exactly as a Python scalar does."""
    try:
        return fn(t, sv)
    except TypeError:
        return fn(t, torch.tensor(sv))


def fkind(kind):
    """A float kind for ops whose table kind is an int kind (comparisons read ints as floats)."""
    return "wide" if kind in ("int", "intpos") else kind


def binary_op(name, fn, tol, ka, kb, put=add):
    """The cases of one binary op (put: how a value case is recorded)."""
    fa, fb = fkind(ka), fkind(kb)
    if name in ("eq", "ne", "le", "ge"):
        # equality needs equal values to be interesting: small-range floats
        fa = fb = "int"

    def fin(shape, kind, view=None):  # a float32 input ("int" kind: integer-valued floats)
        return inp(shape, kind=kind, view=view)
    put(f"{name}/7", name, [fin([7], fa), fin([7], fb)], {}, fn, tol)
    put(f"{name}/3x1_1x4", name, [fin([3, 1], fa), fin([1, 4], fb)], {}, fn, tol)
    put(f"{name}/2x3x4_4", name, [fin([2, 3, 4], fa), fin([4], fb)], {}, fn, tol)
    put(f"{name}/5_scalar", name, [fin([5], fa), fin([], fb)], {}, fn, tol)
    put(f"{name}/scalar_33", name, [fin([], fa), fin([33], fb)], {}, fn, tol)
    put(f"{name}/scalar_scalar", name, [fin([], fa), fin([], fb)], {}, fn, tol)
    put(f"{name}/T_step", name, [fin([4, 6], fa, "T"), fin([4, 6], fb, "step")], {}, fn, tol)
    put(f"{name}/perm_expand", name, [fin([3, 4, 5], fa, "perm"), fin([3, 4, 5], fb, "expand")], {}, fn, tol)
    put(f"{name}/257", name, [fin([257], fa), fin([257], fb)], {}, fn, tol)
    put(f"{name}/0x3_3", name, [fin([0, 3], fa), fin([3], fb)], {}, fn, tol)
    put(f"{name}/special", name, [inp([10, 1], values=[[v] for v in SPECIAL_B]), inp([1, 10], values=[SPECIAL_B])],
        {}, fn, tol)
    # int32 x int32
    ia = "intpos" if name == "pow" else "int"
    ib = "small" if name == "pow" else ("intpos" if name in ("remainder", "floor_divide") else "int")
    put(f"{name}/int_int", name, [inp([3, 4], "int32", kind=ia), inp([3, 4], "int32", kind=ib)], {}, fn, tol)
    put(f"{name}/int_int_bcast_T", name, [inp([4, 3], "int32", kind=ia, view="T"), inp([3], "int32", kind=ib)], {}, fn, tol)
    if name in ("remainder", "floor_divide"):
        # negative divisors too (Python's sign rules)
        put(f"{name}/int_negdiv", name, [inp([12], "int32", values=[7, -7, 7, -7, 0, 9, -9, 1, -1, 5, 6, -6]),
                                         inp([12], "int32", values=[2, 2, -2, -2, 3, -4, 4, 3, -3, -5, 4, -4])], {}, fn, tol)
        put(f"{name}/float_edges", name, [inp([8], values=[7.5, -7.5, 7.5, -7.5, 6.0, -6.0, 0.0, -0.0]),
                                          inp([8], values=[2.0, 2.0, -2.0, -2.0, 3.0, 3.0, -3.0, 3.0])], {}, fn, tol)
        add_err(f"{name}/int_by_zero", name, [inp([3], "int32", values=[1, 2, 3]), inp([3], "int32", values=[1, 0, 1])],
                {}, "ValueError", fn)
    # int32 x float32 and float32 x int32 (promotion)
    put(f"{name}/int_float", name, [inp([3, 4], "int32", kind=ia), fin([3, 4], fb)], {}, fn, tol)
    put(f"{name}/float_int", name, [fin([2, 5], fa), inp([5], "int32", kind=ib)], {}, fn, tol)
    # bool x bool
    if name not in ("sub", "pow", "remainder", "floor_divide"):
        put(f"{name}/bool_bool", name, [inp([2, 6], "bool"), inp([6], "bool")], {}, fn, tol)
    if name not in ("remainder", "floor_divide", "sub"):
        put(f"{name}/bool_int", name, [inp([6], "bool"), inp([6], "int32", kind=ib if name != "pow" else "small")], {},
            fn, tol)
    # scalar operands: int and float numbers
    for sv in ([2, 0.5, -3, 1.5] if name != "pow" else [2, 3, 0.5, -1.5]):
        if name in ("remainder", "floor_divide") and sv == 0:
            continue
        tag = str(sv).replace("-", "m")
        put(f"{name}/scalar_{tag}/float", name, [fin([2, 7], fa, "T")], {"scalar": sv},
            lambda t, sv=sv: with_scalar(fn, t, sv), tol)
        ib_kind = "intpos" if name == "pow" else "int"
        if not (name == "pow" and isinstance(sv, int) and sv < 0):
            put(f"{name}/scalar_{tag}/int", name, [inp([9], "int32", kind=ib_kind)], {"scalar": sv},
                lambda t, sv=sv: with_scalar(fn, t, sv), tol)
    if name not in ("remainder", "floor_divide", "sub"):
        put(f"{name}/scalar_2/bool", name, [inp([6], "bool")], {"scalar": 2}, lambda t: with_scalar(fn, t, 2), tol)
    put(f"{name}/scalar_true/bool", name, [inp([6], "bool")], {"scalar": True}, lambda t: with_scalar(fn, t, True), tol) \
        if name not in ("sub", "pow", "remainder", "floor_divide", "atan2") else None
    add_err(f"{name}/shape_mismatch", name, [inp([3, 4]), inp([3, 5])], {}, "ShapeError", fn)


def add_or_dtype_error(name, op, inputs, args, fn, tol="exact", k=1):
    """For float-only ops (hypot, logaddexp): where torch refuses the input dtypes, Kindling must
    raise kd.DTypeError; elsewhere a value case."""
    try:
        fn(*[t for _, t in inputs])
    except RuntimeError:
        return add_err(name, op, inputs, args, "DTypeError", fn)
    return add(name, op, inputs, args, fn, tol, k)


def binary():
    for name, (fn, tol, ka, kb) in BINARY.items():
        binary_op(name, fn, tol, ka, kb)
    # torch refuses `-` whenever either operand is bool, not only bool - bool
    add_err("sub/bool_bool", "sub", [inp([3], "bool"), inp([3], "bool")], {}, "DTypeError", torch.sub)
    add_err("sub/bool_int", "sub", [inp([3], "bool"), inp([3], "int32")], {}, "DTypeError", torch.sub)
    add_err("sub/float_bool", "sub", [inp([3]), inp([3], "bool")], {}, "DTypeError", torch.sub)
    add_err("sub/bool_scalar_2", "sub", [inp([3], "bool")], {"scalar": 2}, "DTypeError", lambda t: t - 2)
    add_err("sub/float_scalar_true", "sub", [inp([3])], {"scalar": True}, "DTypeError", lambda t: t - True)
    add_err("rsub/bool_scalar", "rsub", [inp([3], "bool")], {"scalar": 1.5}, "DTypeError", lambda t: 1.5 - t)
    # integer pow: a negative tensor exponent gives 0 (1 and -1 bases excepted); a negative
    # scalar exponent is refused
    add("pow/int_negative_exponent", "pow", [inp([8], "int32", values=[2, 3, 1, -1, -1, 0, -2, 5]),
                                             inp([8], "int32", values=[1, -1, -3, -3, -2, 2, -1, 0])], {}, torch.pow)
    add_err("pow/int_negative_scalar", "pow", [inp([3], "int32", kind="intpos")], {"scalar": -1}, "ValueError",
            lambda t: torch.pow(t, -1))
    # reversed scalar operands
    for sv in (2, -1.5, 0.25):
        tag = str(sv).replace("-", "m")
        add(f"rsub/scalar_{tag}", "rsub", [inp([3, 5], view="T")], {"scalar": sv}, lambda t, sv=sv: sv - t, "elementwise")
        add(f"rsub/scalar_{tag}/int", "rsub", [inp([5], "int32")], {"scalar": sv}, lambda t, sv=sv: sv - t, "elementwise")
        add(f"rdiv/scalar_{tag}", "rdiv", [inp([3, 5], view="step")], {"scalar": sv}, lambda t, sv=sv: sv / t, "elementwise")
        add(f"rdiv/scalar_{tag}/int", "rdiv", [inp([5], "int32", kind="intpos")], {"scalar": sv}, lambda t, sv=sv: sv / t,
            "elementwise")
    add("rsub/tensor", "rsub", [inp([3, 4]), inp([4])], {}, lambda a, b: b - a, "elementwise")
    add("rdiv/tensor", "rdiv", [inp([3, 4]), inp([4])], {}, lambda a, b: b / a, "elementwise")
    for name, sv in [("pow", 2), ("pow", 0.5), ("remainder", 5.5), ("floor_divide", 7), ("atan2", 1.0), ("lt", 0.25),
                     ("maximum", 0.0)]:
        fn = BINARY[name][0]
        add(f"reverse/{name}/{sv}", "binary_reverse", [inp([2, 6], kind="pos" if name == "pow" else "randn", view="T")],
            {"name": name, "scalar": sv}, lambda t, fn=fn, sv=sv: fn(torch.tensor(sv), t), BINARY[name][1])
    # torch-named aliases
    add("subtract/2x3", "subtract", [inp([2, 3]), inp([2, 3])], {}, torch.subtract, "elementwise")
    add("multiply/2x3", "multiply", [inp([2, 3]), inp([3])], {}, torch.multiply, "elementwise")
    add("divide/2x3", "divide", [inp([2, 3]), inp([2, 1])], {}, torch.divide, "elementwise")
    add("negative/2x3", "negative", [inp([2, 3])], {}, torch.negative, "elementwise")


# ---- where, masked_fill -------------------------------------------------------------------


def where_masked():
    add("where/same", "where", [inp([4, 5], "bool"), inp([4, 5]), inp([4, 5])], {}, torch.where)
    add("where/bcast", "where", [inp([3, 1], "bool"), inp([1, 4]), inp([4])], {}, torch.where)
    add("where/noncontig", "where", [inp([4, 6], "bool", view="T"), inp([4, 6], view="step"), inp([4, 6], view="expand")], {}, torch.where)
    add("where/int_float", "where", [inp([6], "bool"), inp([6], "int32"), inp([6])], {}, torch.where)
    add("where/int_int", "where", [inp([2, 3], "bool"), inp([2, 3], "int32"), inp([3], "int32")], {}, torch.where)
    add("where/bool_bool", "where", [inp([5], "bool"), inp([5], "bool"), inp([5], "bool")], {}, torch.where)
    add("where/scalar_b", "where", [inp([2, 4], "bool"), inp([2, 4])], {"b": 0.5}, lambda c, a: torch.where(c, a, 0.5))
    add("where/scalar_b_int_on_float", "where", [inp([2, 4], "bool"), inp([2, 4])], {"b": -1}, lambda c, a: torch.where(c, a, -1.0))
    add("where/scalar_a_int", "where", [inp([7], "bool"), inp([7], "int32")], {"a": 3, "b_input": True},
        lambda c, b: torch.where(c, 3, b))
    add("where/int_scalar_float", "where", [inp([6], "bool"), inp([6], "int32")], {"b": 2.5}, lambda c, a: torch.where(c, a, 2.5))
    add("where/0x3", "where", [inp([0, 3], "bool"), inp([0, 3]), inp([3])], {}, torch.where)
    add("tensor_where/bcast", "tensor_where", [inp([3, 4]), inp([3, 4], "bool", view="T"), inp([4])], {},
        lambda x, c, o: x.where(c, o))
    add("tensor_where/scalar", "tensor_where", [inp([3, 4]), inp([3, 4], "bool")], {"other": 0},
        lambda x, c: x.where(c, torch.tensor(0.0)))
    add_err("where/float_cond", "where", [inp([3]), inp([3]), inp([3])], {}, "DTypeError", torch.where)
    add_err("where/shape", "where", [inp([3], "bool"), inp([4]), inp([3])], {}, "ShapeError", torch.where)
    add("masked_fill/float", "masked_fill", [inp([3, 4]), inp([3, 4], "bool")], {"value": -1.5},
        lambda t, m: t.masked_fill(m, -1.5))
    add("masked_fill/bcast_noncontig", "masked_fill", [inp([4, 5], view="T"), inp([5], "bool")], {"value": float("-inf")},
        lambda t, m: t.masked_fill(m, float("-inf")))
    add("masked_fill/int", "masked_fill", [inp([6], "int32"), inp([6], "bool")], {"value": 7}, lambda t, m: t.masked_fill(m, 7))
    add("masked_fill/int_float_value", "masked_fill", [inp([6], "int32"), inp([6], "bool")], {"value": 2.7},
        lambda t, m: t.masked_fill(m, 2.7))
    add("masked_fill/bool", "masked_fill", [inp([6], "bool"), inp([6], "bool")], {"value": True}, lambda t, m: t.masked_fill(m, True))
    add("masked_fill/scalar_mask", "masked_fill", [inp([2, 3]), inp([], "bool", values=[True])], {"value": 0},
        lambda t, m: t.masked_fill(m, 0))
    add_err("masked_fill/float_mask", "masked_fill", [inp([3]), inp([3])], {"value": 0}, "DTypeError", lambda t, m: t.masked_fill(m, 0))
    # out of place, torch broadcasts self and mask both ways
    add("masked_fill/mask_bigger", "masked_fill", [inp([3]), inp([2, 3], "bool")], {"value": 0}, lambda t, m: t.masked_fill(m, 0))
    add_err("masked_fill/shape_mismatch", "masked_fill", [inp([3]), inp([2], "bool")], {"value": 0}, "ShapeError",
            lambda t, m: t.masked_fill(m, 0))


# ---- reductions ---------------------------------------------------------------------------


def red_k(shape, dim):
    if dim is None:
        return max(math.prod(shape), 1)
    dims = dim if isinstance(dim, list) else [dim]
    if not shape:
        return 1
    return max(math.prod(shape[d] for d in dims), 1)


def reductions():
    shapes = [([7], None), ([3, 257], "T"), ([2, 3, 4], "perm"), ([4, 5], "step"), ([5, 6], "expand"), ([33, 4], None),
              ([4, 3, 2], "step0"), ([3, 5], "T0")]
    dim_sets = {1: [None, 0, -1], 2: [None, 0, 1, -1, [0, 1], [-1, 0]], 3: [None, 0, 1, -1, [0, 2], [1, -1], [0, 1, 2]]}

    def all_dims(t):
        return tuple(range(t.ndim))

    def tdim(t, dim):
        return all_dims(t) if dim is None else (tuple(dim) if isinstance(dim, list) else dim)

    fam = {
        "sum": (lambda t, d, k: torch.sum(t, tdim(t, d), keepdim=k), "reduction"),
        "mean": (lambda t, d, k: torch.mean(t, tdim(t, d), keepdim=k), "reduction"),
        "amax": (lambda t, d, k: torch.amax(t, tdim(t, d), keepdim=k), "exact"),
        "amin": (lambda t, d, k: torch.amin(t, tdim(t, d), keepdim=k), "exact"),
        "logsumexp": (lambda t, d, k: torch.logsumexp(t, tdim(t, d), keepdim=k), "reduction"),
        "all": (lambda t, d, k: ((t == 0).sum(tdim(t, d), keepdim=k) == 0), "exact"),
        "any": (lambda t, d, k: ((t != 0).sum(tdim(t, d), keepdim=k) > 0), "exact"),
        "count_nonzero": (lambda t, d, k: torch.count_nonzero(t, tdim(t, d)), "exact"),
    }
    def dims_for(shape):
        # the 257-wide case is big: reduce it along the long dim and over everything only
        return [None, -1, [0, 1]] if 257 in shape else dim_sets[len(shape)]

    for name, (fn, tol) in fam.items():
        for shape, view in shapes:
            for dim in dims_for(shape):
                for keep in ([False, True] if name != "count_nonzero" else [False]):
                    if name == "logsumexp" and dim is None:
                        continue  # logsumexp needs a dim
                    kind = "bool" if name in ("all", "any") and shape == [7] else None
                    dt = "bool" if kind == "bool" else "float32"
                    x = inp(shape, dt, view=view)
                    if name in ("all", "any", "count_nonzero") and dt == "float32":
                        # zeros to count: round a third of the values to 0
                        vals = [0 if i % 3 == 0 else v for i, v in enumerate(x[0]["values"])]
                        x = inp(shape, dt, view=view, values=vals)
                    tag = "all" if dim is None else (",".join(map(str, dim)) if isinstance(dim, list) else str(dim))
                    add(f"{name}/{shp(shape)}{'_' + view if view else ''}/dim{tag}{'_keep' if keep else ''}", name, [x],
                        {"dim": dim, "keepdim": keep}, lambda t, d=dim, k=keep: fn(t, d, k), tol, red_k(shape, dim))
    # single-dim-only reductions: prod, argmax, argmin, max/min with dim
    for shape, view in shapes:
        for dim in ([None, -1] if 257 in shape else [None, 0, -1] + ([1] if len(shape) > 2 else [])):
            for keep in (False, True):
                tag = "all" if dim is None else str(dim)
                sfx = f"{shp(shape)}{'_' + view if view else ''}/dim{tag}{'_keep' if keep else ''}"
                xp = inp(shape, kind="unit", view=view)  # |x| < 1 keeps the product in range
                add(f"prod/{sfx}", "prod", [xp], {"dim": dim, "keepdim": keep},
                    lambda t, d=dim, k=keep: torch.prod(t) if d is None and not k else
                    (torch.prod(t.reshape(-1)).reshape([1] * t.ndim) if d is None else torch.prod(t, d, keepdim=k)),
                    "reduction", red_k(shape, dim))
                if view == "expand" and dim in (0, None):
                    continue  # ties across the broadcast dim: torch does not promise which index
                xa = inp(shape, view=view)
                for op in ("argmax", "argmin"):
                    add(f"{op}/{sfx}", op, [xa], {"dim": dim, "keepdim": keep},
                        lambda t, d=dim, k=keep, op=op: getattr(torch, op)(t, d, keepdim=k))
                if dim is not None:
                    for op in ("max", "min"):
                        add(f"{op}_dim/{sfx}", f"{op}_dim", [xa], {"dim": dim, "keepdim": keep},
                            lambda t, d=dim, k=keep, op=op: tuple(getattr(torch, op)(t, d, keepdim=k)))
    # var / std with correction 0 and 1
    for op in ("var", "std"):
        for shape, view in shapes:
            for dim in dims_for(shape):
                for corr in (0, 1):
                    keep = corr == 1 and dim is not None
                    tag = "all" if dim is None else (",".join(map(str, dim)) if isinstance(dim, list) else str(dim))
                    add(f"{op}/{shp(shape)}{'_' + view if view else ''}/dim{tag}/c{corr}{'_keep' if keep else ''}", op,
                        [inp(shape, view=view)], {"dim": dim, "keepdim": keep, "correction": corr},
                        lambda t, d=dim, c=corr, k=keep, op=op: getattr(torch, op)(t, tdim(t, d), unbiased=bool(c), keepdim=k),
                        "reduction", red_k(shape, dim))
        add(f"{op}/default", op, [inp([4, 6])], {}, lambda t, op=op: getattr(torch, op)(t), "reduction", 24)
        add(f"{op}/unbiased_false", op, [inp([4, 6])], {"dim": 1, "unbiased": False},
            lambda t, op=op: getattr(torch, op)(t, 1, unbiased=False), "reduction", 6)
        add(f"{op}/single_element_c1", op, [inp([3, 1])], {"dim": 1, "correction": 1},
            lambda t, op=op: getattr(torch, op)(t, 1), "reduction", 1)
    # max/min with no dim, int and bool inputs, 0-d, empty, NaN
    add("max/all", "max", [inp([5, 6], view="T")], {}, torch.max)
    add("min/all", "min", [inp([5, 6], view="step")], {}, torch.min)
    xi = inp([4, 5], "int32", kind="distinct")
    for op in ("sum", "prod", "amax", "amin", "argmax", "argmin", "all", "any", "count_nonzero"):
        d = 1
        fn = {"sum": lambda t: t.sum(1), "prod": lambda t: t.prod(1), "amax": lambda t: t.amax(1), "amin": lambda t: t.amin(1),
              "argmax": lambda t: t.argmax(1), "argmin": lambda t: t.argmin(1), "all": lambda t: t.all(1),
              "any": lambda t: t.any(1), "count_nonzero": lambda t: t.count_nonzero(1)}[op]
        add(f"{op}/int/dim1", op, [xi], {"dim": d}, fn)
    add("max_dim/int", "max_dim", [xi], {"dim": 0, "keepdim": False}, lambda t: tuple(t.max(0)))
    xb = inp([3, 4], "bool")
    add("sum/bool", "sum", [xb], {"dim": 0}, lambda t: t.sum(0))
    add("sum/bool_all", "sum", [xb], {}, lambda t: t.sum())
    add("amax/bool", "amax", [xb], {"dim": 1}, lambda t: t.amax(1))
    add("prod/bool", "prod", [xb], {"dim": 1}, lambda t: t.prod(1))
    add("all/bool_all", "all", [xb], {}, torch.all)
    add("any/bool_all", "any", [xb], {}, torch.any)
    x0 = inp([])
    for op in ("sum", "mean", "amax", "amin", "prod", "logsumexp"):
        for dim in (None, 0, -1):
            if op == "logsumexp" and dim is None:
                continue
            tag = "all" if dim is None else str(dim)
            fn = (lambda t, op=op: getattr(torch, op)(t)) if dim is None else (lambda t, op=op, d=dim: getattr(torch, op)(t, d))
            add(f"{op}/0d/dim{tag}", op, [x0], {"dim": dim}, fn, "reduction")
    add("argmax/0d", "argmax", [x0], {}, torch.argmax)
    add("var/0d_c0", "var", [x0], {"correction": 0}, lambda t: torch.var(t, unbiased=False), "reduction")
    add("max_dim/0d", "max_dim", [x0], {"dim": 0, "keepdim": False}, lambda t: tuple(torch.max(t, 0)))
    xe = inp([0, 3])
    add("sum/0x3/dim0", "sum", [xe], {"dim": 0}, lambda t: t.sum(0))
    add("sum/0x3/dim1", "sum", [xe], {"dim": 1}, lambda t: t.sum(1))
    add("sum/0x3/all", "sum", [xe], {}, lambda t: t.sum())
    add("prod/0x3/dim0", "prod", [xe], {"dim": 0}, lambda t: t.prod(0))
    add("mean/0x3/dim0", "mean", [xe], {"dim": 0}, lambda t: t.mean(0), "reduction")
    add("amax/0x3/dim1", "amax", [xe], {"dim": 1}, lambda t: t.amax(1))
    add("all/0x3/dim0", "all", [xe], {"dim": 0}, lambda t: t.all(0))
    add("any/0x3/dim0", "any", [xe], {"dim": 0}, lambda t: t.any(0))
    add("logsumexp/0x3/dim0", "logsumexp", [xe], {"dim": 0}, lambda t: t.logsumexp(0), "reduction")
    add("argmax/0x3/dim1", "argmax", [xe], {"dim": 1}, lambda t: t.argmax(1))
    add_err("amax/0x3/dim0", "amax", [xe], {"dim": 0}, "IndexError", lambda t: t.amax(0))
    add_err("argmax/0x3/dim0", "argmax", [xe], {"dim": 0}, "IndexError", lambda t: t.argmax(0))
    add_err("max_dim/0x3/dim0", "max_dim", [xe], {"dim": 0, "keepdim": False}, "IndexError", lambda t: t.max(0))
    add_err("argmax/empty_all", "argmax", [inp([0])], {}, "IndexError", lambda t: t.argmax())
    # NaN handling
    nanx = [1.0, float("nan"), 3.0, -2.0, float("inf"), 0.5]
    for op in ("sum", "mean", "amax", "amin", "argmax", "argmin", "logsumexp", "prod", "var", "std"):
        add(f"{op}/nan", op, [inp([2, 6], values=[nanx, [1, 2, 3, 4, 5, 6]])], {"dim": 1},
            lambda t, op=op: getattr(torch, op)(t, 1), "reduction", 6)
    add("max_dim/nan", "max_dim", [inp([2, 6], values=[nanx, [1, 2, 3, 4, 5, 6]])], {"dim": 1, "keepdim": False},
        lambda t: tuple(torch.max(t, 1)))
    add("logsumexp/inf", "logsumexp", [inp([3, 2], values=[[float("-inf"), float("-inf")], [float("inf"), 1], [1000.0, 1000.0]])],
        {"dim": 1}, lambda t: torch.logsumexp(t, 1), "reduction", 2)
    # errors
    add_err("mean/int", "mean", [inp([3], "int32")], {}, "DTypeError", lambda t: t.mean())
    add_err("mean/bool", "mean", [inp([3], "bool")], {}, "DTypeError", lambda t: t.mean())
    add_err("var/int", "var", [inp([3], "int32")], {}, "DTypeError", lambda t: t.var())
    add_err("sum/dim_out_of_range", "sum", [inp([2, 3])], {"dim": 2}, "IndexError", lambda t: t.sum(2))
    add_err("sum/dim_negative_out_of_range", "sum", [inp([2, 3])], {"dim": -3}, "IndexError", lambda t: t.sum(-3))
    add_err("sum/dim_repeated", "sum", [inp([2, 3])], {"dim": [1, -1]}, "IndexError", lambda t: t.sum([1, -1]))
    add_err("amax/dim_out_of_range", "amax", [inp([2, 3])], {"dim": [0, 5]}, "IndexError", lambda t: t.amax([0, 5]))
    add_err("max_dim/dim_out_of_range", "max_dim", [inp([2, 3])], {"dim": 2, "keepdim": False}, "IndexError", lambda t: t.max(2))


# ---- matmul, softmax, casts ----------------------------------------------------------------


def matmul_softmax_cast():
    mm_cases = [
        ("1d_1d", [7], None, [7], None),
        ("1d_2d", [5], None, [5, 3], None),
        ("2d_1d", [4, 6], None, [6], None),
        ("2d_2d", [3, 4], None, [4, 5], None),
        ("5x257_257x3", [5, 257], None, [257, 3], None),
        ("1x1", [1, 1], None, [1, 1], None),
        ("batched", [2, 3, 4], None, [2, 4, 5], None),
        ("bcast_batch", [2, 1, 3, 4], None, [5, 4, 2], None),
        ("batched_2d", [3, 2, 4], None, [4, 6], None),
        ("2d_batched", [5, 4], None, [3, 4, 2], None),
        ("1d_batched", [4], None, [2, 4, 3], None),
        ("batched_1d", [2, 3, 4], None, [4], None),
        ("T_T", [6, 5], "T", [5, 7], "T"),
        ("T_2d", [8, 9], "T", [9, 4], None),
        ("step_T", [4, 6], "step", [6, 5], "T"),
        ("batched_perm", [3, 4, 5], "perm", [3, 5, 2], "T"),
        ("expand_batch", [3, 2, 4], "expand", [4, 3], "T"),
        ("0x3_3x4", [0, 3], None, [3, 4], None),
        ("2x0_0x3", [2, 0], None, [0, 3], None),
        ("17x33_33x65", [17, 33], None, [33, 65], None),
        ("129x3_3x5", [129, 3], None, [3, 5], "T"),  # more rows than one MC block
        ("2x3_3x2049", [2, 3], None, [3, 2049], None),  # more columns than one NC block
        ("1x257_257x2_T0", [1, 257], None, [257, 2], "T0"),
        ("batched_step0", [2, 3, 4], "step0", [4, 2], None),
    ]
    for name, sa, va, sb, vb in mm_cases:
        k = sa[-1]
        add(f"matmul/{name}", "matmul", [inp(sa, view=va), inp(sb, view=vb)], {}, torch.matmul, "matmul", k)
    add("matmul/int_int", "matmul", [inp([3, 4], "int32"), inp([4, 2], "int32")], {}, torch.matmul)
    add("mm/2d", "mm", [inp([3, 5]), inp([5, 2], view="T")], {}, torch.mm, "matmul", 5)
    add_err("matmul/k_mismatch", "matmul", [inp([3, 4]), inp([5, 2])], {}, "ShapeError", torch.matmul)
    add_err("matmul/1d_mismatch", "matmul", [inp([3]), inp([4])], {}, "ShapeError", torch.matmul)
    add_err("matmul/batch_mismatch", "matmul", [inp([2, 3, 4]), inp([3, 4, 5])], {}, "ShapeError", torch.matmul)
    add_err("matmul/0d", "matmul", [inp([]), inp([3])], {}, "ShapeError", torch.matmul)
    add_err("mm/3d", "mm", [inp([2, 3, 4]), inp([4, 5])], {}, "ValueError", torch.mm)
    add_err("matmul/bool", "matmul", [inp([2, 2], "bool"), inp([2, 2], "bool")], {}, "DTypeError", torch.matmul)

    F = torch.nn.functional
    for op, tf in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
        for shape, view in [([7], None), ([3, 257], "T"), ([4, 5], "step"), ([2, 3, 4], "perm"), ([3, 33], "expand")]:
            for dim in sorted({0, len(shape) - 1, -1} | ({1} if len(shape) > 1 else set())):
                add(f"{op}/{shp(shape)}{'_' + view if view else ''}/dim{dim}", op, [inp(shape, kind="wide", view=view)],
                    {"dim": dim}, lambda t, d=dim, tf=tf: tf(t, d), "reduction", shape[dim])
        add(f"{op}/0d", op, [inp([])], {"dim": 0}, lambda t, tf=tf: tf(t, 0), "reduction")
        add(f"{op}/0x3", op, [inp([0, 3])], {"dim": 1}, lambda t, tf=tf: tf(t, 1), "reduction")
        add(f"{op}/inf", op, [inp([3, 3], values=[[float("-inf"), 0, 1], [float("-inf")] * 3, [1000.0, 1000.0, -1000.0]])],
            {"dim": 1}, lambda t, tf=tf: tf(t, 1), "reduction", 3)
        add(f"fn_{op}/2x3", f"fn_{op}", [inp([2, 3])], {"dim": -1}, lambda t, tf=tf: tf(t, -1), "reduction", 3)
        add_err(f"{op}/int", op, [inp([3], "int32")], {"dim": 0}, "DTypeError", lambda t, tf=tf: tf(t, 0))
        add_err(f"{op}/bad_dim", op, [inp([2, 3])], {"dim": 2}, "IndexError", lambda t, tf=tf: tf(t, 2))

    truncs = [2.7, -2.7, 0.5, -0.5, 0.0, -0.0, 1e6, -123.99, 7.0, 1234567.0, -16777216.0]  # in int32 range
    add("to/float_int_trunc", "to", [inp([len(truncs)], values=truncs)], {"dtype": "int32"}, lambda t: t.to(torch.int64))
    add("to/float_bool", "to", [inp([len(SPECIAL)], values=SPECIAL)], {"dtype": "bool"}, lambda t: t.to(torch.bool))
    add("to/int_float", "to", [inp([3, 4], "int32", view="T")], {"dtype": "float32"}, lambda t: t.float())
    add("to/int_bool", "to", [inp([9], "int32")], {"dtype": "bool"}, lambda t: t.bool())
    add("to/bool_float", "to", [inp([5], "bool")], {"dtype": "float32"}, lambda t: t.float())
    add("to/bool_int", "to", [inp([5], "bool")], {"dtype": "int32"}, lambda t: t.long())
    add("to/same", "to", [inp([2, 3], view="step")], {"dtype": "float32"}, lambda t: t.float())
    add("to/float_alias", "to", [inp([4], "int32")], {"dtype": "float"}, lambda t: t.float())
    add("to/int_alias", "to", [inp([4], kind="wide")], {"dtype": "int"}, lambda t: t.long())
    add("float/int", "float", [inp([2, 3], "int32", view="T")], {}, lambda t: t.float())
    add("int/float_noncontig", "int", [inp([3, 4], kind="wide", view="T")], {}, lambda t: t.long())
    add("bool/float", "bool", [inp([2, 5], values=[[0, 1.5, -0.0, float("nan"), 2], [0, 0, 3, -1, 0]])], {}, lambda t: t.bool())
    add("int/0x3", "int", [inp([0, 3])], {}, lambda t: t.long())
    add("to/scalar", "to", [inp([], kind="wide")], {"dtype": "int32"}, lambda t: t.long())


# ---- shape ops ------------------------------------------------------------------------------


def shape_ops():
    x = inp([2, 3, 4])
    for s in ([6, 4], [-1], [4, -1], [2, -1, 2], [24], [1, 2, 1, 12, 1], [3, 8]):
        add(f"reshape/{shp(s)}", "reshape", [x], {"shape": s}, lambda t, s=s: t.reshape(s))
        add(f"view/{shp(s)}", "view", [x], {"shape": s}, lambda t, s=s: t.view(s))
    add("reshape/T_copy", "reshape", [inp([3, 4], view="T")], {"shape": [-1]}, lambda t: t.reshape(-1))
    add("reshape/step", "reshape", [inp([2, 6], view="step")], {"shape": [3, 4]}, lambda t: t.reshape(3, 4))
    add("reshape/scalar_to_1", "reshape", [inp([])], {"shape": [1, 1]}, lambda t: t.reshape(1, 1))
    add("reshape/1_to_scalar", "reshape", [inp([1])], {"shape": []}, lambda t: t.reshape([]))
    add("reshape/0x3", "reshape", [inp([0, 3])], {"shape": [3, 0, 2]}, lambda t: t.reshape(3, 0, 2))
    add("reshape/0x3_infer", "reshape", [inp([0, 3])], {"shape": [-1, 3]}, lambda t: t.reshape(-1, 3))
    add("reshape/int", "reshape", [inp([2, 3], "int32")], {"shape": [3, 2]}, lambda t: t.reshape(3, 2))
    add("view/T_compatible", "view", [inp([2, 3, 4], view="T")], {"shape": [2, 3, 2, 2]}, lambda t: t.view(2, 3, 2, 2))
    add("view/expand_compatible", "view", [inp([4, 6], view="expand")], {"shape": [2, 2, 6]}, lambda t: t.view(2, 2, 6))
    add_err("view/T_incompatible", "view", [inp([3, 4], view="T")], {"shape": [12]}, "ShapeError", lambda t: t.view(12))
    add_err("view/bad_numel", "view", [inp([3, 4])], {"shape": [5, 3]}, "ShapeError", lambda t: t.view(5, 3))
    add_err("reshape/bad_numel", "reshape", [inp([3, 4])], {"shape": [-1, 5]}, "ShapeError", lambda t: t.reshape(-1, 5))
    add_err("reshape/two_infer", "reshape", [inp([3, 4])], {"shape": [-1, -1]}, "ValueError", lambda t: t.reshape(-1, -1))
    x4 = inp([2, 3, 4, 5])
    for s, e in [(0, -1), (1, 2), (-2, -1), (0, 0), (2, 3)]:
        add(f"flatten/{s}_{e}", "flatten", [x4], {"start": s, "end": e}, lambda t, s=s, e=e: t.flatten(s, e))
    add("flatten/default_T", "flatten", [inp([3, 4], view="T")], {}, lambda t: t.flatten())
    add("flatten/scalar", "flatten", [inp([])], {}, lambda t: t.flatten())
    add_err("flatten/bad_dim", "flatten", [x4], {"start": 0, "end": 4}, "IndexError", lambda t: t.flatten(0, 4))
    add_err("flatten/start_after_end", "flatten", [x4], {"start": 2, "end": 1}, "ValueError", lambda t: t.flatten(2, 1))
    x6 = inp([6, 4])
    for d, s in [(0, [2, 3]), (0, [-1, 3]), (1, [2, 2]), (-1, [4, 1]), (-1, [1, -1])]:
        add(f"unflatten/{d}_{shp(s)}", "unflatten", [x6], {"dim": d, "sizes": s}, lambda t, d=d, s=s: t.unflatten(d, s))
    add_err("unflatten/bad_sizes", "unflatten", [x6], {"dim": 0, "sizes": [4, 2]}, "ShapeError", lambda t: t.unflatten(0, (4, 2)))
    xs = inp([1, 3, 1, 2])
    add("squeeze/all", "squeeze", [xs], {}, lambda t: t.squeeze())
    for d in (0, 2, -2, 1, -1):
        add(f"squeeze/{d}", "squeeze", [xs], {"dim": d}, lambda t, d=d: t.squeeze(d))
    add("squeeze/list", "squeeze", [xs], {"dim": [0, 2]}, lambda t: t.squeeze(2).squeeze(0))
    add("squeeze/list_neg", "squeeze", [xs], {"dim": [-4, 1]}, lambda t: t.squeeze(0))
    add("squeeze/scalar", "squeeze", [inp([])], {}, lambda t: t.squeeze())
    add("squeeze/T", "squeeze", [inp([3, 1], view="T")], {"dim": 0}, lambda t: t.squeeze(0))
    add_err("squeeze/bad_dim", "squeeze", [xs], {"dim": 4}, "IndexError", lambda t: t.squeeze(4))
    for d in (0, 1, 2, -1, -3):
        add(f"unsqueeze/{d}", "unsqueeze", [inp([2, 3])], {"dim": d}, lambda t, d=d: t.unsqueeze(d))
    add("unsqueeze/scalar", "unsqueeze", [inp([])], {"dim": 0}, lambda t: t.unsqueeze(0))
    add("unsqueeze/step", "unsqueeze", [inp([3, 4], view="step")], {"dim": 1}, lambda t: t.unsqueeze(1))
    add_err("unsqueeze/bad_dim", "unsqueeze", [inp([2, 3])], {"dim": 3}, "IndexError", lambda t: t.unsqueeze(3))
    for p in ([2, 0, 1], [0, 2, 1], [-1, 0, 1], [2, 1, 0]):
        add(f"permute/{'_'.join(map(str, p))}", "permute", [x], {"dims": p}, lambda t, p=p: t.permute(p))
    add("permute/T", "permute", [inp([3, 4], view="T")], {"dims": [1, 0]}, lambda t: t.permute(1, 0))
    add_err("permute/repeated", "permute", [x], {"dims": [0, 0, 1]}, "IndexError", lambda t: t.permute(0, 0, 1))
    add_err("permute/wrong_len", "permute", [x], {"dims": [0, 1]}, "ShapeError", lambda t: t.permute(0, 1))
    for a, b in [(0, 1), (0, 2), (-1, -2), (1, 1)]:
        add(f"transpose/{a}_{b}", "transpose", [x], {"dim0": a, "dim1": b}, lambda t, a=a, b=b: t.transpose(a, b))
    add("transpose/scalar", "transpose", [inp([])], {"dim0": 0, "dim1": -1}, lambda t: t.transpose(0, -1))
    add_err("transpose/bad_dim", "transpose", [x], {"dim0": 0, "dim1": 3}, "IndexError", lambda t: t.transpose(0, 3))
    add("t/2d", "t", [inp([3, 5])], {}, lambda t: t.t())
    add("t/1d", "t", [inp([4])], {}, lambda t: t.t())
    add("mT/3d", "mT", [inp([2, 3, 4], view="perm")], {}, lambda t: t.transpose(-2, -1))
    add_err("t/3d", "t", [x], {}, "ValueError", lambda t: t.t())
    for s, base in [([3, 4], [3, 1]), ([2, 3, 4], [3, 1]), ([3, -1], [3, 4]), ([-1, 5], [1, 5]), ([2, 0, 4], [1, 4]), ([4, 2], [])]:
        add(f"expand/{shp(base)}_to_{shp(s)}", "expand", [inp(base)], {"sizes": s}, lambda t, s=s: t.expand(s))
    add("expand/T", "expand", [inp([1, 3], view="T")], {"sizes": [4, 3]}, lambda t: t.expand(4, 3))
    add("expand_as/int", "expand_as", [inp([4, 1], "int32"), inp([4, 3])], {}, lambda a, b: a.expand_as(b))
    add("view_as/2x6", "view_as", [inp([3, 4]), inp([2, 6])], {}, lambda a, b: a.view_as(b))
    add("reshape_as/T", "reshape_as", [inp([3, 4], view="T"), inp([2, 6])], {}, lambda a, b: a.reshape_as(b))
    add_err("expand/mismatch", "expand", [inp([3, 2])], {"sizes": [3, 4]}, "ShapeError", lambda t: t.expand(3, 4))
    add_err("expand/too_few", "expand", [inp([3, 2])], {"sizes": [2]}, "ShapeError", lambda t: t.expand(2))
    add("contiguous/T", "contiguous", [inp([3, 4], view="T")], {}, lambda t: t.contiguous())
    add("clone/step_bool", "clone", [inp([3, 4], "bool", view="step")], {}, lambda t: t.clone())

    # cat / stack
    add("cat/dim0", "cat", [inp([2, 3]), inp([4, 3]), inp([1, 3])], {"dim": 0}, lambda *ts: torch.cat(ts, 0))
    add("cat/dim1", "cat", [inp([2, 3]), inp([2, 1]), inp([2, 5])], {"dim": 1}, lambda *ts: torch.cat(ts, 1))
    add("cat/neg_dim", "cat", [inp([2, 3, 2]), inp([2, 3, 4])], {"dim": -1}, lambda *ts: torch.cat(ts, -1))
    add("cat/noncontig", "cat", [inp([3, 4], view="T"), inp([3, 4], view="step"), inp([3, 4], view="expand")], {"dim": 1},
        lambda *ts: torch.cat(ts, 1))
    add("cat/mixed_int_float", "cat", [inp([2], "int32"), inp([3])], {"dim": 0}, lambda *ts: torch.cat(ts))
    add("cat/mixed_bool_int", "cat", [inp([2, 2], "bool"), inp([1, 2], "int32")], {"dim": 0}, lambda *ts: torch.cat(ts))
    add("cat/int", "cat", [inp([2, 2], "int32"), inp([2, 3], "int32")], {"dim": 1}, lambda *ts: torch.cat(ts, 1))
    add("cat/empty_0x3", "cat", [inp([0, 3]), inp([2, 3])], {"dim": 0}, lambda *ts: torch.cat(ts))
    add("cat/empty_1d_legacy", "cat", [inp([0]), inp([2, 3])], {"dim": 0}, lambda *ts: torch.cat(ts))
    add("cat/single", "cat", [inp([3])], {"dim": 0}, lambda *ts: torch.cat(ts))
    add("cat/257", "cat", [inp([257]), inp([33])], {"dim": -1}, lambda *ts: torch.cat(ts, -1))
    add_err("cat/size_mismatch", "cat", [inp([2, 3]), inp([2, 4])], {"dim": 0}, "ShapeError", lambda *ts: torch.cat(ts))
    add_err("cat/ndim_mismatch", "cat", [inp([2, 3]), inp([3])], {"dim": 0}, "ShapeError", lambda *ts: torch.cat(ts))
    add_err("cat/bad_dim", "cat", [inp([2, 3]), inp([2, 3])], {"dim": 2}, "IndexError", lambda *ts: torch.cat(ts, 2))
    add_err("cat/scalar", "cat", [inp([]), inp([])], {"dim": 0}, "ShapeError", lambda *ts: torch.cat(ts))
    for d in (0, 1, 2, -1, -3):
        add(f"stack/dim{d}", "stack", [inp([2, 3]), inp([2, 3], view="T"), inp([2, 3])], {"dim": d}, lambda *ts, d=d: torch.stack(ts, d))
    add("stack/mixed", "stack", [inp([3], "int32"), inp([3]), inp([3], "bool")], {"dim": 0}, lambda *ts: torch.stack(ts))
    add("stack/scalars", "stack", [inp([]), inp([])], {"dim": 0}, lambda *ts: torch.stack(ts))
    add_err("stack/size_mismatch", "stack", [inp([2, 3]), inp([3, 2])], {"dim": 0}, "ShapeError", lambda *ts: torch.stack(ts))
    add_err("stack/bad_dim", "stack", [inp([2, 3]), inp([2, 3])], {"dim": 3}, "IndexError", lambda *ts: torch.stack(ts, 3))

    # split / chunk / unbind
    x7 = inp([7, 4])
    for s, d in [(2, 0), (3, 0), (7, 0), (10, 0), (1, 1), (3, -1)]:
        add(f"split/size{s}_dim{d}", "split", [x7], {"size": s, "dim": d}, lambda t, s=s, d=d: t.split(s, d))
    for s, d in [([1, 2, 4], 0), ([4, 0, 3], 0), ([3, 1], -1)]:
        add(f"split/sizes{'_'.join(map(str, s))}_dim{d}", "split", [x7], {"size": s, "dim": d}, lambda t, s=s, d=d: t.split(s, d))
    add("split/T", "split", [inp([4, 6], view="T")], {"size": 2, "dim": 1}, lambda t: t.split(2, 1))
    add_err("split/bad_sizes", "split", [x7], {"size": [3, 3], "dim": 0}, "ValueError", lambda t: t.split([3, 3], 0))
    add_err("split/bad_dim", "split", [x7], {"size": 2, "dim": 2}, "IndexError", lambda t: t.split(2, 2))
    for c, d in [(2, 0), (3, 0), (4, 0), (7, 0), (10, 0), (3, 1), (2, -1)]:
        add(f"chunk/{c}_dim{d}", "chunk", [x7], {"chunks": c, "dim": d}, lambda t, c=c, d=d: t.chunk(c, d))
    add("chunk/6_into_4", "chunk", [inp([6])], {"chunks": 4, "dim": 0}, lambda t: t.chunk(4))
    add_err("chunk/zero", "chunk", [x7], {"chunks": 0, "dim": 0}, "ValueError", lambda t: t.chunk(0))
    add("unbind/0", "unbind", [inp([3, 2])], {"dim": 0}, lambda t: t.unbind(0))
    add("unbind/-1", "unbind", [inp([3, 2], view="T")], {"dim": -1}, lambda t: t.unbind(-1))

    # narrow / select / slice
    for d, s, n in [(0, 1, 2), (1, 0, 4), (-1, 2, 2), (0, -2, 2), (1, 4, 0)]:
        add(f"narrow/{d}_{s}_{n}", "narrow", [inp([3, 4], view="T")], {"dim": d, "start": s, "length": n},
            lambda t, d=d, s=s, n=n: t.narrow(d, s, n))
    add_err("narrow/too_long", "narrow", [inp([3, 4])], {"dim": 1, "start": 2, "length": 3}, "IndexError", lambda t: t.narrow(1, 2, 3))
    for d, i in [(0, 0), (0, -1), (1, 2), (-1, 1), (2, 3)]:
        add(f"select/{d}_{i}", "select", [inp([2, 3, 4], view="perm")], {"dim": d, "index": i}, lambda t, d=d, i=i: t.select(d, i))
    add_err("select/out_of_range", "select", [inp([2, 3])], {"dim": 1, "index": 3}, "IndexError", lambda t: t.select(1, 3))
    add_err("select/neg_out_of_range", "select", [inp([2, 3])], {"dim": 0, "index": -3}, "IndexError", lambda t: t.select(0, -3))
    add_err("select/bad_dim", "select", [inp([2, 3])], {"dim": 2, "index": 0}, "IndexError", lambda t: t.select(2, 0))
    add_err("select/scalar", "select", [inp([])], {"dim": 0, "index": 0}, "IndexError", lambda t: t.select(0, 0))
    for d, s, e, st in [(0, 1, None, 2), (1, None, -1, 1), (1, -3, None, 2), (0, 5, 9, 1), (1, 2, 1, 1), (-1, 0, 100, 3)]:
        def tslice(t, d=d, s=s, e=e, st=st):
            idx = [slice(None)] * t.ndim
            idx[d] = slice(s, e, st)
            return t[tuple(idx)]
        add(f"slice/{d}_{s}_{e}_{st}", "slice", [inp([5, 7], view="step")], {"dim": d, "start": s, "end": e, "step": st}, tslice)

    # get(): t[...] indexing
    xg = inp([4, 5, 6])
    idx1 = inp([3], "int32", values=[0, 3, -1])
    idx0 = inp([], "int32", values=[2])
    gets = [
        ("int", [1], []), ("neg_int", [-1], []), ("two_ints", [1, -2], []), ("three_ints", [3, 4, 5], []),
        ("slice_str", ["1:3"], []), ("slice_step", ["::2", "1:"], []), ("slice_obj", [{"start": 1, "stop": None, "step": 2}], []),
        ("none", [None], []), ("none_mid", [0, None, "1:4"], []), ("ellipsis", ["...", 0], []), ("ellipsis_mid", [1, "...", "::3"], []),
        ("ellipsis_none", ["...", None], []), ("empty_slice", ["3:1"], []), ("clamped_slice", ["-10:10"], []),
        ("tensor", [{"input": 1}], [idx1]), ("tensor_dim1", [":", {"input": 1}], [idx1]),
        ("int_slice_tensor", [0, ":", {"input": 1}], [idx1]), ("tensor_0d", [{"input": 1}], [idx0]),
        ("ellipsis_tensor", ["...", {"input": 1}], [idx1]), ("nothing", [], []),
    ]

    def tidx(item, extra):
        if item is None:
            return None
        if item == "...":
            return Ellipsis
        if isinstance(item, int):
            return item
        if isinstance(item, str):
            parts = [int(p) if p.strip() else None for p in item.split(":")]
            return slice(*parts)
        if "input" in item:
            return extra[item["input"] - 1]
        return slice(item["start"], item["stop"], item["step"])

    for name, items, extra in gets:
        add(f"get/{name}", "get", [xg] + extra, {"indices": items},
            lambda t, *ex, items=items: t[tuple(tidx(i, ex) for i in items)] if items else t[...])
    add("get/noncontig", "get", [inp([4, 6], view="T"), idx1], {"indices": [{"input": 1}, "1::2"]},
        lambda t, i: t[i, 1::2])
    add_err("get/out_of_range", "get", [xg], {"indices": [4]}, "IndexError", lambda t: t[4])
    add_err("get/too_many", "get", [inp([2, 3])], {"indices": [0, 0, 0]}, "IndexError", lambda t: t[0, 0, 0])
    add_err("get/tensor_out_of_range", "get", [xg, inp([2], "int32", values=[0, 4])], {"indices": [{"input": 1}]},
            "IndexError", lambda t, i: t[i])

    # index_select / gather / scatter_add
    xi = inp([5, 4], view="T")  # shape [5, 4]
    add("index_select/dim0", "index_select", [xi, inp([4], "int32", values=[4, 0, 0, 2])], {"dim": 0},
        lambda t, i: t.index_select(0, i))
    add("index_select/dim1_neg", "index_select", [xi, inp([2], "int32", values=[-1, 1])], {"dim": -1},
        lambda t, i: t.index_select(-1, i % 4))
    add("index_select/empty_index", "index_select", [xi, inp([0], "int32")], {"dim": 0}, lambda t, i: t.index_select(0, i))
    add("index_select/int_input", "index_select", [inp([3, 3], "int32"), inp([2], "int32", values=[2, 1])], {"dim": 1},
        lambda t, i: t.index_select(1, i))
    add("index_select/257", "index_select", [inp([257]), inp([7], "int32", values=[256, 0, 128, 3, 3, 200, 1])], {"dim": 0},
        lambda t, i: t.index_select(0, i))
    add_err("index_select/out_of_range", "index_select", [xi, inp([2], "int32", values=[0, 5])], {"dim": 0}, "IndexError",
            lambda t, i: t.index_select(0, i))
    add_err("index_select/2d_index", "index_select", [xi, inp([1, 2], "int32", values=[[0, 1]])], {"dim": 0}, "IndexError",
            lambda t, i: t.index_select(0, i))
    add_err("index_select/float_index", "index_select", [xi, inp([2], values=[0, 1])], {"dim": 0}, "DTypeError",
            lambda t, i: t.index_select(0, i))
    gi = inp([3, 4], "int32", values=[[0, 4, 2, 1], [3, 3, 0, 1], [2, 2, 2, 4]])
    add("gather/dim0", "gather", [inp([5, 4]), inp([2, 4], "int32", values=[[0, 4, 2, 1], [3, 3, 0, 1]])], {"dim": 0},
        lambda t, i: t.gather(0, i))
    add("gather/dim1_T", "gather", [inp([3, 5], view="T"), gi], {"dim": 1}, lambda t, i: t.gather(1, i))
    add("gather/smaller_index", "gather", [inp([4, 6]), inp([2, 2], "int32", values=[[5, 0], [1, 1]])], {"dim": -1},
        lambda t, i: t.gather(-1, i))
    add("gather/int", "gather", [inp([3, 5], "int32"), gi], {"dim": 1}, lambda t, i: t.gather(1, i))
    add("gather/3d", "gather", [inp([2, 3, 4], view="perm"), inp([2, 3, 2], "int32", values=[[[0, 3], [1, 1], [2, 0]], [[3, 3], [0, 1], [2, 2]]])],
        {"dim": 2}, lambda t, i: t.gather(2, i))
    add_err("gather/out_of_range", "gather", [inp([3, 5]), inp([3, 1], "int32", values=[[0], [5], [1]])], {"dim": 1}, "IndexError",
            lambda t, i: t.gather(1, i))
    add_err("gather/ndim_mismatch", "gather", [inp([3, 5]), inp([3], "int32", values=[0, 1, 2])], {"dim": 1}, "ShapeError",
            lambda t, i: t.gather(1, i))
    add("scatter_add/dim0", "scatter_add", [inp([3, 4]), inp([2, 4], "int32", values=[[0, 1, 2, 0], [2, 2, 1, 0]]), inp([2, 4])],
        {"dim": 0}, lambda t, i, s: t.scatter_add(0, i, s), "reduction", 3)
    add("scatter_add/dim1_noncontig", "scatter_add",
        [inp([3, 5], view="T"), inp([3, 3], "int32", values=[[0, 0, 4], [1, 2, 1], [3, 3, 3]]), inp([3, 4], view="step")],
        {"dim": 1}, lambda t, i, s: t.scatter_add(1, i, s), "reduction", 3)
    add("scatter_add/int", "scatter_add", [inp([4], "int32"), inp([5], "int32", values=[0, 1, 0, 3, 0]), inp([5], "int32")],
        {"dim": 0}, lambda t, i, s: t.scatter_add(0, i, s))
    add("scatter_add/zeros_bins", "scatter_add", [inp([6], values=[0] * 6), inp([10], "int32", values=[0, 5, 5, 2, 0, 0, 1, 5, 3, 3]),
        inp([10])], {"dim": 0}, lambda t, i, s: t.scatter_add(0, i, s), "reduction", 10)
    # a 0-d self takes every source of a 1-d index (each at its own position in src)
    add("scatter_add/scalar_self", "scatter_add", [inp([], values=[3.5]), inp([2], "int32", values=[0, 0]), inp([2], values=[1.0, 2.0])],
        {"dim": 0}, lambda t, i, s: t.scatter_add(0, i, s), "reduction", 2)
    add_err("scatter_add/out_of_range", "scatter_add", [inp([3]), inp([2], "int32", values=[0, 3]), inp([2])], {"dim": 0},
            "IndexError", lambda t, i, s: t.scatter_add(0, i, s))
    add_err("scatter_add/src_too_small", "scatter_add", [inp([3, 3]), inp([2, 3], "int32", values=[[0, 1, 2], [0, 1, 2]]), inp([2, 2])],
            {"dim": 0}, "ShapeError", lambda t, i, s: t.scatter_add(0, i, s))


def inplace_and_forms():
    """In-place methods, functional forms (kd.exp, kd.add...), aliases, item/tolist."""
    def ip(method, *args, **kw):
        def f(x, *rest):
            y = x.clone()
            getattr(y, method)(*rest, *args, **kw)
            return y
        return f
    add("add_/same", "add_", [inp([3, 4]), inp([3, 4])], {}, ip("add_"), "elementwise")
    add("add_/bcast_alpha", "add_", [inp([3, 4], view="T"), inp([4])], {"alpha": 2.5}, ip("add_", alpha=2.5), "elementwise")
    add("add_/scalar", "add_", [inp([5])], {"scalar": 1.5}, lambda x: x.clone().add_(1.5), "elementwise")
    add("add_/int_int", "add_", [inp([5], "int32"), inp([5], "int32")], {}, ip("add_"))
    add("add_/float_int", "add_", [inp([5]), inp([5], "int32")], {}, ip("add_"), "elementwise")
    add("sub_/alpha", "sub_", [inp([2, 3]), inp([2, 3], view="step")], {"alpha": 0.5}, ip("sub_", alpha=0.5), "elementwise")
    add("sub_/scalar", "sub_", [inp([2, 3])], {"scalar": 2}, lambda x: x.clone().sub_(2), "elementwise")
    add("mul_/tensor", "mul_", [inp([2, 3]), inp([3])], {}, ip("mul_"), "elementwise")
    add("mul_/scalar", "mul_", [inp([2, 3], view="T")], {"scalar": -3}, lambda x: x.clone().mul_(-3), "elementwise")
    add("div_/tensor", "div_", [inp([2, 3]), inp([2, 1])], {}, ip("div_"), "elementwise")
    add("div_/scalar", "div_", [inp([4])], {"scalar": 4}, lambda x: x.clone().div_(4), "elementwise")
    add("clamp_/both", "clamp_", [inp([9])], {"min": -0.5, "max": 0.5}, lambda x: x.clone().clamp_(-0.5, 0.5), "elementwise")
    add("fill_/float", "fill_", [inp([2, 3])], {"value": 2.5}, lambda x: x.clone().fill_(2.5))
    add("fill_/int", "fill_", [inp([4], "int32")], {"value": 7}, lambda x: x.clone().fill_(7))
    add("fill_/bool", "fill_", [inp([4], "bool")], {"value": True}, lambda x: x.clone().fill_(True))
    add("zero_/T", "zero_", [inp([3, 2], view="T")], {}, lambda x: x.clone().zero_())
    add("copy_/bcast", "copy_", [inp([3, 4]), inp([4])], {}, lambda x, y: x.clone().copy_(y))
    add("copy_/int_to_float", "copy_", [inp([2, 3]), inp([2, 3], "int32")], {}, lambda x, y: x.clone().copy_(y))
    add("copy_/float_to_int", "copy_", [inp([4], "int32"), inp([4], kind="wide")], {}, lambda x, y: x.clone().copy_(y))
    add("copy_/noncontig_src", "copy_", [inp([3, 4]), inp([3, 4], view="T")], {}, lambda x, y: x.clone().copy_(y))
    add_err("copy_/bad_bcast", "copy_", [inp([4]), inp([3, 4])], {}, "ShapeError", lambda x, y: x.clone().copy_(y))
    add_err("add_/bad_bcast", "add_", [inp([4]), inp([3, 4])], {}, "ShapeError", lambda x, y: x.clone().add_(y))
    # torch refuses in-place results it cannot cast back (float into int, int into bool)
    add_err("add_/int_float", "add_", [inp([3], "int32"), inp([3])], {}, "DTypeError", lambda x, y: x.clone().add_(y))
    add_err("div_/int", "div_", [inp([3], "int32")], {"scalar": 2}, "DTypeError", lambda x: x.clone().div_(2))
    add_err("mul_/int_by_float_scalar", "mul_", [inp([3], "int32")], {"scalar": 0.5}, "DTypeError", lambda x: x.clone().mul_(0.5))
    add_err("add_/bool_int", "add_", [inp([3], "bool"), inp([3], "int32")], {}, "DTypeError", lambda x, y: x.clone().add_(y))
    # writing into overlapping memory (a broadcast view) is refused
    add_err("add_/expanded_self", "add_", [inp([3, 4], view="expand"), inp([3, 4])], {}, "ValueError", lambda x, y: x.add_(y))
    # ...but filling one value into it is fine (torch's fill_ does not check overlap)
    add("fill_/expanded_self", "fill_", [inp([3, 4], view="expand")], {"value": 1}, lambda x: x.fill_(1))

    # in place through a view writes into the base tensor: returns the base
    for name, recipe, method, sv in [("T_mul", [["transpose", 0, 1]], "mul_", 2), ("step_add", [["slice", 1, 1, None, 2]], "add_", 1.5),
                                     ("narrow_fill", [["slice", 0, 1, 3, 1]], "fill_", -1), ("perm_zero", [["permute", [1, 0]]], "zero_", None)]:
        def f(x, recipe=recipe, method=method, sv=sv):
            b = x.clone()
            v = apply_view(b, recipe)
            getattr(v, method)(*([] if sv is None else [sv]))
            return b
        add(f"view_inplace/{name}", "view_inplace", [inp([4, 6])], {"view": recipe, "method": method, "scalar": sv}, f, "elementwise")

    # functional forms kd.<op>(...) for every unary and binary op
    for name, (fn, tol, kind, _) in UNARY.items():
        add(f"fn/{name}", "fn_unary", [inp([7], kind=kind)], {"name": name}, fn, tol)
    for name, (fn, tol, ka, kb) in BINARY.items():
        add(f"fn/{name}", "fn_binary", [inp([2, 3], kind=fkind(ka)), inp([3], kind=fkind(kb))], {"name": name}, fn, tol)
        add(f"fn/{name}/scalar", "fn_binary", [inp([4], kind=fkind(ka))], {"name": name, "scalar": 0.75},
            lambda t, fn=fn: with_scalar(fn, t, 0.75), tol)
    add("fn/matmul", "fn_matmul", [inp([2, 3]), inp([3, 4])], {}, torch.matmul, "matmul", 3)
    add("fn/clamp", "fn_clamp", [inp([6])], {"min": -0.1, "max": None}, lambda t: torch.clamp(t, min=-0.1), "elementwise")
    add("fn/concat", "concat", [inp([2]), inp([3])], {"dim": 0}, lambda a, b: torch.cat([a, b]))
    add("fn/concatenate", "concatenate", [inp([2, 1]), inp([2, 2])], {"dim": 1}, lambda a, b: torch.cat([a, b], 1))
    add("fn/where_scalars", "where", [inp([5], "bool")], {"a": 1.5, "b": -2.5}, lambda c: torch.where(c, 1.5, -2.5))
    add("fn/from_typed_array", "from_typed_array", [], {"data": [1, 2.5, -3, 4, 5, 6], "shape": [2, 3]},
        lambda: torch.tensor([1, 2.5, -3, 4, 5, 6]).reshape(2, 3))
    # item / tolist, round-tripped into a tensor of the same dtype
    add("item/float", "item", [inp([1, 1])], {}, lambda t: t.reshape(1))
    add("item/int", "item", [inp([], "int32")], {}, lambda t: t.reshape(1))
    add("item/bool", "item", [inp([1], "bool")], {}, lambda t: t.reshape(1))
    add_err("item/many", "item", [inp([2])], {}, "ValueError", lambda t: t.item())
    add("tolist/3d_T", "tolist", [inp([2, 3, 2], view="T")], {}, lambda t: t.contiguous())
    add("tolist/bool", "tolist", [inp([2, 2], "bool")], {}, lambda t: t.contiguous())
    add("tolist/int_scalar", "tolist", [inp([], "int32")], {}, lambda t: t.contiguous())


def edge_cases():
    """Corners that have bitten before or differ easily between implementations."""
    add("chunk/empty", "chunk", [inp([0])], {"chunks": 3, "dim": 0}, lambda t: t.chunk(3))
    add("chunk/0x4_dim0", "chunk", [inp([0, 4])], {"chunks": 2, "dim": 0}, lambda t: t.chunk(2))
    add("split/empty_size0", "split", [inp([0, 2])], {"size": 0, "dim": 0}, lambda t: t.split(0))
    add_err("split/size0", "split", [inp([7])], {"size": 0, "dim": 0}, "ValueError", lambda t: t.split(0))
    for op in ("var", "std"):
        add(f"{op}/c2", op, [inp([3, 4])], {"dim": 1, "correction": 2},
            lambda t, op=op: getattr(torch, op)(t, 1, correction=2), "reduction", 4)
        add(f"{op}/c_ge_n", op, [inp([3, 2])], {"dim": 1, "correction": 2},
            lambda t, op=op: getattr(torch, op)(t, 1, correction=2), "reduction", 2)
        add(f"{op}/0x3_dim0", op, [inp([0, 3])], {"dim": 0, "correction": 1},
            lambda t, op=op: getattr(torch, op)(t, 0), "reduction", 1)
        add(f"{op}/0d_c1", op, [inp([])], {}, lambda t, op=op: getattr(torch, op)(t), "reduction", 1)
    add_err("max/empty", "max", [inp([3, 0])], {}, "IndexError", lambda t: t.max())
    add_err("min/empty", "min", [inp([0])], {}, "IndexError", lambda t: t.min())
    add("sum/2x3x0_dims02", "sum", [inp([2, 3, 0])], {"dim": [0, 2]}, lambda t: t.sum((0, 2)))
    add("sum/0d_list", "sum", [inp([])], {"dim": [0]}, lambda t: t.sum([0]))
    add("amax/0d_keep", "amax", [inp([])], {"dim": 0, "keepdim": True}, lambda t: t.amax(0, keepdim=True))
    add("argmax/0d_keep", "argmax", [inp([])], {"dim": 0, "keepdim": True}, lambda t: t.argmax(0, keepdim=True))
    xi = inp([2, 3, 4], "int32")
    add("all/int_dims", "all", [xi], {"dim": [0, 2]}, lambda t: (t == 0).sum((0, 2)) == 0)
    add("any/int_dims_keep", "any", [xi], {"dim": [-1, 1], "keepdim": True}, lambda t: (t != 0).sum((1, 2), keepdim=True) > 0)
    add("amax/int_dims", "amax", [xi], {"dim": [0, 1]}, lambda t: t.amax((0, 1)))
    add("amin/bool_dims", "amin", [inp([3, 4], "bool")], {"dim": [0, 1]}, lambda t: t.amin((0, 1)))
    add("sum/int_dims_T", "sum", [inp([3, 4, 5], "int32", view="T")], {"dim": [0, -1]}, lambda t: t.sum((0, -1)))
    add("prod/int_T", "prod", [inp([3, 4], "int32", view="T")], {"dim": 0}, lambda t: t.prod(0))
    add("count_nonzero/bool_all", "count_nonzero", [inp([5, 3], "bool", view="T")], {}, torch.count_nonzero)
    add("unsqueeze/0d_neg", "unsqueeze", [inp([])], {"dim": -1}, lambda t: t.unsqueeze(-1))
    add("flatten/0d_dims", "flatten", [inp([])], {"start": 0, "end": -1}, lambda t: t.flatten(0, -1))
    add("view/0d_infer", "view", [inp([])], {"shape": [-1]}, lambda t: t.view(-1))
    add("reshape/T_infer_middle", "reshape", [inp([4, 6], view="T")], {"shape": [2, -1, 2]}, lambda t: t.reshape(2, -1, 2))
    add_err("reshape/negative", "reshape", [inp([3, 4])], {"shape": [-2, 6]}, "ValueError", lambda t: t.reshape(-2, 6))
    add_err("expand/new_dim_infer", "expand", [inp([3])], {"sizes": [-1, 3]}, "ValueError", lambda t: t.expand(-1, 3))
    add_err("slice/step0", "slice", [inp([5])], {"dim": 0, "start": None, "end": None, "step": 0}, "ValueError", lambda t: t[::0])
    add_err("get/negative_step", "get", [inp([5])], {"indices": ["::-1"]}, "ValueError", lambda t: t[::-1])
    add_err("full/negative_size", "full", [], {"shape": [2, -1], "value": 1.0}, "ValueError", lambda: torch.full((2, -1), 1.0))
    add_err("zeros/negative_size", "zeros", [], {"shape": [-3]}, "ValueError", lambda: torch.zeros(-3))
    add_err("eye/negative", "eye", [], {"n": -1}, "ValueError", lambda: torch.eye(-1))
    add_err("randint/empty_range", "randint", [], {"low": 3, "high": 3, "shape": [2]}, "ValueError",
            lambda: torch.randint(3, 3, (2,)))
    add("cat/bool_float_T", "cat", [inp([2, 3], "bool", view="T"), inp([2, 2])], {"dim": -1}, lambda *ts: torch.cat(ts, -1))
    add("stack/0x3", "stack", [inp([0, 3]), inp([0, 3])], {"dim": 1}, lambda *ts: torch.stack(ts, 1))
    add("where/scalar_bool", "where", [inp([4], "bool"), inp([4], "bool")], {"b": False}, lambda c, a: torch.where(c, a, False))
    add("gather/0x3_index", "gather", [inp([2, 3]), inp([0, 3], "int32")], {"dim": 0}, lambda t, i: t.gather(0, i))
    add("index_select/3d_dim1_perm", "index_select", [inp([2, 3, 4], view="perm"), inp([5], "int32", values=[2, 0, 1, 1, 2])],
        {"dim": 1}, lambda t, i: t.index_select(1, i))
    # batched matmul with an empty inner dim (K = 0): zeros
    add("matmul/batched_k0", "matmul", [inp([2, 4, 0]), inp([1, 0, 1])], {}, torch.matmul, "matmul", 1)
    add("matmul/2d_k0_bcast", "matmul", [inp([4, 0]), inp([3, 0, 2])], {}, torch.matmul, "matmul", 1)


def appended_ops():
    """The cases of every elementwise op the engine gained after FROZEN_UNARY / FROZEN_BINARY,
    from its spec row alone (torch function by name, dtype rule, tolerance, domains). They come
    after all other cases, each op from its own seeded stream, so adding an op changes no other case."""
    for name, o in MANIFEST.items():
        if o["family"] == "reduce" or o["api"] != "generated" or name in FROZEN_UNARY or name in FROZEN_BINARY:
            continue
        g.manual_seed(SEED + zlib.crc32(name.encode()))
        put = add_or_dtype_error if o["dtype"] == "float_only" else add
        if o["family"] == "unary":
            unary_op(name, torch_fn(name), o["tol"], o["domain"][0], True, put)
        else:
            binary_op(name, torch_fn(name), o["tol"], *o["domain"], put)


def main():
    creation()
    edge_cases()
    inplace_and_forms()
    elementwise()
    binary()
    where_masked()
    reductions()
    matmul_softmax_cast()
    shape_ops()
    appended_ops()
    doc = {"torch": torch.__version__, "seed": SEED, "cases": CASES}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    with open(OUT, "w") as f:
        f.write(text)
        f.write("\n")
    print(f"wrote {len(CASES)} cases, {len(text) / 1e6:.2f} MB to {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
