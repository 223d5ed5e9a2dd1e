// dtypes as the engine numbers them (crates/engine/src/dtype.rs).

import { DTypeError } from "./errors.js";

export type DType = "float32" | "int32" | "bool";
export const DTYPES: readonly DType[] = ["bool", "int32", "float32"];
export const dtypeCode = (d: DType): number => DTYPES.indexOf(d);
/** Bytes an element takes in engine storage. */
export const dtypeSize = (d: DType): number => (d === "bool" ? 1 : 4);
export type TypedArrayFor<D extends DType> = D extends "float32" ? Float32Array : D extends "int32" ? Int32Array : Uint8Array;
export type AnyTypedArray = Float32Array | Int32Array | Uint8Array;

/** torch dtypes the engine does not have yet, with the one to use instead. */
const NOT_YET: Record<string, DType> = {
  int64: "int32", long: "int32", int16: "int32", int8: "int32", uint8: "int32",
  float64: "float32", double: "float32", float16: "float32", half: "float32", bfloat16: "float32",
};

export function checkDType(d: unknown): DType {
  if (d === "float32" || d === "int32" || d === "bool") return d;
  if (d === "float") return "float32";
  if (d === "int") return "int32";
  if (typeof d === "string" && d in NOT_YET) {
    throw new DTypeError(`dtype ${d} is not supported yet (Kindling has float32, int32 and bool); use ${NOT_YET[d]}`);
  }
  throw new TypeError(`unknown dtype ${JSON.stringify(d)}: expected "float32", "int32" or "bool"`);
}

export function arrayFor(d: DType, buf: ArrayBuffer, byteOffset: number, n: number): AnyTypedArray {
  return d === "float32" ? new Float32Array(buf, byteOffset, n) : d === "int32" ? new Int32Array(buf, byteOffset, n) : new Uint8Array(buf, byteOffset, n);
}
