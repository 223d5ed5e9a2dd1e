// torch.nn.utils.rnn: variable-length sequences for the recurrent layers. A PackedSequence holds
// the time steps of a batch of sequences sorted by decreasing length, step after step: `data`
// [sum(lengths), *], `batchSizes` (how many sequences are still running at each step), and the
// sort order (sortedIndices: packed position -> original batch index; unsortedIndices: its
// inverse), so nn.RNN / LSTM / GRU run each step on only the sequences that have not ended.
// Everything here is built from differentiable views, cat and stack, so gradients flow through.
import { full, fromArray } from "../../creation.js";
import { ShapeError, ValueError } from "../../errors.js";
import { cat, stack } from "../../functional.js";
import { tidy } from "../../memory.js";
import { Tensor } from "../../tensor.js";
import { checkOptions, positional, type PositionalArgs } from "../../options.js";

/** The inverse of a permutation (torch's invert_permutation). */
function invert(perm: readonly number[]): number[] {
  const out = new Array<number>(perm.length);
  perm.forEach((p, i) => (out[p] = i));
  return out;
}

const ints = (xs: readonly number[]) => fromArray(xs, [xs.length], "int32");

/** The values of a 1-D int tensor (or a list), as numbers (lengths, batch sizes, indices live on the host, as torch's). */
function hostInts(v: Tensor | readonly number[], what: string): number[] {
  if (v instanceof Tensor) {
    if (v.ndim !== 1) throw new ShapeError(`${what} must be a 1-D tensor, got shape [${v.shape.join(", ")}]`);
    if (v.dtype === "float32" || v.dtype === "bool") throw new ValueError(`${what} must be an integer tensor, got ${v.dtype}`);
    return Array.from(v.dataSync() as ArrayLike<number>, Number);
  }
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) throw new ValueError(`${what} must be a list of integers or a 1-D integer tensor, got ${JSON.stringify(v)}`);
  return [...v];
}

/**
 * A batch of variable-length sequences packed step by step (torch.nn.utils.rnn.PackedSequence).
 * Made by packPaddedSequence / packSequence, not by hand (as torch advises); the recurrent
 * layers take and return it.
 */
export class PackedSequence {
  /** The steps' rows, [sum(lengths), *]. */
  readonly data: Tensor;
  /** int32 [maxLength]: the number of sequences running at each step (non-increasing). */
  readonly batchSizes: Tensor;
  /** int32 [batch] or null: sortedIndices[k] is the original batch index of the k-th longest sequence. */
  readonly sortedIndices: Tensor | null;
  /** int32 [batch] or null: the inverse permutation of sortedIndices. */
  readonly unsortedIndices: Tensor | null;
  readonly #sizes: number[];
  readonly #sorted: number[] | null;
  readonly #unsorted: number[] | null;

  constructor(data: Tensor, batchSizes: Tensor | readonly number[], sortedIndices: Tensor | readonly number[] | null = null, unsortedIndices: Tensor | readonly number[] | null = null) {
    if (!(data instanceof Tensor)) throw new ValueError("PackedSequence: data must be a Tensor");
    this.#sizes = hostInts(batchSizes, "PackedSequence: batch_sizes");
    const total = this.#sizes.reduce((a, b) => a + b, 0);
    if (data.ndim < 1 || data.shape[0] !== total) {
      throw new ShapeError(`PackedSequence: data has ${data.ndim ? data.shape[0] : 0} rows but batch_sizes add up to ${total}`);
    }
    if (this.#sizes.some((b, i) => b <= 0 || (i > 0 && b > this.#sizes[i - 1]))) {
      throw new ValueError(`PackedSequence: batch_sizes must be positive and non-increasing, got [${this.#sizes.join(", ")}]`);
    }
    this.data = data;
    this.batchSizes = ints(this.#sizes);
    this.#sorted = sortedIndices === null ? null : hostInts(sortedIndices, "PackedSequence: sorted_indices");
    const unsorted = unsortedIndices === null ? (this.#sorted && invert(this.#sorted)) : hostInts(unsortedIndices, "PackedSequence: unsorted_indices");
    this.#unsorted = unsorted;
    this.sortedIndices = this.#sorted && ints(this.#sorted);
    this.unsortedIndices = unsorted && ints(unsorted);
  }

  /** The batch sizes as numbers. */
  get batchSizeList(): readonly number[] { return this.#sizes; }
  /** sortedIndices as numbers (null: already in order). */
  get sortedIndexList(): readonly number[] | null { return this.#sorted; }
  /** unsortedIndices as numbers (null: already in order). */
  get unsortedIndexList(): readonly number[] | null { return this.#unsorted; }

  /** A PackedSequence with other data of the same layout (a layer's output). */
  withData(data: Tensor): PackedSequence {
    return new PackedSequence(data, this.#sizes, this.#sorted, this.#unsorted);
  }

  /** Releases the tensors this holds. */
  dispose(): void {
    for (const t of [this.data, this.batchSizes, this.sortedIndices, this.unsortedIndices]) t?.dispose();
  }
}

/**
 * Pads a list of [L_i, *] tensors with paddingValue into [maxL, batch, *] (batchFirst:
 * [batch, maxL, *]), as torch.nn.utils.rnn.pad_sequence.
 */
export function padSequence(sequences: Tensor[], ...args: PositionalArgs<[batchFirst: boolean, paddingValue: number], { batchFirst?: boolean; paddingValue?: number }>): Tensor {
  const o = positional("pad_sequence(sequences, batch_first=False, padding_value=0.0)", args, ["batchFirst", "paddingValue"]) as { batchFirst?: boolean; paddingValue?: number };
  if (!Array.isArray(sequences) || sequences.length === 0) throw new ValueError("pad_sequence: received an empty list of sequences");
  const trailing = sequences[0].shape.slice(1);
  sequences.forEach((s, i) => {
    if (!(s instanceof Tensor) || s.ndim < 1) throw new ShapeError(`pad_sequence: sequence ${i} must be a tensor of at least 1 dim`);
    const t = s.shape.slice(1);
    if (t.length !== trailing.length || t.some((d, k) => d !== trailing[k])) {
      throw new ShapeError(`pad_sequence: sequence ${i} has shape [${s.shape.join(", ")}]; every sequence must have the trailing shape [${trailing.join(", ")}] of sequence 0`);
    }
  });
  const maxLen = Math.max(...sequences.map((s) => s.shape[0]));
  const value = o.paddingValue ?? 0;
  return tidy(() => {
    const padded = sequences.map((s) => {
      const n = s.shape[0];
      return n === maxLen ? s : cat([s, full([maxLen - n, ...trailing], value, { dtype: s.dtype, device: s.device })], 0);
    });
    return stack(padded, o.batchFirst ? 0 : 1);
  });
}

export interface PackPaddedOptions {
  batchFirst?: boolean;
  /** The sequences are already sorted by decreasing length (default true); false sorts them (and records the order). */
  enforceSorted?: boolean;
}

/**
 * Packs a padded batch [T, B, *] (batchFirst: [B, T, *]) of sequences of the given lengths
 * (torch.nn.utils.rnn.pack_padded_sequence). With enforceSorted (the default) the lengths must
 * be decreasing; enforceSorted false sorts the batch by length (stably, as torch's CPU sort).
 */
export function packPaddedSequence(input: Tensor, lengths: Tensor | readonly number[], ...args: PositionalArgs<[batchFirst: boolean, enforceSorted: boolean], PackPaddedOptions>): PackedSequence {
  const o = positional("pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True)", args, ["batchFirst", "enforceSorted"]) as PackPaddedOptions;
  const batchFirst = o.batchFirst ?? false;
  let lens = hostInts(lengths, "pack_padded_sequence: lengths");
  if (!(input instanceof Tensor) || input.ndim < 2) throw new ShapeError(`pack_padded_sequence: input must have at least 2 dims ([T, B, *] or [B, T, *]), got ${input instanceof Tensor ? `[${input.shape.join(", ")}]` : typeof input}`);
  if (input.numel() === 0) throw new ValueError("Cannot pack empty tensors.");
  const bdim = batchFirst ? 0 : 1;
  const batch = input.shape[bdim];
  const steps = input.shape[1 - bdim];
  if (lens.length !== batch) throw new ShapeError(`Expected \`len(lengths)\` to be equal to batch_size, but got ${lens.length} (batch_size=${batch})`);
  let sorted: number[] | null = null;
  if (o.enforceSorted === false) {
    sorted = lens.map((_, i) => i).sort((a, b) => lens[b] - lens[a]); // Array.prototype.sort is stable
    lens = sorted.map((i) => lens[i]);
  }
  if (lens[batch - 1] <= 0) throw new ValueError("Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
  for (let i = 1; i < batch; i++) {
    if (lens[i] > lens[i - 1]) {
      throw new ValueError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.");
    }
  }
  if (lens[0] > steps) throw new ShapeError(`pack_padded_sequence: a length of ${lens[0]} exceeds the input's ${steps} time steps`);
  const sizes: number[] = [];
  for (let t = 0; t < lens[0]; t++) sizes.push(lens.filter((l) => l > t).length);
  const data = tidy(() => {
    let x = sorted ? input.indexSelect(bdim, ints(sorted)) : input;
    if (batchFirst) x = x.transpose(0, 1);
    return cat(sizes.map((b, t) => x.select(0, t).narrow(0, 0, b)), 0);
  });
  return new PackedSequence(data, sizes, sorted);
}

export interface PadPackedOptions {
  batchFirst?: boolean;
  paddingValue?: number;
  /** Pad to this many steps (at least the longest sequence); default the longest. */
  totalLength?: number | null;
}

/**
 * The inverse of packPaddedSequence (torch.nn.utils.rnn.pad_packed_sequence): [padded, lengths],
 * padded [T, B, *] (batchFirst: [B, T, *]) in the original batch order, lengths int32 [B].
 */
export function padPackedSequence(sequence: PackedSequence, ...args: PositionalArgs<[batchFirst: boolean, paddingValue: number, totalLength: number | null], PadPackedOptions>): [Tensor, Tensor] {
  const o = positional("pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None)", args, ["batchFirst", "paddingValue", "totalLength"]) as PadPackedOptions;
  if (!(sequence instanceof PackedSequence)) throw new ValueError("pad_packed_sequence: expected a PackedSequence");
  const sizes = sequence.batchSizeList;
  const maxLen = sizes.length;
  const total = o.totalLength ?? maxLen;
  if (!Number.isInteger(total) || total < maxLen) {
    throw new ValueError(`Expected total_length to be at least the length of the longest sequence in input, but got total_length=${o.totalLength} and max sequence length being ${maxLen}`);
  }
  const batch = sizes[0];
  const data = sequence.data;
  const trailing = data.shape.slice(1);
  const value = o.paddingValue ?? 0;
  const lens = Array.from({ length: batch }, (_, b) => sizes.filter((s) => s > b).length);
  const unsorted = sequence.unsortedIndexList;
  const padded = tidy(() => {
    const fill = (rows: number) => full([rows, ...trailing], value, { dtype: data.dtype, device: data.device });
    let off = 0;
    const steps = sizes.map((b) => {
      const rows = data.narrow(0, off, b);
      off += b;
      return b === batch ? rows : cat([rows, fill(batch - b)], 0);
    });
    for (let t = maxLen; t < total; t++) steps.push(fill(batch));
    let out = stack(steps, 0);
    if (o.batchFirst) out = out.transpose(0, 1);
    return unsorted ? out.indexSelect(o.batchFirst ? 0 : 1, ints(unsorted)) : out;
  });
  return [padded, ints(unsorted ? unsorted.map((i) => lens[i]) : lens)];
}

/**
 * Packs a list of [L_i, *] tensors (torch.nn.utils.rnn.pack_sequence): padSequence then
 * packPaddedSequence. enforceSorted (default true) requires decreasing lengths.
 */
export function packSequence(sequences: Tensor[], ...args: PositionalArgs<[enforceSorted: boolean], { enforceSorted?: boolean }>): PackedSequence {
  const o = positional("pack_sequence(sequences, enforce_sorted=True)", args, ["enforceSorted"]) as { enforceSorted?: boolean };
  const padded = padSequence(sequences);
  try {
    return packPaddedSequence(padded, sequences.map((s) => s.shape[0]), { enforceSorted: o.enforceSorted ?? true });
  } finally {
    padded.dispose();
  }
}

/** The list of [L_i, *] sequences of a PackedSequence, in the original order (torch's unpack_sequence). */
export function unpackSequence(packed: PackedSequence): Tensor[] {
  const [padded, lengths] = padPackedSequence(packed, { batchFirst: true });
  try {
    return unpadSequence(padded, lengths, { batchFirst: true });
  } finally {
    padded.dispose();
    lengths.dispose();
  }
}

/** The sequences of a padded batch, each cut to its length (torch's unpad_sequence). */
export function unpadSequence(padded: Tensor, lengths: Tensor | readonly number[], opts: { batchFirst?: boolean } = {}): Tensor[] {
  checkOptions("unpad_sequence", opts, ["batchFirst"]);
  const lens = hostInts(lengths, "unpad_sequence: lengths");
  const bdim = opts.batchFirst ? 0 : 1;
  if (padded.ndim < 2 || padded.shape[bdim] !== lens.length) throw new ShapeError(`unpad_sequence: padded has shape [${padded.shape.join(", ")}] but ${lens.length} lengths were given`);
  return lens.map((l, b) => tidy(() => padded.select(bdim, b).narrow(0, 0, l)));
}
