// Tensor factories, as torch names them: tensor, zeros, ones, full, arange, linspace, eye,
// rand, randn, randint, randperm, *_like, manualSeed, getRngState / setRngState.
import { allocFilled, call, intArg, putScratchBytes, scratchBytes } from "./runtime/engine.js";
import { arrayFor, checkDType, dtypeCode, type AnyTypedArray, type DType } from "./dtype.js";
import { DTypeError, KindlingError, ValueError } from "./errors.js";
import { checkOptions, describe, isOptions } from "./options.js";
import { assertNotDetached } from "./worker/detached.js";
import { flatShape, Tensor, wrap, type Device, type NestedArray, type ShapeArg } from "./tensor.js";
import { checkDevice } from "./device.js";

/** `device` must be one of kd.devices() (an unavailable one is a DeviceError, never a silent CPU). */
export interface CreateOptions { dtype?: DType | "float" | "int"; requiresGrad?: boolean; device?: Device }
const CREATE_OPTIONS = ["dtype", "requiresGrad", "device"] as const;
/** Checks a creation function's options object: only dtype, requiresGrad and device. */
const createOptions = (where: string, opts: CreateOptions | undefined): CreateOptions => checkOptions(where, opts ?? {}, CREATE_OPTIONS);

/**
 * A new engine tensor of `shape` whose storage `fill` writes in place, as raw little-endian
 * bytes in wasm memory (float32 and int32: 4 bytes an element, bool: 1). `fill` must not call
 * into the engine: nothing may grow wasm memory while it holds the view.
 */
export function fromBytes(shape: readonly number[], dtype: DType, fill: (dst: Uint8Array) => void): Tensor {
  return wrap(allocFilled(shape, dtype, fill));
}

/** Copies `values` into a new engine tensor of `shape` (written straight into wasm memory). */
export function fromArray(values: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  checkFlat(values, shape);
  if (dtype === "float16") {
    // Rounded as torch does (through float32, to nearest even) by the engine's cast.
    const f = fromArray(values, shape, "float32");
    const h = f.to("float16");
    f.dispose();
    return h;
  }
  if (dtype === "int64" && !(values instanceof BigInt64Array)) {
    for (let i = 0; i < values.length; i++) {
      const x = Number(values[i]);
      if (!(Math.abs(x) <= Number.MAX_SAFE_INTEGER)) throw new ValueError(`int64 tensor: element ${i} (${values[i]}) is not a number within ±2^53; pass a BigInt64Array for larger values`);
    }
  }
  return fromBytes(shape, dtype, (bytes) => {
    const dst = arrayFor(dtype, bytes.buffer as ArrayBuffer, bytes.byteOffset, values.length);
    if (dtype === "bool") for (let i = 0; i < values.length; i++) dst[i] = values[i] ? 1 : 0;
    else if (dst instanceof BigInt64Array) {
      if (values instanceof BigInt64Array) dst.set(values);
      else for (let i = 0; i < values.length; i++) dst[i] = BigInt(Math.trunc(Number(values[i]))); // truncates, as torch
    } else dst.set(values as ArrayLike<number>);
  });
}

/** fromArray's inputs: a flat list of numbers (or booleans) whose count matches the shape. */
function checkFlat(values: ArrayLike<number>, shape: readonly number[]): void {
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new ValueError(`fromArray(): values must be an array or TypedArray of numbers, got ${describe(values)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`fromArray(): shape must be an array of non-negative integers, got ${Array.isArray(shape) ? JSON.stringify(shape) : describe(shape)}`);
  }
  if (!ArrayBuffer.isView(values)) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as unknown;
      if (typeof v !== "number" && typeof v !== "boolean") {
        throw new ValueError(`fromArray(): element ${i} is ${Array.isArray(v) ? "an array (fromArray takes flat values and a shape; use kd.tensor for nested arrays)" : describe(v)}, not a number`);
      }
    }
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== values.length) throw new ValueError(`fromArray(): ${values.length} values do not fill shape [${shape.join(", ")}] (${n} elements)`);
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: (number | boolean)[], dim = 0): void {
  if (dim === shape.length) {
    if (Array.isArray(data)) throw new ValueError(`tensor(): ragged nested sequence: expected a number at depth ${dim}`);
    if (typeof data !== "number" && typeof data !== "boolean") throw new TypeError(`tensor(): could not convert ${typeof data} to a tensor element`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new ValueError(`tensor(): expected sequence of length ${shape[dim]} at dim ${dim} (got ${Array.isArray(data) ? data.length : typeof data})`);
  }
  for (const x of data) flatten(x, shape, out, dim + 1);
}

/**
 * A tensor from nested arrays or a TypedArray. Numbers become float32 (JS cannot tell 1 from
 * 1.0; pass {dtype: "int32"} for integers), booleans bool, Int32Array int32, Uint8Array bool.
 */
export function tensor(data: NestedArray | AnyTypedArray | BigInt64Array | Tensor, opts: CreateOptions = {}): Tensor {
  createOptions("tensor", opts);
  if (data instanceof Tensor) return withGrad(opts.dtype ? data.to(checkDType(opts.dtype)) : data.clone(), opts);
  if (ArrayBuffer.isView(data)) {
    assertNotDetached(data, "tensor()");
    const dtype = opts.dtype ? checkDType(opts.dtype) : data instanceof Int32Array ? "int32" : data instanceof Uint8Array ? "bool"
      : data instanceof Int8Array ? "int8" : data instanceof BigInt64Array ? "int64" : "float32";
    if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array || data instanceof Int8Array || data instanceof BigInt64Array || (data as unknown) instanceof Float64Array)) {
      throw new TypeError("tensor(): TypedArrays accepted are Float32Array, Float64Array, Int32Array, Int8Array, BigInt64Array and Uint8Array");
    }
    if (data instanceof BigInt64Array && dtype !== "int64") {
      const t = fromArray(data as unknown as ArrayLike<number>, [data.length], "int64");
      const c = t.to(dtype);
      t.dispose();
      return withGrad(c, opts);
    }
    return withGrad(fromArray(data as ArrayLike<number>, [data.length], dtype), opts);
  }
  const shape = inferShape(data);
  const flat: (number | boolean)[] = [];
  flatten(data, shape, flat);
  const dtype = opts.dtype ? checkDType(opts.dtype) : flat.length > 0 && flat.every((x) => typeof x === "boolean") ? "bool" : "float32";
  return withGrad(fromArray(flat.map(Number), shape, dtype), opts);
}

/** A tensor sharing nothing with `data`: an alias of tensor() for TypedArrays (torch.from_numpy copies here). */
export function fromTypedArray(data: AnyTypedArray, shape?: ShapeArg): Tensor {
  const t = tensor(data);
  if (!shape) return t;
  const r = t.reshape(shape);
  t.dispose();
  return r;
}

type SizeArgs = (number | ShapeArg | CreateOptions)[];

function splitArgs(where: string, args: SizeArgs): [number[], CreateOptions] {
  const last = args.at(-1);
  const opts = isOptions(last) ? (args.pop() as CreateOptions) : {};
  createOptions(where, opts);
  if (args.some((a) => isOptions(a))) throw new ValueError(`${where}(): the options object must come last, after the sizes`);
  return [flatShape(args as (number | ShapeArg)[]), opts];
}

/** Applies {device} (checked; a tensor made on the CPU moves there) and {requiresGrad: true} from the options. */
function withGrad(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.device !== undefined) {
    let d: Device;
    try { d = checkDevice(opts.device); } catch (e) { t.dispose(); throw e; }
    // made on the CPU, then moved: the new tensor is a leaf on its device
    if (d !== t.device) {
      const moved = t.to(d);
      t.dispose();
      t = moved;
    }
  }
  return opts.requiresGrad ? t.requiresGrad_(true) : t;
}

export function full(shape: ShapeArg, value: number | boolean, opts: CreateOptions = {}): Tensor {
  createOptions("full", opts);
  if (!Array.isArray(shape)) throw new ValueError(`full(): size must be an array of sizes (e.g. [2, 3]), got ${describe(shape)}`);
  const dtype = opts.dtype ? checkDType(opts.dtype) : typeof value === "boolean" ? "bool" : "float32";
  return withGrad(wrap(call.full(dtypeCode(dtype), [...shape], Number(value))), opts);
}

export function zeros(...args: SizeArgs): Tensor {
  const [shape, opts] = splitArgs("zeros", args);
  return full(shape, 0, opts);
}

export function ones(...args: SizeArgs): Tensor {
  const [shape, opts] = splitArgs("ones", args);
  return full(shape, 1, opts);
}

/** An uninitialised tensor in PyTorch; here zero-filled, since wasm memory is reused. */
export function empty(...args: SizeArgs): Tensor {
  return zeros(...args);
}

/** `*_like` options: t's dtype and device unless given (torch's rule). */
const like = (where: string, t: Tensor, opts: CreateOptions): CreateOptions => ({ ...createOptions(where, opts), dtype: opts.dtype ?? t.dtype, device: opts.device ?? t.device });
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor { return full(t.shape, 0, like("zerosLike", t, opts)); }
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor { return full(t.shape, 1, like("onesLike", t, opts)); }
export function fullLike(t: Tensor, value: number | boolean, opts: CreateOptions = {}): Tensor { return full(t.shape, value, like("fullLike", t, opts)); }
export function emptyLike(t: Tensor, opts: CreateOptions = {}): Tensor { return zerosLike(t, opts); }
export function randLike(t: Tensor, opts: CreateOptions = {}): Tensor { return rand(t.shape, { device: t.device, ...createOptions("randLike", opts) }); }
export function randnLike(t: Tensor, opts: CreateOptions = {}): Tensor { return randn(t.shape, { device: t.device, ...createOptions("randnLike", opts) }); }
export function randintLike(t: Tensor, low: number, high: number): Tensor { return randint(low, high, t.shape); }

/**
 * arange(end), arange(start, end), arange(start, end, step). int32 when every argument is an
 * integer (as PyTorch gives int64), float32 otherwise.
 */
export interface ArangeOptions extends CreateOptions { start?: number; end?: number; step?: number }
export function arange(opts: ArangeOptions & { end: number }): Tensor;
export function arange(end: number, opts?: CreateOptions): Tensor;
export function arange(start: number, end: number, opts?: CreateOptions): Tensor;
export function arange(start: number, end: number, step: number, opts?: CreateOptions): Tensor;
export function arange(...args: (number | ArangeOptions | undefined)[]): Tensor {
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  const given = isOptions(args.at(-1)) ? checkOptions("arange", args.pop() as ArangeOptions, ["dtype", "requiresGrad", "device", "start", "end", "step"]) : {};
  const { start: s0, end: e0, step: st0, ...opts } = given;
  // torch's keywords: arange(end=5), arange(start=1, end=5, step=2)
  if (s0 !== undefined || e0 !== undefined || st0 !== undefined) {
    if (args.length > 0) throw new ValueError("arange(): give start / end / step either as numbers or as options, not both");
    if (e0 === undefined) throw new ValueError("arange(): the end option is required when start or step is given as an option");
    args.push(s0 ?? 0, e0, st0 ?? 1);
  }
  if (args.length < 1 || args.length > 3) throw new ValueError(`arange() takes arange(end), arange(start, end) or arange(start, end, step), plus an optional {dtype}; got ${args.length} numbers`);
  args.forEach((v, i) => {
    if (typeof v !== "number" || Number.isNaN(v)) throw new ValueError(`arange(): argument ${i + 1} must be a number, got ${describe(v)}`);
  });
  const [a, b, c] = args as number[];
  const [start, end, step] = b === undefined ? [0, a, 1] : [a, b, c ?? 1];
  const dtype = opts.dtype ? checkDType(opts.dtype) : [start, end, step].every(Number.isInteger) ? "int32" : "float32";
  return withGrad(wrap(call.arange(start, end, step, dtypeCode(dtype))), opts);
}

export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  createOptions("linspace", opts);
  for (const [n, v] of [["start", start], ["end", end], ["steps", steps]] as const) if (typeof v !== "number") throw new ValueError(`linspace(): ${n} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(steps)) throw new ValueError(`linspace(): steps must be an integer, got ${steps}`);
  const t = wrap(call.linspace(start, end, intArg(steps, "size")));
  if (!opts.dtype || checkDType(opts.dtype) === "float32") return withGrad(t, opts);
  try { return withGrad(t.to(checkDType(opts.dtype)), opts); } finally { t.dispose(); }
}

export function eye(n: number, m: number | CreateOptions = n, opts: CreateOptions = {}): Tensor {
  if (typeof m === "object") { opts = m; m = n; }
  createOptions("eye", opts);
  return withGrad(wrap(call.eye(intArg(n, "size"), intArg(m, "size"), dtypeCode(checkDType(opts.dtype ?? "float32")))), opts);
}

/** Seeds the engine's generator (rand, randn, randint, randperm, dropout, shuffling). */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new ValueError(`manualSeed expects a non-negative integer, got ${seed}`);
  call.manualSeed(seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0);
}

/** Bytes in the engine generator's state (kd.getRngState): torch.get_rng_state()'s size. */
const RNG_STATE_BYTES = 5056;

/**
 * The engine generator's state (its mt19937 words, position and any cached normal), in
 * torch.get_rng_state()'s layout and with its bytes: setRngState(state) later continues the
 * stream exactly from here, and a state from PyTorch continues PyTorch's stream.
 */
export function getRngState(): Uint8Array {
  return scratchBytes(call.rngState());
}

/** Restores a state from getRngState() (torch.set_rng_state); a bad one is a ValueError and changes nothing. */
export function setRngState(state: Uint8Array | ArrayLike<number>): void {
  if (state === null || typeof state !== "object" || typeof (state as ArrayLike<number>).length !== "number") {
    throw new ValueError(`setRngState expects the Uint8Array from getRngState(), got ${state === null ? "null" : typeof state}`);
  }
  if (state.length !== RNG_STATE_BYTES) throw new ValueError(`setRngState: the RNG state must be ${RNG_STATE_BYTES} bytes, got ${state.length}`);
  const bytes = new Uint8Array(RNG_STATE_BYTES);
  for (let i = 0; i < RNG_STATE_BYTES; i++) {
    const v = state[i];
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new ValueError(`setRngState: byte ${i} of the RNG state is ${v}, not an integer in 0..255`);
    bytes[i] = v;
  }
  putScratchBytes(bytes);
  try {
    call.setRngState(RNG_STATE_BYTES);
  } catch (e) {
    if (e instanceof KindlingError) e.message = `setRngState: ${e.message}`;
    throw e;
  }
}

/**
 * rand and randn make floats only: float32, or float64 drawn as torch draws doubles (53 bits of
 * a 64-bit draw); an integer, bool or float16 dtype is a DTypeError, as torch's "not implemented for 'Int'".
 */
function floatOnly(where: string, opts: CreateOptions): "float32" | "float64" {
  if (opts.dtype === undefined) return "float32";
  const d = checkDType(opts.dtype);
  if (d !== "float32" && d !== "float64") throw new DTypeError(`${where}(): dtype ${d} is not supported: ${where} samples float32 or float64 numbers (use float32, then .int() or kd.randint for integers)`);
  return d;
}

export function rand(...args: SizeArgs): Tensor {
  const [shape, opts] = splitArgs("rand", args);
  const d = floatOnly("rand", opts);
  return withGrad(wrap(d === "float64" ? call.randDist(3, 0, 0, shape) : call.rand(shape)), opts);
}

export function randn(...args: SizeArgs): Tensor {
  const [shape, opts] = splitArgs("randn", args);
  const d = floatOnly("randn", opts);
  return withGrad(wrap(d === "float64" ? call.randDist(4, 0, 0, shape) : call.randn(shape)), opts);
}

/** Integers in [low, high) (int32); randint(high, shape) also works, as in torch. */
export function randint(low: number, high: number | ShapeArg, shape?: ShapeArg): Tensor {
  if (shape === undefined) {
    if (typeof high === "number") throw new TypeError("randint(): missing the shape argument");
    return randint(0, low, high);
  }
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new ValueError(`randint(): low and high must be integers, got ${low} and ${high}`);
  return wrap(call.randint(low, high as number, [...shape]));
}

/** A float32 mask of 1 (probability p) and 0: torch.empty(shape).bernoulli_(p), dropout's draw. */
export function bernoulliMask(shape: readonly number[], p: number, device: Device = "cpu"): Tensor {
  const m = wrap(call.randDist(2, p, 0, shape));
  if (device === "cpu") return m;
  // drawn on the CPU (torch's CPU stream for the seed), then moved
  try { return m.to(device); } finally { m.dispose(); }
}

export function randperm(n: number): Tensor {
  return wrap(call.randperm(intArg(n, "size")));
}
