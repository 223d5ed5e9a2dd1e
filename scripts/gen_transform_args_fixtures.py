#!/usr/bin/python3
"""torchvision 0.14's positional constructor forms of the transforms kd.transforms has: builds
each from positional arguments only and records its attributes (and, for the deterministic
ones, the output on a small image), so tests/transforms-args.test.ts can check that kd reads
the same positions as the same options.

    /usr/bin/python3 scripts/gen_transform_args_fixtures.py

Format: {"torchvision": version, "image": [C, H, W] float values (flat) and "shape",
  "cases": [{"name", "args": positional args, "attrs": {kd attribute name: torchvision's value},
             "output": optional {"values", "shape"} of the transform applied to the image}]}
"""
import json
import os

import torch
import torchvision
import torchvision.transforms as T

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "transforms-args.json")
g = torch.Generator().manual_seed(7)
IMG = torch.rand(2, 5, 6, generator=g)

# (class, positional args, {kd attribute: torchvision attribute}, apply?)
CASES = [
    ("RandomHorizontalFlip", [0.25], {"p": "p"}, False),
    ("RandomVerticalFlip", [1.0], {"p": "p"}, True),
    ("Normalize", [[0.5, 0.25], [0.2, 0.4], True], {"mean": "mean", "std": "std", "inplace": "inplace"}, True),
    ("Resize", [[3, 4], "nearest"], {"size": "size", "interpolation": "interpolation"}, True),
    ("Resize", [4, "bilinear", 7], {"size": "size", "interpolation": "interpolation", "maxSize": "max_size"}, True),
    ("CenterCrop", [[3, 2]], {"size": "size"}, True),
    ("RandomCrop", [4, 2, True, 0.5, "reflect"], {"size": "size", "padding": "padding", "padIfNeeded": "pad_if_needed", "fill": "fill", "paddingMode": "padding_mode"}, False),
    ("Pad", [[1, 2], 0.75], {"fill": "fill", "paddingMode": "padding_mode"}, True),
    ("Pad", [[2, 1, 0, 1], 0, "edge"], {"fill": "fill", "paddingMode": "padding_mode"}, True),
    ("RandomRotation", [30, "bilinear", False, [1, 2], 0.5], {"degrees": "degrees", "interpolation": "interpolation", "center": "center", "fill": "fill"}, False),
]


def plain(v):
    if isinstance(v, (tuple, list)):
        return [plain(x) for x in v]
    if isinstance(v, T.InterpolationMode):
        return v.value
    return v


def main():
    out = {"torchvision": torchvision.__version__, "image": {"values": IMG.flatten().tolist(), "shape": list(IMG.shape)}, "cases": []}
    for name, args, attrs, apply in CASES:
        targs = [T.InterpolationMode(a) if a in ("nearest", "bilinear") else a for a in args]
        t = getattr(T, name)(*targs)
        case = {"name": name, "args": args, "attrs": {k: plain(getattr(t, v)) for k, v in attrs.items()}}
        if apply:
            y = t(IMG.clone())
            case["output"] = {"values": y.flatten().tolist(), "shape": list(y.shape)}
        out["cases"].append(case)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


main()
