# PyTorch (Debian python3-torch, CPU, 1 thread) trains an nn.LSTM on a synthetic sequence batch
# (forward, mean-square loss, backward, SGD step); prints RESULT.
import json, sys, time
import torch
from torch import nn

steps, seq, batch, inp, hidden = (int(v) for v in sys.argv[1:6])
torch.set_num_threads(1)
torch.manual_seed(0)
lstm = nn.LSTM(inp, hidden)
opt = torch.optim.SGD(lstm.parameters(), lr=0.01)
x = torch.randn(seq, batch, inp)
def step():
    out, _ = lstm(x)
    loss = out.square().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()
for _ in range(3): step()
t0 = time.perf_counter()
for _ in range(steps): last = step()
sec = time.perf_counter() - t0
print("RESULT " + json.dumps({"samplesPerSec": steps * batch / sec, "finalLoss": last, "torch": torch.__version__}))
