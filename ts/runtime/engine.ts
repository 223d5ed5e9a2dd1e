// The device layer: the one place between Kindling's TS modules and the engine's C ABI.
// Creation, functional, conv, nn, optim, data, autograd and memory go through here: `call`
// holds a typed function for every ABI entry (generated from the engine's declarations,
// ts/generated/calls.ts), and the functions below are the only ones that touch engine memory.
// A WebGPU or worker device intercepts here, not in each module.
import { abi, scratch } from "./abi.js";
import { dtypeCode, dtypeSize, readElements, type AnyTypedArray, type DType } from "../dtype.js";
import * as call from "../generated/calls.js";
import { DeviceError, KindlingError } from "../errors.js";
import { host } from "../gpu/host.js";

export { call };
export { check, getEngine, intArg } from "./abi.js";

/**
 * A new engine tensor (its handle) of `shape` whose storage `fill` writes in place, as raw
 * little-endian bytes (float32 and int32: 4 bytes an element, bool: 1). `fill` must not call
 * into the engine: nothing may grow engine memory while it holds the view.
 */
export function allocFilled(shape: readonly number[], dtype: DType, fill: (dst: Uint8Array) => void): number {
  const h = call.full(dtypeCode(dtype), shape, 0);
  const n = shape.reduce((x, y) => x * y, 1);
  if (n > 0) {
    const a = abi();
    fill(new Uint8Array(a.memory.buffer, a.kd_data_ptr(h), n * dtypeSize(dtype)));
  }
  return h;
}

/** A copy of the `n` elements at `ptr` (a contiguous tensor's kd_data_ptr) as `dtype`. */
export function copyOut(dtype: DType, ptr: number, n: number): AnyTypedArray {
  return readElements(dtype, abi().memory.buffer, ptr, n);
}

/** A copy of a tensor's `n` elements (row-major) out of engine memory. */
export function hostCopy(h: number, dtype: DType, n: number): AnyTypedArray {
  const c = call.contiguous(h);
  try {
    return copyOut(dtype, abi().kd_data_ptr(c), n);
  } finally {
    call.release(c);
  }
}

/** A copy of a CPU tensor's storage bytes (row-major, little-endian: int64 and float16 exact). */
export function hostBytes(h: number, dtype: DType, n: number): Uint8Array {
  const c = call.contiguous(h);
  try {
    return new Uint8Array(abi().memory.buffer, abi().kd_data_ptr(c), n * dtypeSize(dtype)).slice();
  } finally {
    call.release(c);
  }
}

/** A copy of the first `n` bytes of scratch (what an entry wrote there). */
export function scratchBytes(n: number): Uint8Array {
  const s = scratch();
  return new Uint8Array(s.buffer, s.byteOffset, n).slice();
}

/** The first `n` i32s of scratch (a shape, strides, a name's char codes an entry wrote there). */
export function scratchInts(n: number): number[] {
  return Array.from(scratch().subarray(0, n));
}

/** Writes bytes to scratch for the next call. */
export function putScratchBytes(bytes: Uint8Array): void {
  const s = scratch();
  new Uint8Array(s.buffer, s.byteOffset, s.byteLength).set(bytes);
}

/** The engine's memory size in bytes. */
export function memoryBytes(): number {
  return abi().memory.buffer.byteLength;
}

/**
 * A copy of a GPU tensor's `n` elements (row-major), read back from the device: the awaited
 * read every non-CPU tensor goes through. bool comes back from its u32 words as 0/1 bytes.
 */
export async function deviceCopy(h: number, dtype: DType, n: number): Promise<AnyTypedArray> {
  const c = call.contiguous(h);
  let bytes: ArrayBuffer;
  try {
    const id = abi().kd_gpu_buffer(c);
    const offset = scratchInts(1)[0];
    bytes = await host.read(id, offset * 4, n * 4);
    // An index kernel that ran meanwhile may have met an out-of-range index: its flag is
    // read now (after the work this read waited for) and raised as PyTorch's IndexError.
    const flag = abi().kd_gpu_index_flag();
    if (flag) {
      const w = new Uint32Array(await host.read(flag, 0, 16));
      call.gpuIndexCheck(w[0], w[1], w[2], w[3]);
    }
  } catch (e) {
    throw e instanceof KindlingError ? e : new DeviceError((e as Error).message);
  } finally {
    call.release(c);
  }
  if (dtype === "float32") return new Float32Array(bytes);
  if (dtype === "int32") return new Int32Array(bytes);
  return Uint8Array.from(new Uint32Array(bytes));
}

/** Submits what a GPU device has recorded (after an optimizer step; reads flush themselves). */
export function flushDevice(): void {
  host.flush();
}
