"""safetensors read and written with struct and json only (Debian ships no safetensors package),
exactly as the format specifies: a u64 little-endian header length, a JSON header
{name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then raw little-endian data.
Shared by the fixture generator and the PyTorch round-trip check."""
import json
import struct

import numpy as np
import torch

# safetensors dtype name <-> (torch dtype, little-endian numpy dtype)
DTYPES = {
    "F32": (torch.float32, "<f4"),
    "F64": (torch.float64, "<f8"),
    "I32": (torch.int32, "<i4"),
    "I64": (torch.int64, "<i8"),
    "U8": (torch.uint8, "u1"),
    "BOOL": (torch.bool, "?"),
    "I8": (torch.int8, "i1"),
    "F16": (torch.float16, "<f2"),
}
NAME_OF = {t: name for name, (t, _) in DTYPES.items()}


def write_safetensors(path, tensors, metadata):
    """Writes tensors (keys sorted, data 8-byte aligned after the header) with their own dtypes."""
    header = {"__metadata__": metadata}
    offset, blobs = 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        if t.dtype not in NAME_OF:
            raise ValueError(f"{name}: dtype {t.dtype} has no safetensors name here")
        dtype = NAME_OF[t.dtype]
        data = t.numpy().astype(DTYPES[dtype][1]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":"))
    head += " " * ((8 - (len(head) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head.encode())
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Returns (tensors, dtype names, metadata); checks every offset against the file's size."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header of {n} bytes runs past the end of the file")
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    metadata = header.pop("__metadata__", {})
    tensors, dtypes = {}, {}
    for name, e in header.items():
        torch_dtype, np_dtype = DTYPES[e["dtype"]]
        begin, end = e["data_offsets"]
        count = int(np.prod(e["shape"], dtype=np.int64))
        if end > len(data) or end - begin != count * np.dtype(np_dtype).itemsize:
            raise ValueError(f"{path}: tensor {name}: data_offsets {e['data_offsets']} do not fit shape {e['shape']}")
        arr = np.frombuffer(data[begin:end], dtype=np_dtype).reshape(e["shape"]).copy()
        tensors[name] = torch.from_numpy(arr).to(torch_dtype)
        dtypes[name] = e["dtype"]
    return tensors, dtypes, metadata
