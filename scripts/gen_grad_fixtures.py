#!/usr/bin/python3
"""Gradient fixtures: runs every differentiable op the TypeScript API exposes through PyTorch's
autograd and writes the inputs, the forward output, a random upstream gradient and the
gradient of every float input to tests/fixtures/grad.json, which tests/autograd.test.ts
replays through Kindling.

    /usr/bin/python3 scripts/gen_grad_fixtures.py

Format: {"torch": version, "seed": s, "cases": [case, ...]}. A case is
    {"name": unique id, "op": fixture op name (the test's OPS table maps it to Kindling),
     "args": {op arguments},
     "inputs": [{"values": flat row-major list of the leaf, "shape": leaf shape,
                 "dtype": "float32"|"int32"|"bool", "grad": whether it requires grad,
                 "view": optional recipe applied to the leaf before the op
                         [["transpose", d0, d1] | ["permute", dims] | ["expand", sizes] |
                          ["slice", dim, start, stop, step]]}],
     "out": [{"values", "shape", "dtype"}, ...]   one per returned tensor,
     "gout": [{"values", "shape"} | null, ...]    the upstream gradient of each output (null for
                                                  integer outputs such as max's indices),
     "grads": [{"values", "shape"} | null, ...]   d(sum_i <out_i, gout_i>)/d(leaf) per input
                                                  (null: the input needs no gradient),
     "tol": optional {"rtol", "atol", "why"},
     "post": optional view recipe applied to each float output (before "out" is recorded), so
             that the op's backward rule receives a non-contiguous gradient}
A single-output case is replayed as out.backward(gout); a multi-output one as
sum_i (out_i * gout_i).sum().backward(), which has the same gradient.

Inputs are seeded float32 values (written with 9 significant digits, which round-trip float32);
torch computes in float64 from exactly those float32 values, so the reference carries no
float32 rounding of its own and the tolerance measures Kindling's float32 error only.
Floats JSON cannot hold are the strings "nan", "inf", "-inf".

The view recipes make the non-contiguous inputs: "T" (transposed), "step" (sliced with step 2),
"step0_from1", "step1d" (strided rows, a strided 1-D tensor), "perm", "expand" (a size-1 dim broadcast, so the leaf's gradient is a sum). The
leaf's gradient therefore also checks the view ops' own backward rules.

Random inputs avoid non-differentiable points (ties, kinks, x/y near an integer for remainder);
the cases named .../conv_* put values exactly on them on purpose to pin torch's convention.
"""
import json
import math
import os
import zlib

import torch

from fixture_io import apply_view, enc_float, read_manifest, torch_fn, view_recipe

SEED = 20240917
gen = torch.Generator().manual_seed(SEED)
CASES = []
NAMES = set()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "grad.json")
F64 = torch.float64


# ---- encoding --------------------------------------------------------------------------------



def enc_tensor(t, with_dtype=True):
    t = t.detach()
    if t.dtype == torch.bool:
        vals, dt = [1 if v else 0 for v in t.reshape(-1).tolist()], "bool"
    elif t.dtype in (torch.int64, torch.int32):
        vals, dt = [int(v) for v in t.reshape(-1).tolist()], "int32"
    else:
        vals, dt = [enc_float(v, 10) for v in t.reshape(-1).tolist()], "float32"
    d = {"values": vals, "shape": list(t.shape)}
    if with_dtype:
        d["dtype"] = dt
    return d


# ---- inputs ----------------------------------------------------------------------------------


def f32_values(flat):
    """float32-exact values: encoded with 9 digits, decoded back through float32."""
    enc = [enc_float(float(v), 9) for v in flat]
    dec = torch.tensor([float(v) for v in enc], dtype=torch.float32)
    return enc, dec


def gen_values(n, kind):
    if kind == "randn":
        return torch.randn(n, generator=gen)
    if kind == "pos":  # log, sqrt, pow bases
        return torch.rand(n, generator=gen) * 3 + 0.2
    if kind == "unit":  # (-1, 1), away from 0 is not needed
        return torch.rand(n, generator=gen) * 1.8 - 0.9
    if kind == "nonzero":  # |x| in [0.5, 2], random sign
        s = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
        return s * (torch.rand(n, generator=gen) * 1.5 + 0.5)
    if kind == "wide":
        return torch.randn(n, generator=gen) * 3
    if kind == "distinct":  # well separated values (no ties for max/min)
        return (torch.randperm(n, generator=gen).double() - n / 2) * 0.37 + torch.rand(n, generator=gen) * 0.1
    if kind == "frac":  # away from integers (floor, round, ...; remainder dividends)
        return torch.randint(-4, 4, (n,), generator=gen) + 0.1 + torch.rand(n, generator=gen) * 0.3
    raise ValueError(kind)


class In:
    """A fixture input: the dict written to JSON and how to build the torch tensor."""

    def __init__(self, d, leaf_f64, recipe, grad):
        self.d, self.leaf_values, self.recipe, self.grad = d, leaf_f64, recipe, grad


def F(shape, kind="randn", view=None, grad=True, values=None):
    """A float input (of `shape` after the view recipe)."""
    base, recipe = view_recipe(shape, view)
    n = math.prod(base)
    flat = torch.tensor(values, dtype=torch.float64).reshape(-1) if values is not None else gen_values(n, kind)
    assert flat.numel() == n, (shape, view, flat.numel(), n)
    enc, dec = f32_values(flat.tolist())
    d = {"values": enc, "shape": base, "dtype": "float32", "grad": grad}
    if recipe:
        d["view"] = recipe
    return In(d, dec.to(F64).reshape(base), recipe, grad)


def I(values, shape=None):
    """An int32 index input (int64 in torch)."""
    t = torch.tensor(values, dtype=torch.int64)
    if shape is not None:
        t = t.reshape(shape)
    return In({"values": t.reshape(-1).tolist(), "shape": list(t.shape), "dtype": "int32", "grad": False}, t, None, False)


def B(values, shape=None):
    t = torch.tensor(values, dtype=torch.bool)
    if shape is not None:
        t = t.reshape(shape)
    return In({"values": [int(v) for v in t.reshape(-1).tolist()], "shape": list(t.shape), "dtype": "bool", "grad": False},
              t, None, False)


def Brand(shape):
    return B((torch.rand(math.prod(shape), generator=gen) < 0.5).tolist(), shape)


# ---- cases -----------------------------------------------------------------------------------


def case(name, op, args, inputs, fn, tol=None, post=None):
    """fn(*torch inputs) -> tensor or tuple/list of tensors (float64 for float results).
    post: a view recipe applied to every float output before the gradient flows in, so the
    op's backward rule receives a non-contiguous gradient."""
    assert name not in NAMES, name
    NAMES.add(name)
    leaves, ts = [], []
    for i in inputs:
        if i.d["dtype"] == "float32":
            leaf = i.leaf_values.clone().requires_grad_(i.grad)
            leaves.append(leaf)
            ts.append(apply_view(leaf, i.recipe))
        else:
            leaves.append(None)
            ts.append(i.leaf_values)
    out = fn(*ts)
    outs = [out] if isinstance(out, torch.Tensor) else list(out)
    if post:
        outs = [apply_view(o, post) if o.dtype == F64 else o for o in outs]
    gouts, roots, rgs = [], [], []
    for o in outs:
        if o.dtype == F64:
            gv = torch.randn(o.numel(), generator=gen)
            enc, dec = f32_values(gv.tolist())
            gt = dec.to(F64).reshape(o.shape)
            gouts.append({"values": enc, "shape": list(o.shape)})
            if o.requires_grad:
                roots.append(o)
                rgs.append(gt)
        else:
            gouts.append(None)
    if roots:
        torch.autograd.backward(roots, rgs)
    grads = []
    for i, leaf in zip(inputs, leaves):
        if leaf is None or not i.grad:
            grads.append(None)
        elif leaf.grad is None:
            grads.append({"values": [0] * leaf.numel(), "shape": list(leaf.shape)})
        else:
            grads.append(enc_tensor(leaf.grad, with_dtype=False))
    c = {"name": name, "op": op, "args": args, "inputs": [i.d for i in inputs],
         "out": [enc_tensor(o) for o in outs], "gout": gouts, "grads": grads}
    if tol:
        c["tol"] = tol
    if post:
        c["post"] = post
    CASES.append(c)


def shp(s):
    return "x".join(map(str, s)) if s else "scalar"


VIEWS = [None, "T", "step", "expand"]


def vtag(v):
    return v or "c"


# ---- elementwise -----------------------------------------------------------------------------

MANIFEST = read_manifest()
# The ops in the order their cases were first written (grad.json shares one random stream, so
# this order keeps it byte-identical). Ops the engine gained later come after all other cases,
# from the manifest alone (appended_ops()).
FROZEN_UNARY = ["neg", "abs", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tan", "atan", "tanh", "sigmoid", "relu",
                "silu", "sign", "floor", "ceil", "round", "trunc", "square", "reciprocal", "log1p", "expm1", "erf",
                "softplus", "log2", "exp2"]
FROZEN_BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "atan2"]
UNARY = {n: (torch_fn(n), MANIFEST[n]["grad_domain"][0]) for n in FROZEN_UNARY}  # name -> (torch fn, input kind)


def elementwise():
    for name, (fn, kind) in UNARY.items():
        for v in VIEWS:
            case(f"unary/{name}/3x4_{vtag(v)}", "unary", {"fn": name}, [F([3, 4], kind, v)], fn)
        case(f"unary/{name}/scalar", "unary", {"fn": name}, [F([], kind)], fn)
    # torch's conventions at the kinks: abs'(0) = 0, relu'(0) = 0, sign/round are flat;
    # softplus is linear above its threshold 20.
    case("unary/abs/conv_zero", "unary", {"fn": "abs"}, [F([4], values=[0, -0.0, 1.5, -2])], torch.abs)
    case("unary/relu/conv_zero", "unary", {"fn": "relu"}, [F([4], values=[0, -0.0, 1.5, -2])], torch.relu)
    case("unary/softplus/conv_threshold", "unary", {"fn": "softplus"},
         [F([6], values=[19.5, 20, 20.5, 25, -25, 0])], torch.nn.functional.softplus)
    case("unary/round/conv_half", "unary", {"fn": "round"}, [F([4], values=[0.5, 1.5, -2.5, 3])], torch.round)

    for approx in ("none", "tanh"):
        for v in (None, "T", "expand"):
            case(f"gelu/{approx}/3x4_{vtag(v)}", "gelu", {"approximate": approx}, [F([3, 4], "wide", v)],
                 lambda t, a=approx: torch.nn.functional.gelu(t, approximate=a))
    for slope in (0.01, 0.2):
        for v in (None, "step"):
            case(f"leaky_relu/{slope}/3x4_{vtag(v)}", "leaky_relu", {"slope": slope}, [F([3, 4], "nonzero", v)],
                 lambda t, s=slope: torch.nn.functional.leaky_relu(t, s))
    case("leaky_relu/conv_zero", "leaky_relu", {"slope": 0.2}, [F([3], values=[0, 1, -1])],
         lambda t: torch.nn.functional.leaky_relu(t, 0.2))
    for tag, lo, hi in (("both", -0.5, 0.6), ("min", -0.3, None), ("max", None, 0.4)):
        for v in (None, "T", "expand"):
            case(f"clamp/{tag}/3x4_{vtag(v)}", "clamp", {"min": lo, "max": hi}, [F([3, 4], "randn", v)],
                 lambda t, lo=lo, hi=hi: torch.clamp(t, lo, hi))
    # torch passes the gradient at the bounds themselves (min <= x <= max).
    case("clamp/conv_bounds", "clamp", {"min": -0.5, "max": 0.5}, [F([5], values=[-0.5, 0.5, -0.7, 0.7, 0.1])],
         lambda t: torch.clamp(t, -0.5, 0.5))

    binary()


# name -> (torch fn, kind of a, kind of b); "divisor" (remainder's) is drawn by rem_divisor
BINARY = {n: (torch_fn(n), *[None if k == "divisor" else k for k in MANIFEST[n]["grad_domain"]]) for n in FROZEN_BINARY}


def rem_divisor(shape, view=None):
    """Divisors for remainder: ±(0.7..2.9) at 0.1 steps... checked away from x/y integral in fn."""
    base, _ = view_recipe(shape, view)
    n = math.prod(base)
    s = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    return F(shape, view=view, values=(s * (1.7 + torch.rand(n, generator=gen) * 0.2)).tolist())


def rem_ok(x, y):
    """x / y at least 0.03 away from an integer (remainder's gradient jumps there)."""
    q = x / y
    return bool(((q - q.floor() - 0.5).abs() < 0.47).all())


def draw(make, check=None, tries=200):
    """Calls make() until check(*result) holds (fresh random inputs each time)."""
    for _ in range(tries):
        r = make()
        if check is None or check(*r):
            return r
    raise AssertionError("could not draw inputs away from the kinks")


def viewed(i):
    return apply_view(i.leaf_values, i.recipe)


def takes_number(fn):
    """Whether fn(tensor, number) works (torch.maximum, atan2, hypot... take tensors only)."""
    try:
        fn(torch.zeros(1, dtype=F64), 2.5)
        return True
    except TypeError:
        return False


def binary_op(name, fn, ka, kb):
    """The gradient cases of one binary op."""
    def b_in(shape, view=None, grad=True):
        if kb is None:
            i = rem_divisor(shape, view)
            i.grad = grad
            i.d["grad"] = grad
            return i
        return F(shape, kb, view, grad)

    def go(tag, make):
        chk = (lambda a, b: rem_ok(viewed(a), viewed(b))) if name == "remainder" else None
        a, b = draw(make, chk)
        case(f"binary/{name}/{tag}", "binary", {"fn": name}, [a, b], fn)

    go("3x4_c", lambda: (F([3, 4], ka), b_in([3, 4])))
    go("3x4_T_step", lambda: (F([3, 4], ka, "T"), b_in([3, 4], "step")))
    go("3x4_expand_T", lambda: (F([3, 4], ka, "expand"), b_in([3, 4], "T")))
    go("bcast_3x1_4", lambda: (F([3, 1], ka), b_in([4])))
    go("bcast_4_3x1", lambda: (F([4], ka), b_in([3, 1])))
    go("bcast_2x1x4_3x1", lambda: (F([2, 1, 4], ka), b_in([3, 1], "T")))
    go("bcast_scalar_tensor", lambda: (F([], ka), b_in([2, 3])))
    go("only_a", lambda: (F([3, 4], ka), b_in([3, 4], grad=False)))
    go("only_b", lambda: (F([2, 3], ka, grad=False), b_in([3])))
    # scalar operands: tensor op number, number op tensor (the reverse form)
    scalars = {"pow": [2, 3, 0.5, -1.5, 0], "remainder": [1.7], "div": [2.5, -3], "atan2": [0.7]}.get(name, [2.5, -3])
    for s in scalars:
        (a,) = draw(lambda s=s: (F([3, 4], ka, "T"),),
                    (lambda a, s=s: rem_ok(viewed(a), torch.tensor(s, dtype=F64))) if name == "remainder" else None)
        sv = s if takes_number(fn) else torch.tensor(s, dtype=F64)
        case(f"binary/{name}/scalar_{s}", "binary_scalar", {"fn": name, "scalar": s, "reverse": False}, [a],
             lambda t, sv=sv: fn(t, sv))
    if name == "pow":  # integer exponents of negative bases
        for s in (2, 3):
            case(f"binary/pow/scalar_{s}_negbase", "binary_scalar", {"fn": name, "scalar": s, "reverse": False},
                 [F([3, 4], "randn", "step")], lambda t, s=s: fn(t, s))
    rs = {"pow": [2.5], "remainder": [5.3], "div": [2.5, -3], "atan2": [0.7]}.get(name, [2.5])
    for s in rs:
        kind = "nonzero" if name in ("div", "atan2") else ("pos" if name == "remainder" else ka)
        (a,) = draw(lambda kind=kind: (F([3, 4], kind, "step"),),
                    (lambda a, s=s: rem_ok(torch.tensor(s, dtype=F64), viewed(a))) if name == "remainder" else None)
        case(f"binary/{name}/rscalar_{s}", "binary_scalar", {"fn": name, "scalar": s, "reverse": True}, [a],
             lambda t, s=s: fn(torch.tensor(s, dtype=F64), t))


def binary():
    for name, (fn, ka, kb) in BINARY.items():
        binary_op(name, fn, ka, kb)
    # pow with negative integer-valued bases: d/da is finite, d/db is NaN (log of a negative)
    case("binary/pow/conv_neg_base", "binary", {"fn": "pow"},
         [F([4], values=[-1.5, -2, 1.5, 2]), F([4], values=[2, 3, 2, -1])], torch.pow)
    # pow at a zero base: d/da of 0**e; d/db is 0 where e >= 0 and -inf*g where e < 0 (torch)
    case("binary/pow/conv_zero_base", "binary", {"fn": "pow"},
         [F([4], values=[0, 0, 0, 2]), F([4], values=[2, 0, 0.5, 0])], torch.pow)
    case("binary/pow/conv_zero_base_neg_exp", "binary", {"fn": "pow"},
         [F([2], values=[0, 0]), F([2], values=[-1, -2.5])], torch.pow)
    # ties: maximum/minimum split the gradient evenly
    for name in ("maximum", "minimum"):
        case(f"binary/{name}/conv_ties", "binary", {"fn": name},
             [F([5], values=[1, 2, -3, 0.5, 4]), F([5], values=[1, 0, -3, 0.75, 4])], BINARY[name][0])
    # the same tensor on both sides
    case("binary/mul/same_tensor", "binary_self", {"fn": "mul"}, [F([3, 4], view="T")], lambda t: t * t)
    case("binary/div/same_tensor", "binary_self", {"fn": "div"}, [F([3, 4], "nonzero")], lambda t: t / t)


# ---- reductions ------------------------------------------------------------------------------


def reductions():
    shapes = [([3, 4], None), ([3, 4], "T"), ([3, 4], "step"), ([3, 4], "expand"), ([2, 3, 4], None), ([2, 3, 4], "perm")]

    def dims_for(shape):
        ds = [None, 0, -1]
        if len(shape) == 3:
            ds += [[0, 2], [1]]
        return ds

    def dtag(d):
        return "all" if d is None else ("_".join(map(str, d)) if isinstance(d, list) else str(d))

    for name in ("sum", "mean", "amax", "amin", "logsumexp"):
        for shape, v in shapes:
            for dim in dims_for(shape):
                if name == "logsumexp" and dim is None:
                    continue
                for keep in (False, True):
                    kind = "distinct" if name in ("amax", "amin") else "randn"
                    if name in ("amax", "amin") and v == "expand" and dim != 0 and not (isinstance(dim, list) and 0 in dim):
                        continue  # an expanded dim makes ties along the other dims
                    if name in ("amax", "amin") and v == "expand":
                        continue
                    tf = {"sum": torch.sum, "mean": torch.mean, "amax": torch.amax, "amin": torch.amin,
                          "logsumexp": torch.logsumexp}[name]

                    def fn(t, tf=tf, dim=dim, keep=keep, name=name):
                        if dim is None:
                            if name in ("amax", "amin"):
                                return tf(t, dim=list(range(t.ndim)), keepdim=keep)
                            return tf(t, dim=list(range(t.ndim)), keepdim=keep) if keep else tf(t)
                        return tf(t, dim=dim, keepdim=keep)
                    case(f"reduce/{name}/{shp(shape)}_{vtag(v)}/dim{dtag(dim)}{'_keep' if keep else ''}", "reduce",
                         {"fn": name, "dim": dim, "keepdim": keep}, [F(shape, kind, v)], fn)
    case("reduce/sum/dim_empty_list", "reduce", {"fn": "sum", "dim": [], "keepdim": False}, [F([2, 3])],
         lambda t: torch.sum(t, dim=[]))
    case("reduce/sum/scalar", "reduce", {"fn": "sum", "dim": None, "keepdim": False}, [F([])], torch.sum)
    # ties: amax/amin and the full max()/min() share the gradient evenly between equal extremes
    tie = [1, 3, 3, 0, -2, -2, 3, -2]
    for name in ("amax", "amin"):
        case(f"reduce/{name}/conv_ties_all", "reduce", {"fn": name, "dim": None, "keepdim": False},
             [F([2, 4], values=tie)], lambda t, name=name: getattr(torch, name)(t, dim=[0, 1]))
        case(f"reduce/{name}/conv_ties_dim1", "reduce", {"fn": name, "dim": 1, "keepdim": False},
             [F([2, 4], values=tie)], lambda t, name=name: getattr(torch, name)(t, dim=1))
    case("max_all/conv_ties", "max_all", {"fn": "max"}, [F([2, 4], values=tie)], torch.max)
    case("min_all/conv_ties", "max_all", {"fn": "min"}, [F([2, 4], values=tie)], torch.min)
    case("max_all/3x4_T", "max_all", {"fn": "max"}, [F([3, 4], "distinct", "T")], torch.max)
    case("min_all/3x4_step", "max_all", {"fn": "min"}, [F([3, 4], "distinct", "step")], torch.min)

    # prod: all, one dim; zeros in the input (one zero in a run, two zeros in a run)
    for shape, v in shapes:
        for dim in (None, 0, -1):
            for keep in ((False, True) if dim is not None else (False,)):
                case(f"reduce/prod/{shp(shape)}_{vtag(v)}/dim{dtag(dim)}{'_keep' if keep else ''}", "reduce",
                     {"fn": "prod", "dim": dim, "keepdim": keep}, [F(shape, "unit", v)],
                     lambda t, dim=dim, keep=keep: torch.prod(t) if dim is None else torch.prod(t, dim, keepdim=keep))
    zeros1 = [0.5, 0, 1.5, -2, 1.2, 0.8, -1.1, 0.9, 0, 0, 2, 0.7]  # row 0: one zero; row 2: two zeros
    for dim in (None, 0, 1):
        case(f"reduce/prod/zeros/dim{dtag(dim)}", "reduce", {"fn": "prod", "dim": dim, "keepdim": False},
             [F([3, 4], values=zeros1)], lambda t, dim=dim: torch.prod(t) if dim is None else torch.prod(t, dim))
    case("reduce/prod/zeros_T/dim0", "reduce", {"fn": "prod", "dim": 0, "keepdim": True},
         [F([4, 3], view="T", values=zeros1)], lambda t: torch.prod(t, 0, keepdim=True))
    case("reduce/prod/one_zero_all", "reduce", {"fn": "prod", "dim": None, "keepdim": False},
         [F([5], values=[1.5, -0.5, 0, 2, 1.25])], torch.prod)

    # var / std with corrections
    for name in ("var", "std"):
        tf = getattr(torch, name)
        for shape, v in shapes:
            for dim in dims_for(shape):
                for corr in (1, 0):
                    for keep in (False, True):
                        if corr == 0 and keep:
                            continue
                        case(f"reduce/{name}/{shp(shape)}_{vtag(v)}/dim{dtag(dim)}_c{corr}{'_keep' if keep else ''}",
                             "reduce", {"fn": name, "dim": dim, "keepdim": keep, "correction": corr}, [F(shape, "randn", v)],
                             lambda t, tf=tf, dim=dim, corr=corr, keep=keep:
                             tf(t, dim=dim, correction=corr, keepdim=keep))
        case(f"reduce/{name}/3x4/dim1_c2", "reduce", {"fn": name, "dim": 1, "keepdim": False, "correction": 2},
             [F([3, 4])], lambda t, tf=tf: tf(t, dim=1, correction=2))

    # max/min with dim: (values, indices); the gradient goes to the index of the extreme
    for want in ("max", "min"):
        for shape, v in shapes:
            if v == "expand":
                continue
            for dim in (0, -1, 1):
                for keep in (False, True):
                    case(f"{want}_dim/{shp(shape)}_{vtag(v)}/dim{dim}{'_keep' if keep else ''}", "max_dim",
                         {"fn": want, "dim": dim, "keepdim": keep}, [F(shape, "distinct", v)],
                         lambda t, want=want, dim=dim, keep=keep: tuple(getattr(torch, want)(t, dim, keepdim=keep)))
        case(f"{want}_dim/1d", "max_dim", {"fn": want, "dim": 0, "keepdim": False}, [F([5], "distinct")],
             lambda t, want=want: tuple(getattr(torch, want)(t, 0)))


# ---- linear algebra, softmax -----------------------------------------------------------------


def linalg():
    mm = [
        ("1d_1d", [4], [4]), ("1d_2d", [4], [4, 3]), ("2d_1d", [3, 4], [4]), ("2d_2d", [3, 4], [4, 5]),
        ("3d_3d", [2, 3, 4], [2, 4, 5]), ("3d_2d", [2, 3, 4], [4, 5]), ("2d_3d", [3, 4], [2, 4, 5]),
        ("1d_3d", [4], [2, 4, 3]), ("3d_1d", [2, 3, 4], [4]), ("4d_3d_bcast", [2, 1, 3, 4], [5, 4, 2]),
        ("3d_3d_bcast1", [1, 3, 4], [2, 4, 2]),
    ]
    for tag, sa, sb in mm:
        case(f"matmul/{tag}", "matmul", {}, [F(sa), F(sb)], torch.matmul)
    case("matmul/2d_2d_T_step", "matmul", {}, [F([3, 4], view="T"), F([4, 5], view="step")], torch.matmul)
    case("matmul/3d_3d_perm_T", "matmul", {}, [F([2, 3, 4], view="perm"), F([2, 4, 3], view="T")], torch.matmul)
    case("matmul/2d_2d_expand", "matmul", {}, [F([3, 4], view="expand"), F([4, 2], view="T")], torch.matmul)
    case("matmul/1d_2d_step", "matmul", {}, [F([4], view="step1d"), F([4, 3], view="T")], torch.matmul)
    case("matmul/only_b", "matmul", {}, [F([3, 4], grad=False), F([4, 2])], torch.matmul)
    case("matmul/only_a", "matmul", {}, [F([2, 3, 4]), F([4, 2], grad=False)], torch.matmul)

    for name, tf in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
        for shape, v, dims in (([3, 4], None, (0, 1, -1)), ([3, 4], "T", (0, -1)), ([3, 4], "step", (1,)),
                               ([3, 4], "expand", (0, 1)), ([2, 3, 4], None, (1, -1)), ([2, 3, 4], "perm", (0, 2)),
                               ([5], None, (0,))):
            for dim in dims:
                case(f"{name}/{shp(shape)}_{vtag(v)}/dim{dim}", "softmax", {"log": name == "log_softmax", "dim": dim},
                     [F(shape, "wide", v)], lambda t, tf=tf, dim=dim: tf(t, dim))


# ---- views -----------------------------------------------------------------------------------


def views():
    def v(name, op, args, x, fn):
        case(f"view/{name}", op, args, [x], fn)

    v("view/3x4_to_4x3", "view", {"shape": [4, 3]}, F([3, 4]), lambda t: t.view(4, 3))
    v("view/3x4_to_12", "view", {"shape": [12]}, F([3, 4]), lambda t: t.view(12))
    v("view/2x3x4_to_2_m1", "view", {"shape": [2, -1]}, F([2, 3, 4]), lambda t: t.view(2, -1))
    v("view/step0_rows", "view", {"shape": [2, 2, 4]}, F([4, 4], view="step0_from1"), lambda t: t.view(2, 2, 4))
    v("view/scalar_to_1x1", "view", {"shape": [1, 1]}, F([]), lambda t: t.view(1, 1))
    v("reshape/3x4_to_4x3", "reshape", {"shape": [4, 3]}, F([3, 4]), lambda t: t.reshape(4, 3))
    v("reshape/T_copy", "reshape", {"shape": [12]}, F([3, 4], view="T"), lambda t: t.reshape(12))
    v("reshape/step", "reshape", {"shape": [2, 6]}, F([3, 4], view="step"), lambda t: t.reshape(2, 6))
    v("reshape/expand", "reshape", {"shape": [6, 2]}, F([3, 4], view="expand"), lambda t: t.reshape(6, 2))
    v("reshape_as/T", "reshape_as", {"shape": [2, 2, 3]}, F([3, 4], view="T"), lambda t: t.reshape(2, 2, 3))
    v("view_as/c", "view_as", {"shape": [6, 2]}, F([3, 4]), lambda t: t.view(6, 2))
    v("permute/201", "permute", {"dims": [2, 0, 1]}, F([2, 3, 4]), lambda t: t.permute(2, 0, 1))
    v("permute/neg_perm", "permute", {"dims": [-2, -1, 0]}, F([2, 3, 4], view="perm"), lambda t: t.permute(-2, -1, 0))
    v("transpose/01", "transpose", {"d0": 0, "d1": 1}, F([3, 4]), lambda t: t.transpose(0, 1))
    v("transpose/m1_0_3d_step", "transpose", {"d0": -1, "d1": 0}, F([2, 3, 4], view="step"), lambda t: t.transpose(-1, 0))
    v("t/2d_T", "t", {}, F([3, 4], view="T"), lambda t: t.t())
    v("t/1d", "t", {}, F([4]), lambda t: t.t())
    v("mT/3d", "mT", {}, F([2, 3, 4]), lambda t: t.mT)
    for d in (0, 1, -1):
        v(f"unsqueeze/{d}_T", "unsqueeze", {"dim": d}, F([3, 4], view="T"), lambda t, d=d: t.unsqueeze(d))
    v("squeeze/all", "squeeze", {"dim": None}, F([3, 1, 4, 1]), lambda t: t.squeeze())
    v("squeeze/dim1", "squeeze", {"dim": 1}, F([3, 1, 4, 1]), lambda t: t.squeeze(1))
    v("squeeze/dim_not1", "squeeze", {"dim": 0}, F([3, 1, 4, 1]), lambda t: t.squeeze(0))
    v("expand/3x1_to_2x3x4", "expand", {"sizes": [2, 3, 4]}, F([3, 1]), lambda t: t.expand(2, 3, 4))
    v("expand/m1", "expand", {"sizes": [-1, 5]}, F([3, 1], view="step"), lambda t: t.expand(-1, 5))
    v("expand/scalar", "expand", {"sizes": [2, 3]}, F([]), lambda t: t.expand(2, 3))
    v("expand_as/1x4", "expand_as", {"shape": [3, 4]}, F([1, 4]), lambda t: t.expand(3, 4))
    v("flatten/all_T", "flatten", {"start": 0, "end": -1}, F([3, 4], view="T"), lambda t: t.flatten())
    v("flatten/1_2", "flatten", {"start": 1, "end": 2}, F([2, 3, 4], view="perm"), lambda t: t.flatten(1, 2))
    v("unflatten/1", "unflatten", {"dim": 1, "sizes": [2, 2]}, F([3, 4]), lambda t: t.unflatten(1, (2, 2)))
    for tag, (dim, s, e, st) in {"1_1_3": (1, 1, 3, 1), "0_step2": (0, 0, None, 2), "m1_neg_start": (-1, -3, None, 1),
                                 "1_step3": (1, 0, None, 3), "0_past_end": (0, 1, 100, 1)}.items():
        idx_builder = (dim, s, e, st)
        def fn(t, b=idx_builder):
            d, s, e, st = b
            idx = [slice(None)] * t.ndim
            idx[d] = slice(s, e, st)
            return t[tuple(idx)]
        v(f"slice/{tag}", "slice", {"dim": dim, "start": s, "end": e, "step": st}, F([5, 4], view="T"), fn)
    v("narrow/1_1_2", "narrow", {"dim": 1, "start": 1, "length": 2}, F([3, 4], view="step"), lambda t: t.narrow(1, 1, 2))
    v("select/0_1", "select", {"dim": 0, "index": 1}, F([3, 4]), lambda t: t.select(0, 1))
    v("select/m1_m1_T", "select", {"dim": -1, "index": -1}, F([3, 4], view="T"), lambda t: t.select(-1, -1))
    v("select/1d", "select", {"dim": 0, "index": 2}, F([4]), lambda t: t.select(0, 2))
    v("contiguous/T", "contiguous", {}, F([3, 4], view="T"), lambda t: t.contiguous())
    v("contiguous/c", "contiguous", {}, F([3, 4]), lambda t: t.contiguous())
    v("clone/step", "clone", {}, F([3, 4], view="step"), lambda t: t.clone())
    v("to/float32_T", "to_float", {}, F([3, 4], view="T"), lambda t: t.to(F64))
    v("float/c", "float", {}, F([3, 4]), lambda t: t.to(F64))
    v("unbind/0", "unbind", {"dim": 0}, F([3, 4], view="T"), lambda t: t.unbind(0))
    v("unbind/1", "unbind", {"dim": 1}, F([2, 3]), lambda t: t.unbind(1))

    # get(): indexing as t[...]
    def tix(idx):
        out = []
        for i in idx:
            if isinstance(i, str) and i == "...":
                out.append(Ellipsis)
            elif isinstance(i, str):
                parts = [int(p) if p.strip() else None for p in i.split(":")]
                out.append(slice(*parts))
            elif isinstance(i, dict):
                out.append(torch.tensor(i["tensor"], dtype=torch.int64))
            else:
                out.append(i)
        return tuple(out)

    gets = {
        "int": [1], "int_int": [1, -1], "slice": ["1:3"], "slice_step": ["::2", "1:"], "ellipsis_int": ["...", 0],
        "none_slice_int": [None, ":", 2], "tensor_dup": [{"tensor": [2, 0, 2]}], "slice_tensor": ["::2", {"tensor": [1, 1, 3]}],
        "int_tensor": [0, {"tensor": [3, 0]}], "neg_slice": ["-2:", "-3:-1"],
    }
    for tag, idx in gets.items():
        for vw in (None, "T"):
            v(f"get/{tag}_{vtag(vw)}", "get", {"indices": idx}, F([3, 4], view=vw), lambda t, idx=idx: t[tix(idx)])
    v("get/3d_ellipsis_tensor", "get", {"indices": ["...", {"tensor": [0, 2]}]}, F([2, 3, 4], view="perm"),
      lambda t: t[..., torch.tensor([0, 2])])


# ---- joining, splitting, indexing -------------------------------------------------------------


def indexing():
    for dim in (0, 1, -1):
        case(f"cat/3x2_dim{dim}", "cat", {"dim": dim},
             [F([3, 2] if dim == 0 else [2, 3]), F([2, 2], view="T"), F([1, 2] if dim == 0 else [2, 1])],
             lambda a, b, c, dim=dim: torch.cat([a, b, c], dim))
    case("cat/expand_step", "cat", {"dim": 0}, [F([2, 4], view="expand"), F([3, 4], view="step")],
         lambda a, b: torch.cat([a, b], 0))
    case("cat/one_no_grad", "cat", {"dim": 1}, [F([2, 3]), F([2, 2], grad=False), F([2, 1])],
         lambda a, b, c: torch.cat([a, b, c], 1))
    case("cat/same_tensor_twice", "cat_self", {"dim": 0}, [F([2, 3])], lambda a: torch.cat([a, a], 0))
    for dim in (0, 1, -1):
        case(f"stack/dim{dim}", "stack", {"dim": dim}, [F([3, 4]), F([3, 4], view="T"), F([3, 4], view="expand")],
             lambda a, b, c, dim=dim: torch.stack([a, b, c], dim))
    case("split/size2_dim0", "split", {"size": 2, "dim": 0}, [F([5, 3], view="step")], lambda t: t.split(2, 0))
    case("split/sizes_dim1", "split", {"size": [1, 3, 2], "dim": 1}, [F([3, 6])], lambda t: t.split([1, 3, 2], 1))
    case("split/partial_use", "split_first", {"size": 2, "dim": 1}, [F([3, 5], view="T")], lambda t: t.split(2, 1)[0])
    case("chunk/3_m1", "chunk", {"chunks": 3, "dim": -1}, [F([2, 7])], lambda t: t.chunk(3, -1))
    case("chunk/2_0_T", "chunk", {"chunks": 2, "dim": 0}, [F([4, 3], view="T")], lambda t: t.chunk(2, 0))

    case("index_select/dim0_dup", "index_select", {"dim": 0}, [F([4, 3]), I([2, 0, 2, 3])],
         lambda t, i: t.index_select(0, i))
    case("index_select/dim1_T", "index_select", {"dim": 1}, [F([3, 4], view="T"), I([3, 3, 1])],
         lambda t, i: t.index_select(1, i))
    case("index_select/1d_neg_step", "index_select", {"dim": -1}, [F([5], view="step1d"), I([4, 0, 1, 1])],
         lambda t, i: t.index_select(-1, i))
    case("gather/dim0", "gather", {"dim": 0}, [F([3, 4]), I([[0, 2, 2, 1], [1, 1, 0, 2]])], lambda t, i: t.gather(0, i))
    case("gather/dim1_small_T", "gather", {"dim": 1}, [F([3, 4], view="T"), I([[3, 3], [0, 1]])],
         lambda t, i: t.gather(1, i))
    case("gather/m1_3d", "gather", {"dim": -1}, [F([2, 3, 4], view="perm"), I([[[1, 0]], [[3, 3]]])],
         lambda t, i: t.gather(-1, i))
    case("scatter_add/dim0", "scatter_add", {"dim": 0}, [F([3, 4]), I([[0, 2, 2, 1], [1, 1, 0, 0]]), F([2, 4])],
         lambda t, i, s: t.scatter_add(0, i, s))
    case("scatter_add/dim1_T_step", "scatter_add", {"dim": 1}, [F([3, 4], view="T"), I([[3, 3], [0, 1]]), F([2, 2], view="step")],
         lambda t, i, s: t.scatter_add(1, i, s))
    case("scatter_add/only_src", "scatter_add", {"dim": 1}, [F([2, 3], grad=False), I([[0, 0, 2], [1, 2, 2]]), F([2, 3])],
         lambda t, i, s: t.scatter_add(1, i, s))

    case("where/same", "where", {}, [Brand([3, 4]), F([3, 4]), F([3, 4], view="T")], torch.where)
    case("where/bcast", "where", {}, [Brand([3, 1]), F([4], view="step1d"), F([2, 1, 4], view="step")], torch.where)
    case("where/cond_bcast_expand", "where", {}, [Brand([2, 3, 4]), F([3, 4], view="expand"), F([1])], torch.where)
    case("where/scalar_b", "where_scalar", {"scalar": -1.5, "side": "b"}, [Brand([3, 4]), F([3, 4], view="T")],
         lambda c, a: torch.where(c, a, torch.tensor(-1.5, dtype=F64)))
    case("where/scalar_a", "where_scalar", {"scalar": 2.5, "side": "a"}, [Brand([3, 4]), F([4])],
         lambda c, b: torch.where(c, torch.tensor(2.5, dtype=F64), b))
    case("where/method", "tensor_where", {}, [F([3, 4], view="step"), Brand([4]), F([3, 1])],
         lambda a, c, b: a.where(c, b))
    case("masked_fill/bcast", "masked_fill", {"value": -1.5}, [F([3, 4], view="T"), Brand([4])],
         lambda t, m: t.masked_fill(m, -1.5))
    case("masked_fill/same", "masked_fill", {"value": 0}, [F([2, 3, 4], view="perm"), Brand([2, 3, 4])],
         lambda t, m: t.masked_fill(m, 0))


def edge_cases():
    """Degenerate shapes and mixed dtypes: 0-d tensors, empty dims, int operands."""
    case("edge/softmax_0d", "softmax", {"log": False, "dim": 0}, [F([])], lambda t: torch.softmax(t, 0))
    case("edge/log_softmax_0d", "softmax", {"log": True, "dim": -1}, [F([])], lambda t: torch.log_softmax(t, -1))
    case("edge/softmax_dim_size1", "softmax", {"log": False, "dim": 1}, [F([3, 1])], lambda t: torch.softmax(t, 1))
    for want in ("max", "min"):
        case(f"edge/{want}_dim_0d", "max_dim", {"fn": want, "dim": 0, "keepdim": False}, [F([])],
             lambda t, want=want: tuple(getattr(torch, want)(t, 0)))
    case("edge/index_select_0d", "index_select", {"dim": 0}, [F([]), I([0])], lambda t, i: t.index_select(0, i))
    case("edge/cat_legacy_empty", "cat", {"dim": 0}, [F([0]), F([2, 3]), F([0])], lambda a, b, c: torch.cat([a, b, c], 0))
    case("edge/cat_empty_dim", "cat", {"dim": 1}, [F([2, 0]), F([2, 3])], lambda a, b: torch.cat([a, b], 1))
    case("edge/sum_empty_dim", "reduce", {"fn": "sum", "dim": 0, "keepdim": False}, [F([0, 3])], lambda t: t.sum(0))
    case("edge/mean_0d_keep", "reduce", {"fn": "mean", "dim": None, "keepdim": True}, [F([])], lambda t: t.mean(dim=[], keepdim=True))
    case("edge/prod_1d", "reduce", {"fn": "prod", "dim": 0, "keepdim": False}, [F([4], "unit")], lambda t: t.prod(0))
    case("edge/matmul_1x1", "matmul", {}, [F([1, 1]), F([1])], torch.matmul)
    case("edge/matmul_k1", "matmul", {}, [F([3, 1]), F([1, 2], view="T")], torch.matmul)
    case("edge/matmul_k0_batched", "matmul", {}, [F([0]), F([2, 0, 2])], torch.matmul)
    case("edge/matmul_k0_2d", "matmul", {}, [F([3, 0]), F([0, 2])], torch.matmul)
    # std where the spread is exactly 0: torch defines the gradient as 0 there
    for name in ("std", "var"):
        case(f"edge/{name}_constant_row", "reduce", {"fn": name, "dim": 1, "keepdim": False, "correction": 1},
             [F([2, 3], values=[1.5, 1.5, 1.5, 1, 2, 3.5])], lambda t, name=name: getattr(torch, name)(t, 1))
        case(f"edge/{name}_constant_all_c0", "reduce", {"fn": name, "dim": None, "keepdim": False, "correction": 0},
             [F([4], values=[-0.3] * 4)], lambda t, name=name: getattr(torch, name)(t, dim=None, correction=0))
    # float op int tensor: only the float side has a gradient
    for name in ("mul", "div", "pow", "sub", "maximum", "atan2"):
        ints = [1, -2, 3, 2] if name != "div" else [1, -2, 3, 4]
        kind = "pos" if name == "pow" else "randn"
        case(f"edge/{name}_int_operand", "binary", {"fn": name}, [F([3, 4], kind, "T"), I(ints)], BINARY[name][0])
    case("edge/rsub_int_tensor_left", "binary", {"fn": "sub"}, [I([[1], [2], [3]]), F([4])], torch.sub)
    case("edge/where_int_branch", "where", {}, [Brand([3, 4]), I([1, 2, 3, 4]), F([3, 4])],
         lambda c, a, b: torch.where(c, a.to(F64), b))
    case("edge/scatter_add_int_self", "scatter_add", {"dim": 0}, [F([2, 3], grad=False), I([[1, 0, 1]]), F([1, 3])],
         lambda t, i, s: t.scatter_add(0, i, s))
    case("edge/expand_to_empty", "expand", {"sizes": [0, 2]}, [F([1, 2], view="T")], lambda t: t.expand(0, 2))


def noncontig_grads():
    """The op's output goes through a view before the upstream gradient arrives, so each
    backward rule gets a transposed or stepped gradient."""
    T = [["transpose", -2, -1]]
    S = [["slice", -1, 0, None, 2]]  # half of the output unused: those gradients are 0
    for name in ("exp", "tanh", "relu", "sqrt", "sigmoid", "abs", "sign"):
        kind = "pos" if name == "sqrt" else "nonzero"
        case(f"post/unary/{name}_T", "unary", {"fn": name}, [F([3, 4], kind)], UNARY[name][0], post=T)
    case("post/gelu_S", "gelu", {"approximate": "tanh"}, [F([3, 5])], lambda t: torch.nn.functional.gelu(t, approximate="tanh"), post=S)
    case("post/clamp_T", "clamp", {"min": -0.5, "max": 0.5}, [F([3, 4])], lambda t: torch.clamp(t, -0.5, 0.5), post=T)
    case("post/leaky_relu_T", "leaky_relu", {"slope": 0.1}, [F([3, 4], "nonzero")],
         lambda t: torch.nn.functional.leaky_relu(t, 0.1), post=T)
    for name in ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2"):
        fn, ka, kb = BINARY[name]
        case(f"post/binary/{name}_bcast_T", "binary", {"fn": name}, [F([3, 1], ka), F([4], kb)], fn, post=T)
        case(f"post/binary/{name}_S", "binary", {"fn": name}, [F([2, 5], ka, "T"), F([5], kb)], fn, post=S)
    for name in ("sum", "mean", "amax", "amin", "logsumexp", "prod", "var", "std"):
        kind = "distinct" if name in ("amax", "amin") else ("unit" if name == "prod" else "randn")
        tf = getattr(torch, name)
        args = {"fn": name, "dim": 1, "keepdim": True}
        if name in ("var", "std"):
            args["correction"] = 1
        case(f"post/reduce/{name}_keep_T", "reduce", args, [F([2, 3, 4], kind)],
             lambda t, tf=tf: tf(t, 1, keepdim=True), post=T)
        args = dict(args, keepdim=False)
        case(f"post/reduce/{name}_S", "reduce", args, [F([2, 3, 5], kind, "perm")], lambda t, tf=tf: tf(t, 1), post=S)
    for want in ("max", "min"):
        case(f"post/{want}_dim_T", "max_dim", {"fn": want, "dim": 1, "keepdim": False}, [F([2, 3, 4], "distinct")],
             lambda t, want=want: tuple(getattr(torch, want)(t, 1)), post=T)
    case("post/matmul_T", "matmul", {}, [F([2, 3, 4]), F([4, 5])], torch.matmul, post=T)
    case("post/matmul_S", "matmul", {}, [F([3, 4], view="T"), F([4, 6])], torch.matmul, post=S)
    case("post/matmul_1d_S", "matmul", {}, [F([3, 4]), F([4])], torch.matmul, post=[["slice", 0, 1, None, 2]])
    for log in (False, True):
        tf = torch.log_softmax if log else torch.softmax
        case(f"post/softmax{'_log' if log else ''}_T", "softmax", {"log": log, "dim": -1}, [F([3, 4], "wide")],
             lambda t, tf=tf: tf(t, -1), post=T)
        case(f"post/softmax{'_log' if log else ''}_S", "softmax", {"log": log, "dim": 0}, [F([3, 6], "wide")],
             lambda t, tf=tf: tf(t, 0), post=S)
    case("post/cat_T", "cat", {"dim": 1}, [F([2, 3]), F([2, 2], view="T")], lambda a, b: torch.cat([a, b], 1), post=T)
    case("post/stack_S", "stack", {"dim": 0}, [F([3, 4]), F([3, 4])], lambda a, b: torch.stack([a, b], 0), post=S)
    case("post/index_select_T", "index_select", {"dim": 1}, [F([3, 4]), I([3, 0, 3])], lambda t, i: t.index_select(1, i), post=T)
    case("post/gather_T", "gather", {"dim": 0}, [F([3, 4]), I([[0, 2, 2, 1], [1, 1, 0, 2]])], lambda t, i: t.gather(0, i), post=T)
    case("post/scatter_add_T", "scatter_add", {"dim": 0}, [F([3, 4]), I([[0, 2, 2, 1], [1, 1, 0, 0]]), F([2, 4])],
         lambda t, i, s: t.scatter_add(0, i, s), post=T)
    case("post/where_T", "where", {}, [Brand([3, 4]), F([3, 1]), F([4])], torch.where, post=T)
    case("post/masked_fill_S", "masked_fill", {"value": 2.0}, [F([3, 6]), Brand([6])], lambda t, m: t.masked_fill(m, 2.0), post=S)
    case("post/expand_T", "expand", {"sizes": [2, 3, 4]}, [F([3, 1])], lambda t: t.expand(2, 3, 4), post=T)
    case("post/select_S", "select", {"dim": 0, "index": 1}, [F([2, 3, 6])], lambda t: t.select(0, 1), post=S)
    case("post/slice_T", "slice", {"dim": 1, "start": 1, "end": None, "step": 2}, [F([3, 7])],
         lambda t: t[:, 1::2], post=T)
    case("post/reshape_T", "reshape", {"shape": [4, 3]}, [F([3, 4], view="T")], lambda t: t.reshape(4, 3), post=T)


def large_cases():
    """Sizes past the kernels' small-size paths (SIMD widths, GEMM blocking)."""
    case("large/matmul_2d", "matmul", {}, [F([17, 33]), F([33, 19], view="T")], torch.matmul)
    case("large/matmul_batched_bcast", "matmul", {}, [F([3, 9, 40], view="step"), F([40, 7])], torch.matmul)
    case("large/matmul_vec", "matmul", {}, [F([65]), F([65, 31])], torch.matmul)
    for name in ("exp", "tanh", "sigmoid", "silu", "log", "softplus"):
        kind = "pos" if name == "log" else "wide"
        case(f"large/unary/{name}", "unary", {"fn": name}, [F([7, 37], kind, "T")], UNARY[name][0])
    case("large/gelu", "gelu", {"approximate": "none"}, [F([7, 37], "wide", "step")], torch.nn.functional.gelu)
    case("large/binary/mul_bcast", "binary", {"fn": "mul"}, [F([33, 1]), F([45])], torch.mul)
    case("large/binary/div_T", "binary", {"fn": "div"}, [F([19, 23], "randn", "T"), F([19, 23], "nonzero")], torch.div)
    case("large/softmax", "softmax", {"log": False, "dim": 1}, [F([5, 67], "wide")], lambda t: torch.softmax(t, 1))
    case("large/log_softmax_T", "softmax", {"log": True, "dim": 0}, [F([67, 5], "wide", "T")], lambda t: torch.log_softmax(t, 0))
    for name in ("sum", "mean", "var", "std", "logsumexp", "amax"):
        kind = "distinct" if name == "amax" else "randn"
        case(f"large/reduce/{name}", "reduce", dict({"fn": name, "dim": 1, "keepdim": False}, **({"correction": 1} if name in ("var", "std") else {})),
             [F([9, 131], kind)], lambda t, name=name: getattr(torch, name)(t, 1))
    case("large/cat", "cat", {"dim": 0}, [F([40, 9]), F([25, 9], view="T")], lambda a, b: torch.cat([a, b], 0))
    idx = torch.randint(0, 50, (30, 6), generator=gen)
    case("large/gather", "gather", {"dim": 0}, [F([50, 6]), I(idx.tolist())], lambda t, i: t.gather(0, i))


def appended_ops():
    """The gradient cases of every differentiable elementwise op the engine gained after
    FROZEN_UNARY / FROZEN_BINARY, from its spec row alone; after all other cases, each op from
    its own seeded stream, so adding an op changes no other case."""
    for name, o in MANIFEST.items():
        if o["family"] == "reduce" or o["api"] != "generated" or not o["grad"] or name in FROZEN_UNARY or name in FROZEN_BINARY:
            continue
        gen.manual_seed(SEED + zlib.crc32(name.encode()))
        if o["family"] == "unary":
            for v in VIEWS:
                case(f"unary/{name}/3x4_{vtag(v)}", "unary", {"fn": name}, [F([3, 4], o["grad_domain"][0], v)], torch_fn(name))
            case(f"unary/{name}/scalar", "unary", {"fn": name}, [F([], o["grad_domain"][0])], torch_fn(name))
        else:
            binary_op(name, torch_fn(name), *o["grad_domain"])


def main():
    elementwise()
    reductions()
    linalg()
    views()
    indexing()
    edge_cases()
    noncontig_grads()
    large_cases()
    appended_ops()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "seed": SEED, "cases": CASES}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(CASES)} cases -> {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
