// Starting the engine's worker thread: a Node worker_threads Worker or a browser module Worker,
// behind one small interface: its Comlink endpoint, a death notice, ref/unref, kill.
// Public types here name neither comlink nor node: modules, so the .d.ts files load anywhere.
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { ValueError } from "../errors.js";

export const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** The worker thread itself: a browser Worker or a node:worker_threads Worker (cast to yours for more). */
export interface WorkerHandle {
  terminate(): unknown;
}

/** What Comlink talks through (structurally Comlink's Endpoint). */
export interface MessageEndpoint {
  postMessage(message: any, transfer?: any[]): void;
  addEventListener(type: string, listener: any, options?: {}): void;
  removeEventListener(type: string, listener: any, options?: {}): void;
  start?: () => void;
}

/** Node worker_threads resource limits (see node:worker_threads ResourceLimits). */
export interface NodeResourceLimits {
  maxOldGenerationSizeMb?: number;
  maxYoungGenerationSizeMb?: number;
  codeRangeSizeMb?: number;
  stackSizeMb?: number;
}

export interface Thread {
  /** The underlying Worker (node:worker_threads or the browser's). */
  raw: WorkerHandle;
  endpoint: MessageEndpoint;
  /** Called once, with why, when the thread dies (exit, crash, error event, out of memory, terminate). */
  onDeath(cb: (reason: string) => void): void;
  /** Node: keep the process alive while calls are pending, not while idle. Browsers: no-op. */
  ref(): void;
  unref(): void;
  kill(): Promise<void>;
}

export interface ThreadOptions {
  /** The worker script (default: worker.js beside this bundle, or ../../dist/worker.js from the TS sources). */
  url?: string | URL;
  /** Node only: worker_threads resource limits (e.g. { maxOldGenerationSizeMb: 512 }). */
  resourceLimits?: NodeResourceLimits;
}

async function nodeWorkerUrl(opts: ThreadOptions): Promise<URL> {
  if (opts.url) return new URL(opts.url);
  const { existsSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const tried = [new URL("./worker.js", import.meta.url), new URL("../../dist/worker.js", import.meta.url)];
  const found = tried.find((u) => u.protocol !== "file:" || existsSync(fileURLToPath(u)));
  if (!found) throw new ValueError(`kd.worker: the worker script is missing (looked for ${tried.map((u) => fileURLToPath(u)).join(" and ")}); run \`npm run build:ts\``);
  return found;
}

/** Module URLs for the worker to import: absolute URLs as they are; Node paths resolved; browser paths against the page. */
export async function resolveImports(imports: readonly (string | URL)[]): Promise<string[]> {
  const out: string[] = [];
  for (const u of imports) {
    if (u instanceof URL) out.push(u.href);
    else if (typeof u !== "string" || u === "") throw new ValueError(`spawn(): imports must be URLs or paths, got ${JSON.stringify(u)}`);
    else if (/^[a-z][a-z0-9+.-]*:/i.test(u) && !/^[a-z]:[\\/]/i.test(u)) out.push(u);
    else if (isNode) {
      const { pathToFileURL } = await import("node:url");
      const { resolve } = await import("node:path");
      out.push(pathToFileURL(resolve(u)).href);
    } else out.push(new URL(u, (globalThis as { location?: { href: string } }).location?.href).href);
  }
  return out;
}

function deathOnce() {
  let cb: ((reason: string) => void) | undefined;
  let reason: string | undefined;
  return {
    onDeath(f: (reason: string) => void) {
      cb = f;
      if (reason !== undefined) f(reason);
    },
    die(r: string) {
      if (reason !== undefined) return;
      reason = r;
      cb?.(r);
    },
  };
}

async function startNode(opts: ThreadOptions): Promise<Thread> {
  const { Worker } = await import("node:worker_threads");
  const raw = new Worker(await nodeWorkerUrl(opts), { resourceLimits: opts.resourceLimits });
  const d = deathOnce();
  raw.on("error", (e: Error) => d.die(`crashed: ${e.name === "Error" ? "" : `${e.name}: `}${e.message}`));
  raw.on("messageerror", (e: Error) => {
    d.die(`received a message it could not read (${e.message})`);
    void raw.terminate();
  });
  raw.on("exit", (code: number) => d.die(`exited with code ${code}`));
  // Someone calling raw.terminate() themselves is a death too (Node's exit event may come later).
  const terminate = raw.terminate.bind(raw);
  raw.terminate = () => {
    d.die("was terminated");
    return terminate();
  };
  return {
    raw, endpoint: nodeEndpoint(raw), onDeath: d.onDeath,
    ref: () => raw.ref(), unref: () => raw.unref(),
    kill: async () => { await raw.terminate(); },
  };
}

function startBrowser(opts: ThreadOptions): Thread {
  // The literal new URL("./worker.js", import.meta.url) lets bundlers find and emit the worker.
  const raw = opts.url ? new Worker(opts.url, { type: "module" }) : new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  const d = deathOnce();
  // A browser worker survives an uncaught error, but its state is then unknown: end it.
  raw.addEventListener("error", (ev: ErrorEvent) => {
    ev.preventDefault();
    d.die(`crashed: ${ev.message || "the worker script failed to load or threw"}`);
    raw.terminate();
  });
  raw.addEventListener("messageerror", () => {
    d.die("received a message it could not read");
    raw.terminate();
  });
  // Browsers fire no event when a worker is terminated: report it from terminate() itself.
  const terminate = raw.terminate.bind(raw);
  raw.terminate = () => {
    d.die("was terminated");
    terminate();
  };
  return { raw, endpoint: raw, onDeath: d.onDeath, ref: () => {}, unref: () => {}, kill: async () => raw.terminate() };
}

export async function startThread(opts: ThreadOptions): Promise<Thread> {
  return isNode ? startNode(opts) : startBrowser(opts);
}
