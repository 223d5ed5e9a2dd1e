// The values an imported graph passes between nodes: Kindling tensors (what the model computes,
// differentiable), or host arrays for integer shape arithmetic (Shape -> Gather -> Concat ->
// Reshape, as torch writes x.view(x.size(0), -1)) and int64 constants that do not fit int32.
import { fromArray, fromBytes } from "../../creation.js";
import { OnnxError } from "../../errors.js";
import { Tensor } from "../../tensor.js";
import type { HostTensor } from "./tensor_data.js";

export interface Host extends HostTensor {
  host: true;
}

export type Val = Tensor | Host;

export const isHost = (v: Val): v is Host => !(v instanceof Tensor);

export function host(kind: Host["kind"], shape: readonly number[], data: ArrayLike<number>): Host {
  return { host: true, kind, shape: [...shape], data: kind === "float" ? Float32Array.from(data) : Float64Array.from(data) };
}

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A value as a Kindling tensor: an initializer or constant read from the file keeps its dtype
 * (int64, uint8, int8 exactly); an integer computed on the host is int32 (outside its range, an error).
 */
export function toTensor(v: Val): Tensor {
  if (!isHost(v)) return v;
  if (v.kind === "int" && v.bytes && v.dtype && v.dtype !== "int32") return fromBytes(v.shape, v.dtype, (dst) => dst.set(v.bytes!));
  if (v.kind === "int") {
    for (const x of v.data) if (x < -0x80000000 || x > 0x7fffffff) throw new OnnxError(`integer ${x} does not fit Kindling's int32 tensors`);
    return fromArray(v.data, v.shape, "int32");
  }
  return fromArray(v.data, v.shape, v.kind === "bool" ? "bool" : "float32");
}

/** A value's elements on the host (a tensor is read). */
export function toHost(v: Val): Host {
  if (isHost(v)) return v;
  const kind = v.dtype === "bool" ? "bool" : v.dtype === "float32" || v.dtype === "float64" || v.dtype === "float16" ? "float" : "int";
  return host(kind, v.shape, v.dataSync());
}

/** The integers of a shape-like input (Reshape's shape, Slice's starts, axes...). */
export function intsOf(v: Val, what: string): number[] {
  const h = toHost(v);
  if (h.kind !== "int") throw new OnnxError(`${what} must be an integer tensor, got ${h.kind}`);
  if (h.shape.length > 1) throw new OnnxError(`${what} must be a 0-D or 1-D tensor, got shape [${h.shape.join(", ")}]`);
  return Array.from(h.data);
}

/** A 0-D or one-element value as a number. */
export function scalarOf(v: Val, what: string): number {
  const h = toHost(v);
  if (h.data.length !== 1) throw new OnnxError(`${what} must hold one value, got shape [${h.shape.join(", ")}]`);
  return h.data[0];
}

/** Numpy broadcasting of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], what: string): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new OnnxError(`${what}: shapes [${a.join(", ")}] and [${b.join(", ")}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Elementwise f over two host values with broadcasting. */
export function hostBinary(a: Host, b: Host, kind: Host["kind"], f: (x: number, y: number) => number, what: string): Host {
  const shape = broadcastShapes(a.shape, b.shape, what);
  const n = numel(shape);
  const out = new Float64Array(n);
  const idx = (src: Host, i: number) => {
    // the flat index into src of output element i (broadcast dims read index 0)
    let flat = 0, stride = 1, rem = i;
    const off = shape.length - src.shape.length;
    const coords: number[] = [];
    for (let d = shape.length - 1; d >= 0; d--) {
      coords[d] = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
    }
    for (let d = src.shape.length - 1; d >= 0; d--) {
      const c = src.shape[d] === 1 ? 0 : coords[d + off];
      flat += c * stride;
      stride *= src.shape[d];
    }
    return flat;
  };
  for (let i = 0; i < n; i++) out[i] = f(a.data[idx(a, i)], b.data[idx(b, i)]);
  return host(kind, shape, out);
}
