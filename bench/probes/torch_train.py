# The timing loop the PyTorch training probes share: `run(loss_of, params, steps, batch, warmup)`
# trains with SGD (lr 0.1 unless given) for `steps` steps after `warmup`, and prints
# RESULT {samplesPerSec, finalLoss, threads, torch}.
import json, time
import torch


def run(loss_of, params, steps, batch, warmup=3, lr=0.1):
    opt = torch.optim.SGD(params, lr=lr)

    def step():
        loss = loss_of()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup): step()
    t0 = time.perf_counter()
    for _ in range(steps): last = step()
    sec = time.perf_counter() - t0
    print("RESULT " + json.dumps({"samplesPerSec": steps * batch / sec, "finalLoss": last, "threads": torch.get_num_threads(), "torch": torch.__version__}))
