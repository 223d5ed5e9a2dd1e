#!/usr/bin/python3
"""Recurrent-layer fixtures: nn.RNN (tanh, relu), nn.LSTM, nn.GRU over every combination of
num_layers 1/2, bidirectional, batch_first and padded / packed input, plus the projected LSTM,
no bias, unbatched input, no initial state, inter-layer dropout in training mode, one step, the
cells, and the nn.utils.rnn pad/pack helpers, run through real PyTorch. Writes
tests/fixtures/rnn.json, which tests/rnn.test.ts replays through kd.nn.

    /usr/bin/python3 scripts/gen_rnn_fixtures.py

Format: {"torch": version, "cases": [case, ...], "utils": [case, ...]}. A layer case is
    {"name", "module": "RNN"|"LSTM"|"GRU"|"RNNCell"|"LSTMCell"|"GRUCell",
     "args": {constructor options, camelCase as kd.nn takes them}, "seed": torch.manual_seed before
     the module is built (its weights, then any dropout mask, come from it), "train": bool,
     "params": {state_dict key: tensor} (torch's initial weights),
     "input": tensor, "lengths": [..] (packed cases: the padded input is packed with
     enforce_sorted=False), "h0"/"c0": tensors or absent,
     "out": tensor (a packed output's data), "batch_sizes", "sorted_indices" (packed cases),
     "hn"/"cn": tensors, "grad_out"/"grad_hn"/"grad_cn": the weights of the loss
     sum(out * grad_out) + sum(hn * grad_hn) + sum(cn * grad_cn),
     "grads": {"input" | "h0" | "c0" | state_dict key: d loss / d it}}
A tensor is {"values": flat row-major list, "shape": [...], "dtype": "float32"|"int32"}; inputs
carry 7 significant digits (torch is fed exactly those), outputs 8.
"""
import json
import os
import sys

import torch
from torch import nn
from torch.nn.utils import rnn as rnn_utils

from fixture_io import enc_float, enc_tensor

SEED = 20261203
g = torch.Generator().manual_seed(SEED)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "rnn.json")
CASES = []
UTILS = []
NAMES = set()
I, H, T, B = 3, 4, 5, 3
LENGTHS = [3, 5, 1, 5]  # packed cases: unsorted, with a tie (torch's stable sort keeps 1 before 3)


def enc(t, digits=8):
    return enc_tensor(t, digits)


def randn(*shape):
    """Inputs rounded to the 7 digits the fixture stores (torch is fed exactly those)."""
    t = torch.randn(*shape, generator=g)
    return torch.tensor([float(enc_float(v, 7)) for v in t.reshape(-1).tolist()], dtype=torch.float32).reshape(shape)


def build(module, args, seed):
    torch.manual_seed(seed)
    kw = {"num_layers": "numLayers", "bias": "bias", "batch_first": "batchFirst", "dropout": "dropout",
          "bidirectional": "bidirectional", "proj_size": "projSize", "nonlinearity": "nonlinearity"}
    py = {k: args[v] for k, v in kw.items() if v in args}
    return getattr(nn, module)(I, H, **py)


def layer_case(name, module, args, *, packed=False, unbatched=False, hx=True, train=False, steps=T):
    assert name not in NAMES, name
    NAMES.add(name)
    seed = len(NAMES) + 100
    m = build(module, args, seed)
    m.train(train)
    params = {k: v.detach().clone() for k, v in m.state_dict().items()}
    lstm = module == "LSTM"
    dirs = 2 if args.get("bidirectional") else 1
    layers = args.get("numLayers", 1)
    out_h = args.get("projSize", 0) or H
    batch = len(LENGTHS) if packed else B
    bf = args.get("batchFirst", False)
    if unbatched:
        x = randn(steps, I)
    else:
        x = randn(batch, steps, I) if bf else randn(steps, batch, I)
    case = {"name": name, "module": module, "args": args, "seed": seed, "train": train,
            "params": {k: enc(v, 8) for k, v in params.items()}, "input": enc(x, 7)}
    h0 = c0 = None
    if hx:
        hshape = (layers * dirs, out_h) if unbatched else (layers * dirs, batch, out_h)
        h0 = randn(*hshape)
        case["h0"] = enc(h0, 7)
        if lstm:
            c0 = randn(*(hshape[:-1] + (H,)))
            case["c0"] = enc(c0, 7)
    # x and h0 come from `g`, so the global generator is where the weights left it: forward's
    # dropout masks are its next draws, as in Kindling after kd.manualSeed(seed) and the same build
    xi = x.clone().requires_grad_(True)
    h0i = h0.clone().requires_grad_(True) if h0 is not None else None
    c0i = c0.clone().requires_grad_(True) if c0 is not None else None
    inp = xi
    if packed:
        lengths = LENGTHS if steps == T else [min(l, steps) for l in LENGTHS]
        case["lengths"] = lengths
        inp = rnn_utils.pack_padded_sequence(xi, lengths, batch_first=bf, enforce_sorted=False)
    state = None if h0 is None else ((h0i, c0i) if lstm else h0i)
    out, hn = m(inp, state)
    if packed:
        case["batch_sizes"] = enc(out.batch_sizes)
        case["sorted_indices"] = enc(out.sorted_indices)
        padded, plens = rnn_utils.pad_packed_sequence(out, batch_first=bf)
        case["padded_out"] = enc(padded)
        case["padded_lengths"] = enc(plens)
        out = out.data
    cn = None
    if lstm:
        hn, cn = hn
    go, gh = randn(*out.shape), randn(*hn.shape)
    loss = (out * go).sum() + (hn * gh).sum()
    case["out"], case["hn"], case["grad_out"], case["grad_hn"] = enc(out), enc(hn), enc(go, 7), enc(gh, 7)
    if lstm:
        gc = randn(*cn.shape)
        loss = loss + (cn * gc).sum()
        case["cn"], case["grad_cn"] = enc(cn), enc(gc, 7)
    loss.backward()
    grads = {"input": enc(xi.grad)}
    if h0i is not None:
        grads["h0"] = enc(h0i.grad)
    if c0i is not None:
        grads["c0"] = enc(c0i.grad)
    for k, p in m.named_parameters():
        grads[k] = enc(p.grad)
    case["grads"] = grads
    CASES.append(case)


def cell_case(name, module, args, *, unbatched=False, hx=True):
    assert name not in NAMES, name
    NAMES.add(name)
    seed = len(NAMES) + 100
    torch.manual_seed(seed)
    py = {"bias": args.get("bias", True)}
    if "nonlinearity" in args:
        py["nonlinearity"] = args["nonlinearity"]
    m = getattr(nn, module)(I, H, **py)
    lstm = module == "LSTMCell"
    x = randn(I) if unbatched else randn(B, I)
    case = {"name": name, "module": module, "args": args, "seed": seed, "train": True,
            "params": {k: enc(v.detach(), 8) for k, v in m.state_dict().items()}, "input": enc(x, 7)}
    hshape = (H,) if unbatched else (B, H)
    xi = x.clone().requires_grad_(True)
    h0i = c0i = None
    if hx:
        h0 = randn(*hshape)
        case["h0"] = enc(h0, 7)
        h0i = h0.clone().requires_grad_(True)
        if lstm:
            c0 = randn(*hshape)
            case["c0"] = enc(c0, 7)
            c0i = c0.clone().requires_grad_(True)
    out = m(xi, None if h0i is None else ((h0i, c0i) if lstm else h0i))
    if lstm:
        out, cn = out
    go = randn(*out.shape)
    loss = (out * go).sum()
    case["out"], case["grad_out"] = enc(out), enc(go, 7)
    if lstm:
        gc = randn(*cn.shape)
        loss = loss + (cn * gc).sum()
        case["cn"], case["grad_cn"] = enc(cn), enc(gc, 7)
    loss.backward()
    grads = {"input": enc(xi.grad)}
    if h0i is not None:
        grads["h0"] = enc(h0i.grad)
    if c0i is not None:
        grads["c0"] = enc(c0i.grad)
    for k, p in m.named_parameters():
        grads[k] = enc(p.grad)
    case["grads"] = grads
    CASES.append(case)


def layers():
    kinds = [("RNN", {"nonlinearity": "tanh"}, "rnn_tanh"), ("RNN", {"nonlinearity": "relu"}, "rnn_relu"),
             ("LSTM", {}, "lstm"), ("GRU", {}, "gru")]
    for module, extra, tag in kinds:
        for nl in (1, 2):
            for bi in (False, True):
                for bf in (False, True):
                    for packed in (False, True):
                        args = {**extra, "numLayers": nl, "bidirectional": bi, "batchFirst": bf}
                        name = f"{tag}_l{nl}{'_bi' if bi else ''}{'_bf' if bf else ''}{'_packed' if packed else ''}"
                        layer_case(name, module, args, packed=packed)
        layer_case(f"{tag}_nobias_bi", module, {**extra, "bias": False, "bidirectional": True})
        layer_case(f"{tag}_unbatched_l2_bi", module, {**extra, "numLayers": 2, "bidirectional": True}, unbatched=True)
        layer_case(f"{tag}_unbatched_nohx", module, {**extra}, unbatched=True, hx=False)
        layer_case(f"{tag}_nohx_l2_bi", module, {**extra, "numLayers": 2, "bidirectional": True}, hx=False)
        layer_case(f"{tag}_nohx_packed_bi", module, {**extra, "bidirectional": True}, hx=False, packed=True)
        layer_case(f"{tag}_dropout_train_l2", module, {**extra, "numLayers": 2, "dropout": 0.5}, train=True)
        layer_case(f"{tag}_dropout_eval_l2", module, {**extra, "numLayers": 2, "dropout": 0.5}, train=False)
        layer_case(f"{tag}_one_step_bi", module, {**extra, "bidirectional": True}, steps=1)
    for packed in (False, True):
        layer_case(f"lstm_proj_l2_bi{'_packed' if packed else ''}", "LSTM", {"numLayers": 2, "bidirectional": True, "projSize": 2}, packed=packed)
    layer_case("lstm_proj_unbatched", "LSTM", {"projSize": 3}, unbatched=True)


def cells():
    for module, extra, tag in [("RNNCell", {"nonlinearity": "tanh"}, "rnn_cell_tanh"), ("RNNCell", {"nonlinearity": "relu"}, "rnn_cell_relu"),
                               ("LSTMCell", {}, "lstm_cell"), ("GRUCell", {}, "gru_cell")]:
        cell_case(tag, module, extra)
        cell_case(f"{tag}_unbatched", module, extra, unbatched=True)
        cell_case(f"{tag}_nohx", module, extra, hx=False)
        cell_case(f"{tag}_nobias", module, {**extra, "bias": False})


def utils():
    """pad_sequence / pack_sequence / pad_packed_sequence values and the gradient through them."""
    seqs = [randn(3, 2), randn(5, 2), randn(1, 2), randn(5, 2)]
    for bf in (False, True):
        for pv in (0.0, -1.5):
            ins = [s.clone().requires_grad_(True) for s in seqs]
            out = rnn_utils.pad_sequence(ins, batch_first=bf, padding_value=pv)
            go = randn(*out.shape)
            (out * go).sum().backward()
            UTILS.append({"name": f"pad_sequence{'_bf' if bf else ''}_pv{pv}", "fn": "pad_sequence", "args": {"batchFirst": bf, "paddingValue": pv},
                          "sequences": [enc(s, 7) for s in seqs], "out": enc(out), "grad_out": enc(go, 7), "grads": [enc(s.grad) for s in ins]})
    for sorted_ in (False, True):
        ss = sorted(seqs, key=lambda s: -s.shape[0]) if sorted_ else seqs
        ins = [s.clone().requires_grad_(True) for s in ss]
        p = rnn_utils.pack_sequence(ins, enforce_sorted=sorted_)
        go = randn(*p.data.shape)
        (p.data * go).sum().backward()
        case = {"name": f"pack_sequence{'_sorted' if sorted_ else ''}", "fn": "pack_sequence", "args": {"enforceSorted": sorted_},
                "sequences": [enc(s, 7) for s in ss], "out": enc(p.data), "batch_sizes": enc(p.batch_sizes),
                "grad_out": enc(go, 7), "grads": [enc(s.grad) for s in ins]}
        if p.sorted_indices is not None:
            case["sorted_indices"] = enc(p.sorted_indices)
            case["unsorted_indices"] = enc(p.unsorted_indices)
        for bf in (False, True):
            for total in (None, 7):
                padded, lens = rnn_utils.pad_packed_sequence(p, batch_first=bf, padding_value=0.25, total_length=total)
                case[f"padded{'_bf' if bf else ''}{'_t7' if total else ''}"] = enc(padded)
                case["lengths"] = enc(lens)
        UTILS.append(case)


def main():
    layers()
    cells()
    utils()
    doc = {"torch": torch.__version__, "seed": SEED, "cases": CASES, "utils": UTILS}
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    with open(OUT, "w") as f:
        f.write(text)
        f.write("\n")
    print(f"wrote {len(CASES)} layer cases, {len(UTILS)} util cases, {len(text) / 1e3:.0f} kB to {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
