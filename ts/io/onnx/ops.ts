// The ONNX ops Kindling imports, each written with Kindling's differentiable ops (so an imported
// model can be fine-tuned). Each entry compiles a node once, at load: it reads and checks the
// attributes (a value Kindling does not implement is an OnnxError naming the node) and returns
// the function forward runs. Semantics follow the ONNX operator docs for opsets 7 to 21.
import { full } from "../../creation.js";
import { OnnxError } from "../../errors.js";
import { cat, where } from "../../functional.js";
import * as F from "../../nn/functional.js";
import type { Tensor } from "../../tensor.js";
import type { DType } from "../../dtype.js";
import { NodeAttrs } from "./attributes.js";
import { DataType, dataTypeName } from "./proto.js";
import { readTensor } from "./tensor_data.js";
import { broadcastShapes, host, hostBinary, intsOf, isHost, numel, scalarOf, toHost, toTensor, type Host, type Val } from "./values.js";

export interface NodeInfo {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  /** The model's ai.onnx opset. */
  opset: number;
  /** "node "/features/Conv" (Conv)", for messages. */
  where: string;
}

export interface RunContext {
  /** The module's training flag (BatchNormalization uses batch statistics and updates its buffers). */
  training: boolean;
}

export type Run = (inputs: (Val | undefined)[], ctx: RunContext) => (Val | undefined)[];
type Compile = (a: NodeAttrs, n: NodeInfo) => Run;

// ---- helpers ------------------------------------------------------------------------------

/** Checks the number of inputs (required ones non-empty) and that no unsupported output is asked for. */
function arity(n: NodeInfo, min: number, max: number, outputs = 1): void {
  if (n.inputs.length < min || n.inputs.length > max) throw new OnnxError(`${n.where}: expected ${min === max ? min : `${min} to ${max}`} inputs, got ${n.inputs.length}`);
  for (let i = 0; i < min; i++) if (!n.inputs[i]) throw new OnnxError(`${n.where}: input ${i} is required`);
  if (n.outputs.length === 0 || !n.outputs[0]) throw new OnnxError(`${n.where}: has no output`);
  n.outputs.forEach((o, i) => {
    if (i >= outputs && o) throw new OnnxError(`${n.where}: output ${i} ("${o}") is not supported`);
  });
}

const T = toTensor;
/** Host (shape arithmetic) results larger than this go through the engine, which bounds memory. */
const HOST_LIMIT = 1 << 16;
const norm = (d: number, rank: number, what: string) => {
  if (!Number.isInteger(d) || d < -rank || d >= rank) throw new OnnxError(`${what}: axis ${d} is out of range for rank ${rank}`);
  return d < 0 ? d + rank : d;
};

const unaryOp = (f: (x: Tensor) => Tensor): Compile => (_a, n) => {
  arity(n, 1, 1);
  return ([x]) => [f(T(x!))];
};

/** Axes from the attribute (older opsets) or from input `i` (newer ones); undefined when absent. */
function axesFrom(a: NodeAttrs, n: NodeInfo, inputFrom: number, i: number): (inputs: (Val | undefined)[]) => number[] | undefined {
  if (n.opset < inputFrom) {
    const axes = a.ints("axes");
    return () => axes;
  }
  return (inputs) => (inputs[i] === undefined ? undefined : intsOf(inputs[i]!, `${n.where}: axes`));
}

const isInt = (d: DType) => d === "int32" || d === "int64" || d === "uint8" || d === "int8";

/** Integer division truncating toward zero, as ONNX's Div on integers. */
const idiv = (x: number, y: number) => {
  if (y === 0) throw new OnnxError("integer division by zero");
  return Math.trunc(x / y);
};

const BINARY: Record<string, { tensor: (a: Tensor, b: Tensor) => Tensor; host?: (x: number, y: number) => number }> = {
  Add: { tensor: (a, b) => a.add(b), host: (x, y) => x + y },
  Sub: { tensor: (a, b) => a.sub(b), host: (x, y) => x - y },
  Mul: { tensor: (a, b) => a.mul(b), host: (x, y) => x * y },
  Div: { tensor: (a, b) => (isInt(a.dtype) && isInt(b.dtype) ? a.div(b).trunc().to(a.dtype === "int64" || b.dtype === "int64" ? "int64" : "int32") : a.div(b)), host: (x, y) => x / y },
  Pow: { tensor: (a, b) => a.pow(b), host: (x, y) => x ** y },
  Equal: { tensor: (a, b) => a.eq(b) },
  Less: { tensor: (a, b) => a.lt(b) },
  LessOrEqual: { tensor: (a, b) => a.le(b) },
  Greater: { tensor: (a, b) => a.gt(b) },
  GreaterOrEqual: { tensor: (a, b) => a.ge(b) },
  And: { tensor: (a, b) => a.logicalAnd(b) },
  Or: { tensor: (a, b) => a.logicalOr(b) },
  Xor: { tensor: (a, b) => a.logicalXor(b) },
};

function binaryOp(op: string): Compile {
  const { tensor, host: onHost } = BINARY[op];
  return (_a, n) => {
    arity(n, 2, 2);
    return ([x, y]) => {
      // integer shape arithmetic stays on the host (int64 values need not fit int32)
      if (onHost && isHost(x!) && isHost(y!) && x.kind === "int" && y.kind === "int" && numel(broadcastShapes(x.shape, y.shape, n.where)) <= HOST_LIMIT) {
        return [hostBinary(x, y, "int", op === "Div" ? idiv : onHost, n.where)];
      }
      return [tensor(T(x!), T(y!))];
    };
  };
}

/** Max, Min, Sum, Mean: variadic, folded pairwise. */
function variadic(f: (a: Tensor, b: Tensor) => Tensor, mean = false): Compile {
  return (_a, n) => {
    arity(n, 1, 1 << 16);
    return (inputs) => {
      let acc = T(inputs[0]!);
      for (let i = 1; i < inputs.length; i++) acc = f(acc, T(inputs[i]!));
      return [mean ? acc.div(inputs.length) : inputs.length === 1 ? acc.view(acc.shape) : acc];
    };
  };
}

/** Per-dim padding [begins..., ends...] for auto_pad SAME_UPPER / SAME_LOWER (output = ceil(input / stride)). */
function samePads(inSize: readonly number[], kernel: number[], strides: number[], dilations: number[], upper: boolean): number[] {
  const begins: number[] = [], ends: number[] = [];
  inSize.forEach((size, i) => {
    const out = Math.ceil(size / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
    const small = Math.floor(total / 2);
    begins.push(upper ? small : total - small);
    ends.push(upper ? total - small : small);
  });
  return [...begins, ...ends];
}

/** Reads the 2-D window attributes shared by Conv and the pools. */
function windowAttrs(a: NodeAttrs, n: NodeInfo, kernelRequired: boolean) {
  const kernel = a.ints("kernel_shape");
  if (kernelRequired && kernel === undefined) throw new OnnxError(`${n.where}: attribute "kernel_shape" is required`);
  if (kernel !== undefined && kernel.length !== 2) throw new OnnxError(`${n.where}: only 2-D windows are supported, got kernel_shape [${kernel.join(", ")}]`);
  const strides = a.intsOf("strides", 2, [1, 1]);
  const dilations = a.intsOf("dilations", 2, [1, 1]);
  const pads = a.intsOf("pads", 4, [0, 0, 0, 0]);
  const autoPad = a.choice("auto_pad", ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"] as const, "NOTSET");
  for (const [name, v, min] of [["strides", strides, 1], ["dilations", dilations, 1], ["pads", pads, 0]] as const) {
    if (v.some((x) => !Number.isSafeInteger(x) || x < min)) throw new OnnxError(`${n.where}: attribute "${name}" has invalid values [${v.join(", ")}]`);
  }
  /** [top, left, bottom, right] for an input of spatial size hw. */
  const padsFor = (hw: readonly number[], k: number[]) =>
    autoPad === "NOTSET" ? pads : autoPad === "VALID" ? [0, 0, 0, 0] : samePads(hw, k, strides, dilations, autoPad === "SAME_UPPER");
  return { kernel, strides, dilations, padsFor };
}

function need4d(x: Tensor, n: NodeInfo): void {
  if (x.ndim !== 4) throw new OnnxError(`${n.where}: only 2-D ${n.opType} (a 4-D [N, C, H, W] input) is supported, got shape [${x.shape.join(", ")}]`);
}

/** Symmetric pads as a pair, or the input padded explicitly (fill value) and a zero pair. */
function applyPads(x: Tensor, pads: number[], fill: number): [Tensor, [number, number]] {
  const [t, l, b, r] = pads;
  if (t === b && l === r) return [x, [t, l]];
  return [F.pad(x, [l, r, t, b], "constant", fill), [0, 0]];
}

/** Gather along axis with integer indices (host or tensor); negative indices count from the end. */
function gather(data: Val, indices: Val, axis: number, n: NodeInfo): Val {
  const rank = data.shape.length;
  const ax = norm(axis, rank, n.where);
  const size = data.shape[ax];
  if (isHost(data) && isHost(indices) && numel(data.shape) * Math.max(1, numel(indices.shape)) <= HOST_LIMIT) {
    const idx = Array.from(indices.data, (i) => (i < 0 ? i + size : i));
    if (idx.some((i) => !(i >= 0 && i < size))) throw new OnnxError(`${n.where}: an index is out of range for size ${size}`);
    const outer = numel(data.shape.slice(0, ax)), inner = numel(data.shape.slice(ax + 1));
    const out: number[] = [];
    for (let o = 0; o < outer; o++) for (const i of idx) for (let k = 0; k < inner; k++) out.push(data.data[(o * size + i) * inner + k]);
    return host(data.kind, [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)], out);
  }
  const x = T(data);
  if (isHost(indices)) {
    const idx = Array.from(indices.data, (i) => (i < 0 ? i + size : i));
    if (indices.shape.length === 0) return x.select(ax, idx[0]);
    const picked = x.indexSelect(ax, T(host("int", [idx.length], idx)));
    return picked.reshape([...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)]);
  }
  const raw = T(indices).int();
  const idx = where(raw.lt(0), raw.add(size), raw);
  const picked = x.indexSelect(ax, idx.reshape([-1]));
  return picked.reshape([...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)]);
}

/** A value with a new shape: host values are relabelled, tensors reshaped. */
function reshapeVal(v: Val, shape: number[]): Val {
  return isHost(v) ? host(v.kind, shape, v.data) : v.reshape(shape);
}

function unsqueezeShape(shape: readonly number[], axes: number[], n: NodeInfo): number[] {
  const rank = shape.length + axes.length;
  const ax = axes.map((d) => norm(d, rank, n.where));
  if (new Set(ax).size !== ax.length) throw new OnnxError(`${n.where}: repeated axes [${axes.join(", ")}]`);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(ax.includes(i) ? 1 : shape[j++]);
  return out;
}

function squeezeShape(shape: readonly number[], axes: number[] | undefined, n: NodeInfo): number[] {
  if (axes === undefined) return shape.filter((s) => s !== 1);
  const ax = axes.map((d) => norm(d, shape.length, n.where));
  for (const d of ax) if (shape[d] !== 1) throw new OnnxError(`${n.where}: cannot squeeze axis ${d} of size ${shape[d]}`);
  return shape.filter((_, i) => !ax.includes(i));
}

/** Python-style clamping of Slice bounds (ONNX semantics for a positive step). */
function sliceBounds(size: number, start: number, end: number): [number, number] {
  const s = start < 0 ? Math.max(0, start + size) : Math.min(start, size);
  const e = end < 0 ? Math.max(0, end + size) : Math.min(end, size);
  return [s, Math.max(s, e)];
}

/** A Constant node's value (ints and bools on the host). */
function constantValue(a: NodeAttrs, n: NodeInfo): Host {
  const set = a.names();
  if (set.length !== 1) throw new OnnxError(`${n.where}: expected exactly one value attribute, got [${set.join(", ")}]`);
  const t = a.tensor("value");
  if (t) return { host: true, ...readTensor(t, `${n.where} value`) };
  if (a.has("value_float")) return host("float", [], [a.float("value_float", 0)]);
  if (a.has("value_floats")) return host("float", [a.floats("value_floats")!.length], a.floats("value_floats")!);
  if (a.has("value_int")) return host("int", [], [a.int("value_int", 0)]);
  if (a.has("value_ints")) return host("int", [a.ints("value_ints")!.length], a.ints("value_ints")!);
  throw new OnnxError(`${n.where}: Constant with attribute "${set[0]}" is not supported`);
}

const CAST_KIND: Record<number, Host["kind"]> = {
  [DataType.FLOAT]: "float", [DataType.DOUBLE]: "float", [DataType.FLOAT16]: "float", [DataType.BFLOAT16]: "float",
  [DataType.INT8]: "int", [DataType.UINT8]: "int", [DataType.INT16]: "int", [DataType.UINT16]: "int", [DataType.INT32]: "int",
  [DataType.UINT32]: "int", [DataType.INT64]: "int", [DataType.UINT64]: "int", [DataType.BOOL]: "bool",
};

/** Reduce* ops: axes (attribute or input), keepdims, noop_with_empty_axes. */
function reduceOp(f: (x: Tensor, dims: number[], keep: boolean) => Tensor, axesInputFrom: number): Compile {
  return (a, n) => {
    arity(n, 1, n.opset >= axesInputFrom ? 2 : 1);
    const keep = a.int("keepdims", 1) !== 0;
    const noop = a.int("noop_with_empty_axes", 0) !== 0;
    const axesOf = axesFrom(a, n, axesInputFrom, 1);
    return (inputs) => {
      const x = T(inputs[0]!);
      const axes = axesOf(inputs);
      if ((axes === undefined || axes.length === 0) && noop) return [x.view(x.shape)];
      const dims = axes === undefined || axes.length === 0 ? x.shape.map((_, i) => i) : axes.map((d) => norm(d, x.ndim, n.where));
      return [f(x, dims, keep)];
    };
  };
}

// ---- the op table -------------------------------------------------------------------------

export const OPS: Record<string, Compile> = {
  Identity: (_a, n) => { arity(n, 1, 1); return ([x]) => [x]; },
  Dropout: (a, n) => {
    // Identity in eval mode, as in inference; in train() mode it drops, as nn.Dropout would while
    // fine-tuning (the ratio from the attribute before opset 12, the input after; default 0.5).
    arity(n, 1, 3);
    const attrRatio = a.float("ratio", 0.5);
    return ([x, r], ctx) => {
      if (!ctx.training) return [x];
      const ratio = n.opset >= 12 ? (r ? scalarOf(r, `${n.where}: ratio`) : 0.5) : attrRatio;
      return [F.dropout(T(x!), ratio, true)];
    };
  },
  Constant: (a, n) => {
    arity(n, 0, 0);
    const v = constantValue(a, n);
    return () => [v];
  },
  ConstantOfShape: (a, n) => {
    arity(n, 1, 1);
    const t = a.tensor("value");
    const v = t ? readTensor(t, `${n.where} value`) : { kind: "float" as const, shape: [1], data: new Float32Array(1) };
    if (v.data.length !== 1) throw new OnnxError(`${n.where}: value must hold one element`);
    const dtype = v.kind === "float" ? "float32" : v.kind === "int" ? "int32" : "bool";
    return ([s]) => {
      const shape = intsOf(s!, `${n.where}: shape`);
      if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new OnnxError(`${n.where}: invalid shape [${shape.join(", ")}]`);
      // small integer results stay on the host (shape arithmetic); the engine allocates the rest
      return [v.kind === "int" && numel(shape) <= HOST_LIMIT ? host("int", shape, new Float64Array(numel(shape)).fill(v.data[0])) : full(shape, v.data[0], { dtype })];
    };
  },

  // activations and elementwise math
  Relu: unaryOp((x) => x.relu()),
  Sigmoid: unaryOp((x) => x.sigmoid()),
  Tanh: unaryOp((x) => x.tanh()),
  Exp: unaryOp((x) => x.exp()),
  Log: unaryOp((x) => x.log()),
  Sqrt: unaryOp((x) => x.sqrt()),
  Neg: unaryOp((x) => x.neg()),
  Abs: unaryOp((x) => x.abs()),
  Reciprocal: unaryOp((x) => x.reciprocal()),
  Floor: unaryOp((x) => x.floor()),
  Ceil: unaryOp((x) => x.ceil()),
  Round: unaryOp((x) => x.round()),
  Sign: unaryOp((x) => x.sign()),
  Sin: unaryOp((x) => x.sin()),
  Cos: unaryOp((x) => x.cos()),
  Tan: unaryOp((x) => x.tan()),
  Atan: unaryOp((x) => x.atan()),
  Erf: unaryOp((x) => x.erf()),
  Softplus: unaryOp((x) => x.softplus()),
  Not: unaryOp((x) => x.bool().logicalNot()),
  LeakyRelu: (a, n) => {
    arity(n, 1, 1);
    const alpha = a.float("alpha", 0.01);
    return ([x]) => [T(x!).leakyRelu(alpha)];
  },
  Gelu: (a, n) => {
    arity(n, 1, 1);
    const approximate = a.choice("approximate", ["none", "tanh"] as const, "none");
    return ([x]) => [T(x!).gelu(approximate)];
  },
  Clip: (a, n) => {
    if (n.opset < 11) {
      arity(n, 1, 1);
      const lo = a.float("min", -Infinity), hi = a.float("max", Infinity);
      return ([x]) => [T(x!).clamp(lo, hi)];
    }
    arity(n, 1, 3);
    return ([x, lo, hi]) => [T(x!).clamp(lo ? scalarOf(lo, `${n.where}: min`) : null, hi ? scalarOf(hi, `${n.where}: max`) : null)];
  },
  Softmax: softmaxOp(false),
  LogSoftmax: softmaxOp(true),
  Add: binaryOp("Add"), Sub: binaryOp("Sub"), Mul: binaryOp("Mul"), Div: binaryOp("Div"), Pow: binaryOp("Pow"),
  Equal: binaryOp("Equal"), Less: binaryOp("Less"), LessOrEqual: binaryOp("LessOrEqual"), Greater: binaryOp("Greater"),
  GreaterOrEqual: binaryOp("GreaterOrEqual"), And: binaryOp("And"), Or: binaryOp("Or"), Xor: binaryOp("Xor"),
  Max: variadic((a, b) => a.maximum(b)),
  Min: variadic((a, b) => a.minimum(b)),
  Sum: variadic((a, b) => a.add(b)),
  Mean: variadic((a, b) => a.add(b), true),
  Where: (_a, n) => {
    arity(n, 3, 3);
    return ([c, x, y]) => [where(T(c!).bool(), T(x!), T(y!))];
  },
  Cast: (a, n) => {
    arity(n, 1, 1);
    const to = a.int("to", -1);
    const kind = CAST_KIND[to];
    if (!kind) throw new OnnxError(`${n.where}: Cast to ${dataTypeName(to)} is not supported`);
    return ([x]) => {
      if (isHost(x!)) return [host(kind, x.shape, Array.from(x.data, (v) => (kind === "int" ? Math.trunc(v) : kind === "bool" ? Number(v !== 0) : v)))];
      return [kind === "float" ? x!.float() : kind === "int" ? x!.int() : x!.bool()];
    };
  },

  // linear algebra and convolutions
  MatMul: (_a, n) => {
    arity(n, 2, 2);
    return ([x, y]) => [T(x!).matmul(T(y!))];
  },
  Gemm: (a, n) => {
    arity(n, 2, 3);
    const alpha = a.float("alpha", 1), beta = a.float("beta", 1);
    const transA = a.int("transA", 0) !== 0, transB = a.int("transB", 0) !== 0;
    return ([A, B, C]) => {
      const x = T(A!), w = T(B!);
      if (x.ndim !== 2 || w.ndim !== 2) throw new OnnxError(`${n.where}: Gemm needs 2-D A and B, got [${x.shape.join(", ")}] and [${w.shape.join(", ")}]`);
      const c = C ? T(C) : null;
      // y = x Wᵀ + b, the nn.Linear form, goes through F.linear
      if (!transA && transB && alpha === 1 && beta === 1) return [F.linear(x, w, c)];
      let y = (transA ? x.t() : x).matmul(transB ? w.t() : w);
      if (alpha !== 1) y = y.mul(alpha);
      if (c) y = y.add(beta !== 1 ? c.mul(beta) : c);
      return [y];
    };
  },
  Conv: (a, n) => {
    arity(n, 2, 3);
    const { kernel, strides, dilations, padsFor } = windowAttrs(a, n, false);
    const group = a.int("group", 1);
    if (!Number.isSafeInteger(group) || group < 1) throw new OnnxError(`${n.where}: attribute "group" must be a positive integer, got ${group}`);
    return ([X, W, B]) => {
      const x = T(X!), w = T(W!);
      need4d(x, n);
      if (w.ndim !== 4) throw new OnnxError(`${n.where}: weight must be 4-D, got [${w.shape.join(", ")}]`);
      const k = w.shape.slice(2);
      if (kernel && (kernel[0] !== k[0] || kernel[1] !== k[1])) throw new OnnxError(`${n.where}: kernel_shape [${kernel.join(", ")}] does not match the weight's [${k.join(", ")}]`);
      const [xin, padding] = applyPads(x, padsFor(x.shape.slice(2), k), 0);
      return [F.conv2d(xin, w, B ? T(B) : null, { stride: [strides[0], strides[1]], padding, dilation: [dilations[0], dilations[1]], groups: group })];
    };
  },
  ConvTranspose: (a, n) => {
    arity(n, 2, 3);
    const { strides, dilations, padsFor } = windowAttrs(a, n, false);
    const group = a.int("group", 1);
    const outputPadding = a.intsOf("output_padding", 2, [0, 0]);
    a.expect("output_shape", !a.has("output_shape"), "ConvTranspose with output_shape");
    a.expect("auto_pad", a.string("auto_pad", "NOTSET") === "NOTSET", "ConvTranspose with auto_pad");
    const [t, l, b, r] = padsFor([0, 0], [1, 1]);
    a.expect("pads", t === b && l === r, "ConvTranspose with asymmetric pads");
    return ([X, W, B]) => {
      const x = T(X!);
      need4d(x, n);
      return [F.convTranspose2d(x, T(W!), B ? T(B) : null, {
        stride: [strides[0], strides[1]], padding: [t, l], dilation: [dilations[0], dilations[1]], groups: group, outputPadding: [outputPadding[0], outputPadding[1]],
      })];
    };
  },
  MaxPool: (a, n) => {
    arity(n, 1, 1);
    const { kernel, strides, dilations, padsFor } = windowAttrs(a, n, true);
    const ceilMode = a.int("ceil_mode", 0) !== 0;
    a.expect("storage_order", a.int("storage_order", 0) === 0, "column-major storage_order");
    return ([X]) => {
      const x = T(X!);
      need4d(x, n);
      const [xin, padding] = applyPads(x, padsFor(x.shape.slice(2), kernel!), -Infinity);
      return [F.maxPool2d(xin, [kernel![0], kernel![1]], { stride: [strides[0], strides[1]], padding, dilation: [dilations[0], dilations[1]], ceilMode })];
    };
  },
  AveragePool: (a, n) => {
    arity(n, 1, 1);
    const { kernel, strides, dilations, padsFor } = windowAttrs(a, n, true);
    a.expect("dilations", dilations.every((d) => d === 1), "AveragePool with dilations");
    const ceilMode = a.int("ceil_mode", 0) !== 0;
    const countIncludePad = a.int("count_include_pad", 0) !== 0;
    return ([X]) => {
      const x = T(X!);
      need4d(x, n);
      const pads = padsFor(x.shape.slice(2), kernel!);
      const symmetric = pads[0] === pads[2] && pads[1] === pads[3];
      if (!symmetric && !countIncludePad) throw new OnnxError(`${n.where}: asymmetric pads without count_include_pad are not supported`);
      const [xin, padding] = applyPads(x, pads, 0);
      return [F.avgPool2d(xin, [kernel![0], kernel![1]], { stride: [strides[0], strides[1]], padding, ceilMode, countIncludePad })];
    };
  },
  GlobalAveragePool: (_a, n) => {
    arity(n, 1, 1);
    return ([X]) => {
      const x = T(X!);
      return [x.mean(x.shape.map((_, i) => i).slice(2), true)];
    };
  },
  GlobalMaxPool: (_a, n) => {
    arity(n, 1, 1);
    return ([X]) => {
      const x = T(X!);
      return [x.amax(x.shape.map((_, i) => i).slice(2), true)];
    };
  },
  BatchNormalization: (a, n) => {
    arity(n, 5, 5);
    const eps = a.float("epsilon", 1e-5);
    const momentum = a.float("momentum", 0.9);
    return ([X, scale, B, mean, variance], ctx) => [
      F.batchNorm(T(X!), T(mean!), T(variance!), T(scale!), T(B!), { training: ctx.training, momentum: 1 - momentum, eps }),
    ];
  },

  // shapes
  Shape: (a, n) => {
    arity(n, 1, 1);
    const start = a.int("start", 0);
    const end = a.has("end") ? a.int("end", 0) : undefined;
    return ([x]) => {
      const s = x!.shape;
      const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + s.length : i, 0), s.length);
      const dims = s.slice(clamp(start), end === undefined ? s.length : clamp(end));
      return [host("int", [dims.length], dims)];
    };
  },
  Size: (_a, n) => {
    arity(n, 1, 1);
    return ([x]) => [host("int", [], [numel(x!.shape)])];
  },
  Reshape: (a, n) => {
    arity(n, 2, 2);
    const allowZero = a.int("allowzero", 0) !== 0;
    return ([x, s]) => {
      const shape = intsOf(s!, `${n.where}: shape`).map((d, i) => (d === 0 && !allowZero ? x!.shape[i] : d));
      if (shape.some((d) => d === undefined || d < -1) || shape.filter((d) => d === -1).length > 1) {
        throw new OnnxError(`${n.where}: invalid target shape [${intsOf(s!, "shape").join(", ")}] for input [${x!.shape.join(", ")}]`);
      }
      if (isHost(x!)) {
        const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
        const full = shape.map((d) => (d === -1 ? numel(x.shape) / known : d));
        if (numel(full) !== numel(x.shape) || !full.every(Number.isInteger)) throw new OnnxError(`${n.where}: cannot reshape [${x.shape.join(", ")}] to [${shape.join(", ")}]`);
        return [host(x.kind, full, x.data)];
      }
      return [x!.reshape(shape)];
    };
  },
  Flatten: (a, n) => {
    arity(n, 1, 1);
    const axis = a.int("axis", 1);
    return ([x]) => {
      const s = x!.shape;
      const ax = axis < 0 ? axis + s.length : axis;
      if (ax < 0 || ax > s.length) throw new OnnxError(`${n.where}: axis ${axis} is out of range for rank ${s.length}`);
      return [reshapeVal(x!, [numel(s.slice(0, ax)), numel(s.slice(ax))])];
    };
  },
  Transpose: (a, n) => {
    arity(n, 1, 1);
    const perm = a.ints("perm");
    return ([x]) => {
      const t = T(x!);
      const p = perm ?? t.shape.map((_, i) => t.ndim - 1 - i);
      if (p.length !== t.ndim) throw new OnnxError(`${n.where}: perm [${p.join(", ")}] does not match rank ${t.ndim}`);
      return [t.permute(p)];
    };
  },
  Unsqueeze: (a, n) => {
    arity(n, 1, n.opset >= 13 ? 2 : 1);
    const axesOf = axesFrom(a, n, 13, 1);
    return (inputs) => {
      const axes = axesOf(inputs);
      if (!axes) throw new OnnxError(`${n.where}: axes are required`);
      return [reshapeVal(inputs[0]!, unsqueezeShape(inputs[0]!.shape, axes, n))];
    };
  },
  Squeeze: (a, n) => {
    arity(n, 1, n.opset >= 13 ? 2 : 1);
    const axesOf = axesFrom(a, n, 13, 1);
    return (inputs) => [reshapeVal(inputs[0]!, squeezeShape(inputs[0]!.shape, axesOf(inputs), n))];
  },
  Concat: (a, n) => {
    arity(n, 1, 1 << 16);
    if (!a.has("axis")) throw new OnnxError(`${n.where}: attribute "axis" is required`);
    const axis = a.int("axis", 0);
    return (inputs) => {
      const xs = inputs as Val[];
      const ax = norm(axis, xs[0].shape.length, n.where);
      if (xs.every((v) => isHost(v)) && ax === 0 && xs.every((v) => v.shape.length === 1)) {
        const hs = xs as Host[];
        return [host(hs[0].kind, [hs.reduce((s, h) => s + h.shape[0], 0)], hs.flatMap((h) => Array.from(h.data)))];
      }
      return [cat(xs.map(T), ax)];
    };
  },
  Gather: (a, n) => {
    arity(n, 2, 2);
    const axis = a.int("axis", 0);
    return ([x, i]) => [gather(x!, i!, axis, n)];
  },
  GatherElements: (a, n) => {
    arity(n, 2, 2);
    const axis = a.int("axis", 0);
    return ([x, i]) => {
      const t = T(x!);
      const raw = T(i!).int();
      const ax = norm(axis, t.ndim, n.where);
      return [t.gather(ax, where(raw.lt(0), raw.add(t.shape[ax]), raw))];
    };
  },
  Slice: (a, n) => {
    const fromInputs = n.opset >= 10;
    arity(n, fromInputs ? 3 : 1, fromInputs ? 5 : 1);
    const attrStarts = a.ints("starts"), attrEnds = a.ints("ends"), attrAxes = a.ints("axes");
    if (!fromInputs && (!attrStarts || !attrEnds)) throw new OnnxError(`${n.where}: attributes "starts" and "ends" are required`);
    return ([x, s, e, ax, st]) => {
      const starts = fromInputs ? intsOf(s!, `${n.where}: starts`) : attrStarts!;
      const ends = fromInputs ? intsOf(e!, `${n.where}: ends`) : attrEnds!;
      const axes = fromInputs ? (ax ? intsOf(ax, `${n.where}: axes`) : undefined) : attrAxes;
      const steps = fromInputs && st ? intsOf(st, `${n.where}: steps`) : starts.map(() => 1);
      if (ends.length !== starts.length || steps.length !== starts.length || (axes && axes.length !== starts.length)) throw new OnnxError(`${n.where}: starts, ends, axes and steps must have the same length`);
      const rank = x!.shape.length;
      if (isHost(x!) && rank === 1 && steps.every((v) => v === 1)) {
        const [b, f] = sliceBounds(x.shape[0], starts[0], ends[0]);
        return [host(x.kind, [f - b], x.data.slice(b, f))];
      }
      let t = T(x!);
      starts.forEach((start, k) => {
        const d = norm(axes ? axes[k] : k, rank, n.where);
        if (!(steps[k] > 0)) throw new OnnxError(`${n.where}: only positive steps are supported, got ${steps[k]}`);
        const [b, f] = sliceBounds(t.shape[d], start, ends[k]);
        // a step past the size takes one element, as the size itself does (and stays in int32)
        t = t.slice(d, b, f, Math.min(steps[k], Math.max(1, t.shape[d])));
      });
      return [t];
    };
  },
  Pad: (a, n) => {
    // opset 11+: pads (and the fill value, and from 18 the axes) are inputs; before: attributes
    const fromInputs = n.opset >= 11;
    arity(n, fromInputs ? 2 : 1, fromInputs ? 4 : 1);
    const mode = a.choice("mode", ["constant", "reflect", "edge", "wrap"] as const, "constant");
    const attrPads = a.ints("pads");
    const attrValue = a.float("value", 0);
    if (!fromInputs && !attrPads) throw new OnnxError(`${n.where}: attribute "pads" is required`);
    return ([x, p, v, ax]) => {
      const t = T(x!);
      const pads = fromInputs ? intsOf(p!, `${n.where}: pads`) : attrPads!;
      const axes = ax ? intsOf(ax, `${n.where}: axes`).map((d) => norm(d, t.ndim, n.where)) : t.shape.map((_, i) => i);
      if (pads.length !== 2 * axes.length) throw new OnnxError(`${n.where}: pads [${pads.join(", ")}] should have ${2 * axes.length} values`);
      // ONNX lists all begins then all ends, first dim first; F.pad takes (begin, end) pairs, last dim first
      const list: number[] = [];
      for (let d = t.ndim - 1; d >= 0; d--) {
        const k = axes.indexOf(d);
        list.push(k < 0 ? 0 : pads[k], k < 0 ? 0 : pads[k + axes.length]);
      }
      while (list.length > 2 && list[list.length - 1] === 0 && list[list.length - 2] === 0) list.length -= 2;
      const value = fromInputs ? (v ? scalarOf(v, `${n.where}: constant_value`) : 0) : attrValue;
      const m = mode === "constant" ? "constant" : mode === "reflect" ? "reflect" : mode === "edge" ? "replicate" : "circular";
      if (m === "constant") return [F.pad(t, list, m, value)];
      // negative pads crop: slice first, then pad what is left to pad
      let cropped = t;
      for (let i = 0; i < list.length / 2; i++) {
        const d = t.ndim - 1 - i;
        const [b, e] = [list[2 * i], list[2 * i + 1]];
        if (b < 0 || e < 0) cropped = cropped.slice(d, Math.max(0, -b), cropped.shape[d] - Math.max(0, -e));
      }
      return [F.pad(cropped, list.map((p) => Math.max(0, p)), m)];
    };
  },
  Expand: (_a, n) => {
    arity(n, 2, 2);
    return ([x, s]) => {
      const t = T(x!);
      return [t.expand(broadcastShapes(t.shape, intsOf(s!, `${n.where}: shape`), n.where))];
    };
  },

  // reductions
  ReduceMean: reduceOp((x, d, k) => x.mean(d, k), 18),
  ReduceSum: reduceOp((x, d, k) => x.sum(d, k), 13),
  ReduceMax: reduceOp((x, d, k) => x.amax(d, k), 18),
  ReduceMin: reduceOp((x, d, k) => x.amin(d, k), 18),
  ReduceProd: reduceOp((x, d, k) => d.reduce((acc, dim, i) => acc.prod(dim - (k ? 0 : i), k), x), 18),
  ReduceLogSumExp: reduceOp((x, d, k) => x.logsumexp(d, k), 18),
  ArgMax: argOp(true),
  ArgMin: argOp(false),
};

function softmaxOp(log: boolean): Compile {
  return (a, n) => {
    arity(n, 1, 1);
    // Before opset 13, (Log)Softmax flattens the input to 2-D at axis (default 1) and normalises rows.
    const axis = a.int("axis", n.opset >= 13 ? -1 : 1);
    return ([X]) => {
      const x = T(X!);
      const f = (t: Tensor, d: number) => (log ? t.logSoftmax(d) : t.softmax(d));
      if (n.opset >= 13) return [f(x, norm(axis, x.ndim, n.where))];
      const ax = axis < 0 ? axis + x.ndim : axis;
      if (ax < 0 || ax > x.ndim) throw new OnnxError(`${n.where}: axis ${axis} is out of range for rank ${x.ndim}`);
      return [f(x.reshape([numel(x.shape.slice(0, ax)), numel(x.shape.slice(ax))]), 1).reshape(x.shape)];
    };
  };
}

function argOp(max: boolean): Compile {
  return (a, n) => {
    arity(n, 1, 1);
    const axis = a.int("axis", 0);
    const keep = a.int("keepdims", 1) !== 0;
    a.expect("select_last_index", a.int("select_last_index", 0) === 0, "select_last_index");
    return ([X]) => {
      const x = T(X!);
      const d = norm(axis, x.ndim, n.where);
      return [max ? x.argmax(d, keep) : x.argmin(d, keep)];
    };
  };
}
