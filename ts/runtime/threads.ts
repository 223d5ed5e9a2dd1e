// The threaded engine's pool (kd_kernels::parallel in Rust decides everything): workers that
// instantiate the same module on the engine's shared memory, give themselves a stack and a
// thread-local block of their own, and sleep in kd_pool_worker until a job comes. The same
// worker source runs in Node worker_threads and in browser Workers (from a Blob URL, so no
// bundler has to find a file). Workers never allocate and call no host function.
import type { Abi } from "./abi.js";

/** The threaded builds' initial memory: --initial-memory in scripts/build-wasm.mjs (16 MiB). */
const INITIAL_PAGES = 256;
/** wasm32's 4 GiB: --max-memory in scripts/build-wasm.mjs. */
const MAX_PAGES = 65536;
/** Each worker's shadow stack (the engine's own thread has the module's 1 MiB). */
const STACK_BYTES = 1 << 20;

const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** A browser page's main thread: it may not block, so a wait for workers there would spin. */
export const onPageMainThread = !isNode && typeof (globalThis as { document?: unknown }).document !== "undefined";

/** Why this runtime cannot run the threaded build, or undefined when it can. */
export function threadsUnavailable(): string | undefined {
  // Browsers hide SharedArrayBuffer itself from pages that are not isolated: name the cause.
  if (!isNode && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) {
    return "the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)";
  }
  if (typeof SharedArrayBuffer === "undefined") return "SharedArrayBuffer is not available";
  return undefined;
}

/** The cores this runtime reports (the default thread count, as torch's). */
export async function coreCount(): Promise<number> {
  if (isNode) {
    const os = await import("node:os");
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** The shared memory a threaded build imports. */
export function sharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
}

/** What a worker needs: the compiled module, the memory, its own stack top and TLS block. */
interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  index: number;
  stackTop: number;
  tls: number;
}

// Plain JS (no imports, no TS): runs as a Node `eval` worker or a classic browser Worker.
const WORKER_SOURCE = `"use strict";
(function () {
  var post;
  function run(d) {
    var imports = {};
    WebAssembly.Module.imports(d.module).forEach(function (imp) {
      var ns = imports[imp.module] || (imports[imp.module] = {});
      ns[imp.name] = imp.kind === "memory" ? d.memory : function () { return 0; };
    });
    WebAssembly.instantiate(d.module, imports).then(function (inst) {
      var x = inst.exports;
      x.__stack_pointer.value = d.stackTop;
      x.__wasm_init_tls(d.tls);
      post({ ready: d.index });
      x.kd_pool_worker(d.index);
    }).catch(function (e) { post({ error: String((e && e.stack) || e) }); });
  }
  if (typeof process !== "undefined" && process.versions && process.versions.node) {
    // getBuiltinModule: also where eval code runs as a module (node --input-type=module)
    var wt = process.getBuiltinModule ? process.getBuiltinModule("node:worker_threads") : require("node:worker_threads");
    post = function (m) { wt.parentPort.postMessage(m); };
    run(wt.workerData);
  } else {
    post = function (m) { self.postMessage(m); };
    self.onmessage = function (e) { run(e.data); };
  }
})();
`;

interface PoolWorker { terminate(): unknown }

class Pool {
  readonly workers: PoolWorker[] = [];
  #spawned = 0;
  #starting: Promise<unknown>[] = [];
  #blobUrl?: string;

  constructor(readonly module: WebAssembly.Module, readonly memory: WebAssembly.Memory, readonly abi: Abi) {}

  /** Starts workers until there are `n` (threads n + 1 with the caller); resolves when they run. */
  grow(n: number): Promise<void> {
    while (this.#spawned < n) {
      const index = this.#spawned++;
      this.#starting.push(this.#spawn(index).then((w) => { this.workers.push(w); }));
    }
    return Promise.all(this.#starting).then(() => undefined);
  }

  #memoryFor(bytes: number, align: number): number {
    const p = this.abi.kd_pool_alloc(bytes, align);
    if (!p) throw new Error("out of engine memory for a pool worker's stack");
    return p;
  }

  async #spawn(index: number): Promise<PoolWorker> {
    const x = this.abi as unknown as Record<string, WebAssembly.Global>;
    const stackTop = this.#memoryFor(STACK_BYTES, 16) + STACK_BYTES;
    const tls = this.#memoryFor(Number(x.__tls_size.value) || 1, Number(x.__tls_align.value) || 1);
    const start: WorkerStart = { module: this.module, memory: this.memory, index, stackTop, tls };
    if (isNode) {
      const { Worker } = await import("node:worker_threads");
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: start });
      w.unref(); // a sleeping pool never keeps the process alive
      await new Promise<void>((resolve, reject) => {
        w.once("message", (m: { ready?: number; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve()));
        w.once("error", reject);
      });
      return w;
    }
    this.#blobUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
    const w = new Worker(this.#blobUrl);
    await new Promise<void>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<{ ready?: number; error?: string }>) => (e.data.error ? reject(new Error(e.data.error)) : resolve());
      w.onerror = (e) => reject(new Error(e.message));
      w.postMessage(start);
    });
    return w;
  }
}

let pool: Pool | undefined;

/** Starts the pool of a threaded engine with `threads` threads (the caller is one of them). */
export async function startPool(module: WebAssembly.Module, memory: WebAssembly.Memory, abi: Abi, threads: number): Promise<void> {
  pool = new Pool(module, memory, abi);
  // The engine's own thread may sleep while it waits, except on a browser's main thread.
  abi.kd_pool_can_block(onPageMainThread ? 0 : 1);
  const n = abi.kd_set_num_threads(threads);
  try {
    await pool.grow(n - 1);
  } catch (e) {
    console.warn(`[kindling] a pool worker failed to start, running on fewer threads: ${(e as Error).message}`);
  }
}

/** Makes sure `threads - 1` workers exist (they join jobs once running). */
export function growPool(threads: number): void {
  pool?.grow(threads - 1).catch((e) => console.warn(`[kindling] a pool worker failed to start: ${(e as Error).message}`));
}

/** Workers started so far. */
export function poolWorkers(): number {
  return pool?.workers.length ?? 0;
}
