// torch.* functional forms. Each calls the Tensor method of the same op (defined once there),
// plus the ops that take several tensors: cat, stack, hstack, vstack, where, equal, isclose.
// As torch's, the elementwise forms take a number where a tensor goes (kd.exp(-1), kd.maximum(0, x)).
import { call, intArg } from "./runtime/engine.js";
import { IndexError, ShapeError, ValueError } from "./errors.js";
import { tidy } from "./memory.js";
import { describe, positional } from "./options.js";
import { BINARY_OPS, UNARY_OPS, camel, scalarTensor, Tensor, whereOp, wrap, type BinaryName, type ReduceOptions, type Scalar, type UnaryName } from "./tensor.js";

export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError("torch.cat(): expected a non-empty list of Tensors");
  return wrap(call.cat(tensors.map((t) => t.handle), intArg(dim, "dim")));
}

export const concat = cat;
export const concatenate = cat;

export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError("stack expects a non-empty TensorList");
  const shape = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (t.shape.length !== shape.length || t.shape.some((s, k) => s !== shape[k])) {
      throw new ShapeError(`stack expects each tensor to be equal size, but got [${shape.join(", ")}] at entry 0 and [${t.shape.join(", ")}] at entry ${i}`);
    }
  });
  // the new dim is in [-(n+1), n]; wrap it once here, so an out-of-range one is not wrapped twice
  const n = shape.length + 1;
  intArg(dim, "dim");
  if (dim < -n || dim >= n) throw new IndexError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  const d = dim < 0 ? dim + n : dim;
  const parts = tensors.map((t) => t.unsqueeze(d));
  try {
    return cat(parts, d);
  } finally {
    for (const p of parts) p.dispose();
  }
}

/** Elements of a where condition holds, of b elsewhere (torch.where). */
export function where(condition: Tensor, a: Tensor | Scalar, b: Tensor | Scalar): Tensor {
  return whereOp(condition, a, b);
}

export function matmul(a: Tensor, b: Tensor): Tensor { return a.matmul(b); }
export function softmax(t: Tensor, dim: number): Tensor { return t.softmax(dim); }
export function logSoftmax(t: Tensor, dim: number): Tensor { return t.logSoftmax(dim); }
export function clamp(t: Tensor, min?: number | null, max?: number | null): Tensor { return t.clamp(min, max); }

type UnaryFns = { [K in UnaryName]: (t: Tensor | Scalar) => Tensor };
type BinaryFns = { [K in BinaryName]: (a: Tensor | Scalar, b: Tensor | Scalar) => Tensor };

/** A tensor operand, or a number / boolean as a 0-d tensor (int32 for integers, as torch.tensor(3) is integral). */
function operand(where: string, v: unknown): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v === "number" || typeof v === "boolean") return scalarTensor(v);
  throw new ValueError(`${where}(): expected a Tensor or a number, got ${describe(v)}`);
}

/** kd.exp(t), kd.add(a, b)...: generated from the op lists, so they cannot drift from the methods. */
export const elementwise = {} as UnaryFns & BinaryFns;
for (const n of UNARY_OPS) {
  (elementwise as Record<string, unknown>)[camel(n)] = (t: Tensor | Scalar) => {
    const x = operand(camel(n), t);
    try { return x.unary(n); } finally { if (x !== t) x.dispose(); }
  };
}
for (const n of BINARY_OPS) {
  (elementwise as Record<string, unknown>)[camel(n)] = (a: Tensor | Scalar, b: Tensor | Scalar) => {
    if (a instanceof Tensor) return a.binary(n, b);
    // A number first: the op with its operands reversed, so the number keeps torch's scalar type rules.
    if (b instanceof Tensor && typeof a === "number") return b.binary(n, a, true);
    const x = operand(camel(n), a);
    try { return x.binary(n, b); } finally { x.dispose(); }
  };
}

// ---- torch.sum, torch.max ... as functions ---------------------------------------------------

type Dim = number | number[] | ReduceOptions | null;
export function sum(t: Tensor, dim?: Dim, keepdim = false): Tensor { return tensorArg("sum", t).sum(dim, keepdim); }
export function mean(t: Tensor, dim?: Dim, keepdim = false): Tensor { return tensorArg("mean", t).mean(dim, keepdim); }
export function prod(t: Tensor, dim?: number | ReduceOptions | null, keepdim = false): Tensor { return tensorArg("prod", t).prod(dim, keepdim); }
export function argmax(t: Tensor, dim?: number | ReduceOptions | null, keepdim = false): Tensor { return tensorArg("argmax", t).argmax(dim, keepdim); }
export function argmin(t: Tensor, dim?: number | ReduceOptions | null, keepdim = false): Tensor { return tensorArg("argmin", t).argmin(dim, keepdim); }
export function multiply(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return elementwise.mul(a, b); }
export function subtract(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return elementwise.sub(a, b); }
export function divide(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return elementwise.div(a, b); }

function tensorArg(where: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${where}(): expected a Tensor, got ${describe(t)}`);
  return t;
}

/** torch.max: max(t) the largest element; max(t, dim, keepdim?) {values, indices}; max(a, b) the elementwise maximum. */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
export function max(t: Tensor, other: Tensor): Tensor;
export function max(t: Tensor, dim?: number | Tensor, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  tensorArg("max", t);
  if (dim instanceof Tensor) return t.maximum(dim);
  return dim === undefined ? t.max() : t.max(dim, keepdim);
}

/** torch.min: min(t), min(t, dim, keepdim?) {values, indices}, or min(a, b) the elementwise minimum. */
export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
export function min(t: Tensor, other: Tensor): Tensor;
export function min(t: Tensor, dim?: number | Tensor, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  tensorArg("min", t);
  if (dim instanceof Tensor) return t.minimum(dim);
  return dim === undefined ? t.min() : t.min(dim, keepdim);
}

function tensorList(where: string, tensors: unknown): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0 || !tensors.every((t) => t instanceof Tensor)) {
    throw new ValueError(`${where}(): expected a non-empty list of Tensors, got ${describe(tensors)}`);
  }
  return tensors;
}

/** Columns side by side (torch.hstack): 1-D tensors joined along dim 0, others along dim 1. */
export function hstack(tensors: Tensor[]): Tensor {
  const ts = tensorList("hstack", tensors);
  return tidy(() => {
    const parts = ts.map((t) => (t.ndim === 0 ? t.reshape([1]) : t));
    return cat(parts, parts[0].ndim === 1 ? 0 : 1);
  });
}

/** Rows stacked (torch.vstack): each tensor made at least 2-D ([n] -> [1, n]), joined along dim 0. */
export function vstack(tensors: Tensor[]): Tensor {
  const ts = tensorList("vstack", tensors);
  return tidy(() => cat(ts.map((t) => (t.ndim >= 2 ? t : t.reshape([1, -1]))), 0));
}

/** True when both have the same shape and the same elements (torch.equal). */
export function equal(a: Tensor, b: Tensor): boolean {
  tensorArg("equal", a);
  tensorArg("equal", b);
  if (a.ndim !== b.ndim || a.shape.some((s, i) => s !== b.shape[i])) return false;
  return tidy(() => a.eq(b).all().item()) as boolean;
}

export interface CloseOptions { rtol?: number; atol?: number; equalNan?: boolean }

/**
 * |a - b| <= atol + rtol |b| elementwise, as torch.isclose(a, b, rtol=1e-05, atol=1e-08,
 * equal_nan=False): infinities are close only to themselves, NaN only with equalNan.
 */
export function isclose(a: Tensor, b: Tensor | Scalar, ...args: (number | boolean | CloseOptions | undefined)[]): Tensor {
  const o = positional("isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False)", args, ["rtol", "atol", "equalNan"]) as CloseOptions;
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-8;
  if (!(rtol >= 0) || !(atol >= 0)) throw new ValueError(`isclose(): rtol and atol must be non-negative, got rtol=${rtol} and atol=${atol}`);
  tensorArg("isclose", a);
  return tidy(() => {
    const x = a.float();
    const y = operand("isclose", b).float();
    const finite = (t: Tensor) => t.sub(t).eq(0); // inf - inf and NaN - NaN are NaN
    const near = x.sub(y).abs().le(y.abs().mul(rtol).add(atol)).logicalAnd(finite(x)).logicalAnd(finite(y));
    let close = near.logicalOr(x.eq(y));
    if (o.equalNan) close = close.logicalOr(x.ne(x).logicalAnd(y.ne(y)));
    return close;
  });
}

/** True when every element is close (torch.allclose; the same rtol, atol and equalNan as isclose). */
export function allclose(a: Tensor, b: Tensor | Scalar, ...args: (number | boolean | CloseOptions | undefined)[]): boolean {
  return tidy(() => isclose(a, b, ...args).all().item()) as boolean;
}

/** The elements where mask (bool, broadcast) holds, as a 1-D tensor (torch.masked_select). */
export function maskedSelect(t: Tensor, mask: Tensor): Tensor { return tensorArg("maskedSelect", t).maskedSelect(mask); }
export function flip(t: Tensor, dims: number | number[]): Tensor { return tensorArg("flip", t).flip(dims); }
export function nonzero(t: Tensor): Tensor { return tensorArg("nonzero", t).nonzero(); }
