// torch.* functional forms. Each calls the Tensor method of the same op (defined once there),
// plus the ops that take several tensors: cat, stack, where, broadcastTensors.
import { call, intArg } from "./runtime/engine.js";
import { IndexError, ShapeError, ValueError } from "./errors.js";
import { BINARY_OPS, UNARY_OPS, camel, Tensor, whereOp, wrap, type BinaryName, type Scalar, type UnaryName } from "./tensor.js";

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

type UnaryFns = { [K in UnaryName]: (t: Tensor) => Tensor };
type BinaryFns = { [K in BinaryName]: (a: Tensor, b: Tensor | Scalar) => Tensor };

/** kd.exp(t), kd.add(a, b)...: generated from the op lists, so they cannot drift from the methods. */
export const elementwise = {} as UnaryFns & BinaryFns;
for (const n of UNARY_OPS) (elementwise as Record<string, unknown>)[camel(n)] = (t: Tensor) => t.unary(n);
for (const n of BINARY_OPS) (elementwise as Record<string, unknown>)[camel(n)] = (a: Tensor, b: Tensor | Scalar) => a.binary(n, b);
