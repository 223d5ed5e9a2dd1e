// torch.nn.functional, camelCased: activations, linear, dropout and the losses. Everything is
// written with differentiable tensor ops, so autograd gives the gradients; composite
// functions run inside kd.tidy, so their intermediates are released at once.
//
//   const F = kd.nn.functional;
//   const loss = F.crossEntropy(logits, labels, { labelSmoothing: 0.1 });
import { bernoulliMask } from "../creation.js";
import { DTypeError, IndexError, ShapeError, ValueError } from "../errors.js";
import { tidy } from "../memory.js";
import { Tensor, whereOp } from "../tensor.js";
import { checkOptions } from "../options.js";
import { deferCheck, defersChecks, firstFlagged, firstFlaggedText } from "../checks.js";

export type Reduction = "none" | "mean" | "sum";

// ---- activations --------------------------------------------------------------------------

export function relu(input: Tensor): Tensor { return input.relu(); }
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor { return input.leakyRelu(negativeSlope); }
/** GELU, exact (erf) or with approximate: "tanh". */
export function gelu(input: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  if (approximate !== "none" && approximate !== "tanh") throw new ValueError(`approximate argument must be either none or tanh, got ${approximate}`);
  return input.gelu(approximate);
}
export function silu(input: Tensor): Tensor { return input.silu(); }
export function sigmoid(input: Tensor): Tensor { return input.sigmoid(); }
export function tanh(input: Tensor): Tensor { return input.tanh(); }

/** softplus(x) = log(1 + exp(beta x)) / beta, linear where beta x > threshold. */
export function softplus(input: Tensor, beta = 1, threshold = 20): Tensor {
  if (beta === 1 && threshold === 20) return input.softplus();
  return tidy(() => {
    const bx = input.mul(beta);
    const soft = bx.exp().log1p().div(beta);
    return whereOp(bx.gt(threshold), input, soft);
  });
}

/** log(sigmoid(x)), computed stably as -softplus(-x). */
export function logsigmoid(input: Tensor): Tensor {
  return tidy(() => input.neg().softplus().neg());
}

/** The dim PyTorch picks when softmax is given none (legacy rule: 0 for 0-, 1- and 3-D input). */
export function legacySoftmaxDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

export function softmax(input: Tensor, dim: number): Tensor { return input.softmax(dim); }
export function logSoftmax(input: Tensor, dim: number): Tensor { return input.logSoftmax(dim); }

// ---- linear, dropout ----------------------------------------------------------------------

/** y = x Wᵀ + b, for input [..., in_features], weight [out, in], bias [out]. */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return tidy(() => {
    const y = input.matmul(weight.t());
    return bias ? y.add(bias) : y;
  });
}

/**
 * Zeroes each element with probability p and scales the rest by 1 / (1 - p), when training
 * (else it returns a new handle to the input). Draws from the engine's seeded generator.
 */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return input.view(input.shape);
  if (p === 1) return input.mul(0);
  return tidy(() => {
    // torch's CPU dropout: noise = bernoulli(1 - p) / (1 - p), then input * noise.
    const noise = bernoulliMask(input.shape, 1 - p, input.device).div(1 - p);
    return input.mul(noise);
  });
}

// ---- losses -------------------------------------------------------------------------------

export interface LossOptions { reduction?: Reduction }
export interface WeightedLossOptions extends LossOptions { weight?: Tensor | null }
export interface NLLLossOptions extends WeightedLossOptions { ignoreIndex?: number }
export interface CrossEntropyOptions extends NLLLossOptions { labelSmoothing?: number }
export interface BCEWithLogitsOptions extends WeightedLossOptions { posWeight?: Tensor | null }
export interface HuberOptions extends LossOptions { delta?: number }
export interface SmoothL1Options extends LossOptions { beta?: number }

function checkReduction(r: unknown): Reduction {
  if (r === "none" || r === "mean" || r === "sum") return r;
  throw new ValueError(`${r} is not a valid value for reduction`);
}

/** Applies a reduction; call inside tidy. */
function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? loss : reduction === "sum" ? loss.sum() : loss.mean();
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);
const size = (s: readonly number[]) => `torch.Size([${s.join(", ")}])`;
const warned = new Set<string>();

/** PyTorch warns (once) when a regression loss broadcasts target against input. */
function warnBroadcast(name: string, input: Tensor, target: Tensor): void {
  if (sameShape(input.shape, target.shape) || warned.has(name)) return;
  warned.add(name);
  console.warn(`${name}: Using a target size (${size(target.shape)}) that is different to the input size (${size(input.shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`);
}

/** Mean absolute error |x - y| (torch.nn.functional.l1_loss). */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkOptions("l1Loss", opts, ["reduction"]);
  const reduction = checkReduction(opts.reduction ?? "mean");
  warnBroadcast("l1Loss", input, target);
  return tidy(() => reduce(input.sub(target).abs(), reduction));
}

/** Mean squared error (x - y)² (torch.nn.functional.mse_loss). */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkOptions("mseLoss", opts, ["reduction"]);
  const reduction = checkReduction(opts.reduction ?? "mean");
  warnBroadcast("mseLoss", input, target);
  return tidy(() => reduce(input.sub(target).square(), reduction));
}

/** 0.5 d² where |d| < delta, delta (|d| - 0.5 delta) elsewhere (torch.nn.functional.huber_loss). */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  checkOptions("huberLoss", opts, ["reduction", "delta"]);
  const reduction = checkReduction(opts.reduction ?? "mean");
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new ValueError(`huber_loss does not support non-positive values for delta. Got: ${delta}`);
  warnBroadcast("huberLoss", input, target);
  return tidy(() => {
    const d = input.sub(target);
    const a = d.abs();
    const quad = d.square().mul(0.5);
    const lin = a.sub(0.5 * delta).mul(delta);
    return reduce(whereOp(a.lt(delta), quad, lin), reduction);
  });
}

/** 0.5 d² / beta where |d| < beta, |d| - 0.5 beta elsewhere (torch.nn.functional.smooth_l1_loss). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  checkOptions("smoothL1Loss", opts, ["reduction", "beta"]);
  const reduction = checkReduction(opts.reduction ?? "mean");
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new ValueError(`smooth_l1_loss does not support negative values for beta. Got: ${beta}`);
  if (beta === 0) return l1Loss(input, target, { reduction });
  warnBroadcast("smoothL1Loss", input, target);
  return tidy(() => {
    const d = input.sub(target);
    const a = d.abs();
    const quad = d.square().mul(0.5 / beta);
    const lin = a.sub(0.5 * beta);
    return reduce(whereOp(a.lt(beta), quad, lin), reduction);
  });
}

/** log(x) floored at -100, as PyTorch's BCE; finite gradients even where x is 0. Inside tidy. */
function clampedLog(x: Tensor): Tensor {
  const pos = x.gt(0);
  const safe = whereOp(pos, x, 1);
  return whereOp(pos, safe.log(), -100).clamp(-100);
}

/**
 * Binary cross entropy on probabilities: -(y log x + (1 - y) log(1 - x)), each log floored
 * at -100 as PyTorch does (torch.nn.functional.binary_cross_entropy).
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: WeightedLossOptions = {}): Tensor {
  checkOptions("binaryCrossEntropy", opts, ["weight", "reduction"]);
  const reduction = checkReduction(opts.reduction ?? "mean");
  if (!sameShape(input.shape, target.shape)) {
    throw new ValueError(`Using a target size (${size(target.shape)}) that is different to the input size (${size(input.shape)}) is deprecated. Please ensure they have the same size.`);
  }
  return tidy(() => {
    const logx = clampedLog(input);
    const log1mx = clampedLog(input.rsub(1));
    let loss = target.mul(logx).add(target.rsub(1).mul(log1mx)).neg();
    if (opts.weight) loss = loss.mul(opts.weight);
    return reduce(loss, reduction);
  });
}

/**
 * Binary cross entropy on logits, in the stable form (1 - y) x + lw · softplus(-x) with
 * lw = 1 + (pos_weight - 1) y (torch.nn.functional.binary_cross_entropy_with_logits).
 * posWeight broadcasts against the input's last dim (one weight per class).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  checkOptions("binaryCrossEntropyWithLogits", opts, ["weight", "posWeight", "reduction"]);
  const reduction = checkReduction(opts.reduction ?? "mean");
  if (!sameShape(input.shape, target.shape)) {
    throw new ValueError(`Target size (${size(target.shape)}) must be the same as input size (${size(input.shape)})`);
  }
  return tidy(() => {
    const sp = input.neg().softplus();
    const lw = opts.posWeight ? opts.posWeight.sub(1).mul(target).add(1) : null;
    let loss = target.rsub(1).mul(input).add(lw ? lw.mul(sp) : sp);
    if (opts.weight) loss = loss.mul(opts.weight);
    return reduce(loss, reduction);
  });
}

/** Checks the (input, target, weight) shapes of nll / cross entropy with class indices. */
function checkClassTarget(name: string, input: Tensor, target: Tensor, weight: Tensor | null | undefined): number {
  if (input.ndim < 1) throw new ValueError(`${name}: input tensor should be 1D or more, got 0D`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  if (target.dtype !== "int32" && target.dtype !== "int64") throw new DTypeError(`${name}: expected target of class indices with dtype int32 or int64, but got ${target.dtype}`);
  const want = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (!sameShape(target.shape, want)) {
    if (input.ndim >= 2 && target.ndim >= 1 && target.shape[0] !== input.shape[0]) {
      throw new ValueError(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]}).`);
    }
    throw new ShapeError(`${name}: expected target of shape [${want.join(", ")}] for input of shape [${input.shape.join(", ")}], got [${target.shape.join(", ")}]`);
  }
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) {
    throw new ShapeError(`weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: [${weight.shape.join(", ")}]`);
  }
  return classDim;
}

/** The per-element weights w[target] masked by target != ignoreIndex (float, target's shape). Inside tidy. */
function classWeights(target: Tensor, valid: Tensor, safe: Tensor, weight: Tensor | null | undefined): Tensor {
  if (!weight) return valid.float();
  const w = weight.indexSelect(0, safe.flatten()).reshape(target.shape);
  return w.mul(valid);
}

/**
 * Class indices other than ignoreIndex must lie in [0, C), as PyTorch checks: at once on the
 * CPU, at the next read on an asynchronous device (ts/checks.ts). Returns false when the check
 * was deferred. Inside tidy.
 */
function checkTargetRange(target: Tensor, valid: Tensor, C: number): boolean {
  if (target.numel() === 0) return true;
  const bad = target.lt(0).logicalOr(target.ge(C)).logicalAnd(valid);
  if (defersChecks(target)) {
    deferCheck(firstFlagged(bad, target), ([any, v]) => (any[0] ? new IndexError(`Target ${v[0]} is out of bounds.`) : null));
    return false;
  }
  if (!bad.any().item()) return true;
  throw new IndexError(`Target ${firstFlaggedText(bad, target)} is out of bounds.`);
}

/** Whether a target read at once (the CPU's, where checks are not deferred) has all its
 * classes in [0, C) and none equal to ignoreIndex: a read of the target itself, no engine
 * ops. Anything else takes nllLoss's general path. */
function plainTargets(target: Tensor, ignoreIndex: number, C: number): boolean {
  if (defersChecks(target) || target.numel() === 0) return false;
  let v: ArrayLike<number>;
  try {
    v = target.dataSync() as ArrayLike<number>;
  } catch {
    return false; // an int64 class beyond 2^53: the general path names it exactly
  }
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (!(c >= 0 && c < C) || c === ignoreIndex) return false;
  }
  return true;
}

/**
 * Negative log likelihood: -w[t] · input[t] over log-probabilities with class indices
 * (int32), classes along dim 1 (dim 0 for 1-D input). "mean" divides by the summed weights
 * of the targets that are not ignoreIndex (torch.nn.functional.nll_loss).
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLLossOptions = {}): Tensor {
  checkOptions("nllLoss", opts, ["weight", "ignoreIndex", "reduction"]);
  const reduction = checkReduction(opts.reduction ?? "mean");
  const ignoreIndex = opts.ignoreIndex ?? -100;
  checkClassTarget("nll_loss", input, target, opts.weight);
  if (!opts.weight && input.ndim >= 2 && plainTargets(target, ignoreIndex, input.shape[1])) {
    // Every class in range and none ignored (read here, cheaply, off the target): -input[t]
    // summed (and divided by the count), in ~4 ops instead of ~20. The same bits as the
    // general path below, whose weights are then all 1 (negating commutes with rounding).
    return tidy(() => {
      const picked = input.gather(1, target.unsqueeze(1)).squeeze(1);
      if (reduction === "none") return picked.neg();
      const sum = picked.sum().neg();
      return reduction === "sum" ? sum : sum.div(target.numel());
    });
  }
  return tidy(() => {
    const oneD = input.ndim === 1;
    const inp = oneD ? input.unsqueeze(0) : input;
    const tgt = oneD ? target.reshape([1]) : target;
    const valid = tgt.ne(ignoreIndex);
    // A deferred check lets the step run on: its gather reads clamped classes until it reports.
    const checked = checkTargetRange(tgt, valid, inp.shape[1]);
    const safe = checked ? whereOp(valid, tgt, 0) : whereOp(valid, tgt, 0).clamp(0, inp.shape[1] - 1);
    const picked = inp.gather(1, safe.unsqueeze(1)).squeeze(1);
    const w = classWeights(tgt, valid, safe, opts.weight);
    const loss = picked.mul(w).neg();
    if (reduction === "none") return oneD ? loss.reshape([]) : loss;
    if (reduction === "sum") return loss.sum();
    return loss.sum().div(w.sum());
  });
}

/**
 * Cross entropy of logits (classes along dim 1, or dim 0 for 1-D input) against class
 * indices (int32, with weight, ignoreIndex and labelSmoothing) or class probabilities (a
 * float target of the input's shape) (torch.nn.functional.cross_entropy).
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkOptions("crossEntropy", opts, ["weight", "ignoreIndex", "reduction", "labelSmoothing"]);
  const reduction = checkReduction(opts.reduction ?? "mean");
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const eps = opts.labelSmoothing ?? 0;
  const weight = opts.weight ?? null;
  if (!(eps >= 0 && eps <= 1)) throw new ValueError(`label_smoothing must be between 0.0 and 1.0. Got: ${eps}`);
  if (input.ndim < 1) throw new ValueError("cross_entropy: input tensor should be 1D or more, got 0D");
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  const wShape = input.shape.map((_, i) => (i === classDim ? C : 1));

  if (sameShape(input.shape, target.shape)) {
    // Class probabilities.
    if (target.dtype !== "float32") throw new DTypeError(`cross_entropy: expected a float32 target of class probabilities, got ${target.dtype}`);
    if (opts.ignoreIndex !== undefined && ignoreIndex >= 0) throw new ValueError("ignore_index is not supported for floating point target");
    if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) {
      throw new ShapeError(`weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: [${weight.shape.join(", ")}]`);
    }
    return tidy(() => {
      const logp = input.logSoftmax(classDim);
      const t = eps > 0 ? target.mul(1 - eps).add(eps / C) : target;
      let prod = logp.mul(t);
      if (weight) prod = prod.mul(weight.reshape(wShape));
      if (reduction === "none") return prod.sum(classDim).neg();
      if (reduction === "sum") return prod.sum().neg();
      return prod.sum().neg().div(input.numel() / C);
    });
  }

  checkClassTarget("cross_entropy", input, target, weight);
  return tidy(() => {
    const logp = input.logSoftmax(classDim);
    const nll = nllLoss(logp, target, { weight, ignoreIndex, reduction });
    if (eps === 0) return nll;
    let lw = logp;
    if (weight) lw = logp.mul(weight.reshape(wShape));
    const ignored = target.eq(ignoreIndex);
    const smooth = lw.sum(classDim).neg().maskedFill(ignored, 0);
    let ret: Tensor;
    if (reduction === "none") ret = smooth;
    else if (reduction === "sum") ret = smooth.sum();
    else {
      const valid = ignored.logicalNot();
      const denom = weight ? classWeights(target, valid, whereOp(valid, target, 0), weight).sum() : valid.float().sum();
      ret = smooth.sum().div(denom);
    }
    return nll.mul(1 - eps).add(ret.mul(eps / C));
  });
}

// ---- vision and normalisation (conv, pooling, norms, dropout2d, embedding, pad, interpolate)
export * from "./functional_cv.js";
// ---- attention (scaled dot product, multi-head)
export * from "./functional_attention.js";
