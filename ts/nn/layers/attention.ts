// nn.MultiheadAttention, as torch.nn has it: the same parameters under the same state dict keys
// (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias; q_proj_weight, k_proj_weight
// and v_proj_weight when kdim or vdim differ from embed_dim; bias_k and bias_v with
// add_bias_kv), PyTorch's initialisation, defaults and argument order.
import { noGrad } from "../../autograd.js";
import { ValueError } from "../../errors.js";
import { tidy } from "../../memory.js";
import { positional, type PositionalArgs } from "../../options.js";
import type { Tensor } from "../../tensor.js";
import * as F from "../functional.js";
import * as init from "../init.js";
import { Module, type Parameter } from "../module.js";
import { Linear, param } from "./linear.js";

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights, in training mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learnt bias_k and bias_v appended to the key and value sequences. */
  addBiasKv?: boolean;
  /** A zero key and value appended to the sequences. */
  addZeroAttn?: boolean;
  /** The key's embedding size (default embedDim). */
  kdim?: number | null;
  /** The value's embedding size (default embedDim). */
  vdim?: number | null;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature]. */
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S]): bool true = ignore that key; float = added to its scores. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights as well (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: bool true = not allowed to attend; float = added. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  averageAttnWeights?: boolean;
}

/** torch's name for MultiheadAttention's out_proj (a Linear; the subclass exists for quantisation), so reprs match. */
export class NonDynamicallyQuantizableLinear extends Linear {}

const CTOR_ARGS = ["dropout", "bias", "addBiasKv", "addZeroAttn", "kdim", "vdim", "batchFirst"] as const;
const FORWARD_ARGS = ["keyPaddingMask", "needWeights", "attnMask", "averageAttnWeights"] as const;

/**
 * Attention over numHeads heads of embedDim / numHeads features each. forward(query, key,
 * value) returns [output, weights]: output [L, N, E] ([N, L, E] with batchFirst, [L, E]
 * unbatched); weights [N, L, S] (averaged over heads), [N, numHeads, L, S], or null when
 * needWeights is false.
 *   const mha = new nn.MultiheadAttention(64, 8, { batchFirst: true });
 *   const [out, w] = mha.forward(x, x, x, { keyPaddingMask: pad });
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  /** True when key and value have embedDim features (one packed in_proj_weight). */
  readonly qkvSameEmbedDim: boolean;
  // Parameters under torch's names (the state dict keys), in torch's registration order.
  in_proj_weight: Parameter | null = null;
  q_proj_weight: Parameter | null = null;
  k_proj_weight: Parameter | null = null;
  v_proj_weight: Parameter | null = null;
  in_proj_bias: Parameter | null = null;
  bias_k: Parameter | null = null;
  bias_v: Parameter | null = null;
  out_proj: NonDynamicallyQuantizableLinear;

  /** MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None, batch_first=False). */
  constructor(embedDim: number, numHeads: number, ...args: PositionalArgs<[dropout: number, bias: boolean, addBiasKv: boolean, addZeroAttn: boolean, kdim: number | null, vdim: number | null, batchFirst: boolean], MultiheadAttentionOptions>);
  constructor(embedDim: number, numHeads: number, ...args: unknown[]) {
    super();
    const o = positional("MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None, batch_first=False)",
      args, CTOR_ARGS) as MultiheadAttentionOptions;
    const count = (v: unknown, n: string) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new ValueError(`MultiheadAttention: ${n} must be a positive integer, got ${String(v)}`);
      return v;
    };
    this.embedDim = count(embedDim, "embed_dim");
    this.numHeads = count(numHeads, "num_heads");
    this.kdim = o.kdim == null ? embedDim : count(o.kdim, "kdim");
    this.vdim = o.vdim == null ? embedDim : count(o.vdim, "vdim");
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new ValueError(`embed_dim must be divisible by num_heads (embed_dim=${embedDim}, num_heads=${numHeads})`);
    const p = o.dropout ?? 0;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${String(p)}`);
    this.dropout = p;
    this.batchFirst = o.batchFirst ?? false;
    this.addZeroAttn = o.addZeroAttn ?? false;
    const bias = o.bias ?? true;
    if (this.qkvSameEmbedDim) {
      this.in_proj_weight = param([3 * embedDim, embedDim]);
    } else {
      this.q_proj_weight = param([embedDim, embedDim]);
      this.k_proj_weight = param([embedDim, this.kdim]);
      this.v_proj_weight = param([embedDim, this.vdim]);
    }
    if (bias) this.in_proj_bias = param([3 * embedDim]);
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias });
    if (o.addBiasKv) {
      this.bias_k = param([1, 1, embedDim]);
      this.bias_v = param([1, 1, embedDim]);
    }
    this.resetParameters();
  }

  /** torch's _reset_parameters: Xavier-uniform projections, zero biases, Xavier-normal bias_k / bias_v. */
  resetParameters(): void {
    noGrad(() => {
      for (const w of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) if (w) init.xavierUniform_(w);
      if (this.in_proj_bias) {
        init.constant_(this.in_proj_bias, 0);
        init.constant_(this.out_proj.bias!, 0);
      }
      if (this.bias_k) init.xavierNormal_(this.bias_k);
      if (this.bias_v) init.xavierNormal_(this.bias_v);
    });
  }

  /** forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True). */
  override forward(query: Tensor, key: Tensor, value: Tensor,
    ...args: PositionalArgs<[keyPaddingMask: Tensor | null, needWeights: boolean, attnMask: Tensor | null, averageAttnWeights: boolean], MultiheadAttentionForwardOptions>): [Tensor, Tensor | null];
  override forward(query: Tensor, key: Tensor, value: Tensor, ...args: unknown[]): [Tensor, Tensor | null] {
    const o = positional("MultiheadAttention.forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True)",
      args, FORWARD_ARGS) as MultiheadAttentionForwardOptions;
    const batched = query.ndim === 3;
    return tidy(() => {
      let [q, k, v] = [query, key, value];
      if (this.batchFirst && batched) {
        // Transposed to sequence-first, keeping "the same tensor" where it was (self-attention).
        q = query.transpose(1, 0);
        k = key === query ? q : key.transpose(1, 0);
        v = value === key ? k : value === query ? q : value.transpose(1, 0);
      }
      const [out, weights] = F.multiHeadAttentionForward(q, k, v, this.embedDim, this.numHeads,
        this.in_proj_weight, this.in_proj_bias, this.bias_k, this.bias_v, this.addZeroAttn, this.dropout,
        this.out_proj.weight, this.out_proj.bias, {
          training: this.training, keyPaddingMask: o.keyPaddingMask, needWeights: o.needWeights, attnMask: o.attnMask,
          averageAttnWeights: o.averageAttnWeights, useSeparateProjWeight: !this.qkvSameEmbedDim,
          qProjWeight: this.q_proj_weight, kProjWeight: this.k_proj_weight, vProjWeight: this.v_proj_weight,
        });
      return [this.batchFirst && batched ? out.transpose(1, 0) : out, weights] as [Tensor, Tensor | null];
    });
  }
}
