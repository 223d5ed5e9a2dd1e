#!/usr/bin/python3
"""Full backward hooks (register_full_backward_hook, torch 1.13): the order the hooks run in
and the grad_input / grad_output they get, for tests/backward-hooks.test.ts.

    /usr/bin/python3 scripts/gen_backward_hook_fixtures.py

Model: Sequential(Linear(3, 4), Tanh(), Linear(4, 2)) with weights from a seeded generator,
and a two-input module  forward(a, b) = a * b + a.  loss = sum(out * c) for a fixed c.
Format: {"torch", "model": {"w1", "b1", "w2", "b2"} (flat, row-major), "x", "c", "a", "b", "c2",
  "cases": [{"name", "x_requires_grad", "calls": [{"module", "grad_input": [flat or null],
             "grad_output": [flat or null]}] in the order torch called the hooks}]}
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "backward-hooks.json")
g = torch.Generator().manual_seed(11)
r = lambda *s: torch.randn(*s, generator=g)
W1, B1, W2, B2, X, C = r(4, 3), r(4), r(2, 4), r(2), r(5, 3), r(5, 2)
A, B, C2 = r(2, 3), r(2, 3), r(2, 3)
flat = lambda t: None if t is None else t.detach().flatten().tolist()


class MulAdd(torch.nn.Module):
    def forward(self, a, b):
        return a * b + a


def model():
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        m[0].weight.copy_(W1); m[0].bias.copy_(B1); m[2].weight.copy_(W2); m[2].bias.copy_(B2)
    return m


def hooked(mods, calls):
    for name, mod in mods:
        mod.register_full_backward_hook(lambda _m, gi, go, name=name: calls.append(
            {"module": name, "grad_input": [flat(t) for t in gi], "grad_output": [flat(t) for t in go]}))


def main():
    out = {"torch": torch.__version__, "model": {"w1": flat(W1), "b1": flat(B1), "w2": flat(W2), "b2": flat(B2)},
           "x": flat(X), "c": flat(C), "a": flat(A), "b": flat(B), "c2": flat(C2), "cases": []}
    for rg in (False, True):
        m = model()
        calls = []
        hooked([("seq", m), ("fc1", m[0]), ("act", m[1]), ("fc2", m[2])], calls)
        x = X.clone().requires_grad_(rg)
        (m(x) * C).sum().backward()
        out["cases"].append({"name": f"mlp x.requires_grad={rg}", "x_requires_grad": rg, "calls": calls})
    # two inputs, one of which does not require grad
    for brg in (True, False):
        mod = MulAdd()
        calls = []
        hooked([("muladd", mod)], calls)
        a = A.clone().requires_grad_(True)
        b = B.clone().requires_grad_(brg)
        (mod(a, b) * C2).sum().backward()
        out["cases"].append({"name": f"two inputs b.requires_grad={brg}", "b_requires_grad": brg, "calls": calls})
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


main()
