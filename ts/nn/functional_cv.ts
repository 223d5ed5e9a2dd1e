// torch.nn.functional's vision and normalisation half, camelCased: convolutions, pooling,
// batch/layer/group norm, dropout2d, embedding, pad and interpolate. Re-exported by
// ./functional.ts, so it reads as F.conv2d, F.batchNorm, F.interpolate...
//
// The convolutions, pools and resampling are engine kernels with backward rules
// (crates/engine/src/ops/{conv,pool,resize}.rs); the norms, dropout2d, embedding and the
// non-constant pads are written with differentiable tensor ops, so autograd gives their
// gradients. Composite functions run inside kd.tidy, so intermediates are released at once.
import { call, intArg } from "../runtime/engine.js";
import { noGrad } from "../autograd.js";
import {
  adaptiveAvgPool2d as adaptiveAvgPool2dOp, avgPool2d as avgPool2dOp, conv2d as conv2dOp, convTranspose2d as convTranspose2dOp,
  maxPool2dWithIndices, padConstant, type Conv2dOptions, type ConvTranspose2dOptions, type OutputSize2d, type Pair,
} from "../conv.js";
import { bernoulliMask, fromArray, zeros } from "../creation.js";
import { DTypeError, IndexError, ShapeError, ValueError } from "../errors.js";
import { tidy } from "../memory.js";
import { Tensor, whereOp, wrap } from "../tensor.js";
import { deferCheck, defersChecks, firstFlagged, firstFlaggedText } from "../checks.js";

export type { Conv2dOptions, ConvTranspose2dOptions, OutputSize2d, Pair } from "../conv.js";

import { checkOptions, positional, type PositionalArgs } from "../options.js";

const shp = (s: readonly number[]) => `[${s.join(", ")}]`;

// ---- convolution --------------------------------------------------------------------------

/**
 * 2-D convolution (torch.nn.functional.conv2d): input [N, C, H, W] or unbatched [C, H, W],
 * weight [O, C / groups, kH, kW], bias [O]. padding is a number, a pair, "valid" or "same"
 * (stride 1; an odd total is padded one more at the bottom/right, as PyTorch does).
 */
/** PyTorch's positional order: conv2d(input, weight, bias, stride, padding, dilation, groups). */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, ...args: PositionalArgs<[stride: Pair, padding: Pair | "valid" | "same", dilation: Pair, groups: number], Conv2dOptions>): Tensor;
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, ...args: unknown[]): Tensor {
  const opts = positional("conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)", args, ["stride", "padding", "dilation", "groups"]);
  return conv2dOp(input, weight, bias, opts as Conv2dOptions);
}

/**
 * Transposed 2-D convolution (torch.nn.functional.conv_transpose2d): input [N, C, H, W],
 * weight [C, O / groups, kH, kW]. Output size (H - 1)·stride - 2·padding +
 * dilation·(kH - 1) + outputPadding + 1.
 */
/** PyTorch's positional order: conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation). */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, ...args: PositionalArgs<[stride: Pair, padding: Pair, outputPadding: Pair, groups: number, dilation: Pair], ConvTranspose2dOptions>): Tensor;
export function convTranspose2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, ...args: unknown[]): Tensor {
  const opts = positional("conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)", args,
    ["stride", "padding", "outputPadding", "groups", "dilation"]);
  return convTranspose2dOp(input, weight, bias, opts as ConvTranspose2dOptions);
}

// ---- pooling ------------------------------------------------------------------------------

export interface MaxPool2dOptions {
  /** Defaults to the kernel size (null too, as PyTorch's None). */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

/**
 * 2-D max pooling over [N, C, H, W] or [C, H, W]. With returnIndices it returns
 * [output, indices] as PyTorch's tuple: each index is the flat position (h·W + w) of the
 * maximum in its input plane (int32), what maxUnpool needs. NaN wins over any number.
 */
export function maxPool2d(input: Tensor, kernelSize: Pair, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: Pair, opts?: MaxPool2dOptions): Tensor;
/** PyTorch's positional order: max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices). */
export function maxPool2d(input: Tensor, kernelSize: Pair, ...args: PositionalArgs<[stride: Pair | null, padding: Pair, dilation: Pair, ceilMode: boolean, returnIndices: boolean], MaxPool2dOptions>): Tensor | [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: Pair, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  const opts = positional("max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)", args,
    ["stride", "padding", "dilation", "ceilMode", "returnIndices"]) as MaxPool2dOptions;
  const { values, indices } = maxPool2dWithIndices(input, kernelSize, opts);
  if (opts.returnIndices) return [values, indices];
  indices.dispose();
  return values;
}

export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead. */
  divisorOverride?: number | null;
}

/** 2-D average pooling over [N, C, H, W] or [C, H, W] (torch.nn.functional.avg_pool2d). */
/** PyTorch's positional order: avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override). */
export function avgPool2d(input: Tensor, kernelSize: Pair, ...args: PositionalArgs<[stride: Pair | null, padding: Pair, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null], AvgPool2dOptions>): Tensor;
export function avgPool2d(input: Tensor, kernelSize: Pair, ...args: unknown[]): Tensor {
  const opts = positional("avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)", args,
    ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"]) as AvgPool2dOptions;
  return avgPool2dOp(input, kernelSize, opts);
}

/**
 * Adaptive average pooling to outputSize (a number or a pair; null keeps that input dim):
 * output cell i averages input rows floor(i·H/oh) .. ceil((i+1)·H/oh).
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: OutputSize2d): Tensor {
  return adaptiveAvgPool2dOp(input, outputSize);
}

// ---- normalisation ------------------------------------------------------------------------

export interface BatchNormOptions {
  /** Use (and update) the batch statistics; false uses the running statistics. */
  training?: boolean;
  /** The running statistics' update factor: running = (1 - momentum) running + momentum batch. */
  momentum?: number;
  eps?: number;
}

/** [1, C, 1, ...] for broadcasting a per-channel vector against an [N, C, ...] input. Inside tidy. */
function perChannel(v: Tensor, ndim: number): Tensor {
  return v.reshape([1, v.numel(), ...Array(Math.max(0, ndim - 2)).fill(1)]);
}

function checkChannels(what: string, t: Tensor | null | undefined, name: string, C: number): void {
  if (t && t.numel() !== C) throw new ShapeError(`${what}: ${name} should contain ${C} elements not ${t.numel()}`);
}

/**
 * Batch normalisation over dim 1 of [N, C, ...] input (torch.nn.functional.batch_norm).
 * Training: normalises with the batch mean and biased variance, and, when running stats are
 * given, updates them in place with the batch mean and the unbiased variance. Eval:
 * normalises with the running statistics.
 */
export function batchNorm(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  weight: Tensor | null = null, bias: Tensor | null = null, opts: BatchNormOptions = {},
): Tensor {
  checkOptions("batch_norm", opts, ["training", "momentum", "eps"]);
  const training = opts.training ?? false;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  if (input.ndim < 2) throw new ShapeError(`batch_norm: expected an input of at least 2 dims [N, C, ...], got ${shp(input.shape)}`);
  if (input.dtype !== "float32") throw new DTypeError(`batch_norm: expected a float32 input, got ${input.dtype}`);
  const C = input.shape[1];
  for (const [t, n] of [[runningMean, "running_mean"], [runningVar, "running_var"], [weight, "weight"], [bias, "bias"]] as const) checkChannels("batch_norm", t, n, C);
  if ((runningMean === null) !== (runningVar === null)) throw new ValueError("batch_norm: running_mean and running_var must both be given or both be null");
  const dims = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2)];
  const count = input.numel() / Math.max(C, 1);
  if (training && count <= 1) throw new ValueError(`Expected more than 1 value per channel when training, got input size torch.Size([${input.shape.join(", ")}])`);
  if (!training && (runningMean === null || runningVar === null)) throw new ValueError("batch_norm: running_mean and running_var must be given in evaluation mode (training: false)");
  return tidy(() => {
    let xhat: Tensor;
    if (training) {
      const mean = input.mean(dims, true);
      const centered = input.sub(mean);
      const v = centered.mul(centered).mean(dims, true);
      xhat = centered.mul(v.add(eps).rsqrt());
      if (runningMean && runningVar) {
        noGrad(() => {
          runningMean.copy_(runningMean.mul(1 - momentum).add(mean.detach().reshape([C]).mul(momentum)));
          const unbiased = v.detach().reshape([C]).mul(count / (count - 1));
          runningVar.copy_(runningVar.mul(1 - momentum).add(unbiased.mul(momentum)));
        });
      }
    } else {
      const m = perChannel(runningMean!, input.ndim);
      const s = perChannel(runningVar!, input.ndim).add(eps).rsqrt();
      xhat = input.sub(m).mul(s);
    }
    if (weight) xhat = xhat.mul(perChannel(weight, input.ndim));
    if (bias) xhat = xhat.add(perChannel(bias, input.ndim));
    return xhat;
  });
}

/**
 * Layer normalisation over the last normalizedShape.length dims (torch.nn.functional.layer_norm),
 * with the biased variance; weight and bias have normalizedShape.
 */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const k = ns.length;
  const tail = input.shape.slice(input.ndim - k);
  if (k === 0 || k > input.ndim || tail.some((s, i) => s !== ns[i])) {
    throw new ShapeError(`Given normalized_shape=${shp(ns)}, expected input with shape [*, ${ns.join(", ")}], but got input of size${shp(input.shape)}`);
  }
  for (const [t, n] of [[weight, "weight"], [bias, "bias"]] as const) {
    if (t && (t.ndim !== k || t.shape.some((s, i) => s !== ns[i]))) throw new ShapeError(`layer_norm: expected ${n} of shape ${shp(ns)}, got ${shp(t.shape)}`);
  }
  const dims = Array.from({ length: k }, (_, i) => input.ndim - k + i);
  return tidy(() => {
    const centered = input.sub(input.mean(dims, true));
    let y = centered.mul(centered.mul(centered).mean(dims, true).add(eps).rsqrt());
    if (weight) y = y.mul(weight);
    if (bias) y = y.add(bias);
    return y;
  });
}

/**
 * Group normalisation (torch.nn.functional.group_norm): the C channels of [N, C, ...] input
 * split into numGroups groups, each normalised over its channels and spatial positions;
 * weight and bias are per channel.
 */
export function groupNorm(input: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  if (input.ndim < 2) throw new ShapeError(`group_norm: expected an input of at least 2 dims [N, C, ...], got ${shp(input.shape)}`);
  const [N, C] = input.shape;
  if (!Number.isInteger(numGroups) || numGroups <= 0 || C % numGroups !== 0) {
    throw new ValueError(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${shp(input.shape)} and num_groups=${numGroups}`);
  }
  checkChannels("group_norm", weight, "weight", C);
  checkChannels("group_norm", bias, "bias", C);
  return tidy(() => {
    const g = input.reshape([N, numGroups, -1]);
    const centered = g.sub(g.mean(2, true));
    let y = centered.mul(centered.mul(centered).mean(2, true).add(eps).rsqrt()).reshape(input.shape);
    if (weight) y = y.mul(perChannel(weight, input.ndim));
    if (bias) y = y.add(perChannel(bias, input.ndim));
    return y;
  });
}

// ---- dropout2d ----------------------------------------------------------------------------

/**
 * Channel dropout (torch.nn.functional.dropout2d): in training, zeroes whole channels of
 * [N, C, H, W] (or unbatched [C, H, W]) input with probability p and scales the rest by
 * 1 / (1 - p); the mask comes from the engine's seeded generator (kd.manualSeed).
 */
export function dropout2d(input: Tensor, p = 0.5, training = true): Tensor {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (input.ndim !== 3 && input.ndim !== 4) throw new ShapeError(`dropout2d: expected 3D (unbatched [C, H, W]) or 4D ([N, C, H, W]) input, but got input of size: ${shp(input.shape)}`);
  if (!training || p === 0) return input.view(input.shape);
  if (p === 1) return input.mul(0);
  return tidy(() => {
    const maskShape = input.shape.map((s, i) => (i < input.ndim - 2 ? s : 1));
    const noise = bernoulliMask(maskShape, 1 - p, input.device).div(1 - p); // as torch's feature dropout
    return input.mul(noise);
  });
}

// ---- embedding ----------------------------------------------------------------------------

export interface EmbeddingOptions {
  /** Rows at this index get no gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** Rows looked up whose normType-norm exceeds maxNorm are rescaled to it, in place in weight. */
  maxNorm?: number | null;
  normType?: number;
}

/** The padding index made non-negative and checked against the table size. */
export function embeddingPaddingIdx(paddingIdx: number | null | undefined, num: number): number | null {
  if (paddingIdx == null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx >= num || paddingIdx < -num) throw new ValueError(`Padding_idx must be within num_embeddings, got padding_idx=${paddingIdx} for ${num} embeddings`);
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/**
 * Looks rows of weight [num, dim] up by int32 indices of any shape: output [...indices, dim]
 * (torch.nn.functional.embedding). The gradient to weight sums over repeated indices; the
 * paddingIdx row gets none.
 */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  checkOptions("embedding", opts, ["paddingIdx", "maxNorm", "normType"]);
  if (input.dtype !== "int32" && input.dtype !== "int64") throw new DTypeError(`Expected tensor for argument #1 'indices' to have one of the following scalar types: int32, int64; but got ${input.dtype} instead (while checking arguments for embedding)`);
  if (weight.ndim !== 2) throw new ShapeError(`'weight' must be 2-D, got ${shp(weight.shape)}`);
  const [num, dim] = weight.shape;
  const pad = embeddingPaddingIdx(opts.paddingIdx, num);
  const deferred = input.numel() > 0 && defersChecks(input);
  if (deferred) {
    // an asynchronous device: checked at the next read (ts/checks.ts); the lookup below reads
    // clamped rows until then
    tidy(() => deferCheck(firstFlagged(input.lt(0).logicalOr(input.ge(num)), input), ([any, v]) => (any[0] ? new IndexError(`index out of range in self: index ${v[0]} is out of bounds for an embedding of ${num} rows`) : null)));
  } else if (input.numel() > 0) {
    const v = tidy(() => {
      const bad = input.lt(0).logicalOr(input.ge(num));
      return bad.any().item() ? firstFlaggedText(bad, input) : null;
    });
    if (v !== null) throw new IndexError(`index out of range in self: index ${v} is out of bounds for an embedding of ${num} rows`);
  }
  if (opts.maxNorm != null) embeddingRenorm_(weight, input, opts.maxNorm, opts.normType ?? 2);
  return tidy(() => {
    const flat = deferred ? input.reshape([-1]).clamp(0, num - 1) : input.reshape([-1]);
    const rows = weight.indexSelect(0, flat).reshape([...input.shape, dim]);
    if (pad === null) return rows;
    // The same values, with the padding rows taken from a detached copy: no gradient reaches them.
    return whereOp(input.eq(pad).unsqueeze(-1), rows.detach(), rows);
  });
}

/** Rescales (in place, without recording) the rows of weight looked up by indices whose norm exceeds maxNorm. */
function embeddingRenorm_(weight: Tensor, indices: Tensor, maxNorm: number, normType: number): void {
  noGrad(() => tidy(() => {
    const num = weight.shape[0];
    const flat = indices.reshape([-1]);
    const used = zeros([num]).scatterAdd(0, flat, zeros([flat.numel()]).add(1)).gt(0);
    const norms = weight.abs().pow(normType).sum(1).pow(1 / normType);
    const scale = whereOp(used.logicalAnd(norms.gt(maxNorm)), norms.add(1e-7).rdiv(maxNorm), 1);
    weight.copy_(weight.mul(scale.unsqueeze(1)));
  }));
}

// ---- pad ----------------------------------------------------------------------------------

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/**
 * Pads the last pad.length / 2 dims (torch.nn.functional.pad): pad lists (before, after)
 * pairs starting from the last dim. "constant" fills with value (a negative amount crops);
 * "reflect" mirrors without repeating the edge, "replicate" repeats it, "circular" wraps.
 */
export function pad(input: Tensor, pad: readonly number[], mode: PadMode = "constant", value = 0): Tensor {
  if (!Array.isArray(pad) || pad.length % 2 !== 0) throw new ValueError(`Padding length must be divisible by 2, got ${Array.isArray(pad) ? pad.length : typeof pad}`);
  if (pad.length / 2 > input.ndim) throw new ValueError(`Padding length should be less than or equal to two times the input dimension but got padding length ${pad.length} and input of dimension ${input.ndim}`);
  if (!pad.every(Number.isInteger)) throw new ValueError(`pad: padding sizes must be integers, got [${pad.join(", ")}]`);
  if (mode === "constant") return padConstant(input, [...pad], value);
  if (mode !== "reflect" && mode !== "replicate" && mode !== "circular") throw new ValueError(`Unrecognised padding mode ${mode}`);
  if (value !== 0) throw new ValueError(`Padding mode "${mode}" doesn't take in value argument`);
  if (pad.length / 2 >= input.ndim) throw new ValueError(`pad: ${mode} padding of ${pad.length / 2} dims needs an input of at least ${pad.length / 2 + 1} dims (a batch or channel dim first), got ${shp(input.shape)}`);
  return tidy(() => {
    let cur = input;
    for (let i = 0; i < pad.length / 2; i++) {
      const d = input.ndim - 1 - i;
      const [before, after] = [pad[2 * i], pad[2 * i + 1]];
      if (before === 0 && after === 0) continue;
      const n = cur.shape[d];
      if (before < 0 || after < 0) throw new ValueError(`pad: negative padding is only supported in constant mode, got (${before}, ${after}) for dimension ${d}`);
      if (mode === "reflect" && (before >= n || after >= n)) {
        throw new ValueError(`Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (${before}, ${after}) at dimension ${d} of input ${shp(input.shape)}`);
      }
      if (mode === "circular" && (before > n || after > n)) {
        throw new ValueError(`Padding value causes wrapping around more than once: padding (${before}, ${after}) at dimension ${d} of input ${shp(input.shape)}`);
      }
      if (n === 0) throw new ValueError(`pad: ${mode} padding needs a non-empty dimension ${d}, got input ${shp(input.shape)}`);
      const idx = new Int32Array(n + before + after);
      for (let j = 0; j < idx.length; j++) {
        const s = j - before;
        idx[j] = mode === "replicate" ? Math.min(Math.max(s, 0), n - 1)
          : mode === "circular" ? ((s % n) + n) % n
          : s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s;
      }
      cur = cur.indexSelect(d, fromArray(idx, [idx.length], "int32"));
    }
    return cur === input ? input.view(input.shape) : cur;
  });
}

// ---- interpolate --------------------------------------------------------------------------

export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "area";

export interface InterpolateOptions {
  /** The output spatial size (a number for every spatial dim, or one per dim). */
  size?: number | readonly number[] | null;
  /** Multiplier(s) for the spatial size: output = floor(input · scale). */
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  /** linear / bilinear only: align the corner pixels' centres (PyTorch's default false). */
  alignCorners?: boolean | null;
  /** Compute the source positions from the output size instead of the given scale factor. */
  recomputeScaleFactor?: boolean | null;
}

const MODE_CODE = { nearest: 0, "nearest-exact": 1, linear: 2, bilinear: 2 } as const;

/**
 * Resamples [N, C, L] (nearest, nearest-exact, linear, area) or [N, C, H, W] (nearest,
 * nearest-exact, bilinear, area) input to a size or by a scale factor, as
 * torch.nn.functional.interpolate: nearest takes source index floor(dst · in / out) (PyTorch's
 * legacy rule), nearest-exact floor((dst + 0.5) · in / out); bilinear follows
 * upsample_bilinear2d with alignCorners true or false; area is adaptive average pooling.
 */
export function interpolate(input: Tensor, opts: InterpolateOptions = {}): Tensor {
  checkOptions("interpolate", opts, ["size", "scaleFactor", "mode", "alignCorners", "recomputeScaleFactor"]);
  const mode = opts.mode ?? "nearest";
  if (!(mode in MODE_CODE) && mode !== "area") throw new ValueError(`interpolate: unsupported mode "${mode}" (supported: nearest, nearest-exact, linear, bilinear, area)`);
  const spatial = input.ndim - 2;
  if (spatial !== 1 && spatial !== 2) throw new ShapeError(`interpolate: expected 3-D [N, C, L] or 4-D [N, C, H, W] input, got ${shp(input.shape)}`);
  if (mode === "bilinear" && spatial !== 2) throw new ValueError(`Got ${input.ndim}D input, but bilinear mode needs 4D input`);
  if (mode === "linear" && spatial !== 1) throw new ValueError(`Got ${input.ndim}D input, but linear mode needs 3D input`);
  const interpolating = mode === "linear" || mode === "bilinear";
  if (opts.alignCorners != null && !interpolating) {
    throw new ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear");
  }
  const { size, scaleFactor } = opts;
  if (size != null && scaleFactor != null) throw new ValueError("only one of size or scale_factor should be defined");
  if (size == null && scaleFactor == null) throw new ValueError("either size or scale_factor should be defined");
  const inSize = input.shape.slice(2);
  let outSize: number[];
  let scales: (number | null)[] = [null, null];
  if (size != null) {
    const s = typeof size === "number" ? Array(spatial).fill(size) : [...size];
    if (s.length !== spatial) {
      throw new ValueError(`Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${shp(inSize)} and output size of ${shp(s)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`);
    }
    if (!s.every((v) => Number.isInteger(v) && v > 0)) throw new ValueError(`interpolate: output size must be positive integers, got ${shp(s)}`);
    outSize = s;
  } else {
    const f = typeof scaleFactor === "number" ? Array(spatial).fill(scaleFactor) : [...scaleFactor!];
    if (f.length !== spatial) {
      throw new ValueError(`Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${shp(inSize)} and scale_factor of shape ${shp(f)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.`);
    }
    if (!f.every((v) => typeof v === "number" && v > 0 && Number.isFinite(v))) throw new ValueError(`interpolate: scale factors must be positive, got ${shp(f)}`);
    outSize = inSize.map((n, i) => Math.floor(n * f[i]));
    if (!opts.recomputeScaleFactor) scales = f;
  }
  if (mode === "area") {
    if (spatial === 2) return adaptiveAvgPool2dOp(input, [outSize[0], outSize[1]]);
    return tidy(() => adaptiveAvgPool2dOp(input.unsqueeze(2), [1, outSize[0]]).squeeze(2));
  }
  const code = MODE_CODE[mode as keyof typeof MODE_CODE];
  const ac = !!opts.alignCorners;
  if (spatial === 2) {
    return wrap(call.upsample2d(input.handle, code, intArg(outSize[0], "size"), intArg(outSize[1], "size"), scales[0] ?? 0, scales[1] ?? 0, ac));
  }
  // 1-D: a 2-D resample of [N, C, 1, L] (the height of 1 is copied through).
  return tidy(() => wrap(call.upsample2d(input.unsqueeze(2).handle, code, 1, intArg(outSize[0], "size"), 0, scales[0] ?? 0, ac)).squeeze(2));
}
