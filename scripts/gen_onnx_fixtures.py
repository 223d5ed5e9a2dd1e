#!/usr/bin/python3
"""ONNX import fixtures from real PyTorch: a few small models exported with torch.onnx.export
(torch 1.13), each beside a JSON file with an input, torch's output for it, and torch's
gradients of sum(output * grad_out) for every parameter, which tests/onnx-import.test.ts
replays through kd.onnx.load.

    /usr/bin/python3 scripts/gen_onnx_fixtures.py

Writes tests/fixtures/onnx/<name>.onnx and <name>.json; the JSON is
    {"torch": version, "opset": n, "input": tensor, "output": tensor, "grad_out": tensor,
     "grads": {state dict key: tensor}, "input2": tensor, "output2": tensor (another batch
     size, for the models exported with a dynamic batch axis)}
with tensors as scripts/fixture_io.py's enc_tensor writes them (9 significant digits, so the
float32 values round-trip exactly).
"""
import json
import os
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from fixture_io import enc_tensor

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "onnx")
DIGITS = 9
warnings.filterwarnings("ignore")


class TinyVGG(nn.Module):
    """The course's CNN (examples/04-fashion-mnist.ts)."""

    def __init__(self):
        super().__init__()
        conv = lambda i, o: nn.Conv2d(i, o, 3, stride=1, padding=1)
        self.block1 = nn.Sequential(conv(1, 10), nn.ReLU(), conv(10, 10), nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(conv(10, 10), nn.ReLU(), conv(10, 10), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(490, 10))

    def forward(self, x):
        return self.classifier(self.block2(self.block1(x)))


class ResidualBN(nn.Module):
    """BatchNorm2d, AvgPool2d, AdaptiveAvgPool2d, a residual add and torch's x.view(x.size(0), -1)
    (Shape -> Gather -> Unsqueeze -> Concat -> Reshape in the graph)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AvgPool2d(2))
        self.branch = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        y = self.stem(x)
        y = y + self.branch(y)
        y = self.pool(y)
        y = y.view(y.size(0), -1)
        return F.log_softmax(self.head(y), dim=1)


class Ops(nn.Module):
    """Tensor ops in a custom forward: Sigmoid, Tanh, Sub, Mul, Div, Concat, Reshape, Transpose,
    MatMul, ReduceSum, ReduceMean, Slice, Softmax, Gelu (as Erf), LeakyRelu, Clip, Pow, Sqrt, Exp."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.w = nn.Parameter(torch.randn(6, 4) * 0.5)

    def forward(self, x):
        a = torch.sigmoid(self.fc(x)) * 2.0 - 0.5
        b = torch.tanh(x) / 3.0
        c = torch.cat([a, b], dim=1)
        d = c.reshape(c.size(0), 3, 4).transpose(1, 2)
        e = torch.matmul(x, self.w)
        f = d.sum(dim=2) + e
        g = f[:, 1:3]
        h = torch.softmax(f, dim=1)
        k = F.gelu(g) + F.leaky_relu(g, 0.2) - torch.clamp(g, -0.5, 0.5)
        m = torch.sqrt(f.pow(2) + 1.0) * torch.exp(-f.mean(dim=1, keepdim=True))
        return torch.cat([h, k, m], dim=1)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def randomize_bn(model, g):
    """Running statistics and affine parameters away from their defaults, so eval-mode BN does work."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.2)


def export(name, model, x, x2=None, training=torch.onnx.TrainingMode.EVAL):
    g = torch.Generator().manual_seed(sum(map(ord, name)))
    model.eval()
    path = os.path.join(OUT, f"{name}.onnx")
    dynamic = {"input": {0: "batch"}, "output": {0: "batch"}} if x2 is not None else None
    torch.onnx.export(model, x, path, opset_version=13, training=training, do_constant_folding=True,
                      input_names=["input"], output_names=["output"], dynamic_axes=dynamic)
    out = model(x)
    grad_out = torch.randn(out.shape, generator=g)
    model.zero_grad()
    (out * grad_out).sum().backward()
    case = {
        "torch": torch.__version__, "opset": 13,
        "input": enc_tensor(x, DIGITS), "output": enc_tensor(out, DIGITS), "grad_out": enc_tensor(grad_out, DIGITS),
        "grads": {k: enc_tensor(p.grad, DIGITS) for k, p in model.named_parameters()},
    }
    if x2 is not None:
        with torch.no_grad():
            case["input2"] = enc_tensor(x2, DIGITS)
            case["output2"] = enc_tensor(model(x2), DIGITS)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(case, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and {name}.json")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    export("mlp", mlp(), torch.rand(3, 1, 8, 8, generator=g))
    export("tinyvgg", TinyVGG(), torch.rand(2, 1, 28, 28, generator=g), torch.rand(5, 1, 28, 28, generator=g))
    bn = ResidualBN()
    randomize_bn(bn, g)
    # PRESERVE keeps BatchNormalization as a node (EVAL would fold it into the convolutions)
    export("residual_bn", bn, torch.rand(2, 3, 16, 16, generator=g), torch.rand(3, 3, 16, 16, generator=g),
           training=torch.onnx.TrainingMode.PRESERVE)
    export("ops", Ops(), torch.randn(4, 6, generator=g), torch.randn(7, 6, generator=g))


if __name__ == "__main__":
    main()
