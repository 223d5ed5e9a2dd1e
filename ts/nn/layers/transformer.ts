// nn.TransformerEncoderLayer, nn.TransformerEncoder, nn.TransformerDecoderLayer,
// nn.TransformerDecoder and nn.Transformer, as torch.nn has them: the same submodule names
// (self_attn, linear1, dropout, linear2, norm1, ..., layers.0), so state dict keys match
// torch's; the same defaults (dim_feedforward 2048, dropout 0.1, relu, post-norm) and masks.
import { noGrad } from "../../autograd.js";
import { arange } from "../../creation.js";
import { ShapeError, ValueError } from "../../errors.js";
import { tidy } from "../../memory.js";
import { positional, type PositionalArgs } from "../../options.js";
import { whereOp, type Tensor } from "../../tensor.js";
import * as F from "../functional.js";
import * as init from "../init.js";
import { Module } from "../module.js";
import { MultiheadAttention } from "./attention.js";
import { ModuleList } from "./containers.js";
import { Dropout } from "./dropout.js";
import { Linear } from "./linear.js";
import { LayerNorm } from "./normalization.js";

/**
 * The feed-forward activation: torch's "relu" / "gelu" strings, a function, or a module (registered
 * as `activation`; unlike torch's deepcopy, the layer copies of TransformerEncoder share it).
 */
export type Activation = "relu" | "gelu" | ((x: Tensor) => Tensor) | Module;

export interface TransformerLayerOptions {
  /** The feed-forward network's hidden size (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, in and after the feed-forward network (default 0.1). */
  dropout?: number;
  activation?: Activation;
  layerNormEps?: number;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature]. */
  batchFirst?: boolean;
  /** Layer norm before attention and feed-forward (pre-norm) instead of after (post-norm, the default). */
  normFirst?: boolean;
}

type LayerArgs = PositionalArgs<[dimFeedforward: number, dropout: number, activation: Activation, layerNormEps: number, batchFirst: boolean, normFirst: boolean], TransformerLayerOptions>;
const LAYER_ARGS = ["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst"] as const;
const LAYER_SIG = "(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-05, batch_first=False, norm_first=False)";

/** The options with torch's defaults filled in (what a clone is built from). */
function layerOptions(name: string, args: unknown[]): Required<TransformerLayerOptions> {
  const o = positional(name + LAYER_SIG, args, LAYER_ARGS) as TransformerLayerOptions;
  const ff = o.dimFeedforward ?? 2048;
  if (!Number.isInteger(ff) || ff <= 0) throw new ValueError(`${name}: dim_feedforward must be a positive integer, got ${ff}`);
  const act = o.activation ?? "relu";
  if (typeof act === "string" && act !== "relu" && act !== "gelu") throw new ValueError(`activation should be relu/gelu, not ${act}`);
  return { dimFeedforward: ff, dropout: o.dropout ?? 0.1, activation: act, layerNormEps: o.layerNormEps ?? 1e-5, batchFirst: o.batchFirst ?? false, normFirst: o.normFirst ?? false };
}

function activationFn(a: Activation): ((x: Tensor) => Tensor) | Module {
  if (a === "relu") return F.relu;
  if (a === "gelu") return (x: Tensor) => F.gelu(x);
  return a;
}

function applyActivation(a: ((x: Tensor) => Tensor) | Module, x: Tensor): Tensor {
  return a instanceof Module ? a.call(x) : a(x);
}

/** Copies src's parameters, buffers and training mode into dst (the same architecture): torch's deepcopy of a layer. */
function copyState(src: Module, dst: Module): void {
  const into = new Map([...dst.namedParameters(), ...dst.namedBuffers()]);
  noGrad(() => {
    for (const [k, t] of [...src.namedParameters(), ...src.namedBuffers()]) into.get(k)!.copy_(t);
  });
  dst.train(src.training);
}

/** torch's _get_clones: n copies of a layer (the same initial weights), in a ModuleList. */
function clones<T extends Module & { clone(): T }>(layer: T, n: number, what: string): ModuleList<T> {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`${what}: num_layers must be a non-negative integer, got ${n}`);
  return new ModuleList(Array.from({ length: n }, () => layer.clone()));
}

export interface EncoderLayerForwardOptions {
  /** [L, L] or [N·nhead, L, L]: bool true = not allowed to attend; float = added. */
  srcMask?: Tensor | null;
  /** [N, L]: bool true = padding (ignored as a key). */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * Self-attention and a feed-forward network, each with a residual connection and a layer norm
 * (after each, or before with normFirst), as torch.nn.TransformerEncoderLayer.
 *   const layer = new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 128, batchFirst: true });
 */
export class TransformerEncoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly #opts: Required<TransformerLayerOptions>;
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: ((x: Tensor) => Tensor) | Module;

  /** TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-05, batch_first=False, norm_first=False). */
  constructor(dModel: number, nhead: number, ...args: LayerArgs);
  constructor(dModel: number, nhead: number, ...args: unknown[]) {
    super();
    const o = layerOptions("TransformerEncoderLayer", args);
    this.#opts = o;
    this.dModel = dModel;
    this.nhead = nhead;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst });
    this.linear1 = new Linear(dModel, o.dimFeedforward);
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel);
    this.normFirst = o.normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.activation = activationFn(o.activation);
  }

  /** A layer of the same settings and weights (what TransformerEncoder stacks). */
  clone(): TransformerEncoderLayer {
    const c = new TransformerEncoderLayer(this.dModel, this.nhead, { ...this.#opts });
    copyState(this, c);
    return c;
  }

  /** forward(src, src_mask=None, src_key_padding_mask=None). */
  override forward(src: Tensor, ...args: PositionalArgs<[srcMask: Tensor | null, srcKeyPaddingMask: Tensor | null], EncoderLayerForwardOptions>): Tensor;
  override forward(src: Tensor, ...args: unknown[]): Tensor {
    const o = positional("TransformerEncoderLayer.forward(src, src_mask=None, src_key_padding_mask=None)", args, ["srcMask", "srcKeyPaddingMask"]) as EncoderLayerForwardOptions;
    const mask = o.srcMask ?? null, kpm = o.srcKeyPaddingMask ?? null;
    return tidy(() => {
      let x = src;
      if (this.normFirst) {
        x = x.add(this.#saBlock(this.norm1.call(x), mask, kpm));
        x = x.add(this.#ffBlock(this.norm2.call(x)));
      } else {
        x = this.norm1.call(x.add(this.#saBlock(x, mask, kpm)));
        x = this.norm2.call(x.add(this.#ffBlock(x)));
      }
      return x;
    });
  }

  #saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    return this.dropout1.call(this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false })[0]);
  }

  #ffBlock(x: Tensor): Tensor {
    return this.dropout2.call(this.linear2.call(this.dropout.call(applyActivation(this.activation, this.linear1.call(x)))));
  }
}

export interface DecoderLayerForwardOptions {
  /** The target's self-attention mask, [T, T] (e.g. Transformer.generateSquareSubsequentMask(T)). */
  tgtMask?: Tensor | null;
  /** The mask of target-to-memory attention, [T, S]. */
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

const DECODER_FORWARD_ARGS = ["tgtMask", "memoryMask", "tgtKeyPaddingMask", "memoryKeyPaddingMask"] as const;
type DecoderForwardArgs = PositionalArgs<[tgtMask: Tensor | null, memoryMask: Tensor | null, tgtKeyPaddingMask: Tensor | null, memoryKeyPaddingMask: Tensor | null], DecoderLayerForwardOptions>;

/**
 * Self-attention, attention over the encoder's output (memory) and a feed-forward network,
 * each with a residual connection and a layer norm, as torch.nn.TransformerDecoderLayer.
 */
export class TransformerDecoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly #opts: Required<TransformerLayerOptions>;
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  activation: ((x: Tensor) => Tensor) | Module;

  /** TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-05, batch_first=False, norm_first=False). */
  constructor(dModel: number, nhead: number, ...args: LayerArgs);
  constructor(dModel: number, nhead: number, ...args: unknown[]) {
    super();
    const o = layerOptions("TransformerDecoderLayer", args);
    this.#opts = o;
    this.dModel = dModel;
    this.nhead = nhead;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst });
    this.linear1 = new Linear(dModel, o.dimFeedforward);
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel);
    this.normFirst = o.normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm3 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.dropout3 = new Dropout(o.dropout);
    this.activation = activationFn(o.activation);
  }

  /** A layer of the same settings and weights (what TransformerDecoder stacks). */
  clone(): TransformerDecoderLayer {
    const c = new TransformerDecoderLayer(this.dModel, this.nhead, { ...this.#opts });
    copyState(this, c);
    return c;
  }

  /** forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None). */
  override forward(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArgs): Tensor;
  override forward(tgt: Tensor, memory: Tensor, ...args: unknown[]): Tensor {
    const o = positional("TransformerDecoderLayer.forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None)",
      args, DECODER_FORWARD_ARGS) as DecoderLayerForwardOptions;
    const [tm, mm, tk, mk] = [o.tgtMask ?? null, o.memoryMask ?? null, o.tgtKeyPaddingMask ?? null, o.memoryKeyPaddingMask ?? null];
    return tidy(() => {
      let x = tgt;
      if (this.normFirst) {
        x = x.add(this.#saBlock(this.norm1.call(x), tm, tk));
        x = x.add(this.#mhaBlock(this.norm2.call(x), memory, mm, mk));
        x = x.add(this.#ffBlock(this.norm3.call(x)));
      } else {
        x = this.norm1.call(x.add(this.#saBlock(x, tm, tk)));
        x = this.norm2.call(x.add(this.#mhaBlock(x, memory, mm, mk)));
        x = this.norm3.call(x.add(this.#ffBlock(x)));
      }
      return x;
    });
  }

  #saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    return this.dropout1.call(this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false })[0]);
  }

  #mhaBlock(x: Tensor, mem: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    return this.dropout2.call(this.multihead_attn.call(x, mem, mem, { attnMask, keyPaddingMask, needWeights: false })[0]);
  }

  #ffBlock(x: Tensor): Tensor {
    return this.dropout3.call(this.linear2.call(this.dropout.call(applyActivation(this.activation, this.linear1.call(x)))));
  }
}

export interface EncoderForwardOptions {
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
}

/** numLayers copies of an encoder layer (layers.0, layers.1, ...), then an optional norm (torch.nn.TransformerEncoder). */
export class TransformerEncoder extends Module {
  layers: ModuleList<TransformerEncoderLayer>;
  readonly numLayers: number;
  norm: Module | null;

  /** TransformerEncoder(encoder_layer, num_layers, norm=None): the layer is copied, with its weights, numLayers times. */
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, ...args: PositionalArgs<[norm: Module | null], { norm?: Module | null }>);
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, ...args: unknown[]) {
    super();
    const o = positional("TransformerEncoder(encoder_layer, num_layers, norm=None)", args, ["norm"]) as { norm?: Module | null };
    if (!(encoderLayer instanceof TransformerEncoderLayer)) throw new ValueError(`TransformerEncoder: expected a TransformerEncoderLayer, got ${(encoderLayer as object)?.constructor?.name ?? typeof encoderLayer}`);
    this.layers = clones(encoderLayer, numLayers, "TransformerEncoder");
    this.numLayers = numLayers;
    this.norm = o.norm ?? null;
  }

  /** forward(src, mask=None, src_key_padding_mask=None). */
  override forward(src: Tensor, ...args: PositionalArgs<[mask: Tensor | null, srcKeyPaddingMask: Tensor | null], EncoderForwardOptions>): Tensor;
  override forward(src: Tensor, ...args: unknown[]): Tensor {
    const o = positional("TransformerEncoder.forward(src, mask=None, src_key_padding_mask=None)", args, ["mask", "srcKeyPaddingMask"]) as EncoderForwardOptions;
    return tidy(() => {
      let x = src;
      for (const layer of this.layers) x = layer.call(x, { srcMask: o.mask, srcKeyPaddingMask: o.srcKeyPaddingMask });
      return this.norm ? this.norm.call(x) : x === src ? src.view(src.shape) : x;
    });
  }
}

/** numLayers copies of a decoder layer (layers.0, ...), then an optional norm (torch.nn.TransformerDecoder). */
export class TransformerDecoder extends Module {
  layers: ModuleList<TransformerDecoderLayer>;
  readonly numLayers: number;
  norm: Module | null;

  /** TransformerDecoder(decoder_layer, num_layers, norm=None): the layer is copied, with its weights, numLayers times. */
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, ...args: PositionalArgs<[norm: Module | null], { norm?: Module | null }>);
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, ...args: unknown[]) {
    super();
    const o = positional("TransformerDecoder(decoder_layer, num_layers, norm=None)", args, ["norm"]) as { norm?: Module | null };
    if (!(decoderLayer instanceof TransformerDecoderLayer)) throw new ValueError(`TransformerDecoder: expected a TransformerDecoderLayer, got ${(decoderLayer as object)?.constructor?.name ?? typeof decoderLayer}`);
    this.layers = clones(decoderLayer, numLayers, "TransformerDecoder");
    this.numLayers = numLayers;
    this.norm = o.norm ?? null;
  }

  /** forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None). */
  override forward(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArgs): Tensor;
  override forward(tgt: Tensor, memory: Tensor, ...args: unknown[]): Tensor {
    const o = positional("TransformerDecoder.forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None)",
      args, DECODER_FORWARD_ARGS) as DecoderLayerForwardOptions;
    return tidy(() => {
      let x = tgt;
      for (const layer of this.layers) x = layer.call(x, memory, o);
      return this.norm ? this.norm.call(x) : x === tgt ? tgt.view(tgt.shape) : x;
    });
  }
}

export interface TransformerOptions extends TransformerLayerOptions {
  dModel?: number;
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  /** Used instead of the built encoder / decoder. */
  customEncoder?: Module | null;
  customDecoder?: Module | null;
}

export interface TransformerForwardOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

const TRANSFORMER_ARGS = ["dModel", "nhead", "numEncoderLayers", "numDecoderLayers", "dimFeedforward", "dropout", "activation",
  "customEncoder", "customDecoder", "layerNormEps", "batchFirst", "normFirst"] as const;

/**
 * The encoder-decoder transformer of "Attention Is All You Need" (torch.nn.Transformer): an
 * encoder and a decoder, each with a final layer norm; every weight matrix Xavier-uniform.
 *   const model = new nn.Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, batchFirst: true });
 *   const out = model.forward(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.size(1)) });
 */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  /** Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048, dropout=0.1, activation=relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-05, batch_first=False, norm_first=False). */
  constructor(...args: PositionalArgs<[dModel: number, nhead: number, numEncoderLayers: number, numDecoderLayers: number, dimFeedforward: number,
    dropout: number, activation: Activation, customEncoder: Module | null, customDecoder: Module | null, layerNormEps: number, batchFirst: boolean, normFirst: boolean], TransformerOptions>);
  constructor(...args: unknown[]) {
    super();
    const o = positional("Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048, dropout=0.1, activation=relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-05, batch_first=False, norm_first=False)",
      args, TRANSFORMER_ARGS) as TransformerOptions;
    const dModel = o.dModel ?? 512, nhead = o.nhead ?? 8;
    const layer: TransformerLayerOptions = {
      dimFeedforward: o.dimFeedforward, dropout: o.dropout, activation: o.activation, layerNormEps: o.layerNormEps, batchFirst: o.batchFirst, normFirst: o.normFirst,
    };
    const eps = o.layerNormEps ?? 1e-5;
    this.encoder = o.customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layer), o.numEncoderLayers ?? 6, new LayerNorm(dModel, { eps }));
    this.decoder = o.customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layer), o.numDecoderLayers ?? 6, new LayerNorm(dModel, { eps }));
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = o.batchFirst ?? false;
    this.resetParameters();
  }

  /** torch's _reset_parameters: Xavier-uniform for every parameter of 2 or more dims. */
  resetParameters(): void {
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform_(p);
  }

  /** forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None). */
  override forward(src: Tensor, tgt: Tensor, ...args: PositionalArgs<[srcMask: Tensor | null, tgtMask: Tensor | null, memoryMask: Tensor | null,
    srcKeyPaddingMask: Tensor | null, tgtKeyPaddingMask: Tensor | null, memoryKeyPaddingMask: Tensor | null], TransformerForwardOptions>): Tensor;
  override forward(src: Tensor, tgt: Tensor, ...args: unknown[]): Tensor {
    const o = positional("Transformer.forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None)",
      args, ["srcMask", "tgtMask", "memoryMask", "srcKeyPaddingMask", "tgtKeyPaddingMask", "memoryKeyPaddingMask"]) as TransformerForwardOptions;
    const batched = src.ndim === 3;
    const b = this.batchFirst ? 0 : 1;
    if (batched && src.shape[b] !== tgt.shape[b]) throw new ShapeError(`the batch number of src and tgt must be equal (src [${src.shape.join(", ")}], tgt [${tgt.shape.join(", ")}], batch_first=${this.batchFirst ? "True" : "False"})`);
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new ShapeError(`the feature number of src and tgt must be equal to d_model (${this.dModel}), got ${src.shape[src.ndim - 1]} and ${tgt.shape[tgt.ndim - 1]}`);
    }
    return tidy(() => {
      const memory = this.encoder.call(src, { mask: o.srcMask, srcKeyPaddingMask: o.srcKeyPaddingMask }) as Tensor;
      return this.decoder.call(tgt, memory, { tgtMask: o.tgtMask, memoryMask: o.memoryMask, tgtKeyPaddingMask: o.tgtKeyPaddingMask, memoryKeyPaddingMask: o.memoryKeyPaddingMask }) as Tensor;
    });
  }

  /** A float [sz, sz] mask: -inf above the diagonal (position i may attend to j <= i), 0 elsewhere. */
  static generateSquareSubsequentMask(sz: number): Tensor {
    if (!Number.isInteger(sz) || sz < 0) throw new ValueError(`generateSquareSubsequentMask: sz must be a non-negative integer, got ${sz}`);
    return tidy(() => whereOp(arange(sz).unsqueeze(1).lt(arange(sz).unsqueeze(0)), -Infinity, 0));
  }
}
