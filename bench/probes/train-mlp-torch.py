# PyTorch (Debian python3-torch, CPU) trains the 784-256-10 ReLU MLP with SGD on synthetic
# batches with torch.set_num_threads(threads) (default 1); prints RESULT {samplesPerSec}.
# Usage: train-mlp-torch.py steps batch [threads]
import sys
import torch
from torch_train import run
from torch import nn

steps, batch = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
loss_fn = nn.CrossEntropyLoss()
xs = torch.randn(batch, 784)
ys = torch.randint(0, 10, (batch,))
run(lambda: loss_fn(model(xs), ys), model.parameters(), steps, batch, warmup=10)
