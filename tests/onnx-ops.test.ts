// The imported op subset against onnxruntime-node as the reference: small hand-built graphs
// covering attributes and opset differences PyTorch's fixtures do not reach (old-opset Softmax
// and attribute axes, auto_pad, asymmetric pads, Gemm's alpha/beta/transA, negative Gather
// indices, Pad modes...). Each must give onnxruntime's output within 1e-5.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { attributeProto, DataType, encodeModel, type AttributeProto, type NodeProto, type TensorProto } from "../ts/io/onnx/proto.js";
import { writeTensor } from "../ts/io/onnx/tensor_data.js";

type AttrValue = number | number[] | string | { f: number };

interface Case {
  name: string;
  opset?: number;
  /** Graph inputs (float32, random normal values). */
  inputs: Record<string, number[]>;
  inits?: TensorProto[];
  nodes: [op: string, inputs: string[], attrs?: Record<string, AttrValue>, outputs?: string[]][];
  /** The output's ONNX element type (FLOAT by default). */
  outType?: number;
}

function attr(name: string, v: AttrValue): AttributeProto {
  if (typeof v === "number") return attributeProto({ name, type: 2, i: v });
  if (typeof v === "string") return attributeProto({ name, type: 3, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return attributeProto({ name, type: 7, ints: v });
  return attributeProto({ name, type: 1, f: v.f });
}

const i64 = (name: string, values: number[], dims = [values.length]) => writeTensor(name, DataType.INT64, dims, values);
const f32 = (name: string, dims: number[], seed: number) => {
  kd.manualSeed(seed);
  return writeTensor(name, DataType.FLOAT, dims, kd.randn(dims).dataSync());
};
const BIG = Number.MAX_SAFE_INTEGER;

const CASES: Case[] = [
  { name: "Softmax opset 11 (coerced to 2-D at axis 1)", opset: 11, inputs: { x: [2, 3, 4] }, nodes: [["Softmax", ["x"], {}, ["y"]]] },
  { name: "LogSoftmax opset 11 axis 2", opset: 11, inputs: { x: [2, 3, 4] }, nodes: [["LogSoftmax", ["x"], { axis: 2 }, ["y"]]] },
  { name: "Softmax opset 13 default axis", inputs: { x: [2, 3, 4] }, nodes: [["Softmax", ["x"], {}, ["y"]]] },
  { name: "Unsqueeze and Squeeze with attribute axes (opset 11)", opset: 11, inputs: { x: [2, 3] }, nodes: [["Unsqueeze", ["x"], { axes: [0, 3] }, ["u"]], ["Squeeze", ["u"], { axes: [0] }, ["y"]]] },
  { name: "Squeeze without axes, Unsqueeze with input axes", inputs: { x: [2, 1, 3] }, inits: [i64("ax", [-1])], nodes: [["Squeeze", ["x"], {}, ["s"]], ["Unsqueeze", ["s", "ax"], {}, ["y"]]] },
  { name: "Slice opset 9 (attributes)", opset: 9, inputs: { x: [2, 4, 3] }, nodes: [["Slice", ["x"], { starts: [1, 0], ends: [3, 2], axes: [1, 2] }, ["y"]]] },
  {
    name: "Slice with steps, a negative start and an end past the size", inputs: { x: [3, 7] },
    inits: [i64("s", [-6]), i64("e", [BIG]), i64("a", [1]), i64("st", [2])], nodes: [["Slice", ["x", "s", "e", "a", "st"], {}, ["y"]]],
  },
  { name: "Clip opset 9 (attributes)", opset: 9, inputs: { x: [3, 4] }, nodes: [["Clip", ["x"], { min: { f: -0.5 }, max: { f: 0.5 } }, ["y"]]] },
  { name: "Clip with only a max", inputs: { x: [3, 4], hi: [] }, nodes: [["Clip", ["x", "", "hi"], {}, ["y"]]] },
  { name: "Pad constant 1.5", inputs: { x: [1, 2, 4, 4] }, inits: [i64("p", [0, 0, 1, 2, 0, 0, 2, 1]), writeTensor("v", DataType.FLOAT, [], [1.5])], nodes: [["Pad", ["x", "p", "v"], {}, ["y"]]] },
  { name: "Pad reflect", inputs: { x: [1, 2, 4, 4] }, inits: [i64("p", [0, 0, 1, 2, 0, 0, 2, 1])], nodes: [["Pad", ["x", "p"], { mode: "reflect" }, ["y"]]] },
  { name: "Pad edge, cropping with a negative pad", inputs: { x: [1, 2, 4, 4] }, inits: [i64("p", [0, 0, -1, 2, 0, 0, 2, 1])], nodes: [["Pad", ["x", "p"], { mode: "edge" }, ["y"]]] },
  { name: "MaxPool with asymmetric pads", inputs: { x: [1, 2, 5, 6] }, nodes: [["MaxPool", ["x"], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 1, 1, 0] }, ["y"]]] },
  { name: "MaxPool SAME_UPPER, stride 2", inputs: { x: [2, 2, 7, 6] }, nodes: [["MaxPool", ["x"], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: "SAME_UPPER" }, ["y"]]] },
  { name: "MaxPool with dilations and default strides (1)", inputs: { x: [1, 2, 7, 7] }, nodes: [["MaxPool", ["x"], { kernel_shape: [2, 2], dilations: [2, 2] }, ["y"]]] },
  { name: "AveragePool without count_include_pad", inputs: { x: [1, 3, 6, 5] }, nodes: [["AveragePool", ["x"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, ["y"]]] },
  { name: "AveragePool with count_include_pad, stride 2", inputs: { x: [1, 3, 6, 5] }, nodes: [["AveragePool", ["x"], { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 0], count_include_pad: 1 }, ["y"]]] },
  { name: "GlobalMaxPool", inputs: { x: [2, 3, 4, 5] }, nodes: [["GlobalMaxPool", ["x"], {}, ["y"]]] },
  {
    name: "Conv SAME_LOWER, groups 2, stride 2", inputs: { x: [2, 4, 7, 6] }, inits: [f32("w", [6, 2, 3, 3], 1), f32("b", [6], 2)],
    nodes: [["Conv", ["x", "w", "b"], { auto_pad: "SAME_LOWER", group: 2, strides: [2, 2] }, ["y"]]],
  },
  { name: "Conv with dilations and asymmetric pads", inputs: { x: [1, 2, 8, 8] }, inits: [f32("w", [3, 2, 3, 3], 3)], nodes: [["Conv", ["x", "w"], { dilations: [2, 1], pads: [1, 0, 2, 1] }, ["y"]]] },
  {
    name: "ConvTranspose, stride 2, output_padding 1", inputs: { x: [1, 3, 4, 4] }, inits: [f32("w", [3, 2, 3, 3], 4), f32("b", [2], 5)],
    nodes: [["ConvTranspose", ["x", "w", "b"], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, ["y"]]],
  },
  {
    name: "Gemm with alpha, beta, transA and a broadcast C", inputs: { a: [4, 3] }, inits: [f32("B", [4, 5], 6), f32("C", [1, 5], 7)],
    nodes: [["Gemm", ["a", "B", "C"], { transA: 1, alpha: { f: 0.5 }, beta: { f: 2 } }, ["y"]]],
  },
  { name: "BatchNormalization on [N, C, L] (opset 15)", opset: 15, inputs: { x: [3, 4, 5] }, inits: [f32("s", [4], 8), f32("b", [4], 9), f32("m", [4], 10), writeTensor("v", DataType.FLOAT, [4], [0.5, 1, 2, 3])], nodes: [["BatchNormalization", ["x", "s", "b", "m", "v"], { epsilon: { f: 1e-3 } }, ["y"]]] },
  { name: "ReduceMean over attribute axes, keepdims 0", inputs: { x: [2, 3, 4] }, nodes: [["ReduceMean", ["x"], { axes: [1, 2], keepdims: 0 }, ["y"]]] },
  { name: "ReduceSum over input axes", inputs: { x: [2, 3, 4] }, inits: [i64("ax", [-1, 0])], nodes: [["ReduceSum", ["x", "ax"], {}, ["y"]]] },
  { name: "ReduceMax over everything, ReduceMin, ReduceProd", inputs: { x: [2, 3] }, nodes: [["ReduceMax", ["x"], { keepdims: 0 }, ["a"]], ["ReduceMin", ["x"], { axes: [1] }, ["b"]], ["ReduceProd", ["x"], { axes: [0, 1] }, ["c"]], ["Sum", ["a", "b", "c"], {}, ["y"]]] },
  { name: "ArgMax along axis 1 (int64 in onnxruntime, int32 in Kindling)", inputs: { x: [3, 5] }, nodes: [["ArgMax", ["x"], { axis: 1, keepdims: 0 }, ["y"]]], outType: DataType.INT64 },
  { name: "Gather with negative indices", inputs: { x: [3, 4, 2] }, inits: [i64("i", [0, -1, 2, 1], [2, 2])], nodes: [["Gather", ["x", "i"], { axis: 1 }, ["y"]]] },
  { name: "Gather of one index drops the axis", inputs: { x: [3, 4] }, inits: [i64("i", [-2], [])], nodes: [["Gather", ["x", "i"], { axis: 0 }, ["y"]]] },
  { name: "GatherElements", inputs: { x: [3, 4] }, inits: [i64("i", [0, 3, 1, 2, 2, 0], [3, 2])], nodes: [["GatherElements", ["x", "i"], { axis: 1 }, ["y"]]] },
  { name: "Expand", inputs: { x: [3, 1] }, inits: [i64("s", [2, 3, 4])], nodes: [["Expand", ["x", "s"], {}, ["y"]]] },
  {
    name: "Greater, Where, Not, Cast to int32 and back", inputs: { x: [3, 4] }, inits: [writeTensor("z", DataType.FLOAT, [], [0]), writeTensor("k", DataType.FLOAT, [], [3])],
    nodes: [["Greater", ["x", "z"], {}, ["g"]], ["Not", ["g"], {}, ["ng"]], ["Mul", ["x", "k"], {}, ["x3"]], ["Cast", ["x3"], { to: DataType.INT32 }, ["xi"]], ["Cast", ["xi"], { to: DataType.FLOAT }, ["xf"]], ["Where", ["ng", "xf", "x"], {}, ["y"]]],
  },
  { name: "Flatten at axis 2 and at axis 0", inputs: { x: [2, 3, 4, 5] }, nodes: [["Flatten", ["x"], { axis: 2 }, ["a"]], ["Flatten", ["a"], { axis: 0 }, ["y"]]] },
  { name: "Transpose with the default (reversed) perm", inputs: { x: [2, 3, 4] }, nodes: [["Transpose", ["x"], {}, ["y"]]] },
  { name: "Concat at axis -1, Max, Min, Mean of three", inputs: { a: [2, 3], b: [2, 3], c: [2, 3] }, nodes: [["Max", ["a", "b", "c"], {}, ["m"]], ["Min", ["a", "b", "c"], {}, ["n"]], ["Mean", ["a", "b", "c"], {}, ["e"]], ["Concat", ["m", "n", "e"], { axis: -1 }, ["y"]]] },
  { name: "Erf, Softplus, Sign, Abs, Reciprocal, LeakyRelu", inputs: { x: [4, 5] }, nodes: [["Erf", ["x"], {}, ["a"]], ["Softplus", ["a"], {}, ["b"]], ["Sign", ["x"], {}, ["c"]], ["Add", ["b", "c"], {}, ["d"]], ["Abs", ["d"], {}, ["e"]], ["Reciprocal", ["e"], {}, ["f"]], ["LeakyRelu", ["f"], { alpha: { f: 0.3 } }, ["y"]]] },
  { name: "Gelu (opset 20), tanh approximation", opset: 20, inputs: { x: [4, 5] }, nodes: [["Gelu", ["x"], { approximate: "tanh" }, ["y"]]] },
  { name: "Dropout (inference) and Identity", inputs: { x: [3, 3] }, nodes: [["Dropout", ["x"], {}, ["d"]], ["Identity", ["d"], {}, ["y"]]] },
  { name: "ConstantOfShape and Shape -> Gather -> Unsqueeze -> Concat -> Reshape", inputs: { x: [2, 3, 4] }, inits: [i64("zero", [0], []), i64("minus1", [-1]), i64("ax", [0])],
    nodes: [["Shape", ["x"], {}, ["s"]], ["Gather", ["s", "zero"], {}, ["n"]], ["Unsqueeze", ["n", "ax"], {}, ["n1"]], ["Concat", ["n1", "minus1"], { axis: 0 }, ["shape"]], ["Reshape", ["x", "shape"], {}, ["r"]],
      ["Shape", ["r"], {}, ["rs"]], ["ConstantOfShape", ["rs"], {}, ["zeros"]], ["Sub", ["r", "zeros"], {}, ["y"]]] },
];

function build(c: Case): Uint8Array {
  const inputs = Object.entries(c.inputs).map(([name, dims]) => ({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } }));
  const nodes: NodeProto[] = c.nodes.map(([op, ins, attrs = {}, outs = ["y"]], i) => ({
    name: `${op}_${i}`, opType: op, input: ins, output: outs, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)), domain: "",
  }));
  return encodeModel({
    irVersion: 8, opsetImport: [{ domain: "", version: c.opset ?? 13 }], metadataProps: [],
    graph: { name: c.name, node: nodes, initializer: c.inits ?? [], input: inputs, output: [{ name: "y", type: { tensorType: { elemType: c.outType ?? DataType.FLOAT } } }], valueInfo: [] },
  });
}

describe("kd.onnx import: ops against onnxruntime", () => {
  for (const [k, c] of CASES.entries()) {
    it(c.name, async () => {
      const bytes = build(c);
      kd.manualSeed(100 + k);
      const xs = Object.values(c.inputs).map((dims) => kd.randn(dims));
      const session = await ort.InferenceSession.create(bytes);
      const feeds = Object.fromEntries(Object.entries(c.inputs).map(([name, dims], i) => [name, new ort.Tensor("float32", xs[i].dataSync() as Float32Array, dims)]));
      const want = (await session.run(feeds)).y;
      const got = kd.noGrad(() => kd.onnx.importModel(bytes).eval().forward(...xs));
      expect(got.shape, "shape").toEqual(want.dims);
      const g = got.dataSync();
      const w = Array.from(want.data as ArrayLike<number | bigint>, Number);
      for (let i = 0; i < w.length; i++) {
        if (!(Math.abs(g[i] - w[i]) <= 1e-5 * (1 + Math.abs(w[i])))) expect.fail(`[${i}]: got ${g[i]}, onnxruntime ${w[i]}`);
      }
    });
  }

  it("Dropout drops in train() mode (ratio from the input), as nn.Dropout while fine-tuning", () => {
    const bytes = build({ name: "d", inputs: { x: [100, 100] }, inits: [writeTensor("r", DataType.FLOAT, [], [0.25])], nodes: [["Dropout", ["x", "r"], {}, ["y"]]] });
    const m = kd.onnx.importModel(bytes);
    const x = kd.ones([100, 100]);
    const y = kd.noGrad(() => m.train().forward(x)).dataSync();
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(2000);
    expect(zeros).toBeLessThan(3000);
    for (const v of y) if (v !== 0) expect(v).toBeCloseTo(1 / 0.75, 6);
    expect(kd.noGrad(() => m.eval().forward(x)).dataSync().every((v) => v === 1)).toBe(true);
  });
});
