"""Shared by the fixture generators (scripts/gen_*.py): how a number is written to JSON."""
import math


def enc_float(v, digits):
    """v rounded to `digits` significant digits; NaN and infinities as strings, integral
    values as ints (except -0.0, which stays a float so its sign survives)."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    r = float("%.*g" % (digits, v))
    if r == int(r) and abs(r) < 2**53 and not (r == 0 and math.copysign(1, r) < 0):
        return int(r)
    return r


def view_recipe(shape, how):
    """(base shape, recipe) so that the recipe applied to a tensor of the base shape gives
    `shape`, non-contiguous: the one list of view recipes both generators draw from."""
    shape = list(shape)
    if how is None:
        return shape, None
    if how == "T":  # last two dims transposed
        return shape[:-2] + [shape[-1], shape[-2]], [["transpose", -2, -1]]
    if how == "T0":  # first and last dims transposed
        return [shape[-1]] + shape[1:-1] + [shape[0]], [["transpose", 0, -1]]
    if how == "step":  # every other element of a longer last dim, from offset 1
        return shape[:-1] + [shape[-1] * 2 + 1], [["slice", -1, 1, None, 2]]
    if how == "step1d":  # 1-D: every other element of 2n, from offset 1
        return [shape[0] * 2], [["slice", 0, 1, None, 2]]
    if how == "step0":  # every third row, from row 0
        return [shape[0] * 3] + shape[1:], [["slice", 0, 0, None, 3]]
    if how == "step0_from1":  # every third row, from row 1
        return [shape[0] * 3 - 1] + shape[1:], [["slice", 0, 1, None, 3]]
    if how == "expand":  # dim 0 broadcast from size 1
        return [1] + shape[1:], [["expand", shape]]
    if how == "perm":  # 3-D, permuted (2, 0, 1)
        a, b, c = shape
        return [b, c, a], [["permute", [2, 0, 1]]]
    raise ValueError(how)


def apply_view(t, recipe):
    """Applies a view recipe ([["transpose", d0, d1] | ["permute", dims] | ["expand", sizes] |
    ["slice", dim, start, end, step], ...]); the tests replay the same steps in Kindling."""
    for step in recipe or []:
        k = step[0]
        if k == "transpose":
            t = t.transpose(step[1], step[2])
        elif k == "permute":
            t = t.permute(*step[1])
        elif k == "expand":
            t = t.expand(*step[1])
        elif k == "slice":
            dim, s, e, st = step[1:]
            idx = [slice(None)] * t.ndim
            idx[dim] = slice(s, e, st)
            t = t[tuple(idx)]
        else:
            raise ValueError(k)
    return t


def enc_tensor(t, digits):
    """A float32 or integer tensor as {values, shape, dtype} (integers written as int32)."""
    import torch

    t = t.detach().contiguous()
    if t.dtype in (torch.int64, torch.int32):
        return {"values": [int(v) for v in t.reshape(-1).tolist()], "shape": list(t.shape), "dtype": "int32"}
    assert t.dtype == torch.float32, t.dtype
    return {"values": [enc_float(v, digits) for v in t.reshape(-1).tolist()], "shape": list(t.shape), "dtype": "float32"}


def read_manifest():
    """The engine's elementwise op rows, {name: row} in ABI order (tests/fixtures/manifest.json,
    written by scripts/gen-ops.mjs from crates/engine/src/ops/spec.rs): dtype rule, tolerance
    class, input domains for values and gradients, whether the op has a gradient."""
    import json
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "manifest.json")
    with open(path) as f:
        return {o["name"]: o for o in json.load(f)["ops"]}


def torch_fn(name):
    """The torch function of an engine op (torch.<name>, or torch.nn.functional's for the few
    that live only there)."""
    import torch
    return getattr(torch, name, None) or getattr(torch.nn.functional, name)
