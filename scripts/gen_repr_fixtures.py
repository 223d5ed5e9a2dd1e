# PyTorch's printed tensors with autograd state (grad_fn=<...>, requires_grad=True), for
# tests/repr.test.ts: each case is computed the same way there and must print the same string.
import json
import os

import torch

a = torch.tensor([1.0, 2.0], requires_grad=True)
m = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
cases = {
    "leaf": a,
    "plain": torch.tensor([1.0, 2.0]),
    "mul": a * 2,
    "add": a + 1,
    "sub": a - 1,
    "div": a / 2,
    "pow": a ** 2,
    "neg": -a,
    "sum": a.sum(),
    "mean": a.mean(),
    "relu": a.relu(),
    "exp": a.exp(),
    "tanh": a.tanh(),
    "sigmoid": a.sigmoid(),
    "abs": a.abs(),
    "sqrt": a.sqrt(),
    "log": a.log(),
    "softmax": torch.softmax(a, 0),
    "log_softmax": torch.log_softmax(a, 0),
    "view": a.view(2, 1),
    "mm": m @ m,
    "detached": (a * 2).detach(),
    "int": torch.tensor([1, 2], dtype=torch.int32),
}
with torch.no_grad():
    cases["no_grad"] = a * 2
out = {k: repr(v) for k, v in cases.items()}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "repr.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": out}, f, indent=1)
    f.write("\n")
