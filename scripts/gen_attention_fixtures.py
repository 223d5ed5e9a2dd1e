#!/usr/bin/python3
"""Attention fixtures: runs scaled dot product attention, nn.MultiheadAttention, the transformer
layers, nn.Transformer and the course's ViT through real PyTorch (eval mode, so dropout is off)
and writes their inputs, weights, outputs and gradients to tests/fixtures/attention.json, which
tests/attention.test.ts replays through Kindling.

    /usr/bin/python3 scripts/gen_attention_fixtures.py

torch 1.13 has no F.scaled_dot_product_attention: sdpa() below is torch 2.x's documented
reference definition of it, written out.

Format: {"torch": version, "seed": s, "cases": [case, ...]}. A case is
    {"name": unique id, "kind": "sdpa" | "mha" | "encoder_layer" | "decoder_layer" | "encoder" |
        "decoder" | "transformer" | "vit",
     "ctor": {constructor options, camelCase as Kindling takes them},
     "call": {forward options: needWeights, averageAttnWeights, isCausal, scale, same},
     "keys": [state dict keys in torch's order], "state": {key: tensor} (torch's initialised weights),
     "repr": str(module) (some cases),
     "inputs": {name: tensor}, "masks": {name: tensor},
     "out": tensor, "weights": tensor (MultiheadAttention's, when returned),
     "grad_out", "grad_weights": the upstream gradients (loss = sum(out * grad_out) + sum(weights * grad_weights)),
     "grads": {input name: tensor}, "param_grads": {parameter name: tensor}}
A tensor is {"values": flat row-major list, "shape": [...], "dtype": "float32" | "int32" | "bool"}
(bool values as 0 and 1; -inf in float masks as the string "-inf"). Inputs and weights carry 9
significant digits (float32 values exactly), outputs and gradients 8. "same" says which
arguments are one tensor: "qkv" (self-attention: query, key and value are inputs.x), "kv" (key
and value are inputs.memory), absent (query, key and value apart).
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_io import enc_float, enc_tensor

SEED = 20261203
g = torch.Generator().manual_seed(SEED)
CASES = []
NAMES = set()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "attention.json")


def enc(t, digits=8):
    if t.dtype == torch.bool:
        return {"values": [int(v) for v in t.reshape(-1).tolist()], "shape": list(t.shape), "dtype": "bool"}
    return enc_tensor(t, digits)


def exact(t):
    """Inputs and weights: 9 digits, which round-trip float32."""
    return enc(t, 9)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, generator=g) * scale


def bool_mask(*shape, p=0.3, keep_dim=-1):
    """A random bool mask with at least one False (= attend, for MultiheadAttention) along keep_dim's rows."""
    m = torch.rand(*shape, generator=g) < p
    first = [slice(None)] * len(shape)
    first[keep_dim] = 0
    m[tuple(first)] = False
    return m


def sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """torch 2.x's scaled_dot_product_attention, as its documentation defines it."""
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    attn_bias = torch.zeros(L, S, dtype=query.dtype)
    if is_causal:
        assert attn_mask is None
        temp_mask = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        attn_bias = attn_bias.masked_fill(temp_mask.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn_bias = attn_bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            attn_bias = attn_mask + attn_bias
    attn_weight = query @ key.transpose(-2, -1) * scale_factor
    attn_weight = attn_weight + attn_bias
    attn_weight = torch.softmax(attn_weight, dim=-1)
    attn_weight = torch.dropout(attn_weight, dropout_p, train=True)
    return attn_weight @ value


def record(name, kind, inputs, run, ctor=None, call=None, masks=None, module=None, with_repr=False):
    """run(tensors) -> (out, weights or None); inputs require grad; the module's parameters too."""
    assert name not in NAMES, name
    NAMES.add(name)
    masks = masks or {}
    case = {"name": name, "kind": kind, "ctor": ctor or {}, "call": call or {}}
    if module is not None:
        module.eval()
        sd = module.state_dict()
        case["keys"] = list(sd.keys())
        case["state"] = {k: exact(v) for k, v in sd.items()}
        if with_repr:
            case["repr"] = str(module)
    ts = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    out, w = run(ts)
    go = randn(*out.shape)
    loss = (out * go).sum()
    case["inputs"] = {k: exact(v) for k, v in inputs.items()}
    case["masks"] = {k: enc(v, 9) for k, v in masks.items()}
    case["grad_out"] = exact(go)
    if w is not None:
        gw = randn(*w.shape)
        loss = loss + (w * gw).sum()
        case["grad_weights"] = exact(gw)
        case["weights"] = enc(w)
    loss.backward()
    case["out"] = enc(out)
    case["grads"] = {k: enc(t.grad) for k, t in ts.items()}
    if module is not None:
        case["param_grads"] = {k: enc(p.grad) for k, p in module.named_parameters()}
    CASES.append(case)


# ---- scaled dot product attention ------------------------------------------------------------

def sdpa_cases():
    def add(name, q, k, v, mask=None, **kw):
        masks = {"attn_mask": mask} if mask is not None else {}
        record(name, "sdpa", {"query": q, "key": k, "value": v},
               lambda t: (sdpa(t["query"], t["key"], t["value"], attn_mask=mask, **kw), None),
               call={camel(a): b for a, b in kw.items()}, masks=masks)

    add("sdpa_3d", randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 6))
    add("sdpa_4d_bool_mask", randn(2, 2, 3, 4), randn(2, 2, 5, 4), randn(2, 2, 5, 4), mask=~bool_mask(3, 5))
    add("sdpa_float_mask", randn(2, 2, 3, 4), randn(2, 2, 5, 4), randn(2, 2, 5, 3), mask=randn(2, 1, 3, 5))
    add("sdpa_causal_square", randn(2, 4, 4), randn(2, 4, 4), randn(2, 4, 4), is_causal=True)
    add("sdpa_causal_rect", randn(1, 2, 3, 4), randn(1, 2, 5, 4), randn(1, 2, 5, 4), is_causal=True)
    add("sdpa_scale", randn(3, 2, 4), randn(3, 3, 4), randn(3, 3, 2), scale=0.5)
    add("sdpa_broadcast_batch", randn(2, 2, 3, 4), randn(1, 2, 5, 4), randn(1, 2, 5, 4))
    add("sdpa_2d", randn(3, 4), randn(5, 4), randn(5, 2))


def camel(s):
    parts = s.split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


# ---- nn.MultiheadAttention ---------------------------------------------------------------------

def mha_cases():
    E, H, L, S, N = 8, 2, 3, 4, 2

    def add(name, ctor, inputs, same=None, masks=None, need_weights=True, average=True, with_repr=False):
        torch.manual_seed(len(CASES))
        m = nn.MultiheadAttention(E, H, **{k: v for k, v in ctor.items()})
        # non-zero biases, so the gradients and outputs see them
        with torch.no_grad():
            if m.in_proj_bias is not None:
                m.in_proj_bias.copy_(randn(3 * E, scale=0.5))
                m.out_proj.bias.copy_(randn(E, scale=0.5))
        masks = masks or {}

        def run(t):
            if same == "qkv":
                q = k = v = t["x"]
            elif same == "kv":
                q, k, v = t["query"], t["memory"], t["memory"]
            else:
                q, k, v = t["query"], t["key"], t["value"]
            return m(q, k, v, key_padding_mask=masks.get("key_padding_mask"), need_weights=need_weights,
                     attn_mask=masks.get("attn_mask"), average_attn_weights=average)

        call = {"needWeights": need_weights, "averageAttnWeights": average}
        if same:
            call["same"] = same
        record(name, "mha", inputs, run, ctor={"embedDim": E, "numHeads": H, **{camel(k): v for k, v in ctor.items()}}, call=call, masks=masks,
               module=m, with_repr=with_repr)

    add("mha_self", {}, {"x": randn(L, N, E)}, same="qkv", with_repr=True)
    add("mha_self_batch_first_per_head", {"batch_first": True}, {"x": randn(N, L, E)}, same="qkv", average=False)
    add("mha_cross_masks", {}, {"query": randn(L, N, E), "memory": randn(S, N, E)}, same="kv",
        masks={"attn_mask": bool_mask(L, S), "key_padding_mask": bool_mask(N, S)})
    add("mha_separate_float_mask_3d", {"batch_first": True}, {"query": randn(N, L, E), "key": randn(N, S, E), "value": randn(N, S, E)},
        masks={"attn_mask": randn(N * H, L, S)})
    add("mha_kdim_vdim", {"kdim": 5, "vdim": 6, "batch_first": True}, {"query": randn(N, L, E), "key": randn(N, S, 5), "value": randn(N, S, 6)},
        masks={"key_padding_mask": bool_mask(N, S)}, with_repr=True)
    add("mha_kdim_vdim_seq_first_no_weights", {"kdim": 3, "vdim": 3}, {"query": randn(L, N, E), "memory": randn(S, N, 3)}, same="kv", need_weights=False)
    add("mha_no_bias", {"bias": False}, {"query": randn(L, N, E), "key": randn(S, N, E), "value": randn(S, N, E)})
    add("mha_bias_kv_zero_attn", {"add_bias_kv": True, "add_zero_attn": True}, {"query": randn(L, N, E), "memory": randn(S, N, E)}, same="kv",
        masks={"attn_mask": bool_mask(L, S), "key_padding_mask": bool_mask(N, S)}, average=False)
    # a float key padding mask is added to the scores (torch 1.13 and 2.x agree when it comes alone)
    add("mha_float_key_padding", {"batch_first": True}, {"x": randn(N, L, E)}, same="qkv", masks={"key_padding_mask": randn(N, L)})
    add("mha_unbatched", {}, {"query": randn(L, E), "memory": randn(S, E)}, same="kv",
        masks={"attn_mask": bool_mask(H, L, S), "key_padding_mask": bool_mask(S)})
    add("mha_self_need_weights_false", {"batch_first": True}, {"x": randn(N, L, E)}, same="qkv", need_weights=False,
        masks={"attn_mask": nn.Transformer.generate_square_subsequent_mask(L)})


# ---- transformer layers --------------------------------------------------------------------------

D, NH, FF = 8, 2, 16


def layer_ctor(activation="relu", batch_first=False, norm_first=False, eps=1e-5):
    return {"dim_feedforward": FF, "activation": activation, "batch_first": batch_first, "norm_first": norm_first, "layer_norm_eps": eps}


def kd_ctor(c):
    return {"dModel": D, "nhead": NH, **{camel(k): v for k, v in c.items()}}


def encoder_layer_cases():
    L, N = 4, 2
    for i, (act, nf, bf) in enumerate([("relu", False, False), ("gelu", False, True), ("relu", True, True), ("gelu", True, False)]):
        torch.manual_seed(100 + i)
        c = layer_ctor(act, bf, nf, 1e-6 if i == 3 else 1e-5)
        layer = nn.TransformerEncoderLayer(D, NH, **c)
        x = randn(N, L, D) if bf else randn(L, N, D)
        masks = {}
        if i % 2 == 1:
            masks = {"src_mask": nn.Transformer.generate_square_subsequent_mask(L), "src_key_padding_mask": bool_mask(N, L)}
        record(f"encoder_layer_{act}_{'pre' if nf else 'post'}_{'bf' if bf else 'sf'}", "encoder_layer", {"src": x},
               lambda t: (layer(t["src"], src_mask=masks.get("src_mask"), src_key_padding_mask=masks.get("src_key_padding_mask")), None),
               ctor=kd_ctor(c), masks=masks, module=layer, with_repr=i == 0)


def decoder_layer_cases():
    T, S, N = 3, 4, 2
    for i, (act, nf, bf) in enumerate([("relu", False, False), ("gelu", True, True), ("gelu", False, True), ("relu", True, False)]):
        torch.manual_seed(200 + i)
        c = layer_ctor(act, bf, nf)
        layer = nn.TransformerDecoderLayer(D, NH, **c)
        tgt = randn(N, T, D) if bf else randn(T, N, D)
        mem = randn(N, S, D) if bf else randn(S, N, D)
        masks = {"tgt_mask": nn.Transformer.generate_square_subsequent_mask(T)}
        if i % 2 == 1:
            masks.update({"memory_mask": bool_mask(T, S), "tgt_key_padding_mask": bool_mask(N, T), "memory_key_padding_mask": bool_mask(N, S)})

        def run(t, layer=layer, masks=masks):
            return layer(t["tgt"], t["memory"], **masks), None

        record(f"decoder_layer_{act}_{'pre' if nf else 'post'}_{'bf' if bf else 'sf'}", "decoder_layer", {"tgt": tgt, "memory": mem}, run,
               ctor=kd_ctor(c), masks=masks, module=layer, with_repr=i == 0)


def stack_cases():
    torch.manual_seed(300)
    c = layer_ctor("gelu", True, False)
    enc_model = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, **c), 2, nn.LayerNorm(D))
    # different weights per layer (the clones start equal), so a wrong layer order shows
    with torch.no_grad():
        for p in enc_model.layers[1].parameters():
            p.add_(randn(*p.shape, scale=0.1))
    masks = {"src_key_padding_mask": bool_mask(2, 5)}
    record("encoder_2_layers_norm", "encoder", {"src": randn(2, 5, D)},
           lambda t: (enc_model(t["src"], src_key_padding_mask=masks["src_key_padding_mask"]), None),
           ctor={**kd_ctor(c), "numLayers": 2, "norm": True}, masks=masks, module=enc_model, with_repr=True)

    torch.manual_seed(301)
    c = layer_ctor("relu", False, True)
    dec_model = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, NH, **c), 2)
    with torch.no_grad():
        for p in dec_model.layers[0].parameters():
            p.add_(randn(*p.shape, scale=0.1))
    masks = {"tgt_mask": nn.Transformer.generate_square_subsequent_mask(3)}
    record("decoder_2_layers", "decoder", {"tgt": randn(3, 2, D), "memory": randn(4, 2, D)},
           lambda t: (dec_model(t["tgt"], t["memory"], tgt_mask=masks["tgt_mask"]), None),
           ctor={**kd_ctor(c), "numLayers": 2, "norm": False}, masks=masks, module=dec_model)


def transformer_cases():
    for i, (bf, nf) in enumerate([(True, False), (False, True)]):
        torch.manual_seed(400 + i)
        ctor = {"d_model": D, "nhead": NH, "num_encoder_layers": 2, "num_decoder_layers": 1, "dim_feedforward": FF, "batch_first": bf, "norm_first": nf}
        model = nn.Transformer(**ctor)
        S, T, N = 5, 3, 2
        src = randn(N, S, D) if bf else randn(S, N, D)
        tgt = randn(N, T, D) if bf else randn(T, N, D)
        masks = {"tgt_mask": model.generate_square_subsequent_mask(T)}
        if i == 0:
            masks.update({"src_key_padding_mask": bool_mask(N, S), "tgt_key_padding_mask": bool_mask(N, T), "memory_key_padding_mask": bool_mask(N, S)})
        else:
            masks.update({"src_mask": bool_mask(S, S), "memory_mask": bool_mask(T, S)})

        def run(t, model=model, masks=masks):
            return model(t["src"], t["tgt"], **masks), None

        record(f"transformer_{'bf' if bf else 'sf'}_{'pre' if nf else 'post'}", "transformer", {"src": src, "tgt": tgt}, run,
               ctor={camel(k): v for k, v in ctor.items()}, masks=masks, module=model)


# ---- the course's ViT (chapter 08, built on torch's encoder layers) ----------------------------

class PatchEmbedding(nn.Module):
    def __init__(self, in_channels, patch_size, embedding_dim):
        super().__init__()
        self.patcher = nn.Conv2d(in_channels, embedding_dim, kernel_size=patch_size, stride=patch_size, padding=0)
        self.flatten = nn.Flatten(start_dim=2, end_dim=3)

    def forward(self, x):
        return self.flatten(self.patcher(x)).permute(0, 2, 1)


class ViT(nn.Module):
    def __init__(self, image_size, patch_size, in_channels, num_classes, embed_dim, depth, num_heads, mlp_dim, dropout):
        super().__init__()
        num_patches = (image_size // patch_size) ** 2
        self.class_embedding = nn.Parameter(torch.randn(1, 1, embed_dim))
        self.position_embedding = nn.Parameter(torch.randn(1, num_patches + 1, embed_dim))
        self.embedding_dropout = nn.Dropout(dropout)
        self.patch_embedding = PatchEmbedding(in_channels, patch_size, embed_dim)
        layer = nn.TransformerEncoderLayer(embed_dim, num_heads, dim_feedforward=mlp_dim, dropout=dropout, activation="gelu", batch_first=True, norm_first=True)
        self.transformer_encoder = nn.TransformerEncoder(layer, depth)
        self.classifier = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, num_classes))

    def forward(self, x):
        class_token = self.class_embedding.expand(x.shape[0], -1, -1)
        x = torch.cat((class_token, self.patch_embedding(x)), dim=1)
        x = self.embedding_dropout(self.position_embedding + x)
        x = self.transformer_encoder(x)
        return self.classifier(x[:, 0])


def vit_cases():
    torch.manual_seed(500)
    opts = {"image_size": 8, "patch_size": 4, "in_channels": 1, "num_classes": 3, "embed_dim": 8, "depth": 2, "num_heads": 2, "mlp_dim": 16, "dropout": 0.1}
    model = ViT(**opts)
    with torch.no_grad():
        for p in model.transformer_encoder.layers[1].parameters():
            p.add_(randn(*p.shape, scale=0.1))
    record("vit_tiny", "vit", {"images": randn(2, 1, 8, 8)}, lambda t: (model(t["images"]), None),
           ctor={camel(k): v for k, v in opts.items()}, module=model)


def mask_cases():
    """nn.Transformer.generate_square_subsequent_mask, as a forward-only case (no gradient)."""
    for n in (1, 4):
        NAMES.add(f"square_subsequent_mask_{n}")
        CASES.append({"name": f"square_subsequent_mask_{n}", "kind": "square_subsequent_mask", "ctor": {"sz": n},
                      "out": enc(nn.Transformer.generate_square_subsequent_mask(n))})


def count_cases():
    """Parameter counts of the layers at torch's defaults (dim_feedforward 2048, bias on)."""
    for name, m in [("TransformerEncoderLayer(512, 8)", nn.TransformerEncoderLayer(512, 8)), ("TransformerDecoderLayer(512, 8)", nn.TransformerDecoderLayer(512, 8)),
                    ("MultiheadAttention(512, 8)", nn.MultiheadAttention(512, 8))]:
        NAMES.add(name)
        CASES.append({"name": name, "kind": "count", "params": sum(p.numel() for p in m.parameters()), "keys": list(m.state_dict().keys())})


def main():
    torch.manual_seed(SEED)
    sdpa_cases()
    mha_cases()
    encoder_layer_cases()
    decoder_layer_cases()
    stack_cases()
    transformer_cases()
    vit_cases()
    mask_cases()
    count_cases()
    doc = {"torch": torch.__version__, "seed": SEED, "cases": CASES}
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    with open(OUT, "w") as f:
        f.write(text)
        f.write("\n")
    print(f"wrote {len(CASES)} cases, {len(text) / 1e3:.0f} kB to {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
