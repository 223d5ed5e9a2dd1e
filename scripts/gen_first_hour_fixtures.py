#!/usr/bin/python3
"""First-hour fixtures: what a PyTorch user types in the first hour (torch.sum / max / hstack /
allclose..., .T, .type(), boolean masks, flip, nonzero, layers built positionally), run
through real PyTorch and written to tests/fixtures/first-hour.json, which
tests/helpers-api.test.ts and tests/positional.test.ts replay through Kindling; and two
files torch.save writes (first-hour-linear.pth, a zip; first-hour-linear-legacy.pt, a bare
pickle), which tests/first-hour-errors.test.ts gives to kd.load.

    /usr/bin/python3 scripts/gen_first_hour_fixtures.py

Format: {"torch": version, "inputs": {name: tensor}, "cases": [case, ...]}. A case is
{"name", "op", "args": [...], "out": tensor | bool | string | {values, indices}}; "args"
name inputs by "$name". Tensors are {"values", "shape", "dtype"} as scripts/fixture_io.py
writes them (bool tensors as int32 0/1 with "bool": true; int64 written as int32).
"""
import json
import os

import torch
import torch.nn as nn

from fixture_io import enc_float, enc_tensor

g = torch.Generator().manual_seed(20261202)


def rounded(*shape):
    """Random values rounded to 3 decimals, so torch and Kindling start from the same floats."""
    return torch.round(torch.randn(*shape, generator=g) * 1000) / 1000


def enc(t):
    if isinstance(t, torch.Tensor):
        if t.dtype == torch.bool:
            e = enc_tensor(t.to(torch.int32), 8)
            e["bool"] = True
            return e
        return enc_tensor(t, 8)
    if isinstance(t, tuple) and hasattr(t, "values"):
        return {"values": enc(t.values), "indices": enc(t.indices)}
    if isinstance(t, float):
        return enc_float(t, 8)
    return t


inputs = {
    "x": rounded(3, 4),
    "y": rounded(4),
    "z": rounded(2, 3, 4),
    "v": rounded(5),
    "w": rounded(5),
    "ints": torch.tensor([[0, 3, 0], [7, 0, -2]], dtype=torch.int32),
    "img": rounded(1, 2, 5, 5),
    "logits": rounded(4, 3),
}
inputs["x"][1, 2] = inputs["x"][1, 0]  # a tie: max/argmax take the first
inputs["close_a"] = torch.tensor([1.0, 2.0, float("inf"), float("nan"), 1e-9, 100.0, float("-inf"), 5.0])
inputs["close_b"] = torch.tensor([1.0 + 1e-6, 2.1, float("inf"), float("nan"), 0.0, 100.0001, float("inf"), float("inf")])
inputs["mask_row"] = torch.tensor([True, False, True, True])
inputs["mask_2d"] = torch.tensor([[True, False, False], [False, True, True]])
inputs["targets"] = torch.tensor([0, 2, 1, 1])
X, Y, Z = inputs["x"], inputs["y"], inputs["z"]

cases = []


def case(name, op, args, out):
    cases.append({"name": name, "op": op, "args": args, "out": enc(out)})


# ---- top-level reductions and helpers (kd.sum ... kd.isclose) -------------------------------
case("sum all", "sum", ["$x"], torch.sum(X))
case("sum dim 1", "sum", ["$x", 1], torch.sum(X, 1))
case("sum dims keepdim", "sum", ["$z", [0, 2], True], torch.sum(Z, [0, 2], True))
case("mean all", "mean", ["$x"], torch.mean(X))
case("mean dim 0 keepdim", "mean", ["$x", 0, True], torch.mean(X, 0, True))
case("max all", "max", ["$x"], torch.max(X))
case("max dim 1", "max", ["$x", 1], torch.max(X, 1))
case("max dim 0 keepdim", "max", ["$x", 0, True], torch.max(X, 0, True))
case("max of two", "max", ["$x", "$y"], torch.max(X, inputs["y"]))
case("min all", "min", ["$x"], torch.min(X))
case("min dim 1", "min", ["$x", 1], torch.min(X, 1))
case("min of two", "min", ["$x", "$y"], torch.min(X, inputs["y"]))
case("argmax all", "argmax", ["$x"], torch.argmax(X))
case("argmax dim 1", "argmax", ["$x", 1], torch.argmax(X, 1))
case("argmax dim 0 keepdim", "argmax", ["$x", 0, True], torch.argmax(X, 0, True))
case("multiply broadcast", "multiply", ["$x", "$y"], torch.multiply(X, inputs["y"]))
case("multiply scalar", "multiply", ["$x", 3], torch.multiply(X, 3))
case("hstack 1-D", "hstack", [["$v", "$w"]], torch.hstack([inputs["v"], inputs["w"]]))
case("hstack 2-D", "hstack", [["$x", "$x"]], torch.hstack([X, X]))
case("vstack 1-D", "vstack", [["$v", "$w"]], torch.vstack([inputs["v"], inputs["w"]]))
case("vstack 2-D", "vstack", [["$x", "$x"]], torch.vstack([X, X]))
case("equal same", "equal", ["$x", "$x"], torch.equal(X, X.clone()))
case("equal other values", "equal", ["$v", "$w"], torch.equal(inputs["v"], inputs["w"]))
case("equal other shape", "equal", ["$x", "$y"], torch.equal(X, inputs["y"]))
A, B = inputs["close_a"], inputs["close_b"]
case("isclose", "isclose", ["$close_a", "$close_b"], torch.isclose(A, B))
case("isclose equal_nan", "isclose", ["$close_a", "$close_b", {"equalNan": True}], torch.isclose(A, B, equal_nan=True))
case("isclose rtol atol", "isclose", ["$close_a", "$close_b", 0.1, 1e-3], torch.isclose(A, B, 0.1, 1e-3))
case("allclose", "allclose", ["$close_a", "$close_b"], torch.allclose(A, B))
case("allclose first two", "allclose", ["$v", "$v"], torch.allclose(inputs["v"], inputs["v"]))
case("allclose loose", "allclose", ["$x", "$x", 0, 1e-3], torch.allclose(X, X + 5e-4, 0, 1e-3))

# ---- functional forms with numbers first (kd.exp(-1), kd.maximum(0, x)) --------------------
case("exp of a number", "exp", [-1], torch.exp(torch.tensor(-1.0)))
case("maximum number first", "maximum", [0, "$x"], torch.maximum(torch.tensor(0.0), X))
case("sub number first", "sub", [1, "$x"], torch.sub(1, X))
case("pow number first", "pow", [2, "$y"], torch.pow(2, inputs["y"]))

# ---- tensor methods ----------------------------------------------------------------------------
case("T 2-D", "T", ["$x"], X.T)
case("T 3-D", "T", ["$z"], Z.permute(2, 1, 0))
case("type float", "type", ["$x"], X.type())
case("type int", "type", ["$ints"], inputs["ints"].type())
case("type bool", "type", ["$mask_row"], inputs["mask_row"].type())
case("type cast to int", "type", ["$x", "torch.IntTensor"], X.type("torch.IntTensor"))
case("type cast to bool", "type", ["$x", "torch.BoolTensor"], X.type("torch.BoolTensor"))
case("get bool mask", "get", ["$x", ["gt", "$x", 0.5]], X[X > 0.5])
case("get 2-D mask on 3-D", "get", ["$z", "$mask_2d"], Z[inputs["mask_2d"]])
case("get all-false mask", "get", ["$x", ["gt", "$x", 100]], X[X > 100])
case("maskedSelect broadcast", "maskedSelect", ["$x", "$mask_row"], torch.masked_select(X, inputs["mask_row"]))
case("maskedSelect same shape", "maskedSelect", ["$x", ["lt", "$x", 0]], torch.masked_select(X, X < 0))
case("flip 0", "flip", ["$x", [0]], torch.flip(X, [0]))
case("flip 0 1", "flip", ["$x", [0, 1]], torch.flip(X, [0, 1]))
case("flip -1 on 3-D", "flip", ["$z", [-1]], torch.flip(Z, [-1]))
case("nonzero", "nonzero", ["$ints"], torch.nonzero(inputs["ints"]))
inputs["v_relu"] = torch.relu(inputs["v"])
case("nonzero 1-D float", "nonzero", ["$v_relu"], torch.nonzero(inputs["v_relu"]))

# ---- layers and losses built positionally: reprs and forward values ------------------------
reprs = {
    "Conv2d(3, 10, 3, 1, 1)": nn.Conv2d(3, 10, 3, 1, 1),
    "Conv2d(2, 4, 3, 2, 0, 2, 2, False)": nn.Conv2d(2, 4, 3, 2, 0, 2, 2, False),
    "ConvTranspose2d(4, 2, 3, 2, 1, 1)": nn.ConvTranspose2d(4, 2, 3, 2, 1, 1),
    "MaxPool2d(2, 1, 1)": nn.MaxPool2d(2, 1, 1),
    "MaxPool2d(3, 2, 1, 1, False, True)": nn.MaxPool2d(3, 2, 1, 1, False, True),
    "AvgPool2d(3, 2, 1)": nn.AvgPool2d(3, 2, 1),
    "Linear(4, 5, False)": nn.Linear(4, 5, False),
    "BatchNorm2d(8, 0.001, 0.2)": nn.BatchNorm2d(8, 0.001, 0.2),
    "BatchNorm1d(3, 1e-05, None, False)": nn.BatchNorm1d(3, 1e-05, None, False),
    "LayerNorm(6, 1e-06, False)": nn.LayerNorm(6, 1e-06, False),
    "GroupNorm(2, 4, 0.001)": nn.GroupNorm(2, 4, 0.001),
    "Embedding(10, 3, 0)": nn.Embedding(10, 3, 0),
    "Dropout(0.3)": nn.Dropout(0.3),
    "Flatten(0, -1)": nn.Flatten(0, -1),
    "LeakyReLU(0.2)": nn.LeakyReLU(0.2),
    "Softmax(1)": nn.Softmax(1),
    "Softplus(2, 10)": nn.Softplus(2, 10),
    "Upsample(None, 2)": nn.Upsample(None, 2),
}
for code, m in reprs.items():
    case("repr " + code, "repr", [code], str(m))

img = inputs["img"]
case("MaxPool2d(2, 1, 1) forward", "layer", ["MaxPool2d(2, 1, 1)", "$img"], nn.MaxPool2d(2, 1, 1)(img))
case("AvgPool2d(3, 2, 1) forward", "layer", ["AvgPool2d(3, 2, 1)", "$img"], nn.AvgPool2d(3, 2, 1)(img))
case("AvgPool2d(3, 2, 1, False, False) forward", "layer", ["AvgPool2d(3, 2, 1, False, False)", "$img"], nn.AvgPool2d(3, 2, 1, False, False)(img))
case("Flatten(0, 1) forward shape", "layer", ["Flatten(0, 1)", "$img"], nn.Flatten(0, 1)(img))
case("LeakyReLU(0.2) forward", "layer", ["LeakyReLU(0.2)", "$x"], nn.LeakyReLU(0.2)(X))
case("Softmax(0) forward", "layer", ["Softmax(0)", "$x"], nn.Softmax(0)(X))
logits, targets = inputs["logits"], inputs["targets"]
wt = torch.tensor([1.0, 2.0, 0.5])
inputs["class_weight"] = wt
case("CrossEntropyLoss(weight, None, 1)", "loss", ["CrossEntropyLoss", ["$class_weight", None, 1], "$logits", "$targets"],
     nn.CrossEntropyLoss(wt, None, 1)(logits, targets))
case("CrossEntropyLoss(None, None, -100, None, 'sum', 0.1)", "loss", ["CrossEntropyLoss", [None, None, -100, None, "sum", 0.1], "$logits", "$targets"],
     nn.CrossEntropyLoss(None, None, -100, None, "sum", 0.1)(logits, targets))
inputs["logp"] = torch.log_softmax(logits, 1)
case("NLLLoss(weight)", "loss", ["NLLLoss", ["$class_weight"], "$logp", "$targets"], nn.NLLLoss(wt)(inputs["logp"], targets))
case("MSELoss(None, None, 'sum')", "loss", ["MSELoss", [None, None, "sum"], "$v", "$w"], nn.MSELoss(None, None, "sum")(inputs["v"], inputs["w"]))
case("HuberLoss('sum', 0.5)", "loss", ["HuberLoss", ["sum", 0.5], "$v", "$w"], nn.HuberLoss("sum", 0.5)(inputs["v"], inputs["w"]))

# ---- files torch.save writes (kd.load must say what they are): a zip, and the legacy pickle ----
torch.manual_seed(0)
lin = nn.Linear(2, 2)
fixtures = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
torch.save(lin.state_dict(), os.path.join(fixtures, "first-hour-linear.pth"))
legacy = os.path.join(fixtures, "first-hour-linear-legacy.pt")
if not os.path.exists(legacy):  # the legacy pickle names storages by memory address: kept once written, so reruns change nothing
    torch.save(lin.state_dict(), legacy, _use_new_zipfile_serialization=False)

out = {"torch": torch.__version__, "inputs": {k: enc(v) for k, v in inputs.items()}, "cases": cases}
path = os.path.join(fixtures, "first-hour.json")
with open(path, "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
