// torchmetrics-style stateful metrics: update() per batch, compute() over everything seen since
// the last reset(), call() for a batch's own value that also accumulates (torchmetrics' forward).
// Multiclass, top-1, state kept as a confusion matrix (so every score is exact over any batching).
import { ValueError } from "../errors.js";
import { confusionMatrix, type Labels } from "../metrics.js";

export type Average = "micro" | "macro";

export interface MulticlassOptions {
  numClasses: number;
  /** "macro" (torchmetrics' default): the unweighted mean over classes that occur in the
   * targets or predictions; "micro": over all samples. */
  average?: Average;
}

/** The shared state: a running confusion matrix over numClasses classes. */
abstract class ConfusionState<R> {
  readonly numClasses: number;
  #cm: number[][];

  constructor(numClasses: number, who: string) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new ValueError(`${who}: numClasses must be a positive integer, got ${numClasses}`);
    this.numClasses = numClasses;
    this.#cm = ConfusionState.zeros(numClasses);
  }

  private static zeros(k: number): number[][] {
    return Array.from({ length: k }, () => new Array<number>(k).fill(0));
  }

  /** Adds a batch: pred as logits / probabilities [N, C] (argmax'd) or class indices [N]. */
  update(pred: Labels, target: Labels): void {
    const batch = confusionMatrix(pred, target, this.numClasses);
    for (let i = 0; i < this.numClasses; i++) for (let j = 0; j < this.numClasses; j++) this.#cm[i][j] += batch[i][j];
  }

  /** The metric over every batch since the last reset(). */
  compute(): R {
    return this.score(this.#cm);
  }

  /** The metric of this batch alone, which is also added to the state (torchmetrics' forward). */
  call(pred: Labels, target: Labels): R {
    const batch = confusionMatrix(pred, target, this.numClasses);
    for (let i = 0; i < this.numClasses; i++) for (let j = 0; j < this.numClasses; j++) this.#cm[i][j] += batch[i][j];
    return this.score(batch);
  }

  reset(): void {
    this.#cm = ConfusionState.zeros(this.numClasses);
  }

  protected abstract score(cm: number[][]): R;
}

/** Per class [tp, fp, fn] from a confusion matrix (rows true, columns predicted). */
function counts(cm: number[][]): [number, number, number][] {
  return cm.map((row, c) => {
    const tp = row[c];
    const fn = row.reduce((s, v) => s + v, 0) - tp;
    const fp = cm.reduce((s, r) => s + r[c], 0) - tp;
    return [tp, fp, fn];
  });
}

const div = (x: number, y: number) => (y === 0 ? 0 : x / y);

/** Macro mean over classes seen in targets or predictions (torchmetrics drops the others). */
function macro(cm: number[][], perClass: (tp: number, fp: number, fn: number) => number): number {
  const seen = counts(cm).filter(([tp, fp, fn]) => tp + fp + fn > 0);
  return div(seen.reduce((s, [tp, fp, fn]) => s + perClass(tp, fp, fn), 0), seen.length);
}

function micro(cm: number[][]): number {
  const total = cm.reduce((s, r) => s + r.reduce((a, v) => a + v, 0), 0);
  return div(cm.reduce((s, r, i) => s + r[i], 0), total);
}

/** torchmetrics.Accuracy(task="multiclass"): macro is the mean per-class recall. */
export class Accuracy extends ConfusionState<number> {
  readonly average: Average;
  constructor(opts: MulticlassOptions) {
    super(opts.numClasses, "Accuracy");
    this.average = opts.average ?? "macro";
  }
  protected score(cm: number[][]): number {
    return this.average === "micro" ? micro(cm) : macro(cm, (tp, _fp, fn) => div(tp, tp + fn));
  }
}

/** torchmetrics.F1Score(task="multiclass"): per class 2tp / (2tp + fp + fn). */
export class F1Score extends ConfusionState<number> {
  readonly average: Average;
  constructor(opts: MulticlassOptions) {
    super(opts.numClasses, "F1Score");
    this.average = opts.average ?? "macro";
  }
  protected score(cm: number[][]): number {
    return this.average === "micro" ? micro(cm) : macro(cm, (tp, fp, fn) => div(2 * tp, 2 * tp + fp + fn));
  }
}

/** torchmetrics.ConfusionMatrix(task="multiclass"): counts, rows true, columns predicted. */
export class ConfusionMatrix extends ConfusionState<number[][]> {
  constructor(opts: { numClasses: number }) {
    super(opts.numClasses, "ConfusionMatrix");
  }
  protected score(cm: number[][]): number[][] {
    return cm.map((r) => r.slice());
  }
}
