// nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm and nn.GroupNorm, as torch.nn has them: the same
// parameters and buffers under the same state dict keys (weight, bias, running_mean,
// running_var, num_batches_tracked), the same defaults (weight 1, bias 0, running stats 0 and
// 1), momentum (null: a cumulative average), train/eval behaviour and reprs.
import { noGrad } from "../../autograd.js";
import { full, ones, zeros } from "../../creation.js";
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import * as F from "../functional.js";
import * as init from "../init.js";
import { Module, type Parameter, pyBool, pyFloat, pyTuple } from "../module.js";
import { param } from "./linear.js";
import { positional, type PositionalArgs } from "../../options.js";

export interface BatchNormOptions {
  eps?: number;
  /** The running statistics' update factor; null keeps a cumulative average instead. */
  momentum?: number | null;
  /** Learnable per-channel weight and bias (default true). */
  affine?: boolean;
  /** Keep running statistics (and use them in eval mode); default true. */
  trackRunningStats?: boolean;
}

function checkCount(v: number, what: string): void {
  if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${what} must be a positive integer, got ${v}`);
}

/** PyTorch's _BatchNorm: the shared body of BatchNorm1d and BatchNorm2d. */
export abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  /** PyTorch's positional order; a trailing options object may follow. */
  constructor(numFeatures: number, ...args: PositionalArgs<[eps: number, momentum: number | null, affine: boolean, trackRunningStats: boolean], BatchNormOptions>);
  constructor(numFeatures: number, ...args: unknown[]) {
    super();
    const opts = positional(`${new.target.name}(num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)`, args,
      ["eps", "momentum", "affine", "trackRunningStats"]) as BatchNormOptions;
    checkCount(numFeatures, "num_features");
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? param([numFeatures]) : null;
    this.bias = this.affine ? param([numFeatures]) : null;
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", zeros([numFeatures]));
      this.registerBuffer("running_var", ones([numFeatures]));
      this.registerBuffer("num_batches_tracked", full([], 0, { dtype: "int32" }));
    } else {
      this.registerBuffer("running_mean", null);
      this.registerBuffer("running_var", null);
      this.registerBuffer("num_batches_tracked", null);
    }
    this.resetParameters();
  }

  // The buffers live under PyTorch's snake_case names (the state dict keys); these read them camelCased.
  get runningMean(): Tensor | null { return this.#buffer("running_mean"); }
  get runningVar(): Tensor | null { return this.#buffer("running_var"); }
  /** The number of training batches seen (an int32 scalar; PyTorch's is int64). */
  get numBatchesTracked(): Tensor | null { return this.#buffer("num_batches_tracked"); }
  #buffer(name: string): Tensor | null { return ((this as unknown as Record<string, Tensor | null>)[name]) ?? null; }

  /** Running mean 0, running variance 1, no batches seen. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.runningMean!.zero_();
      this.runningVar!.fill_(1);
      this.numBatchesTracked!.zero_();
    });
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }

  /** Throws PyTorch's ValueError for an input of the wrong rank. */
  protected abstract checkInputDim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      const nbt = this.numBatchesTracked;
      noGrad(() => nbt.add_(1));
      if (this.momentum === null) factor = 1 / Number(nbt.item());
    }
    // Batch statistics in training, and in eval when no running statistics are kept.
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    return F.batchNorm(input, track ? this.runningMean : null, track ? this.runningVar : null, this.weight, this.bias, {
      training: useBatchStats, momentum: factor, eps: this.eps,
    });
  }

  override extraRepr(): string {
    const m = this.momentum === null ? "None" : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch normalisation over [N, C] or [N, C, L] input (torch.nn.BatchNorm1d). */
export class BatchNorm1d extends BatchNorm {
  protected override checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new ValueError(`expected 2D or 3D input (got ${input.ndim}D input)`);
  }
}

/** Batch normalisation over [N, C, H, W] input (torch.nn.BatchNorm2d). */
export class BatchNorm2d extends BatchNorm {
  protected override checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new ValueError(`expected 4D input (got ${input.ndim}D input)`);
  }
}

export interface LayerNormOptions {
  eps?: number;
  /** Learnable weight and bias of normalizedShape (default true). */
  elementwiseAffine?: boolean;
}

/** Layer normalisation over the trailing normalizedShape dims (torch.nn.LayerNorm). */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  /** PyTorch's positional order; a trailing options object may follow. */
  constructor(normalizedShape: number | readonly number[], ...args: PositionalArgs<[eps: number, elementwiseAffine: boolean], LayerNormOptions>);
  constructor(normalizedShape: number | readonly number[], ...args: unknown[]) {
    super();
    const opts = positional("LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True)", args, ["eps", "elementwiseAffine"]) as LayerNormOptions;
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    this.normalizedShape.forEach((s) => checkCount(s, "normalized_shape"));
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? param(this.normalizedShape) : null;
    this.bias = this.elementwiseAffine ? param(this.normalizedShape) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (!this.elementwiseAffine) return;
    init.ones_(this.weight!);
    init.zeros_(this.bias!);
  }

  override forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

export interface GroupNormOptions {
  eps?: number;
  /** Learnable per-channel weight and bias (default true). */
  affine?: boolean;
}

/** Group normalisation: numChannels split into numGroups groups (torch.nn.GroupNorm). */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  /** PyTorch's positional order; a trailing options object may follow. */
  constructor(numGroups: number, numChannels: number, ...args: PositionalArgs<[eps: number, affine: boolean], GroupNormOptions>);
  constructor(numGroups: number, numChannels: number, ...args: unknown[]) {
    super();
    const opts = positional("GroupNorm(num_groups, num_channels, eps=1e-05, affine=True)", args, ["eps", "affine"]) as GroupNormOptions;
    checkCount(numGroups, "num_groups");
    checkCount(numChannels, "num_channels");
    if (numChannels % numGroups !== 0) throw new ValueError(`num_channels must be divisible by num_groups (num_channels=${numChannels}, num_groups=${numGroups})`);
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    this.weight = this.affine ? param([numChannels]) : null;
    this.bias = this.affine ? param([numChannels]) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (!this.affine) return;
    init.ones_(this.weight!);
    init.zeros_(this.bias!);
  }

  override forward(input: Tensor): Tensor {
    return F.groupNorm(input, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}
