// Handle lifetimes. A JS Tensor owns one engine handle. It is released by dispose(), by the
// end of a kd.tidy scope that did not return it, by the step scope (below) in a training loop,
// or, as the backstop, by a FinalizationRegistry once the Tensor object is garbage-collected.
//
// The step scope. JS cannot tell synchronously that a tensor became unreachable:
// FinalizationRegistry callbacks (and WeakRef clearing) wait until the running job ends, so a
// synchronous loop - `for (let epoch...)` without await, `for (const b of loader)` - kept every
// intermediate until it ended (8,000 tiny epochs: 112k live handles; tests/step-scope.test.ts
// measured 6,019 -> 60,019 handles and 5.2 -> 40.8 MiB between epochs 1,000 and 10,000 of an
// MLP), and a gc() alone does not help. So a rule ends the life of training intermediates:
//
//   a tensor is released at the third optimizer.step() after it was last created or used (its
//   handle read: an op input, .item(), any read); reading it afterwards throws kd.DisposedError
//   naming this rule and the fix.
//
// With several optimizers (a GAN's D and G) only a step of an optimizer that already stepped
// since the last counted one counts, so an iteration counts once. A tensor therefore stays
// readable through the whole next iteration (`loss.item()` after step, last epoch's loss read
// after this epoch's step), and data used in every step (XTrain) never ages; the cost is three
// iterations of intermediates alive at a time.
//
// Never released by the rule: tensors created before an optimizer's first step() (the data,
// models and results a script makes before or between its training loops: when a new optimizer
// starts, what is pending is left to the garbage collector), leaves that require grad
// (parameters to be), parameters, buffers, optimizer state, state dicts, a TensorDataset's
// tensors, and whatever kd.keep(t) or kd.keep(() => ...) marks. kd.setStepScope(false) turns the
// rule off. Why these choices: aging by creation alone is simpler, but released data made
// between two loops of one optimizer in the second loop's third step; counting every step of
// every optimizer released a GAN's errD before the DCGAN-style print after optG.step(); and a
// DataLoader's next() as a boundary would release the predictions an inference loop collects
// for a final kd.cat, so handing out a batch is instead a safe point where, in Node, tensors the
// collector found unreachable are freed synchronously (safePoint below). Growth that no rule
// bounds is detected and warned about once, with the fix (watchGrowth, noteSyncGrowth).
//
// The collector backstop alone does not bound memory: a Tensor is a small JS object, its storage
// lives in wasm memory, which V8's GC heuristics do not see, so V8 may not collect for a long time
// while the wasm heap grows. Measured in Node 20 (tests/memory.test.ts' loop, x = randn(n);
// y = x.mul(2).add(1), nothing disposed, a macrotask awaited every N iterations): with
// n = 64 and N = 100, wasm memory reached 41 MB and 96k live handles; with n = 4096, 30k
// iterations reached 120 MB (N = 100) and 333 MB (N = 1000). So Kindling asks for a
// collection itself, the way V8 does for its own heap: when the bytes held by live storages
// (or the live handle count) doubled since the last cleanup, with floors of 16 MB and 512
// handles (a 512-handle floor measured 3.1 MiB for n = 64, N = 1000; a 10,000-step training loop
// stays within 1.2x of its step-100 level, tests/training-memory.test.ts). It gets a gc function in Node at run time (no node flag
// needed; process.getBuiltinModule, Node >= 20.16), or uses globalThis.gc where a host
// exposes one; with neither (browsers) only the growth warning is left. Freed handles are
// released when the event loop next turns, or (Node) at the next safe point - a synchronous
// DataLoader batch, an optimizer.step(); a loop with neither that never yields keeps
// everything (117 MB for 100k iterations of n = 64) - use kd.tidy there (a warning says so).
import { call, memoryBytes } from "./runtime/engine.js";

type GcFn = (opts?: { type: "minor" | "major" }) => void;
let gcFn: GcFn | null | undefined; // undefined: not looked up yet; null: none available
const MIN_BYTES = 16 << 20;
const MIN_HANDLES = 512;
/** Live storage bytes / live handles whose reaching triggers the next collection. */
let bytesMark = MIN_BYTES;
let handlesMark = MIN_HANDLES;
let collections = 0;

type Registry = FinalizationRegistry<Cell> & { cleanupSome?: () => void };

/**
 * A gc function: in Node, from a context made while --expose-gc is set, which also gets a
 * FinalizationRegistry with cleanupSome (V8's --harmony-weak-refs-with-cleanup-some: the
 * withdrawn proposal's method, which runs the callbacks of collected targets synchronously;
 * new tensors register there from now on). Else globalThis.gc where a host exposes one.
 */
function findGc(): GcFn | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule === "function") {
    try {
      const v8 = proc.getBuiltinModule("node:v8") as { setFlagsFromString(f: string): void };
      const vm = proc.getBuiltinModule("node:vm") as { runInNewContext(code: string): unknown };
      // Flags read when a context is created; reset them right after.
      v8.setFlagsFromString("--expose-gc");
      v8.setFlagsFromString("--harmony-weak-refs-with-cleanup-some");
      let made: { gc?: unknown; FR?: new (cb: (cell: Cell) => void) => Registry };
      try {
        made = vm.runInNewContext("({ gc: typeof gc === 'function' ? gc : undefined, FR: FinalizationRegistry })") as typeof made;
      } finally {
        v8.setFlagsFromString("--no-expose-gc");
        v8.setFlagsFromString("--no-harmony-weak-refs-with-cleanup-some");
      }
      if (made.FR && typeof made.FR.prototype.cleanupSome === "function") registry = new made.FR(finalized);
      if (typeof made.gc === "function") return made.gc as GcFn;
    } catch {
      // fall through
    }
  }
  const g = (globalThis as { gc?: unknown }).gc;
  return typeof g === "function" ? (g as GcFn) : null;
}

/**
 * A safe point (a DataLoader handing out a batch, optimizer.step()): no library frame holds a
 * raw handle here, so the tensors the last requested collection found unreachable can be
 * released now, synchronously, where the registry has cleanupSome - a loop that never yields
 * then stays flat too. Elsewhere (browsers) they wait for the event loop.
 */
export function safePoint(): void {
  if (!cleanupPending) return;
  cleanupPending = false;
  registry.cleanupSome?.();
}

/**
 * Called for every new tensor (two O(1) engine reads): past either mark, run a GC (minor or
 * full, below) so the FinalizationRegistry releases the unreachable tensors at the next turn of
 * the event loop.
 * Until that cleanup the marks double (a loop that never yields collects O(log n) times, as
 * nothing can be freed before it yields); the cleanup resets them to twice what is left.
 */
function maybeCollect(): void {
  const bytes = call.liveBytes();
  const handles = call.liveTensors();
  if (bytes < bytesMark && handles < handlesMark) return;
  gcFn ??= findGc();
  bytesMark = Math.max(MIN_BYTES, 2 * bytes);
  handlesMark = Math.max(MIN_HANDLES, 2 * handles);
  noteSyncGrowth(handles);
  if (!gcFn) return; // browsers: the marks still watch for growth
  collections++;
  flushNursery(); // what the nursery holds must be collectable now
  // Every other one is a minor collection (a scavenge, far cheaper than a full one): it frees
  // the young garbage of the last few hundred ops; the full ones free what lived long enough
  // to be promoted. Minor ones alone let promoted garbage pile up (measured: an inference loop
  // over a DataLoader rose from 4,101 to 6,528 live handles with 3 minor ones in 4).
  gcFn(collections % 2 === 0 ? undefined : { type: "minor" });
  cleanupPending = true;
}

function resetMarks(): void {
  bytesMark = Math.max(MIN_BYTES, 2 * call.liveBytes());
  handlesMark = Math.max(MIN_HANDLES, 2 * call.liveTensors());
}

/** What memory.ts tracks: a Tensor. */
export interface Owned {
  dispose(): void;
  readonly isDisposed: boolean;
  /** The last step generation that created or used it (Tensor's handle getter writes it); KEPT when kept. */
  _gen: number;
  readonly requiresGrad: boolean;
  readonly isLeaf: boolean;
  /** Its engine handle as it is now (0 once disposed), read without the step stamp. */
  _raw(): number;
  /** Its registration with the collector's backstop (null while in the nursery). */
  _cell: Cell | null;
}

/**
 * What the FinalizationRegistry holds for a registered tensor: the handle it releases when the
 * tensor is collected, 0 once dispose() released it (so dispose never unregisters: V8's
 * unregister, and the token map a registration with a token needs, cost more than the op).
 */
export interface Cell { h: number }

function finalized(cell: Cell): void {
  if (cell.h === 0) return; // disposed before it was collected
  call.release(cell.h);
  cell.h = 0;
  syncGrowth = 0;
  resetMarks();
}

let registry: Registry = new FinalizationRegistry<Cell>(finalized);
let cleanupPending = false;

// The nursery. A tensor is registered with the collector's backstop only when it outlives the
// synchronous job that created it (a queued microtask registers what is still live), or when
// the nursery fills: one that is disposed first (by dispose(), a tidy scope, an op's temporary)
// never pays for a registration. The nursery holds its tensors strongly, which changes nothing
// the collector could have done: finalizers run only after the job ends (or at a safe point,
// and maybeCollect empties the nursery before it asks for a collection).
const NURSERY_MAX = 256;
let nursery: Owned[] = [];
let flushQueued = false;

function flushNursery(): void {
  flushQueued = false;
  const list = nursery;
  nursery = [];
  for (let i = 0; i < list.length; i++) register(list[i]);
}

function register(t: Owned): void {
  const h = t._raw();
  if (h === 0 || t._cell) return;
  const cell: Cell = { h };
  t._cell = cell;
  registry.register(t, cell);
}

const scopes: Owned[][] = [];

export function track(t: Owned): void {
  maybeCollect();
  if (nursery.push(t) >= NURSERY_MAX) flushNursery();
  else if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flushNursery);
  }
  scopes.at(-1)?.push(t);
  if (keeping > 0) t._gen = KEPT;
  else {
    t._gen = stepGen;
    if (listing) current.push(t);
  }
}

/** t's handle is being released by its owner: the collector's backstop must not release it. */
export function untrack(t: Owned): void {
  const cell = t._cell;
  if (cell) {
    cell.h = 0;
    t._cell = null;
  }
}

/** The collector's backstop for t now releases t's new handle (replaced in place). */
export function retrack(t: Owned): void {
  if (!t._cell) return; // still in the nursery: registered with its handle as it is then
  untrack(t);
  register(t);
}

/**
 * kd.keep(t) takes t out of every open tidy scope and out of the step scope, so that it lives
 * until disposed (or collected): nn.Parameter, module buffers and optimizer state use it, so a
 * model built inside kd.tidy survives it. kd.keep(fn) runs fn (synchronous) and exempts every
 * tensor it creates from the step scope; a kd.tidy around it still frees what it does not return.
 */
export function keep<T extends Owned>(t: T): T;
export function keep<R>(fn: () => R): R;
export function keep(x: Owned | (() => unknown)): unknown {
  if (typeof x === "function") {
    keeping++;
    let r: unknown;
    try {
      r = x();
    } finally {
      keeping--;
    }
    if (r instanceof Promise) throw new TypeError("kd.keep(fn) takes a synchronous function; keep an awaited tensor with kd.keep(t)");
    return r;
  }
  if (x === null || typeof x !== "object" || !("isDisposed" in x)) throw new TypeError("kd.keep() takes a Tensor or a function");
  for (const s of scopes) {
    const i = s.lastIndexOf(x);
    if (i >= 0) s.splice(i, 1);
  }
  x._gen = KEPT;
  return x;
}

/** Exempts t from the step scope only (it stays in its tidy scope): data a library structure holds. */
export function exempt<T extends Owned>(t: T): T {
  t._gen = KEPT;
  return t;
}

/**
 * Re-dates t to the current step and lists it again: a DataLoader's prefetched batch is exempt
 * while it waits in the queue (it may wait several steps) and ages from when it is handed out.
 */
export function handOut(t: Owned): void {
  t._gen = stepGen;
  if (listing) current.push(t);
}

// ---- the step scope (the rule is described at the top of this file) -----------------------

const KEPT = Infinity;
/** The current step generation: Tensor's handle getter stamps it on every tensor it reads. */
export let stepGen = 0;
let enabled = true;
/** Whether new tensors are listed: false until an optimizer's first step (they are exempt). */
let listing = false;
/** Tensors listed in the current generation and the two before it; each list also holds older tensors used since. */
let current: Owned[] = [];
let previous: Owned[] = [];
let older: Owned[] = [];
/** Each optimizer's generation at its last step (its first step starts a fresh scope). */
let lastStep = new WeakMap<object, number>();
let keeping = 0;
const released = new WeakSet<object>();
const STEP_MESSAGE =
  "this tensor was released by the step scope: a tensor is freed at the third optimizer.step() after it was " +
  "last created or used, so that training loops need no dispose(). To keep a value " +
  "across steps, read it first (loss.item(), t.dataSync()), or keep the tensor: kd.keep(loss.detach()), or " +
  "create it inside kd.keep(() => ...); kd.setStepScope(false) turns the rule off";

/** The DisposedError message for a tensor whose handle is gone. */
export function disposedMessage(t: object): string {
  return released.has(t) ? STEP_MESSAGE : "this tensor was disposed; it cannot be used any more";
}

/** Whether the step scope released t (for its printed form). */
export function releasedByStepScope(t: object): boolean {
  return released.has(t);
}

/**
 * Called by optimizer.step() (`owner` is the optimizer) before it updates anything. A step by
 * an optimizer that already stepped in this generation starts the next one and releases what
 * the rule says; another optimizer's step joins the generation; an optimizer's first step
 * leaves everything made so far alone.
 */
export function stepBoundary(owner: object): void {
  safePoint();
  if (!enabled) return;
  const last = lastStep.get(owner);
  if (last === undefined) {
    // What exists now was made before this loop: data, models, earlier results.
    current = [];
    previous = [];
    older = [];
    listing = true;
    lastStep.set(owner, stepGen);
    return;
  }
  if (last !== stepGen) {
    lastStep.set(owner, stepGen); // a second optimizer in the same iteration
    return;
  }
  stepGen++;
  lastStep.set(owner, stepGen);
  const expiring = older;
  older = previous;
  previous = current;
  current = [];
  for (const t of expiring) {
    if (t._gen === KEPT || t.isDisposed) continue;
    if (t._gen >= stepGen - 1) previous.push(t);
    else if (t.requiresGrad && t.isLeaf) t._gen = KEPT; // a parameter in waiting (kd.tensor(...).requiresGrad_()) // used in the step that just ended
    else if (t._gen === stepGen - 2) older.push(t); // used in the one before
    else {
      released.add(t);
      t.dispose();
    }
  }
  watchGrowth();
}

/** Turns the step scope on or off (default on); returns the previous setting. */
export function setStepScope(on: boolean): boolean {
  if (typeof on !== "boolean") throw new TypeError(`kd.setStepScope() takes true or false, got ${typeof on}`);
  const was = enabled;
  enabled = on;
  // Either way, nothing made so far is released: the next step starts afresh.
  current = [];
  previous = [];
  older = [];
  listing = false;
  lastStep = new WeakMap();
  return was;
}

// ---- growth no rule bounds: warn once, naming the fix -----------------------------------

const WINDOW = 500;
let steps = 0;
let windowStart = -1;
let growingWindows = 0;
let warnedSteps = false;

/** Every WINDOW steps: live handles that grew for 4 windows in a row (by 10% and 200+ each) get a warning. */
function watchGrowth(): void {
  if (++steps % WINDOW !== 0 || warnedSteps) return;
  const live = call.liveTensors();
  if (windowStart >= 0 && live > 1.1 * windowStart && live - windowStart >= 200) growingWindows++;
  else growingWindows = 0;
  windowStart = live;
  if (growingWindows >= 4) {
    warnedSteps = true;
    console.warn(
      `kindling: live tensors keep growing across optimizer steps (${live} after ${steps} steps): something ` +
        "keeps tensors alive from step to step - kd.keep() in the loop, or a tensor built on last step's (sum = " +
        "sum.add(loss)). Accumulate numbers instead (sum += loss.item()), dispose() what you keep, or run the " +
        "step inside kd.tidy(() => ...).",
    );
  }
}

let syncGrowth = 0;
let warnedSync = false;

/** A collection requested while no finalizer has run since the last one: growth in code that never yields. */
function noteSyncGrowth(handles: number): void {
  if (++syncGrowth < 7 || warnedSync) return;
  warnedSync = true;
  console.warn(
    `kindling: ${handles} live tensors and growing in code that has not yielded to the event loop: unreachable ` +
      "tensors are only freed when it does, and no optimizer.step() bounds this loop. Wrap the loop body in " +
      "kd.tidy(() => ...) (or dispose() what you are done with), or await between iterations (for await over " +
      "a DataLoader).",
  );
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
 *
 * An async `fn` gets a Promise back, and its scope stays open until the promise settles: what
 * it creates across its awaits is freed then, except the resolved value's tensors. The scope is
 * the innermost open one while it waits, so a tensor that *other* code creates during the await
 * (a timer, another request) also belongs to it and is freed when it settles, unless that code
 * calls kd.keep(t) on it: JavaScript gives no portable way to tell whose
 * continuation created a tensor. Keep unrelated work out of an async tidy's awaits.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Owned[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(scope, undefined, true);
    throw e;
  }
  if (!(result instanceof Promise)) {
    closeScope(scope, result, false);
    return result;
  }
  return result.then(
    (v: unknown) => {
      closeScope(scope, v, false);
      return v;
    },
    (e: unknown) => {
      closeScope(scope, undefined, true);
      throw e;
    },
  ) as T; // T is the Promise type here
}

/** Ends a tidy scope (wherever it sits in the stack: async scopes may settle out of order). */
function closeScope(scope: Owned[], result: unknown, failed: boolean): void {
  const at = scopes.lastIndexOf(scope);
  if (at >= 0) scopes.splice(at, 1);
  const keep = new Set<unknown>();
  if (!failed) kept(result, keep);
  const parent = at > 0 ? scopes[at - 1] : undefined;
  for (const t of scope) {
    if (keep.has(t)) parent?.push(t);
    else if (!t.isDisposed) t.dispose();
  }
}

/**
 * Engine memory as it stands: live handles, bytes held by live storages, wasm memory size,
 * and how many garbage collections the engine has requested (see maybeCollect above).
 */
export function memory(): { liveTensors: number; storageBytes: number; wasmBytes: number; gcRequests: number } {
  return { liveTensors: call.liveTensors(), storageBytes: call.storageBytes(), wasmBytes: memoryBytes(), gcRequests: collections };
}
