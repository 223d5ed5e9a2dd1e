// Bad ONNX files: truncated, wrong wire types, huge claimed lengths, unknown ops, missing
// initializers, bad tensors. Each raises a clear OnnxError at load, before any parameter is
// created; and 1,200 random mutations of PyTorch's files never crash, hang or trap the engine.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { attributeProto, encodeModel, tensorProto, type ModelProto, type NodeProto, type TensorProto } from "../ts/io/onnx/proto.js";
import { decode, type FTensor } from "./helpers/torch-fixture.js";

const file = (name: string) => new URL(`./fixtures/onnx/${name}`, import.meta.url).pathname;
const FIXTURES = ["mlp", "tinyvgg", "residual_bn", "ops"].map((name) => ({
  name,
  bytes: new Uint8Array(readFileSync(file(`${name}.onnx`))),
  input: JSON.parse(readFileSync(file(`${name}.json`), "utf8")).input as FTensor,
}));

const node = (opType: string, input: string[], output: string[], extra: Partial<NodeProto> = {}): NodeProto => ({ opType, input, output, name: "", attribute: [], ...extra });
const floats = (name: string, dims: number[], values: number[]): TensorProto => tensorProto({ name, dims, dataType: 1, floatData: values });
const vinfo = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

/** A model: input x [2, 3], the given nodes and initializers, output y. */
function model(nodes: NodeProto[], initializer: TensorProto[] = [], opset = 13): Uint8Array {
  const m: ModelProto = {
    irVersion: 7, opsetImport: [{ domain: "", version: opset }], metadataProps: [],
    graph: { name: "g", node: nodes, initializer, input: [vinfo("x", [2, 3])], output: [vinfo("y", [])], valueInfo: [] },
  };
  return encodeModel(m);
}

const expectOnnxError = (bytes: Uint8Array, message: RegExp) => {
  let err: unknown;
  try {
    kd.onnx.importModel(bytes);
  } catch (e) {
    err = e;
  }
  expect(err, `expected an OnnxError matching ${message}`).toBeInstanceOf(kd.OnnxError);
  expect((err as Error).message).toMatch(message);
};

describe("kd.onnx.load: bad files", () => {
  it("a hand-built valid model loads (the baseline the cases below break)", () => {
    const m = kd.onnx.importModel(model([node("Gemm", ["x", "w", "b"], ["h"], { attribute: [attributeProto({ name: "transB", type: 2, i: 1 })] }), node("Relu", ["h"], ["y"])],
      [floats("w", [2, 3], [1, 2, 3, 4, 5, 6]), floats("b", [2], [0.5, -100])]));
    expect(m.forward(kd.tensor([[1, 1, 1], [0, 1, 0]])).tolist()).toEqual([[6.5, 0], [2.5, 0]]);
  });

  it("every truncation of a PyTorch file is an OnnxError", () => {
    const { bytes } = FIXTURES[0];
    for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 400))) {
      expect(() => kd.onnx.importModel(bytes.subarray(0, n)), `truncated to ${n} bytes`).toThrow(kd.OnnxError);
    }
    expectOnnxError(bytes.subarray(0, bytes.length - 1), /truncated protobuf/);
  });

  it("wrong wire types, huge claimed lengths and overlong varints", () => {
    expectOnnxError(new Uint8Array([0x38, 0x01]), /ModelProto\.graph \(field 7\) should be length-delimited but has wire type varint/);
    expectOnnxError(new Uint8Array([0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]), /ModelProto.graph needs 1099511627776 bytes at byte 7 but only 0 remain/);
    expectOnnxError(new Uint8Array([0x08, ...Array(11).fill(0xff)]), /varint .* runs past 10 bytes/);
    expectOnnxError(new Uint8Array([0x0b]), /wire type group start/);
    expectOnnxError(new Uint8Array([0x00, 0x01]), /invalid field key 0/);
    // a string field holding bytes that are not UTF-8
    expectOnnxError(new Uint8Array([0x12, 0x02, 0xc3, 0x28]), /ModelProto.producerName is not valid UTF-8/);
    expectOnnxError(new Uint8Array(), /the file is empty/);
  });

  it("unknown ops are listed together, by name", () => {
    const bytes = model([node("Foo", ["x"], ["a"]), node("LSTM", ["a"], ["b"]), node("Relu", ["b"], ["c"]), node("Foo", ["c"], ["d"]), node("Bar", ["d"], ["y"]),
      node("Inverse", ["x"], ["z"], { domain: "com.microsoft" })]);
    expectOnnxError(bytes, /^unsupported ONNX ops: Bar, Foo, LSTM \(Kindling imports: .*Gemm/);
  });

  it("missing initializers, unsorted graphs, missing outputs", () => {
    expectOnnxError(model([node("Gemm", ["x", "fc.weight"], ["y"])]), /node "Gemm_0" \(Gemm\): input "fc.weight" is not a graph input, an initializer or a node output \(missing initializer\?\)/);
    expectOnnxError(model([node("Relu", ["h"], ["y"]), node("Relu", ["x"], ["h"])]), /produced by a later node/);
    expectOnnxError(model([node("Relu", ["x"], ["h"])]), /output "y" is not a value of the graph/);
    expectOnnxError(model([node("Relu", ["x"], ["y"]), node("Relu", ["x"], ["y"])]), /output "y" is already defined/);
  });

  it("bad tensors and attributes", () => {
    const relu = [node("Relu", ["x"], ["y"])];
    expectOnnxError(model(relu, [floats("w", [2, 3], [1, 2])]), /initializer "w": holds 2 values but shape \[2, 3\] needs 6/);
    expectOnnxError(model(relu, [tensorProto({ name: "w", dims: [4], dataType: 1, rawData: new Uint8Array(15) })]), /raw_data has 15 bytes but shape \[4\] of FLOAT needs 16/);
    expectOnnxError(model(relu, [tensorProto({ name: "w", dims: [1 << 20, 1 << 20], dataType: 1 })]), /more than 2147483647 elements/);
    expectOnnxError(model(relu, [tensorProto({ name: "w", dims: [-1], dataType: 1 })]), /invalid dim -1/);
    expectOnnxError(model(relu, [tensorProto({ name: "s", dims: [1], dataType: 8 })]), /type STRING are not supported/);
    expectOnnxError(model(relu, [tensorProto({ name: "w", dims: [1], dataType: 1, dataLocation: 1 })]), /external data/);
    expectOnnxError(model(relu, [floats("w", [1], [1]), floats("w", [1], [2])]), /initializer "w" is defined twice/);
    const conv = (attr: Parameters<typeof attributeProto>[0]) => model([node("Conv", ["x", "w"], ["y"], { attribute: [attributeProto(attr)] })], [floats("w", [1, 3, 1, 1], [1, 1, 1])]);
    expectOnnxError(conv({ name: "strides", type: 2, i: 2 }), /attribute "strides" should be INTS but is INT/);
    expectOnnxError(conv({ name: "auto_pad", type: 3, s: new TextEncoder().encode("MIRROR") }), /auto_pad="MIRROR" is not supported/);
    expectOnnxError(conv({ name: "kernel_shape", type: 7, ints: [1, 1, 1] }), /only 2-D windows/);
    expectOnnxError(model([node("MaxPool", ["x"], ["y", "i"], { attribute: [attributeProto({ name: "kernel_shape", type: 7, ints: [2, 2] })] })]), /output 1 \("i"\) is not supported/);
    const noOpset = encodeModel({ irVersion: 7, opsetImport: [], metadataProps: [], graph: { name: "g", node: relu, initializer: [], input: [vinfo("x", [2])], output: [vinfo("y", [])], valueInfo: [] } });
    expectOnnxError(noOpset, /declares no ai.onnx opset/);
  });

  it("1,200 random mutations of PyTorch's files: an OnnxError or a working module, never a crash, hang or trap", () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648; // a fixed LCG: the same mutations every run
      return Math.floor((seed / 2147483648) * n);
    };
    const counts = { rejected: 0, loaded: 0, ran: 0, runErrors: 0 };
    for (let iter = 0; iter < 1200; iter++) {
      const fx = FIXTURES[iter % FIXTURES.length];
      const b = Array.from(fx.bytes);
      const kind = rand(6);
      const at = rand(b.length);
      if (kind === 0) for (let k = 0; k <= rand(3); k++) b[rand(b.length)] ^= 1 << rand(8);
      else if (kind === 1) b[at] = rand(256);
      else if (kind === 2) b.length = at;
      else if (kind === 3) b.splice(at, 0, ...Array.from({ length: 1 + rand(8) }, () => rand(256)));
      else if (kind === 4) b.splice(at, 1 + rand(16));
      else b.splice(at, 0, ...b.slice(rand(b.length), rand(b.length)));
      const start = Date.now();
      let m: kd.onnx.OnnxModule;
      try {
        m = kd.onnx.importModel(new Uint8Array(b));
      } catch (e) {
        if (!(e instanceof kd.OnnxError)) expect.fail(`mutation ${iter} (${fx.name}, kind ${kind}): ${(e as Error).stack}`);
        counts.rejected++;
        continue;
      } finally {
        expect(Date.now() - start, `mutation ${iter} took too long to load`).toBeLessThan(2000);
      }
      counts.loaded++;
      try {
        kd.tidy(() => kd.noGrad(() => m.eval().forwardAll(decode(fx.input))));
        counts.ran++;
      } catch (e) {
        // a mutated weight shape or attribute may not run: a typed error naming the node, nothing worse
        if (!(e instanceof kd.KindlingError)) expect.fail(`mutation ${iter} (${fx.name}, kind ${kind}) forward: ${(e as Error).stack}`);
        counts.runErrors++;
      }
      m.dispose();
    }
    expect(counts.rejected).toBeGreaterThan(300);
    expect(counts.ran).toBeGreaterThan(50);
    // the engine is intact
    expect(kd.ones([3]).sum().item()).toBe(3);
  });

  it("600 structural mutations (attribute values, node inputs, op types, initializer shapes) load and run or raise typed errors", () => {
    let seed = 777;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const extremes = [-(2 ** 40), -2147483649, -3, -1, 0, 1, 2, 3, 7, 2147483648, 2 ** 40];
    const ops = ["Relu", "Conv", "Gemm", "MaxPool", "AveragePool", "Reshape", "Concat", "Gather", "Slice", "Unsqueeze", "Transpose", "Softmax", "BatchNormalization", "Pad", "Expand", "ConstantOfShape", "ReduceMean", "Flatten", "Squeeze"];
    let ran = 0, failed = 0;
    for (let iter = 0; iter < 600; iter++) {
      const fx = FIXTURES[iter % FIXTURES.length];
      const m = kd.onnx.decodeModel(fx.bytes);
      const g = m.graph!;
      const n = g.node[rand(g.node.length)];
      const kind = rand(5);
      if (kind === 0 && n.attribute.length) {
        const a = n.attribute[rand(n.attribute.length)];
        if (a.ints.length) a.ints[rand(a.ints.length)] = extremes[rand(extremes.length)];
        else a.i = extremes[rand(extremes.length)];
      } else if (kind === 1 && n.input.length) {
        const names = [...g.node.flatMap((x) => x.output), ...g.initializer.map((t) => t.name!), "input"];
        n.input[rand(n.input.length)] = names[rand(names.length)];
      } else if (kind === 2) {
        n.opType = ops[rand(ops.length)];
      } else if (kind === 3 && g.initializer.length) {
        const t = g.initializer[rand(g.initializer.length)];
        t.dims = [...t.dims].reverse();
        if (t.dims.length > 1) t.dims = [t.dims[0] * t.dims[1], ...t.dims.slice(2)];
      } else {
        n.input.pop();
      }
      let mod: kd.onnx.OnnxModule;
      try {
        mod = kd.onnx.importModel(kd.onnx.encodeModel(m));
      } catch (e) {
        if (!(e instanceof kd.OnnxError)) expect.fail(`structural mutation ${iter} (${fx.name}, kind ${kind}, ${n.opType}): ${(e as Error).stack}`);
        continue;
      }
      try {
        kd.tidy(() => kd.noGrad(() => mod.eval().forwardAll(decode(fx.input))));
        ran++;
      } catch (e) {
        if (!(e instanceof kd.KindlingError)) expect.fail(`structural mutation ${iter} (${fx.name}, kind ${kind}, ${n.opType}) forward: ${(e as Error).stack}`);
        failed++;
      }
      mod.dispose();
    }
    expect(ran + failed).toBeGreaterThan(100);
    expect(kd.ones([3]).sum().item()).toBe(3);
  });
});
