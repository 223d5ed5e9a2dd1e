// kd.nn.RNN / LSTM / GRU, the cells and kd.nn.utils.rnn against real PyTorch
// (tests/fixtures/rnn.json, from scripts/gen_rnn_fixtures.py): seeded initial weights, outputs,
// final states and the gradients of the input, h0 / c0 and every parameter, within 1e-5, over
// num_layers 1/2 x bidirectional x batch_first x padded / packed input and the other options.
// Then the typed errors for bad input, reprs and state dict keys.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { decode, expectClose as expectCloseTo, type FTensor } from "./helpers/torch-fixture.js";

const { nn } = kd;
const U = nn.utils.rnn;
type Tensor = kd.Tensor;

interface LayerCase {
  name: string;
  module: "RNN" | "LSTM" | "GRU" | "RNNCell" | "LSTMCell" | "GRUCell";
  args: Record<string, unknown>;
  seed: number;
  train: boolean;
  params: Record<string, FTensor>;
  input: FTensor;
  lengths?: number[];
  h0?: FTensor;
  c0?: FTensor;
  out: FTensor;
  batch_sizes?: FTensor;
  sorted_indices?: FTensor;
  padded_out?: FTensor;
  padded_lengths?: FTensor;
  hn?: FTensor;
  cn?: FTensor;
  grad_out: FTensor;
  grad_hn?: FTensor;
  grad_cn?: FTensor;
  grads: Record<string, FTensor>;
}
interface UtilCase {
  name: string;
  fn: "pad_sequence" | "pack_sequence";
  args: Record<string, unknown>;
  sequences: FTensor[];
  out: FTensor;
  batch_sizes?: FTensor;
  sorted_indices?: FTensor;
  unsorted_indices?: FTensor;
  lengths?: FTensor;
  grad_out: FTensor;
  grads: FTensor[];
  [padded: string]: unknown;
}

const doc = JSON.parse(readFileSync(new URL("./fixtures/rnn.json", import.meta.url), "utf8")) as { torch: string; cases: LayerCase[]; utils: UtilCase[] };
const I = 3, H = 4;

function expectClose(name: string, actual: Tensor | null | undefined, expected: FTensor): void {
  expectCloseTo(name, actual, expected, 1e-5, 1e-5);
}

function build(c: LayerCase): kd.nn.Module {
  const a = c.args as never;
  switch (c.module) {
    case "RNN": return new nn.RNN(I, H, a);
    case "LSTM": return new nn.LSTM(I, H, a);
    case "GRU": return new nn.GRU(I, H, a);
    case "RNNCell": return new nn.RNNCell(I, H, a);
    case "LSTMCell": return new nn.LSTMCell(I, H, a);
    case "GRUCell": return new nn.GRUCell(I, H, a);
  }
}

describe("recurrent layers against PyTorch", () => {
  it(`has the fixture cases (torch ${doc.torch})`, () => {
    expect(doc.cases.length).toBeGreaterThan(90);
    // every combination of the four kinds x layers x directions x batch_first x packing is there
    const combos = doc.cases.filter((c) => /^(rnn_tanh|rnn_relu|lstm|gru)_l[12](_bi)?(_bf)?(_packed)?$/.test(c.name));
    expect(combos.length).toBe(64);
  });

  for (const c of doc.cases) {
    it(c.name, () => {
      kd.manualSeed(c.seed);
      const m = build(c);
      m.train(c.train);
      // kd.manualSeed gives torch's initial weights, under torch's state dict keys, in its order
      const sd = m.stateDict({ keepVars: true });
      expect(Object.keys(sd)).toEqual(Object.keys(c.params));
      for (const [k, v] of Object.entries(c.params)) expectClose(`init ${k}`, sd[k] as Tensor, v);

      const x = decode(c.input).requiresGrad_();
      const h0 = c.h0 ? decode(c.h0).requiresGrad_() : null;
      const c0 = c.c0 ? decode(c.c0).requiresGrad_() : null;
      const lstm = c.module === "LSTM" || c.module === "LSTMCell";
      const state = h0 ? (lstm ? [h0, c0!] : h0) : null;
      let out: Tensor, hn: Tensor | null = null, cn: Tensor | null = null;
      if (c.module.endsWith("Cell")) {
        const r = (m as kd.nn.RNNCell).forward(x, state as never) as Tensor | [Tensor, Tensor];
        [out, cn] = Array.isArray(r) ? r : [r, null];
      } else {
        const batchFirst = c.args.batchFirst === true;
        const input = c.lengths ? U.packPaddedSequence(x, c.lengths, { batchFirst, enforceSorted: false }) : x;
        const [o, hs] = (m as kd.nn.LSTM).forward(input as never, state as never) as [Tensor | kd.nn.utils.rnn.PackedSequence, Tensor | [Tensor, Tensor]];
        [hn, cn] = Array.isArray(hs) ? hs : [hs, null];
        if (o instanceof U.PackedSequence) {
          expect(Array.from(o.batchSizes.dataSync())).toEqual(c.batch_sizes!.values);
          expect(Array.from(o.sortedIndices!.dataSync())).toEqual(c.sorted_indices!.values);
          const [padded, lens] = U.padPackedSequence(o, { batchFirst });
          expectClose("padded output", padded, c.padded_out!);
          expect(Array.from(lens.dataSync())).toEqual(c.padded_lengths!.values);
          out = o.data;
        } else out = o;
      }
      expectClose("output", out, c.out);
      if (c.hn) expectClose("h_n", hn, c.hn);
      if (c.cn) expectClose("c_n", cn, c.cn);

      let loss = out.mul(decode(c.grad_out)).sum();
      if (c.grad_hn) loss = loss.add(hn!.mul(decode(c.grad_hn)).sum());
      if (c.grad_cn) loss = loss.add(cn!.mul(decode(c.grad_cn)).sum());
      loss.backward();
      const named = Object.fromEntries(m.namedParameters());
      for (const [k, g] of Object.entries(c.grads)) {
        const t = k === "input" ? x : k === "h0" ? h0 : k === "c0" ? c0 : named[k];
        expect(t, k).toBeTruthy();
        expectClose(`grad ${k}`, t!.grad, g);
      }
    });
  }
});

describe("nn.utils.rnn against PyTorch", () => {
  for (const c of doc.utils) {
    it(c.name, () => {
      const seqs = c.sequences.map((s) => decode(s).requiresGrad_());
      let data: Tensor;
      if (c.fn === "pad_sequence") {
        data = U.padSequence(seqs, c.args as { batchFirst: boolean; paddingValue: number });
      } else {
        const p = U.packSequence(seqs, c.args.enforceSorted as boolean);
        data = p.data;
        expect(Array.from(p.batchSizes.dataSync())).toEqual(c.batch_sizes!.values);
        if (c.sorted_indices) {
          expect(Array.from(p.sortedIndices!.dataSync())).toEqual(c.sorted_indices.values);
          expect(Array.from(p.unsortedIndices!.dataSync())).toEqual(c.unsorted_indices!.values);
        } else expect(p.sortedIndices).toBeNull();
        for (const bf of [false, true]) {
          for (const total of [null, 7]) {
            const [padded, lens] = U.padPackedSequence(p, bf, 0.25, total);
            expectClose(`padded bf=${bf} total=${total}`, padded, c[`padded${bf ? "_bf" : ""}${total ? "_t7" : ""}`] as FTensor);
            expect(Array.from(lens.dataSync())).toEqual(c.lengths!.values);
          }
        }
        // the round trip back to the list of sequences
        const back = U.unpackSequence(p);
        back.forEach((b, i) => expect(Array.from(b.dataSync())).toEqual(Array.from(seqs[i].dataSync())));
      }
      expectClose("out", data, c.out);
      data.mul(decode(c.grad_out)).sum().backward();
      seqs.forEach((s, i) => expectClose(`grad ${i}`, s.grad, c.grads[i]));
    });
  }
});

describe("recurrent layers: options, errors, reprs", () => {
  it("state dict keys and shapes as torch names them", () => {
    const m = new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true, projSize: 5 });
    const shapes = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, (v as Tensor).shape]));
    expect(shapes).toEqual({
      weight_ih_l0: [80, 10], weight_hh_l0: [80, 5], bias_ih_l0: [80], bias_hh_l0: [80], weight_hr_l0: [5, 20],
      weight_ih_l0_reverse: [80, 10], weight_hh_l0_reverse: [80, 5], bias_ih_l0_reverse: [80], bias_hh_l0_reverse: [80], weight_hr_l0_reverse: [5, 20],
      weight_ih_l1: [80, 10], weight_hh_l1: [80, 5], bias_ih_l1: [80], bias_hh_l1: [80], weight_hr_l1: [5, 20],
      weight_ih_l1_reverse: [80, 10], weight_hh_l1_reverse: [80, 5], bias_ih_l1_reverse: [80], bias_hh_l1_reverse: [80], weight_hr_l1_reverse: [5, 20],
    });
    expect(Object.keys(new nn.GRU(3, 4, { bias: false }).stateDict())).toEqual(["weight_ih_l0", "weight_hh_l0"]);
    expect(Object.keys(new nn.GRUCell(3, 4).stateDict())).toEqual(["weight_ih", "weight_hh", "bias_ih", "bias_hh"]);
  });

  it("positional arguments in torch's order, and reprs as torch prints them", () => {
    expect(new nn.RNN(10, 20, 2, "relu", true, true).toString()).toBe("RNN(10, 20, num_layers=2, batch_first=True)");
    expect(new nn.RNN(10, 20, 2, "relu").nonlinearity).toBe("relu");
    expect(new nn.LSTM(10, 20, 2, false, true, 0.5, true, 5).toString()).toBe("LSTM(10, 20, proj_size=5, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)");
    expect(new nn.GRU(4, 8).toString()).toBe("GRU(4, 8)");
    expect(new nn.RNNCell(4, 8, false, "relu").toString()).toBe("RNNCell(4, 8, bias=False, nonlinearity=relu)");
    expect(new nn.LSTMCell(4, 8).toString()).toBe("LSTMCell(4, 8)");
    expect(() => new nn.LSTM(4, 8, { num_layers: 2 } as never)).toThrow(/unknown option 'num_layers'; did you mean 'numLayers'/);
  });

  it("bad options are ValueErrors", () => {
    expect(() => new nn.LSTM(4, 8, { dropout: 1.5 })).toThrow(kd.ValueError);
    expect(() => new nn.LSTM(4, 8, { projSize: 8 })).toThrow("proj_size has to be smaller than hidden_size");
    expect(() => new nn.RNN(4, 8, { nonlinearity: "gelu" as never })).toThrow("Unknown nonlinearity 'gelu'. Select from 'tanh' or 'relu'.");
    expect(() => new nn.GRU(4, 0)).toThrow(kd.ValueError);
    expect(() => new nn.GRU(4, 8, { numLayers: 0 })).toThrow(kd.ValueError);
  });

  it("wrong input or state shapes are ShapeErrors naming the sizes", () => {
    const lstm = new nn.LSTM(3, 4, { numLayers: 2 });
    expect(() => lstm.forward(kd.randn([5, 2, 6]))).toThrow(new kd.ShapeError("input.size(-1) must be equal to input_size. Expected 3, got 6"));
    expect(() => lstm.forward(kd.randn([5, 2, 3, 1]))).toThrow(kd.ShapeError);
    expect(() => lstm.forward(kd.randn([5, 2, 3]), [kd.zeros([2, 3, 4]), kd.zeros([2, 2, 4])])).toThrow(new kd.ShapeError("Expected hidden[0] size (2, 2, 4), got [2, 3, 4]"));
    expect(() => lstm.forward(kd.randn([5, 2, 3]), [kd.zeros([2, 2, 4]), kd.zeros([2, 2, 5])])).toThrow("Expected hidden[1] size (2, 2, 4), got [2, 2, 5]");
    expect(() => lstm.forward(kd.randn([5, 2, 3]), [kd.zeros([2, 4]), kd.zeros([2, 4])])).toThrow("For batched 3-D input, hx and cx should also be 3-D but got (2-D, 2-D) tensors");
    const gru = new nn.GRU(3, 4);
    expect(() => gru.forward(kd.randn([5, 3]), kd.zeros([1, 2, 4]))).toThrow("For unbatched 2-D input, hx should also be 2-D but got 3-D tensor");
    expect(() => gru.forward(kd.randn([5, 2, 3]), kd.zeros([1, 2, 5]))).toThrow(new kd.ShapeError("Expected hidden size (1, 2, 4), got [1, 2, 5]"));
    const cell = new nn.GRUCell(3, 4);
    expect(() => cell.forward(kd.randn([2, 5]))).toThrow(new kd.ShapeError("input has inconsistent input_size: got 5 expected 3"));
    expect(() => cell.forward(kd.randn([2, 3]), kd.zeros([3, 4]))).toThrow(new kd.ShapeError("Input batch size 2 doesn't match hidden0 batch size 3"));
    expect(() => cell.forward(kd.randn([2, 3]), kd.zeros([2, 5]))).toThrow("hidden0 has inconsistent hidden_size: got 5, expected 4");
    expect(() => cell.forward(kd.randn([2, 2, 3]))).toThrow("GRUCell: Expected input to be 1-D or 2-D but received 3-D tensor");
  });

  it("pack/pad helpers reject bad lengths", () => {
    const x = kd.randn([4, 3, 2]);
    expect(() => U.packPaddedSequence(x, [2, 3, 1])).toThrow(/must be sorted in decreasing order/);
    expect(() => U.packPaddedSequence(x, [3, 2, 0], { enforceSorted: false })).toThrow("Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
    expect(() => U.packPaddedSequence(x, [3, 2])).toThrow(new kd.ShapeError("Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)"));
    expect(() => U.packPaddedSequence(x, [6, 2, 1])).toThrow(kd.ShapeError);
    const p = U.packPaddedSequence(x, [4, 2, 1]);
    expect(() => U.padPackedSequence(p, { totalLength: 3 })).toThrow(kd.ValueError);
    expect(() => U.padSequence([kd.randn([2, 3]), kd.randn([2, 4])])).toThrow(kd.ShapeError);
    expect(() => U.padSequence([])).toThrow(kd.ValueError);
  });

  it("dropout only in training mode, and eval gives the same output twice", () => {
    const m = new nn.GRU(3, 4, { numLayers: 2, dropout: 0.5 });
    const x = kd.randn([6, 2, 3]);
    m.eval();
    const [a] = m.forward(x);
    const [b] = m.forward(x);
    expect(kd.equal(a, b)).toBe(true);
    m.train();
    const [c] = m.forward(x);
    expect(kd.equal(a, c)).toBe(false);
  });

  it("a training loop with no dispose keeps live tensors and storage flat (packed, 2 layers, bidirectional)", () => {
    kd.manualSeed(0);
    const lstm = new nn.LSTM(3, 8, { numLayers: 2, bidirectional: true });
    const opt = new kd.optim.SGD(lstm.parameters(), { lr: 0.01 });
    const x = kd.randn([7, 4, 3]);
    const at: { live: number; bytes: number }[] = [];
    for (let step = 1; step <= 60; step++) {
      const [out, [h]] = lstm.forward(U.packPaddedSequence(x, [7, 5, 5, 2]));
      const loss = out.data.square().mean().add(h.square().mean());
      opt.zeroGrad();
      loss.backward();
      opt.step();
      if (step === 20 || step === 60) at.push({ live: kd.memory().liveTensors, bytes: kd.memory().storageBytes });
    }
    expect(at[1].live).toBeLessThanOrEqual(at[0].live * 1.1);
    expect(at[1].bytes).toBeLessThanOrEqual(at[0].bytes * 1.1);
  });
});
