// Loss modules: each holds its options and calls its nn.functional form.
//   const criterion = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
//   const loss = criterion.forward(logits, labels);
import { ValueError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import * as F from "./functional.js";
import { Module } from "./module.js";

function reductionOf(opts: F.LossOptions): F.Reduction {
  const r = opts.reduction ?? "mean";
  if (r !== "none" && r !== "mean" && r !== "sum") throw new ValueError(`${r} is not a valid value for reduction`);
  return r;
}

/** Base of the losses: the reduction ("mean" by default). */
export abstract class Loss extends Module {
  readonly reduction: F.Reduction;

  constructor(opts: F.LossOptions = {}) {
    super();
    this.reduction = reductionOf(opts);
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Base of the losses with per-class weights; weight is a (non-trained) buffer. */
export abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;

  constructor(opts: F.WeightedLossOptions = {}) {
    super(opts);
    this.registerBuffer("weight", opts.weight ? opts.weight.detach() : null);
  }
}

export class L1Loss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor { return F.l1Loss(input, target, { reduction: this.reduction }); }
}

export class MSELoss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor { return F.mseLoss(input, target, { reduction: this.reduction }); }
}

export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(opts: F.HuberOptions = {}) {
    super(opts);
    this.delta = opts.delta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor { return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(opts: F.SmoothL1Options = {}) {
    super(opts);
    this.beta = opts.beta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor { return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

/** Binary cross entropy on probabilities (apply a sigmoid first, or use BCEWithLogitsLoss). */
export class BCELoss extends WeightedLoss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Binary cross entropy on logits (stable); posWeight weighs the positives of each class. */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  /** The positive-class weights, a buffer under PyTorch's state dict name. */
  declare pos_weight: Tensor | null;

  constructor(opts: F.BCEWithLogitsOptions = {}) {
    super(opts);
    this.registerBuffer("weight", opts.weight ? opts.weight.detach() : null);
    this.registerBuffer("pos_weight", opts.posWeight ? opts.posWeight.detach() : null);
  }

  get posWeight(): Tensor | null {
    return this.pos_weight;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}

export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;

  constructor(opts: F.NLLLossOptions = {}) {
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** Cross entropy of logits against class indices (int32) or class probabilities. */
export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(opts: F.CrossEntropyOptions = {}) {
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) throw new ValueError(`label_smoothing must be between 0.0 and 1.0. Got: ${this.labelSmoothing}`);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, {
      weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing,
    });
  }
}
