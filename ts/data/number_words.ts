// datasets.NumberWords: a toy translation task, numbers written as words in two languages
// ("forty-two" -> "quarante-deux"), for an encoder-decoder. The words come from the npm package
// n2words (MIT; cardinal numbers in 71 locales), loaded when the dataset is: install it (npm
// install n2words), or pass functions (n) => words instead of locale names (Intl has none).
//
//   const train = await kd.datasets.NumberWords.load({ source: "en-US", target: "fr-FR", testSize: 0.2, seed: 0 });
//   const test = await kd.datasets.NumberWords.load({ testSize: 0.2, seed: 0, train: false });
//   train.getItem(0)      // ["three hundred seventeen", "trois cent dix-sept"] (say)
//   train.numbers[0]      // 317
//
// The numbers are start..end-1 (default 0..999); the split permutes them with Generator(seed) and
// keeps the last ceil(testSize * n) for the test part, so test numbers are never seen in training.
import { DatasetError, ValueError } from "../errors.js";
import { checkOptions } from "../options.js";
import { splitPart } from "./split.js";
import { TranslationDataset, type TranslationDatasetOptions } from "./text_datasets.js";

export type NumberToWords = (n: number) => string;

export interface NumberWordsOptions<S, T> extends TranslationDatasetOptions<S, T> {
  /** The source language: an n2words locale (default "en-US") or a function. */
  source?: string | NumberToWords;
  /** The target language: an n2words locale (default "fr-FR") or a function. */
  target?: string | NumberToWords;
  /** The first number (default 0). */
  start?: number;
  /** One past the last number (default 1000). */
  end?: number;
  /** The training part (default) or the test part of the split. */
  train?: boolean;
  /** The test part's share (a fraction, or a count); default 0.2. 0: no split, every number. */
  testSize?: number;
  /** The split's seed (default 0). */
  seed?: number;
}

const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** n2words' cardinal for a locale (a dynamic import of n2words/<locale>). */
export async function n2wordsCardinal(locale: string): Promise<NumberToWords> {
  if (!LOCALE.test(locale)) throw new ValueError(`NumberWords: ${JSON.stringify(locale)} is not a locale name such as "en-US" or "fr-FR"`);
  let mod: { toCardinal?: unknown };
  try {
    mod = await import(/* @vite-ignore */ `n2words/${locale}`);
  } catch (e) {
    throw new DatasetError(`NumberWords: cannot load n2words/${locale}: install the npm package n2words, and check the locale is one it has (${(e as Error).message.split("\n")[0]})`);
  }
  if (typeof mod.toCardinal !== "function") throw new DatasetError(`NumberWords: n2words/${locale} has no toCardinal`);
  return mod.toCardinal as NumberToWords;
}

export class NumberWords<S = string, T = string> extends TranslationDataset<S, T> {
  /** The number each pair writes. */
  readonly numbers: Int32Array;

  constructor(numbers: ArrayLike<number>, pairs: [string, string][], opts: TranslationDatasetOptions<S, T> = {}) {
    super(pairs, opts);
    if (numbers.length !== pairs.length) throw new ValueError(`NumberWords: ${numbers.length} numbers but ${pairs.length} pairs`);
    this.numbers = Int32Array.from(numbers);
  }

  static async load<S = string, T = string>(opts: NumberWordsOptions<S, T> = {}): Promise<NumberWords<S, T>> {
    checkOptions("NumberWords.load", opts, ["source", "target", "start", "end", "train", "testSize", "seed", "transform", "targetTransform"]);
    const start = opts.start ?? 0;
    const end = opts.end ?? 1000;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start) throw new ValueError(`NumberWords: start and end must be integers with 0 <= start < end, got ${start} and ${end}`);
    const lang = async (v: string | NumberToWords) => (typeof v === "function" ? v : n2wordsCardinal(v));
    const [src, tgt] = await Promise.all([lang(opts.source ?? "en-US"), lang(opts.target ?? "fr-FR")]);
    const rows = splitPart("NumberWords", end - start, { train: opts.train, testSize: opts.testSize ?? 0.2, seed: opts.seed });
    const numbers = Array.from(rows, (i) => start + i);
    const words = (f: NumberToWords, side: string, n: number) => {
      const w = f(n);
      if (typeof w !== "string" || w.length === 0) throw new DatasetError(`NumberWords: the ${side} language gives ${JSON.stringify(w)} for ${n}, not words (try start: ${n + 1})`);
      return w;
    };
    const pairs = numbers.map((n): [string, string] => [words(src, "source", n), words(tgt, "target", n)]);
    return new NumberWords<S, T>(numbers, pairs, { transform: opts.transform, targetTransform: opts.targetTransform });
  }
}
