// The loaded engine and the few helpers every ABI call needs: checking the returned handle,
// reading the error, passing int arrays. The `Abi` interface itself is generated from the
// engine's declarations (ts/generated/abi.ts, scripts/gen-abi.mjs).
import { ERROR_CLASSES, IndexError, KindlingError, MemoryError, ValueError } from "../errors.js";
import type { Abi } from "../generated/abi.js";

export type { Abi };

export interface Engine {
  abi: Abi;
  variant: string;
  /** op family -> op name -> ABI code, read from the engine's own op table. */
  ops: Record<string, Record<string, number>>;
}

let engine: Engine | undefined;

export function setEngine(e: Engine): void {
  engine = e;
}

export function abi(): Abi {
  if (!engine) throw new KindlingError("Kindling's engine is not loaded yet: await kd.ready() first");
  return engine.abi;
}

export function getEngine(): Engine {
  abi();
  return engine!;
}

export function readString(ptr: number, len: number): string {
  return utf8(abi().memory.buffer, ptr, len);
}

/** UTF-8 text at `ptr` in engine memory (copied first when shared: browsers' TextDecoder refuses shared views). */
export function utf8(buf: ArrayBufferLike, ptr: number, len: number): string {
  const bytes = new Uint8Array(buf, ptr, len);
  return new TextDecoder().decode(typeof SharedArrayBuffer !== "undefined" && buf instanceof SharedArrayBuffer ? bytes.slice() : bytes);
}

/** The typed error for the engine's last failure. */
export function lastError(): KindlingError {
  const a = abi();
  const Cls = ERROR_CLASSES[a.kd_error_kind()] ?? KindlingError;
  return new Cls(readString(a.kd_error_ptr(), a.kd_error_len()));
}

/** Throws the engine's error when a call returned the 0 handle. */
export function check(h: number): number {
  if (h === 0) throw lastError();
  return h;
}

let scratchView: Int32Array | undefined;
/** The scratch area as i32s (re-created when memory grows and detaches the old view). */
export function scratch(): Int32Array {
  const a = abi();
  if (!scratchView || scratchView.buffer !== a.memory.buffer) {
    scratchView = new Int32Array(a.memory.buffer, a.kd_scratch(), a.kd_scratch_len());
  }
  return scratchView;
}

/**
 * Writes integers to scratch for the next call; returns their count. `what` names them in
 * errors: a non-integer (NaN, Infinity, 1.5) is a ValueError; one outside int32 is a
 * MemoryError for a "size", an IndexError for a "dim", a ValueError otherwise.
 */
export function putInts(xs: readonly number[], what: "size" | "dim" | "argument" = "argument"): number {
  const s = scratch();
  if (xs.length > s.length) throw new ValueError(`too many ${what}s in one call (${xs.length}; at most ${s.length})`);
  for (let i = 0; i < xs.length; i++) s[i] = intArg(xs[i], what);
  return xs.length;
}

/** A number for an i32 ABI argument (a dim, a count), with putInts' checks; writes nothing. */
export function intArg(x: number, what: "size" | "dim" | "argument" = "argument"): number {
  if (typeof x !== "number" || !Number.isInteger(x)) throw new ValueError(`expected an integer ${what}, got ${typeof x === "number" ? x : typeof x}`);
  if (x > 0x7fffffff || x < -0x80000000) {
    if (what === "size" && x > 0) throw new MemoryError(`size ${x} is too large: a tensor dim must fit int32`);
    if (what === "size") throw new ValueError(`Trying to create tensor with negative dimension ${x}`);
    if (what === "dim") throw new IndexError(`Dimension out of range (got ${x})`);
    throw new ValueError(`integer ${x} is out of the int32 range`);
  }
  return x;
}
