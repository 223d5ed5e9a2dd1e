// Loads the engine's .wasm in Node (fs) or a browser (fetch), choosing the relaxed-SIMD build
// where the runtime supports it. The .wasm files sit beside the bundle (dist/); from the
// TypeScript sources (tests) they are found in ../../dist/.
import { setEngine, readString, type Abi, type Engine } from "./abi.js";
import { supportedVariant, type WasmVariant } from "./probe.js";
import { host } from "../gpu/host.js";
import { coreCount, onPageMainThread, sharedMemory, startPool, threadsUnavailable } from "./threads.js";

export interface InitOptions {
  /** Force a build ("simd" or "relaxed", with "-threads" for the threaded one); default: the
   * best the runtime validates (in Node, the KINDLING_WASM environment variable can force it too). */
  variant?: EngineBuild;
  /** Where the .wasm files are (a folder URL); default: beside this module. */
  wasmBase?: string | URL;
  /**
   * Threads for intra-op parallelism (kd.setNumThreads changes it later): a count, or false for
   * the single-threaded build. Default: the core count where SharedArrayBuffer is available
   * (Node; Workers of pages that are cross-origin isolated), else one thread. A page's main
   * thread defaults to one thread because it may not sleep while workers finish: a count here
   * (or kd.setNumThreads) makes it spin-wait instead. In Node, KINDLING_THREADS (a count, or
   * "off") sets it too.
   */
  threads?: number | false;
}

/** A build: the SIMD flavour, with or without threads. */
export type EngineBuild = WasmVariant | `${WasmVariant}-threads`;
type Build = EngineBuild;

const isNode = typeof process !== "undefined" && !!process.versions?.node;

/**
 * The engine builds beside this module, written as literal `new URL("./x.wasm", import.meta.url)`
 * so that bundlers (Vite, webpack, Parcel) find the .wasm files and emit them as assets.
 */
const BESIDE: Record<Build, () => URL> = {
  simd: () => new URL("./kindling.simd.wasm", import.meta.url),
  relaxed: () => new URL("./kindling.relaxed.wasm", import.meta.url),
  "simd-threads": () => new URL("./kindling.simd-threads.wasm", import.meta.url),
  "relaxed-threads": () => new URL("./kindling.relaxed-threads.wasm", import.meta.url),
};

function candidates(variant: Build, base?: string | URL): URL[] {
  const file = `kindling.${variant}.wasm`;
  if (base) return [new URL(file, base)];
  const beside = BESIDE[variant];
  if (!beside) throw new Error(`unknown Kindling engine build "${variant}": expected "simd" or "relaxed" (optionally with "-threads")`);
  // From the TypeScript sources (tests), the builds are in ../../dist/.
  return [beside(), new URL(`../../dist/${file}`, import.meta.url)];
}

async function readBytes(urls: URL[]): Promise<ArrayBuffer> {
  const errors: string[] = [];
  for (const url of urls) {
    try {
      if (isNode && url.protocol === "file:") {
        const fs = await import("node:fs/promises");
        const b = await fs.readFile(url);
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      }
      const r = await fetch(url);
      if (r.ok) return await r.arrayBuffer();
      errors.push(`${url}: HTTP ${r.status}`);
    } catch (e) {
      errors.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new Error(`Kindling could not load its engine:\n  ${errors.join("\n  ")}\nRun \`npm run build\`.`);
}

function parseOpTable(text: string): Engine["ops"] {
  const ops: Engine["ops"] = {};
  for (const fam of text.split(";").filter(Boolean)) {
    const [name, list] = fam.split(":");
    ops[name] = Object.fromEntries(list.split(",").map((op, i) => [op, i]));
  }
  return ops;
}

/**
 * Whether this runtime runs relaxed SIMD, turning it on where it can. Node 20's V8 has it behind
 * a flag; V8 reads its flags again when it validates or compiles a module, so setting the flag
 * here, before the engine is compiled, gives Node 20 the relaxed build too (Node >= 22 and
 * Chrome ship it on; elsewhere the probe decides).
 */
async function relaxedSimd(): Promise<boolean> {
  if (supportedVariant() === "relaxed") return true;
  if (!isNode) return false;
  try {
    const v8 = await import("node:v8");
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    return false; // a runtime without node:v8's flags keeps plain SIMD
  }
  return supportedVariant() === "relaxed";
}

/** The thread count asked for (undefined: the default), from the options or KINDLING_THREADS. */
function requestedThreads(opts: InitOptions): number | false | undefined {
  if (opts.threads !== undefined) return opts.threads;
  const env = isNode ? process.env.KINDLING_THREADS : undefined;
  if (env === undefined || env === "") return undefined;
  if (env === "off" || env === "0") return false;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new Error(`KINDLING_THREADS must be a thread count or "off", got "${env}"`);
  return n;
}

/** The core count, except on a page's main thread (see InitOptions.threads). */
async function defaultThreads(): Promise<number> {
  const cores = await coreCount();
  if (!onPageMainThread || cores === 1) return cores;
  console.info(`[kindling] one thread on the page's main thread, which may not block while workers finish: kd.worker.spawn() trains on all ${cores} cores off it (kd.setNumThreads(n) here spin-waits instead)`);
  return 1;
}

let loading: Promise<Engine> | undefined;

export function init(opts: InitOptions = {}): Promise<Engine> {
  loading ??= (async () => {
    const forced = isNode ? (process.env.KINDLING_WASM as WasmVariant | undefined) : undefined;
    const chosenBuild = opts.variant ?? forced;
    // "simd-threads" asks for threads as well as plain SIMD (a worker started by a threaded engine).
    const chosen = chosenBuild?.replace(/-threads$/, "") as WasmVariant | undefined;
    const relaxed = await relaxedSimd(); // also makes a forced "relaxed" compile in Node 20
    const variant = chosen ?? (relaxed ? "relaxed" : supportedVariant());
    if (variant !== "simd" && variant !== "relaxed") candidates(chosenBuild as Build); // names what exists
    // KINDLING_WASM_DIR (Node only): a folder of other builds to load instead, e.g. to bench
    // an engine built from another commit beside this one (`npm run bench -- train-cnn --before DIR`).
    const dir = isNode ? process.env.KINDLING_WASM_DIR : undefined;
    const base = opts.wasmBase ?? (dir ? new URL(`file://${dir.endsWith("/") ? dir : dir + "/"}`) : undefined);
    const asked = requestedThreads(opts);
    const why = threadsUnavailable();
    const threaded = asked !== false && !why;
    if (asked !== false && why && (await coreCount()) > 1) console.info(`[kindling] running on one thread: ${why}`);
    const build: Build = threaded ? `${variant}-threads` : variant;
    const module = await WebAssembly.compile(await readBytes(candidates(build, base)));
    // The engine imports a clock for its opt-in profiler and the WebGPU host's functions
    // (which refuse until kd.webgpu.init() has opened a device); a threaded build imports its
    // shared memory too.
    const memory = threaded ? sharedMemory() : undefined;
    const imports = { env: { kd_now: () => performance.now(), ...(memory ? { memory } : {}) }, kd_gpu: host.imports() };
    const instance = await WebAssembly.instantiate(module, imports as unknown as WebAssembly.Imports);
    // A plain copy of the (frozen) exports object, so the profiler can wrap entries.
    const abi = { ...instance.exports, ...(memory ? { memory } : {}) } as unknown as Abi;
    host.memory = abi.memory;
    const e: Engine = { abi, variant: build, ops: {} };
    setEngine(e);
    e.ops = parseOpTable(readString(abi.kd_op_table_ptr(), abi.kd_op_table_len()));
    if (threaded) await startPool(module, abi.memory, abi, Math.min(typeof asked === "number" ? asked : await defaultThreads(), 64));
    return e;
  })();
  return loading;
}
