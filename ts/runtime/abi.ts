// The engine's C ABI as TypeScript sees it (crates/wasm/src/lib.rs), plus the few helpers
// every call needs: checking the returned handle, reading the error, passing int arrays.
import { ERROR_CLASSES, IndexError, KindlingError, MemoryError, ValueError } from "../errors.js";

export interface Abi {
  memory: WebAssembly.Memory;
  kd_error_kind(): number;
  kd_error_ptr(): number;
  kd_error_len(): number;
  kd_scratch(): number;
  kd_scratch_len(): number;
  kd_op_table_ptr(): number;
  kd_op_table_len(): number;
  kd_release(h: number): number;
  kd_live_tensors(): number;
  kd_storage_bytes(): number;
  kd_live_bytes(): number;
  kd_alias(h: number): number;
  kd_shape(h: number): number;
  kd_strides(h: number): number;
  kd_dtype(h: number): number;
  kd_device(h: number): number;
  kd_is_contiguous(h: number): number;
  kd_offset(h: number): number;
  kd_data_ptr(h: number): number;
  kd_full(dtype: number, ndim: number, value: number): number;
  kd_arange(start: number, end: number, step: number, dtype: number): number;
  kd_linspace(start: number, end: number, steps: number): number;
  kd_eye(n: number, m: number, dtype: number): number;
  kd_manual_seed(lo: number, hi: number): void;
  kd_rng_state(): number;
  kd_set_rng_state(len: number): number;
  kd_rand(ndim: number): number;
  kd_randn(ndim: number): number;
  kd_rand_dist(kind: number, a: number, b: number, ndim: number): number;
  kd_randint(low: number, high: number, ndim: number): number;
  kd_randperm(n: number): number;
  kd_unary(code: number, h: number): number;
  kd_binary(code: number, a: number, b: number): number;
  kd_binary_scalar(code: number, a: number, value: number, isInt: number, reverse: number): number;
  kd_reduce(code: number, h: number, ndims: number, keepdim: number, correction: number): number;
  kd_extreme_dim(h: number, dim: number, keepdim: number, wantMax: number): number;
  kd_clamp(h: number, lo: number, hi: number, hasLo: number, hasHi: number): number;
  kd_leaky_relu(h: number, slope: number): number;
  kd_matmul(a: number, b: number): number;
  kd_softmax(h: number, dim: number, log: number): number;
  kd_cast(h: number, dtype: number): number;
  kd_contiguous(h: number): number;
  kd_clone(h: number): number;
  kd_view(h: number, ndim: number): number;
  kd_reshape(h: number, ndim: number): number;
  kd_permute(h: number, ndim: number): number;
  kd_expand(h: number, ndim: number): number;
  kd_transpose(h: number, d0: number, d1: number): number;
  kd_unsqueeze(h: number, d: number): number;
  kd_squeeze(h: number, ndims: number): number;
  kd_slice(h: number, dim: number, start: number, end: number, step: number): number;
  kd_select(h: number, dim: number, index: number): number;
  kd_cat(n: number, dim: number): number;
  kd_index_select(h: number, dim: number, idx: number): number;
  kd_gather(h: number, dim: number, idx: number): number;
  kd_scatter_add(h: number, dim: number, idx: number, src: number): number;
  kd_where(c: number, a: number, b: number): number;
  kd_masked_fill(h: number, mask: number, value: number): number;
  kd_set_requires_grad(h: number, on: number): number;
  kd_requires_grad(h: number): number;
  kd_is_leaf(h: number): number;
  kd_grad(h: number): number;
  kd_set_grad(h: number, g: number): number;
  kd_retain_grad(h: number): number;
  kd_backward(h: number, g: number, retainGraph: number): number;
  kd_set_grad_enabled(on: number): number;
  kd_detach(h: number): number;
  kd_grad_fn_name(h: number): number;
  kd_copy_(dst: number, src: number): number;
  kd_profile(on: number): void;
  kd_profile_report(): number;
  kd_profile_ptr(): number;
  kd_conv2d(x: number, w: number, b: number): number;
  kd_conv_transpose2d(x: number, w: number, b: number): number;
  kd_max_pool2d(x: number): number;
  kd_avg_pool2d(x: number, countIncludePad: number, divisor: number): number;
  kd_adaptive_avg_pool2d(x: number, oh: number, ow: number): number;
  kd_upsample2d(x: number, mode: number, oh: number, ow: number, scaleH: number, scaleW: number, alignCorners: number): number;
  // fused optimizer steps (kd.optim): 1 on success, 0 with the error set; state handle 0 = none
  kd_sgd_step(param: number, grad: number, buf: number, lr: number, momentum: number, dampening: number, weightDecay: number, flags: number): number;
  kd_adam_step(param: number, grad: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, step: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, flags: number): number;
  kd_rmsprop_step(param: number, grad: number, squareAvg: number, gradAvg: number, momentumBuffer: number, lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, flags: number): number;
  kd_adagrad_step(param: number, grad: number, sum: number, step: number, lr: number, lrDecay: number, weightDecay: number, eps: number, flags: number): number;
}

export interface Engine {
  abi: Abi;
  variant: string;
  /** op family -> op name -> ABI code, read from the engine's own op table. */
  ops: Record<string, Record<string, number>>;
}

let engine: Engine | undefined;

export function setEngine(e: Engine): void {
  engine = e;
}

export function abi(): Abi {
  if (!engine) throw new KindlingError("Kindling's engine is not loaded yet: await kd.ready() first");
  return engine.abi;
}

export function getEngine(): Engine {
  abi();
  return engine!;
}

export function readString(ptr: number, len: number): string {
  return new TextDecoder().decode(new Uint8Array(abi().memory.buffer, ptr, len));
}

/** The typed error for the engine's last failure. */
export function lastError(): KindlingError {
  const a = abi();
  const Cls = ERROR_CLASSES[a.kd_error_kind()] ?? KindlingError;
  return new Cls(readString(a.kd_error_ptr(), a.kd_error_len()));
}

/** Throws the engine's error when a call returned the 0 handle. */
export function check(h: number): number {
  if (h === 0) throw lastError();
  return h;
}

let scratchView: Int32Array | undefined;
/** The scratch area as i32s (re-created when memory grows and detaches the old view). */
export function scratch(): Int32Array {
  const a = abi();
  if (!scratchView || scratchView.buffer !== a.memory.buffer) {
    scratchView = new Int32Array(a.memory.buffer, a.kd_scratch(), a.kd_scratch_len());
  }
  return scratchView;
}

/**
 * Writes integers to scratch for the next call; returns their count. `what` names them in
 * errors: a non-integer (NaN, Infinity, 1.5) is a ValueError; one outside int32 is a
 * MemoryError for a "size", an IndexError for a "dim", a ValueError otherwise.
 */
export function putInts(xs: readonly number[], what: "size" | "dim" | "argument" = "argument"): number {
  const s = scratch();
  if (xs.length > s.length) throw new ValueError(`too many ${what}s in one call (${xs.length}; at most ${s.length})`);
  for (let i = 0; i < xs.length; i++) s[i] = intArg(xs[i], what);
  return xs.length;
}

/** A number for an i32 ABI argument (a dim, a count), with putInts' checks; writes nothing. */
export function intArg(x: number, what: "size" | "dim" | "argument" = "argument"): number {
  if (typeof x !== "number" || !Number.isInteger(x)) throw new ValueError(`expected an integer ${what}, got ${typeof x === "number" ? x : typeof x}`);
  if (x > 0x7fffffff || x < -0x80000000) {
    if (what === "size" && x > 0) throw new MemoryError(`size ${x} is too large: a tensor dim must fit int32`);
    if (what === "size") throw new ValueError(`Trying to create tensor with negative dimension ${x}`);
    if (what === "dim") throw new IndexError(`Dimension out of range (got ${x})`);
    throw new ValueError(`integer ${x} is out of the int32 range`);
  }
  return x;
}
