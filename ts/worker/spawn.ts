// The caller's side of kd.worker: spawn() starts the engine in a worker thread and returns a
// KindlingWorker whose methods are typed, async remote calls. Every call is raced against the
// thread's death, so a worker that exits, crashes or is terminated rejects what is pending with
// a WorkerError instead of leaving it hanging (Comlink alone would wait forever).
import type { EngineBuild } from "../runtime/load.js";
import * as Comlink from "comlink";
import { WorkerError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import "./remote-errors.js";
import { payloadOf, toPayloads, transferList } from "./payload.js";
import {
  READY, type DatasetSpec, type EvaluateOptions, type EvaluateResult, type ModelInfo, type ModelSpec, type PayloadStateDict,
  type TensorPayload, type TrainConfig, type TrainProgress, type TrainResult, type WorkerService,
} from "./protocol.js";
import { resolveImports, startThread, type Thread, type ThreadOptions, type WorkerHandle } from "./thread.js";

export interface SpawnOptions extends ThreadOptions {
  /** Modules the worker imports first (absolute URLs; in Node also file paths): they call kd.worker.registerModel / registerDataset. */
  imports?: (string | URL)[];
  /** The engine build to load in the worker ("simd" or "relaxed", "-threads" for the threaded one; default: the best the runtime supports). */
  variant?: EngineBuild;
  /** Threads of the worker's own pool: a count, or false for the single-threaded build (default: the core count where the threaded build runs). */
  threads?: number | false;
  /** Train and predict on this device in the worker: "webgpu" opens the GPU there (default "cpu"). */
  device?: "cpu" | "webgpu";
}

/** A tensor for a call: a main-thread Tensor (copied out once) or a payload (its buffer is transferred: the array you passed is detached afterwards). */
export type TensorLike = Tensor | TensorPayload;

/** One started thread and its remote; replaced by respawn(). */
class Session {
  readonly remote: Comlink.Remote<WorkerService>;
  readonly death: Promise<never>;
  reason: string | undefined;
  pending = 0;
  variant = "";
  threads = 1;
  device: "cpu" | "webgpu" = "cpu";
  adapter: string | undefined;

  constructor(readonly thread: Thread) {
    this.remote = Comlink.wrap<WorkerService>(thread.endpoint);
    this.death = new Promise<never>((_, reject) => thread.onDeath((r) => {
      this.reason = r;
      reject(new WorkerError(`the kindling worker ${r}`));
    }));
    this.death.catch(() => {}); // observed by the calls that race it
  }

  /** Resolves when the worker listens (its READY message), rejects if it dies first. */
  ready(): Promise<void> {
    const ep = this.thread.endpoint;
    const heard = new Promise<void>((resolve) => {
      const on = (ev: MessageEvent | { data: unknown }) => {
        if (ev.data !== READY) return;
        ep.removeEventListener("message", on as EventListener);
        resolve();
      };
      ep.addEventListener("message", on as EventListener);
    });
    return Promise.race([heard, this.death]);
  }

  async call<T>(what: string, f: (r: Comlink.Remote<WorkerService>) => Promise<T>): Promise<T> {
    if (this.reason !== undefined) throw new WorkerError(`${what}: the kindling worker ${this.reason}; call respawn() for a fresh one`);
    if (this.pending++ === 0) this.thread.ref();
    try {
      return await Promise.race([f(this.remote), this.death]);
    } catch (e) {
      if (e instanceof WorkerError && this.reason !== undefined) throw new WorkerError(`${what} failed: the kindling worker ${this.reason} while the call was pending`);
      throw e;
    } finally {
      if (--this.pending === 0) this.thread.unref();
    }
  }
}

/** The engine in a worker. Obtain one with `await kd.worker.spawn()`. */
export class KindlingWorker {
  readonly #opts: SpawnOptions;
  #session: Session | undefined;

  constructor(opts: SpawnOptions = {}) {
    this.#opts = { ...opts };
  }

  #s(what: string): Session {
    if (!this.#session) throw new WorkerError(`${what}: the kindling worker is not started; call respawn()`);
    return this.#session;
  }

  /** The underlying Worker (node:worker_threads or the browser's), e.g. to terminate it from outside. */
  get worker(): WorkerHandle {
    return this.#s("worker").thread.raw;
  }

  /** The engine build the worker loaded ("simd", "relaxed", "simd-threads" or "relaxed-threads"). */
  get variant(): string {
    return this.#s("variant").variant;
  }

  /** The threads the worker's CPU ops use (1 on a single-threaded build). */
  get threads(): number {
    return this.#s("threads").threads;
  }

  /** The worker's device, and its GPU adapter when it is "webgpu". */
  get device(): "cpu" | "webgpu" {
    return this.#s("device").device;
  }
  get adapter(): string | undefined {
    return this.#s("adapter").adapter;
  }

  /** False once the worker has exited, crashed or been terminated. */
  get alive(): boolean {
    return this.#session !== undefined && this.#session.reason === undefined;
  }

  /** Starts a fresh worker (ending the current one, if alive): the model, optimizer and datasets start over. */
  async respawn(): Promise<void> {
    if (this.#session && this.alive) await this.#session.thread.kill();
    const imports = await resolveImports(this.#opts.imports ?? []);
    const session = new Session(await startThread(this.#opts));
    this.#session = session;
    try {
      await session.ready();
      const { variant, threads, device, adapter } = await session.call("spawn()", (r) => r.init({ variant: this.#opts.variant, threads: this.#opts.threads, device: this.#opts.device, imports }));
      session.variant = variant;
      session.threads = threads;
      session.device = device;
      session.adapter = adapter;
    } catch (e) {
      await session.thread.kill();
      throw e;
    }
  }

  /** Builds the worker's model from a registered factory ({ factory: "tinyvgg" }) or a Sequential spec ({ layers: [...] }). */
  async build(spec: ModelSpec): Promise<ModelInfo> {
    return this.#s("build()").call("build()", (r) => r.build(spec));
  }

  /**
   * Trains the model; `onProgress` gets { step, epoch, loss, accuracy, samplesPerSec } every
   * config.progressEvery steps. Resolves with { cancelled: true } after cancel().
   */
  async train(config: TrainConfig<TensorLike>, onProgress?: (p: TrainProgress) => void): Promise<TrainResult> {
    const s = this.#s("train()");
    const [wire, transfers] = wireConfig(config);
    const cb = onProgress ? Comlink.proxy(onProgress) : undefined;
    return s.call("train()", (r) => r.train(Comlink.transfer(wire, transfers), cb));
  }

  /** Stops a running train() at its next step boundary; false if none was running. */
  async cancel(): Promise<boolean> {
    return this.#s("cancel()").call("cancel()", (r) => r.cancel());
  }

  /** Mean loss (and accuracy for classification losses) of the model over a dataset, in eval mode. */
  async evaluate(dataset: DatasetSpec<TensorLike>, opts: EvaluateOptions = {}): Promise<EvaluateResult> {
    const s = this.#s("evaluate()");
    const [wire, transfers] = wireDataset(dataset);
    return s.call("evaluate()", (r) => r.evaluate(Comlink.transfer(wire, transfers), opts));
  }

  /** The model's output for a batch, in eval mode without gradients, as a payload (kd.worker.fromPayload makes it a Tensor). */
  async predict(x: TensorLike): Promise<TensorPayload> {
    const s = this.#s("predict()");
    const p = payloadOf(x, "predict(x)");
    return s.call("predict()", (r) => r.predict(Comlink.transfer(p, transferList([p]))));
  }

  /** The model's state dict as payloads (kd.worker.fromPayloads makes them Tensors for Module.loadStateDict). */
  async stateDict(): Promise<PayloadStateDict> {
    return this.#s("stateDict()").call("stateDict()", (r) => r.stateDict());
  }

  /** Copies weights into the worker's model (Tensors from module.stateDict(), or payloads). Strict by default, as PyTorch's. */
  async loadStateDict(sd: Record<string, TensorLike>, opts: { strict?: boolean } = {}): Promise<{ missingKeys: string[]; unexpectedKeys: string[] }> {
    const s = this.#s("loadStateDict()");
    const wire = toPayloads(sd);
    return s.call("loadStateDict()", (r) => r.loadStateDict(Comlink.transfer(wire, transferList(Object.values(wire))), opts));
  }

  /** Ends the worker; pending calls reject with a WorkerError. respawn() starts a new one. */
  async terminate(): Promise<void> {
    if (this.#session && this.alive) await this.#session.thread.kill();
  }
}

function wireDataset(spec: DatasetSpec<TensorLike>): [DatasetSpec, ArrayBuffer[]] {
  if (spec === null || typeof spec !== "object" || !("tensors" in spec)) return [spec as DatasetSpec, []];
  const t = spec.tensors;
  if (t === null || typeof t !== "object") return [spec as DatasetSpec, []];
  const x = payloadOf(t.x, "dataset.tensors.x");
  const y = payloadOf(t.y, "dataset.tensors.y");
  return [{ ...spec, tensors: { x, y } }, transferList([x, y])];
}

function wireConfig(config: TrainConfig<TensorLike>): [TrainConfig, ArrayBuffer[]] {
  if (config === null || typeof config !== "object") return [config, []];
  const [dataset, transfers] = wireDataset(config.dataset);
  return [{ ...config, dataset }, transfers];
}

/** Starts the engine in a worker (Node worker_threads or a browser module Worker) and waits until it is ready. */
export async function spawn(opts: SpawnOptions = {}): Promise<KindlingWorker> {
  const w = new KindlingWorker(opts);
  await w.respawn();
  return w;
}
