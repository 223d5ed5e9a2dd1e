// Text datasets: TextDataset (texts with class labels) and TranslationDataset (sentence pairs),
// the map-style shapes that SpamAssassin and NumberWords load. A transform runs on each text as
// getItem reads it (a tokenizer + vocab.encode, say), as torchvision's transforms do on images.
//
//   const data = new kd.datasets.TextDataset(["good film", "bad film"], [1, 0], { classes: ["neg", "pos"] });
//   data.getItem(1)   // ["bad film", 0]
import { ValueError } from "../errors.js";
import { checkOptions } from "../options.js";
import { checkIndex, Dataset } from "./dataset.js";

export interface TextDatasetOptions<T> {
  /** Class names, indexed by label (default the labels as strings). */
  classes?: readonly string[];
  /** Applied to each text by getItem. */
  transform?: (text: string) => T;
}

/** Texts and their class labels; getItem(i) is [text (transformed), label]. */
export class TextDataset<T = string> extends Dataset<[T, number]> {
  readonly texts: readonly string[];
  readonly labels: Int32Array;
  readonly classes: readonly string[];
  readonly transform: ((text: string) => T) | undefined;

  constructor(texts: readonly string[], labels: ArrayLike<number>, opts: TextDatasetOptions<T> = {}) {
    super();
    checkOptions("TextDataset", opts, ["classes", "transform"]);
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) throw new ValueError("TextDataset: texts must be an array of strings");
    if (labels.length !== texts.length) throw new ValueError(`TextDataset: ${texts.length} texts but ${labels.length} labels`);
    this.labels = Int32Array.from(labels);
    const k = opts.classes?.length ?? this.labels.reduce((m, l) => Math.max(m, l), -1) + 1;
    this.labels.forEach((l, i) => {
      if (!Number.isInteger(labels[i]) || l < 0 || l >= k) throw new ValueError(`TextDataset: label ${labels[i]} of text ${i} is not a class index in [0, ${k - 1}]`);
    });
    this.texts = texts;
    this.classes = opts.classes ?? Array.from({ length: k }, (_, i) => String(i));
    this.transform = opts.transform;
  }

  get length(): number {
    return this.texts.length;
  }

  getItem(index: number): [T, number] {
    const i = checkIndex(index, this.length);
    const text = this.texts[i];
    return [this.transform ? this.transform(text) : (text as unknown as T), this.labels[i]];
  }
}

export interface TranslationDatasetOptions<S, T> {
  /** Applied to each source sentence by getItem. */
  transform?: (source: string) => S;
  /** Applied to each target sentence by getItem. */
  targetTransform?: (target: string) => T;
}

/** Sentence pairs; getItem(i) is [source (transformed), target (transformed)]. */
export class TranslationDataset<S = string, T = string> extends Dataset<[S, T]> {
  readonly pairs: readonly (readonly [string, string])[];
  readonly transform: ((source: string) => S) | undefined;
  readonly targetTransform: ((target: string) => T) | undefined;

  constructor(pairs: readonly (readonly [string, string])[], opts: TranslationDatasetOptions<S, T> = {}) {
    super();
    checkOptions("TranslationDataset", opts, ["transform", "targetTransform"]);
    pairs.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== "string" || typeof p[1] !== "string") throw new ValueError(`TranslationDataset: pair ${i} is not [source, target] strings`);
    });
    this.pairs = pairs;
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
  }

  get length(): number {
    return this.pairs.length;
  }

  /** The source sentences. */
  get sources(): string[] {
    return this.pairs.map((p) => p[0]);
  }

  /** The target sentences. */
  get targets(): string[] {
    return this.pairs.map((p) => p[1]);
  }

  getItem(index: number): [S, T] {
    const [s, t] = this.pairs[checkIndex(index, this.length)];
    return [this.transform ? this.transform(s) : (s as unknown as S), this.targetTransform ? this.targetTransform(t) : (t as unknown as T)];
  }
}
