// sklearn.model_selection.train_test_split for tensors: the same rows of every tensor go to the
// train or the test part, shuffled by a seeded Generator (the course splits X and y this way).
import { ValueError } from "../errors.js";
import { tensor } from "../creation.js";
import type { Tensor } from "../tensor.js";
import { Generator } from "./generator.js";

export interface TrainTestSplitOptions {
  /** A fraction in (0, 1) or a number of rows; default 0.25 (sklearn's default). */
  testSize?: number;
  /** Shuffle before splitting (default true); false keeps the first rows for training. */
  shuffle?: boolean;
  /** A seed or a Generator, so the split is reproducible (sklearn's random_state). */
  generator?: Generator | number;
}

/** The number of test rows, as sklearn rounds: ceil(testSize * n) for a fraction. */
function testCount(n: number, testSize: number, where: string): number {
  if (testSize > 0 && testSize < 1) return Math.ceil(testSize * n);
  if (Number.isInteger(testSize) && testSize > 0 && testSize < n) return testSize;
  throw new ValueError(`${where}: testSize must be a fraction in (0, 1) or a whole number of rows in [1, ${n - 1}], got ${testSize}`);
}

/**
 * The row indices of trainTestSplit's two parts: a permutation of 0..n-1 from the generator (as
 * torch.randperm(n, generator=torch.Generator().manual_seed(seed))), its first n - nTest rows for
 * training and the rest for testing. The datasets' seeded splits (CSV, SpamAssassin) use it too.
 */
export function splitRows(n: number, opts: TrainTestSplitOptions = {}, where = "trainTestSplit"): { train: Int32Array; test: Int32Array } {
  const nTest = testCount(n, opts.testSize ?? 0.25, where);
  const g = opts.generator instanceof Generator ? opts.generator : new Generator(opts.generator);
  const order = (opts.shuffle ?? true) ? g.randperm(n) : Int32Array.from({ length: n }, (_, i) => i);
  return { train: order.subarray(0, n - nTest), test: order.subarray(n - nTest) };
}

/**
 * Splits tensors with the same first dimension into train and test rows: returns
 * [aTrain, aTest, bTrain, bTest, ...] as sklearn's train_test_split(a, b, ...). New tensors;
 * the inputs are unchanged.
 */
export function trainTestSplit(...args: [...Tensor[], TrainTestSplitOptions] | Tensor[]): Tensor[] {
  const last = args[args.length - 1];
  const opts: TrainTestSplitOptions = last && !("shape" in (last as object)) ? (args.pop() as TrainTestSplitOptions) : {};
  const tensors = args as Tensor[];
  if (tensors.length === 0) throw new ValueError("trainTestSplit: give at least one tensor");
  const n = tensors[0].shape[0];
  tensors.forEach((t, i) => {
    if (t.ndim === 0 || t.shape[0] !== n) throw new ValueError(`trainTestSplit: tensor ${i} has ${t.ndim === 0 ? "no rows (a scalar)" : `${t.shape[0]} rows`}, tensor 0 has ${n}`);
  });
  const rows = splitRows(n, opts);
  const trainIdx = tensor(Array.from(rows.train), { dtype: "int32" });
  const testIdx = tensor(Array.from(rows.test), { dtype: "int32" });
  try {
    return tensors.flatMap((t) => [t.indexSelect(0, trainIdx), t.indexSelect(0, testIdx)]);
  } finally {
    trainIdx.dispose();
    testIdx.dispose();
  }
}

/**
 * One part of a dataset's seeded split (the datasets' `train`, `testSize`, `seed` options): the
 * rows splitRows gives for `seed`, or every row in order when testSize is 0 (no split).
 */
export function splitPart(where: string, n: number, opts: { train?: boolean; testSize?: number; seed?: number }): Int32Array {
  const testSize = opts.testSize ?? 0;
  const train = opts.train ?? true;
  const seed = opts.seed ?? 0;
  if (testSize === 0) {
    if (!train) throw new ValueError(`${where}: train: false needs a testSize (the test part of a seeded split)`);
    return Int32Array.from({ length: n }, (_, i) => i);
  }
  if (!Number.isInteger(seed) || seed < 0) throw new ValueError(`${where}: seed must be a non-negative integer, got ${seed}`);
  const rows = splitRows(n, { testSize, generator: seed }, where);
  return train ? rows.train : rows.test;
}
