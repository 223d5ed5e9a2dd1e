# PyTorch (Debian python3-torch, CPU) trains TinyVGG on synthetic batches with
# torch.set_num_threads(threads) (default 1); prints RESULT. Usage: train-cnn-torch.py steps batch [threads]
import sys
import torch
from torch_train import run
from torch import nn

steps, batch = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
torch.manual_seed(0)
conv = lambda i, o: nn.Conv2d(i, o, 3, stride=1, padding=1)
model = nn.Sequential(conv(1, 10), nn.ReLU(), conv(10, 10), nn.ReLU(), nn.MaxPool2d(2),
                      conv(10, 10), nn.ReLU(), conv(10, 10), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(490, 10))
loss_fn = nn.CrossEntropyLoss()
xs = torch.randn(batch, 1, 28, 28)
ys = torch.randint(0, 10, (batch,))
run(lambda: loss_fn(model(xs), ys), model.parameters(), steps, batch, warmup=3)
