// Convolution and pooling entry points (NCHW). nn.functional and the Conv2d/Pool layers call
// these; the kernels and their backward passes are in crates/engine/src/ops/{conv,pool}.rs.
import { call, intArg } from "./runtime/engine.js";
import { ShapeError, ValueError } from "./errors.js";
import { dtypeCode } from "./dtype.js";
import { Tensor, wrap } from "./tensor.js";
import type { PoolArgs } from "./generated/abi.js";

export type Pair = number | [number, number];
export const pair = (v: Pair, what: string): [number, number] => {
  const p = typeof v === "number" ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every(Number.isInteger)) throw new ValueError(`${what} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  return [p[0], p[1]];
};
const nonNegative = (p: [number, number], what: string): [number, number] => {
  if (p[0] < 0 || p[1] < 0) throw new ValueError(`negative ${what} is not supported, got (${p[0]}, ${p[1]})`);
  return p;
};

/** Runs a 4-D (batched) op on a 3-D (unbatched, [C, H, W]) input by adding and removing the batch dim, as PyTorch does. */
function unbatched(x: Tensor, what: string, f: (x4: Tensor) => Tensor): Tensor {
  if (x.ndim === 4) return f(x);
  if (x.ndim !== 3) throw new ShapeError(`Expected 3D (unbatched) or 4D (batched) input to ${what}, but got input of size: [${x.shape.join(", ")}]`);
  const x4 = x.unsqueeze(0);
  let y4: Tensor | undefined;
  try {
    y4 = f(x4);
    return y4.squeeze(0);
  } finally {
    x4.dispose();
    y4?.dispose();
  }
}

export interface Conv2dOptions {
  stride?: Pair;
  /** A number, a pair, "valid" (0) or "same" (output size = input size; stride 1 only). */
  padding?: Pair | "valid" | "same";
  dilation?: Pair;
  groups?: number;
}

/** Symmetric padding for "same"; PyTorch pads the extra row/col at the end, which a symmetric conv cannot, so odd totals pad x explicitly. */
function resolvePadding(x: Tensor, w: Tensor, o: Conv2dOptions): { x: Tensor; pad: [number, number] } {
  const p = o.padding ?? 0;
  if (p === "valid") return { x, pad: [0, 0] };
  if (typeof p === "string" && p !== "same") throw new ValueError(`Invalid padding string '${p}', should be one of ["valid", "same"]`);
  if (p !== "same") return { x, pad: nonNegative(pair(p, "padding"), "padding") };
  const [sh, sw] = pair(o.stride ?? 1, "stride");
  if (sh !== 1 || sw !== 1) throw new ValueError("padding='same' is not supported for strided convolutions");
  const [dh, dw] = pair(o.dilation ?? 1, "dilation");
  if (w.ndim !== 4) throw new ShapeError(`conv2d: weight must be 4-D [out_channels, in_channels/groups, kH, kW], got [${w.shape.join(", ")}]`);
  const total = [dh * (w.shape[2] - 1), dw * (w.shape[3] - 1)];
  if (total[0] < 0 || total[1] < 0) return { x, pad: [0, 0] }; // an empty kernel: the engine reports it
  if (total[0] % 2 === 0 && total[1] % 2 === 0) return { x, pad: [total[0] / 2, total[1] / 2] };
  // Odd total: pad the remainder at the bottom/right first, then the symmetric part in the conv.
  const extra = [total[0] % 2, total[1] % 2];
  const padded = padConstant(x, [0, extra[1], 0, extra[0]], 0);
  return { x: padded, pad: [(total[0] - extra[0]) / 2, (total[1] - extra[1]) / 2] };
}

function checkGroups(g: number): number {
  if (!Number.isInteger(g) || g <= 0) throw new ValueError(`non-positive groups is not supported, got groups=${g}`);
  return g;
}

/** 2-D convolution of [N, C, H, W] (or unbatched [C, H, W]) input with weight [O, C/groups, kH, kW]. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  return unbatched(x, "conv2d", (x4) => {
    const stride = nonNegative(pair(o.stride ?? 1, "stride"), "stride");
    const dilation = nonNegative(pair(o.dilation ?? 1, "dilation"), "dilation");
    const groups = checkGroups(o.groups ?? 1);
    const { x: xin, pad } = resolvePadding(x4, weight, o);
    try {
      return wrap(call.conv2d(xin.handle, weight.handle, bias ? bias.handle : 0, { stride, padding: pad, dilation, groups, outputPadding: [0, 0] }));
    } finally {
      if (xin !== x4) xin.dispose();
    }
  });
}

export interface ConvTranspose2dOptions { stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number }

/** Transposed 2-D convolution of [N, C, H, W] (or [C, H, W]) input with weight [C, O/groups, kH, kW]. */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: ConvTranspose2dOptions = {}): Tensor {
  return unbatched(x, "conv_transpose2d", (x4) => {
    return wrap(call.convTranspose2d(x4.handle, weight.handle, bias ? bias.handle : 0, {
      stride: nonNegative(pair(o.stride ?? 1, "stride"), "stride"), padding: nonNegative(pair(o.padding ?? 0, "padding"), "padding"),
      dilation: nonNegative(pair(o.dilation ?? 1, "dilation"), "dilation"), groups: checkGroups(o.groups ?? 1),
      outputPadding: nonNegative(pair(o.outputPadding ?? 0, "output_padding"), "output_padding"),
    }));
  });
}

export interface Pool2dOptions { stride?: Pair | null; padding?: Pair; dilation?: Pair; ceilMode?: boolean }

function poolArgs(kernel: Pair, o: Pool2dOptions): PoolArgs {
  const k = nonNegative(pair(kernel, "kernel_size"), "kernel_size");
  // stride null (or [], PyTorch's default) means the kernel size
  const stride = o.stride == null || (o.stride as readonly number[]).length === 0 ? k : pair(o.stride, "stride");
  return {
    kernelSize: k, stride: nonNegative(stride, "stride"), padding: nonNegative(pair(o.padding ?? 0, "padding"), "padding"),
    dilation: nonNegative(pair(o.dilation ?? 1, "dilation"), "dilation"), ceilMode: !!o.ceilMode,
  };
}

/** max_pool2d's values and, for each, the flat index (h * W + w) of the maximum in its input plane. */
export function maxPool2dWithIndices(x: Tensor, kernel: Pair, o: Pool2dOptions = {}): { values: Tensor; indices: Tensor } {
  const [h, ih] = call.maxPool2d(x.handle, poolArgs(kernel, o));
  return { values: new Tensor(h), indices: new Tensor(ih) };
}

export function avgPool2d(x: Tensor, kernel: Pair, o: Pool2dOptions & { countIncludePad?: boolean; divisorOverride?: number | null } = {}): Tensor {
  const d = o.divisorOverride;
  if (d != null && (!Number.isInteger(d) || d <= 0)) throw new ValueError(`avg_pool2d: divisor_override must be a positive integer (divisor must be not zero), got ${d}`);
  return wrap(call.avgPool2d(x.handle, o.countIncludePad ?? true, intArg(o.divisorOverride ?? 0), poolArgs(kernel, { ...o, dilation: 1 })));
}

/** An adaptive pool's output size: a number, or a pair where null keeps that input dim. */
export type OutputSize2d = number | [number | null, number | null];

export function adaptiveAvgPool2d(x: Tensor, outputSize: OutputSize2d): Tensor {
  const req = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(req) || req.length !== 2 || !req.every((v) => v === null || (Number.isInteger(v) && v >= 0))) {
    throw new ValueError(`adaptive_avg_pool2d: output_size must be a non-negative integer or a pair of them (or null), got ${JSON.stringify(outputSize)}`);
  }
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [${x.shape.join(", ")}]`);
  const oh = req[0] ?? x.shape[x.ndim - 2];
  const ow = req[1] ?? x.shape[x.ndim - 1];
  return wrap(call.adaptiveAvgPool2d(x.handle, intArg(oh, "size"), intArg(ow, "size")));
}

/**
 * Constant padding as F.pad: `pads` lists (before, after) pairs starting from the LAST dim;
 * a negative amount crops. Built from differentiable ops: slices, a filled tensor and a cat
 * on each padded dim.
 */
export function padConstant(x: Tensor, pads: number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) throw new ValueError(`Padding length must be divisible by 2 and at most twice the number of dims, got ${pads.length} for a ${x.ndim}-D input`);
  if (!pads.every(Number.isInteger)) throw new ValueError(`pad: padding sizes must be integers, got [${pads.join(", ")}]`);
  let cur = x;
  const step = (next: Tensor) => {
    if (cur !== x) cur.dispose();
    cur = next;
  };
  for (let i = 0; i < pads.length / 2; i++) {
    const dim = x.ndim - 1 - i;
    const [before, after] = [pads[2 * i], pads[2 * i + 1]];
    const size = cur.shape[dim];
    if (size + before + after < 0) {
      throw new ValueError(`The input size ${size}, plus negative padding ${before} and ${after} resulted in a negative output size, which is invalid. Check dimension ${dim} of your input.`);
    }
    if (before < 0 || after < 0) step(cur.slice(dim, Math.max(0, -before), size - Math.max(0, -after)));
    const [b, a] = [Math.max(0, before), Math.max(0, after)];
    if (b === 0 && a === 0) continue;
    const parts: Tensor[] = [];
    const side = (n: number) => {
      const shape = [...cur.shape];
      shape[dim] = n;
      const t = wrap(call.full(dtypeCode(cur.dtype), shape, value));
      parts.push(t);
      if (cur.device === t.device) return t;
      // the padding is made on the CPU: it joins x on x's device
      const moved = t.to(cur.device);
      parts.push(moved);
      return moved;
    };
    try {
      const pieces = [b > 0 ? side(b) : null, cur, a > 0 ? side(a) : null].filter((t): t is Tensor => t !== null);
      step(wrap(call.cat(pieces.map((t) => t.handle), dim)));
    } finally {
      for (const p of parts) p.dispose();
    }
  }
  return cur === x ? x.view(x.shape) : cur;
}
