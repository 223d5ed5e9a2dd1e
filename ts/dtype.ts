// dtypes as the engine numbers them (crates/engine/src/dtype.rs; codes are the DTYPES index).
// float32, int32 and bool compute everywhere; int64 and float64 also compute in the arithmetic
// families (unary, binary, comparisons, reductions, float64 matmul) with PyTorch's promotion,
// and an int64 tensor is an index wherever an int32 one is. uint8, int8 and float16 are storage
// dtypes: created, viewed, indexed, cast and exchanged (safetensors, ONNX, workers), while
// compute ops reject them (and int64/float64 where no kernel exists) with a DTypeError that
// says to cast first. Autograd computes in float32 only.
//
// Reading elements (dataSync / data): uint8 → Uint8Array, int8 → Int8Array, float64 →
// Float64Array, float16 → Float32Array of its values (exact; JS has no Float16Array here).
// int64's range rule: PyTorch users pass and read numbers, so int64 reads as a Float64Array of
// its values, exact up to ±2^53 (Number.MAX_SAFE_INTEGER); a value beyond that is a DTypeError,
// never a rounded number. Creating int64 from numbers requires safe integers; a BigInt64Array
// carries the full range in (and safetensors carries it in and out bit-exact).

import { DTypeError } from "./errors.js";

export type DType = "float32" | "int32" | "bool" | "uint8" | "int8" | "int64" | "float64" | "float16";
export const DTYPES: readonly DType[] = ["bool", "int32", "float32", "uint8", "int8", "int64", "float64", "float16"];
export const dtypeCode = (d: DType): number => DTYPES.indexOf(d);
const SIZES: Record<DType, number> = { bool: 1, uint8: 1, int8: 1, float16: 2, int32: 4, float32: 4, int64: 8, float64: 8 };
/** Bytes an element takes in engine storage. */
export const dtypeSize = (d: DType): number => SIZES[d];
/** The dtypes every engine kernel computes in (int64 and float64: the arithmetic families only). */
export const computes = (d: DType): boolean => d === "float32" || d === "int32" || d === "bool";
export type TypedArrayFor<D extends DType> = D extends "float32" | "float16" ? Float32Array : D extends "int32" ? Int32Array
  : D extends "int8" ? Int8Array : D extends "int64" | "float64" ? Float64Array : Uint8Array;
export type AnyTypedArray = Float32Array | Int32Array | Uint8Array | Int8Array | Float64Array;

/** torch names and aliases of each dtype. */
const ALIASES: Record<string, DType> = {
  float32: "float32", float: "float32", int32: "int32", int: "int32", bool: "bool",
  uint8: "uint8", int8: "int8", int64: "int64", long: "int64", float64: "float64", double: "float64",
  float16: "float16", half: "float16",
};
/** torch dtypes the engine does not have, with the one to use instead. */
const NOT_YET: Record<string, DType> = { int16: "int32", short: "int32", bfloat16: "float32" };

export function checkDType(d: unknown): DType {
  if (typeof d === "string" && Object.hasOwn(ALIASES, d)) return ALIASES[d];
  if (typeof d === "string" && d in NOT_YET) {
    throw new DTypeError(`dtype ${d} is not supported yet (Kindling has ${DTYPES.join(", ")}); use ${NOT_YET[d]}`);
  }
  throw new TypeError(`unknown dtype ${JSON.stringify(d)}: expected one of ${DTYPES.map((x) => JSON.stringify(x)).join(", ")}`);
}

/** A view of engine bytes as `d`'s storage elements (float16: its Uint16Array bits). */
export function arrayFor(d: DType, buf: ArrayBuffer, byteOffset: number, n: number): AnyTypedArray | Uint16Array | BigInt64Array {
  switch (d) {
    case "float32": return new Float32Array(buf, byteOffset, n);
    case "int32": return new Int32Array(buf, byteOffset, n);
    case "int8": return new Int8Array(buf, byteOffset, n);
    case "int64": return new BigInt64Array(buf, byteOffset, n);
    case "float64": return new Float64Array(buf, byteOffset, n);
    case "float16": return new Uint16Array(buf, byteOffset, n);
    default: return new Uint8Array(buf, byteOffset, n);
  }
}

/** The float32 values of binary16 bits (exact). */
export function halfToFloat(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i], s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1024 + m) * 2 ** (e - 25);
  }
  return out;
}

/** A copy of `d`'s elements from engine bytes, as dataSync returns them. */
export function readElements(d: DType, buf: ArrayBuffer, byteOffset: number, n: number): AnyTypedArray {
  const a = arrayFor(d, buf, byteOffset, n);
  if (a instanceof Uint16Array) return halfToFloat(a);
  if (a instanceof BigInt64Array) return Float64Array.from(a, int64ToNumber);
  return a.slice();
}

/** An int64 element as a number: a ValueError instead of a rounded value beyond ±2^53. */
export function int64ToNumber(v: bigint): number {
  const x = Number(v);
  if (!Number.isSafeInteger(x)) throw new DTypeError(`int64 value ${v} is beyond ±2^53 and cannot be a JS number exactly; read it with dataSync() (a BigInt64Array)`);
  return x;
}
