// Handle lifetimes. A JS Tensor owns one engine handle. It is released by dispose(), by the
// end of a kd.tidy scope that did not return it, or, as the backstop, by a
// FinalizationRegistry once the Tensor object is garbage-collected (which happens when the
// event loop turns, so a long synchronous loop should use tidy or dispose).
//
// The backstop alone does not bound memory: a Tensor is a small JS object, its storage lives
// in wasm memory, which V8's GC heuristics do not see, so V8 may not collect for a long time
// while the wasm heap grows. Measured in Node 20 (tests/memory.test.ts' loop, x = randn(n);
// y = x.mul(2).add(1), nothing disposed, a macrotask awaited every N iterations): with
// n = 64 and N = 100, wasm memory reached 41 MB and 96k live handles; with n = 4096, 30k
// iterations reached 120 MB (N = 100) and 333 MB (N = 1000). So Kindling asks for a
// collection itself, the way V8 does for its own heap: when the bytes held by live storages
// (or the live handle count) doubled since the last cleanup, with floors of 16 MB and 512
// handles (a 512-handle floor measured 3.1 MiB for n = 64, N = 1000; a 10,000-step training loop
// stays within 1.2x of its step-100 level, tests/training-memory.test.ts). It gets a gc function in Node at run time (no node flag
// needed; process.getBuiltinModule, Node >= 20.16), or uses globalThis.gc where a host
// exposes one; with neither (browsers) this is off. Freed handles are released when the
// event loop next turns, so a loop must still await a macrotask now and then: one that never
// does keeps everything (117 MB for 100k iterations of n = 64) - use kd.tidy there.
import { call, memoryBytes } from "./runtime/engine.js";

type GcFn = () => void;
let gcFn: GcFn | null | undefined; // undefined: not looked up yet; null: none available
const MIN_BYTES = 16 << 20;
const MIN_HANDLES = 512;
/** Live storage bytes / live handles whose reaching triggers the next collection. */
let bytesMark = MIN_BYTES;
let handlesMark = MIN_HANDLES;
let collections = 0;

function findGc(): GcFn | null {
  const g = (globalThis as { gc?: unknown }).gc;
  if (typeof g === "function") return g as GcFn;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") return null;
  try {
    const v8 = proc.getBuiltinModule("node:v8") as { setFlagsFromString(f: string): void };
    const vm = proc.getBuiltinModule("node:vm") as { runInNewContext(code: string): unknown };
    // A context created while --expose-gc is set gets a gc(); reset the flag right after.
    v8.setFlagsFromString("--expose-gc");
    const fn = vm.runInNewContext("gc");
    v8.setFlagsFromString("--no-expose-gc");
    return typeof fn === "function" ? (fn as GcFn) : null;
  } catch {
    return null;
  }
}

/**
 * Called for every new tensor (two O(1) engine reads): past either mark, run a full GC so the
 * FinalizationRegistry releases the unreachable tensors at the next turn of the event loop.
 * Until that cleanup the marks double (a loop that never yields collects O(log n) times, as
 * nothing can be freed before it yields); the cleanup resets them to twice what is left.
 */
function maybeCollect(): void {
  const bytes = call.liveBytes();
  const handles = call.liveTensors();
  if (bytes < bytesMark && handles < handlesMark) return;
  gcFn ??= findGc();
  if (!gcFn) {
    bytesMark = handlesMark = Infinity;
    return;
  }
  bytesMark = Math.max(MIN_BYTES, 2 * bytes);
  handlesMark = Math.max(MIN_HANDLES, 2 * handles);
  collections++;
  gcFn();
}

function resetMarks(): void {
  if (bytesMark === Infinity) return;
  bytesMark = Math.max(MIN_BYTES, 2 * call.liveBytes());
  handlesMark = Math.max(MIN_HANDLES, 2 * call.liveTensors());
}

interface Owned {
  dispose(): void;
  readonly isDisposed: boolean;
}

const registry = new FinalizationRegistry<number>((h) => {
  call.release(h);
  resetMarks();
});

const scopes: Owned[][] = [];

export function track(t: Owned, handle: number): void {
  maybeCollect();
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
  } catch (e) {
    // a throwing scope still frees what it created
    scopes.pop();
    for (const t of scope) if (!t.isDisposed) t.dispose();
    throw e;
  }
  scopes.pop();
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

/**
 * Engine memory as it stands: live handles, bytes held by live storages, wasm memory size,
 * and how many garbage collections the engine has requested (see maybeCollect above).
 */
export function memory(): { liveTensors: number; storageBytes: number; wasmBytes: number; gcRequests: number } {
  return { liveTensors: call.liveTensors(), storageBytes: call.storageBytes(), wasmBytes: memoryBytes(), gcRequests: collections };
}
