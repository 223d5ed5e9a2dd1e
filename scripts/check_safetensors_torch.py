"""The live PyTorch half of tests/roundtrip-pytorch.test.ts, both directions in one run:

  (a) Kindling -> PyTorch: reads the TinyVGG Kindling saved (struct + json only), checks every
      dtype is F32, loads it into the same architecture with strict=True (key names must match
      exactly) and computes logits for the test images.
  (b) PyTorch -> Kindling: trains a TinyVGG a few steps on the training images given, writes its
      state_dict as safetensors and its logits for the test images, for Kindling to reproduce.

usage: check_safetensors_torch.py KINDLING_MODEL INPUTS OUT_DIR [STEPS]
  INPUTS holds x [N,1,28,28] F32 (test images), train_x [M,1,28,28] F32 and train_y [M] I32.
  Writes OUT_DIR/torch_model.safetensors and OUT_DIR/torch_logits.safetensors
  (logits_of_kindling_model, logits_of_torch_model); prints a JSON summary on stdout."""
import json
import os
import sys

import torch
from torch import nn

from safetensors_io import read_safetensors, write_safetensors
from torch_models import TinyVGG


def main(kindling_model, inputs, out_dir, steps=30):
    torch.set_num_threads(1)  # a shared 2-core CI box; also keeps the numbers reproducible
    data, _, _ = read_safetensors(inputs)
    x = data["x"]

    # (a) Kindling's file into PyTorch
    sd, dtypes, meta = read_safetensors(kindling_model)
    wrong = {k: d for k, d in dtypes.items() if d != "F32"}
    if wrong:
        sys.exit(f"Kindling's file has non-F32 tensors: {wrong}")
    model = TinyVGG().eval()
    model.load_state_dict(sd, strict=True)  # raises on a missing, unexpected or misshapen key
    with torch.no_grad():
        logits_a = model(x)

    # (b) a TinyVGG trained in PyTorch, for Kindling to load
    torch.manual_seed(0)
    net = TinyVGG()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    tx, ty = data["train_x"], data["train_y"].long()
    losses = []
    for i in range(steps):
        xb, yb = tx[32 * i : 32 * (i + 1)], ty[32 * i : 32 * (i + 1)]
        loss = loss_fn(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    net.eval()
    with torch.no_grad():
        logits_b = net(x)
    write_safetensors(os.path.join(out_dir, "torch_model.safetensors"), net.state_dict(),
                      {"format": "pt", "source": "scripts/check_safetensors_torch.py", "torch": torch.__version__})
    write_safetensors(os.path.join(out_dir, "torch_logits.safetensors"),
                      {"logits_of_kindling_model": logits_a, "logits_of_torch_model": logits_b}, {})
    print(json.dumps({
        "kindling_keys": list(sd), "kindling_dtypes": dtypes, "kindling_metadata": meta,
        "torch_keys": list(net.state_dict()), "torch_dtypes": {k: str(v.dtype) for k, v in net.state_dict().items()},
        "torch_losses": losses, "torch": torch.__version__,
    }))


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:4], *(int(a) for a in sys.argv[4:]))
