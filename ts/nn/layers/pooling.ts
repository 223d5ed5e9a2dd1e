// nn.MaxPool2d, nn.AvgPool2d and nn.AdaptiveAvgPool2d: settings kept as given (so they
// print as PyTorch prints them), each calling its nn.functional form.
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import { pair, type OutputSize2d, type Pair } from "../../conv.js";
import * as F from "../functional.js";
import { Module, pyBool, pyTuple } from "../module.js";
import { positional, type PositionalArgs } from "../../options.js";

/** A setting as Python prints it: 2, (2, 3), (None, 4). */
const pyVal = (v: number | readonly (number | null)[]) =>
  typeof v === "number" ? String(v) : `(${v.map((x) => (x === null ? "None" : String(x))).join(", ")}${v.length === 1 ? "," : ""})`;

function checkPair(v: Pair, what: string, min: number): void {
  const p = pair(v, what);
  if (p.some((x) => x < min)) throw new ValueError(`${what} must be ${min > 0 ? "positive" : "non-negative"}, got ${pyTuple(p)}`);
}

export interface MaxPool2dLayerOptions<I extends boolean = boolean> {
  /** Defaults to kernelSize. */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  /** forward returns [output, indices] (typed so when given as the literal true). */
  returnIndices?: I;
  ceilMode?: boolean;
}

/**
 * 2-D max pooling (torch.nn.MaxPool2d): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False).
 * With returnIndices: true, forward returns [output, indices] as PyTorch's tuple.
 */
export class MaxPool2d<I extends boolean = false> extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;

  /** PyTorch's positional order; a trailing options object may follow. */
  constructor(kernelSize: Pair, ...args: PositionalArgs<[stride: Pair | null, padding: Pair, dilation: Pair, returnIndices: I, ceilMode: boolean], MaxPool2dLayerOptions<I>>);
  constructor(kernelSize: Pair, ...args: unknown[]) {
    super();
    const opts = positional("MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)", args,
      ["stride", "padding", "dilation", "returnIndices", "ceilMode"]) as MaxPool2dLayerOptions<I>;
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.returnIndices = opts.returnIndices ?? false;
    this.ceilMode = opts.ceilMode ?? false;
    checkPair(this.kernelSize, "kernel_size", 1);
    checkPair(this.stride, "stride", 1);
    checkPair(this.padding, "padding", 0);
    checkPair(this.dilation, "dilation", 1);
  }

  override forward(input: Tensor): I extends true ? [Tensor, Tensor] : Tensor {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    const out = this.returnIndices ? F.maxPool2d(input, this.kernelSize, { ...opts, returnIndices: true }) : F.maxPool2d(input, this.kernelSize, opts);
    return out as I extends true ? [Tensor, Tensor] : Tensor;
  }

  override extraRepr(): string {
    return `kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}, padding=${pyVal(this.padding)}, dilation=${pyVal(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

export interface AvgPool2dLayerOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** 2-D average pooling (torch.nn.AvgPool2d): AvgPool2d(kernel_size=2, stride=2, padding=0). */
export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  /** PyTorch's positional order; a trailing options object may follow. */
  constructor(kernelSize: Pair, ...args: PositionalArgs<[stride: Pair | null, padding: Pair, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null], AvgPool2dLayerOptions>);
  constructor(kernelSize: Pair, ...args: unknown[]) {
    super();
    const opts = positional("AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)", args,
      ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"]) as AvgPool2dLayerOptions;
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    this.divisorOverride = opts.divisorOverride ?? null;
    checkPair(this.kernelSize, "kernel_size", 1);
    checkPair(this.stride, "stride", 1);
    checkPair(this.padding, "padding", 0);
  }

  override forward(input: Tensor): Tensor {
    return F.avgPool2d(input, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}, padding=${pyVal(this.padding)}`;
  }
}

/** Adaptive average pooling to a fixed output size (torch.nn.AdaptiveAvgPool2d); null keeps that input dim. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: OutputSize2d, ...rest: never[]) {
    super();
    positional("AdaptiveAvgPool2d(output_size)", rest, []);
    const req = typeof outputSize === "number" ? [outputSize] : outputSize;
    if (!Array.isArray(req) || (req.length !== 1 && req.length !== 2) || !req.every((v) => v === null || (Number.isInteger(v) && v >= 0))) {
      throw new ValueError(`AdaptiveAvgPool2d: output_size must be a non-negative integer or a pair of them (or null), got ${JSON.stringify(outputSize)}`);
    }
  }

  override forward(input: Tensor): Tensor {
    return F.adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${pyVal(this.outputSize)}`;
  }
}
