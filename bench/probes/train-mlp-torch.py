# PyTorch (Debian python3-torch, CPU) trains the 784-256-10 ReLU MLP with SGD on synthetic
# batches with torch.set_num_threads(threads) (default 1); prints RESULT {samplesPerSec}.
# Usage: train-mlp-torch.py steps batch [threads]
import json, sys, time
import torch
from torch import nn

steps, batch = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
xs = torch.randn(batch, 784)
ys = torch.randint(0, 10, (batch,))
def step():
    loss = loss_fn(model(xs), ys)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()
for _ in range(10): step()
t0 = time.perf_counter()
for _ in range(steps): last = step()
sec = time.perf_counter() - t0
print("RESULT " + json.dumps({"samplesPerSec": steps * batch / sec, "finalLoss": last, "threads": torch.get_num_threads(), "torch": torch.__version__}))
