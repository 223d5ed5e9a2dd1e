# PyTorch (Debian python3-torch, CPU, 1 thread) trains an nn.LSTM on a synthetic sequence batch
# (forward, mean-square loss, backward, SGD step); prints RESULT.
import sys
import torch
from torch_train import run
from torch import nn

steps, seq, batch, inp, hidden = (int(v) for v in sys.argv[1:6])
torch.set_num_threads(1)
torch.manual_seed(0)
lstm = nn.LSTM(inp, hidden)
x = torch.randn(seq, batch, inp)
def loss_of():
    out, _ = lstm(x)
    return out.square().mean()

run(loss_of, lstm.parameters(), steps, batch, warmup=3, lr=0.01)
