// A TypedArray whose ArrayBuffer was transferred (postMessage / Comlink.transfer) is detached:
// it reads as empty. Using one must say so, not silently make an empty tensor.
import { ValueError } from "../errors.js";

/** True when the view's ArrayBuffer has been transferred away (detached). */
export function isDetached(view: ArrayBufferView): boolean {
  const buf = view.buffer as ArrayBuffer & { detached?: boolean };
  if (typeof buf.detached === "boolean") return buf.detached;
  if (buf.byteLength !== 0) return false;
  // Node 20 has no `detached` getter; constructing a view on a detached buffer throws.
  try {
    new Uint8Array(buf);
    return false;
  } catch {
    return true;
  }
}

/** Throws a ValueError naming `what` when `view` was transferred to a worker. */
export function assertNotDetached(view: ArrayBufferView, what: string): void {
  if (isDetached(view)) {
    throw new ValueError(
      `${what}: the ${view.constructor.name} was transferred to a worker (its ArrayBuffer is detached) and cannot be used here any more; keep a copy (.slice()) before transferring`,
    );
  }
}
