// torch.utils.data.DataLoader: batches of a dataset, optionally shuffled with a seeded generator.
//
//   const loader = new kd.data.DataLoader(trainData, { batchSize: 32, shuffle: true });
//   for await (const [x, y] of loader) { ... }      // prefetches the next batch
//   for (const [x, y] of loader) { ... }            // synchronous datasets, no prefetch
//
// Memory: each batch is a set of fresh tensors owned by the consumer (dispose them, or let a
// tidy, the step scope or the garbage collector do it); whatever the loader creates to build a
// batch is freed before the batch is handed out. Handing out a batch is not a step-scope
// boundary (an inference loop may collect its predictions for a final kd.cat); in a synchronous
// for…of it is a safe point where tensors the collector found unreachable are freed at once
// (ts/memory.ts), so inference loops that never yield stay flat in Node too. Batches prefetched but never handed out (a `break`) are freed.
//
// Prefetch: JS runs one thing at a time, so "ahead" means: as soon as batch k is handed out,
// batch k+1 is scheduled as a macrotask. It is built while the consumer's step awaits anything
// (a GPU read, I/O, a UI frame), and an async dataset's reads (fetch, files) start at once and
// overlap the step. Between batches the loader yields to the event loop, so FinalizationRegistry
// callbacks and a page's UI get their turn.
import { fromArray } from "../creation.js";
import { ValueError } from "../errors.js";
import { stack } from "../functional.js";
import { exempt, handOut, safePoint, tidy } from "../memory.js";
import { Tensor, type Device } from "../tensor.js";
import { checkDevice } from "../device.js";
import { isPromise, IterableDataset, type MapDataset } from "./dataset.js";
import { Generator } from "./generator.js";
import { positional, type PositionalArgs } from "../options.js";

const LOADER_OPTIONS = ["batchSize", "shuffle", "dropLast", "collate", "collateFn", "generator", "seed", "sampler", "prefetch", "device"] as const;

export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1); null hands out single items uncollated, as torch's batch_size=None. */
  batchSize?: number | null;
  /** Reshuffle the order at every epoch (map-style datasets only). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** Turns a list of items into a batch (default: defaultCollate). */
  collate?: (items: T[]) => B;
  /** torch's name for `collate`. */
  collateFn?: (items: T[]) => B;
  /** The generator that shuffles (advanced from epoch to epoch, as torch's). */
  generator?: Generator;
  /** A seed for a generator of the loader's own (instead of `generator`). */
  seed?: number;
  /** A custom order of indices (each epoch iterates it again); excludes shuffle. */
  sampler?: Iterable<number>;
  /** Batches built ahead of the consumer in `for await` (default 1; 0 builds on demand). */
  prefetch?: number;
  /** The device batches are moved to (default "cpu"; "webgpu" after kd.webgpu.init()): every
   * tensor in a batch (arrays and objects of them too) is moved as it is collated. */
  device?: Device;
}

/** The batch with each tensor in it on `device` (the CPU originals freed). */
function moveBatch<B>(b: B, device: Device): B {
  if (b instanceof Tensor) {
    if (b.device === device) return b;
    const m = b.to(device);
    b.dispose();
    return m as unknown as B;
  }
  if (Array.isArray(b)) return b.map((x) => moveBatch(x, device)) as unknown as B;
  if (b !== null && typeof b === "object" && Object.getPrototypeOf(b) === Object.prototype) {
    return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, moveBatch(v, device)])) as B;
  }
  return b;
}

/** What a DataLoader loads: a map-style dataset (sync or async getItem) or a stream of items. */
export type DataSource<T> = MapDataset<T | Promise<T>> | IterableDataset<T> | Iterable<T> | AsyncIterable<T>;

interface Stream<T> {
  [Symbol.iterator]?(): Iterator<T>;
  [Symbol.asyncIterator]?(): AsyncIterator<T>;
}

/** The batch type defaultCollate gives for an item type. */
export type Collated<T> = T extends Tensor | number | boolean
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[]
      ? { [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { [K in keyof T]: Collated<T[K]> }
        : unknown;

export class DataLoader<T = unknown, B = Collated<T>> implements AsyncIterable<B>, Iterable<B> {
  readonly dataset: DataSource<T>;
  readonly batchSize: number | null;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly generator: Generator | undefined;
  readonly collate: (items: T[]) => B;
  /** Where batches are delivered. */
  readonly device: Device;
  readonly sampler: Iterable<number> | undefined;
  readonly #customCollate: boolean;
  #asyncItems = false;

  /** PyTorch's positional order: DataLoader(dataset, batch_size, shuffle, sampler); a trailing options object may follow. */
  constructor(dataset: DataSource<T>, ...args: PositionalArgs<[batchSize: number | null, shuffle: boolean, sampler: Iterable<number>], DataLoaderOptions<T, B>>);
  constructor(dataset: DataSource<T>, ...args: unknown[]) {
    const opts = positional("DataLoader(dataset, batch_size=1, shuffle=False, sampler=None)", args, ["batchSize", "shuffle", "sampler"], LOADER_OPTIONS) as DataLoaderOptions<T, B>;
    const bs = opts.batchSize === undefined ? 1 : opts.batchSize;
    if (bs !== null && (!Number.isInteger(bs) || bs <= 0)) throw new ValueError(`batchSize should be a positive integer value, but got batchSize=${bs}`);
    const iterable = isIterableDataset(dataset);
    if (!iterable && !isMapDataset(dataset)) throw new TypeError("DataLoader: the dataset must have `length` and `getItem(i)`, or be an IterableDataset");
    if (iterable && opts.shuffle) throw new ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=true");
    if (iterable && opts.sampler) throw new ValueError("DataLoader with IterableDataset: expected unspecified sampler option");
    if (opts.sampler && opts.shuffle) throw new ValueError("sampler option is mutually exclusive with shuffle");
    if (bs === null && opts.dropLast) throw new ValueError("batchSize=null option disables auto-batching and is mutually exclusive with dropLast");
    const prefetch = opts.prefetch ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new ValueError(`prefetch must be a non-negative integer, got ${prefetch}`);
    if (opts.seed !== undefined && opts.generator) throw new ValueError("DataLoader: give either `generator` or `seed`, not both");
    this.dataset = dataset;
    this.batchSize = bs;
    this.shuffle = !!opts.shuffle;
    this.dropLast = !!opts.dropLast;
    this.prefetch = prefetch;
    this.sampler = opts.sampler;
    this.generator = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : undefined);
    const collate = opts.collate ?? opts.collateFn;
    this.#customCollate = !!collate;
    const base = collate ?? (bs === null ? ((items: T[]) => items[0] as unknown as B) : (defaultCollate as (items: T[]) => B));
    const device = opts.device === undefined ? "cpu" : checkDevice(opts.device);
    this.device = device;
    this.collate = device === "cpu" ? base : (items: T[]) => moveBatch(base(items), device);
    this.#asyncItems = !iterable && (dataset as MapDataset).getItem.constructor?.name === "AsyncFunction";
  }

  /** Number of batches in an epoch (map-style datasets). */
  get length(): number {
    if (isIterableDataset(this.dataset)) throw new TypeError("DataLoader over an IterableDataset has no length");
    const n = this.sampler ? samplerLength(this.sampler) : (this.dataset as MapDataset).length;
    if (this.batchSize === null) return n;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The batches' index lists of one epoch (draws the shuffle order now). */
  *batchIndices(): Generator_<number[]> {
    this.#baseSeed();
    const ds = this.dataset as MapDataset;
    let order: Iterable<number>;
    if (this.sampler) order = this.sampler;
    else if (this.shuffle) order = this.#shuffled(ds.length);
    else order = range(ds.length);
    const bs = this.batchSize ?? 1;
    let cur: number[] = [];
    for (const i of order) {
      cur.push(i);
      if (cur.length === bs) {
        yield cur;
        cur = [];
      }
    }
    if (cur.length > 0 && !this.dropLast) yield cur;
  }

  /**
   * One epoch's order, drawn as torch's RandomSampler draws it, so a seed gives torch's order:
   * a permutation from the loader's generator, or without one from a fresh generator seeded by
   * a 64-bit engine draw; when its order runs out it draws one more (empty) slice of a
   * permutation, which advances the loader's generator.
   */
  *#shuffled(n: number): Generator_<number> {
    const g = this.generator ?? new Generator(Generator.seedFromEngine());
    yield* g.randperm(n);
    g.randperm(n);
  }

  /**
   * torch's DataLoader iterator takes a 64-bit base seed (for its workers) from the loader's
   * generator, or the engine's, at the start of every epoch, shuffled or not: drawn here too, so
   * both streams stay where torch's are (dropout after a test pass, say).
   */
  #baseSeed(): void {
    if (!this.generator) Generator.seedFromEngine();
    else {
      this.generator.nextUint32();
      this.generator.nextUint32();
    }
  }

  // ---- synchronous iteration --------------------------------------------------------------

  /** Synchronous batches (no prefetch): map-style datasets whose getItem is synchronous. */
  *[Symbol.iterator](): Iterator<B> {
    if (isIterableDataset(this.dataset)) {
      const ds = this.dataset as Stream<T>;
      if (!ds[Symbol.iterator]) throw new TypeError("this IterableDataset is asynchronous: iterate the DataLoader with for await");
      this.#baseSeed();
      yield* this.#syncStream(ds[Symbol.iterator]!());
      return;
    }
    if (this.#asyncItems) throw new TypeError("this dataset's getItem is asynchronous: iterate the DataLoader with for await");
    for (const idx of this.batchIndices()) {
      safePoint(); // a loop that never yields: free what the collector found unreachable (ts/memory.ts)
      const r = this.#buildSync(idx);
      if ("pending" in r) {
        void settle(r.pending);
        throw new TypeError("this dataset's getItem is asynchronous: iterate the DataLoader with for await");
      }
      yield r.batch;
    }
  }

  *#syncStream(it: Iterator<T>): Generator_<B> {
    const bs = this.batchSize;
    for (;;) {
      let done = false;
      safePoint();
      const batch = tidy(() => {
        const items: T[] = [];
        while (items.length < (bs ?? 1)) {
          const n = it.next();
          if (n.done) {
            done = true;
            break;
          }
          items.push(n.value);
        }
        if (items.length === 0 || (done && bs !== null && items.length < bs && this.dropLast)) return null;
        return [this.collate(items)] as [B];
      });
      if (batch) yield batch[0];
      if (done) return;
    }
  }

  /** One batch built inside a tidy; a promise among the items aborts with the pending items. */
  #buildSync(indices: number[]): { batch: B } | { pending: (T | Promise<T>)[] } {
    const ds = this.dataset as MapDataset<T | Promise<T>>;
    return tidy(() => {
      if (!this.#customCollate && this.batchSize !== null && typeof ds.getBatch === "function") {
        const b = ds.getBatch(indices);
        if (isPromise(b)) throw new TypeError("getBatch() must be synchronous");
        return { batch: this.device === "cpu" ? (b as B) : moveBatch(b as B, this.device) };
      }
      const items = indices.map((i) => ds.getItem(i));
      if (items.some(isPromise)) return { pending: items };
      return { batch: this.collate(items as T[]) };
    });
  }

  // ---- asynchronous iteration with prefetch -----------------------------------------------

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    if (isIterableDataset(this.dataset)) {
      this.#baseSeed();
      yield* this.#asyncStream();
      return;
    }
    const batches = this.batchIndices();
    const ahead: Promise<B>[] = [];
    // `ahead` holds the batches scheduled beyond the one the consumer has.
    const fill = (count: number) => {
      while (ahead.length < count) {
        const n = batches.next();
        if (n.done) return;
        // exempt from the step scope while queued: with prefetch > 1 a batch may wait steps
        const p = this.#buildAsync(n.value).then((b) => (forEachTensor(b, exempt), b));
        p.catch(() => {}); // rejections are raised when the consumer reaches that batch
        ahead.push(p);
      }
    };
    try {
      for (;;) {
        fill(1);
        if (ahead.length === 0) return;
        const b = await ahead.shift()!;
        fill(this.prefetch);
        forEachTensor(b, handOut);
        yield b;
      }
    } finally {
      for (const p of ahead) p.then(disposeTensors, () => {});
    }
  }

  async #buildAsync(indices: number[]): Promise<B> {
    await nextTick();
    if (!this.#asyncItems) {
      const r = this.#buildSync(indices);
      if ("batch" in r) return r.batch;
      this.#asyncItems = true; // later batches skip the synchronous attempt
      return this.#collateOwned(await Promise.all(r.pending.map(pinned)));
    }
    const ds = this.dataset as MapDataset<T | Promise<T>>;
    return this.#collateOwned(await Promise.all(indices.map((i) => pinned(ds.getItem(i)))));
  }

  /**
   * Collates items that came from promises (made outside any tidy): the loader owns them, so
   * their tensors that did not become part of the batch are freed here.
   */
  #collateOwned(items: T[]): B {
    let batch: B;
    try {
      batch = tidy(() => this.collate(items));
    } catch (e) {
      disposeTensors(items);
      throw e;
    }
    disposeExcept(items, batch);
    return batch;
  }

  async *#asyncStream(): AsyncGenerator<B> {
    const ds = this.dataset as Stream<T>;
    const bs = this.batchSize;
    if (!ds[Symbol.iterator] && !ds[Symbol.asyncIterator]) throw new TypeError("this IterableDataset has neither [Symbol.iterator] nor [Symbol.asyncIterator]");
    if (ds[Symbol.iterator] && !ds[Symbol.asyncIterator]) {
      const it = ds[Symbol.iterator]!();
      try {
        for (const b of iterate(this.#syncStream(it))) {
          yield b;
          await nextTick();
        }
      } finally {
        it.return?.();
      }
      return;
    }
    const it = ds[Symbol.asyncIterator]!();
    try {
      for (;;) {
        const items: T[] = [];
        let done = false;
        while (items.length < (bs ?? 1)) {
          const n = await it.next();
          if (n.done) {
            done = true;
            break;
          }
          items.push(n.value);
        }
        if (items.length > 0 && !(done && bs !== null && items.length < bs && this.dropLast)) yield this.#collateOwned(items);
        else disposeTensors(items);
        if (done) return;
        await nextTick();
      }
    } finally {
      await it.return?.();
    }
  }
}

function* iterate<X>(it: Iterator<X>): Generator_<X> {
  for (;;) {
    const n = it.next();
    if (n.done) return;
    yield n.value;
  }
}

type Generator_<X> = globalThis.Generator<X, void, unknown>;

function* range(n: number): Generator_<number> {
  for (let i = 0; i < n; i++) yield i;
}

function samplerLength(s: Iterable<number>): number {
  const len = (s as { length?: unknown }).length;
  if (typeof len === "number") return len;
  throw new TypeError("DataLoader: the sampler has no length");
}

function isMapDataset(d: unknown): d is MapDataset {
  return d !== null && typeof d === "object" && typeof (d as MapDataset).getItem === "function" && typeof (d as MapDataset).length === "number";
}

function isIterableDataset(d: unknown): boolean {
  if (d instanceof IterableDataset) return true;
  return !isMapDataset(d) && d !== null && typeof d === "object" && (Symbol.iterator in d || Symbol.asyncIterator in d);
}

async function settle(items: unknown[]): Promise<void> {
  const vals = await Promise.allSettled(items);
  for (const v of vals) if (v.status === "fulfilled") disposeTensors(v.value);
}

/** Yields to the event loop (a macrotask, not a microtask), cheaply in Node and browsers. */
export function nextTick(): Promise<void> {
  if (typeof setImmediate === "function") return new Promise((r) => setImmediate(r));
  if (typeof MessageChannel === "function") {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

/** Every tensor inside a value (tensors, arrays, plain objects), each once. */
export function tensorsIn(v: unknown, out = new Set<Tensor>(), depth = 0): Set<Tensor> {
  if (v instanceof Tensor) out.add(v);
  else if (depth < 8 && Array.isArray(v)) for (const x of v) tensorsIn(x, out, depth + 1);
  else if (depth < 8 && v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) tensorsIn(x, out, depth + 1);
  }
  return out;
}

function forEachTensor(v: unknown, f: (t: Tensor) => void): void {
  for (const t of tensorsIn(v)) f(t);
}

/** An item exempt from the step scope once it arrives: it may wait steps for the batch's slowest item. */
function pinned<X>(item: X | Promise<X>): Promise<X> {
  return Promise.resolve(item).then((v) => (forEachTensor(v, exempt), v));
}

/** Disposes every tensor inside a value (a batch: tensors, arrays, plain objects). */
export function disposeTensors(v: unknown): void {
  for (const t of tensorsIn(v)) t.dispose();
}

function disposeExcept(v: unknown, keep: unknown): void {
  const k = tensorsIn(keep);
  for (const t of tensorsIn(v)) if (!k.has(t)) t.dispose();
}

/**
 * torch's default_collate: tensors are stacked into a new leading dim; numbers become an int32
 * tensor when all are integers (labels) and float32 otherwise; booleans a bool tensor;
 * Float32Array/Int32Array rows a [B, n] tensor; strings stay an array; arrays (tuples) and plain
 * objects are collated position by position / key by key.
 */
export function defaultCollate(items: unknown[]): unknown {
  if (items.length === 0) throw new ValueError("defaultCollate: empty batch");
  const first = items[0];
  const kind = (x: unknown) => (x instanceof Tensor ? "Tensor" : Array.isArray(x) ? "array" : x === null ? "null" : ArrayBuffer.isView(x) ? x.constructor.name : typeof x);
  const k0 = kind(first);
  items.forEach((x, i) => {
    if (kind(x) !== k0) throw new TypeError(`defaultCollate: item 0 is a ${k0} but item ${i} is a ${kind(x)}`);
  });
  if (first instanceof Tensor) return stack(items as Tensor[]);
  if (typeof first === "number") {
    const xs = items as number[];
    const ints = xs.every((x) => Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff);
    return fromArray(xs, [xs.length], ints ? "int32" : "float32");
  }
  if (typeof first === "boolean") return fromArray((items as boolean[]).map(Number), [items.length], "bool");
  if (typeof first === "string") return items.slice();
  if (first instanceof Float32Array || first instanceof Int32Array) {
    const rows = items as (Float32Array | Int32Array)[];
    const n = rows[0].length;
    const out = first instanceof Float32Array ? new Float32Array(rows.length * n) : new Int32Array(rows.length * n);
    rows.forEach((r, i) => {
      if (r.length !== n) throw new ValueError(`defaultCollate: each typed array should be of equal length, got ${n} at item 0 and ${r.length} at item ${i}`);
      out.set(r, i * n);
    });
    return fromArray(out, [rows.length, n], first instanceof Float32Array ? "float32" : "int32");
  }
  if (Array.isArray(first)) {
    const n = first.length;
    items.forEach((x, i) => {
      if ((x as unknown[]).length !== n) throw new ValueError(`defaultCollate: each element in list of batch should be of equal size (item 0 has ${n}, item ${i} has ${(x as unknown[]).length})`);
    });
    return first.map((_, k) => defaultCollate(items.map((x) => (x as unknown[])[k])));
  }
  const isImage = (x: unknown) => x !== null && typeof x === "object" && "width" in x && "height" in x && ((x as { data?: unknown }).data instanceof Uint8Array || (x as { data?: unknown }).data instanceof Uint8ClampedArray);
  if (isImage(first)) throw new TypeError("defaultCollate: the items are images (RawImage / ImageData): add transforms.ToTensor() to the dataset's transform");
  if (first !== null && typeof first === "object" && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(items.map((x) => (x as Record<string, unknown>)[key]));
    return out;
  }
  throw new TypeError(`defaultCollate: batch must contain tensors, numbers, booleans, strings, Float32Array/Int32Array, arrays or plain objects; found ${k0 === "object" ? (first as object).constructor?.name ?? "object" : k0}`);
}
