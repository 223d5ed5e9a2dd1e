"""Fixtures for kd.summary and kd.tensorboard (tests/fixtures/summary.json).

summary: torchinfo is not packaged for Debian, so the reference numbers come from torch itself:
per-module parameter counts (trainable or not) and output shapes captured with forward hooks on a
zeros input, for TinyVGG and an MLP (one layer frozen). The totals use torchinfo 1.x's formulas
(params * 4 bytes, outputs of parametrised leaves * 4 bytes * 2 for gradients, mult-adds: conv
weight/bias numel * N*H*W, other layers numel * N).

histogram: torch.utils.tensorboard's own make_histogram and SummaryWriter.default_bins code. The
tensorboard package is not installed, so its proto modules are replaced by a stand-in that records
the fields torch passes; the numpy histogram and the trimming are torch's code, not a copy.
"""
import json
import os
import sys
import types

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from torch_models import TinyVGG  # noqa: E402
from torch_tensorboard import default_bins, load_summary  # noqa: E402


class Proto:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def fake_tensorboard():
    names = ["tensorboard", "tensorboard.compat", "tensorboard.compat.proto", "tensorboard.compat.proto.summary_pb2",
             "tensorboard.compat.proto.tensor_pb2", "tensorboard.compat.proto.tensor_shape_pb2", "tensorboard.plugins",
             "tensorboard.plugins.custom_scalar", "tensorboard.plugins.custom_scalar.layout_pb2",
             "tensorboard.plugins.pr_curve", "tensorboard.plugins.pr_curve.plugin_data_pb2", "tensorboard.plugins.text",
             "tensorboard.plugins.text.plugin_data_pb2"]
    for n in names:
        m = types.ModuleType(n)
        for attr in ["HistogramProto", "Summary", "SummaryMetadata", "TensorProto", "TensorShapeProto", "PrCurvePluginData", "TextPluginData"]:
            setattr(m, attr, Proto)
        sys.modules[n] = m
    return load_summary()


def histograms():
    summary = fake_tensorboard()
    bins = default_bins()
    g = torch.Generator().manual_seed(0)
    cases = {
        "normal": torch.randn(1000, generator=g).double().numpy(),
        "mixed": np.array([0.0, 1.0, -2.5, 3.25, 1e-13, 7.0, 7.0, -0.001]),
        "positive": (torch.rand(200, generator=g) * 5 + 1).double().numpy(),
    }
    out = {"n_default_bins": len(bins), "default_bins_first": bins[:3], "default_bins_last": bins[-3:], "cases": {}}
    for name, vals in cases.items():
        h = summary.make_histogram(vals.astype(float), bins)
        out["cases"][name] = {"values": vals.tolist(), "min": float(h.min), "max": float(h.max), "num": int(h.num),
                              "sum": float(h.sum), "sum_squares": float(h.sum_squares),
                              "bucket_limit": [float(x) for x in h.bucket_limit], "bucket": [float(x) for x in h.bucket]}
    h = summary.make_histogram(cases["normal"].astype(float), 10)
    out["cases"]["ten_bins"] = {"values": cases["normal"].tolist(), "bins": 10, "min": float(h.min), "max": float(h.max), "num": int(h.num),
                                "sum": float(h.sum), "sum_squares": float(h.sum_squares),
                                "bucket_limit": [float(x) for x in h.bucket_limit], "bucket": [float(x) for x in h.bucket]}
    return out


def summarize(model, input_shape):
    rows = []
    idx = {}

    def walk(m, name, depth):
        rows_at = len(rows)
        idx[depth] = idx.get(depth, 0) + 1
        rows.append({"name": name, "type": type(m).__name__, "depth": depth, "index": idx[depth] if depth > 0 else None, "module": m})
        for n, c in m.named_children():
            walk(c, n, depth + 1)
        return rows_at

    walk(model, "", 0)
    shapes = {}
    hooks = [r["module"].register_forward_hook(lambda mod, i, o, r=r: shapes.__setitem__(id(r["module"]), list(o.shape))) for r in rows]
    with torch.no_grad():
        model(torch.zeros(input_shape))
    for h in hooks:
        h.remove()
    out_rows, total, trainable, macs, out_bytes = [], 0, 0, 0, 0
    for r in rows:
        m = r["module"]
        own = list(m.named_parameters(recurse=False))
        n_own = sum(p.numel() for _, p in own)
        leaf = len(list(m.children())) == 0
        shape = shapes[id(m)]
        if leaf:
            for pname, p in own:
                if "Conv" in r["type"]:
                    macs += p.numel() * int(np.prod(shape[:1] + shape[2:]))
                else:
                    macs += shape[0] * p.numel()
            if n_own > 0:
                out_bytes += 4 * int(np.prod(shape)) * 2
        out_rows.append({"name": r["name"], "type": r["type"], "depth": r["depth"], "index": r["index"], "output_shape": shape,
                         "params": n_own, "trainable": all(p.requires_grad for _, p in own) if own else None})
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    input_bytes = 4 * int(np.prod(input_shape))
    return {"input_shape": list(input_shape), "rows": out_rows, "total_params": total, "trainable_params": trainable,
            "mult_adds": int(macs), "input_bytes": input_bytes, "output_bytes": out_bytes, "param_bytes": 4 * total}


def main():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    mlp[1].requires_grad_(False)
    fixtures = {
        "summary": {"tinyvgg": summarize(TinyVGG(1, 10, 10), (1, 1, 28, 28)), "mlp_frozen": summarize(mlp, (2, 1, 28, 28))},
        "histogram": histograms(),
    }
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "summary.json")
    with open(path, "w") as f:
        json.dump(fixtures, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
