// Vocab: tokens to indices and back, built from data as torchtext's build_vocab_from_iterator.
//
//   const vocab = kd.text.Vocab.build(texts.map(tok.fn), { minFreq: 2, maxSize: 20000 });
//   vocab.length; vocab.padIndex;              // 0 (the specials come first: <pad> <unk> <bos> <eos>)
//   vocab.encode(["hello", "zzqx"])            // [57, 1]: an unknown token is <unk>'s index
//   vocab.decode([57, 1])                      // ["hello", "<unk>"]
//
// Order: the specials (first, or last with specialFirst: false), then the tokens by count, most
// frequent first, ties in code-point order of the token (torchtext's order). maxSize counts the
// specials, as torchtext's max_tokens. Unknown tokens map to the default index: <unk>'s when the
// specials hold "<unk>" (the documented fallback), else whatever setDefaultIndex set; with
// neither, looking one up is a kd.ValueError naming the token.
import { ValueError } from "../errors.js";
import { checkOptions } from "../options.js";

export const DEFAULT_SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"] as const;

export interface VocabOptions {
  /** Tokens seen fewer times than this are left out (default 1). */
  minFreq?: number;
  /** At most this many entries, the specials included (torchtext's max_tokens); default no limit. */
  maxSize?: number;
  /** Special tokens (default <pad> <unk> <bos> <eos>); [] for none. */
  specials?: readonly string[];
  /** The specials before the tokens (default true) or after them. */
  specialFirst?: boolean;
}

/** Compares strings by code point (Python's str order; JS's < compares UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

export class Vocab {
  readonly #itos: string[];
  readonly #stoi = new Map<string, number>();
  #default: number | null;

  /** A vocabulary of these tokens in this order (torchtext's vocab(ordered_dict) after counting). */
  constructor(tokens: readonly string[], defaultIndex: number | null = null) {
    if (!Array.isArray(tokens)) throw new ValueError("Vocab: expected an array of tokens");
    this.#itos = tokens.slice();
    this.#itos.forEach((t, i) => {
      if (typeof t !== "string") throw new ValueError(`Vocab: token ${i} is not a string (${typeof t})`);
      if (this.#stoi.has(t)) throw new ValueError(`Vocab: token ${JSON.stringify(t)} appears twice (indices ${this.#stoi.get(t)} and ${i})`);
      this.#stoi.set(t, i);
    });
    this.#default = null;
    if (defaultIndex !== null) this.setDefaultIndex(defaultIndex);
  }

  /**
   * Counts the tokens of every sequence and keeps the frequent ones (build_vocab_from_iterator).
   * The default index is <unk>'s when the specials hold it.
   */
  static build(sequences: Iterable<Iterable<string>>, opts: VocabOptions = {}): Vocab {
    checkOptions("Vocab.build", opts, ["minFreq", "maxSize", "specials", "specialFirst"]);
    const minFreq = opts.minFreq ?? 1;
    const specials = opts.specials ?? DEFAULT_SPECIALS;
    if (!Number.isInteger(minFreq) || minFreq < 1) throw new ValueError(`Vocab.build: minFreq must be a positive integer, got ${minFreq}`);
    if (opts.maxSize !== undefined && (!Number.isInteger(opts.maxSize) || opts.maxSize <= specials.length)) {
      throw new ValueError(`Vocab.build: maxSize must be an integer above the number of specials (${specials.length}), got ${opts.maxSize}`);
    }
    const counts = new Map<string, number>();
    for (const seq of sequences) {
      if (typeof seq === "string") throw new ValueError("Vocab.build expects sequences of tokens (arrays of strings), got a string: tokenize the texts first");
      for (const t of seq) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    let entries = [...counts].sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]));
    if (opts.maxSize !== undefined) entries = entries.slice(0, opts.maxSize - specials.length);
    // As torchtext: a special seen in the data is removed after the cut (it took a slot).
    const special = new Set(specials);
    const tokens = entries.filter(([t, c]) => c >= minFreq && !special.has(t)).map(([t]) => t);
    const all = (opts.specialFirst ?? true) ? [...specials, ...tokens] : [...tokens, ...specials];
    const v = new Vocab(all);
    if (special.has("<unk>")) v.setDefaultIndex(v.getIndex("<unk>"));
    return v;
  }

  /** A vocabulary saved with toJSON(). */
  static fromJSON(json: { itos: string[]; defaultIndex: number | null }): Vocab {
    return new Vocab(json.itos, json.defaultIndex);
  }

  toJSON(): { itos: string[]; defaultIndex: number | null } {
    return { itos: this.#itos.slice(), defaultIndex: this.#default };
  }

  /** The number of entries (len(vocab)). */
  get length(): number {
    return this.#itos.length;
  }

  /** The index unknown tokens map to, or null (a lookup of one throws). */
  getDefaultIndex(): number | null {
    return this.#default;
  }

  setDefaultIndex(index: number | null): void {
    if (index !== null && !(Number.isInteger(index) && index >= 0 && index < this.length)) {
      throw new ValueError(`Vocab.setDefaultIndex: index must be an integer in [0, ${this.length - 1}] or null, got ${index}`);
    }
    this.#default = index;
  }

  has(token: string): boolean {
    return this.#stoi.has(token);
  }

  /** The index of a token (vocab[token]); an unknown one gives the default index, or throws without one. */
  getIndex(token: string): number {
    const i = this.#stoi.get(token);
    if (i !== undefined) return i;
    if (this.#default !== null) return this.#default;
    throw new ValueError(`Vocab: token ${JSON.stringify(token)} is not in the vocabulary and it has no default index (build it with "<unk>" among the specials, or call setDefaultIndex)`);
  }

  /** The token at an index. */
  lookupToken(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new ValueError(`Vocab: index ${index} is out of range for a vocabulary of ${this.length} tokens`);
    }
    return this.#itos[index];
  }

  lookupIndices(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.getIndex(t));
  }

  lookupTokens(indices: ArrayLike<number>): string[] {
    return Array.from(indices, (i) => this.lookupToken(i));
  }

  /** Index to token (get_itos). */
  getItos(): string[] {
    return this.#itos.slice();
  }

  /** Token to index (get_stoi). */
  getStoi(): Map<string, number> {
    return new Map(this.#stoi);
  }

  /** <pad>'s index (the padding value for padSequences and nn.Embedding's paddingIdx); throws if absent. */
  get padIndex(): number {
    return this.#special("<pad>");
  }

  get unkIndex(): number {
    return this.#special("<unk>");
  }

  get bosIndex(): number {
    return this.#special("<bos>");
  }

  get eosIndex(): number {
    return this.#special("<eos>");
  }

  #special(s: string): number {
    const i = this.#stoi.get(s);
    if (i === undefined) throw new ValueError(`Vocab: this vocabulary has no ${s} token`);
    return i;
  }

  /**
   * Tokens to indices as an Int32Array, with <bos> before and <eos> after when asked (for the
   * sequence models' inputs and targets).
   */
  encode(tokens: readonly string[], opts: { bos?: boolean; eos?: boolean } = {}): Int32Array {
    checkOptions("Vocab.encode", opts, ["bos", "eos"]);
    if (typeof tokens === "string") throw new ValueError("Vocab.encode expects tokens (an array of strings), got a string: tokenize it first");
    const head = opts.bos ? 1 : 0;
    const out = new Int32Array(tokens.length + head + (opts.eos ? 1 : 0));
    if (opts.bos) out[0] = this.bosIndex;
    for (let i = 0; i < tokens.length; i++) out[head + i] = this.getIndex(tokens[i]);
    if (opts.eos) out[out.length - 1] = this.eosIndex;
    return out;
  }

  /**
   * Indices back to tokens. skipSpecials drops <pad>, <bos> and <eos> (and other specials but
   * <unk>); stopAtEos ends at the first <eos> (a greedy decoder's output).
   */
  decode(indices: ArrayLike<number>, opts: { skipSpecials?: boolean; stopAtEos?: boolean } = {}): string[] {
    checkOptions("Vocab.decode", opts, ["skipSpecials", "stopAtEos"]);
    const eos = this.#stoi.get("<eos>");
    const skip = new Set(opts.skipSpecials ? ["<pad>", "<bos>", "<eos>"].map((s) => this.#stoi.get(s)).filter((i) => i !== undefined) : []);
    const out: string[] = [];
    for (const i of Array.from(indices)) {
      if (opts.stopAtEos && i === eos) break;
      if (!skip.has(i)) out.push(this.lookupToken(i));
    }
    return out;
  }
}
