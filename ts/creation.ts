// Tensor factories, as torch names them: tensor, zeros, ones, full, arange, linspace, eye,
// rand, randn, randint, randperm, *_like, manualSeed, getRngState / setRngState.
import { allocFilled, call, intArg, putScratchBytes, scratchBytes } from "./runtime/engine.js";
import { arrayFor, checkDType, dtypeCode, type AnyTypedArray, type DType } from "./dtype.js";
import { KindlingError, ValueError } from "./errors.js";
import { assertNotDetached } from "./worker/detached.js";
import { flatShape, Tensor, wrap, type NestedArray, type ShapeArg } from "./tensor.js";

export interface CreateOptions { dtype?: DType | "float" | "int"; requiresGrad?: boolean }

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
  return fromBytes(shape, dtype, (bytes) => {
    const dst = arrayFor(dtype, bytes.buffer as ArrayBuffer, bytes.byteOffset, values.length);
    if (dtype === "bool") for (let i = 0; i < values.length; i++) dst[i] = values[i] ? 1 : 0;
    else dst.set(values);
  });
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
export function tensor(data: NestedArray | AnyTypedArray | Tensor, opts: CreateOptions = {}): Tensor {
  if (data instanceof Tensor) return opts.dtype ? data.to(checkDType(opts.dtype)) : data.clone();
  if (ArrayBuffer.isView(data)) {
    assertNotDetached(data, "tensor()");
    const dtype = opts.dtype ? checkDType(opts.dtype) : data instanceof Int32Array ? "int32" : data instanceof Uint8Array ? "bool" : "float32";
    if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array || (data as unknown) instanceof Float64Array)) {
      throw new TypeError("tensor(): TypedArrays accepted are Float32Array, Float64Array, Int32Array and Uint8Array");
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

function splitArgs(args: SizeArgs): [number[], CreateOptions] {
  const last = args.at(-1);
  const opts = last !== undefined && typeof last === "object" && !Array.isArray(last) ? (args.pop() as CreateOptions) : {};
  return [flatShape(args as (number | ShapeArg)[]), opts];
}

/** Applies {requiresGrad: true} from the options. */
function withGrad(t: Tensor, opts: CreateOptions): Tensor {
  return opts.requiresGrad ? t.requiresGrad_(true) : t;
}

export function full(shape: ShapeArg, value: number | boolean, opts: CreateOptions = {}): Tensor {
  const dtype = opts.dtype ? checkDType(opts.dtype) : typeof value === "boolean" ? "bool" : "float32";
  return withGrad(wrap(call.full(dtypeCode(dtype), [...shape], Number(value))), opts);
}

export function zeros(...args: SizeArgs): Tensor {
  const [shape, opts] = splitArgs(args);
  return full(shape, 0, opts);
}

export function ones(...args: SizeArgs): Tensor {
  const [shape, opts] = splitArgs(args);
  return full(shape, 1, opts);
}

/** An uninitialised tensor in PyTorch; here zero-filled, since wasm memory is reused. */
export function empty(...args: SizeArgs): Tensor {
  return zeros(...args);
}

export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor { return full(t.shape, 0, { dtype: opts.dtype ?? t.dtype }); }
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor { return full(t.shape, 1, { dtype: opts.dtype ?? t.dtype }); }
export function fullLike(t: Tensor, value: number | boolean, opts: CreateOptions = {}): Tensor { return full(t.shape, value, { dtype: opts.dtype ?? t.dtype }); }
export function emptyLike(t: Tensor, opts: CreateOptions = {}): Tensor { return zerosLike(t, opts); }
export function randLike(t: Tensor): Tensor { return rand(t.shape); }
export function randnLike(t: Tensor): Tensor { return randn(t.shape); }
export function randintLike(t: Tensor, low: number, high: number): Tensor { return randint(low, high, t.shape); }

/**
 * arange(end), arange(start, end), arange(start, end, step). int32 when every argument is an
 * integer (as PyTorch gives int64), float32 otherwise.
 */
export function arange(a: number, b?: number, c?: number | CreateOptions, d?: CreateOptions): Tensor {
  let opts: CreateOptions = {};
  if (typeof c === "object") { opts = c; c = undefined; }
  if (d) opts = d;
  const [start, end, step] = b === undefined ? [0, a, 1] : [a, b, c ?? 1];
  const dtype = opts.dtype ? checkDType(opts.dtype) : [start, end, step].every(Number.isInteger) ? "int32" : "float32";
  return wrap(call.arange(start, end, step, dtypeCode(dtype)));
}

export function linspace(start: number, end: number, steps: number): Tensor {
  if (!Number.isInteger(steps)) throw new ValueError(`linspace(): steps must be an integer, got ${steps}`);
  return wrap(call.linspace(start, end, intArg(steps, "size")));
}

export function eye(n: number, m: number | CreateOptions = n, opts: CreateOptions = {}): Tensor {
  if (typeof m === "object") { opts = m; m = n; }
  return wrap(call.eye(intArg(n, "size"), intArg(m, "size"), dtypeCode(checkDType(opts.dtype ?? "float32"))));
}

/** Seeds the engine's generator (rand, randn, randint, randperm, dropout, shuffling). */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new ValueError(`manualSeed expects a non-negative integer, got ${seed}`);
  call.manualSeed(seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0);
}

/** Bytes in the engine generator's state (kd.getRngState). */
const RNG_STATE_BYTES = 24;

/**
 * The engine generator's state (its xoshiro words and any cached normal), as
 * torch.get_rng_state: setRngState(state) later continues the stream exactly from here.
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

export function rand(...args: SizeArgs): Tensor {
  const [shape, opts] = splitArgs(args);
  return withGrad(wrap(call.rand(shape)), opts);
}

export function randn(...args: SizeArgs): Tensor {
  const [shape, opts] = splitArgs(args);
  return withGrad(wrap(call.randn(shape)), opts);
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

export function randperm(n: number): Tensor {
  return wrap(call.randperm(intArg(n, "size")));
}
