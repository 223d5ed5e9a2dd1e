// Seeded toy datasets as scikit-learn makes them (make_circles, make_blobs): the same
// definitions and defaults, and for a seed the same points as sklearn with random_state=seed
// (tests/rng.test.ts), since both draw from NumPy's legacy RandomState, whose mt19937 is seeded as
// torch's. Their own generator, so they do not disturb the engine's seed.
import { fromArray } from "../creation.js";
import type { Tensor } from "../tensor.js";
import { positional, type PositionalArgs } from "../options.js";
import { Generator } from "./generator.js";

/** numpy.random.RandomState(seed)'s draws that these datasets use (legacy, bit for bit). */
class RandomState {
  #g: Generator;
  #gauss: number | null = null;
  constructor(seed: number) {
    this.#g = new Generator(seed);
  }
  /** random_sample: 53 bits from two draws (27 high, 26 low). */
  double(): number {
    const a = this.#g.nextUint32() >>> 5;
    const b = this.#g.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
  uniform(low: number, high: number): number {
    return low + (high - low) * this.double();
  }
  /** legacy_gauss: Marsaglia's polar method, the second value kept for the next call. */
  gauss(): number {
    if (this.#gauss !== null) {
      const v = this.#gauss;
      this.#gauss = null;
      return v;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.double() - 1;
      x2 = 2 * this.double() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.#gauss = f * x1;
    return f * x2;
  }
  normal(loc: number, scale: number): number {
    return loc + scale * this.gauss();
  }
  /** random_interval: uniform in [0, max] by masked rejection. */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    for (let s = 1; s <= 16; s *= 2) mask |= mask >>> s;
    let v: number;
    do v = (this.#g.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }
  /** RandomState.shuffle of arange(n) (sklearn.utils.shuffle's index order). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

export interface Toy { X: Tensor; y: Tensor }

type CirclesOptions = { nSamples?: number; noise?: number | null; factor?: number; seed?: number; shuffle?: boolean };
/**
 * Two interleaved circles (sklearn.datasets.make_circles): the outer ring (label 0) gets
 * floor(n / 2) points, the inner ring of radius `factor` (label 1) the rest, evenly spaced;
 * shuffled, then Gaussian noise of std `noise` added. Defaults as sklearn's: 100 samples,
 * factor 0.8, no noise, shuffled. makeCircles(nSamples, opts) or makeCircles({nSamples, ...}).
 */
export function makeCircles(...args: PositionalArgs<[nSamples: number], CirclesOptions>): Toy;
export function makeCircles(...args: unknown[]): Toy {
  const opts = positional("makeCircles(n_samples=100, {noise, factor, seed, shuffle})", args, ["nSamples"], ["nSamples", "noise", "factor", "seed", "shuffle"]) as CirclesOptions;
  const n = opts.nSamples ?? 100;
  const factor = opts.factor ?? 0.8;
  const noise = opts.noise ?? null;
  const rs = new RandomState(opts.seed ?? 42);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const X = new Float64Array(n * 2);
  const y = new Int32Array(n);
  const ring = (count: number, r: number, from: number) => {
    const step = (2 * Math.PI) / count; // np.linspace(0, 2π, count, endpoint=False)
    for (let k = 0; k < count; k++) {
      const th = k * step;
      X[2 * (from + k)] = Math.cos(th) * r;
      X[2 * (from + k) + 1] = Math.sin(th) * r;
    }
  };
  ring(nOut, 1, 0);
  ring(nIn, factor, nOut);
  y.fill(1, nOut);
  const [Xs, ys] = opts.shuffle ?? true ? permuted(X, y, 2, rs.permutation(n)) : [X, y];
  if (noise !== null) for (let i = 0; i < Xs.length; i++) Xs[i] += rs.normal(0, noise);
  return { X: fromArray(Xs, [n, 2], "float32"), y: fromArray(ys, [n], "int32") };
}

type BlobsOptions = { nSamples?: number; nFeatures?: number; centers?: number | number[][]; clusterStd?: number; centerBox?: [number, number]; seed?: number; shuffle?: boolean };
/**
 * Isotropic Gaussian blobs (sklearn.datasets.make_blobs): `centers` centres drawn uniformly in
 * `centerBox` (or given as points), nSamples split evenly over them (the first nSamples % centers
 * get one more), each cluster N(centre, clusterStd²), then shuffled. Defaults as sklearn's: 100
 * samples, 2 features, 3 centres, std 1.0, box (-10, 10), shuffled.
 * makeBlobs(nSamples, nFeatures, opts) or makeBlobs({...}).
 */
export function makeBlobs(...args: PositionalArgs<[nSamples: number, nFeatures: number], BlobsOptions>): Toy;
export function makeBlobs(...args: unknown[]): Toy {
  const opts = positional("makeBlobs(n_samples=100, n_features=2, {centers, clusterStd, centerBox, seed, shuffle})", args, ["nSamples", "nFeatures"],
    ["nSamples", "nFeatures", "centers", "clusterStd", "centerBox", "seed", "shuffle"]) as BlobsOptions;
  const n = opts.nSamples ?? 100;
  const std = opts.clusterStd ?? 1;
  const [lo, hi] = opts.centerBox ?? [-10, 10];
  const rs = new RandomState(opts.seed ?? 42);
  let centers: number[][];
  let d: number;
  if (Array.isArray(opts.centers)) {
    centers = opts.centers;
    d = centers[0]?.length ?? opts.nFeatures ?? 2;
  } else {
    d = opts.nFeatures ?? 2;
    centers = Array.from({ length: opts.centers ?? 3 }, () => Array.from({ length: d }, () => rs.uniform(lo, hi)));
  }
  const k = centers.length;
  const X = new Float64Array(n * d);
  const y = new Int32Array(n);
  let row = 0;
  for (let c = 0; c < k; c++) {
    const count = Math.floor(n / k) + (c < n % k ? 1 : 0);
    for (let r = 0; r < count; r++, row++) {
      y[row] = c;
      for (let j = 0; j < d; j++) X[row * d + j] = rs.normal(centers[c][j], std);
    }
  }
  const [Xs, ys] = opts.shuffle ?? true ? permuted(X, y, d, rs.permutation(n)) : [X, y];
  return { X: fromArray(Xs, [n, d], "float32"), y: fromArray(ys, [n], "int32") };
}

/** Rows of X and y in the order `idx` (X[idx], y[idx]). */
function permuted(X: Float64Array, y: Int32Array, d: number, idx: Int32Array): [Float64Array, Int32Array] {
  const Xs = new Float64Array(X.length);
  const ys = new Int32Array(y.length);
  idx.forEach((src, i) => {
    ys[i] = y[src];
    for (let f = 0; f < d; f++) Xs[i * d + f] = X[src * d + f];
  });
  return [Xs, ys];
}
