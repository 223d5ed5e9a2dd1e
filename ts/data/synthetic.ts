// Seeded toy datasets as scikit-learn makes them (make_circles, make_blobs), for the
// classification chapters. Their own generator, so they do not disturb the engine's seed.
import { fromArray } from "../creation.js";
import type { Tensor } from "../tensor.js";
import { positional, type PositionalArgs } from "../options.js";

/** mulberry32: a tiny seeded uniform generator. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export interface Toy { X: Tensor; y: Tensor }

type CirclesOptions = { nSamples?: number; noise?: number; factor?: number; seed?: number; shuffle?: boolean };
/**
 * Two interleaved circles: outer ring label 0, inner ring (radius `factor`) label 1.
 * makeCircles(nSamples, opts) as scikit-learn's make_circles(n_samples, ...), or makeCircles({nSamples, ...}).
 */
export function makeCircles(...args: PositionalArgs<[nSamples: number], CirclesOptions>): Toy;
export function makeCircles(...args: unknown[]): Toy {
  const opts = positional("makeCircles(n_samples=1000, {noise, factor, seed, shuffle})", args, ["nSamples"], ["nSamples", "noise", "factor", "seed", "shuffle"]) as CirclesOptions;
  const n = opts.nSamples ?? 1000;
  const factor = opts.factor ?? 0.8;
  const noise = opts.noise ?? 0;
  const u = uniform(opts.seed ?? 42);
  const g = gaussian(u);
  const nOut = Math.floor(n / 2);
  const X = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const inner = i >= nOut;
    const k = inner ? i - nOut : i;
    const m = inner ? n - nOut : nOut;
    const th = (2 * Math.PI * k) / m;
    const r = inner ? factor : 1;
    X[2 * i] = r * Math.cos(th) + noise * g();
    X[2 * i + 1] = r * Math.sin(th) + noise * g();
    y[i] = inner ? 1 : 0;
  }
  if (opts.shuffle ?? true) shuffle(X, y, 2, u);
  return { X: fromArray(X, [n, 2], "float32"), y: fromArray(y, [n], "int32") };
}

type BlobsOptions = { nSamples?: number; nFeatures?: number; centers?: number; clusterStd?: number; centerBox?: [number, number]; seed?: number };
/**
 * Isotropic Gaussian blobs around `centers` random centres in a box (make_blobs).
 * makeBlobs(nSamples, nFeatures, opts) as scikit-learn's make_blobs(n_samples, n_features, ...), or makeBlobs({...}).
 */
export function makeBlobs(...args: PositionalArgs<[nSamples: number, nFeatures: number], BlobsOptions>): Toy;
export function makeBlobs(...args: unknown[]): Toy {
  const opts = positional("makeBlobs(n_samples=1000, n_features=2, {centers, clusterStd, centerBox, seed})", args, ["nSamples", "nFeatures"],
    ["nSamples", "nFeatures", "centers", "clusterStd", "centerBox", "seed"]) as BlobsOptions;
  const n = opts.nSamples ?? 1000;
  const d = opts.nFeatures ?? 2;
  const k = opts.centers ?? 4;
  const std = opts.clusterStd ?? 1;
  const [lo, hi] = opts.centerBox ?? [-10, 10];
  const u = uniform(opts.seed ?? 42);
  const g = gaussian(u);
  const centers = Array.from({ length: k }, () => Array.from({ length: d }, () => lo + (hi - lo) * u()));
  const X = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    y[i] = c;
    for (let j = 0; j < d; j++) X[i * d + j] = centers[c][j] + std * g();
  }
  shuffle(X, y, d, u);
  return { X: fromArray(X, [n, d], "float32"), y: fromArray(y, [n], "int32") };
}

function shuffle(X: Float32Array, y: Int32Array, d: number, u: () => number): void {
  for (let i = y.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [y[i], y[j]] = [y[j], y[i]];
    for (let f = 0; f < d; f++) [X[i * d + f], X[j * d + f]] = [X[j * d + f], X[i * d + f]];
  }
}
