// The Tensor: a handle to an engine tensor plus cached metadata. Every method is a thin call
// into the engine's C ABI; the op itself (dtype rules, broadcasting, kernels, errors) is
// defined once, in crates/engine.
import { allocFilled, call, check, deviceCopy, getEngine, hostCopy, intArg, scratchInts } from "./runtime/engine.js";
import { arrayFor, checkDType, DTYPES, dtypeCode, type AnyTypedArray, type DType } from "./dtype.js";
import { DeviceError, DisposedError, DTypeError, IndexError, ShapeError, ValueError } from "./errors.js";
import { formatTensor } from "./format.js";
import { checkOptions } from "./options.js";
import { disposedMessage, releasedByStepScope, retrack, stepGen, track, untrack, type Cell } from "./memory.js";
import { checkDevice, deviceCode, isDeviceName } from "./device.js";
import { flushChecks, flushChecksSync } from "./checks.js";
import { BINARY_OPS, UNARY_OPS } from "./generated/ops.js";

// The shipped types name Symbol.dispose (Tensor and Module are disposable); declared here as
// @types/node does, so a user project typechecks with its default lib (es2022) and
// skipLibCheck false, not only with lib esnext.disposable.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

export type Scalar = number | boolean;

/** Functions run each time a backward() returns; the engine has no callbacks into JS during backward. */
const afterBackward = new Set<() => void>();
/** Runs fn after every backward() from now on. */
export function onAfterBackward(fn: () => void): void {
  afterBackward.add(fn);
}
export type Device = "cpu" | "webgpu";
export type NestedArray = number | boolean | NestedArray[];
export type ShapeArg = number[] | readonly number[];
export interface ReduceOptions { dim?: number | number[]; keepdim?: boolean }
export interface VarOptions extends ReduceOptions { correction?: number; unbiased?: boolean }
/** A Python-style slice for `t.get(...)`: kd.slice(start, stop, step) or "start:stop:step". */
export interface Slice { start?: number | null; stop?: number | null; step?: number | null }
export type Index = number | string | Slice | null | Tensor;

/** Engine op code for a family and name (the engine's op table is the single list). */
export function opCode(family: string, name: string): number {
  const code = getEngine().ops[family]?.[name];
  if (code === undefined) throw new ValueError(`the engine has no ${family} op "${name}"`);
  return code;
}

/** Wraps a fresh engine handle (or throws the engine's error for 0). */
export function wrap(h: number): Tensor {
  return new Tensor(check(h));
}

const isInt32 = (x: number) => Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff;

// The elementwise op lists come from the engine's spec rows (ts/generated/ops.ts).
export { UNARY_OPS, BINARY_OPS };
type Camel<S extends string> = S extends `${infer A}_${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;
export type UnaryName = Camel<(typeof UNARY_OPS)[number]>;
type UnaryMethods = { [K in UnaryName]: () => Tensor };

export type BinaryName = Camel<(typeof BINARY_OPS)[number]>;
type BinaryMethods = { [K in BinaryName]: (other: Tensor | Scalar) => Tensor };

export const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export interface Tensor extends UnaryMethods, BinaryMethods {}

export class Tensor {
  #h: number;
  #shape?: readonly number[];
  #dtype?: DType;
  /** @internal The step scope's generation stamp (ts/memory.ts). */
  _gen = 0;
  /** @internal Its registration with the collector's backstop (ts/memory.ts). */
  _cell: Cell | null = null;

  /** Internal: use kd.tensor, kd.zeros... to create tensors. */
  constructor(handle: number) {
    this.#h = handle;
    track(this);
  }

  /** @internal The handle as it is (0 once disposed), without the step scope's stamp. */
  _raw(): number {
    return this.#h;
  }

  /** The engine handle; throws DisposedError after dispose(). */
  get handle(): number {
    if (this.#h === 0) throw new DisposedError(disposedMessage(this));
    if (this._gen < stepGen) this._gen = stepGen; // used in this step (ts/memory.ts)
    return this.#h;
  }

  get isDisposed(): boolean {
    return this.#h === 0;
  }

  /** Releases the engine memory now (views of it keep their storage alive). */
  dispose(): void {
    if (this.#h === 0) return;
    untrack(this);
    call.release(this.#h);
    this.#h = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get shape(): readonly number[] {
    const h = this.handle; // a DisposedError after dispose(), even with the shape cached
    if (!this.#shape) {
      this.#shape = Object.freeze(scratchInts(call.shape(h)));
    }
    return this.#shape;
  }

  /** t.size() is the shape; t.size(d) one dim (negative counts from the end). */
  size(): readonly number[];
  size(dim: number): number;
  size(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.shape;
    const n = this.ndim;
    if (dim < -n || dim >= n) throw new IndexError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
    return this.shape[dim < 0 ? dim + n : dim];
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.ndim;
  }

  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get dtype(): DType {
    const h = this.handle;
    this.#dtype ??= DTYPES[call.dtype(h)];
    return this.#dtype;
  }

  /** The device the storage lives on (the engine's device codes: 0 cpu, 1 webgpu). */
  get device(): Device {
    const code = call.device(this.handle);
    if (code === 0) return "cpu";
    if (code === 1) return "webgpu";
    throw new DeviceError(`tensor on engine device ${code}, which this build does not know`);
  }

  stride(): number[] {
    return scratchInts(call.strides(this.handle));
  }

  isContiguous(): boolean {
    return call.isContiguous(this.handle) === 1;
  }

  // ---- autograd -----------------------------------------------------------------------

  get requiresGrad(): boolean {
    return call.requiresGrad(this.handle) === 1;
  }

  set requiresGrad(on: boolean) {
    this.requiresGrad_(on);
  }

  /** Marks a leaf tensor as needing gradients (in place; returns this). */
  requiresGrad_(on = true): this {
    call.setRequiresGrad(this.handle, on);
    return this;
  }

  /** The accumulated gradient of a leaf (or a retained non-leaf), or null. */
  get grad(): Tensor | null {
    const h = call.grad(this.handle);
    return h === 0 ? null : new Tensor(h);
  }

  set grad(g: Tensor | null) {
    call.setGrad(this.handle, g ? g.handle : 0);
  }

  get isLeaf(): boolean {
    return call.isLeaf(this.handle) === 1;
  }

  /** The op that produced this tensor ({name: "MulBackward"}-like), or null for leaves. */
  get gradFn(): { name: string } | null {
    const n = call.gradFnName(this.handle);
    if (n === 0) return null;
    return { name: String.fromCharCode(...scratchInts(n)) };
  }

  /** Keep .grad on this non-leaf tensor during backward. */
  retainGrad(): void {
    call.retainGrad(this.handle);
  }

  /**
   * Backpropagates from this tensor: a scalar, or any shape with `gradient` of the same shape.
   * Saved tensors are freed afterwards unless retainGraph is true.
   */
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean } = {}): void {
    call.backward(this.handle, gradient ? gradient.handle : 0, !!opts.retainGraph);
    for (const f of [...afterBackward]) f(); // nn.Module's full backward hooks (ts/nn/backward_hooks.ts)
  }

  /** The same data with no autograd history. */
  detach(): Tensor {
    return wrap(call.detach(this.handle));
  }

  // ---- in place ------------------------------------------------------------------------

  /** Copies src (broadcast, cast) into this tensor's elements. */
  copy_(src: Tensor | Scalar): this {
    const s = src instanceof Tensor ? src : scalarTensor(src, this);
    try {
      call.copy_(this.handle, s.handle);
    } finally {
      if (s !== src) s.dispose();
    }
    return this;
  }

  /** this = f(this), written in place. */
  #inplace(result: Tensor): this {
    try {
      // As torch: the result must cast back to this dtype within its kind (no float into
      // int32, no number into bool).
      const kind = (d: DType) => (d === "bool" ? 0 : d === "float32" || d === "float64" || d === "float16" ? 2 : 1);
      if (kind(result.dtype) > kind(this.dtype)) {
        throw new DTypeError(`result type ${result.dtype} can't be cast to the desired output type ${this.dtype}`);
      }
      return this.copy_(result);
    } finally {
      result.dispose();
    }
  }

  fill_(value: Scalar): this { return this.copy_(value); }
  zero_(): this { return this.copy_(0); }
  add_(other: Tensor | Scalar, alpha = 1): this {
    if (alpha === 1) return this.#inplace(this.add(other));
    const scaled = other instanceof Tensor ? other.mul(alpha) : Number(other) * alpha;
    try { return this.#inplace(this.add(scaled)); } finally { if (scaled instanceof Tensor) scaled.dispose(); }
  }
  sub_(other: Tensor | Scalar, alpha = 1): this { return this.add_(other instanceof Tensor ? other : -Number(other), other instanceof Tensor ? -alpha : alpha); }
  mul_(other: Tensor | Scalar): this { return this.#inplace(this.mul(other)); }
  div_(other: Tensor | Scalar): this { return this.#inplace(this.div(other)); }
  clamp_(min?: number | null, max?: number | null): this { return this.#inplace(this.clamp(min, max)); }
  /** Fills with U(low, high) samples from the seeded generator (torch's numbers for a seed). */
  uniform_(low = 0, high = 1): this { return this.#inplace(wrap(call.randDist(0, low, high, this.shape))); }
  /** Fills with N(mean, std²) samples from the seeded generator (torch's numbers for a seed). */
  normal_(mean = 0, std = 1): this { return this.#inplace(wrap(call.randDist(1, mean, std, this.shape))); }
  /** Fills with 1 (probability p) or 0 from the seeded generator, as torch's bernoulli_(p). */
  bernoulli_(p = 0.5): this { return this.#inplace(wrap(call.randDist(2, p, 0, this.shape))); }

  // ---- reading ------------------------------------------------------------------------
  // One read path. A CPU tensor reads synchronously (a copy out of wasm memory); a tensor on an
  // asynchronous device reads only through the awaited forms (data, item, tolist, format), and
  // its sync forms throw a DeviceError naming the awaited one. Each read first reports the
  // data-dependent checks queued since the last one (ts/checks.ts).

  /** The elements in row-major order, as a new TypedArray (CPU only; use await t.data() anywhere). */
  dataSync(): AnyTypedArray {
    return this.#readSync("data");
  }

  /** The elements in row-major order, as a new TypedArray, on any device. */
  async data(): Promise<AnyTypedArray> {
    await flushChecks();
    if (this.device === "cpu") return this.#hostCopy();
    return deviceCopy(this.handle, this.dtype, this.numel());
  }

  /**
   * The value of a one-element tensor (CPU; use await t.itemAsync() anywhere): a number, or a
   * boolean for a bool tensor. Typed number, the common case; write `mask.item<boolean>()`
   * for a bool tensor (the type parameter is not checked against the dtype).
   */
  item<T extends number | boolean = number>(): T {
    this.#checkOne();
    return this.#scalar(this.#readSync("itemAsync")) as T;
  }

  /** The value of a one-element tensor, on any device (typed as item()). */
  async itemAsync<T extends number | boolean = number>(): Promise<T> {
    this.#checkOne();
    return this.#scalar(await this.data()) as T;
  }

  /** Nested arrays (numbers, or booleans for bool tensors), as torch's tolist() (CPU; await t.tolistAsync() anywhere). */
  tolist(): NestedArray {
    return this.#nest(this.#readSync("tolistAsync"));
  }

  /** tolist() on any device. */
  async tolistAsync(): Promise<NestedArray> {
    return this.#nest(await this.data());
  }

  /** torch's printed form; a tensor on an asynchronous device prints a placeholder (use await t.format()). */
  toString(): string {
    if (this.isDisposed) return releasedByStepScope(this) ? "tensor(<released by the step scope>)" : "tensor(<disposed>)";
    if (this.device !== "cpu") return `tensor(<${this.device}, shape [${this.shape.join(", ")}], ${this.dtype}: use await t.format() to print the values>)`;
    return formatTensor(this.dataSync(), this.shape, this.dtype, this.#gradInfo());
  }

  /** toString() on any device. */
  async format(): Promise<string> {
    if (this.isDisposed) return releasedByStepScope(this) ? "tensor(<released by the step scope>)" : "tensor(<disposed>)";
    return formatTensor(await this.data(), this.shape, this.dtype, this.#gradInfo());
  }

  /** What torch prints after the values: requires_grad=True or grad_fn=<...>. */
  #gradInfo(): { requiresGrad: boolean; gradFn: string | null } {
    return { requiresGrad: this.requiresGrad, gradFn: this.gradFn?.name ?? null };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  #readSync(asyncName: string): AnyTypedArray {
    const device = this.device;
    const what = asyncName === "data" ? "dataSync" : asyncName.replace(/Async$/, "");
    if (device !== "cpu") throw new DeviceError(`${what}() cannot read a ${device} tensor synchronously; use await t.${asyncName}()`);
    flushChecksSync();
    return this.#hostCopy();
  }

  /** A copy of a CPU tensor's elements out of wasm memory. */
  #hostCopy(): AnyTypedArray {
    return hostCopy(this.handle, this.dtype, this.numel());
  }

  #checkOne(): void {
    const n = this.numel();
    if (n !== 1) throw new ValueError(`a Tensor with ${n} elements cannot be converted to Scalar`);
  }

  #scalar(d: AnyTypedArray): number | boolean {
    return this.dtype === "bool" ? d[0] !== 0 : d[0];
  }

  #nest(d: AnyTypedArray): NestedArray {
    const isBool = this.dtype === "bool";
    const shape = this.shape;
    let i = 0;
    const rec = (dim: number): NestedArray => {
      if (dim === shape.length) {
        const v = d[i++];
        return isBool ? v !== 0 : v;
      }
      return Array.from({ length: shape[dim] }, () => rec(dim + 1));
    };
    return rec(0);
  }

  // ---- elementwise ----------------------------------------------------------------------

  /** Binary op by engine name, with a tensor or a number (an integer number stays int32). */
  binary(name: string, other: Tensor | Scalar, reverse = false): Tensor {
    const code = opCode("binary", name);
    if (other instanceof Tensor) {
      return reverse ? wrap(call.binary(code, other.handle, this.handle)) : wrap(call.binary(code, this.handle, other.handle));
    }
    if (typeof other === "boolean") {
      // A bool scalar is a bool operand, as in torch (bool tensor + True stays bool).
      const s = scalarTensor(other);
      try { return this.binary(name, s, reverse); } finally { s.dispose(); }
    }
    const v = other;
    if (typeof v !== "number") throw new TypeError(`${name}(): expected a Tensor or a number, got ${typeof other}`);
    if (name === "pow" && !reverse && this.dtype !== "float32" && this.dtype !== "float64" && isInt32(v) && v < 0) {
      throw new ValueError("Integers to negative integer powers are not allowed.");
    }
    // an int64 tensor takes any safe integer as an int64 scalar (torch's Python int)
    const isInt = this.dtype === "int64" ? Number.isSafeInteger(v) : isInt32(v);
    return wrap(call.binaryScalar(code, this.handle, v, isInt, reverse));
  }

  unary(name: string): Tensor {
    return wrap(call.unary(opCode("unary", name), this.handle));
  }

  /** other - this */
  rsub(other: Tensor | Scalar): Tensor {
    return this.binary("sub", other, true);
  }

  /** other / this */
  rdiv(other: Tensor | Scalar): Tensor {
    return this.binary("div", other, true);
  }

  /** Alias of sub / mul / div as torch names them. */
  subtract(o: Tensor | Scalar): Tensor { return this.sub(o); }
  multiply(o: Tensor | Scalar): Tensor { return this.mul(o); }
  divide(o: Tensor | Scalar): Tensor { return this.div(o); }
  negative(): Tensor { return this.neg(); }

  clamp(min?: number | null, max?: number | null): Tensor {
    const lo = min ?? NaN;
    const hi = max ?? NaN;
    return wrap(call.clamp(this.handle, lo, hi, min != null, max != null));
  }

  clip(min?: number | null, max?: number | null): Tensor {
    return this.clamp(min, max);
  }

  leakyRelu(negativeSlope = 0.01): Tensor {
    return wrap(call.leakyRelu(this.handle, negativeSlope));
  }

  /** GELU, exact (erf) or with approximate: "tanh". */
  gelu(approximate: "none" | "tanh" = "none"): Tensor {
    return this.unary(approximate === "tanh" ? "gelu_tanh" : "gelu");
  }

  // ---- reductions -----------------------------------------------------------------------

  /** Reduction by engine name. `dim` may be a number, a list, or an options object. */
  reduce(name: string, dim?: number | number[] | ReduceOptions | null, keepdim = false, correction = 1): Tensor {
    let dims: number | number[] | undefined | null = dim as number | number[] | undefined;
    if (dim !== null && typeof dim === "object" && !Array.isArray(dim)) {
      checkOptions(name, dim, name === "var" || name === "std" ? ["dim", "keepdim", "correction", "unbiased"] : ["dim", "keepdim"]);
      dims = dim.dim;
      keepdim = dim.keepdim ?? keepdim;
    }
    const list = dims == null ? null : Array.isArray(dims) ? dims : [dims];
    return wrap(call.reduce(opCode("reduce", name), this.handle, list, keepdim, correction));
  }

  sum(dim?: number | number[] | ReduceOptions | null, keepdim = false): Tensor { return this.reduce("sum", dim, keepdim); }
  mean(dim?: number | number[] | ReduceOptions | null, keepdim = false): Tensor { return this.reduce("mean", dim, keepdim); }
  prod(dim?: number | ReduceOptions | null, keepdim = false): Tensor { return this.reduce("prod", dim, keepdim); }
  amax(dim?: number | number[] | ReduceOptions | null, keepdim = false): Tensor { return this.reduce("amax", dim, keepdim); }
  amin(dim?: number | number[] | ReduceOptions | null, keepdim = false): Tensor { return this.reduce("amin", dim, keepdim); }
  argmax(dim?: number | ReduceOptions | null, keepdim = false): Tensor { return this.reduce("argmax", dim, keepdim); }
  argmin(dim?: number | ReduceOptions | null, keepdim = false): Tensor { return this.reduce("argmin", dim, keepdim); }
  all(dim?: number | number[] | ReduceOptions | null, keepdim = false): Tensor { return this.reduce("all", dim, keepdim); }
  any(dim?: number | number[] | ReduceOptions | null, keepdim = false): Tensor { return this.reduce("any", dim, keepdim); }
  logsumexp(dim: number | number[], keepdim = false): Tensor { return this.reduce("logsumexp", dim, keepdim); }
  countNonzero(dim?: number | number[] | null): Tensor { return this.reduce("count_nonzero", dim, false); }

  /** Variance with Bessel's correction by default (correction: 1), as torch.var. */
  var(dim?: number | number[] | VarOptions | null, keepdim = false): Tensor {
    return this.reduce("var", dim, keepdim, varCorrection(dim));
  }

  std(dim?: number | number[] | VarOptions | null, keepdim = false): Tensor {
    return this.reduce("std", dim, keepdim, varCorrection(dim));
  }

  /** t.max() is the largest element; t.max(dim) is {values, indices} along dim. */
  max(): Tensor;
  max(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number | { dim: number; keepdim?: boolean }, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? this.reduce("amax") : this.#extreme(dim, keepdim, true);
  }

  min(): Tensor;
  min(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number | { dim: number; keepdim?: boolean }, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? this.reduce("amin") : this.#extreme(dim, keepdim, false);
  }

  #extreme(dim: number | { dim: number; keepdim?: boolean }, keepdim: boolean, wantMax: boolean): { values: Tensor; indices: Tensor } {
    if (dim !== null && typeof dim === "object") {
      checkOptions(wantMax ? "max" : "min", dim, ["dim", "keepdim"]);
      keepdim = dim.keepdim ?? keepdim;
      dim = dim.dim;
    }
    const [v, i] = call.extremeDim(this.handle, intArg(dim, "dim"), keepdim, wantMax);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }

  // ---- linear algebra, softmax, casts ----------------------------------------------------

  matmul(other: Tensor): Tensor {
    return wrap(call.matmul(this.handle, other.handle));
  }

  /** 2-D matrix product (torch.mm): both operands must be matrices. */
  mm(other: Tensor): Tensor {
    if (this.ndim !== 2 || other.ndim !== 2) throw new ValueError(`mm(): expected 2-D tensors, got ${this.ndim}-D and ${other.ndim}-D`);
    return this.matmul(other);
  }

  softmax(dim: number): Tensor {
    return wrap(call.softmax(this.handle, intArg(dim, "dim"), false));
  }

  logSoftmax(dim: number): Tensor {
    return wrap(call.softmax(this.handle, intArg(dim, "dim"), true));
  }

  /**
   * A cast (`t.to("int32")`), a device move (`t.to("cpu")`), or both (`t.to({device, dtype})`):
   * a new tensor, as torch's out-of-place to(). An unavailable device is a DeviceError.
   */
  to(target: DType | Device | "float" | "int" | { device?: Device; dtype?: DType | "float" | "int" }): Tensor {
    if (target !== null && typeof target === "object") {
      const moved = target.device === undefined ? this.clone() : this.to(target.device);
      if (target.dtype === undefined) return moved;
      try { return moved.to(target.dtype); } finally { moved.dispose(); }
    }
    if (isDeviceName(target)) {
      const d = checkDevice(target);
      // same device: torch returns self; a copy keeps ownership simple here
      return d === this.device ? this.clone() : wrap(call.toDevice(this.handle, deviceCode(d)));
    }
    return wrap(call.cast(this.handle, dtypeCode(checkDType(target))));
  }

  /**
   * to() on any device pair: a GPU -> CPU move is a readback, so it is awaited
   * (`await t.toAsync("cpu")`); other moves and casts are to()'s.
   */
  async toAsync(target: DType | Device | "float" | "int" | { device?: Device; dtype?: DType | "float" | "int" }): Promise<Tensor> {
    const device = typeof target === "object" && target !== null ? target.device : isDeviceName(target) ? (target as Device) : undefined;
    if (device !== "cpu" || this.device === "cpu") return this.to(target);
    const values = await this.data();
    const dtype = this.dtype;
    const cpu = wrap(allocFilled(this.shape, dtype, (dst) => dst.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))));
    const dt = typeof target === "object" && target !== null ? target.dtype : undefined;
    if (dt === undefined) return cpu;
    try { return cpu.to(dt); } finally { cpu.dispose(); }
  }

  /** This tensor on the CPU (a copy, as to("cpu")). */
  cpu(): Tensor {
    return this.to("cpu");
  }

  /**
   * Internal (Module.to): gives this Tensor object a new engine handle in place, releasing the
   * old one, so that whoever holds the object (an optimizer holds Parameters) sees the moved
   * storage. Takes ownership of `handle`; the shape and dtype caches are reset.
   */
  _replaceHandle(handle: number): void {
    const old = this.handle;
    check(handle);
    this.#h = handle;
    this.#shape = undefined;
    this.#dtype = undefined;
    retrack(this);
    call.release(old);
  }

  float(): Tensor { return this.to("float32"); }
  int(): Tensor { return this.to("int32"); }
  bool(): Tensor { return this.to("bool"); }
  /** torch's int64, float64, float16, uint8 and int8 casts (storage dtypes: see ts/dtype.ts). */
  long(): Tensor { return this.to("int64"); }
  double(): Tensor { return this.to("float64"); }
  half(): Tensor { return this.to("float16"); }
  byte(): Tensor { return this.to("uint8"); }
  char(): Tensor { return this.to("int8"); }

  /**
   * torch's legacy type name: "torch.FloatTensor", "torch.IntTensor" or "torch.BoolTensor";
   * t.type("torch.IntTensor") (or a dtype) is a cast, as torch's t.type(name).
   */
  type(): string;
  type(to: string): Tensor;
  type(to?: string): string | Tensor {
    if (to === undefined) return TYPE_NAMES[this.dtype];
    const dtype = (Object.keys(TYPE_NAMES) as DType[]).find((d) => TYPE_NAMES[d] === to);
    if (dtype) return this.to(dtype);
    if (/^torch\.(Short|BFloat16)Tensor$/.test(to)) throw missingDType(`type("${to}")`, to, "torch.IntTensor or torch.FloatTensor", ".int() / .float()");
    return this.to(checkDType(to));
  }

  /** A contiguous copy with its own storage. */
  clone(): Tensor {
    return wrap(call.clone(this.handle));
  }

  contiguous(): Tensor {
    return wrap(call.contiguous(this.handle));
  }

  // ---- views and shape ops -----------------------------------------------------------------

  view(...shape: (number | ShapeArg)[]): Tensor {
    return wrap(call.view(this.handle, flatShape(shape)));
  }

  reshape(...shape: (number | ShapeArg)[]): Tensor {
    return wrap(call.reshape(this.handle, flatShape(shape)));
  }

  viewAs(other: Tensor): Tensor { return this.view(other.shape); }
  reshapeAs(other: Tensor): Tensor { return this.reshape(other.shape); }

  flatten(startDim = 0, endDim = -1): Tensor {
    const n = this.ndim;
    if (n === 0) return this.reshape([1]);
    const s = startDim < 0 ? startDim + n : startDim;
    const e = endDim < 0 ? endDim + n : endDim;
    if (s < 0 || s >= n || e < 0 || e >= n) throw new IndexError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${s < 0 || s >= n ? startDim : endDim})`);
    if (s > e) throw new ValueError("flatten() has invalid args: start_dim cannot come after end_dim");
    const sh = this.shape;
    const mid = sh.slice(s, e + 1).reduce((a, b) => a * b, 1);
    return this.reshape([...sh.slice(0, s), mid, ...sh.slice(e + 1)]);
  }

  /** Splits dim into the given sizes (one may be -1), as torch.unflatten. */
  unflatten(dim: number, sizes: ShapeArg): Tensor {
    const n = this.ndim;
    const d = dim < 0 ? dim + n : dim;
    if (d < 0 || d >= n) throw new IndexError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
    const sh = this.shape;
    return this.view([...sh.slice(0, d), ...sizes, ...sh.slice(d + 1)]);
  }

  permute(...dims: (number | ShapeArg)[]): Tensor {
    return wrap(call.permute(this.handle, flatShape(dims)));
  }

  transpose(dim0: number, dim1: number): Tensor {
    return wrap(call.transpose(this.handle, intArg(dim0, "dim"), intArg(dim1, "dim")));
  }

  /** Transpose of a matrix (t.t()); 0-D and 1-D tensors come back as they are. */
  t(): Tensor {
    if (this.ndim > 2) throw new ValueError(`t() expects a tensor with <= 2 dimensions, but self is ${this.ndim}D`);
    return this.ndim < 2 ? this.view(this.shape) : this.transpose(0, 1);
  }

  /** The dims in reverse order (torch's .T; a matrix's transpose). */
  get T(): Tensor {
    return this.permute(Array.from({ length: this.ndim }, (_, i) => this.ndim - 1 - i));
  }

  /** The last two dims swapped (torch's .mT). */
  get mT(): Tensor {
    return this.transpose(-2, -1);
  }

  unsqueeze(dim: number): Tensor {
    return wrap(call.unsqueeze(this.handle, intArg(dim, "dim")));
  }

  squeeze(dim?: number | number[]): Tensor {
    return wrap(call.squeeze(this.handle, dim === undefined ? null : Array.isArray(dim) ? dim : [dim]));
  }

  expand(...sizes: (number | ShapeArg)[]): Tensor {
    return wrap(call.expand(this.handle, flatShape(sizes)));
  }

  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }

  /** Python slice start:end:step along dim (a view). */
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    const big = 2 ** 52;
    // start/end may be any integer or ±Infinity (both clamp); NaN and fractions are errors.
    const bound = (x: number | null, what: string) => {
      if (x !== null && (typeof x !== "number" || !(Number.isInteger(x) || Math.abs(x) === Infinity))) throw new ValueError(`slice(): ${what} must be an integer or null, got ${x}`);
      return x;
    };
    bound(start, "start");
    bound(end, "end");
    if (typeof step !== "number" || !Number.isInteger(step)) throw new ValueError(`slice(): step must be an integer, got ${step}`);
    return wrap(call.slice(this.handle, intArg(dim, "dim"), start ?? 0, end ?? big, step));
  }

  /** length elements from start along dim (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    const size = this.size(dim);
    const s = start < 0 ? start + size : start;
    if (s < 0 || length < 0 || s + length > size) throw new IndexError(`start (${start}) + length (${length}) exceeds dimension size (${size}).`);
    return this.slice(dim, s, s + length);
  }

  /** The slice at index along dim, with dim removed (a view). */
  select(dim: number, index: number): Tensor {
    if (typeof index !== "number" || !Number.isInteger(index)) throw new ValueError(`select(): index must be an integer, got ${index}`);
    if (!Number.isSafeInteger(index)) throw new IndexError(`index ${index} is out of bounds for dimension ${dim} with size ${this.size(dim)}`);
    return wrap(call.select(this.handle, intArg(dim, "dim"), index));
  }

  /**
   * Indexing as t[...] in PyTorch: numbers select, "a:b:c" strings or kd.slice() objects
   * slice, null inserts a dim, "..." skips dims, an int32 or int64 tensor picks along a dim, a bool (or, deprecated, uint8) mask selects.
   */
  get(...indices: Index[]): Tensor {
    const consumes = (i: Index) => i !== null && i !== "...";
    const ellipsis = indices.filter((i) => i === "...").length;
    if (ellipsis > 1) throw new IndexError("an index can only have a single ellipsis ('...')");
    const used = indices.filter(consumes).length;
    if (used > this.ndim) throw new IndexError(`too many indices for tensor of dimension ${this.ndim}`);
    let cur: Tensor = this;
    let dim = 0;
    const step = (next: Tensor) => {
      if (cur !== this) cur.dispose();
      cur = next;
    };
    for (const idx of indices) {
      if (idx === "...") dim += this.ndim - used;
      else if (idx === null) step(cur.unsqueeze(dim++));
      else if (typeof idx === "number") step(cur.select(dim, idx));
      else if (idx instanceof Tensor) {
        if (idx.dtype === "bool" || idx.dtype === "uint8") {
          // t[mask]: the dims the mask covers become one, of the elements where it holds. A
          // uint8 mask is taken as torch 1.13 takes it: as a bool mask, with its deprecation warning.
          if (idx.dtype === "uint8") warnUint8Mask();
          const k = idx.ndim;
          const covered = cur.shape.slice(dim, dim + k);
          if (k === 0 || covered.length !== k || idx.shape.some((s, i) => s !== covered[i])) {
            throw new IndexError(`The shape of the mask [${idx.shape.join(", ")}] does not match the shape of the indexed tensor [${cur.shape.join(", ")}] at index ${dim}`);
          }
          const before = cur;
          const flat = k === 1 ? cur : cur.flatten(dim, dim + k - 1);
          const where = trueIndices(idx);
          // flat is a temporary only when it is not the tensor indexed (step() moved cur on)
          try { step(flat.indexSelect(dim++, where)); } finally { where.dispose(); if (flat !== before) flat.dispose(); }
          continue;
        }
        if (idx.ndim === 0) step(cur.select(dim, idx.item() as number));
        else if (idx.device === cur.device) step(cur.indexSelect(dim++, idx));
        else {
          // torch moves a CPU index to the indexed tensor's device
          const moved = idx.to(cur.device);
          try { step(cur.indexSelect(dim++, moved)); } finally { moved.dispose(); }
        }
      } else {
        const s = typeof idx === "string" ? parseSlice(idx) : idx;
        step(cur.slice(dim++, s.start ?? null, s.stop ?? null, s.step ?? 1));
      }
    }
    return cur === this ? this.view(this.shape) : cur;
  }

  /** Pieces of splitSize along dim (the last may be smaller), or pieces of the given sizes. */
  split(splitSize: number | number[], dim = 0): Tensor[] {
    const size = this.size(dim);
    let sizes: number[];
    if (Array.isArray(splitSize)) {
      if (splitSize.reduce((a, b) => a + b, 0) !== size) throw new ValueError(`split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${dim}), but got split_sizes=[${splitSize.join(", ")}]`);
      sizes = splitSize;
    } else {
      if (!(splitSize > 0) && !(splitSize === 0 && size === 0)) throw new ValueError(`split expects split_size be non-negative, but got split_size=${splitSize}`);
      sizes = [];
      for (let at = 0; at < size; at += splitSize) sizes.push(Math.min(splitSize, size - at));
      if (sizes.length === 0) sizes.push(0);
    }
    let at = 0;
    return sizes.map((s) => {
      const piece = this.slice(dim, at, at + s);
      at += s;
      return piece;
    });
  }

  /** n pieces (the last may be smaller), as torch.chunk. */
  chunk(chunks: number, dim = 0): Tensor[] {
    if (!(chunks > 0)) throw new ValueError(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
    const size = this.size(dim);
    // torch: an empty dim gives `chunks` empty pieces
    if (size === 0) return Array.from({ length: chunks }, () => this.slice(dim, 0, 0));
    return this.split(Math.max(1, Math.ceil(size / chunks)), dim);
  }

  /** Tensors along dim with dim removed, as torch.unbind. */
  unbind(dim = 0): Tensor[] {
    return Array.from({ length: this.size(dim) }, (_, i) => this.select(dim, i));
  }

  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(call.indexSelect(this.handle, intArg(dim, "dim"), index.handle));
  }

  gather(dim: number, index: Tensor): Tensor {
    return wrap(call.gather(this.handle, intArg(dim, "dim"), index.handle));
  }

  /** A copy of this with src added at index along dim (torch.scatter_add, out of place). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(call.scatterAdd(this.handle, intArg(dim, "dim"), index.handle, src.handle));
  }

  /** The elements where mask (bool, broadcast against this) holds, as a 1-D tensor (torch.masked_select; differentiable). */
  maskedSelect(mask: Tensor): Tensor {
    if (!(mask instanceof Tensor) || mask.dtype !== "bool") throw new DTypeError(`masked_select: expected a bool mask, got ${mask instanceof Tensor ? mask.dtype : typeof mask}`);
    const shape = broadcastShapes("masked_select", this.shape, mask.shape);
    const x = this.expand(shape);
    const flat = x.reshape([-1]);
    const m = mask.expand(shape);
    const where = trueIndices(m);
    try {
      return flat.indexSelect(0, where);
    } finally {
      for (const t of [x, flat, m, where]) t.dispose();
    }
  }

  /** The elements in reverse order along each of dims (torch.flip; a copy, differentiable). */
  flip(...dims: (number | number[])[]): Tensor {
    const list = dims.flat();
    const n = this.ndim;
    const seen = new Set<number>();
    let cur: Tensor = this;
    for (const d0 of list) {
      intArg(d0, "dim");
      if (d0 < -n || d0 >= n || n === 0) throw new IndexError(`Dimension out of range (expected to be in range of [${-Math.max(n, 1)}, ${Math.max(n, 1) - 1}], but got ${d0})`);
      const d = d0 < 0 ? d0 + n : d0;
      if (seen.has(d)) throw new ValueError(`flip(): dim ${d} appears multiple times in the list of dims`);
      seen.add(d);
      const size = this.shape[d];
      const host = wrap(call.arange(size - 1, -1, -1, dtypeCode("int32")));
      const idx = host.device === cur.device ? host : host.to(cur.device);
      const next = cur.indexSelect(d, idx);
      if (idx !== host) idx.dispose();
      host.dispose();
      if (cur !== this) cur.dispose();
      cur = next;
    }
    return cur === this ? this.clone() : cur;
  }

  /** The indices of the non-zero elements, one row each: int32 [count, ndim] (torch.nonzero; int64 there). */
  nonzero(): Tensor {
    const d = this.dataSync();
    const shape = this.shape;
    const n = shape.length;
    const rows: number[] = [];
    for (let i = 0; i < d.length; i++) {
      if (d[i] === 0) continue; // NaN counts as non-zero, as in torch
      let r = i;
      const at = rows.length;
      for (let k = n - 1; k >= 0; k--) {
        rows[at + k] = r % shape[k];
        r = Math.floor(r / shape[k]);
      }
    }
    const count = n === 0 ? (d.length && d[0] !== 0 ? 1 : 0) : rows.length / n;
    return wrap(allocFilled([count, n], "int32", (b) => new Int32Array(b.buffer, b.byteOffset, rows.length).set(rows)));
  }

  maskedFill(mask: Tensor, value: number | boolean): Tensor {
    const m = boolMask(mask, "masked_fill");
    try { return wrap(call.maskedFill(this.handle, m.handle, Number(value))); } finally { if (m !== mask) m.dispose(); }
  }

  /** this where cond holds, other elsewhere (torch.Tensor.where). */
  where(condition: Tensor, other: Tensor | Scalar): Tensor {
    return whereOp(condition, this, other);
  }
}

for (const name of UNARY_OPS) {
  Object.defineProperty(Tensor.prototype, camel(name), {
    value: function (this: Tensor) { return this.unary(name); },
    writable: true,
    configurable: true,
  });
}
for (const name of BINARY_OPS) {
  Object.defineProperty(Tensor.prototype, camel(name), {
    value: function (this: Tensor, other: Tensor | Scalar) { return this.binary(name, other); },
    writable: true,
    configurable: true,
  });
}

const TYPE_NAMES: Record<DType, string> = {
  float32: "torch.FloatTensor", int32: "torch.IntTensor", bool: "torch.BoolTensor", uint8: "torch.ByteTensor",
  int8: "torch.CharTensor", int64: "torch.LongTensor", float64: "torch.DoubleTensor", float16: "torch.HalfTensor",
};

function missingDType(method: string, dtype: string, use: string, call: string): DTypeError {
  return new DTypeError(`${method}: dtype ${dtype} is not supported yet (Kindling has float32, int32, bool, uint8, int8, int64, float64 and float16); use ${use} (${call}) instead`);
}

/** The flat (row-major) positions where a bool tensor holds, as an int32 index tensor (a host read). */
function trueIndices(mask: Tensor): Tensor {
  const d = mask.dataSync();
  let count = 0;
  for (let i = 0; i < d.length; i++) if (d[i]) count++;
  return wrap(allocFilled([count], "int32", (b) => {
    const dst = new Int32Array(b.buffer, b.byteOffset, count);
    for (let i = 0, j = 0; i < d.length; i++) if (d[i]) dst[j++] = i;
  }));
}

/** The broadcast of two shapes, as torch's rules (a ShapeError naming both when they do not fit). */
function broadcastShapes(where: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ShapeError(`${where}: the shapes [${a.join(", ")}] and [${b.join(", ")}] cannot be broadcast together (size ${x} vs ${y} at dim ${i})`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function varCorrection(dim: unknown): number {
  if (dim !== null && typeof dim === "object" && !Array.isArray(dim)) {
    const o = dim as VarOptions;
    if (o.correction !== undefined) return o.correction;
    if (o.unbiased !== undefined) return o.unbiased ? 1 : 0;
  }
  return 1;
}

export function flatShape(args: readonly (number | ShapeArg)[]): number[] {
  if (args.length === 1 && typeof args[0] !== "number") return [...(args[0] as ShapeArg)];
  for (const a of args) if (typeof a !== "number") throw new TypeError("shape: pass sizes as numbers or as one array");
  return args as number[];
}

function parseSlice(s: string): Slice {
  const parts = s.split(":");
  if (parts.length < 2 || parts.length > 3) throw new IndexError(`invalid slice string "${s}": expected "start:stop" or "start:stop:step"`);
  const num = (p: string | undefined) => {
    if (p === undefined || p.trim() === "") return null;
    const v = Number(p);
    if (!Number.isInteger(v)) throw new IndexError(`invalid slice string "${s}"`);
    return v;
  };
  return { start: num(parts[0]), stop: num(parts[1]), step: num(parts[2]) };
}

// torch 1.13 still takes a uint8 mask where a bool one goes (t[mask], masked_fill, where), each
// with a deprecation warning; so does Kindling, warning once per op and process.
const UINT8_MASK_WARNINGS: Record<string, string> = {
  get: "indexing with dtype uint8 is now deprecated, please use a dtype bool instead (mask.bool()).",
  masked_fill: "masked_fill received a mask with dtype uint8, this behavior is now deprecated, please use a mask with dtype bool instead (mask.bool()).",
  where: "where received a uint8 condition tensor. This behavior is deprecated and will be removed in a future version of PyTorch. Use a boolean condition instead (mask.bool()).",
};
const warnedUint8 = new Set<string>();
function warnUint8Mask(op = "get"): void {
  if (warnedUint8.has(op)) return;
  warnedUint8.add(op);
  console.warn(UINT8_MASK_WARNINGS[op]);
}

/** A uint8 mask as the bool mask torch 1.13 takes it for (a new tensor, with the warning); any other tensor as is. */
function boolMask(mask: Tensor, op: "masked_fill" | "where"): Tensor {
  if (!(mask instanceof Tensor) || mask.dtype !== "uint8") return mask;
  warnUint8Mask(op);
  return mask.bool();
}

/** scalar -> 0-d tensor of the matching dtype, for ops that need tensors on both sides. */
export function scalarTensor(v: Scalar, like?: Tensor): Tensor {
  // beside an int64 or float64 tensor a number keeps that width (torch's Python int and float)
  const dtype: DType = typeof v === "boolean" ? "bool"
    : like?.dtype === "int64" && Number.isSafeInteger(v) ? "int64" : like?.dtype === "float64" ? "float64"
      : like && like.dtype !== "bool" && isInt32(v) ? like.dtype : isInt32(v) && !like ? "int32" : "float32";
  return wrap(call.full(dtypeCode(dtype), [], Number(v)));
}

export function whereOp(condition: Tensor, a: Tensor | Scalar, b: Tensor | Scalar): Tensor {
  const c = condition instanceof Tensor ? boolMask(condition, "where") : condition;
  const ta = a instanceof Tensor ? a : scalarTensor(a, b instanceof Tensor ? b : undefined);
  const tb = b instanceof Tensor ? b : scalarTensor(b, ta);
  try {
    return wrap(call.where(c.handle, ta.handle, tb.handle));
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
    if (c !== condition) c.dispose();
  }
}
