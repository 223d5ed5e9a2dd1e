#!/usr/bin/python3
"""Fixture for kd.training (tests/training-loop.test.ts): the course's going_modular/engine.py
train() run in PyTorch 1.13 on a small fixed problem, writing tests/fixtures/training.json.

    /usr/bin/python3 scripts/gen_training_fixtures.py

The problem: x [40, 1, 6, 6] from a seeded generator, 3 classes (labels from a fixed rule so
there is something to learn), a model Conv2d(1, 4, 3, padding=1) - ReLU - MaxPool2d(2) -
Flatten - Linear(36, 3) with seeded initial weights, SGD(lr=0.1, momentum=0.9), batch 16
(the last batch of each loader is smaller), no shuffling, 3 epochs; the test loader holds 24
other samples. engine.py's numbers: loss and accuracy are means of the per-batch means.

Format: {"torch", "x", "y", "x_test", "y_test", "params": {state_dict key: T}, "lr",
"momentum", "batch_size", "epochs", "history": {"train_loss", "train_acc", "test_loss",
"test_acc"}, "final": {state_dict key: T}}; T is {"values", "shape", "dtype"}.
"""
import json
import os

import torch
from torch import nn

from fixture_io import enc_float

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "training.json")
torch.manual_seed(2024)


def T(t):
    return {"values": [enc_float(v, 9) for v in t.detach().reshape(-1).tolist()], "shape": list(t.shape), "dtype": "float32"}


def make(n, g):
    x = torch.randn(n, 1, 6, 6, generator=g)
    # class from which quadrant is brightest (3 classes: top-left, top-right, bottom)
    q = torch.stack([x[:, 0, :3, :3].mean((1, 2)), x[:, 0, :3, 3:].mean((1, 2)), x[:, 0, 3:, :].mean((1, 2))], 1)
    return x, q.argmax(1)


g = torch.Generator().manual_seed(7)
x, y = make(40, g)
x_test, y_test = make(24, g)
model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 3))
params = {k: T(v) for k, v in model.state_dict().items()}
LR, MOMENTUM, BATCH, EPOCHS = 0.1, 0.9, 16, 3
train_dl = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH, shuffle=False)
test_dl = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_test, y_test), batch_size=BATCH, shuffle=False)
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)


# engine.py's train_step / test_step, as the course writes them
def train_step():
    model.train()
    train_loss, train_acc = 0, 0
    for X, Y in train_dl:
        y_pred = model(X)
        loss = loss_fn(y_pred, Y)
        train_loss += loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
        y_pred_class = torch.argmax(torch.softmax(y_pred, dim=1), dim=1)
        train_acc += (y_pred_class == Y).sum().item() / len(y_pred)
    return train_loss / len(train_dl), train_acc / len(train_dl)


def test_step():
    model.eval()
    test_loss, test_acc = 0, 0
    with torch.inference_mode():
        for X, Y in test_dl:
            logits = model(X)
            test_loss += loss_fn(logits, Y).item()
            test_acc += (logits.argmax(dim=1) == Y).sum().item() / len(logits)
    return test_loss / len(test_dl), test_acc / len(test_dl)


history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
for _ in range(EPOCHS):
    a, b = train_step()
    c, d = test_step()
    for k, v in zip(history, (a, b, c, d)):
        history[k].append(enc_float(v, 9))

out = {"torch": torch.__version__, "x": T(x), "y": y.tolist(), "x_test": T(x_test), "y_test": y_test.tolist(),
       "params": params, "lr": LR, "momentum": MOMENTUM, "batch_size": BATCH, "epochs": EPOCHS,
       "history": history, "final": {k: T(v) for k, v in model.state_dict().items()}}
with open(OUT, "w") as f:
    json.dump(out, f)
    f.write("\n")
print(f"wrote {OUT}: history {history}")
