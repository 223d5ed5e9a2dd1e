// The Vision Transformer (Dosovitskiy et al., "An Image is Worth 16x16 Words") as the course's
// chapter 08 replicates it: patches embedded by a Conv2d, a learnt class token and position
// embedding, pre-norm encoder blocks with GELU (nn.TransformerEncoderLayer, normFirst), and an
// MLP head (LayerNorm, Linear) on the class token. Submodules carry the course's names, so a
// state dict moves to and from its PyTorch ViT.
//   const model = kd.models.vit({ imageSize: 28, patchSize: 7, inChannels: 1, numClasses: 10, embedDim: 64, depth: 2, numHeads: 4, mlpDim: 128 });
import { randn } from "../creation.js";
import { ShapeError, ValueError } from "../errors.js";
import { tidy } from "../memory.js";
import { checkOptions } from "../options.js";
import { cat } from "../functional.js";
import type { Tensor } from "../tensor.js";
import { Module, Parameter } from "../nn/module.js";
import { Conv2d } from "../nn/layers/conv.js";
import { Dropout } from "../nn/layers/dropout.js";
import { Flatten } from "../nn/layers/shape.js";
import { Sequential } from "../nn/layers/containers.js";
import { LayerNorm } from "../nn/layers/normalization.js";
import { Linear } from "../nn/layers/linear.js";
import { TransformerEncoder, TransformerEncoderLayer } from "../nn/layers/transformer.js";

export interface ViTOptions {
  /** Height and width of the (square) input images (default 224). */
  imageSize?: number;
  /** Height and width of each patch; must divide imageSize (default 16). */
  patchSize?: number;
  inChannels?: number;
  numClasses?: number;
  /** The token size D (default 768). */
  embedDim?: number;
  /** The number of encoder blocks (default 12). */
  depth?: number;
  numHeads?: number;
  /** The hidden size of each block's MLP (default 3072). */
  mlpDim?: number;
  /** Dropout after the embedding and in every block (default 0.1). */
  dropout?: number;
}

const OPTIONS = ["imageSize", "patchSize", "inChannels", "numClasses", "embedDim", "depth", "numHeads", "mlpDim", "dropout"] as const;

/** Images [N, C, H, W] to patch tokens [N, (H/P)·(W/P), D]: a P×P, stride-P Conv2d, flattened (the course's PatchEmbedding). */
export class PatchEmbedding extends Module {
  patcher: Conv2d;
  flatten: Flatten;

  constructor(inChannels = 3, patchSize = 16, embeddingDim = 768) {
    super();
    this.patcher = new Conv2d(inChannels, embeddingDim, patchSize, { stride: patchSize, padding: 0 });
    this.flatten = new Flatten(2, 3);
  }

  override forward(x: Tensor): Tensor {
    return tidy(() => this.flatten.call(this.patcher.call(x)).permute(0, 2, 1));
  }
}

/** ViT-Base/16 by default; kd.models.vit(opts) builds one. Class-token logits [N, numClasses]. */
export class ViT extends Module {
  readonly imageSize: number;
  readonly patchSize: number;
  readonly numPatches: number;
  class_embedding: Parameter;
  position_embedding: Parameter;
  embedding_dropout: Dropout;
  patch_embedding: PatchEmbedding;
  transformer_encoder: TransformerEncoder;
  classifier: Sequential;

  constructor(opts: ViTOptions = {}) {
    super();
    checkOptions("ViT", opts, OPTIONS);
    const o = {
      imageSize: 224, patchSize: 16, inChannels: 3, numClasses: 1000, embedDim: 768, depth: 12, numHeads: 12, mlpDim: 3072, dropout: 0.1,
      ...Object.fromEntries(Object.entries(opts ?? {}).filter(([, v]) => v !== undefined)),
    } as Required<ViTOptions>;
    for (const k of OPTIONS) {
      if (k === "dropout") continue;
      if (!Number.isInteger(o[k]) || o[k] <= 0) throw new ValueError(`ViT: ${k} must be a positive integer, got ${o[k]}`);
    }
    if (o.imageSize % o.patchSize !== 0) throw new ValueError(`ViT: image size must be divisible by patch size, image size: ${o.imageSize}, patch size: ${o.patchSize}`);
    this.imageSize = o.imageSize;
    this.patchSize = o.patchSize;
    this.numPatches = (o.imageSize / o.patchSize) ** 2;
    this.class_embedding = parameter(randn([1, 1, o.embedDim]));
    this.position_embedding = parameter(randn([1, this.numPatches + 1, o.embedDim]));
    this.embedding_dropout = new Dropout(o.dropout);
    this.patch_embedding = new PatchEmbedding(o.inChannels, o.patchSize, o.embedDim);
    const block = new TransformerEncoderLayer(o.embedDim, o.numHeads, {
      dimFeedforward: o.mlpDim, dropout: o.dropout, activation: "gelu", batchFirst: true, normFirst: true,
    });
    this.transformer_encoder = new TransformerEncoder(block, o.depth);
    block.dispose(); // the encoder holds copies
    this.classifier = new Sequential(new LayerNorm(o.embedDim), new Linear(o.embedDim, o.numClasses));
  }

  override forward(x: Tensor): Tensor {
    const want = [this.patch_embedding.patcher.inChannels, this.imageSize, this.imageSize];
    if (x.ndim !== 4 || x.shape.slice(1).some((s, i) => s !== want[i])) {
      throw new ShapeError(`ViT: expected images of shape [N, ${want.join(", ")}], got [${x.shape.join(", ")}]`);
    }
    return tidy(() => {
      const classToken = this.class_embedding.expand([x.shape[0], -1, -1]);
      let t = cat([classToken, this.patch_embedding.call(x)], 1);
      t = this.embedding_dropout.call(this.position_embedding.add(t));
      t = this.transformer_encoder.call(t);
      return this.classifier.call(t.select(1, 0));
    });
  }
}

/** A Parameter of t's data (t is released). */
function parameter(t: Tensor): Parameter {
  try {
    return new Parameter(t);
  } finally {
    t.dispose();
  }
}

/** A Vision Transformer (the course's ViT); the options default to ViT-Base/16 on 224×224 RGB. */
export function vit(opts: ViTOptions = {}): ViT {
  return new ViT(opts);
}
