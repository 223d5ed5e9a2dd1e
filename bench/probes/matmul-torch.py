# PyTorch (Debian python3-torch, CPU) f32 square matmul GFLOP/s at the sizes given, with
# torch.set_num_threads(threads). Usage: matmul-torch.py N[,N...] threads. Prints RESULT
# {gflops: {N: gflops}, threads, torch}.
import json, sys, time
import torch

sizes = [int(n) for n in sys.argv[1].split(",")]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(threads)
out = {}
for n in sizes:
    a, b = torch.randn(n, n), torch.randn(n, n)
    min_time = 2.0 if n >= 1024 else 0.6
    a @ b
    best = float("inf")
    for _ in range(5):  # best of 5 timed runs, as bench/_harness.mjs bestTime
        k, t0 = 0, time.perf_counter()
        while True:
            a @ b
            k += 1
            t = time.perf_counter() - t0
            if t >= min_time / 5: break
        best = min(best, t / k)
    out[str(n)] = 2 * n ** 3 / best / 1e9
print("RESULT " + json.dumps({"gflops": out, "threads": torch.get_num_threads(), "torch": torch.__version__}))
