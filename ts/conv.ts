// Convolution and pooling entry points (NCHW). nn.functional and the Conv2d/Pool layers call
// these; the kernels and their backward passes are in crates/engine/src/ops/{conv,pool}.rs.
import { abi, putInts, scratch } from "./runtime/abi.js";
import { ValueError } from "./errors.js";
import { dtypeCode } from "./dtype.js";
import { Tensor, wrap } from "./tensor.js";

export type Pair = number | [number, number];
const pair = (v: Pair, what: string): [number, number] => {
  const p = typeof v === "number" ? [v, v] : v;
  if (p.length !== 2 || !p.every(Number.isInteger)) throw new ValueError(`${what} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  return p as [number, number];
};

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
  if (p !== "same") return { x, pad: pair(p, "padding") };
  const [sh, sw] = pair(o.stride ?? 1, "stride");
  if (sh !== 1 || sw !== 1) throw new ValueError("padding='same' is not supported for strided convolutions");
  const [dh, dw] = pair(o.dilation ?? 1, "dilation");
  const total = [dh * (w.shape[2] - 1), dw * (w.shape[3] - 1)];
  if (total[0] % 2 === 0 && total[1] % 2 === 0) return { x, pad: [total[0] / 2, total[1] / 2] };
  // Odd total: pad the remainder at the bottom/right first, then the symmetric part in the conv.
  const extra = [total[0] % 2, total[1] % 2];
  const padded = padConstant(x, [0, extra[1], 0, extra[0]], 0);
  return { x: padded, pad: [(total[0] - extra[0]) / 2, (total[1] - extra[1]) / 2] };
}

export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  const { x: xin, pad } = resolvePadding(x, weight, o);
  try {
    putInts([...pair(o.stride ?? 1, "stride"), ...pad, ...pair(o.dilation ?? 1, "dilation"), o.groups ?? 1, 0, 0]);
    return wrap(abi().kd_conv2d(xin.handle, weight.handle, bias ? bias.handle : 0));
  } finally {
    if (xin !== x) xin.dispose();
  }
}

export interface ConvTranspose2dOptions { stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number }

export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: ConvTranspose2dOptions = {}): Tensor {
  putInts([...pair(o.stride ?? 1, "stride"), ...pair(o.padding ?? 0, "padding"), ...pair(o.dilation ?? 1, "dilation"), o.groups ?? 1, ...pair(o.outputPadding ?? 0, "output_padding")]);
  return wrap(abi().kd_conv_transpose2d(x.handle, weight.handle, bias ? bias.handle : 0));
}

export interface Pool2dOptions { stride?: Pair | null; padding?: Pair; dilation?: Pair; ceilMode?: boolean }

function putPool(kernel: Pair, o: Pool2dOptions): void {
  const k = pair(kernel, "kernel_size");
  putInts([...k, ...pair(o.stride ?? k, "stride"), ...pair(o.padding ?? 0, "padding"), ...pair(o.dilation ?? 1, "dilation"), o.ceilMode ? 1 : 0]);
}

export function maxPool2dWithIndices(x: Tensor, kernel: Pair, o: Pool2dOptions = {}): { values: Tensor; indices: Tensor } {
  putPool(kernel, o);
  const v = wrap(abi().kd_max_pool2d(x.handle));
  return { values: v, indices: new Tensor(scratch()[0]) };
}

export function maxPool2d(x: Tensor, kernel: Pair, o: Pool2dOptions = {}): Tensor {
  const { values, indices } = maxPool2dWithIndices(x, kernel, o);
  indices.dispose();
  return values;
}

export function avgPool2d(x: Tensor, kernel: Pair, o: Pool2dOptions & { countIncludePad?: boolean; divisorOverride?: number | null } = {}): Tensor {
  putPool(kernel, { ...o, dilation: 1 });
  return wrap(abi().kd_avg_pool2d(x.handle, o.countIncludePad ?? true ? 1 : 0, o.divisorOverride ?? 0));
}

export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const [oh, ow] = pair(outputSize, "output_size");
  return wrap(abi().kd_adaptive_avg_pool2d(x.handle, oh, ow));
}

/**
 * Constant padding as F.pad: `pads` lists (before, after) pairs starting from the LAST dim.
 * Built from differentiable ops: a filled tensor and a cat on each padded dim.
 */
export function padConstant(x: Tensor, pads: number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) throw new ValueError(`pad: padding length must be even and at most 2 * ndim, got ${pads.length} for a ${x.ndim}-D input`);
  let cur = x;
  for (let i = 0; i < pads.length / 2; i++) {
    const dim = x.ndim - 1 - i;
    const [before, after] = [pads[2 * i], pads[2 * i + 1]];
    if (before < 0 || after < 0) throw new ValueError("pad: negative padding is not supported");
    if (before === 0 && after === 0) continue;
    const parts: Tensor[] = [];
    const side = (n: number) => {
      const shape = [...cur.shape];
      shape[dim] = n;
      const t = wrap(abi().kd_full(dtypeCode(cur.dtype), putInts(shape), value));
      parts.push(t);
      return t;
    };
    const pieces = [before > 0 ? side(before) : null, cur, after > 0 ? side(after) : null].filter((t): t is Tensor => t !== null);
    putInts(pieces.map((t) => t.handle));
    const next = wrap(abi().kd_cat(pieces.length, dim));
    for (const p of parts) p.dispose();
    if (cur !== x) cur.dispose();
    cur = next;
  }
  return cur === x ? x.view(x.shape) : cur;
}
