"""Writes tests/fixtures/dtypes.safetensors with real PyTorch: for every pair of dtypes
(bool, uint8, int8, int32, int64, float16, float32, float64) a source tensor of edge values
"src.S.D" and torch's cast of it, "cast.S.D" = src.to(D). Float→integer casts use only values
whose truncation fits the target (torch leaves the rest undefined); everything else gets the
full edge set: wrap-around integers, float16 halfway cases, subnormals, ±0, ±inf, NaN.
Read by tests/dtypes.test.ts (casts and a bit-exact safetensors round trip)."""
import math
import os

import torch

from safetensors_io import write_safetensors

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "dtypes.safetensors")

NAMES = {"bool": torch.bool, "uint8": torch.uint8, "int8": torch.int8, "int32": torch.int32, "int64": torch.int64,
         "float16": torch.float16, "float32": torch.float32, "float64": torch.float64}
INTS = {"uint8", "int8", "int32", "int64"}
FLOATS = {"float16", "float32", "float64"}

FLOAT_EDGES = [0.0, -0.0, 1.0, -1.0, 1.5, -1.5, 2.7, -2.7, 0.5, -0.5, 127.9, -128.9, 255.5, 300.25, 65504.0, 65519.0,
               65520.0, 1e5, 2 ** -14, 2 ** -24, 2 ** -25, 1.5 * 2 ** -25, 3e-8, 1e-40, 1 + 2 ** -11, 1 + 3 * 2 ** -11,
               1 + 2 ** -24, 16777217.0, 2.0 ** 31 + 0.5, 1e300, -1e300, 1e-310, math.inf, -math.inf, math.nan]
INT_EDGES = {
    "bool": [0, 1, 1, 0],
    "uint8": [0, 1, 2, 127, 128, 200, 255],
    "int8": [0, 1, -1, 127, -128, 100, -100],
    "int32": [0, 1, -1, 255, 256, -129, 65504, 65520, 16777217, 2 ** 31 - 1, -2 ** 31],
    "int64": [0, 1, -1, 300, -129, 2 ** 31, -2 ** 31 - 1, 2 ** 40 + 5, -2 ** 40 - 3, 2 ** 53 + 1, 2 ** 63 - 1, -2 ** 63],
}
INT_RANGE = {"uint8": (0, 255), "int8": (-128, 127), "int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}


def source(s, d):
    if s in FLOATS:
        t = torch.tensor(FLOAT_EDGES, dtype=torch.float64).to(NAMES[s])
        if d in INTS:
            lo, hi = INT_RANGE[d]
            v = t.double()
            keep = torch.isfinite(v) & (v.trunc() >= lo) & (v.trunc() <= hi) & (v.abs() < 2 ** 62)
            t = t[keep]
        return t
    return torch.tensor(INT_EDGES[s], dtype=torch.int64).to(NAMES[s])


tensors = {}
for s in NAMES:
    for d in NAMES:
        src = source(s, d)
        tensors[f"src.{s}.{d}"] = src
        tensors[f"cast.{s}.{d}"] = src.to(NAMES[d])
write_safetensors(OUT, tensors, {"format": "pt", "source": "scripts/gen_dtype_fixtures.py", "torch": torch.__version__})
print(f"wrote {OUT}: {len(tensors)} tensors")
