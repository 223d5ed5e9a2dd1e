// kd.onnx export: models traced from their forward pass run in onnxruntime-node and in
// onnxruntime-web (its wasm backend, in Node) with Kindling's outputs (within 1e-5), pass
// python3-onnx's checker (full check, with shape inference), and import back into Kindling.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { afterAll, describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { TinyVGG } from "../examples/04-fashion-mnist.js";

const { nn } = kd;
ortWeb.env.wasm.numThreads = 1;
const dir = mkdtempSync(path.join(tmpdir(), "kd-onnx-export-"));
const written: string[] = [];

/** |a - b| <= 1e-5 (1 + |b|) everywhere. */
function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])))) expect.fail(`${what}[${i}]: got ${got[i]}, Kindling ${want[i]}`);
  }
}

/** Runs the file in onnxruntime (node or web) on x; returns the first output's values and shape. */
async function run(ort: typeof ortNode | typeof ortWeb, bytes: Uint8Array, x: kd.Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", x.dataSync() as Float32Array, [...x.shape]) };
  const out = (await session.run(feeds))[session.outputNames[0]];
  return { data: out.data as Float32Array, dims: out.dims };
}

/** Exports, writes the file for the checker, and checks both runtimes and a re-import against Kindling on each input. */
async function checkExport(name: string, model: kd.nn.Module, example: kd.Tensor, others: kd.Tensor[] = [], opts: kd.onnx.ExportOptions = {}) {
  const bytes = kd.onnx.exportModel(model, example, opts);
  const file = path.join(dir, `${name}.onnx`);
  writeFileSync(file, bytes);
  // python3-onnx 1.12 (Debian 12) knows the ops of opsets up to 17
  if ((opts.opset ?? kd.onnx.DEFAULT_OPSET) <= 17) written.push(file);
  model.eval();
  const imported = kd.onnx.importModel(bytes).eval();
  for (const x of [example, ...others]) {
    const want = kd.noGrad(() => model.forward(x));
    for (const [rt, ort] of [["onnxruntime-node", ortNode], ["onnxruntime-web", ortWeb]] as const) {
      const got = await run(ort, bytes, x);
      expect(got.dims, `${name} ${rt}: output shape`).toEqual(want.shape);
      expectClose(`${name} ${rt} batch ${x.shape[0]}`, got.data, want.dataSync());
    }
    expectClose(`${name} re-imported, batch ${x.shape[0]}`, kd.noGrad(() => imported.forward(x)).dataSync(), want.dataSync());
  }
  return bytes;
}

/** BatchNorm2d (eval), AvgPool2d, AdaptiveAvgPool2d(1), "same" padding and a residual add in a custom forward. */
class ResidualNet extends nn.Module {
  stem = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.AvgPool2d(2));
  branch = new nn.Sequential(new nn.Conv2d(8, 8, 4, { padding: "same" }), new nn.BatchNorm2d(8), new nn.GELU());
  pool = new nn.AdaptiveAvgPool2d(1);
  head = new nn.Linear(8, 4);
  override forward(x: kd.Tensor): kd.Tensor {
    return kd.tidy(() => {
      const y = this.stem.forward(x);
      const z = y.add(this.branch.forward(y)).relu();
      const p = this.pool.forward(z);
      return this.head.forward(p.view(p.size(0), -1)).softmax(1);
    });
  }
}

/** Tensor methods and kd.* functions used directly in forward. */
class OpsNet extends nn.Module {
  fc = new nn.Linear(6, 8);
  w = new nn.Parameter(kd.randn([8, 4]));
  override forward(x: kd.Tensor): kd.Tensor {
    return kd.tidy(() => {
      const h = this.fc.forward(x).tanh();
      const a = h.matmul(this.w).sigmoid();
      const b = h.reshape(h.size(0), 2, 4).permute(0, 2, 1).sum(2);
      const c = kd.cat([a.mul(2).sub(b.div(3)), b.leakyRelu(0.1).add(1).abs().sqrt()], 1);
      const d = c.transpose(0, 1).t().softmax(1).clamp(0.01, 0.9);
      const e = c.get(":", "2:6").relu().unsqueeze(1).squeeze(1).mean(1, true).exp();
      const f = kd.maximum(d.mul(e), d.neg().pow(2)).flatten(1);
      return kd.where(f.gt(0.05), f, f.mul(0.5)).logSoftmax(1).add(this.w.sum());
    });
  }
}

describe("kd.onnx.exportModel", () => {
  afterAll(() => {
    // python3-onnx's checker (full_check also runs ONNX shape inference) on every exported file
    const code = "import sys, onnx\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\nprint('checked', len(sys.argv) - 1)";
    const out = execFileSync("/usr/bin/python3", ["-c", code, ...written], { encoding: "utf8" });
    rmSync(dir, { recursive: true, force: true });
    expect(out.trim()).toBe(`checked ${written.length}`);
  });

  it("TinyVGG: Conv, Relu, MaxPool, Flatten, Gemm; same outputs in onnxruntime-node and -web, any batch size", async () => {
    kd.manualSeed(1);
    const model = new TinyVGG(1, 10, 10);
    const bytes = await checkExport("tinyvgg", model, kd.rand([2, 1, 28, 28]), [kd.rand([5, 1, 28, 28])], { dynamicBatch: true });
    const m = kd.onnx.decodeModel(bytes);
    expect(m.graph!.node.map((n) => n.opType)).toEqual(["Conv", "Relu", "Conv", "Relu", "MaxPool", "Conv", "Relu", "Conv", "Relu", "MaxPool", "Flatten", "Gemm"]);
    // initializers are the parameters, under their state dict keys
    expect(m.graph!.initializer.map((t) => t.name).sort()).toEqual(Object.keys(model.stateDict()).sort());
    expect(m.graph!.input[0].type!.tensorType!.shape!.dim[0].dimParam).toBe("batch_size");
  });

  it("MLP with Dropout (eval: identity) and LogSoftmax", async () => {
    kd.manualSeed(2);
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 64), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(64, 10), new nn.LogSoftmax(1));
    model.train(); // exporting traces in eval mode and restores the modes
    kd.onnx.exportModel(model, kd.rand([1, 1, 28, 28]));
    expect(model.modules().every((m) => m.training)).toBe(true);
    const bytes = await checkExport("mlp", model, kd.rand([3, 1, 28, 28]), [], { inputNames: ["pixels"], outputNames: ["logprobs"] });
    const g = kd.onnx.decodeModel(bytes).graph!;
    expect(g.node.map((n) => n.opType)).toEqual(["Flatten", "Gemm", "Relu", "Gemm", "LogSoftmax"]);
    expect([g.input[0].name, g.output[0].name]).toEqual(["pixels", "logprobs"]);
    expect(g.input[0].type!.tensorType!.shape!.dim.map((d) => d.dimValue)).toEqual([3, 1, 28, 28]);
  });

  it("BatchNorm2d, AvgPool2d, AdaptiveAvgPool2d and a residual add in a custom forward, dynamic batch", async () => {
    kd.manualSeed(3);
    const model = new ResidualNet();
    model.train();
    for (let i = 0; i < 3; i++) kd.noGrad(() => model.forward(kd.randn([4, 3, 12, 12]).mul(2).add(0.5))); // running statistics away from 0 / 1
    const bytes = await checkExport("residual", model, kd.rand([2, 3, 12, 12]), [kd.rand([7, 3, 12, 12])], { dynamicBatch: true });
    const ops = kd.onnx.decodeModel(bytes).graph!.node.map((n) => n.opType);
    for (const op of ["BatchNormalization", "AveragePool", "GlobalAveragePool", "Add", "Erf", "Reshape", "Gemm", "Softmax"]) expect(ops).toContain(op);
    // the same-padded 4x4 convolution pads one more at the end, as PyTorch
    const conv = kd.onnx.decodeModel(bytes).graph!.node.filter((n) => n.opType === "Conv")[1];
    expect(conv.attribute.find((a) => a.name === "pads")!.ints).toEqual([1, 1, 2, 2]);
  });

  it("tensor ops used directly in forward (matmul, reshape, permute, cat, slices, where...) at opsets 13 and 18", async () => {
    for (const opset of [13, 18]) {
      kd.manualSeed(4);
      await checkExport(`ops-${opset}`, new OpsNet(), kd.randn([4, 6]), [kd.randn([9, 6])], { dynamicBatch: true, opset });
    }
  });

  it("several inputs and outputs, an input passed through, a parameter as an output", async () => {
    class TwoWay extends nn.Module {
      fc = new nn.Linear(3, 3);
      override forward(a: kd.Tensor, b: kd.Tensor) { return [this.fc.forward(a).add(b), a, this.fc.bias!]; }
    }
    kd.manualSeed(6);
    const model = new TwoWay();
    const [a, b] = [kd.randn([2, 3]), kd.randn([2, 3])];
    const bytes = kd.onnx.exportModel(model, [a, b], { outputNames: ["sum", "same", "bias"] });
    const session = await ortNode.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(["input_0", "input_1"]);
    const feeds = { input_0: new ortNode.Tensor("float32", a.dataSync() as Float32Array, [2, 3]), input_1: new ortNode.Tensor("float32", b.dataSync() as Float32Array, [2, 3]) };
    const out = await session.run(feeds);
    const [sum, same, bias] = kd.noGrad(() => model.forward(a, b));
    expectClose("sum", out.sum.data as Float32Array, sum.dataSync());
    expectClose("same", out.same.data as Float32Array, same.dataSync());
    expectClose("bias", out.bias.data as Float32Array, bias.dataSync());
    expect(model.fc.bias!.isDisposed).toBe(false);
    expect(() => kd.onnx.exportModel(model, [a, b], { outputNames: ["input_0", "x", "y"] })).toThrow(/output name "input_0" is already the name/);
  });

  it("an op with no ONNX form raises one OnnxError naming it; a dynamic reshape that merges the batch too", () => {
    class Untraceable extends nn.Module {
      override forward(x: kd.Tensor) { return x.remainder(2).add(1); }
    }
    expect(() => kd.onnx.exportModel(new Untraceable(), kd.randn([2, 3]))).toThrow(/output 0 \("output"\) cannot be exported: the op "remainder" has no ONNX export/);
    class Merges extends nn.Module {
      override forward(x: kd.Tensor) { return x.reshape(-1).relu(); }
    }
    expect(() => kd.onnx.exportModel(new Merges(), kd.randn([2, 3]), { dynamicBatch: true })).toThrow(kd.OnnxError);
    expect(() => kd.onnx.exportModel(new Merges(), kd.randn([2, 3]), { dynamicBatch: true })).toThrow(/merges the dynamic batch dim/);
    // fine without a dynamic batch, and untraced side computations do not matter
    class SideWork extends nn.Module {
      override forward(x: kd.Tensor) { x.remainder(2).sum().item(); return x.reshape(-1).relu(); }
    }
    expect(kd.onnx.exportModel(new SideWork(), kd.randn([2, 3])).length).toBeGreaterThan(0);
    expect(() => kd.onnx.exportModel(new SideWork(), kd.randn([2, 3]), { opset: 9 })).toThrow(/opset must be an integer from 13 to 21/);
  });

  it("leaves no trace behind: engine functions, module forwards and modes restored, even when forward throws", () => {
    const abi = kd.getEngine().abi;
    const before = { ...abi };
    const model = new TinyVGG(1, 10, 10);
    const bad = new kd.nn.Sequential(new nn.Linear(3, 4));
    expect(() => kd.onnx.exportModel(bad, kd.randn([2, 5]))).toThrow(kd.ShapeError);
    kd.onnx.exportModel(model, kd.rand([1, 1, 28, 28]));
    for (const k of Object.keys(before) as (keyof typeof abi)[]) expect(abi[k], k).toBe(before[k]);
    for (const m of [...model.modules(), ...bad.modules()]) expect(Object.hasOwn(m, "forward")).toBe(false);
  });

  it("save() writes the file through a temporary file and a rename", async () => {
    const model = new nn.Sequential(new nn.Linear(4, 2), new nn.Sigmoid());
    const x = kd.randn([1, 4]);
    const file = path.join(dir, "saved.onnx");
    await kd.onnx.save(model, x, file);
    expect(readdirSync(dir).filter((f) => f.startsWith("saved"))).toEqual(["saved.onnx"]);
    expect(new Uint8Array(readFileSync(file))).toEqual(kd.onnx.exportModel(model, x));
    const blob = await kd.onnx.save(model, x);
    expect(blob).toBeInstanceOf(Blob);
  });
});
