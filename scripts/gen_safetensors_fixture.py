"""Writes tests/fixtures/tinyvgg.safetensors with real PyTorch: a seeded TinyVGG's state_dict
(PyTorch key names) plus a batch of inputs ("__input") and the logits PyTorch computes for them
("__logits"). Written with struct and json only (Debian has no safetensors package), exactly as
the format specifies: u64 little-endian header length, JSON header, raw little-endian data."""
import os

import torch

from safetensors_io import write_safetensors
from torch_models import TinyVGG

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tinyvgg.safetensors")


torch.manual_seed(7)
model = TinyVGG().eval()
x = torch.rand(4, 1, 28, 28)
with torch.no_grad():
    logits = model(x)
tensors = dict(model.state_dict())
tensors["__input"] = x
tensors["__logits"] = logits
write_safetensors(OUT, tensors, {"format": "pt", "source": "scripts/gen_safetensors_fixture.py", "torch": torch.__version__})
print(f"wrote {OUT}: {len(tensors)} tensors")
