// Handle lifetimes. A JS Tensor owns one engine handle. It is released by dispose(), by the
// end of a kd.tidy scope that did not return it, or, as the backstop, by a
// FinalizationRegistry once the Tensor object is garbage-collected (which happens when the
// event loop turns, so a long synchronous loop should use tidy or dispose).
import { abi } from "./runtime/abi.js";

interface Owned {
  dispose(): void;
  readonly isDisposed: boolean;
}

const registry = new FinalizationRegistry<number>((h) => {
  abi().kd_release(h);
});

const scopes: Owned[][] = [];

export function track(t: Owned, handle: number): void {
  registry.register(t, handle, t);
  scopes.at(-1)?.push(t);
}

export function untrack(t: Owned): void {
  registry.unregister(t);
}

/**
 * Takes t out of every open tidy scope, so that it lives until disposed (or collected):
 * nn.Parameter and module buffers use it, so a model built inside kd.tidy survives it.
 */
export function keep<T extends Owned>(t: T): T {
  for (const s of scopes) {
    const i = s.lastIndexOf(t);
    if (i >= 0) s.splice(i, 1);
  }
  return t;
}

/** Collects the tensors inside a value returned from tidy (tensor, array, plain object). */
function kept(v: unknown, out: Set<unknown>, depth = 0): void {
  if (v === null || typeof v !== "object" || depth > 8) return;
  if ("isDisposed" in (v as object) && "dispose" in (v as object)) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) for (const x of v) kept(x, out, depth + 1);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v as object)) kept(x, out, depth + 1);
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (as PyTorch has no
 * equivalent, this is the TF.js idiom; tensors created in nested tidies are handled by them).
 */
export function tidy<T>(fn: () => T): T {
  const scope: Owned[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) {
    throw new TypeError("kd.tidy() cannot take an async function: tensors would be freed before it resolves");
  }
  const keep = new Set<unknown>();
  kept(result, keep);
  for (const t of scope) {
    if (keep.has(t)) scopes.at(-1)?.push(t);
    else if (!t.isDisposed) t.dispose();
  }
  return result;
}

/** Engine memory as it stands: live handles, bytes held by live storages, wasm memory size. */
export function memory(): { liveTensors: number; storageBytes: number; wasmBytes: number } {
  const a = abi();
  return { liveTensors: a.kd_live_tensors(), storageBytes: a.kd_storage_bytes(), wasmBytes: a.memory.buffer.byteLength };
}
