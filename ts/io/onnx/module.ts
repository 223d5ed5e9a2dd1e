// kd.onnx.load / kd.onnx.importModel: an ONNX model as a Kindling nn.Module. Its float
// initializers become Parameters (of their own dtype: float32, float64, float16) registered under their names ("features.0.weight" is the
// parameter weight of submodule 0 of submodule features, so stateDict() gives the same keys;
// BatchNormalization's statistics are buffers); forward runs the graph with Kindling's
// differentiable ops (ops.ts), so the model can be fine-tuned or partly frozen. Everything is
// checked at load: a malformed file, a missing value or initializer, an unsupported op (all of
// them listed in one error) or attribute raises an OnnxError before any parameter is created.
import { fromArray, fromBytes } from "../../creation.js";
import { DTypeError, KindlingError, OnnxError, ShapeError } from "../../errors.js";
import { tidy } from "../../memory.js";
import { Tensor } from "../../tensor.js";
import { Module, Parameter } from "../../nn/module.js";
import type { DType } from "../../dtype.js";
import { readSource, type Source } from "../stores.js";
import { NodeAttrs } from "./attributes.js";
import { OPS, type NodeInfo, type Run } from "./ops.js";
import { DataType, dataTypeName, decodeModel, type ModelProto } from "./proto.js";
import { readTensor, type HostTensor } from "./tensor_data.js";
import { toTensor, type Host, type Val } from "./values.js";

export interface ImportOptions {
  /**
   * Values to return instead of the graph's outputs: the graph is cut there, and what only the
   * rest needed (nodes, weights) is left out. E.g. the input of the classifier's Gemm, to reuse
   * a network's features under a new head.
   */
  outputNames?: string[];
}

/** A graph node as the module lists it. */
export interface OnnxNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
}

/** A graph input: its dtype and shape (a string or null for a dynamic dim). */
export interface OnnxInput {
  name: string;
  dtype: DType;
  shape: (number | string | null)[] | null;
}

/** One level of dotted initializer names ("features" in "features.0.weight"). */
export class OnnxParameters extends Module {
  /** Its own weights with their shapes: "weight: [8, 1, 3, 3], bias: [8]". */
  override extraRepr(): string {
    const own = [...this.namedParameters({ recurse: false }), ...this.namedBuffers({ recurse: false })];
    return own.map(([k, t]) => `${k}: [${t.shape.join(", ")}]`).join(", ");
  }
}

const OPSET_DOMAINS = new Set(["", "ai.onnx"]);
const MIN_OPSET = 7;

const INPUT_DTYPES: Record<number, DType> = {
  [DataType.FLOAT]: "float32", [DataType.DOUBLE]: "float32", [DataType.FLOAT16]: "float32",
  [DataType.INT32]: "int32", [DataType.INT64]: "int32", [DataType.BOOL]: "bool",
};

interface Step {
  info: NodeInfo;
  run: Run;
}

/** Where an initializer lives in the module tree: read at each forward, so loadStateDict and reassignment take effect. */
interface WeightRef {
  name: string;
  owner: Module;
  key: string;
}

export class OnnxModule extends Module {
  /** The graph's input names (initializers excluded), in order. */
  readonly inputNames: string[];
  /** The values forward returns, in order. */
  readonly outputNames: string[];
  /** The ai.onnx opset the file declares. */
  readonly opset: number;
  /** What wrote the file ("pytorch 1.13.0"). */
  readonly producer: string;
  /** The nodes forward runs, in order. */
  readonly nodes: readonly OnnxNode[];
  #inputs: OnnxInput[];
  #steps: Step[];
  #weights: WeightRef[] = [];
  #constants = new Map<string, Host>();

  constructor(model: ModelProto, opts: ImportOptions = {}) {
    super();
    const g = model.graph;
    if (!g) throw new OnnxError("the model has no graph");
    const opsets = model.opsetImport.filter((o) => OPSET_DOMAINS.has(o.domain ?? ""));
    if (opsets.length === 0) throw new OnnxError("the model declares no ai.onnx opset (opset_import)");
    const opset = opsets[0].version ?? 0;
    if (!Number.isSafeInteger(opset) || opset < MIN_OPSET) throw new OnnxError(`opset ${opset} is not supported (Kindling imports opset ${MIN_OPSET} and later)`);
    this.opset = opset;
    this.producer = [model.producerName, model.producerVersion].filter(Boolean).join(" ");

    // Initializers: checked and decoded (nothing is registered until the whole graph checks out).
    const inits = new Map<string, HostTensor>();
    for (const [i, tp] of g.initializer.entries()) {
      if (!tp.name) throw new OnnxError(`initializer ${i} has no name`);
      if (inits.has(tp.name)) throw new OnnxError(`initializer "${tp.name}" is defined twice`);
      inits.set(tp.name, readTensor(tp, `initializer "${tp.name}"`));
    }

    // Inputs: graph inputs that are not initializers (older exporters list weights as inputs too).
    this.#inputs = [];
    for (const [i, vi] of g.input.entries()) {
      if (!vi.name) throw new OnnxError(`graph input ${i} has no name`);
      if (inits.has(vi.name)) continue;
      const tt = vi.type?.tensorType;
      if (!tt) throw new OnnxError(`graph input "${vi.name}" is not a tensor`);
      const dtype = INPUT_DTYPES[tt.elemType ?? 0];
      if (!dtype) throw new OnnxError(`graph input "${vi.name}" has type ${dataTypeName(tt.elemType)}, which Kindling cannot feed (float, int32, int64 or bool)`);
      const shape = tt.shape ? tt.shape.dim.map((d) => (d.dimValue !== undefined && d.dimValue > 0 ? d.dimValue : d.dimParam || null)) : null;
      this.#inputs.push({ name: vi.name, dtype, shape });
    }
    this.inputNames = this.#inputs.map((x) => x.name);
    if (new Set(this.inputNames).size !== this.inputNames.length) throw new OnnxError(`graph inputs repeat a name: ${this.inputNames.join(", ")}`);

    // Nodes: every input defined before use (by an input, an initializer or an earlier node).
    const defined = new Set<string>([...this.inputNames, ...inits.keys()]);
    const infos: NodeInfo[] = g.node.map((node, i) => {
      const opType = node.opType ?? "";
      const domain = node.domain ?? "";
      const name = node.name || `${opType || "node"}_${i}`;
      const info: NodeInfo = {
        name, opType: OPSET_DOMAINS.has(domain) ? opType : `${domain}.${opType}`,
        inputs: node.input, outputs: node.output, opset, where: `node "${name}" (${opType || "no op_type"})`,
      };
      if (!opType) throw new OnnxError(`${info.where}: has no op_type`);
      for (const s of node.input) {
        if (s && !defined.has(s)) {
          const later = g.node.slice(i + 1).some((n) => n.output.includes(s));
          throw new OnnxError(`${info.where}: input "${s}" is ${later ? "produced by a later node (the graph is not topologically sorted)" : "not a graph input, an initializer or a node output (missing initializer?)"}`);
        }
      }
      for (const s of node.output) {
        if (!s) continue;
        if (defined.has(s)) throw new OnnxError(`${info.where}: output "${s}" is already defined`);
        defined.add(s);
      }
      return info;
    });

    const outputs = opts.outputNames ?? g.output.map((o, i) => {
      if (!o.name) throw new OnnxError(`graph output ${i} has no name`);
      return o.name;
    });
    if (!Array.isArray(outputs) || outputs.length === 0) throw new OnnxError("the model has no outputs");
    for (const o of outputs) {
      if (typeof o !== "string" || !defined.has(o)) throw new OnnxError(`output "${o}" is not a value of the graph (graph inputs, initializers and node outputs)`);
    }
    this.outputNames = [...outputs];

    // Keep what the outputs need.
    const needed = new Set(outputs);
    const kept: NodeInfo[] = [];
    for (let i = infos.length - 1; i >= 0; i--) {
      if (!infos[i].outputs.some((o) => needed.has(o))) continue;
      kept.push(infos[i]);
      for (const s of infos[i].inputs) if (s) needed.add(s);
    }
    kept.reverse();

    const unsupported = [...new Set(kept.filter((n) => !Object.hasOwn(OPS, n.opType)).map((n) => n.opType))].sort();
    if (unsupported.length) {
      throw new OnnxError(`unsupported ONNX op${unsupported.length > 1 ? "s" : ""}: ${unsupported.join(", ")} (Kindling imports: ${Object.keys(OPS).sort().join(", ")})`);
    }
    const protoOf = new Map(infos.map((info, i) => [info, g.node[i]]));
    this.#steps = kept.map((info) => ({ info, run: OPS[info.opType](new NodeAttrs(protoOf.get(info)!, info.where), info) }));
    this.nodes = kept.map((n) => ({ name: n.name, opType: n.opType, inputs: [...n.inputs], outputs: [...n.outputs] }));

    // Only now create parameters (float), buffers (BatchNormalization statistics) and constants.
    const buffers = new Set(kept.filter((n) => n.opType === "BatchNormalization").flatMap((n) => n.inputs.slice(3, 5)));
    for (const [name, t] of inits) {
      if (!needed.has(name)) continue;
      if (t.kind !== "float") {
        this.#constants.set(name, { host: true, ...t });
        continue;
      }
      this.#register(name, t, buffers.has(name));
    }
  }

  /** Registers an initializer under its dotted name, or under a flat one when the name cannot be a module path. */
  #register(name: string, t: HostTensor, buffer: boolean): void {
    const free = (owner: Module, key: string) => key !== "" && !key.includes(".") && !(key in owner);
    const parts = name.split(".");
    let owner: Module = this;
    let ok = parts.every((p) => p !== "");
    for (const p of ok ? parts.slice(0, -1) : []) {
      const cur = (owner as unknown as Record<string, unknown>)[p];
      if (cur instanceof OnnxParameters) owner = cur;
      else if (free(owner, p)) {
        const m = new OnnxParameters();
        owner.addModule(p, m);
        owner = m;
      } else {
        ok = false;
        break;
      }
    }
    let key = parts[parts.length - 1];
    if (!ok || !free(owner, key)) {
      owner = this;
      const base = `onnx_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
      key = base;
      for (let i = 1; !free(this, key); i++) key = `${base}_${i}`;
    }
    // Each initializer keeps its dtype (float64 and float16 ones too, bit-exact); those two are
    // parameters that do not require grad, as autograd computes in float32.
    const dtype = t.dtype ?? "float32";
    const data = t.bytes ? fromBytes(t.shape, dtype, (dst) => dst.set(t.bytes!)) : fromArray(t.data, t.shape, "float32");
    if (buffer) owner.registerBuffer(key, data);
    else {
      owner.registerParameter(key, new Parameter(data, dtype === "float32"));
      data.dispose();
    }
    this.#weights.push({ name, owner, key });
  }

  /** The graph's inputs with their dtypes and declared shapes (forward checks the rank and every static dim but the batch dim 0). */
  get inputs(): readonly OnnxInput[] {
    return this.#inputs;
  }

  /** Runs the graph on the inputs (in inputNames order); returns its single output. */
  override forward(...inputs: Tensor[]): Tensor {
    if (this.outputNames.length !== 1) throw new OnnxError(`this graph has ${this.outputNames.length} outputs (${this.outputNames.join(", ")}): call forwardAll()`);
    return this.forwardAll(...inputs)[0];
  }

  /** Runs the graph; returns every output, in outputNames order. */
  forwardAll(...inputs: Tensor[]): Tensor[] {
    this.#checkInputs(inputs);
    return tidy(() => {
      const env = new Map<string, Val>();
      this.#inputs.forEach((x, i) => env.set(x.name, inputs[i]));
      for (const [name, c] of this.#constants) env.set(name, c);
      for (const w of this.#weights) {
        const v = (w.owner as unknown as Record<string, unknown>)[w.key];
        if (!(v instanceof Tensor)) throw new OnnxError(`weight "${w.name}" (${w.key}) was removed from the module`);
        env.set(w.name, v);
      }
      const ctx = { training: this.training };
      for (const { info, run } of this.#steps) {
        let outs: (Val | undefined)[];
        try {
          outs = run(info.inputs.map((s) => (s ? env.get(s) : undefined)), ctx);
        } catch (e) {
          if (e instanceof OnnxError && e.message.startsWith(info.where)) throw e;
          if (!(e instanceof KindlingError)) throw e;
          throw new OnnxError(`${info.where}: ${e.message}`, { cause: e });
        }
        info.outputs.forEach((o, i) => {
          if (o && outs[i] !== undefined) env.set(o, outs[i]!);
        });
      }
      return this.outputNames.map((o) => {
        const v = env.get(o);
        if (v === undefined) throw new OnnxError(`output "${o}" was not computed`);
        // a fresh handle, so the caller owns what it gets (an input or a weight passed through is not theirs)
        return v instanceof Tensor ? v.view(v.shape) : toTensor(v);
      });
    });
  }

  #checkInputs(inputs: Tensor[]): void {
    if (inputs.length !== this.#inputs.length) {
      throw new OnnxError(`forward() takes ${this.#inputs.length} input(s) (${this.inputNames.join(", ")}), got ${inputs.length}`);
    }
    inputs.forEach((x, i) => {
      const spec = this.#inputs[i];
      if (!(x instanceof Tensor)) throw new TypeError(`input "${spec.name}": expected a Tensor, got ${typeof x}`);
      if (x.dtype !== spec.dtype) throw new DTypeError(`input "${spec.name}": expected ${spec.dtype}, got ${x.dtype}`);
      // Dim 0 is not checked: exporters write the example's batch size there even when the
      // graph runs on any (a graph that does not names its failing node).
      if (spec.shape && (x.ndim !== spec.shape.length || spec.shape.some((d, k) => k > 0 && typeof d === "number" && d !== x.shape[k]))) {
        throw new ShapeError(`input "${spec.name}": expected shape [${spec.shape.map((d) => d ?? "?").join(", ")}], got [${x.shape.join(", ")}]`);
      }
    });
  }

  override extraRepr(): string {
    const counts = new Map<string, number>();
    for (const n of this.nodes) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
    const ops = [...counts].map(([k, v]) => (v > 1 ? `${k} x${v}` : k)).join(", ");
    return `inputs=[${this.inputNames.join(", ")}], outputs=[${this.outputNames.join(", ")}], opset=${this.opset}, nodes=${this.nodes.length} (${ops})`;
  }
}

/** An ONNX file's bytes as an OnnxModule (synchronous). */
export function importModel(bytes: Uint8Array | ArrayBuffer, opts: ImportOptions = {}): OnnxModule {
  const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(b instanceof Uint8Array)) throw new OnnxError(`importModel(): expected the file's bytes (Uint8Array or ArrayBuffer), got ${(bytes as object)?.constructor?.name ?? typeof bytes}`);
  if (b.length === 0) throw new OnnxError("importModel(): the file is empty");
  return new OnnxModule(decodeModel(b), opts);
}

/** Loads an ONNX model from a path (Node), a URL (fetch), "indexeddb://" / "opfs://", a file handle, bytes, or a Blob/File. */
export async function load(source: Source, opts: ImportOptions = {}): Promise<OnnxModule> {
  return importModel(await readSource(source, (msg) => new OnnxError(msg)), opts);
}


