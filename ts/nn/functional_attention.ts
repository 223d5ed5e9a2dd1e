// Attention in torch.nn.functional's forms: scaled_dot_product_attention (torch 2.x semantics)
// and multi_head_attention_forward (the body of nn.MultiheadAttention, as torch writes it),
// composed of matmul, softmax, where and dropout, so autograd gives their gradients.
//
//   const out = F.scaledDotProductAttention(q, k, v, { isCausal: true });
import { arange, zeros } from "../creation.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";
import { tidy } from "../memory.js";
import { checkOptions, positional, type PositionalArgs } from "../options.js";
import { whereOp, type Tensor } from "../tensor.js";
import { cat } from "../functional.js";
import { dropout, linear } from "./functional.js";
import { pad } from "./functional_cv.js";

const shp = (s: readonly number[]) => `[${s.join(", ")}]`;

function checkDropout(p: unknown, where: string): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`${where}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
  return p;
}

function checkMaskDType(mask: Tensor, what: string): void {
  if (mask.dtype !== "bool" && mask.dtype !== "float32") {
    throw new DTypeError(`only bool and float32 ${what} are supported, got ${mask.dtype}`);
  }
}

/**
 * softmax(q kᵀ · scale + bias) v, with dropout on the weights; returns [output, weights].
 * q is scaled before the product (as torch's MultiheadAttention does; fewer multiplies when
 * the key sequence is longer than the head). bias is additive (-inf where masked). Inside tidy.
 */
function attend(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | null, dropoutP: number, scale: number): [Tensor, Tensor] {
  let scores = q.mul(scale).matmul(k.transpose(-2, -1));
  if (bias) scores = scores.add(bias);
  let weights = scores.softmax(-1);
  if (dropoutP > 0) weights = dropout(weights, dropoutP, true);
  return [weights.matmul(v), weights];
}

/** True when shape broadcasts to target (trailing dims equal or 1, no more dims than target). */
function broadcastsTo(shape: readonly number[], target: readonly number[]): boolean {
  if (shape.length > target.length) return false;
  const off = target.length - shape.length;
  return shape.every((s, i) => s === 1 || s === target[off + i]);
}

/** The batch shape two tensors' leading dims broadcast to, or null. */
function broadcastBatch(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export interface ScaledDotProductAttentionOptions {
  /** Bool (true = take part in attention) or float (added to the scores), broadcastable to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (applied whenever > 0, as torch's). */
  dropoutP?: number;
  /** A lower-triangular (top-left aligned) mask; attnMask must then be unset. */
  isCausal?: boolean;
  /** The factor on q kᵀ; default 1 / √E. */
  scale?: number | null;
}

/**
 * softmax(q kᵀ / √E + mask) v over query [..., L, E], key [..., S, E] and value [..., S, Ev]
 * (batch dims broadcast); returns [..., L, Ev]. torch.nn.functional.scaled_dot_product_attention
 * (torch 2.x): a bool attnMask keeps where true, a float one is added; isCausal masks j > i.
 *   F.scaledDotProductAttention(q, k, v, mask, 0.1)  or  F.scaledDotProductAttention(q, k, v, { isCausal: true })
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor,
  ...args: PositionalArgs<[attnMask: Tensor | null, dropoutP: number, isCausal: boolean], ScaledDotProductAttentionOptions>): Tensor;
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, ...args: unknown[]): Tensor {
  const o = positional("scaledDotProductAttention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None)", args,
    ["attnMask", "dropoutP", "isCausal"], ["attnMask", "dropoutP", "isCausal", "scale"]) as ScaledDotProductAttentionOptions;
  const mask = o.attnMask ?? null;
  const p = checkDropout(o.dropoutP ?? 0, "scaledDotProductAttention");
  for (const [t, n] of [[query, "query"], [key, "key"], [value, "value"]] as const) {
    if (t.dtype !== "float32") throw new DTypeError(`scaledDotProductAttention: expected float32 ${n}, got ${t.dtype}`);
    if (t.ndim < 2) throw new ShapeError(`scaledDotProductAttention: ${n} must have at least 2 dims [..., seq, embed], got ${shp(t.shape)}`);
  }
  const L = query.shape[query.ndim - 2], E = query.shape[query.ndim - 1];
  const S = key.shape[key.ndim - 2];
  if (key.shape[key.ndim - 1] !== E) throw new ShapeError(`scaledDotProductAttention: query's last dim ${E} does not match key's ${key.shape[key.ndim - 1]} (query ${shp(query.shape)}, key ${shp(key.shape)})`);
  if (value.shape[value.ndim - 2] !== S) throw new ShapeError(`scaledDotProductAttention: key and value need the same sequence length, got key ${shp(key.shape)} and value ${shp(value.shape)}`);
  const kvBatch = broadcastBatch(key.shape.slice(0, -2), value.shape.slice(0, -2));
  const batch = kvBatch && broadcastBatch(query.shape.slice(0, -2), kvBatch);
  if (!batch) throw new ShapeError(`scaledDotProductAttention: the batch dims of query ${shp(query.shape)}, key ${shp(key.shape)} and value ${shp(value.shape)} cannot be broadcast`);
  if (mask) {
    if (o.isCausal) throw new ValueError("scaledDotProductAttention: an explicit attnMask must not be set when isCausal is true");
    checkMaskDType(mask, "attn_mask");
    if (!broadcastsTo(mask.shape, [...batch, L, S])) throw new ShapeError(`scaledDotProductAttention: attn_mask of shape ${shp(mask.shape)} cannot be broadcast to the attention scores' shape ${shp([...batch, L, S])}`);
  }
  const scale = o.scale ?? 1 / Math.sqrt(E);
  return tidy(() => {
    let bias: Tensor | null = null;
    // -inf where a query may not look: j > i (causal), or where a bool mask is false
    if (o.isCausal) bias = whereOp(arange(L).unsqueeze(1).lt(arange(S).unsqueeze(0)), -Infinity, 0);
    else if (mask) bias = mask.dtype === "bool" ? whereOp(mask.logicalNot(), -Infinity, 0) : mask;
    return attend(query, key, value, bias, p, scale)[0];
  });
}

export interface MultiHeadAttentionForwardOptions {
  training?: boolean;
  /** [N, S] (or [S] unbatched): bool true = ignore that key, float = added to its scores. */
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: bool true = not allowed to attend, float = added. */
  attnMask?: Tensor | null;
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  averageAttnWeights?: boolean;
}

/** torch's _mha_shape_check: true for batched (3-D) query; errors name the dims expected. */
function mhaShapeCheck(query: Tensor, key: Tensor, value: Tensor, kpm: Tensor | null, mask: Tensor | null, numHeads: number): boolean {
  if (query.ndim === 3) {
    if (key.ndim !== 3 || value.ndim !== 3) throw new ShapeError(`For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
    if (kpm && kpm.ndim !== 2) throw new ShapeError(`For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${kpm.ndim}-D tensor instead`);
    if (mask && mask.ndim !== 2 && mask.ndim !== 3) throw new ShapeError(`For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.ndim}-D tensor instead`);
    return true;
  }
  if (query.ndim === 2) {
    if (key.ndim !== 2 || value.ndim !== 2) throw new ShapeError(`For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
    if (kpm && kpm.ndim !== 1) throw new ShapeError(`For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${kpm.ndim}-D tensor instead`);
    if (mask) {
      if (mask.ndim !== 2 && mask.ndim !== 3) throw new ShapeError(`For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.ndim}-D tensor instead`);
      const want = [numHeads, query.shape[0], key.shape[0]];
      if (mask.ndim === 3 && mask.shape.some((s, i) => s !== want[i])) throw new ShapeError(`Expected \`attn_mask\` shape to be ${shp(want)} but got ${shp(mask.shape)}`);
    }
    return false;
  }
  throw new ShapeError(`query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
}

/** A bool mask (true = masked out) as -inf there and 0 elsewhere; a float mask as it is. Inside tidy. */
function additive(mask: Tensor): Tensor {
  return mask.dtype === "bool" ? whereOp(mask, -Infinity, 0) : mask;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/**
 * Multi-head attention over sequence-first input: query [L, N, E] (or [L, E] unbatched), key
 * [S, N, kdim], value [S, N, vdim]; returns [output [L, N, E], weights or null] with weights
 * [N, L, S] averaged over heads or [N, numHeads, L, S] (torch.nn.functional.multi_head_attention_forward).
 * inProjWeight [3E, E] packs the q, k, v projections unless useSeparateProjWeight gives them apart.
 */
export function multiHeadAttentionForward(
  query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, numHeads: number,
  inProjWeight: Tensor | null, inProjBias: Tensor | null, biasK: Tensor | null, biasV: Tensor | null,
  addZeroAttn: boolean, dropoutP: number, outProjWeight: Tensor, outProjBias: Tensor | null,
  opts: MultiHeadAttentionForwardOptions = {},
): [Tensor, Tensor | null] {
  const o = checkOptions("multiHeadAttentionForward", opts, ["training", "keyPaddingMask", "needWeights", "attnMask",
    "useSeparateProjWeight", "qProjWeight", "kProjWeight", "vProjWeight", "averageAttnWeights"]) ?? {};
  const training = o.training ?? true, needWeights = o.needWeights ?? true, average = o.averageAttnWeights ?? true;
  const kpm0 = o.keyPaddingMask ?? null, mask0 = o.attnMask ?? null;
  checkDropout(dropoutP, "MultiheadAttention");
  const batched = mhaShapeCheck(query, key, value, kpm0, mask0, numHeads);
  for (const [t, n] of [[query, "query"], [key, "key"], [value, "value"]] as const) {
    if (t.dtype !== "float32") throw new DTypeError(`MultiheadAttention: expected float32 ${n}, got ${t.dtype}`);
  }
  const [L, N, E] = batched ? query.shape : [query.shape[0], 1, query.shape[1]];
  const S0 = key.shape[0];
  if (E !== embedDimToCheck) throw new ShapeError(`was expecting embedding dimension of ${embedDimToCheck}, but got ${E}`);
  const hd = Math.floor(E / numHeads);
  if (hd * numHeads !== E) throw new ValueError(`embed_dim ${E} not divisible by num_heads ${numHeads}`);
  if (o.useSeparateProjWeight) {
    if (key.shape[0] !== value.shape[0] || (batched && key.shape[1] !== value.shape[1])) {
      throw new ShapeError(`key's sequence and batch dims ${shp(key.shape.slice(0, batched ? 2 : 1))} do not match value's ${shp(value.shape.slice(0, batched ? 2 : 1))}`);
    }
  } else if (!sameShape(key.shape, value.shape)) {
    throw new ShapeError(`key shape ${shp(key.shape)} does not match value shape ${shp(value.shape)}`);
  }
  if (batched && (key.shape[1] !== N)) throw new ShapeError(`query's batch size ${N} does not match key's ${key.shape[1]} (query ${shp(query.shape)}, key ${shp(key.shape)})`);
  if (mask0) {
    checkMaskDType(mask0, "attn_mask");
    const want = mask0.ndim === 2 ? [L, S0] : [N * numHeads, L, S0];
    if (!sameShape(mask0.shape, want)) throw new ShapeError(`The shape of the ${mask0.ndim}D attn_mask is ${shp(mask0.shape)}, but should be ${shp(want)}.`);
  }
  if (kpm0) {
    checkMaskDType(kpm0, "key_padding_mask");
    const want = batched ? [N, S0] : [S0];
    if (!sameShape(kpm0.shape, want)) throw new ShapeError(`expecting key_padding_mask shape of ${shp(want)}, but got ${shp(kpm0.shape)}`);
  }
  if ((biasK === null) !== (biasV === null)) throw new ValueError("MultiheadAttention: bias_k and bias_v must be given together");

  return tidy(() => {
    // Batched from here on; self-attention keeps one tensor for all three (one packed projection).
    const q0 = batched ? query : query.unsqueeze(1);
    const k0 = key === query ? q0 : batched ? key : key.unsqueeze(1);
    const v0 = value === key ? k0 : batched ? value : value.unsqueeze(1);
    let q: Tensor, k: Tensor, v: Tensor;
    if (!o.useSeparateProjWeight) {
      if (!inProjWeight) throw new ValueError("MultiheadAttention: use_separate_proj_weight is false but in_proj_weight is None");
      if (!sameShape(inProjWeight.shape, [3 * E, E])) throw new ShapeError(`in_proj_weight should be ${shp([3 * E, E])}, got ${shp(inProjWeight.shape)}`);
      [q, k, v] = inProjectionPacked(q0, k0, v0, inProjWeight, inProjBias);
    } else {
      const [wq, wk, wv] = [o.qProjWeight, o.kProjWeight, o.vProjWeight];
      if (!wq || !wk || !wv) throw new ValueError("MultiheadAttention: use_separate_proj_weight is true but q_proj_weight, k_proj_weight or v_proj_weight is None");
      const [bq, bk, bv] = inProjBias ? inProjBias.chunk(3) : [null, null, null];
      q = projection(q0, wq, bq, E, "query", "q_proj_weight");
      k = projection(k0, wk, bk, E, "key", "k_proj_weight");
      v = projection(v0, wv, bv, E, "value", "v_proj_weight");
    }
    // Masks as one additive bias over [N, heads, L, S]; bool and float masks combine by adding
    // (-inf stays -inf). The batch dim is never merged with the heads (as torch's [N·heads, ...]
    // view does), so an ONNX export keeps a dynamic batch.
    let bias = mask0 ? additive(mask0) : null;
    if (bias && bias.ndim === 3) bias = bias.reshape([N, numHeads, L, S0]);
    let kpm = kpm0 ? additive(batched ? kpm0 : kpm0.unsqueeze(0)) : null;
    if (biasK && biasV) {
      k = cat([k, biasK.expand([1, N, E])]);
      v = cat([v, biasV.expand([1, N, E])]);
      if (bias) bias = pad(bias, [0, 1]);
      if (kpm) kpm = pad(kpm, [0, 1]);
    }
    // [seq, N, E] -> [N, heads, seq, head_dim]
    const heads = (t: Tensor) => t.reshape([t.shape[0], N, numHeads, hd]).permute(1, 2, 0, 3);
    [q, k, v] = [heads(q), heads(k), heads(v)];
    if (addZeroAttn) {
      const z = zeros([N, numHeads, 1, hd]);
      k = cat([k, z], 2);
      v = cat([v, z], 2);
      if (bias) bias = pad(bias, [0, 1]);
      if (kpm) kpm = pad(kpm, [0, 1]);
    }
    if (kpm) {
      const perBatch = kpm.reshape([N, 1, 1, k.shape[2]]);
      bias = bias ? bias.add(perBatch) : perBatch;
    }
    const [attn, weights] = attend(q, k, v, bias, training ? dropoutP : 0, 1 / Math.sqrt(hd));
    // [N, heads, L, head_dim] -> [L, N, E]
    let out = linear(attn.permute(2, 0, 1, 3).reshape([L, N, E]), outProjWeight, outProjBias);
    let w: Tensor | null = null;
    if (needWeights) {
      w = average ? weights.sum(1).div(numHeads) : weights;
      if (!batched) w = w.squeeze(0);
    }
    if (!batched) out = out.squeeze(1);
    return [out, w] as [Tensor, Tensor | null];
  });
}

/** torch's _in_projection_packed: one matmul for self-attention, two for a shared key/value. Inside tidy. */
function inProjectionPacked(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | null): [Tensor, Tensor, Tensor] {
  const E = q.shape[q.ndim - 1];
  for (const [t, n] of [[k, "key"], [v, "value"]] as const) {
    if (t.shape[t.ndim - 1] !== E) throw new ShapeError(`MultiheadAttention: ${n}'s embedding dimension ${t.shape[t.ndim - 1]} does not match embed_dim ${E} (give kdim and vdim for other sizes)`);
  }
  if (k === v) {
    if (q === k) {
      const [pq, pk, pv] = linear(q, w, b).chunk(3, -1);
      return [pq, pk, pv];
    }
    const [wq, wkv] = w.split([E, 2 * E]);
    const [bq, bkv] = b ? b.split([E, 2 * E]) : [null, null];
    const [pk, pv] = linear(k, wkv, bkv).chunk(2, -1);
    return [linear(q, wq, bq), pk, pv];
  }
  const [wq, wk, wv] = w.chunk(3);
  const [bq, bk, bv] = b ? b.chunk(3) : [null, null, null];
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

/** One of torch's _in_projection's linears, with its shape check. Inside tidy. */
function projection(x: Tensor, w: Tensor, b: Tensor | null, E: number, what: string, wName: string): Tensor {
  const d = x.shape[x.ndim - 1];
  if (!sameShape(w.shape, [E, d])) throw new ShapeError(`MultiheadAttention: expecting ${wName} of shape ${shp([E, d])} for a ${what} of embedding dimension ${d}, but got ${shp(w.shape)}`);
  return linear(x, w, b);
}
