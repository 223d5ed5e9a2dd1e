// Classification metrics on tensors of class indices (or logits / probabilities, argmax'd).
import { ValueError } from "./errors.js";
import type { Tensor } from "./tensor.js";
import { tidy } from "./memory.js";

/** Predicted classes: argmax over the last dim for scores, the tensor itself for indices. */
export function predictedClasses(pred: Tensor): Tensor {
  return pred.dtype === "float32" && pred.ndim > 1 ? pred.argmax(-1) : pred.to("int32");
}

/** Fraction of predictions equal to the targets (pred: logits [N, C] or classes [N]). */
export function accuracy(pred: Tensor, target: Tensor): number {
  return tidy(() => {
    const p = predictedClasses(pred);
    if (p.numel() !== target.numel()) throw new ValueError(`accuracy(): ${p.numel()} predictions for ${target.numel()} targets`);
    if (p.numel() === 0) return NaN;
    return (p.eq(target.to("int32").reshape(p.shape)).float().mean().item() as number);
  });
}

/** accuracy() for tensors on any device: the one number is read with await. */
export async function accuracyAsync(pred: Tensor, target: Tensor): Promise<number> {
  const hit = tidy(() => {
    const p = predictedClasses(pred);
    if (p.numel() !== target.numel()) throw new ValueError(`accuracy(): ${p.numel()} predictions for ${target.numel()} targets`);
    return p.numel() === 0 ? null : p.eq(target.to("int32").reshape(p.shape)).float().mean();
  });
  if (hit === null) return NaN;
  try {
    return (await hit.itemAsync()) as number;
  } finally {
    hit.dispose();
  }
}

/**
 * The class indices of a tensor (argmax'd scores, or indices) read with await, for tensors on
 * any device: the confusion matrix and the scores below take the array it gives.
 */
export async function classes(x: Tensor): Promise<Int32Array> {
  const p = predictedClasses(x);
  try {
    return Int32Array.from(await p.data());
  } finally {
    if (p !== x) p.dispose();
  }
}

/** Class indices or scores: a tensor (logits [N, C] are argmax'd) or an array of integers. */
export type Labels = Tensor | ArrayLike<number>;

function classIndices(x: Labels, who: string): Int32Array {
  if (x instanceof Object && "dataSync" in x && typeof (x as Tensor).dataSync === "function") {
    const t = x as Tensor;
    const p = predictedClasses(t);
    try {
      return Int32Array.from(p.dataSync());
    } finally {
      if (p !== t) p.dispose();
    }
  }
  const a = Array.from(x as ArrayLike<number>);
  a.forEach((v, i) => {
    if (!Number.isInteger(v)) throw new ValueError(`${who}: class indices must be integers, got ${v} at position ${i}`);
  });
  return Int32Array.from(a);
}

/**
 * The confusion matrix C[i][j]: how many samples of true class i were predicted as class j
 * (rows true, columns predicted, as sklearn and torchmetrics lay it out). numClasses defaults
 * to the largest class seen + 1.
 */
export function confusionMatrix(pred: Labels, target: Labels, numClasses?: number): number[][] {
  const p = classIndices(pred, "confusionMatrix(pred)");
  const t = classIndices(target, "confusionMatrix(target)");
  if (p.length !== t.length) throw new ValueError(`confusionMatrix(): ${p.length} predictions for ${t.length} targets`);
  let k = numClasses;
  if (k === undefined) {
    k = 0;
    for (let i = 0; i < p.length; i++) k = Math.max(k, p[i] + 1, t[i] + 1);
  }
  if (!Number.isInteger(k) || k <= 0) throw new ValueError(`confusionMatrix(): numClasses must be a positive integer, got ${k}`);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < p.length; i++) {
    if (t[i] < 0 || t[i] >= k) throw new ValueError(`confusionMatrix(): target ${t[i]} at position ${i} is out of range for ${k} classes`);
    if (p[i] < 0 || p[i] >= k) throw new ValueError(`confusionMatrix(): prediction ${p[i]} at position ${i} is out of range for ${k} classes`);
    m[t[i]][p[i]]++;
  }
  return m;
}

export interface Averages { precision: number; recall: number; f1: number }

export interface ClassificationScores {
  /** Per class: of the samples predicted as the class, the fraction that are (0 when none is predicted). */
  precision: number[];
  /** Per class: of the samples of the class, the fraction predicted as it (0 when the class is absent). */
  recall: number[];
  /** Per class: the harmonic mean of precision and recall (0 when both are 0). */
  f1: number[];
  /** Per class: how many samples of it there are. */
  support: number[];
  accuracy: number;
  /** Unweighted means over classes. */
  macro: Averages;
  /** Means weighted by support. */
  weighted: Averages;
  confusion: number[][];
}

/**
 * Precision, recall and F1 per class, with macro and support-weighted averages, from predictions
 * and targets or from a confusion matrix (zero divisions count as 0, as sklearn's default).
 */
export function precisionRecallF1(pred: Labels, target: Labels, numClasses?: number): ClassificationScores;
export function precisionRecallF1(confusion: number[][]): ClassificationScores;
export function precisionRecallF1(a: Labels | number[][], target?: Labels, numClasses?: number): ClassificationScores {
  const cm = target === undefined ? (a as number[][]) : confusionMatrix(a as Labels, target, numClasses);
  const k = cm.length;
  if (cm.some((r) => r.length !== k)) throw new ValueError("precisionRecallF1(): the confusion matrix must be square");
  const support = cm.map((r) => r.reduce((s, v) => s + v, 0));
  const predicted = cm[0]?.map((_, j) => cm.reduce((s, r) => s + r[j], 0)) ?? [];
  const total = support.reduce((s, v) => s + v, 0);
  const div = (x: number, y: number) => (y === 0 ? 0 : x / y);
  const precision = cm.map((r, i) => div(r[i], predicted[i]));
  const recall = cm.map((r, i) => div(r[i], support[i]));
  const f1 = precision.map((p, i) => div(2 * p * recall[i], p + recall[i]));
  const mean = (v: number[]) => div(v.reduce((s, x) => s + x, 0), v.length);
  const wmean = (v: number[]) => div(v.reduce((s, x, i) => s + x * support[i], 0), total);
  return {
    precision,
    recall,
    f1,
    support,
    accuracy: div(cm.reduce((s, r, i) => s + r[i], 0), total),
    macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) },
    weighted: { precision: wmean(precision), recall: wmean(recall), f1: wmean(f1) },
    confusion: cm,
  };
}

/** A text table of the scores per class, as sklearn's classification_report prints it. */
export function classificationReport(pred: Labels, target: Labels, opts: { classNames?: readonly string[]; numClasses?: number; digits?: number } = {}): string {
  const s = precisionRecallF1(pred, target, opts.numClasses ?? opts.classNames?.length);
  const names = s.support.map((_, i) => opts.classNames?.[i] ?? String(i));
  const d = opts.digits ?? 2;
  const w = Math.max(12, ...names.map((n) => n.length));
  const f = (v: number) => v.toFixed(d).padStart(9);
  const total = s.support.reduce((a, b) => a + b, 0);
  const rows = [`${"".padStart(w)} precision    recall  f1-score   support`, ""];
  names.forEach((n, i) => rows.push(`${n.padStart(w)}${f(s.precision[i])} ${f(s.recall[i])} ${f(s.f1[i])} ${String(s.support[i]).padStart(9)}`));
  rows.push("");
  rows.push(`${"accuracy".padStart(w)}${"".padStart(20)}${f(s.accuracy)} ${String(total).padStart(9)}`);
  rows.push(`${"macro avg".padStart(w)}${f(s.macro.precision)} ${f(s.macro.recall)} ${f(s.macro.f1)} ${String(total).padStart(9)}`);
  rows.push(`${"weighted avg".padStart(w)}${f(s.weighted.precision)} ${f(s.weighted.recall)} ${f(s.weighted.f1)} ${String(total).padStart(9)}`);
  return rows.join("\n");
}

// Stateful (torchmetrics-style) metrics.
export { Accuracy, F1Score, ConfusionMatrix, type Average, type MulticlassOptions } from "./metrics/stateful.js";
