// kd.onnx.exportModel / kd.onnx.save: a model's forward pass on an example input, traced into
// an ONNX file (as torch.onnx.export). Linear, Conv2d, BatchNorm1d/2d (eval) and Flatten are
// recorded as one node each (Gemm, Conv, BatchNormalization, Flatten); every other op, whether
// inside a layer (ReLU, MaxPool2d, Softmax...) or in a custom forward (add, matmul, cat,
// reshape...), is recorded where it reaches the engine (trace.ts, trace_ops.ts). Parameters and
// buffers become initializers named by their state dict keys.
import { noGrad } from "../../autograd.js";
import { DeviceError, OnnxError } from "../../errors.js";
import { Tensor } from "../../tensor.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/layers/linear.js";
import { Conv2d } from "../../nn/layers/conv.js";
import { BatchNorm } from "../../nn/layers/normalization.js";
import { Flatten } from "../../nn/layers/shape.js";
import { encodeModel, type NodeProto, type ValueInfoProto } from "./proto.js";
import { ONNX_TYPE, Tracer, Unexportable, type Value } from "./trace.js";
import { RECORDERS } from "./trace_ops.js";
import { writeFileAtomic } from "../atomic.js";

export interface ExportOptions {
  /** The ai.onnx opset to write, 13 to 21 (default 17, the newest python3-onnx 1.12 checks). */
  opset?: number;
  /** Graph input names (default "input", or "input_0", "input_1"... for several). */
  inputNames?: string[];
  /** Graph output names (default "output", or "output_0"...). */
  outputNames?: string[];
  /** Dim 0 of every input is a symbolic "batch_size", so the file runs on any batch size. */
  dynamicBatch?: boolean;
}

export const DEFAULT_OPSET = 17;
const MIN_OPSET = 13, MAX_OPSET = 21;

/** The IR version each opset shipped with (onnx/helper.py's VERSION_TABLE). */
const irVersionFor = (opset: number) => (opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10);

// ---- layers recorded as one node ----------------------------------------------------------

interface Converter {
  applies(m: Module, x: Value, t: Tracer): boolean;
  record(t: Tracer, m: Module, x: Value): string;
}

const param = (t: Tracer, p: Tensor | null) => (p ? t.input(p.handle).name : null);

const CONVERTERS: [abstract new (...a: never) => Module, Converter][] = [
  [Linear, {
    applies: (_m, x) => x.shape.length === 2,
    record(t, m, x) {
      const l = m as Linear;
      const w = param(t, l.weight)!, b = param(t, l.bias);
      return t.op("Gemm", [x.name, w, ...(b ? [b] : [])], { transB: 1 });
    },
  }],
  [Conv2d, {
    applies: (m, x) => (m as Conv2d).paddingMode === "zeros" && x.shape.length === 4,
    record(t, m, x) {
      const c = m as Conv2d;
      let pads: number[];
      if (c.padding === "valid") pads = [0, 0, 0, 0];
      else if (c.padding === "same") {
        // as F.conv2d: an odd total pads the extra row/column at the end
        const total = [0, 1].map((i) => c.dilation[i] * (c.kernelSize[i] - 1));
        const begin = total.map((v) => Math.floor(v / 2));
        pads = [...begin, total[0] - begin[0], total[1] - begin[1]];
      } else pads = [...c.padding, ...c.padding];
      const w = param(t, c.weight)!, b = param(t, c.bias);
      return t.op("Conv", [x.name, w, ...(b ? [b] : [])], {
        kernel_shape: [...c.kernelSize], strides: [...c.stride], pads, dilations: [...c.dilation], group: c.groups,
      });
    },
  }],
  [BatchNorm, {
    // eval mode with running statistics: an inference BatchNormalization
    applies: (m, x) => !m.training && (m as BatchNorm).runningMean !== null && (m as BatchNorm).runningVar !== null && x.shape.length >= 2,
    record(t, m, x) {
      const bn = m as BatchNorm;
      const C = bn.numFeatures;
      const scale = param(t, bn.weight) ?? t.constant("float32", [C], new Float32Array(C).fill(1));
      const bias = param(t, bn.bias) ?? t.constant("float32", [C], new Float32Array(C));
      return t.op("BatchNormalization", [x.name, scale, bias, param(t, bn.runningMean)!, param(t, bn.runningVar)!], { epsilon: { float: bn.eps } });
    },
  }],
  [Flatten, {
    applies(m, x, t) {
      const f = m as Flatten;
      const n = x.shape.length;
      const s = f.startDim < 0 ? f.startDim + n : f.startDim;
      const e = f.endDim < 0 ? f.endDim + n : f.endDim;
      return n >= 2 && s === 1 && e === n - 1 && (!t.dynamicBatch || x.batch <= 0);
    },
    record: (t, _m, x) => t.op("Flatten", [x.name], { axis: 1 }),
  }],
];

function converterFor(m: Module): Converter | undefined {
  return CONVERTERS.find(([cls]) => m instanceof cls)?.[1];
}

/**
 * Wraps every submodule's forward for the trace: the module path becomes the node names' scope
 * ("/block1/block1.0/Conv", as torch names them), and known layers are recorded as one node.
 * Returns the function that restores them.
 */
function wrapModules(t: Tracer, model: Module): () => void {
  const restore: (() => void)[] = [];
  for (const [path, m] of model.namedModules()) {
    const own = Object.getOwnPropertyDescriptor(m, "forward");
    const original = m.forward;
    const conv = converterFor(m);
    const forward = (...args: unknown[]) => {
      if (path) t.scope.push(`/${path}`);
      try {
        const x = args[0];
        const xv = x instanceof Tensor && !x.isDisposed ? t.values.get(x.handle) : undefined;
        if (!conv || t.depth > 0 || args.length !== 1 || !xv || xv.opaque || !conv.applies(m, xv, t)) return original.apply(m, args);
        t.depth++;
        let y: unknown;
        try {
          y = original.apply(m, args);
        } finally {
          t.depth--;
        }
        if (!(y instanceof Tensor)) return y;
        try {
          t.define(y.handle, conv.record(t, m, xv), xv.batch === 0 ? 0 : -1);
        } catch (e) {
          if (!(e instanceof Unexportable)) throw e;
          t.values.set(y.handle, t.opaque(y.handle, e.reason));
        }
        return y;
      } finally {
        if (path) t.scope.pop();
      }
    };
    Object.defineProperty(m, "forward", { value: forward, configurable: true, writable: true, enumerable: false });
    restore.push(() => {
      if (own) Object.defineProperty(m, "forward", own);
      else delete (m as { forward?: unknown }).forward;
    });
  }
  return () => restore.forEach((r) => r());
}

// ---- export -------------------------------------------------------------------------------

function names(given: string[] | undefined, n: number, base: string): string[] {
  if (given === undefined) return n === 1 ? [base] : Array.from({ length: n }, (_, i) => `${base}_${i}`);
  if (!Array.isArray(given) || given.length !== n || !given.every((s) => typeof s === "string" && s !== "")) {
    throw new OnnxError(`${base}Names must be ${n} non-empty string(s), got ${JSON.stringify(given)}`);
  }
  if (new Set(given).size !== n) throw new OnnxError(`${base}Names must be distinct, got ${JSON.stringify(given)}`);
  return given;
}

function valueInfo(name: string, v: Pick<Value, "dtype" | "shape" | "batch">): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ONNX_TYPE[v.dtype], shape: { dim: v.shape.map((d, i) => (i === v.batch ? { dimParam: "batch_size" } : { dimValue: d })) } } },
  };
}

/**
 * Traces model.forward(...exampleInput) into an ONNX model and returns the .onnx file's bytes.
 * The model runs in eval mode during the trace (its modes are restored afterwards), without
 * autograd. Ops with no ONNX form raise an OnnxError that names them.
 *   const bytes = kd.onnx.exportModel(model, kd.randn([1, 1, 28, 28]), { dynamicBatch: true });
 */
export function exportModel(model: Module, exampleInput: Tensor | Tensor[], opts: ExportOptions = {}): Uint8Array {
  if (!(model instanceof Module)) throw new OnnxError(`exportModel(): expected an nn.Module, got ${(model as object)?.constructor?.name ?? typeof model}`);
  const examples = exampleInput instanceof Tensor ? [exampleInput] : exampleInput;
  if (!Array.isArray(examples) || examples.length === 0 || !examples.every((x) => x instanceof Tensor)) {
    throw new OnnxError("exportModel(): exampleInput must be a Tensor or a non-empty array of Tensors");
  }
  // The trace runs forward on the engine and reads constants as it goes: a CPU-side pass.
  const elsewhere = [...model.namedParameters(), ...model.namedBuffers(), ...examples.map((x, i) => [`input ${i}`, x] as const)].find(([, x]) => x.device !== "cpu");
  if (elsewhere) throw new DeviceError(`exportModel() traces on the CPU, but ${elsewhere[0]} is on ${elsewhere[1].device}: call model.to("cpu") (and move the inputs) first`);
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) throw new OnnxError(`exportModel(): opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${opset}`);
  const inputNames = names(opts.inputNames, examples.length, "input");
  const dynamicBatch = opts.dynamicBatch ?? false;
  if (dynamicBatch && examples.some((x) => x.ndim === 0)) throw new OnnxError("exportModel(): dynamicBatch needs inputs with a batch dim (dim 0)");

  const t = new Tracer(opset, dynamicBatch, RECORDERS);
  for (const [key, p] of model.namedParameters()) t.params.set(p.handle, key);
  for (const [key, b] of model.namedBuffers()) if (!t.params.has(b.handle)) t.params.set(b.handle, key);
  // Fresh handles for the inputs, so one tensor passed twice is still two graph inputs.
  const inputs = examples.map((x) => x.detach());
  const inputValues = inputs.map((x, i): Value => {
    if (t.unique(inputNames[i]) !== inputNames[i]) throw new OnnxError(`exportModel(): input name "${inputNames[i]}" is taken by a parameter`);
    const v: Value = { name: inputNames[i], shape: [...x.shape], dtype: x.dtype, batch: dynamicBatch ? 0 : -1 };
    t.values.set(x.handle, v);
    return v;
  });
  for (const key of t.params.values()) t.unique(key); // reserve the state dict keys

  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  const unwrap = wrapModules(t, model);
  let result: unknown;
  t.install();
  try {
    result = noGrad(() => model.forward(...inputs));
  } finally {
    t.uninstall();
    unwrap();
    for (const [m, training] of modes) m.training = training;
  }
  try {
    return encodeModel(assemble(t, model, result, inputValues, opts.outputNames, opset));
  } finally {
    for (const x of inputs) x.dispose();
    // the outputs are ours to free, unless forward returned an input, a parameter or a buffer
    for (const y of Array.isArray(result) ? result : [result]) {
      if (y instanceof Tensor && !y.isDisposed && !examples.includes(y) && !t.params.has(y.handle)) y.dispose();
    }
  }
}

function outputsOf(result: unknown): Tensor[] {
  if (result instanceof Tensor) return [result];
  if (Array.isArray(result) && result.length > 0 && result.every((y) => y instanceof Tensor)) return result;
  throw new OnnxError(`exportModel(): forward must return a Tensor or an array of Tensors, got ${(result as object)?.constructor?.name ?? typeof result}`);
}

/** The ModelProto: outputs named, unused nodes and initializers dropped. */
function assemble(t: Tracer, model: Module, result: unknown, inputs: Value[], givenOutputNames: string[] | undefined, opset: number) {
  const outs = outputsOf(result);
  const outputNames = names(givenOutputNames, outs.length, "output");
  const outValues = outs.map((y, i) => {
    if (y.isDisposed) throw new OnnxError(`exportModel(): output ${i} was disposed inside forward`);
    const v = t.values.get(y.handle);
    if (v?.opaque) Tracer.fail(v, `output ${i} ("${outputNames[i]}")`);
    return v ?? t.input(y.handle); // a parameter or a constant
  });

  // Name the outputs: rename the producing node's output, or add an Identity where the value is
  // an input, an initializer, or already another output.
  const produced = new Set(t.nodes.flatMap((n) => n.output));
  const taken = new Set([...inputs.map((x) => x.name), ...t.params.values(), ...t.initializers.map((i) => i.name!), ...produced]);
  const rename = new Map<string, string>();
  const extra: NodeProto[] = [];
  outValues.forEach((v, i) => {
    const name = outputNames[i];
    if (taken.has(name)) throw new OnnxError(`exportModel(): output name "${name}" is already the name of an input, a parameter or another value of the graph`);
    if (produced.has(v.name) && !rename.has(v.name)) rename.set(v.name, name);
    else extra.push({ name: `/${name}/Identity`, opType: "Identity", input: [rename.get(v.name) ?? v.name], output: [name], attribute: [], domain: "" });
  });
  const nodes = [...t.nodes, ...extra].map((n) => ({ ...n, input: n.input.map((s) => rename.get(s) ?? s), output: n.output.map((s) => rename.get(s) ?? s) }));

  // Keep what the outputs need.
  const needed = new Set(outputNames);
  const kept: NodeProto[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (!nodes[i].output.some((o) => needed.has(o))) continue;
    kept.push(nodes[i]);
    for (const s of nodes[i].input) if (s) needed.add(s);
  }
  kept.reverse();

  return {
    irVersion: irVersionFor(opset),
    producerName: "kindling",
    opsetImport: [{ domain: "", version: opset }],
    metadataProps: [],
    graph: {
      name: model.constructor.name,
      node: kept,
      initializer: t.initializers.filter((init) => needed.has(init.name!)),
      input: inputs.map((v) => valueInfo(v.name, v)),
      output: outValues.map((v, i) => valueInfo(outputNames[i], v)),
      valueInfo: [],
    },
  };
}

const isNode = () => typeof process !== "undefined" && !!process.versions?.node;

/**
 * Exports the model (as exportModel) to a .onnx file. Node: to `path`, through a temporary file
 * and a rename, so a crash never leaves half a file. Without a path: a Blob (browsers).
 */
export async function save(model: Module, exampleInput: Tensor | Tensor[], path?: string, opts: ExportOptions = {}): Promise<Blob | void> {
  const bytes = exportModel(model, exampleInput, opts);
  if (path === undefined) return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" });
  if (!isNode()) throw new OnnxError("saving to a path needs Node; call kd.onnx.save(model, input) for a Blob");
  await writeFileAtomic(path, bytes);
}
