# PyTorch (Debian python3-torch, CPU) trains TinyVGG on synthetic batches with
# torch.set_num_threads(threads) (default 1); prints RESULT. Usage: train-cnn-torch.py steps batch [threads]
import json, sys, time
import torch
from torch import nn

steps, batch = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
torch.manual_seed(0)
conv = lambda i, o: nn.Conv2d(i, o, 3, stride=1, padding=1)
model = nn.Sequential(conv(1, 10), nn.ReLU(), conv(10, 10), nn.ReLU(), nn.MaxPool2d(2),
                      conv(10, 10), nn.ReLU(), conv(10, 10), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(490, 10))
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
xs = torch.randn(batch, 1, 28, 28)
ys = torch.randint(0, 10, (batch,))
def step():
    loss = loss_fn(model(xs), ys)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()
for _ in range(3): step()
t0 = time.perf_counter()
for _ in range(steps): last = step()
sec = time.perf_counter() - t0
print("RESULT " + json.dumps({"samplesPerSec": steps * batch / sec, "finalLoss": last, "threads": torch.get_num_threads(), "torch": torch.__version__}))
