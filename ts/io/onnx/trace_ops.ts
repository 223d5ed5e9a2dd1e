// How each engine op (an ABI function of crates/wasm) is written as ONNX nodes while tracing.
// Arguments are the ABI's: handles, op codes, and the ints the caller put in scratch (sizes,
// dims, conv settings), which `pre` reads before the call. Ops with no ONNX form throw
// Unexportable with a message naming them; the Tracer turns that into an opaque value.
import { scratchInts } from "../../runtime/engine.js";
import type { DType } from "../../dtype.js";
import { CONV_ARGS_LEN, POOL_ARGS_LEN, decodeConvArgs, decodePoolArgs } from "../../generated/abi.js";
import { Tracer, Unexportable, ONNX_TYPE, type OpRecorder, type Value } from "./trace.js";

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const norm = (d: number, n: number) => (d < 0 ? d + n : d);
const ints = (n: number) => (n > 0 ? scratchInts(n) : []);
/** A slice end that means "to the end" for any input size (ONNX clamps it). */
const TO_END = Number.MAX_SAFE_INTEGER;
// The engine's promotion order (crates/engine/src/dtype.rs `rank`).
const KIND: Record<DType, number> = { bool: 0, uint8: 1, int8: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7 };
const promote = (a: DType, b: DType): DType => (KIND[a] >= KIND[b] ? a : b);

/** The output's batch dim under numpy broadcasting, from whichever input has one. */
function broadcastBatch(outRank: number, ...vs: Value[]): number {
  for (const v of vs) if (v.batch >= 0) return outRank - v.shape.length + v.batch;
  return -1;
}

/** A one-input op whose output keeps the input's shape. */
function unaryNode(t: Tracer, out: number, x: Value, build: (x: string) => string): void {
  t.define(out, build(x.name), x.batch);
}

// ---- unary ops ----------------------------------------------------------------------------

const SIMPLE_UNARY: Record<string, string> = {
  neg: "Neg", abs: "Abs", exp: "Exp", log: "Log", sqrt: "Sqrt", sin: "Sin", cos: "Cos", tan: "Tan", atan: "Atan",
  tanh: "Tanh", sigmoid: "Sigmoid", relu: "Relu", sign: "Sign", floor: "Floor", ceil: "Ceil", round: "Round",
  reciprocal: "Reciprocal", erf: "Erf", softplus: "Softplus", logical_not: "Not",
};

function gelu(t: Tracer, x: string, approximate: boolean): string {
  if (t.opset >= 20) return t.op("Gelu", [x], { approximate: approximate ? "tanh" : "none" });
  const f = (v: number) => t.scalar(v, "float32");
  let inner: string;
  if (approximate) {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    const cube = t.op("Mul", [x, t.op("Mul", [x, x])]);
    const s = t.op("Add", [x, t.op("Mul", [cube, f(0.044715)])]);
    inner = t.op("Tanh", [t.op("Mul", [s, f(Math.sqrt(2 / Math.PI))])]);
  } else {
    // 0.5 x (1 + erf(x / sqrt 2)): the pattern onnxruntime fuses into one Gelu kernel
    inner = t.op("Erf", [t.op("Div", [x, f(Math.SQRT2)])]);
  }
  return t.op("Mul", [t.op("Mul", [x, t.op("Add", [inner, f(1)])]), f(0.5)]);
}

function unary(t: Tracer, name: string, x: Value): string {
  const f = (v: number) => t.scalar(v, "float32");
  if (name in SIMPLE_UNARY) return t.op(SIMPLE_UNARY[name], [name === "logical_not" ? t.cast(x.name, x.dtype, "bool") : x.name]);
  switch (name) {
    case "rsqrt": return t.op("Reciprocal", [t.op("Sqrt", [x.name])]);
    case "square": return t.op("Mul", [x.name, x.name]);
    case "silu": return t.op("Mul", [x.name, t.op("Sigmoid", [x.name])]);
    case "gelu": return gelu(t, x.name, false);
    case "gelu_tanh": return gelu(t, x.name, true);
    case "log1p": return t.op("Log", [t.op("Add", [x.name, f(1)])]);
    case "expm1": return t.op("Sub", [t.op("Exp", [x.name]), f(1)]);
    case "log2": return t.op("Div", [t.op("Log", [x.name]), f(Math.LN2)]);
    case "exp2": return t.op("Pow", [f(2), x.name]);
    default: throw new Unexportable(`the op "${name}" has no ONNX export`);
  }
}

// ---- binary ops ---------------------------------------------------------------------------

const ARITH: Record<string, string> = { add: "Add", sub: "Sub", mul: "Mul", div: "Div", pow: "Pow", maximum: "Max", minimum: "Min" };
const COMPARE: Record<string, string> = { eq: "Equal", lt: "Less", le: "LessOrEqual", gt: "Greater", ge: "GreaterOrEqual" };
const LOGICAL: Record<string, string> = { logical_and: "And", logical_or: "Or", logical_xor: "Xor" };

/** a (op) b, each operand {name, dtype}, into the output handle. */
function binary(t: Tracer, name: string, a: { name: string; dtype: DType }, b: { name: string; dtype: DType }, outType: DType): string {
  if (name in ARITH) return t.op(ARITH[name], [t.cast(a.name, a.dtype, outType), t.cast(b.name, b.dtype, outType)]);
  if (name === "floor_divide" && outType === "float32") return t.op("Floor", [t.op("Div", [t.cast(a.name, a.dtype, outType), t.cast(b.name, b.dtype, outType)])]);
  if (name in COMPARE || name === "ne") {
    const c = promote(a.dtype, b.dtype);
    const eq = t.op(name === "ne" ? "Equal" : COMPARE[name], [t.cast(a.name, a.dtype, c), t.cast(b.name, b.dtype, c)]);
    return name === "ne" ? t.op("Not", [eq]) : eq;
  }
  if (name in LOGICAL) return t.op(LOGICAL[name], [t.cast(a.name, a.dtype, "bool"), t.cast(b.name, b.dtype, "bool")]);
  throw new Unexportable(`the op "${name}" has no ONNX export`);
}

// ---- reductions ---------------------------------------------------------------------------

const REDUCE: Record<string, string> = { sum: "ReduceSum", mean: "ReduceMean", amax: "ReduceMax", amin: "ReduceMin", prod: "ReduceProd", logsumexp: "ReduceLogSumExp" };

function reduce(t: Tracer, name: string, x: Value, dims: number[] | null, keepdim: boolean, out: number): void {
  const n = x.shape.length;
  const axes = dims === null ? null : [...new Set(dims.map((d) => norm(d, n)))].sort((a, b) => a - b);
  const outType = t.dtypeOf(out);
  let batch = x.batch;
  if (batch >= 0) batch = axes === null || axes.includes(batch) ? -1 : keepdim ? batch : batch - axes.filter((a) => a < batch).length;
  if (name === "argmax" || name === "argmin") {
    const op = name === "argmax" ? "ArgMax" : "ArgMin";
    let y: string;
    if (axes === null) {
      const flat = t.op(op, [t.op("Reshape", [x.name, t.ints([-1])])], { axis: 0, keepdims: 0 });
      y = keepdim ? t.op("Reshape", [flat, t.ints(Array(n).fill(1))]) : flat;
    } else {
      if (axes.length !== 1) throw new Unexportable(`${name} over several dims has no ONNX export`);
      y = t.op(op, [x.name], { axis: axes[0], keepdims: keepdim ? 1 : 0 });
    }
    // ONNX's indices are int64, Kindling's int32
    t.define(out, t.op("Cast", [y], { to: ONNX_TYPE.int32 }), batch);
    return;
  }
  const op = REDUCE[name];
  if (!op) throw new Unexportable(`the reduction "${name}" has no ONNX export`);
  const input = t.cast(x.name, x.dtype, outType);
  const keep = keepdim ? 1 : 0;
  // ReduceSum takes axes as an input from opset 13, the others from opset 18.
  const axesAsInput = op === "ReduceSum" ? t.opset >= 13 : t.opset >= 18;
  const y = axes === null ? t.op(op, [input], { keepdims: keep })
    : axesAsInput ? t.op(op, [input, t.ints(axes)], { keepdims: keep })
      : t.op(op, [input], { axes, keepdims: keep });
  t.define(out, y, batch);
}

// ---- shapes -------------------------------------------------------------------------------

function reshape(t: Tracer, x: Value, out: number): void {
  const shape = t.shapeOf(out);
  if (same(x.shape, shape)) return t.alias(out, x);
  const target = [...shape];
  let batch = -1;
  if (t.dynamicBatch && x.batch >= 0) {
    const b = x.batch;
    if (shape.length <= b || !same(shape.slice(0, b + 1), x.shape.slice(0, b + 1))) {
      throw new Unexportable(`a reshape from [${x.shape.join(", ")}] to [${shape.join(", ")}] merges the dynamic batch dim ${b}; keep the batch dim (x.flatten(1), x.view(x.size(0), -1)) or export without dynamicBatch`);
    }
    // 0 copies the input's size: the batch dim (and those before it) stay dynamic.
    for (let i = 0; i <= b; i++) target[i] = 0;
    batch = b;
  }
  t.define(out, t.op("Reshape", [x.name, t.ints(target)]), batch);
}

function transpose(t: Tracer, x: Value, perm: number[], out: number): void {
  const n = x.shape.length;
  const p = perm.map((d) => norm(d, n));
  if (p.every((d, i) => d === i)) return t.alias(out, x);
  t.define(out, t.op("Transpose", [x.name], { perm: p }), x.batch >= 0 ? p.indexOf(x.batch) : -1);
}

function unsqueeze(t: Tracer, x: Value, axes: number[]): string {
  return t.opset >= 13 ? t.op("Unsqueeze", [x.name, t.ints(axes)]) : t.op("Unsqueeze", [x.name], { axes });
}

function squeeze(t: Tracer, x: Value, dims: number[] | null, out: number): void {
  const n = x.shape.length;
  const axes = (dims === null ? x.shape.map((_, i) => i) : dims.map((d) => norm(d, n))).filter((d) => x.shape[d] === 1);
  const uniq = [...new Set(axes)].sort((a, b) => a - b);
  if (uniq.length === 0) return t.alias(out, x);
  const y = t.opset >= 13 ? t.op("Squeeze", [x.name, t.ints(uniq)]) : t.op("Squeeze", [x.name], { axes: uniq });
  const b = x.batch;
  t.define(out, y, b < 0 || uniq.includes(b) ? -1 : b - uniq.filter((a) => a < b).length);
}

// ---- the table ----------------------------------------------------------------------------

const one = (i: number): OpRecorder["inputs"] => (args) => [args[i]];
const constantOp: OpRecorder = { inputs: () => [], record: () => {} };
const aliasOp: OpRecorder = { inputs: one(0), record: (t, [h], out) => t.alias(out, t.input(h)) };

export const RECORDERS: Record<string, OpRecorder> = {
  // creation: constants (materialised as initializers when an exported op uses them)
  kd_full: constantOp, kd_arange: constantOp, kd_linspace: constantOp, kd_eye: constantOp, kd_rand: constantOp,
  kd_randn: constantOp, kd_rand_dist: constantOp, kd_randint: constantOp, kd_randperm: constantOp, kd_grad: constantOp,
  // same values under a new handle
  kd_contiguous: aliasOp, kd_clone: aliasOp, kd_detach: aliasOp,

  kd_unary: {
    inputs: one(1),
    record(t, [code, h], out) {
      const x = t.input(h);
      unaryNode(t, out, x, () => unary(t, t.unaryNames[code], x));
    },
  },
  kd_binary: {
    inputs: (args) => [args[1], args[2]],
    record(t, [code, ha, hb], out) {
      const a = t.input(ha), b = t.input(hb);
      const shape = t.shapeOf(out);
      t.define(out, binary(t, t.binaryNames[code], a, b, t.dtypeOf(out)), broadcastBatch(shape.length, a, b));
    },
  },
  kd_binary_scalar: {
    inputs: one(1),
    record(t, [code, h, value, isInt, reverse], out) {
      const a = t.input(h);
      const outType = t.dtypeOf(out);
      const name = t.binaryNames[code];
      // Arithmetic computes in the output dtype; a comparison's scalar keeps the dtype the engine
      // gave it (an integer takes a numeric tensor's dtype).
      const sType: DType = name in ARITH || name === "floor_divide" ? outType : isInt ? (a.dtype === "bool" ? "int32" : a.dtype) : "float32";
      const s = { name: t.scalar(value, sType), dtype: sType };
      const y = reverse ? binary(t, name, s, a, outType) : binary(t, name, a, s, outType);
      t.define(out, y, a.batch);
    },
  },
  kd_reduce: {
    inputs: one(1),
    pre: (args) => ints(args[2]),
    record(t, [code, h, ndims, keepdim], out, dims) {
      const x = t.input(h);
      reduce(t, t.reduceNames[code], x, ndims <= 0 ? null : dims, keepdim === 1, out);
    },
  },
  kd_clamp: {
    inputs: one(0),
    record(t, [h, lo, hi, hasLo, hasHi], out) {
      const x = t.input(h);
      if (x.dtype === "bool") throw new Unexportable("clamp of a bool tensor has no ONNX export");
      const dtype = t.dtypeOf(out);
      const xin = t.cast(x.name, x.dtype, dtype);
      unaryNode(t, out, x, () => t.op("Clip", [xin, hasLo ? t.scalar(lo, dtype) : "", hasHi ? t.scalar(hi, dtype) : ""]));
    },
  },
  kd_leaky_relu: {
    inputs: one(0),
    record(t, [h, slope], out) {
      const x = t.input(h);
      unaryNode(t, out, x, () => t.op("LeakyRelu", [x.name], { alpha: { float: slope } }));
    },
  },
  kd_matmul: {
    inputs: (args) => [args[0], args[1]],
    record(t, [ha, hb], out) {
      const a = t.input(ha), b = t.input(hb);
      const n = t.shapeOf(out).length;
      let batch = -1;
      if (a.batch >= 0 && a.shape.length >= 2 && a.batch < a.shape.length - 1) batch = n - a.shape.length + a.batch;
      else if (b.batch >= 0 && b.shape.length >= 2 && b.batch !== b.shape.length - 2) batch = n - b.shape.length + b.batch;
      t.define(out, t.op("MatMul", [a.name, b.name]), batch);
    },
  },
  kd_softmax: {
    inputs: one(0),
    record(t, [h, dim, log], out) {
      const x = t.input(h);
      unaryNode(t, out, x, () => t.op(log ? "LogSoftmax" : "Softmax", [x.name], { axis: norm(dim, x.shape.length) }));
    },
  },
  kd_cast: {
    inputs: one(0),
    record(t, [h], out) {
      const x = t.input(h);
      const to = t.dtypeOf(out);
      if (to === x.dtype) return t.alias(out, x);
      unaryNode(t, out, x, () => t.op("Cast", [x.name], { to: ONNX_TYPE[to] }));
    },
  },
  kd_view: { inputs: one(0), record: (t, [h], out) => reshape(t, t.input(h), out) },
  kd_reshape: { inputs: one(0), record: (t, [h], out) => reshape(t, t.input(h), out) },
  kd_permute: {
    inputs: one(0),
    pre: (args) => ints(args[1]),
    record: (t, [h], out, perm) => transpose(t, t.input(h), perm, out),
  },
  kd_transpose: {
    inputs: one(0),
    record(t, [h, d0, d1], out) {
      const x = t.input(h);
      const n = x.shape.length;
      const perm = x.shape.map((_, i) => i);
      if (n === 0) return t.alias(out, x);
      const [a, b] = [norm(d0, n), norm(d1, n)];
      [perm[a], perm[b]] = [perm[b], perm[a]];
      transpose(t, x, perm, out);
    },
  },
  kd_expand: {
    inputs: one(0),
    record(t, [h], out) {
      const x = t.input(h);
      const shape = t.shapeOf(out);
      if (same(x.shape, shape)) return t.alias(out, x);
      const off = shape.length - x.shape.length;
      // 1 where the input already has the size: Expand then keeps it (and a dynamic batch stays dynamic).
      const target = shape.map((s, i) => (i >= off && x.shape[i - off] === s ? 1 : s));
      t.define(out, t.op("Expand", [x.name, t.ints(target)]), x.batch >= 0 ? x.batch + off : -1);
    },
  },
  kd_unsqueeze: {
    inputs: one(0),
    record(t, [h, d], out) {
      const x = t.input(h);
      const axis = norm(d, x.shape.length + 1);
      t.define(out, unsqueeze(t, x, [axis]), x.batch < 0 ? -1 : x.batch >= axis ? x.batch + 1 : x.batch);
    },
  },
  kd_squeeze: {
    inputs: one(0),
    pre: (args) => ints(args[1]),
    record: (t, [h, ndims], out, dims) => squeeze(t, t.input(h), ndims < 0 ? null : dims, out),
  },
  kd_slice: {
    inputs: one(0),
    record(t, [h, dim, start, end, step], out) {
      const x = t.input(h);
      const d = norm(dim, x.shape.length);
      const size = x.shape[d];
      const s = start < 0 ? Math.max(0, start + size) : Math.min(start, size);
      const e = end < 0 ? Math.max(0, end + size) : Math.min(end, size);
      if (s === 0 && e === size && step === 1) return t.alias(out, x);
      const y = t.op("Slice", [x.name, t.ints([s]), t.ints([e === size ? TO_END : e]), t.ints([d]), t.ints([step])]);
      t.define(out, y, x.batch === d ? -1 : x.batch);
    },
  },
  kd_select: {
    inputs: one(0),
    record(t, [h, dim, index], out) {
      const x = t.input(h);
      const d = norm(dim, x.shape.length);
      const y = t.op("Gather", [x.name, t.constant("int64", [], [index])], { axis: d });
      t.define(out, y, x.batch < 0 || x.batch === d ? -1 : x.batch > d ? x.batch - 1 : x.batch);
    },
  },
  kd_cat: {
    pre: (args) => ints(args[0]),
    inputs: (_args, handles) => handles,
    record(t, [, dim], out, handles) {
      const xs = handles.map((h) => t.input(h));
      const outType = t.dtypeOf(out);
      const d = norm(dim, t.shapeOf(out).length);
      const b = xs.find((x) => x.batch >= 0)?.batch ?? -1;
      t.define(out, t.op("Concat", xs.map((x) => t.cast(x.name, x.dtype, outType)), { axis: d }), b === d ? -1 : b);
    },
  },
  kd_index_select: {
    inputs: (args) => [args[0], args[2]],
    record(t, [h, dim, idx], out) {
      const x = t.input(h), i = t.input(idx);
      const d = norm(dim, x.shape.length);
      t.define(out, t.op("Gather", [x.name, i.name], { axis: d }), x.batch === d ? -1 : x.batch);
    },
  },
  kd_gather: {
    inputs: (args) => [args[0], args[2]],
    record(t, [h, dim, idx], out) {
      const x = t.input(h), i = t.input(idx);
      t.define(out, t.op("GatherElements", [x.name, i.name], { axis: norm(dim, x.shape.length) }), i.batch >= 0 ? i.batch : x.batch);
    },
  },
  kd_where: {
    inputs: (args) => [args[0], args[1], args[2]],
    record(t, [hc, ha, hb], out) {
      const c = t.input(hc), a = t.input(ha), b = t.input(hb);
      const outType = t.dtypeOf(out);
      const y = t.op("Where", [t.cast(c.name, c.dtype, "bool"), t.cast(a.name, a.dtype, outType), t.cast(b.name, b.dtype, outType)]);
      t.define(out, y, broadcastBatch(t.shapeOf(out).length, a, b, c));
    },
  },
  kd_masked_fill: {
    inputs: (args) => [args[0], args[1]],
    record(t, [h, hm, value], out) {
      const x = t.input(h), m = t.input(hm);
      const y = t.op("Where", [t.cast(m.name, m.dtype, "bool"), t.scalar(value, x.dtype), x.name]);
      t.define(out, y, broadcastBatch(t.shapeOf(out).length, x, m));
    },
  },
  kd_conv2d: {
    inputs: (args) => [args[0], args[1], args[2]],
    pre: () => ints(CONV_ARGS_LEN),
    record(t, [hx, hw, hb], out, pre) {
      const { stride, padding: [ph, pw], dilation, groups } = decodeConvArgs(pre);
      const x = t.input(hx), w = t.input(hw);
      const inputs = [x.name, w.name, ...(hb ? [t.input(hb).name] : [])];
      const y = t.op("Conv", inputs, { kernel_shape: w.shape.slice(2), strides: stride, pads: [ph, pw, ph, pw], dilations: dilation, group: groups });
      t.define(out, y, x.batch);
    },
  },
  kd_conv_transpose2d: {
    inputs: (args) => [args[0], args[1], args[2]],
    pre: () => ints(CONV_ARGS_LEN),
    record(t, [hx, hw, hb], out, pre) {
      const { stride, padding: [ph, pw], dilation, groups, outputPadding } = decodeConvArgs(pre);
      const x = t.input(hx), w = t.input(hw);
      const inputs = [x.name, w.name, ...(hb ? [t.input(hb).name] : [])];
      const y = t.op("ConvTranspose", inputs, {
        kernel_shape: w.shape.slice(2), strides: stride, pads: [ph, pw, ph, pw], dilations: dilation, group: groups, output_padding: outputPadding,
      });
      t.define(out, y, x.batch);
    },
  },
  kd_max_pool2d: {
    inputs: one(0),
    pre: () => ints(POOL_ARGS_LEN),
    record(t, [hx], out, pre) {
      const { kernelSize, stride, padding: [ph, pw], dilation: [dh, dw], ceilMode } = decodePoolArgs(pre);
      const x = t.input(hx);
      const y = t.op("MaxPool", [x.name], {
        kernel_shape: kernelSize, strides: stride, pads: [ph, pw, ph, pw],
        dilations: dh !== 1 || dw !== 1 ? [dh, dw] : undefined, ceil_mode: ceilMode ? 1 : undefined,
      });
      t.define(out, y, x.batch);
    },
  },
  kd_avg_pool2d: {
    inputs: one(0),
    pre: () => ints(POOL_ARGS_LEN),
    record(t, [hx, countIncludePad, divisor], out, pre) {
      const { kernelSize, stride, padding: [ph, pw], ceilMode } = decodePoolArgs(pre);
      const x = t.input(hx);
      if (divisor) throw new Unexportable("avg_pool2d with divisorOverride has no ONNX export");
      const y = t.op("AveragePool", [x.name], {
        kernel_shape: kernelSize, strides: stride, pads: [ph, pw, ph, pw], count_include_pad: countIncludePad ? 1 : 0, ceil_mode: ceilMode ? 1 : undefined,
      });
      t.define(out, y, x.batch);
    },
  },
  // one LSTM step's gate math (crates/engine/src/ops/rnn.rs) written out: Add, Split into
  // i, f, g, o, the gate nonlinearities, the cell update, and [h', c'] stacked as the engine's [2, B, H]
  kd_lstm_cell: {
    inputs: (args) => [args[0], args[1], args[2]],
    record(t, [hx, hh, hc], out) {
      const xg = t.input(hx), hg = t.input(hh), c = t.input(hc);
      const H = c.shape[1];
      const [i, f, g, o] = t.node("Split", [t.op("Add", [xg.name, hg.name]), t.constant("int64", [4], [H, H, H, H])], { axis: 1 }, 4);
      const c2 = t.op("Add", [t.op("Mul", [t.op("Sigmoid", [f]), c.name]), t.op("Mul", [t.op("Sigmoid", [i]), t.op("Tanh", [g])])]);
      const h2 = t.op("Mul", [t.op("Sigmoid", [o]), t.op("Tanh", [c2])]);
      const axes = t.constant("int64", [1], [0]);
      const b = [xg, hg, c].find((v) => v.batch >= 0)?.batch ?? -1;
      t.define(out, t.op("Concat", [t.op("Unsqueeze", [h2, axes]), t.op("Unsqueeze", [c2, axes])], { axis: 0 }), b >= 0 ? b + 1 : -1);
    },
  },
  // one GRU step's gate math (ops/rnn.rs): r = σ(hr + xr), z = σ(hz + xz), n = tanh(xn + r hn), h' = (h - n) z + n
  kd_gru_cell: {
    inputs: (args) => [args[0], args[1], args[2]],
    record(t, [hx, hh, hs], out) {
      const xg = t.input(hx), hg = t.input(hh), h = t.input(hs);
      const H = h.shape[1];
      const split = t.constant("int64", [3], [H, H, H]);
      const [xr, xz, xn] = t.node("Split", [xg.name, split], { axis: 1 }, 3);
      const [hr, hz, hn] = t.node("Split", [hg.name, split], { axis: 1 }, 3);
      const r = t.op("Sigmoid", [t.op("Add", [hr, xr])]);
      const z = t.op("Sigmoid", [t.op("Add", [hz, xz])]);
      const n = t.op("Tanh", [t.op("Add", [xn, t.op("Mul", [hn, r])])]);
      const b = [xg, hg, h].find((v) => v.batch >= 0)?.batch ?? -1;
      t.define(out, t.op("Add", [t.op("Mul", [t.op("Sub", [h.name, n]), z]), n]), b);
    },
  },
  kd_adaptive_avg_pool2d: {
    inputs: one(0),
    record(t, [hx, oh, ow], out) {
      const x = t.input(hx);
      const [H, W] = x.shape.slice(-2);
      let y: string;
      if (oh === 1 && ow === 1) y = t.op("GlobalAveragePool", [x.name]);
      else if (H % oh === 0 && W % ow === 0) y = t.op("AveragePool", [x.name], { kernel_shape: [H / oh, W / ow], strides: [H / oh, W / ow] });
      else throw new Unexportable(`adaptive_avg_pool2d from ${H}x${W} to ${oh}x${ow} (not a divisor) has no ONNX export`);
      t.define(out, y, x.batch);
    },
  },
};
