// Tensors across a worker boundary: one copy out of wasm memory into a fresh ArrayBuffer
// (dataSync), then that buffer is transferred, not cloned. The sender's array is detached.
// int64 and float16 (which JS cannot hold exactly as numbers) travel as their storage bytes, a
// little-endian Uint8Array of 8 or 2 bytes per element, so every dtype crosses bit-exact.
import { fromArray, fromBytes } from "../creation.js";
import { checkDType, dtypeSize, type DType } from "../dtype.js";
import { ValueError } from "../errors.js";
import { hostBytes } from "../runtime/engine.js";
import { Tensor } from "../tensor.js";
import { assertNotDetached } from "./detached.js";
import type { PayloadStateDict, TensorPayload } from "./protocol.js";

/** The array type a payload of each dtype carries (int64 and float16: their storage bytes). */
const PAYLOAD_ARRAY: Record<DType, new (n: number) => ArrayBufferView> = {
  float32: Float32Array, int32: Int32Array, bool: Uint8Array, uint8: Uint8Array, int8: Int8Array,
  float64: Float64Array, int64: Uint8Array, float16: Uint8Array,
};
const STORAGE = (d: DType) => d === "int64" || d === "float16";
const article = (d: DType) => (d.startsWith("i") ? "an" : "a");

/**
 * The tensor's elements in a fresh buffer of their own (ready to transfer), with shape and
 * dtype (CPU tensors): a Float32Array, Int32Array, Uint8Array (bool, uint8), Int8Array or
 * Float64Array of the values; for int64 and float16 the storage bytes (little-endian).
 */
export function toPayload(t: Tensor): TensorPayload {
  if (STORAGE(t.dtype)) return { data: hostBytes(t.handle, t.dtype, t.numel()), shape: [...t.shape], dtype: t.dtype };
  return { data: t.dataSync(), shape: [...t.shape], dtype: t.dtype };
}

/** toPayload for a tensor on any device (an awaited read). */
export async function toPayloadAsync(t: Tensor): Promise<TensorPayload> {
  if (STORAGE(t.dtype)) return toPayload(t);
  return { data: await t.data(), shape: [...t.shape], dtype: t.dtype };
}

/** A payload checked: a TypedArray matching its dtype, not detached, whose length is the shape's product. */
export function checkPayload(p: unknown, what = "payload"): TensorPayload {
  if (p === null || typeof p !== "object") throw new TypeError(`${what}: expected a tensor payload {data, shape, dtype}, got ${p === null ? "null" : typeof p}`);
  const { data, shape, dtype } = p as TensorPayload;
  if (!ArrayBuffer.isView(data)) throw new TypeError(`${what}.data: expected a TypedArray (Float32Array, Int32Array, Uint8Array, ...)`);
  assertNotDetached(data, `${what}.data`);
  const d = checkDType(dtype);
  const want = PAYLOAD_ARRAY[d];
  if (!(data instanceof want)) throw new TypeError(`${what}.data: ${article(d)} ${d} payload needs a ${want.name}, got ${data.constructor.name}`);
  if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < 0)) throw new ValueError(`${what}.shape: expected non-negative integers, got ${JSON.stringify(shape)}`);
  const n = shape.reduce((a, b) => a * b, 1);
  const per = STORAGE(d) ? dtypeSize(d) : 1;
  if (n * per !== data.length) throw new ValueError(`${what}: shape [${shape.join(", ")}] has ${n} elements but data has ${STORAGE(d) ? `${data.length} bytes (${article(d)} ${d} payload holds ${per} bytes per element)` : data.length}`);
  return { data, shape, dtype: d };
}

/** A tensor (in this thread's engine) from a payload; the payload's array is copied, not kept. */
export function fromPayload(p: TensorPayload, what = "fromPayload()"): Tensor {
  const { data, shape, dtype } = checkPayload(p, what);
  if (STORAGE(dtype)) return fromBytes(shape, dtype, (dst) => dst.set(data as Uint8Array));
  return fromArray(data, shape, dtype);
}

export function isPayload(v: unknown): v is TensorPayload {
  return v !== null && typeof v === "object" && !(v instanceof Tensor) && ArrayBuffer.isView((v as TensorPayload).data) && Array.isArray((v as TensorPayload).shape);
}

/** A payload for a Tensor (copied out) or a payload as is (checked). */
export function payloadOf(v: Tensor | TensorPayload, what: string): TensorPayload {
  return v instanceof Tensor ? toPayload(v) : checkPayload(v, what);
}

/**
 * The buffers to transfer for these payloads. An array that views only part of its buffer
 * (or wasm memory) is first copied to a buffer of its own, so nothing else is detached.
 */
export function transferList(payloads: Iterable<TensorPayload>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const p of payloads) {
    const buf = p.data.buffer;
    if (typeof SharedArrayBuffer !== "undefined" && buf instanceof SharedArrayBuffer) continue;
    if (p.data.byteOffset !== 0 || p.data.byteLength !== buf.byteLength || out.has(buf as ArrayBuffer)) p.data = p.data.slice();
    out.add(p.data.buffer as ArrayBuffer);
  }
  return [...out];
}

/** A state dict of payloads from Tensors (each copied out once). */
export function toPayloads(sd: Record<string, Tensor | TensorPayload>): PayloadStateDict {
  const out: PayloadStateDict = {};
  for (const [k, v] of Object.entries(sd)) out[k] = payloadOf(v, `stateDict["${k}"]`);
  return out;
}

/** Tensors (in this thread's engine) from a state dict of payloads, for Module.loadStateDict. */
export function fromPayloads(sd: PayloadStateDict): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  try {
    for (const [k, v] of Object.entries(sd)) out[k] = fromPayload(v, `stateDict["${k}"]`);
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw e;
  }
  return out;
}
