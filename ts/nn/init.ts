// torch.nn.init: in-place initialisers. Each fills its tensor under kd.noGrad (so it works
// on parameters, which are leaves requiring grad) from the engine's seeded generator, and
// returns the tensor.
import { noGrad } from "../autograd.js";
import { ValueError } from "../errors.js";
import { eye } from "../creation.js";
import type { Tensor } from "../tensor.js";

export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d"
  | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

export type FanMode = "fan_in" | "fan_out";

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "conv3d":
    case "conv_transpose1d": case "conv_transpose2d": case "conv_transpose3d": case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      if (typeof slope !== "number" || !Number.isFinite(slope)) throw new ValueError(`negative_slope ${slope} not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new ValueError(`Unsupported nonlinearity ${nonlinearity}`);
  }
}

/** [fan_in, fan_out] of a weight: dims 1 and 0, times the receptive field (dims 2...). */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  const s = t.shape;
  if (s.length < 2) throw new ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  const rf = s.slice(2).reduce((a, b) => a * b, 1);
  return [s[1] * rf, s[0] * rf];
}

function fan(t: Tensor, mode: FanMode): number {
  if (mode !== "fan_in" && mode !== "fan_out") throw new ValueError(`Mode ${mode} not supported, please use one of fan_in, fan_out`);
  const [fi, fo] = calculateFanInAndFanOut(t);
  return mode === "fan_in" ? fi : fo;
}

export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return noGrad(() => t.uniform_(a, b));
}

export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => t.normal_(mean, std));
}

export function constant_(t: Tensor, val: number): Tensor {
  return noGrad(() => t.fill_(val));
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** The identity matrix, in a 2-D tensor. */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new ValueError("Only tensors with 2 dimensions are supported");
  const e = eye(t.shape[0], t.shape[1]);
  try {
    return noGrad(() => t.copy_(e));
  } finally {
    e.dispose();
  }
}

export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/** He initialisation: U(-b, b), b = gain * sqrt(3 / fan) (torch.nn.init.kaiming_uniform_). */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const f = fan(t, opts.mode ?? "fan_in");
  if (f === 0) return t; // as PyTorch: warns "Initializing zero-element tensors is a no-op"
  const std = calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0) / Math.sqrt(f);
  const bound = Math.sqrt(3) * std;
  return uniform_(t, -bound, bound);
}

/** He initialisation: N(0, std²), std = gain / sqrt(fan) (torch.nn.init.kaiming_normal_). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const f = fan(t, opts.mode ?? "fan_in");
  if (f === 0) return t;
  const std = calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0) / Math.sqrt(f);
  return normal_(t, 0, std);
}

/** Glorot initialisation: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fi, fo] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fi + fo));
  return uniform_(t, -a, a);
}

/** Glorot initialisation: N(0, std²), std = gain * sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const [fi, fo] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fi + fo)));
}
