#!/usr/bin/python3
"""An ONNX file torch.onnx.export writes for a module whose buffers are uint8, int8, int64,
float16 and float64 (tests/fixtures/onnx-dtypes-torch.onnx), with the buffers' bytes and the
output on a fixed input (tests/fixtures/onnx-dtypes-torch.json), for tests/onnx-dtypes.test.ts:
Kindling's import must keep each initializer's dtype and bytes and compute torch's output.

    /usr/bin/python3 scripts/gen_onnx_dtype_fixtures.py

Constant folding is off, so the buffers stay initializers of their own data types (folded,
torch would write their float32 casts instead).
"""
import json
import os

import torch

from fixture_io import enc_float


class Mixed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("u8", torch.tensor([0, 7, 200, 255], dtype=torch.uint8))
        self.register_buffer("i8", torch.tensor([-128, -1, 0, 127], dtype=torch.int8))
        self.register_buffer("i64", torch.tensor([3, 0, 2, 1], dtype=torch.int64))
        self.register_buffer("f16", torch.tensor([0.5, -2, 65504, 1e-7], dtype=torch.float16))
        self.register_buffer("f64", torch.tensor([0.1, -1 / 3, 12345.678901234567, 2.0 ** -1074], dtype=torch.float64))

    def forward(self, x):
        return (x.index_select(1, self.i64) + self.u8.float() + self.i8.float()) * self.f16.float() + self.f64.float()


here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "tests", "fixtures")
m = Mixed().eval()
x = torch.tensor([[0.25, -1.5, 3.0, 0.125], [2.0, 0.5, -0.75, 1.0]])
onnx_path = os.path.join(fixtures, "onnx-dtypes-torch.onnx")
torch.onnx.export(m, (x,), onnx_path, opset_version=13, do_constant_folding=False, input_names=["x"], output_names=["y"])
out = {
    "torch": torch.__version__,
    "buffers": {k: {"dtype": str(v.dtype).replace("torch.", ""), "bytes": list(v.numpy().tobytes())} for k, v in m.named_buffers()},
    "x": [enc_float(v, 9) for v in x.reshape(-1).tolist()],
    "y": [enc_float(v, 9) for v in m(x).reshape(-1).tolist()],
}
with open(os.path.join(fixtures, "onnx-dtypes-torch.json"), "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
print(f"wrote {os.path.normpath(onnx_path)} and its JSON")
