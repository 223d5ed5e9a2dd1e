// Loss modules: each holds its options and calls its nn.functional form.
//   const criterion = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
//   const loss = criterion.forward(logits, labels);
import { ValueError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import * as F from "./functional.js";
import { Module } from "./module.js";
import { positional, type PositionalArgs } from "../options.js";

function reductionOf(opts: F.LossOptions): F.Reduction {
  const r = opts.reduction ?? "mean";
  if (r !== "none" && r !== "mean" && r !== "sum") throw new ValueError(`${r} is not a valid value for reduction`);
  return r;
}

/**
 * A loss's options from PyTorch's positional order (`names`) or an options object.
 * size_average and reduce, deprecated in PyTorch, are refused unless null.
 */
function lossArgs<T>(signature: string, args: unknown[], names: readonly string[]): T {
  const o = positional(signature, args, names);
  for (const k of ["sizeAverage", "reduce"]) {
    if (o[k] != null) throw new ValueError(`${signature.slice(0, signature.indexOf("("))}: ${k === "reduce" ? "reduce" : "size_average"} is deprecated in PyTorch and not supported; use reduction: "mean", "sum" or "none"`);
    delete o[k];
  }
  return o as T;
}

const LEGACY = ["sizeAverage", "reduce", "reduction"] as const;
type Legacy = null | undefined;

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
  constructor(...args: PositionalArgs<[sizeAverage: Legacy, reduce: Legacy, reduction: F.Reduction], F.LossOptions>);
  constructor(...args: unknown[]) {
    super(lossArgs("L1Loss(size_average=None, reduce=None, reduction='mean')", args, LEGACY));
  }

  override forward(input: Tensor, target: Tensor): Tensor { return F.l1Loss(input, target, { reduction: this.reduction }); }
}

export class MSELoss extends Loss {
  constructor(...args: PositionalArgs<[sizeAverage: Legacy, reduce: Legacy, reduction: F.Reduction], F.LossOptions>);
  constructor(...args: unknown[]) {
    super(lossArgs("MSELoss(size_average=None, reduce=None, reduction='mean')", args, LEGACY));
  }

  override forward(input: Tensor, target: Tensor): Tensor { return F.mseLoss(input, target, { reduction: this.reduction }); }
}

export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(...args: PositionalArgs<[reduction: F.Reduction, delta: number], F.HuberOptions>);
  constructor(...args: unknown[]) {
    const opts = lossArgs<F.HuberOptions>("HuberLoss(reduction='mean', delta=1.0)", args, ["reduction", "delta"]);
    super(opts);
    this.delta = opts.delta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor { return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(...args: PositionalArgs<[sizeAverage: Legacy, reduce: Legacy, reduction: F.Reduction, beta: number], F.SmoothL1Options>);
  constructor(...args: unknown[]) {
    const opts = lossArgs<F.SmoothL1Options>("SmoothL1Loss(size_average=None, reduce=None, reduction='mean', beta=1.0)", args, [...LEGACY, "beta"]);
    super(opts);
    this.beta = opts.beta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor { return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

/** Binary cross entropy on probabilities (apply a sigmoid first, or use BCEWithLogitsLoss). */
export class BCELoss extends WeightedLoss {
  constructor(...args: PositionalArgs<[weight: Tensor | null, sizeAverage: Legacy, reduce: Legacy, reduction: F.Reduction], F.WeightedLossOptions>);
  constructor(...args: unknown[]) {
    super(lossArgs("BCELoss(weight=None, size_average=None, reduce=None, reduction='mean')", args, ["weight", ...LEGACY]));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Binary cross entropy on logits (stable); posWeight weighs the positives of each class. */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  /** The positive-class weights, a buffer under PyTorch's state dict name. */
  declare pos_weight: Tensor | null;

  constructor(...args: PositionalArgs<[weight: Tensor | null, sizeAverage: Legacy, reduce: Legacy, reduction: F.Reduction, posWeight: Tensor | null], F.BCEWithLogitsOptions>);
  constructor(...args: unknown[]) {
    const opts = lossArgs<F.BCEWithLogitsOptions>("BCEWithLogitsLoss(weight=None, size_average=None, reduce=None, reduction='mean', pos_weight=None)", args, ["weight", ...LEGACY, "posWeight"]);
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

  constructor(...args: PositionalArgs<[weight: Tensor | null, sizeAverage: Legacy, ignoreIndex: number, reduce: Legacy, reduction: F.Reduction], F.NLLLossOptions>);
  constructor(...args: unknown[]) {
    const opts = lossArgs<F.NLLLossOptions>("NLLLoss(weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean')", args, ["weight", "sizeAverage", "ignoreIndex", "reduce", "reduction"]);
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

  constructor(...args: PositionalArgs<[weight: Tensor | null, sizeAverage: Legacy, ignoreIndex: number, reduce: Legacy, reduction: F.Reduction, labelSmoothing: number], F.CrossEntropyOptions>);
  constructor(...args: unknown[]) {
    const opts = lossArgs<F.CrossEntropyOptions>("CrossEntropyLoss(weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean', label_smoothing=0.0)", args,
      ["weight", "sizeAverage", "ignoreIndex", "reduce", "reduction", "labelSmoothing"]);
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
