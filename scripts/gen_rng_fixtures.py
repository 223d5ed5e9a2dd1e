#!/usr/bin/python3
"""RNG fixtures: what PyTorch's CPU generator gives after torch.manual_seed(s) for rand, randn,
randint, randperm, uniform_, normal_, bernoulli_, dropout, the default init of nn.Linear /
nn.Conv2d / nn.Embedding, get_rng_state(), torch.Generator draws and DataLoader / random_split
orders, plus scikit-learn's make_circles / make_blobs for a random_state. Written to
tests/fixtures/rng.json, which tests/rng.test.ts checks bit for bit.

    /usr/bin/python3 scripts/gen_rng_fixtures.py     (needs python3-torch and python3-sklearn)

Floats are float32 values written as JSON numbers (each is exactly a double, so they read back
to the same float32 bits); integers as ints; the RNG state as hex. torch's normal_ (16 elements
or more) and uniform_ results depend on the CPU kernel build torch dispatches to: these are
its AVX2 kernels (what x86-64 builds of torch use on AVX2 machines), and the script refuses to
run under any other capability.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split
from sklearn.datasets import make_blobs, make_circles

if "CPU capability usage: AVX2" not in torch.__config__.show():
    raise SystemExit("gen_rng_fixtures: torch must run its AVX2 kernels (ATEN_CPU_CAPABILITY=avx2 on an AVX2 machine)")

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "rng.json")


def floats(t):
    return [float(v) for v in t.detach().to(torch.float32).flatten().tolist()]


def ints(t):
    return [int(v) for v in t.flatten().tolist()]


SIZES = [1, 5, 15, 16, 17, 100, 1000]
SEEDS = [0, 42, 123]
fx = {"torch": torch.__version__, "sklearn": __import__("sklearn").__version__}

torch.manual_seed(42)
fx["rand_3x4_seed42"] = floats(torch.rand(3, 4))

fx["rand"] = []
fx["randn"] = []
for s in SEEDS:
    for n in SIZES:
        torch.manual_seed(s)
        fx["rand"].append({"seed": s, "n": n, "values": floats(torch.rand(n))})
        torch.manual_seed(s)
        fx["randn"].append({"seed": s, "n": n, "values": floats(torch.randn(n))})

# One stream through every factory: the scalar normal path's cached value survives the calls
# in between; randn(20) takes the vectorised path, which neither uses nor clears it.
torch.manual_seed(7)
seq = [("rand", [3], torch.rand(3)), ("randn", [5], torch.randn(5)), ("randint", [0, 10, 7], torch.randint(0, 10, (7,))),
       ("randn", [20], torch.randn(20)), ("randperm", [10], torch.randperm(10)), ("randn", [3], torch.randn(3)),
       ("rand", [2, 2], torch.rand(2, 2))]
fx["sequence"] = [{"fn": f, "args": a, "values": ints(t) if f in ("randint", "randperm") else floats(t)} for f, a, t in seq]

fx["randint"] = []
for s, lo, hi, n in [(0, 0, 10, 50), (1, -5, 7, 20), (2, 0, 2**31 - 1, 8), (3, -2**31, 2**31, 6), (4, 3, 1000003, 10)]:
    torch.manual_seed(s)
    fx["randint"].append({"seed": s, "low": lo, "high": hi, "n": n, "values": ints(torch.randint(lo, hi, (n,)))})

fx["randperm"] = []
for s, n in [(0, 1), (1, 2), (2, 10), (3, 100), (4, 5000)]:
    torch.manual_seed(s)
    fx["randperm"].append({"seed": s, "n": n, "values": ints(torch.randperm(n))})

fx["uniform_"] = []
for s, n, a, b in [(0, 7, -0.3, 0.7), (1, 100, 2.5, 7.1), (2, 50, -1 / 3, 1 / 3)]:
    torch.manual_seed(s)
    fx["uniform_"].append({"seed": s, "n": n, "low": a, "high": b, "values": floats(torch.empty(n).uniform_(a, b))})

fx["normal_"] = []
for s, n, m, sd in [(0, 5, 0.5, 2.0), (1, 16, 0.5, 2.0), (2, 33, -1.0, 0.1), (3, 3, 3.0, 0.5)]:
    torch.manual_seed(s)
    fx["normal_"].append({"seed": s, "n": n, "mean": m, "std": sd, "values": floats(torch.empty(n).normal_(m, sd))})

fx["bernoulli_"] = []
for s, n, p in [(0, 100, 0.3), (1, 17, 0.9)]:
    torch.manual_seed(s)
    fx["bernoulli_"].append({"seed": s, "n": n, "p": p, "values": floats(torch.empty(n).bernoulli_(p))})

x = torch.linspace(-1, 1, 60).reshape(3, 20)
fx["dropout"] = []
for s, p in [(0, 0.5), (1, 0.2), (2, 0.9)]:
    torch.manual_seed(s)
    fx["dropout"].append({"seed": s, "p": p, "input": floats(x), "shape": list(x.shape), "values": floats(F.dropout(x, p, True))})
x4 = torch.linspace(-1, 1, 96).reshape(2, 3, 4, 4)
torch.manual_seed(5)
fx["dropout2d"] = {"seed": 5, "p": 0.5, "input": floats(x4), "shape": list(x4.shape), "values": floats(F.dropout2d(x4, 0.5, True))}

torch.manual_seed(42)
lin = torch.nn.Linear(3, 2)
fx["linear_3_2_seed42"] = {"weight": floats(lin.weight), "bias": floats(lin.bias)}
torch.manual_seed(0)
conv = torch.nn.Conv2d(3, 4, 3)
fx["conv2d_3_4_3_seed0"] = {"weight": floats(conv.weight), "bias": floats(conv.bias)}
torch.manual_seed(1)
mlp = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4))
fx["mlp_seed1"] = {k: floats(v) for k, v in mlp.state_dict().items()}
torch.manual_seed(3)
emb = torch.nn.Embedding(10, 4)
fx["embedding_10_4_seed3"] = floats(emb.weight)

torch.manual_seed(42)
torch.randn(3)  # leaves a cached normal in the state
fx["rng_state_after_seed42_randn3"] = torch.get_rng_state().numpy().tobytes().hex()

g = torch.Generator().manual_seed(7)
fx["generator_seed7"] = {
    "randperm10": ints(torch.randperm(10, generator=g)),
    "randint_0_100": ints(torch.randint(0, 100, (5,), generator=g)),
    "rand_f64": [float(v) for v in torch.rand(3, dtype=torch.float64, generator=g).tolist()],
    "state_after": g.get_state().numpy().tobytes().hex(),
}


def epochs(loader, k=2):
    return [[int(v) for b in loader for v in b[0]] for _ in range(k)]


ds = TensorDataset(torch.arange(10))
fx["dataloader"] = []
for s in [0, 42]:
    torch.manual_seed(s)
    fx["dataloader"].append({"seed": s, "n": 10, "batch": 3, "orders": epochs(DataLoader(ds, batch_size=3, shuffle=True)),
                             "after": floats(torch.rand(2))})
torch.manual_seed(0)
plain = [[int(v) for b in DataLoader(ds, batch_size=4) for v in b[0]] for _ in range(2)]
fx["dataloader_unshuffled"] = {"seed": 0, "n": 10, "batch": 4, "orders": plain, "after": floats(torch.rand(2))}
g = torch.Generator().manual_seed(9)
fx["dataloader_generator9"] = {"n": 10, "batch": 4, "orders": epochs(DataLoader(ds, batch_size=4, shuffle=True, generator=g))}

torch.manual_seed(3)
a, b = random_split(range(10), [7, 3])
fx["random_split_seed3"] = [list(a.indices), list(b.indices)]
a, b = random_split(range(10), [7, 3], generator=torch.Generator().manual_seed(42))
fx["random_split_generator42"] = [list(a.indices), list(b.indices)]


def toy(X, y):
    return {"X": [float(np.float32(v)) for v in X.flatten()], "y": [int(v) for v in y]}


fx["make_circles"] = [
    {"args": {"seed": 0, "nSamples": 20, "noise": 0.05}, **toy(*make_circles(n_samples=20, noise=0.05, random_state=0))},
    {"args": {"seed": 1}, **toy(*make_circles(random_state=1))},
    {"args": {"seed": 2, "nSamples": 7, "factor": 0.5, "shuffle": False}, **toy(*make_circles(n_samples=7, factor=0.5, shuffle=False, random_state=2))},
]
fx["make_blobs"] = [
    {"args": {"seed": 0, "nSamples": 30}, **toy(*make_blobs(n_samples=30, random_state=0))},
    {"args": {"seed": 5, "nSamples": 10, "centers": 4, "nFeatures": 3, "clusterStd": 1.5}, **toy(*make_blobs(n_samples=10, centers=4, n_features=3, cluster_std=1.5, random_state=5))},
    {"args": {"seed": 1}, **toy(*make_blobs(random_state=1))},
]

with open(OUT, "w") as f:
    json.dump(fx, f, separators=(",", ":"))
    f.write("\n")
print("wrote", os.path.normpath(OUT))
