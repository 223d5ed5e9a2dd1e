// Datasets as torch.utils.data has them: map-style Dataset (length + getItem), IterableDataset,
// TensorDataset, Subset, ConcatDataset and randomSplit.
//
// Ownership: getItem returns values the caller owns (fresh tensors or views; a view has its own
// handle and keeps its storage alive, so disposing it never frees the dataset's data). The
// DataLoader builds each batch inside kd.tidy, so whatever getItem and the collate function
// create is freed once the batch is stacked, while tensors a dataset keeps across calls survive.
import { fromArray, randperm } from "../creation.js";
import { IndexError, ShapeError, ValueError } from "../errors.js";
import { exempt } from "../memory.js";
import { Tensor } from "../tensor.js";
import { Generator } from "./generator.js";

/** What the DataLoader needs from a map-style dataset (Dataset subclasses and plain objects alike). */
export interface MapDataset<T = unknown> {
  readonly length: number;
  /** Item `index` (an async dataset returns a Promise: MapDataset<Promise<X>>). */
  getItem(index: number): T;
  /**
   * Optional fast path: the collated batch for `indices` in one go (what
   * defaultCollate(indices.map(getItem)) would give), synchronous. The DataLoader uses it when
   * no custom collate function is given.
   */
  getBatch?(indices: readonly number[]): unknown;
}

/** A map-style dataset: subclasses give `length` and `getItem(i)` (torch's __len__ and __getitem__). */
export abstract class Dataset<T = unknown> implements MapDataset<T> {
  abstract get length(): number;
  abstract getItem(index: number): T;

  /** The concatenation of this dataset and `other` (torch's dataset + other). */
  concat(other: MapDataset<T>): ConcatDataset<T> {
    return new ConcatDataset<T>([this, other]);
  }

  /** Items in order (synchronous datasets only). */
  *[Symbol.iterator](): Iterator<T> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield this.getItem(i);
  }
}

/**
 * A dataset that is a stream (torch IterableDataset): subclasses give [Symbol.iterator] or
 * [Symbol.asyncIterator]. The DataLoader batches consecutive items; shuffling is the stream's job.
 */
export abstract class IterableDataset<T = unknown> {
  /** Marks the item type (no value at run time). */
  declare readonly __item?: T;
  /** An iterable dataset from a function returning a fresh (async) iterable each epoch. */
  static from<T>(make: () => Iterable<T> | AsyncIterable<T>): IterableDataset<T> {
    return new FnIterableDataset(make);
  }
}

class FnIterableDataset<T> extends IterableDataset<T> {
  constructor(private readonly make: () => Iterable<T> | AsyncIterable<T>) {
    super();
  }
  /** Synchronous iteration, when the function gives a synchronous iterable. */
  [Symbol.iterator](): Iterator<T> {
    const src = this.make();
    if (!(Symbol.iterator in src)) throw new TypeError("this IterableDataset is asynchronous: iterate the DataLoader with for await");
    return (src as Iterable<T>)[Symbol.iterator]();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const src = this.make();
    if (Symbol.asyncIterator in src) return (src as AsyncIterable<T>)[Symbol.asyncIterator]();
    const it = (src as Iterable<T>)[Symbol.iterator]();
    return { next: async () => it.next(), return: async (v?: unknown) => it.return?.(v) ?? { done: true, value: undefined } } as AsyncIterator<T>;
  }
}

export function isPromise(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as { then?: unknown }).then === "function";
}

/** A non-negative index into `n` items; negative indices count from the end, as in Python. */
export function checkIndex(index: number, n: number, what = "dataset"): number {
  if (!Number.isInteger(index)) throw new IndexError(`${what} index must be an integer, got ${index}`);
  const i = index < 0 ? index + n : index;
  if (i < 0 || i >= n) throw new IndexError(`index ${index} is out of range for a ${what} of length ${n}`);
  return i;
}

/**
 * Samples along the first dim of equally long tensors (torch TensorDataset):
 * getItem(i) is [t0[i], t1[i], ...] (views), getBatch(idx) one indexSelect per tensor.
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new ValueError("TensorDataset needs at least one tensor");
    for (const t of tensors) {
      if (!(t instanceof Tensor)) throw new TypeError("TensorDataset takes tensors");
      if (t.ndim === 0) throw new ShapeError("TensorDataset: tensors must have a first (sample) dimension; got a 0-d tensor");
    }
    const n = tensors[0].shape[0];
    tensors.forEach((t, k) => {
      if (t.shape[0] !== n) throw new ShapeError(`Size mismatch between tensors: tensor 0 has ${n} samples, tensor ${k} has ${t.shape[0]}`);
    });
    this.tensors = tensors;
    for (const t of tensors) exempt(t); // the dataset holds them: never released by the step scope
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  getItem(index: number): Tensor[] {
    const i = checkIndex(index, this.length);
    return this.tensors.map((t) => t.select(0, i));
  }

  getBatch(indices: readonly number[]): Tensor[] {
    const n = this.length;
    const idx = fromArray(indices.map((i) => checkIndex(i, n)), [indices.length], "int32");
    try {
      return this.tensors.map((t) => t.indexSelect(0, idx));
    } finally {
      idx.dispose();
    }
  }
}

/** The items of `dataset` at `indices` (torch Subset). */
export class Subset<T = unknown> extends Dataset<T> {
  readonly indices: readonly number[];

  constructor(readonly dataset: MapDataset<T>, indices: ArrayLike<number>) {
    super();
    const n = dataset.length;
    this.indices = Array.from(indices, (i) => checkIndex(i, n, "parent dataset"));
    if (typeof dataset.getBatch === "function") {
      this.getBatch = (idx: readonly number[]) => dataset.getBatch!(idx.map((i) => this.indices[checkIndex(i, this.indices.length, "subset")]));
    }
  }

  getBatch?: (indices: readonly number[]) => unknown;

  get length(): number {
    return this.indices.length;
  }

  getItem(index: number): T {
    return this.dataset.getItem(this.indices[checkIndex(index, this.indices.length, "subset")]);
  }
}

/** Several datasets one after the other (torch ConcatDataset). */
export class ConcatDataset<T = unknown> extends Dataset<T> {
  readonly datasets: readonly MapDataset<T>[];
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: MapDataset<T>[]) {
    super();
    if (datasets.length === 0) throw new ValueError("ConcatDataset: datasets should not be an empty list");
    this.datasets = datasets;
    let s = 0;
    this.cumulativeSizes = datasets.map((d) => (s += d.length));
  }

  get length(): number {
    return this.cumulativeSizes.at(-1)!;
  }

  getItem(index: number): T {
    const i = checkIndex(index, this.length);
    const c = this.cumulativeSizes;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid] > i) hi = mid;
      else lo = mid + 1;
    }
    return this.datasets[lo].getItem(lo === 0 ? i : i - c[lo - 1]);
  }
}

/**
 * Splits a dataset into non-overlapping random subsets (torch random_split). `lengths` are
 * counts summing to the length, or fractions summing to 1 (the remainder of the floors is dealt
 * round-robin, as torch does). Pass a Generator (or a seed) for a split that does not depend on
 * the engine's seed; without one it permutes with the engine's generator (as torch with its default
 * generator), so kd.manualSeed makes it reproducible and gives torch's split.
 */
export function randomSplit<T>(dataset: MapDataset<T>, lengths: number[], generator?: Generator | number): Subset<T>[] {
  const n = dataset.length;
  let counts = lengths.slice();
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (lengths.some((l) => !(l >= 0))) throw new ValueError(`randomSplit: lengths must be non-negative, got [${lengths.join(", ")}]`);
  if (lengths.every((l) => l <= 1) && Math.abs(sum - 1) < 1e-6 && sum !== n) {
    counts = lengths.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i] += 1;
  } else if (!lengths.every(Number.isInteger) || sum !== n) {
    throw new ValueError(`randomSplit: sum of input lengths (${sum}) does not equal the length of the input dataset (${n}), and they are not fractions summing to 1`);
  }
  // Without a generator, torch permutes with its default generator: the engine's here.
  const perm = generator === undefined ? enginePerm(n) : (generator instanceof Generator ? generator : new Generator(generator)).randperm(n);
  let off = 0;
  return counts.map((c) => {
    const s = new Subset(dataset, perm.subarray(off, off + c));
    off += c;
    return s;
  });
}

/** kd.randperm(n) as an Int32Array (torch.randperm with the default generator). */
function enginePerm(n: number): Int32Array {
  const t = randperm(n);
  try {
    return t.dataSync() as Int32Array;
  } finally {
    t.dispose();
  }
}
