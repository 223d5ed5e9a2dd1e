"""Writes tests/fixtures/tinyvgg.safetensors with real PyTorch: a seeded TinyVGG's state_dict
(PyTorch key names) plus a batch of inputs ("__input") and the logits PyTorch computes for them
("__logits"). Written with struct and json only (Debian has no safetensors package), exactly as
the format specifies: u64 little-endian header length, JSON header, raw little-endian data."""
import json
import os
import struct

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tinyvgg.safetensors")


class TinyVGG(nn.Module):
    def __init__(self):
        super().__init__()
        conv = lambda i, o: nn.Conv2d(i, o, 3, stride=1, padding=1)
        self.block1 = nn.Sequential(conv(1, 10), nn.ReLU(), conv(10, 10), nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(conv(10, 10), nn.ReLU(), conv(10, 10), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(490, 10))

    def forward(self, x):
        return self.classifier(self.block2(self.block1(x)))


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset, blobs = 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":"))
    head += " " * ((8 - (len(head) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head.encode())
        for b in blobs:
            f.write(b)


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
