# PyTorch's (Debian python3-torch, CPU, 1 thread) fixed cost of the same small ops, in µs per op
# (reference counting frees each result at once, so "dispose" and "no dispose" are one number).
import json, sys, time
import torch

torch.set_num_threads(1)
a, b = torch.tensor([1., 2., 3., 4.]), torch.tensor([5., 6., 7., 8.])
x16, m = torch.randn(16), torch.randn(2, 2)
cases = {
    "add [4] + [4]": lambda: a + b,
    "relu [16]": lambda: torch.relu(x16),
    "matmul 2x2 @ 2x2": lambda: m @ m,
    "tensor([4]) from JS": lambda: torch.tensor([1., 2., 3., 4.]),
    "sum [16] + item()": lambda: x16.sum().item(),
}
only = sys.argv[1].split(",") if len(sys.argv) > 1 and sys.argv[1] else None
out = {}
for name, run in cases.items():
    if only and not any(name.startswith(o) for o in only): continue
    for _ in range(2000): run()
    best = float("inf")
    for _ in range(25):
        t0 = time.perf_counter()
        for _ in range(500): run()
        best = min(best, (time.perf_counter() - t0) / 500)
    out[name] = {"dispose": best * 1e6, "noDispose": best * 1e6}
print("RESULT " + json.dumps({"torch": torch.__version__, "us": out}))
