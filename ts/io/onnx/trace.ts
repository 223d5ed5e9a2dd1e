// Tracing a forward pass into an ONNX graph, as torch.onnx.export traces one.
//
// Every Kindling op, whether a Tensor method, a kd.* function or an nn.functional form, reaches
// the engine through its C ABI (crates/wasm). While an export runs, the Tracer wraps those ABI
// functions (the engine's dispatcher, where torch's tracer sits too) and records each op that
// takes a traced tensor as an ONNX node. A tensor is identified by its engine handle, which is
// one-to-one with Tensor objects. Known layers are recorded one level up, as one node each
// (export.ts wraps their forward); the ops inside them are then not recorded. Nothing is
// wrapped outside an export, so the hot path pays nothing.
//
// Problems found while recording (an op ONNX cannot express, a reshape a dynamic batch cannot
// follow) do not throw inside the engine call: the result is marked opaque with the reason,
// and using it in the graph, or returning it, raises one OnnxError that names the op.
import { abi, getEngine, scratch, type Abi } from "../../runtime/abi.js";
import { DTYPES, dtypeSize, type DType } from "../../dtype.js";
import { OnnxError } from "../../errors.js";
import { attributeProto, DataType, tensorProto, type AttributeProto, type NodeProto, type TensorProto } from "./proto.js";
import { writeTensor } from "./tensor_data.js";
import { SECOND_OUTPUT, TRACED } from "../../generated/abi.js";

/** A value of the graph being built: an input, an initializer or a node output. */
export interface Value {
  name: string;
  shape: number[];
  dtype: DType;
  /** Which dim is the (dynamic) batch, or -1. */
  batch: number;
  /** Set when the value cannot be exported: what made it and why. */
  opaque?: string;
}

export type Attr = number | number[] | string | { floats: number[] } | { float: number } | TensorProto;

export const ONNX_TYPE: Record<DType, number> = {
  float32: DataType.FLOAT, int32: DataType.INT32, bool: DataType.BOOL, uint8: DataType.UINT8, int8: DataType.INT8,
  int64: DataType.INT64, float64: DataType.DOUBLE, float16: DataType.FLOAT16,
};

/** Thrown inside a recording (an opaque input, an op ONNX cannot express): the output is marked opaque with the reason. */
export class Unexportable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** How one ABI op is recorded: which args are input handles, scratch read before the call, the recording. */
export interface OpRecorder {
  inputs(args: number[], pre: number[]): number[];
  /** Scratch contents the call reads (sizes, dims, handles), captured before the call. */
  pre?(args: number[]): number[];
  record(t: Tracer, args: number[], out: number, pre: number[]): void;
}

export class Tracer {
  /** Engine handle -> graph value. */
  readonly values = new Map<number, Value>();
  /** Parameter and buffer handles -> state dict keys (initializers, created on first use). */
  readonly params = new Map<number, string>();
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly #names = new Set<string>();
  /** The next suffix to try for each base name. */
  readonly #next = new Map<string, number>();
  /** > 0 inside a layer recorded as one node: the ops it runs are not recorded. */
  depth = 0;
  /** True while the tracer itself calls the engine (reading a constant's data). */
  #busy = false;
  readonly scope: string[] = [];
  #orig: Partial<Abi> = {};
  #constants = 0;
  readonly unaryNames: string[] = [];
  readonly binaryNames: string[] = [];
  readonly reduceNames: string[] = [];

  constructor(readonly opset: number, readonly dynamicBatch: boolean, readonly recorders: Record<string, OpRecorder>) {
    const ops = getEngine().ops;
    for (const [fam, list] of [["unary", this.unaryNames], ["binary", this.binaryNames], ["reduce", this.reduceNames]] as const) {
      for (const [name, code] of Object.entries(ops[fam] ?? {})) list[code] = name;
    }
  }

  // ---- installing and removing the ABI hooks --------------------------------------------

  install(): void {
    const a = abi() as unknown as Record<string, unknown>;
    for (const [key, fn] of Object.entries(a)) {
      if (!TRACED.has(key) || typeof fn !== "function") continue;
      const f = fn as (...args: number[]) => number;
      (this.#orig as Record<string, unknown>)[key] = f;
      a[key] = (...args: number[]) => this.#call(key, f, args);
    }
  }

  uninstall(): void {
    Object.assign(abi(), this.#orig);
    this.#orig = {};
  }

  /** The engine's own function, bypassing the hooks. */
  #raw<K extends keyof Abi>(key: K): Abi[K] {
    return ((this.#orig as Abi)[key] ?? abi()[key]) as Abi[K];
  }

  #call(key: string, fn: (...args: number[]) => number, args: number[]): number {
    if (key === "kd_release") {
      const r = fn(...args);
      this.values.delete(args[0]);
      return r;
    }
    if (key === "kd_copy_") return this.#copy(fn, args);
    const rec = this.recorders[key];
    const pre = this.depth === 0 && !this.#busy && rec?.pre ? rec.pre(args) : [];
    const out = fn(...args);
    if (out === 0) return out;
    const second = SECOND_OUTPUT.has(key) ? scratch()[0] : 0;
    // A new handle may reuse a released one: whatever it was, it is not that value any more.
    this.values.delete(out);
    if (second) this.values.delete(second);
    if (this.depth > 0 || this.#busy) return out;
    this.#busy = true;
    try {
      const name = key.slice(3);
      if (!rec) {
        this.values.set(out, this.opaque(out, `the op "${name}" has no ONNX export`));
      } else {
        const inputs = rec.inputs(args, pre);
        // Ops on constants only (no input, parameter or traced value among their inputs) stay constants.
        if (inputs.some((h) => this.isTraced(h))) this.#record(rec, args, out, pre, name);
      }
      if (second) this.values.set(second, this.opaque(second, key === "kd_max_pool2d" ? "the indices of max_pool2d (returnIndices) have no ONNX export" : `the indices of ${name} have no ONNX export`));
    } finally {
      this.#busy = false;
    }
    // Restore scratch[0] for callers that read a second handle from it (recording may have used scratch).
    if (second) scratch()[0] = second;
    return out;
  }

  #record(rec: OpRecorder, args: number[], out: number, pre: number[], name: string): void {
    try {
      rec.record(this, args, out, pre);
    } catch (e) {
      const reason = e instanceof Unexportable ? e.reason : `recording "${name}" failed: ${(e as Error).message}`;
      this.values.set(out, this.opaque(out, reason));
    }
  }

  /** In-place copy: the destination now holds the source's value (or a constant). */
  #copy(fn: (...args: number[]) => number, args: number[]): number {
    const [dst, src] = args;
    const r = fn(...args);
    if (r === 0 || this.depth > 0 || this.#busy) return r;
    this.#busy = true;
    try {
      if (!this.isTraced(src)) {
        this.values.delete(dst);
      } else {
        const v = this.values.get(src) ?? this.#paramValue(src);
        const same = v && !v.opaque && v.dtype === this.dtypeOf(dst) && v.shape.join() === this.shapeOf(dst).join();
        this.values.set(dst, same ? v : this.opaque(dst, v?.opaque ?? "an in-place copy_ with broadcasting or a cast has no ONNX export"));
      }
    } finally {
      this.#busy = false;
    }
    return r;
  }

  // ---- values ---------------------------------------------------------------------------

  isTraced(h: number): boolean {
    return h !== 0 && (this.values.has(h) || this.params.has(h));
  }

  shapeOf(h: number): number[] {
    const n = this.#raw("kd_shape")(h);
    return Array.from(scratch().subarray(0, n));
  }

  dtypeOf(h: number): DType {
    return DTYPES[this.#raw("kd_dtype")(h)];
  }

  /** A handle's elements as storage bytes, row-major: every dtype exact (int64, float64, float16 bits). */
  bytesOf(h: number): Uint8Array {
    const c = this.#raw("kd_contiguous")(h);
    if (c === 0) throw new OnnxError("could not read a constant tensor while exporting");
    try {
      const n = this.shapeOf(c).reduce((a, b) => a * b, 1) * dtypeSize(this.dtypeOf(c));
      return n === 0 ? new Uint8Array(0) : new Uint8Array(abi().memory.buffer, this.#raw("kd_data_ptr")(c), n).slice();
    } finally {
      this.#raw("kd_release")(c);
    }
  }

  /** An initializer holding handle h's data bit-exact, as its dtype's ONNX data type. */
  #initializer(name: string, v: Value, h: number): void {
    this.initializers.push(tensorProto({ name, dataType: ONNX_TYPE[v.dtype], dims: [...v.shape], rawData: this.bytesOf(h) }));
  }

  opaque(h: number, reason: string): Value {
    return { name: "", shape: this.shapeOf(h), dtype: this.dtypeOf(h), batch: -1, opaque: reason };
  }

  #paramValue(h: number): Value | undefined {
    const key = this.params.get(h);
    if (key === undefined) return undefined;
    const v: Value = { name: key, shape: this.shapeOf(h), dtype: this.dtypeOf(h), batch: -1 };
    this.#initializer(key, v, h);
    this.#names.add(key);
    this.values.set(h, v);
    return v;
  }

  /**
   * The graph value of an op's input handle: a traced value, a parameter (an initializer named
   * by its state dict key) or a constant (an initializer with the data it holds now).
   */
  input(h: number): Value {
    const v = this.values.get(h) ?? this.#paramValue(h);
    if (v) {
      if (v.opaque) throw new Unexportable(v.opaque);
      return v;
    }
    const shape = this.shapeOf(h);
    const dtype = this.dtypeOf(h);
    const c: Value = { name: this.unique(`onnx::Constant_${this.#constants++}`), shape, dtype, batch: -1 };
    this.#initializer(c.name, c, h);
    this.values.set(h, c);
    return c;
  }

  /** Sets a handle's value: the output `name` of a node (its shape and dtype read from the engine). */
  define(h: number, name: string, batch: number): Value {
    const v: Value = { name, shape: this.shapeOf(h), dtype: this.dtypeOf(h), batch };
    this.values.set(h, v);
    return v;
  }

  /** The handle holds the same value as `v` (views, copies, detach). */
  alias(h: number, v: Value): void {
    this.values.set(h, v);
  }

  // ---- nodes and initializers ------------------------------------------------------------

  unique(base: string): string {
    let name = base;
    let i = this.#next.get(base) ?? 1;
    while (this.#names.has(name)) name = `${base}_${i++}`;
    this.#next.set(base, i);
    this.#names.add(name);
    return name;
  }

  /** Appends a node in the current scope; returns its output names. */
  node(opType: string, inputs: string[], attrs: Record<string, Attr | undefined> = {}, outputs = 1): string[] {
    const name = this.unique(`${this.scope.join("")}/${opType}`);
    const out = Array.from({ length: outputs }, (_, i) => this.unique(`${name}_output_${i}`));
    const attribute: AttributeProto[] = [];
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) attribute.push(attr(k, v));
    this.nodes.push({ name, opType, input: inputs, output: out, attribute, domain: "" });
    return out;
  }

  /** One node with one output. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr | undefined> = {}): string {
    return this.node(opType, inputs, attrs)[0];
  }

  /** A new initializer holding data; returns its name. */
  constant(dtype: DType | "int64", shape: readonly number[], data: ArrayLike<number>): string {
    const name = this.unique(`onnx::Constant_${this.#constants++}`);
    const type = dtype === "int64" ? DataType.INT64 : ONNX_TYPE[dtype];
    this.initializers.push(writeTensor(name, type, shape, data));
    return name;
  }

  /** A 1-D int64 initializer (shapes, axes). */
  ints(values: readonly number[]): string {
    return this.constant("int64", [values.length], values);
  }

  /** A 0-d initializer. */
  scalar(value: number, dtype: DType): string {
    return this.constant(dtype, [], [value]);
  }

  /** `name` as dtype `to`, through a Cast node when it is not already. */
  cast(name: string, from: DType, to: DType): string {
    return from === to ? name : this.op("Cast", [name], { to: ONNX_TYPE[to] });
  }

  /** Raises the OnnxError for an opaque value (an output or a layer input). */
  static fail(v: Value, where: string): never {
    throw new OnnxError(`kd.onnx.exportModel: ${where} cannot be exported: ${v.opaque}`);
  }
}

function attr(name: string, v: Attr): AttributeProto {
  if (typeof v === "number") {
    return Number.isInteger(v) ? attributeProto({ name, type: 2, i: v }) : attributeProto({ name, type: 1, f: v });
  }
  if (typeof v === "string") return attributeProto({ name, type: 3, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return attributeProto({ name, type: 7, ints: v });
  if ("floats" in v) return attributeProto({ name, type: 6, floats: v.floats });
  if ("float" in v) return attributeProto({ name, type: 1, f: v.float });
  return attributeProto({ name, type: 4, t: v });
}
