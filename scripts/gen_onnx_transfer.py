#!/usr/bin/python3
"""The pretrained model of examples/05-transfer-learning.ts: a small CNN trained with real PyTorch
(torch 1.13, CPU) on FashionMNIST classes 0-4 (T-shirt/top, Trouser, Pullover, Dress, Coat),
exported to ONNX. The example imports it into Kindling, freezes its feature layers and trains a
new head on classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot).

    /usr/bin/python3 scripts/gen_onnx_transfer.py

Reads the IDX files of Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, or
$FASHION_MNIST), trains for 2 epochs (about half a minute on 2 cores), and writes
examples/assets/fmnist-cnn-classes0to4.onnx (about 20 KB; through a temporary file and a rename).
"""
import gzip
import os
import struct
import sys
import time
import warnings

import torch
from torch import nn

ROOT = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "assets", "fmnist-cnn-classes0to4.onnx")
CLASSES = [0, 1, 2, 3, 4]
EPOCHS = 2
SEED = 0
warnings.filterwarnings("ignore")


def read_idx(name):
    """An IDX file (gzipped or not) as a uint8 tensor of its declared shape."""
    path = os.path.join(ROOT, name)
    opener = gzip.open if os.path.exists(path + ".gz") else open
    with opener(path + ".gz" if opener is gzip.open else path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"{name}: not an IDX file of unsigned bytes")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    n = 1
    for s in shape:
        n *= s
    if len(body) != n:
        sys.exit(f"{name}: {len(body)} bytes of data, shape {shape} needs {n}")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(shape)


def load(split):
    images = read_idx(f"{split}-images-idx3-ubyte").float().div(255).unsqueeze(1)
    labels = read_idx(f"{split}-labels-idx1-ubyte").long()
    keep = torch.isin(labels, torch.tensor(CLASSES))
    return images[keep], labels[keep]


class SmallCNN(nn.Module):
    """Two conv blocks (the features: 16 x 7 x 7 = 784 values) and a linear classifier."""

    def __init__(self, classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten())
        self.classifier = nn.Linear(16 * 7 * 7, classes)

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    x_train, y_train = load("train")
    x_test, y_test = load("t10k")
    model = SmallCNN(len(CLASSES))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(x_train))
        for i in range(0, len(perm), 64):
            idx = perm[i:i + 64]
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean().item()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, test accuracy on classes 0-4 {acc:.4f} ({time.time() - start:.0f} s)")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp"
    torch.onnx.export(model, x_test[:1], tmp, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    os.replace(tmp, OUT)
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
