// nn.RNN, nn.LSTM, nn.GRU and nn.RNNCell, nn.LSTMCell, nn.GRUCell, as torch.nn has them: the
// same parameters under the same state dict keys (weight_ih_l0, weight_hh_l0, bias_ih_l0,
// bias_hh_l0, weight_hr_l0 for a projected LSTM, "_reverse" for the backward direction), drawn
// U(-1/√hidden, 1/√hidden) in torch's order (so kd.manualSeed gives torch's weights), the same
// gate order (LSTM i, f, g, o; GRU r, z, n), options, shapes and errors.
//
// The sequence loop is torch's CPU one (aten/src/ATen/native/RNN.cpp): each step applies the
// cell to only the sequences still running (a PackedSequence's batch sizes shrink; the rows that
// end are set aside as their final states, and the reverse direction grows its batch instead).
// Between layers the steps stay a list of per-step tensors, and each step projects its own
// input (x Wᵢₕᵀ): a step's rows taken as a narrow() view of one [T*B, ...] tensor would cost, in
// backward, a zero-filled gradient of the whole tensor per step (O(T²)); a list costs nothing,
// and the output is one cat at the end. (The first layer's steps are views of the input, which
// pay that only when the input itself needs a gradient.)
// An LSTM or GRU step's gate math is one engine op (lstm_cell, gru_cell) with its own backward.
import { noGrad } from "../../autograd.js";
import { bernoulliMask, zeros } from "../../creation.js";
import { ShapeError, ValueError } from "../../errors.js";
import { cat, stack } from "../../functional.js";
import { tidy } from "../../memory.js";
import { Tensor } from "../../tensor.js";
import { positional, type PositionalArgs } from "../../options.js";
import * as init from "../init.js";
import { Module, type Parameter, pyBool, pyFloat } from "../module.js";
import { PackedSequence } from "../utils/rnn.js";
import { param } from "./linear.js";
import { gruCellStep, lstmCellStep } from "./rnn_cell_ops.js";

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";
const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** One direction of one layer (or a cell), as its steps use it. */
interface CellWeights {
  /** Wᵢₕᵀ [in, gates * hidden]. */
  wihT: Tensor;
  /** Added to x Wᵢₕᵀ: b_ih + b_hh for RNN and LSTM (their gates add both unchanged), b_ih for GRU. */
  bias: Tensor | null;
  /** Wₕₕᵀ [hidden_out, gates * hidden]. */
  whhT: Tensor;
  /** b_hh of a GRU (r multiplies h Wₕₕᵀ + b_hh). */
  bhh: Tensor | null;
  /** W_hrᵀ of a projected LSTM. */
  whrT: Tensor | null;
}

/** The weights as the steps use them (transposed views, the folded bias). Inside tidy. */
function cellWeights(mode: Mode, wih: Tensor, whh: Tensor, bih: Tensor | null, bhh: Tensor | null, whr: Tensor | null): CellWeights {
  const gru = mode === "GRU";
  const bias = gru ? bih : bih && bhh ? bih.add(bhh) : bih ?? bhh;
  return { wihT: wih.t(), bias, whhT: whh.t(), bhh: gru ? bhh : null, whrT: whr && whr.t() };
}

/** One step of the cell on the running rows: input x [b, in] and the state [h] or [h, c] -> the new state. Inside tidy. */
function cellStep(mode: Mode, x: Tensor, state: Tensor[], w: CellWeights): Tensor[] {
  const xw = x.matmul(w.wihT);
  const xg = w.bias ? xw.add(w.bias) : xw;
  const h = state[0];
  const hg = h.matmul(w.whhT);
  switch (mode) {
    case "RNN_TANH": return [xg.add(hg).tanh()];
    case "RNN_RELU": return [xg.add(hg).relu()];
    case "LSTM": {
      const [h2, c2] = lstmCellStep(xg, hg, state[1]);
      return [w.whrT ? h2.matmul(w.whrT) : h2, c2];
    }
    case "GRU": return [gruCellStep(xg, w.bhh ? hg.add(w.bhh) : hg, h)];
  }
}

/**
 * One direction of one layer over the steps (inputs[t]: the sizes[t] running rows): each step's
 * output and the final state, each row's from its own last step. Inside tidy.
 */
function runDirection(mode: Mode, inputs: readonly Tensor[], sizes: readonly number[], init0: Tensor[], w: CellWeights, reverse: boolean): { outs: Tensor[]; final: Tensor[] } {
  const T = sizes.length;
  const outs = new Array<Tensor>(T);
  if (!reverse) {
    let state = init0;
    let last = sizes[0];
    const ended: Tensor[][] = [];
    for (let t = 0; t < T; t++) {
      const b = sizes[t];
      if (b < last) {
        ended.push(state.map((s) => s.narrow(0, b, last - b)));
        state = state.map((s) => s.narrow(0, 0, b));
      }
      last = b;
      state = cellStep(mode, inputs[t], state, w);
      outs[t] = state[0];
    }
    ended.push(state);
    ended.reverse();
    return { outs, final: state.map((_, k) => (ended.length === 1 ? ended[0][k] : cat(ended.map((e) => e[k]), 0))) };
  }
  const first = sizes[T - 1];
  let state = init0.map((s) => (first === s.shape[0] ? s : s.narrow(0, 0, first)));
  for (let t = T - 1; t >= 0; t--) {
    const b = sizes[t];
    const cur = state[0].shape[0];
    if (b > cur) state = state.map((s, k) => cat([s, init0[k].narrow(0, cur, b - cur)], 0));
    state = cellStep(mode, inputs[t], state, w);
    outs[t] = state[0];
  }
  return { outs, final: state };
}

const tuple = (s: readonly number[]) => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;
const list = (s: readonly number[]) => `[${s.join(", ")}]`;

function checkSize(what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new ValueError(`${what} must be an integer ${min === 0 ? ">= 0" : "greater than zero"}, got ${v}`);
}

export interface RNNBaseOptions {
  numLayers?: number;
  /** Add b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  bidirectional?: boolean;
}
export interface RNNOptions extends RNNBaseOptions { nonlinearity?: "tanh" | "relu" }
export interface LSTMOptions extends RNNBaseOptions { /** Project h to this size with weight_hr (0: no projection). */ projSize?: number }

/** The shared body of RNN, LSTM and GRU (torch.nn.RNNBase). */
export abstract class RNNBase extends Module {
  readonly mode: Mode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;

  protected constructor(mode: Mode, inputSize: number, hiddenSize: number, o: LSTMOptions) {
    super();
    checkSize("input_size", inputSize, 0);
    checkSize("hidden_size", hiddenSize, 1);
    checkSize("num_layers", o.numLayers ?? 1, 1);
    const dropout = o.dropout ?? 0;
    if (typeof dropout !== "number" || !(dropout >= 0 && dropout <= 1)) {
      throw new ValueError("dropout should be a number in range [0, 1] representing the probability of an element being zeroed");
    }
    const projSize = o.projSize ?? 0;
    if (!Number.isInteger(projSize) || projSize < 0) throw new ValueError("proj_size should be a positive integer or zero to disable projections");
    if (projSize >= hiddenSize) throw new ValueError("proj_size has to be smaller than hidden_size");
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = o.numLayers ?? 1;
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = o.bidirectional ?? false;
    this.projSize = projSize;
    const gates = GATES[mode] * hiddenSize;
    const out = projSize || hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    // torch's order: layer by layer, each direction's w_ih, w_hh, b_ih, b_hh (, w_hr).
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < dirs; d++) {
        const s = `_l${l}${d ? "_reverse" : ""}`;
        this.registerParameter(`weight_ih${s}`, param([gates, l === 0 ? inputSize : out * dirs]));
        this.registerParameter(`weight_hh${s}`, param([gates, out]));
        if (this.bias) {
          this.registerParameter(`bias_ih${s}`, param([gates]));
          this.registerParameter(`bias_hh${s}`, param([gates]));
        }
        if (projSize > 0) this.registerParameter(`weight_hr${s}`, param([projSize, hiddenSize]));
      }
    }
    this.resetParameters();
  }

  /** Every weight U(-1/√hidden, 1/√hidden), in registration order (torch's reset_parameters). */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    noGrad(() => { for (const p of this.parameters()) init.uniform_(p, -stdv, stdv); });
  }

  /** Kept for torch code that calls it: the weights are always usable as they are. */
  flattenParameters(): void {}

  #p(name: string): Parameter | null { return ((this as unknown as Record<string, Parameter | undefined>)[name]) ?? null; }

  /** The weights of each layer and direction, in torch's order (torch's all_weights). */
  get allWeights(): Parameter[][] {
    const out: Parameter[][] = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < (this.bidirectional ? 2 : 1); d++) {
        const s = `_l${l}${d ? "_reverse" : ""}`;
        out.push(["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"].map((n) => this.#p(n + s)).filter((p): p is Parameter => p !== null));
      }
    }
    return out;
  }

  /**
   * The sequence loop for all three kinds: input [T, B, in] ([B, T, in] batchFirst, [T, in]
   * unbatched) or a PackedSequence; hx the initial states ([h0] or [h0, c0]) or null for zeros.
   */
  protected run(input: Tensor | PackedSequence, hx: Tensor[] | null): [Tensor | PackedSequence, Tensor[]] {
    const name = this.mode === "LSTM" ? "LSTM" : this.mode === "GRU" ? "GRU" : "RNN";
    const packed = input instanceof PackedSequence ? input : null;
    const dirs = this.bidirectional ? 2 : 1;
    const out = this.projSize || this.hiddenSize;
    const stateSizes = this.mode === "LSTM" ? [out, this.hiddenSize] : [out];
    let sizes: number[];
    let batched = true;
    let x: Tensor;
    if (packed) {
      x = packed.data;
      if (x.ndim !== 2) throw new ShapeError(`input must have 2 dimensions, got ${x.ndim}`);
      sizes = [...packed.batchSizeList];
    } else {
      if (!(input instanceof Tensor)) throw new ValueError(`${name}: expected a Tensor or a PackedSequence as input`);
      if (input.ndim !== 2 && input.ndim !== 3) throw new ShapeError(`${name}: Expected input to be 2-D or 3-D but received ${input.ndim}-D tensor`);
      batched = input.ndim === 3;
      const hdims = hx?.map((h) => h.ndim);
      if (hx && hdims!.some((d) => d !== (batched ? 3 : 2))) {
        const which = this.mode === "LSTM" ? `hx and cx should also be ${batched ? 3 : 2}-D but got (${hdims!.map((d) => `${d}-D`).join(", ")}) tensors` : `hx should also be ${batched ? 3 : 2}-D but got ${hdims![0]}-D tensor`;
        throw new ShapeError(`For ${batched ? "batched 3-D" : "unbatched 2-D"} input, ${which}`);
      }
      x = input;
      const T = batched ? input.shape[this.batchFirst ? 1 : 0] : input.shape[0];
      const B = batched ? input.shape[this.batchFirst ? 0 : 1] : 1;
      sizes = new Array<number>(T).fill(B);
    }
    if (x.shape[x.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${x.shape[x.ndim - 1]}`);
    }
    if (sizes.length === 0) throw new ValueError(`Expected sequence length to be larger than 0 in RNN`);
    const B = sizes[0];
    const offsets: number[] = [];
    sizes.reduce((off, b) => (offsets.push(off), off + b), 0);
    const sorted = packed?.sortedIndexList ?? null;
    const unsorted = packed?.unsortedIndexList ?? null;

    if (hx) {
      hx.forEach((h, k) => {
        const want = [this.numLayers * dirs, B, stateSizes[k]];
        const got = batched ? h.shape : [h.shape[0], 1, h.shape[1]];
        if (got.length !== 3 || got.some((s, i) => s !== want[i])) {
          const which = this.mode === "LSTM" ? `hidden[${k}] ` : "hidden ";
          throw new ShapeError(`Expected ${which}size ${tuple(want)}, got ${list(got)}`);
        }
      });
    }

    const result = tidy(() => {
      // the steps' rows: step t's sizes[t] running sequences, [b_t, in]
      let steps: Tensor[];
      if (packed) steps = sizes.map((b, t) => x.narrow(0, offsets[t], b));
      else {
        const tm = !batched ? x.unsqueeze(1) : this.batchFirst ? x.transpose(0, 1) : x;
        steps = tm.unbind(0);
      }
      let states: Tensor[] | null = hx && hx.map((h) => (batched ? h : h.unsqueeze(1)));
      if (states && sorted) states = states.map((h) => h.indexSelect(1, packed!.sortedIndices!));
      const initial = (k: number, ld: number) => (states ? states[k].select(0, ld) : zeros([B, stateSizes[k]], { device: x.device }));
      const finals: Tensor[][] = stateSizes.map(() => []);
      const rows = offsets[offsets.length - 1] + sizes[sizes.length - 1];
      for (let l = 0; l < this.numLayers; l++) {
        const outs: Tensor[][] = [];
        for (let d = 0; d < dirs; d++) {
          const s = `_l${l}${d ? "_reverse" : ""}`;
          const w = cellWeights(this.mode, this.#p(`weight_ih${s}`)!, this.#p(`weight_hh${s}`)!, this.#p(`bias_ih${s}`), this.#p(`bias_hh${s}`), this.#p(`weight_hr${s}`));
          const ld = l * dirs + d;
          const r = runDirection(this.mode, steps, sizes, stateSizes.map((_, k) => initial(k, ld)), w, d === 1);
          outs.push(r.outs);
          r.final.forEach((f, k) => finals[k].push(f));
        }
        steps = dirs === 1 ? outs[0] : outs[0].map((o, t) => cat([o, outs[1][t]], 1));
        if (this.dropout > 0 && this.training && l < this.numLayers - 1) {
          // torch's dropout of the whole layer output (one mask in row order), step by step
          if (this.dropout === 1) steps = steps.map((o) => o.mul(0));
          else {
            const noise = bernoulliMask([rows, dirs * out], 1 - this.dropout).div(1 - this.dropout);
            steps = steps.map((o, t) => o.mul(noise.narrow(0, offsets[t], sizes[t])));
          }
        }
      }
      let output = steps.length === 1 ? steps[0] : cat(steps, 0);
      if (!packed) {
        output = output.view(sizes.length, B, dirs * out);
        if (!batched) output = output.squeeze(1);
        else if (this.batchFirst) output = output.transpose(0, 1);
      }
      const hidden = finals.map((f) => {
        let h = stack(f, 0);
        if (unsorted) h = h.indexSelect(1, packed!.unsortedIndices!);
        return batched ? h : h.squeeze(1);
      });
      return { output, hidden };
    });
    return [packed ? packed.withData(result.output) : result.output, result.hidden];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

const BASE_ARGS = ["numLayers", "bias", "batchFirst", "dropout", "bidirectional"] as const;

/**
 * An Elman RNN, h' = tanh(x Wᵢₕᵀ + b_ih + h Wₕₕᵀ + b_hh) (or relu), over a sequence (torch.nn.RNN).
 * forward(input, h0?) -> [output, h_n].
 */
export class RNN extends RNNBase {
  readonly nonlinearity: "tanh" | "relu";

  /** PyTorch's positional order (input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout, bidirectional); a trailing options object may follow. */
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalArgs<[numLayers: number, nonlinearity: "tanh" | "relu", bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean], RNNOptions>);
  constructor(inputSize: number, hiddenSize: number, ...args: unknown[]) {
    const o = positional("RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0, bidirectional=False)",
      args, ["numLayers", "nonlinearity", "bias", "batchFirst", "dropout", "bidirectional"]) as RNNOptions;
    const nl = o.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") throw new ValueError(`Unknown nonlinearity '${String(nl)}'. Select from 'tanh' or 'relu'.`);
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, o);
    this.nonlinearity = nl;
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor];
  override forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const [out, [h]] = this.run(input, hx ? [hx] : null);
    return [out, h];
  }
}

/**
 * Long short-term memory over a sequence (torch.nn.LSTM): forward(input, [h0, c0]?) ->
 * [output, [h_n, c_n]]. projSize > 0 projects each h with weight_hr (h is then projSize wide).
 */
export class LSTM extends RNNBase {
  /** PyTorch's positional order (input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size); a trailing options object may follow. */
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalArgs<[numLayers: number, bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean, projSize: number], LSTMOptions>);
  constructor(inputSize: number, hiddenSize: number, ...args: unknown[]) {
    const o = positional("LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False, proj_size=0)",
      args, [...BASE_ARGS, "projSize"]) as LSTMOptions;
    super("LSTM", inputSize, hiddenSize, o);
  }

  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  override forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  override forward(input: Tensor | PackedSequence, hx?: [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]];
  override forward(input: Tensor | PackedSequence, hx: [Tensor, Tensor] | null = null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (hx && (!Array.isArray(hx) || hx.length !== 2)) throw new ValueError("LSTM: hx must be a pair [h_0, c_0]");
    const [out, [h, c]] = this.run(input, hx);
    return [out, [h, c]];
  }
}

/** A gated recurrent unit over a sequence (torch.nn.GRU): forward(input, h0?) -> [output, h_n]. */
export class GRU extends RNNBase {
  /** PyTorch's positional order (input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional); a trailing options object may follow. */
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalArgs<[numLayers: number, bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean], RNNBaseOptions>);
  constructor(inputSize: number, hiddenSize: number, ...args: unknown[]) {
    const o = positional("GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False)", args, BASE_ARGS) as RNNBaseOptions;
    super("GRU", inputSize, hiddenSize, o);
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor];
  override forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const [out, [h]] = this.run(input, hx ? [hx] : null);
    return [out, h];
  }
}

// ---- cells ----------------------------------------------------------------------------------

/** The shared body of the cells (torch.nn.RNNCellBase): one step, input [B, in] or [in]. */
export abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;
  protected readonly mode: Mode;

  protected constructor(mode: Mode, inputSize: number, hiddenSize: number, bias: boolean) {
    super();
    checkSize("input_size", inputSize, 0);
    checkSize("hidden_size", hiddenSize, 1);
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    const gates = GATES[mode] * hiddenSize;
    this.weight_ih = param([gates, inputSize]);
    this.weight_hh = param([gates, hiddenSize]);
    this.bias_ih = bias ? param([gates]) : null;
    this.bias_hh = bias ? param([gates]) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    noGrad(() => { for (const p of this.parameters()) init.uniform_(p, -stdv, stdv); });
  }

  /** One step on batched rows: input [B, in], state [h] or [h, c] of [B, hidden] (null: zeros). */
  protected step(name: string, input: Tensor, hx: (Tensor | null | undefined)[]): Tensor[] {
    if (!(input instanceof Tensor)) throw new ValueError(`${name}: expected a Tensor as input`);
    if (input.ndim !== 1 && input.ndim !== 2) throw new ShapeError(`${name}: Expected input to be 1-D or 2-D but received ${input.ndim}-D tensor`);
    const batched = input.ndim === 2;
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`input has inconsistent input_size: got ${input.shape[input.ndim - 1]} expected ${this.inputSize}`);
    }
    const B = batched ? input.shape[0] : 1;
    hx.forEach((h, k) => {
      if (!h) return;
      if (h.ndim !== input.ndim) throw new ShapeError(`${name}: Expected hidden${hx.length > 1 ? `[${k}]` : ""} to be ${input.ndim}-D, like the input, but received ${h.ndim}-D tensor`);
      const hb = batched ? h.shape[0] : 1;
      if (hb !== B) throw new ShapeError(`Input batch size ${B} doesn't match hidden${k} batch size ${hb}`);
      if (h.shape[h.ndim - 1] !== this.hiddenSize) throw new ShapeError(`hidden${k} has inconsistent hidden_size: got ${h.shape[h.ndim - 1]}, expected ${this.hiddenSize}`);
    });
    return tidy(() => {
      const x = batched ? input : input.unsqueeze(0);
      const state = hx.map((h) => (h ? (batched ? h : h.unsqueeze(0)) : zeros([B, this.hiddenSize], { device: input.device })));
      const next = cellStep(this.mode, x, state, cellWeights(this.mode, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh, null));
      return batched ? next : next.map((h) => h.squeeze(0));
    });
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    return s;
  }
}

/** One Elman RNN step (torch.nn.RNNCell): forward(input, hx?) -> h'. */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: "tanh" | "relu";

  /** RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh'); a trailing options object may follow. */
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalArgs<[bias: boolean, nonlinearity: "tanh" | "relu"], { bias?: boolean; nonlinearity?: "tanh" | "relu" }>);
  constructor(inputSize: number, hiddenSize: number, ...args: unknown[]) {
    const o = positional("RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh')", args, ["bias", "nonlinearity"]) as { bias?: boolean; nonlinearity?: string };
    const nl = o.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") throw new ValueError(`Unknown nonlinearity: ${nl}`);
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, o.bias ?? true);
    this.nonlinearity = nl;
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.step("RNNCell", input, [hx])[0];
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity !== "tanh" ? `, nonlinearity=${this.nonlinearity}` : "");
  }
}

/** One LSTM step (torch.nn.LSTMCell): forward(input, [h, c]?) -> [h', c']. */
export class LSTMCell extends RNNCellBase {
  /** LSTMCell(input_size, hidden_size, bias=True); a trailing options object may follow. */
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalArgs<[bias: boolean], { bias?: boolean }>);
  constructor(inputSize: number, hiddenSize: number, ...args: unknown[]) {
    const o = positional("LSTMCell(input_size, hidden_size, bias=True)", args, ["bias"]) as { bias?: boolean };
    super("LSTM", inputSize, hiddenSize, o.bias ?? true);
  }

  override forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    if (hx && (!Array.isArray(hx) || hx.length !== 2)) throw new ValueError("LSTMCell: hx must be a pair [h, c]");
    const [h, c] = this.step("LSTMCell", input, hx ?? [null, null]);
    return [h, c];
  }
}

/** One GRU step (torch.nn.GRUCell): forward(input, hx?) -> h'. */
export class GRUCell extends RNNCellBase {
  /** GRUCell(input_size, hidden_size, bias=True); a trailing options object may follow. */
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalArgs<[bias: boolean], { bias?: boolean }>);
  constructor(inputSize: number, hiddenSize: number, ...args: unknown[]) {
    const o = positional("GRUCell(input_size, hidden_size, bias=True)", args, ["bias"]) as { bias?: boolean };
    super("GRU", inputSize, hiddenSize, o.bias ?? true);
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.step("GRUCell", input, [hx])[0];
  }
}
