// ONNX export of the recurrent layers: the traced forward (the time loop unrolled for the
// example's sequence length; an LSTM step's fused lstm_cell written out as ONNX gate math) runs
// in onnxruntime-node with Kindling's outputs, within 1e-5.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const { nn } = kd;

/** The layer's output sequence and final hidden state, concatenated on the feature dim (one graph output). */
class Seq extends nn.Module {
  constructor(readonly rnn: kd.nn.RNN | kd.nn.LSTM | kd.nn.GRU) { super(); }
  override forward(x: kd.Tensor): kd.Tensor {
    const rnn = this.rnn as unknown as { forward(x: kd.Tensor): [kd.Tensor, kd.Tensor | [kd.Tensor, kd.Tensor]] };
    const [out, h] = rnn.forward(x);
    const hn = Array.isArray(h) ? h[0] : h;
    return kd.cat([out.flatten(), hn.flatten()], 0);
  }
}

describe("recurrent layers export to ONNX", () => {
  const layers: [string, () => kd.nn.RNN | kd.nn.LSTM | kd.nn.GRU][] = [
    ["RNN tanh, 2 layers", () => new nn.RNN(3, 5, { numLayers: 2 })],
    ["LSTM bidirectional, batch first", () => new nn.LSTM(3, 5, { bidirectional: true, batchFirst: true })],
    ["GRU 2 layers bidirectional", () => new nn.GRU(3, 5, { numLayers: 2, bidirectional: true })],
  ];
  for (const [name, make] of layers) {
    it(name, async () => {
      kd.manualSeed(3);
      const model = new Seq(make()).eval();
      const x = kd.randn([6, 2, 3]);
      const want = kd.noGrad(() => model.forward(x));
      const bytes = kd.onnx.exportModel(model, x);
      const session = await ort.InferenceSession.create(bytes);
      const res = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x.dataSync() as Float32Array, [...x.shape]) });
      const got = res[session.outputNames[0]].data as Float32Array;
      const w = want.dataSync();
      expect(got.length).toBe(w.length);
      for (let i = 0; i < w.length; i++) if (!(Math.abs(got[i] - w[i]) <= 1e-5 * (1 + Math.abs(w[i])))) expect.fail(`[${i}] onnxruntime ${got[i]}, Kindling ${w[i]}`);
    });
  }
});
