// nn.Conv2d and nn.ConvTranspose2d, as torch.nn has them (settings stored as pairs, PyTorch's
// default initialisation, reprs and state dict keys "weight" and "bias").
import { noGrad } from "../../autograd.js";
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import { pair, type Pair } from "../../conv.js";
import * as F from "../functional.js";
import * as init from "../init.js";
import { Module, type Parameter, pyTuple } from "../module.js";
import { param } from "./linear.js";
import { positional, type PositionalArgs } from "../../options.js";

export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";
const PADDING_MODES: readonly PaddingMode[] = ["zeros", "reflect", "replicate", "circular"];
/** PyTorch's positional order after kernel_size. */
const CONV_ARGS = ["stride", "padding", "dilation", "groups", "bias", "paddingMode"] as const;
const CONV_T_ARGS = ["stride", "padding", "outputPadding", "groups", "bias", "dilation", "paddingMode"] as const;

export interface Conv2dLayerOptions {
  stride?: Pair;
  /** A number, a pair, "valid" (no padding) or "same" (output size = input size; stride 1 only). */
  padding?: Pair | "valid" | "same";
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  /** How the padding is filled: zeros (default), reflect, replicate or circular. */
  paddingMode?: PaddingMode;
}

function positive(v: number, what: string): number {
  if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${what} must be a positive integer, got ${v}`);
  return v;
}

/** The shared settings and checks of Conv2d and ConvTranspose2d (PyTorch's _ConvNd). */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | "valid" | "same";
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  readonly outputPadding: [number, number] = [0, 0];
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts: Conv2dLayerOptions, transposed: boolean) {
    super();
    for (const [n, v] of [["in_channels", inChannels], ["out_channels", outChannels]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`${n} must be a non-negative integer, got ${v}`);
    }
    const groups = opts.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0) throw new ValueError("groups must be a positive integer");
    if (inChannels % groups !== 0) throw new ValueError(`in_channels must be divisible by groups (in_channels=${inChannels}, groups=${groups})`);
    if (outChannels % groups !== 0) throw new ValueError(`out_channels must be divisible by groups (out_channels=${outChannels}, groups=${groups})`);
    const paddingMode = opts.paddingMode ?? "zeros";
    if (!PADDING_MODES.includes(paddingMode)) {
      throw new ValueError(`padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], but got padding_mode='${paddingMode}'`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, "kernel_size");
    this.kernelSize.forEach((k) => positive(k, "kernel_size"));
    this.stride = pair(opts.stride ?? 1, "stride");
    this.stride.forEach((s) => positive(s, "stride"));
    this.dilation = pair(opts.dilation ?? 1, "dilation");
    this.dilation.forEach((d) => positive(d, "dilation"));
    const p = opts.padding ?? 0;
    if (typeof p === "string") {
      if (p !== "valid" && p !== "same") throw new ValueError(`Invalid padding string '${p}', should be one of ["valid", "same"]`);
      if (p === "same" && this.stride.some((s) => s !== 1)) throw new ValueError("padding='same' is not supported for strided convolutions");
      this.padding = p;
    } else {
      this.padding = pair(p, "padding");
      if (this.padding.some((v) => v < 0)) throw new ValueError(`negative padding is not supported, got ${pyTuple(this.padding)}`);
    }
    this.groups = groups;
    this.paddingMode = paddingMode;
    const [kh, kw] = this.kernelSize;
    this.weight = param(transposed ? [inChannels, outChannels / groups, kh, kw] : [outChannels, inChannels / groups, kh, kw]);
    this.bias = opts.bias ?? true ? param([outChannels]) : null;
    this.resetParameters();
  }

  /** PyTorch's reset_parameters: kaiming-uniform (a = √5) weight, bias U(-1/√fan_in, 1/√fan_in). */
  resetParameters(): void {
    noGrad(() => {
      init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
      if (this.bias) {
        const [fanIn] = init.calculateFanInAndFanOut(this.weight);
        if (fanIn !== 0) {
          const bound = 1 / Math.sqrt(fanIn);
          init.uniform_(this.bias, -bound, bound);
        }
      }
    });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (this.padding.some((v) => v !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((v) => v !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    if (this.paddingMode !== "zeros") s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * 2-D convolution over [N, C_in, H, W] (or unbatched [C_in, H, W]) input: weight
 * [C_out, C_in / groups, kH, kW], bias [C_out] (torch.nn.Conv2d).
 *   new nn.Conv2d(1, 10, 3, { padding: 1 })   // Conv2d(1, 10, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
 *   new nn.Conv2d(1, 10, 3, 1, 1)              // the same, in PyTorch's positional order
 */
export class Conv2d extends ConvNd {
  /** PyTorch's positional order; a trailing options object may follow. */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, ...args: PositionalArgs<[stride: Pair, padding: Pair | "valid" | "same", dilation: Pair, groups: number, bias: boolean, paddingMode: PaddingMode], Conv2dLayerOptions>);
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, ...args: unknown[]) {
    const sig = "Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros')";
    super(inChannels, outChannels, kernelSize, positional(sig, args, CONV_ARGS) as Conv2dLayerOptions, false);
  }

  /** F.pad's list for a non-zeros padding mode (PyTorch's _reversed_padding_repeated_twice). */
  #padList(): number[] {
    if (this.padding === "valid") return [0, 0, 0, 0];
    if (this.padding === "same") {
      const out: number[] = [];
      for (const i of [1, 0]) {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        const left = Math.floor(total / 2);
        out.push(left, total - left);
      }
      return out;
    }
    const [ph, pw] = this.padding;
    return [pw, pw, ph, ph];
  }

  override forward(input: Tensor): Tensor {
    const opts = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === "zeros") return F.conv2d(input, this.weight, this.bias, { ...opts, padding: this.padding });
    const padded = F.pad(input, this.#padList(), this.paddingMode);
    try {
      return F.conv2d(padded, this.weight, this.bias, { ...opts, padding: 0 });
    } finally {
      padded.dispose();
    }
  }
}

export interface ConvTranspose2dLayerOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  groups?: number;
  bias?: boolean;
  dilation?: Pair;
  /** Only "zeros", as PyTorch. */
  paddingMode?: "zeros";
}

/**
 * Transposed 2-D convolution (torch.nn.ConvTranspose2d): weight [C_in, C_out / groups, kH, kW].
 * forward(input, outputSize) picks the output padding that gives outputSize, as PyTorch.
 */
export class ConvTranspose2d extends ConvNd {
  override readonly outputPadding: [number, number];

  /** PyTorch's positional order; a trailing options object may follow. */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, ...args: PositionalArgs<[stride: Pair, padding: Pair, outputPadding: Pair, groups: number, bias: boolean, dilation: Pair, paddingMode: "zeros"], ConvTranspose2dLayerOptions>);
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, ...args: unknown[]) {
    const sig = "ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros')";
    const opts = positional(sig, args, CONV_T_ARGS) as ConvTranspose2dLayerOptions;
    if ((opts.paddingMode ?? "zeros") !== "zeros") throw new ValueError('Only "zeros" padding mode is supported for ConvTranspose2d');
    if (typeof opts.padding === "string") throw new ValueError("ConvTranspose2d: padding must be a number or a pair of numbers");
    super(inChannels, outChannels, kernelSize, opts, true);
    this.outputPadding = pair(opts.outputPadding ?? 0, "output_padding");
  }

  /** The output padding for a requested output size (PyTorch's _output_padding). */
  #outputPaddingFor(input: Tensor, outputSize: readonly number[] | null | undefined): [number, number] {
    if (outputSize == null) return this.outputPadding;
    const nonSpatial = input.ndim === 4 ? 2 : 1;
    let size = [...outputSize];
    if (size.length === nonSpatial + 2) size = size.slice(nonSpatial);
    if (size.length !== 2) throw new ValueError(`ConvTranspose2D: for ${input.ndim}D input, output_size must have 2 or ${nonSpatial + 2} elements (got ${size.length})`);
    const pad = this.padding as [number, number];
    const min = [0, 1].map((d) => (input.shape[d + nonSpatial] - 1) * this.stride[d] - 2 * pad[d] + this.dilation[d] * (this.kernelSize[d] - 1) + 1);
    const max = min.map((m, d) => m + this.stride[d] - 1);
    if (size.some((s, d) => s < min[d] || s > max[d])) {
      throw new ValueError(`requested an output size of ${pyTuple(size)}, but valid sizes range from ${pyTuple(min)} to ${pyTuple(max)} (for an input of ${pyTuple(input.shape.slice(nonSpatial))})`);
    }
    return [size[0] - min[0], size[1] - min[1]];
  }

  override forward(input: Tensor, outputSize?: readonly number[] | null): Tensor {
    return F.convTranspose2d(input, this.weight, this.bias, {
      stride: this.stride, padding: this.padding as [number, number], outputPadding: this.#outputPaddingFor(input, outputSize),
      groups: this.groups, dilation: this.dilation,
    });
  }
}
