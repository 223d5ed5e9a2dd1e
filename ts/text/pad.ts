// Padding and truncation of index sequences, and the DataLoader collate that uses them.
//
//   kd.text.padTo([5, 6, 7], 5)                         // Int32Array [5, 6, 7, 0, 0]
//   const { ids, lengths } = kd.text.padBatch([[5, 6, 7], [8]], { padIndex: 0 });   // int32 [2, 3], [3, 1]
//   const loader = new kd.data.DataLoader(data, { batchSize: 32, collate: kd.text.padCollate({ padIndex: vocab.padIndex, maxLength: 256 }) });
//   for (const [ids, lengths, labels] of loader) { ... }
//
// Sequences are arrays of token indices (number[] or Int32Array, as Vocab.encode gives).
// Lengths are the counts of real tokens after truncation, int32 [batch] (what
// nn.utils.rnn.pack_padded_sequence and a masked mean pooling need).
import { fromArray } from "../creation.js";
import { ValueError } from "../errors.js";
import { defaultCollate } from "../data/dataloader.js";
import { checkOptions } from "../options.js";
import type { Tensor } from "../tensor.js";

export type Sequence = readonly number[] | Int32Array;

export interface PadOptions {
  /** The index written into padding (default 0, which is <pad> in a default Vocab). */
  padIndex?: number;
  /** Where padding goes: "right" (default, after the tokens) or "left". */
  paddingSide?: "right" | "left";
  /** Which end a too-long sequence loses: "right" (default, keeps the first tokens) or "left". */
  truncationSide?: "right" | "left";
}

export interface PadBatchOptions extends PadOptions {
  /** Every row this long (padded or truncated); default the longest sequence, capped by maxLength. */
  length?: number;
  /** Sequences longer than this are truncated (with `length` unset). */
  maxLength?: number;
}

const PAD_KEYS = ["padIndex", "paddingSide", "truncationSide"] as const;

function side(name: string, v: string | undefined): "right" | "left" {
  const s = v ?? "right";
  if (s !== "right" && s !== "left") throw new ValueError(`${name} must be "right" or "left", got ${JSON.stringify(v)}`);
  return s;
}

function checkLength(where: string, name: string, n: number | undefined): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= 0)) throw new ValueError(`${where}: ${name} must be a non-negative integer, got ${n}`);
}

function checkSequence(where: string, seq: unknown, i?: number): Sequence {
  const at = i === undefined ? "" : ` ${i}`;
  if (seq instanceof Int32Array) return seq;
  if (!Array.isArray(seq)) throw new ValueError(`${where}: sequence${at} must be an array of token indices or an Int32Array, got ${seq === null ? "null" : typeof seq === "object" ? seq.constructor.name : typeof seq}`);
  for (const v of seq) if (!Number.isInteger(v)) throw new ValueError(`${where}: sequence${at} holds ${JSON.stringify(v)}, not an integer token index`);
  return seq;
}

/** Writes `seq` cut or padded to `length` into `out` at `offset`; returns the real tokens kept. */
function writePadded(out: Int32Array, offset: number, seq: Sequence, length: number, pad: number, padLeft: boolean, cutLeft: boolean): number {
  const keep = Math.min(seq.length, length);
  const from = cutLeft ? seq.length - keep : 0;
  const at = padLeft ? offset + length - keep : offset;
  out.fill(pad, offset, offset + length);
  for (let j = 0; j < keep; j++) out[at + j] = seq[from + j];
  return keep;
}

/** One sequence padded or truncated to exactly `length` tokens. */
export function padTo(seq: Sequence, length: number, opts: PadOptions = {}): Int32Array {
  checkOptions("padTo", opts, PAD_KEYS);
  checkLength("padTo", "length", length);
  if (length === undefined) throw new ValueError("padTo: give the length");
  const out = new Int32Array(length);
  writePadded(out, 0, checkSequence("padTo", seq), length, opts.padIndex ?? 0, side("padTo: paddingSide", opts.paddingSide) === "left", side("padTo: truncationSide", opts.truncationSide) === "left");
  return out;
}

/** Sequences as one int32 [batch, length] tensor of indices, with their lengths (int32 [batch]). */
export function padBatch(sequences: readonly Sequence[], opts: PadBatchOptions = {}): { ids: Tensor; lengths: Tensor } {
  checkOptions("padBatch", opts, [...PAD_KEYS, "length", "maxLength"]);
  checkLength("padBatch", "length", opts.length);
  checkLength("padBatch", "maxLength", opts.maxLength);
  if (!Array.isArray(sequences)) throw new ValueError("padBatch expects an array of sequences");
  if (sequences.length === 0) throw new ValueError("padBatch: empty batch");
  const seqs = sequences.map((s, i) => checkSequence("padBatch", s, i));
  const longest = seqs.reduce((m, s) => Math.max(m, s.length), 0);
  const length = opts.length ?? Math.min(longest, opts.maxLength ?? Infinity);
  const padLeft = side("padBatch: paddingSide", opts.paddingSide) === "left";
  const cutLeft = side("padBatch: truncationSide", opts.truncationSide) === "left";
  const pad = opts.padIndex ?? 0;
  const ids = new Int32Array(seqs.length * length);
  const lengths = new Int32Array(seqs.length);
  seqs.forEach((s, i) => (lengths[i] = writePadded(ids, i * length, s, length, pad, padLeft, cutLeft)));
  return { ids: fromArray(ids, [seqs.length, length], "int32"), lengths: fromArray(lengths, [seqs.length], "int32") };
}

const isSequence = (v: unknown) => v instanceof Int32Array || (Array.isArray(v) && v.every((x) => typeof x === "number"));

/**
 * A DataLoader collate for items that hold token sequences: an item that is a sequence gives
 * [ids, lengths]; an item that is a tuple gives, field by field, [ids, lengths] in place of each
 * sequence field and defaultCollate's batch for the others. So [tokens, label] items give
 * [ids, lengths, labels], and [source, target] pairs [srcIds, srcLengths, tgtIds, tgtLengths].
 */
export function padCollate(opts: PadBatchOptions = {}): (items: unknown[]) => Tensor[] {
  checkOptions("padCollate", opts, [...PAD_KEYS, "length", "maxLength"]);
  return (items) => {
    if (items.length === 0) throw new ValueError("padCollate: empty batch");
    const pad = (seqs: unknown[]) => {
      const { ids, lengths } = padBatch(seqs as Sequence[], opts);
      return [ids, lengths];
    };
    if (isSequence(items[0])) return pad(items);
    if (!Array.isArray(items[0])) throw new ValueError("padCollate: items must be token sequences or tuples (arrays) holding them, e.g. [tokens, label]");
    const n = (items[0] as unknown[]).length;
    items.forEach((x, i) => {
      if (!Array.isArray(x) || x.length !== n) throw new ValueError(`padCollate: item 0 has ${n} fields but item ${i} ${Array.isArray(x) ? `has ${x.length}` : "is not a tuple"}`);
    });
    const out: Tensor[] = [];
    for (let k = 0; k < n; k++) {
      const field = items.map((x) => (x as unknown[])[k]);
      if (isSequence(field[0])) out.push(...pad(field));
      else out.push(defaultCollate(field) as Tensor);
    }
    return out;
  };
}
