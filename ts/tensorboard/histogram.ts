// Histograms as torch.utils.tensorboard's add_histogram writes them: numpy.histogram over
// `bins` edges (default: the "tensorflow" bins, ±1e-12·1.1^k up to 1e20 and 0, as
// SummaryWriter.default_bins), then trimmed to the span of non-empty buckets with one empty
// bucket on the left (TensorBoard stores right bucket limits only), as make_histogram does.
import { ValueError } from "../errors.js";

/** torch's SummaryWriter.default_bins: 1549 edges, built with the same float64 steps. */
export const defaultBins: readonly number[] = (() => {
  const pos: number[] = [];
  const neg: number[] = [];
  let v = 1e-12;
  while (v < 1e20) {
    pos.push(v);
    neg.push(-v);
    v *= 1.1;
  }
  return [...neg.reverse(), 0, ...pos];
})();

export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sum_squares: number;
  bucket_limit: number[];
  bucket: number[];
}

/** Equal-width edges over [min, max] for an integer bin count, as numpy.histogram(bins=n). */
function uniformEdges(values: ArrayLike<number>, n: number): number[] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  return Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
}

/** The HistogramProto fields for `values` (float64) over `bins` (edges, or a bucket count). */
export function makeHistogram(values: ArrayLike<number>, bins: readonly number[] | number = defaultBins): Histogram {
  if (values.length === 0) throw new ValueError("addHistogram: the input has no element");
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) throw new ValueError(`addHistogram: value ${values[i]} at index ${i} is not finite`);
  const edges = typeof bins === "number" ? uniformEdges(values, bins) : bins;
  if (edges.length < 2) throw new ValueError("addHistogram: bins needs at least two edges");
  const nb = edges.length - 1;
  const counts = new Array<number>(nb).fill(0);
  const last = edges[nb];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < edges[0] || v > last) continue;
    // numpy: bin k holds edges[k] <= v < edges[k+1]; the last bin also holds v == last edge
    let lo = 0, hi = nb; // find the largest k with edges[k] <= v
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (edges[mid] <= v) lo = mid; else hi = mid - 1;
    }
    counts[Math.min(lo, nb - 1)]++;
  }
  let first = -1, lastNonEmpty = -1;
  for (let k = 0; k < nb; k++) if (counts[k] > 0) { if (first < 0) first = k; lastNonEmpty = k; }
  if (first < 0) throw new ValueError("addHistogram: no value falls inside the bins");
  const end = lastNonEmpty + 1;
  const bucket = first > 0 ? counts.slice(first - 1, end) : [0, ...counts.slice(0, end)];
  const bucket_limit = edges.slice(first, end + 1);
  let min = Infinity, max = -Infinity, sum = 0, sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    sq += v * v;
  }
  return { min, max, num: values.length, sum, sum_squares: sq, bucket_limit, bucket };
}
