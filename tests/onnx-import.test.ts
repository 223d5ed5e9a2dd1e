// kd.onnx import: models exported by real PyTorch 1.13 (scripts/gen_onnx_fixtures.py: an MLP,
// TinyVGG, a residual CNN with BatchNorm and torch's x.view(x.size(0), -1) shape arithmetic, and
// a custom forward full of tensor ops) load as nn.Modules that give torch's outputs (1e-5) and
// torch's parameter gradients, train, freeze and cut.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { decode, expectClose, type FTensor } from "./helpers/torch-fixture.js";

interface Fixture {
  torch: string;
  input: FTensor;
  output: FTensor;
  grad_out: FTensor;
  grads: Record<string, FTensor>;
  input2?: FTensor;
  output2?: FTensor;
}

const file = (name: string) => new URL(`./fixtures/onnx/${name}`, import.meta.url).pathname;
const fixture = (name: string): Fixture => JSON.parse(readFileSync(file(`${name}.json`), "utf8"));

describe("kd.onnx.load: PyTorch's ONNX files", () => {
  for (const name of ["mlp", "tinyvgg", "residual_bn", "ops"]) {
    it(`${name}: torch's outputs (within 1e-5, at two batch sizes), state dict keys and parameter gradients`, async () => {
      const fx = fixture(name);
      const model = (await kd.onnx.load(file(`${name}.onnx`))).eval();
      expect(model.producer).toMatch(/^pytorch 1\.13/);
      const keys = Object.keys(model.stateDict());
      for (const k of Object.keys(fx.grads)) expect(keys).toContain(k);
      expect(model.namedParameters().map(([k]) => k).sort()).toEqual(Object.keys(fx.grads).sort());

      const x = decode(fx.input);
      expectClose(`${name} output`, kd.noGrad(() => model.forward(x)), fx.output, 1e-5, 1e-5);
      if (fx.input2) expectClose(`${name} output (batch ${fx.input2.shape[0]})`, kd.noGrad(() => model.forward(decode(fx.input2!))), fx.output2!, 1e-5, 1e-5);

      // d sum(output * grad_out) / d parameter, as torch computed it
      model.zeroGrad();
      model.forward(x).mul(decode(fx.grad_out)).sum().backward();
      for (const [k, g] of Object.entries(fx.grads)) expectClose(`${name} grad ${k}`, model.getParameter(k).grad, g, 1e-4, 1e-5);
    });
  }

  it("residual_bn keeps BatchNorm's running statistics as buffers; train() uses batch statistics and updates them", async () => {
    const model = await kd.onnx.load(file("residual_bn.onnx"));
    expect(model.namedBuffers().map(([k]) => k)).toEqual(["stem.1.running_mean", "stem.1.running_var", "branch.1.running_mean", "branch.1.running_var"]);
    const x = decode(fixture("residual_bn").input);
    const before = model.stateDict()["stem.1.running_mean"].dataSync().slice();
    model.eval();
    kd.noGrad(() => model.forward(x));
    expect(model.stateDict()["stem.1.running_mean"].dataSync()).toEqual(before);
    // train mode, as torch's BatchNorm2d: running = 0.9 running + 0.1 batch mean (of the conv output)
    model.train();
    const conv = kd.nn.functional.conv2d(x, model.getParameter("stem.0.weight"), model.getParameter("stem.0.bias"), { padding: 1 });
    const batchMean = kd.noGrad(() => conv.mean([0, 2, 3])).dataSync();
    kd.noGrad(() => model.forward(x));
    const after = model.stateDict()["stem.1.running_mean"].dataSync();
    for (let i = 0; i < after.length; i++) expect(after[i]).toBeCloseTo(0.9 * before[i] + 0.1 * batchMean[i], 5);
  });

  it("fine-tunes: SGD on the imported MLP lowers the loss; a part frozen with requiresGrad_(false) stays as loaded", async () => {
    kd.manualSeed(5);
    const model = await kd.onnx.load(file("mlp.onnx"));
    model.getSubmodule("1").requiresGrad_(false);
    const frozen = model.getParameter("1.weight").dataSync().slice();
    const trained = model.getParameter("3.weight").dataSync().slice();
    const x = kd.rand([16, 1, 8, 8]);
    const y = kd.randint(0, 10, [16]);
    const lossFn = new kd.nn.CrossEntropyLoss();
    const opt = new kd.optim.SGD(model.parameters().filter((p) => p.requiresGrad), { lr: 0.5, momentum: 0.9 });
    const losses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const loss = lossFn.forward(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(loss.item() as number);
    }
    expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]);
    expect(model.getParameter("1.weight").grad).toBeNull();
    expect(model.getParameter("1.weight").dataSync()).toEqual(frozen);
    expect(model.getParameter("3.weight").dataSync()).not.toEqual(trained);
  });

  it("loadStateDict and stateDict round-trip through the imported module", async () => {
    const a = await kd.onnx.load(file("tinyvgg.onnx"));
    const b = await kd.onnx.load(file("tinyvgg.onnx"));
    for (const p of b.parameters()) kd.noGrad(() => p.zero_());
    b.loadStateDict(a.stateDict());
    const x = decode(fixture("tinyvgg").input);
    expect(kd.noGrad(() => b.forward(x)).dataSync()).toEqual(kd.noGrad(() => a.forward(x)).dataSync());
  });

  it("outputNames cuts the graph: TinyVGG's features under a new head, with only the kept weights", async () => {
    const bytes = readFileSync(file("tinyvgg.onnx"));
    const full = kd.onnx.importModel(bytes);
    const gemm = full.nodes.filter((n) => n.opType === "Gemm").at(-1)!;
    const features = kd.onnx.importModel(bytes, { outputNames: [gemm.inputs[0]] });
    expect(features.namedParameters().map(([k]) => k).some((k) => k.startsWith("classifier"))).toBe(false);
    expect(features.nodes.map((n) => n.opType)).not.toContain("Gemm");
    const x = decode(fixture("tinyvgg").input);
    const f = kd.noGrad(() => features.forward(x));
    expect(f.shape).toEqual([2, 490]);
    // the features through the old head are the full model's output
    const head = kd.noGrad(() => kd.nn.functional.linear(f, full.getParameter("classifier.1.weight"), full.getParameter("classifier.1.bias")));
    expectClose("features + head", head, fixture("tinyvgg").output, 1e-5, 1e-5);
    expect(() => kd.onnx.importModel(bytes, { outputNames: ["nope"] })).toThrow(/output "nope" is not a value of the graph/);
  });

  it("forward checks its inputs: count, dtype and the declared static dims", async () => {
    const model = await kd.onnx.load(file("tinyvgg.onnx"));
    expect(model.inputs).toEqual([{ name: "input", dtype: "float32", shape: ["batch", 1, 28, 28] }]);
    expect(() => model.forward(kd.rand([2, 3, 28, 28]))).toThrow(kd.ShapeError);
    expect(() => model.forward(kd.rand([2, 1, 28, 28]).int())).toThrow(kd.DTypeError);
    expect(() => model.forward()).toThrow(/takes 1 input/);
  });
});
