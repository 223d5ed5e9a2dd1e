// nn.Embedding: a lookup table of numEmbeddings rows of embeddingDim, as torch.nn.Embedding
// (weight N(0, 1) with the padding row zeroed; the padding row gets no gradient).
import { noGrad } from "../../autograd.js";
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import * as F from "../functional.js";
import { embeddingPaddingIdx } from "../functional_cv.js";
import * as init from "../init.js";
import { Module, Parameter, pyFloat } from "../module.js";
import { param } from "./linear.js";
import { checkOptions, positional, type PositionalArgs } from "../../options.js";

const EMBEDDING_ARGS = ["paddingIdx", "maxNorm", "normType", "scaleGradByFreq", "sparse", "weight"] as const;

export interface EmbeddingOptions {
  /** This row is zero-initialised and gets no gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** Rows looked up whose norm exceeds maxNorm are rescaled to it in place. */
  maxNorm?: number | null;
  /** The p of the maxNorm norm (default 2). */
  normType?: number;
  /** Not supported (PyTorch's scale_grad_by_freq); must be false. */
  scaleGradByFreq?: boolean;
  /** Not supported (sparse gradients); must be false. */
  sparse?: boolean;
  /** Use this tensor ([numEmbeddings, embeddingDim]) as the weight instead of a random one. */
  weight?: Tensor | null;
}

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  weight: Parameter;

  /** PyTorch's positional order; a trailing options object may follow. */
  constructor(numEmbeddings: number, embeddingDim: number, ...args: PositionalArgs<[paddingIdx: number | null, maxNorm: number | null, normType: number, scaleGradByFreq: boolean, sparse: boolean, weight: Tensor | null], EmbeddingOptions>);
  constructor(numEmbeddings: number, embeddingDim: number, ...args: unknown[]) {
    super();
    const opts = positional("Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None)",
      args, EMBEDDING_ARGS) as EmbeddingOptions;
    for (const [n, v] of [["num_embeddings", numEmbeddings], ["embedding_dim", embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`Embedding(): ${n} must be a non-negative integer, got ${v}`);
    }
    if (opts.scaleGradByFreq) throw new ValueError("Embedding: scaleGradByFreq is not supported");
    if (opts.sparse) throw new ValueError("Embedding: sparse gradients are not supported");
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = embeddingPaddingIdx(opts.paddingIdx, numEmbeddings);
    this.maxNorm = opts.maxNorm ?? null;
    this.normType = opts.normType ?? 2;
    if (opts.weight) {
      const s = opts.weight.shape;
      if (s.length !== 2 || s[0] !== numEmbeddings || s[1] !== embeddingDim) {
        throw new ValueError(`Shape of weight does not match num_embeddings and embedding_dim: got [${s.join(", ")}], expected [${numEmbeddings}, ${embeddingDim}]`);
      }
      this.weight = new Parameter(opts.weight);
    } else {
      this.weight = param([numEmbeddings, embeddingDim]);
      this.resetParameters();
    }
  }

  /** weight ~ N(0, 1), the padding row zero. */
  resetParameters(): void {
    init.normal_(this.weight);
    this.#zeroPaddingRow();
  }

  #zeroPaddingRow(): void {
    if (this.paddingIdx === null) return;
    const row = this.weight.select(0, this.paddingIdx);
    try {
      noGrad(() => row.fill_(0));
    } finally {
      row.dispose();
    }
  }

  /**
   * An Embedding holding the given [num, dim] table (torch.nn.Embedding.from_pretrained):
   * frozen (requiresGrad false) unless freeze is false. The padding row is kept as given.
   */
  static fromPretrained(embeddings: Tensor, opts: Omit<EmbeddingOptions, "weight"> & { freeze?: boolean } = {}): Embedding {
    if (embeddings.ndim !== 2) throw new ValueError(`Embeddings parameter is expected to be 2-dimensional, got [${embeddings.shape.join(", ")}]`);
    checkOptions("Embedding.fromPretrained", opts, ["freeze", ...EMBEDDING_ARGS.filter((k) => k !== "weight")]);
    const [n, d] = embeddings.shape;
    const { freeze, ...rest } = opts;
    const e = new Embedding(n, d, { ...rest, weight: embeddings });
    e.weight.requiresGrad_(!(freeze ?? true));
    return e;
  }

  override forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    return s;
  }
}
