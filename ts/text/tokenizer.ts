// Tokenizers: text to a list of tokens, by words or by characters, with lowercasing and a choice
// of what punctuation becomes. getTokenizer("basic_english") is torchtext's tokenizer of that name.
//
//   const tok = new kd.text.Tokenizer();                      // words, lowercased, punctuation split off
//   tok.tokenize("Don't panic, it's 42!")                     // ["don't", "panic", ",", "it's", "42", "!"]
//   new kd.text.Tokenizer({ punctuation: "strip" }).tokenize("Hi, you!")   // ["hi", "you"]
//   new kd.text.Tokenizer({ level: "char" }).tokenize("Ab c")               // ["a", "b", " ", "c"]
//
// A word is a run of letters and digits (any script), with apostrophes inside it ("don't");
// anything else that is not white space is punctuation. In Python's re module the same word is
// [^\W_]+(?:'[^\W_]+)* (scripts/gen_text_fixtures.py checks the two agree).
import { ValueError } from "../errors.js";
import { checkOptions } from "../options.js";

export interface TokenizerOptions {
  /** "word" (default): words and punctuation marks; "char": every character (white space too). */
  level?: "word" | "char";
  /** Lowercase the text first (default true). */
  lower?: boolean;
  /**
   * What punctuation becomes: "split" (default) each mark is a token of its own; "strip" marks are
   * dropped; "keep" (word level only) the text is split at white space alone, so marks stay
   * attached to their words ("end." is one token).
   */
  punctuation?: "split" | "strip" | "keep";
}

const WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;
const WORD_OR_MARK = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;
const IS_MARK = /^[^\s\p{L}\p{N}]$/u;

export class Tokenizer {
  readonly level: "word" | "char";
  readonly lower: boolean;
  readonly punctuation: "split" | "strip" | "keep";

  constructor(opts: TokenizerOptions = {}) {
    checkOptions("Tokenizer", opts, ["level", "lower", "punctuation"]);
    const level = opts.level ?? "word";
    const punctuation = opts.punctuation ?? "split";
    if (level !== "word" && level !== "char") throw new ValueError(`Tokenizer: level must be "word" or "char", got ${JSON.stringify(level)}`);
    if (!["split", "strip", "keep"].includes(punctuation)) throw new ValueError(`Tokenizer: punctuation must be "split", "strip" or "keep", got ${JSON.stringify(punctuation)}`);
    if (level === "char" && punctuation === "keep") throw new ValueError('Tokenizer: punctuation "keep" is for word level (at char level every mark is a token: use "split" or "strip")');
    this.level = level;
    this.lower = opts.lower ?? true;
    this.punctuation = punctuation;
  }

  /** The tokens of one text. */
  tokenize(text: string): string[] {
    if (typeof text !== "string") throw new ValueError(`Tokenizer.tokenize expects a string, got ${text === null ? "null" : typeof text}`);
    const s = this.lower ? text.toLowerCase() : text;
    if (this.level === "char") {
      const chars = Array.from(s); // code points, so an emoji is one token
      return this.punctuation === "strip" ? chars.filter((c) => !IS_MARK.test(c)) : chars;
    }
    if (this.punctuation === "keep") return s.split(/\s+/u).filter((t) => t.length > 0);
    return s.match(this.punctuation === "split" ? WORD_OR_MARK : WORD) ?? [];
  }

  /** The tokenizer as a function (for map, or a dataset's transform). */
  get fn(): (text: string) => string[] {
    return (text) => this.tokenize(text);
  }
}

// torchtext.data.utils._basic_english_normalize: lowercase, these substitutions in order, split.
const BASIC_ENGLISH: [RegExp, string][] = [
  [/'/g, " '  "],
  [/"/g, ""],
  [/\./g, " . "],
  [/<br \/>/g, " "],
  [/,/g, " , "],
  [/\(/g, " ( "],
  [/\)/g, " ) "],
  [/!/g, " ! "],
  [/\?/g, " ? "],
  [/;/g, " "],
  [/:/g, " "],
  [/\s+/g, " "],
];

/**
 * torchtext.data.get_tokenizer: "basic_english" (torchtext's normalizer), null (split at white
 * space, as torchtext's None), or a function, which is returned as it is.
 */
export function getTokenizer(tokenizer: "basic_english" | null | ((text: string) => string[])): (text: string) => string[] {
  if (typeof tokenizer === "function") return tokenizer;
  if (tokenizer === null) return (text) => text.split(/\s+/).filter((t) => t.length > 0);
  if (tokenizer === "basic_english") {
    return (text) => {
      let s = text.toLowerCase();
      for (const [re, rep] of BASIC_ENGLISH) s = s.replace(re, rep);
      return s.split(" ").filter((t) => t.length > 0);
    };
  }
  throw new ValueError(`getTokenizer: unknown tokenizer ${JSON.stringify(tokenizer)} (known: "basic_english", null, or a function)`);
}
