// Activation layers: each calls its nn.functional form. Arguments follow PyTorch's positional
// order, or come as an options object ({negativeSlope}, {dim}...). `inplace` is accepted for
// PyTorch code and ignored: the result is always a new tensor.
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import { positional } from "../../options.js";
import * as F from "../functional.js";
import { Module, pyFloat, pyNum } from "../module.js";

type Inplace = boolean | { inplace?: boolean };

export class ReLU extends Module {
  constructor(...args: [inplace?: Inplace]) {
    super();
    positional("ReLU(inplace=False)", args, ["inplace"]);
  }

  override forward(input: Tensor): Tensor { return F.relu(input); }
}

export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(...args: [negativeSlope?: number | { negativeSlope?: number; inplace?: boolean }, inplace?: boolean]) {
    super();
    const o = positional("LeakyReLU(negative_slope=0.01, inplace=False)", args, ["negativeSlope", "inplace"]);
    this.negativeSlope = (o.negativeSlope as number | undefined) ?? 0.01;
  }

  override forward(input: Tensor): Tensor { return F.leakyRelu(input, this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${pyFloat(this.negativeSlope)}`; }
}

export class GELU extends Module {
  readonly approximate: "none" | "tanh";

  constructor(...args: [approximate?: "none" | "tanh" | { approximate?: "none" | "tanh" }]) {
    super();
    const approximate = (positional("GELU(approximate='none')", args, ["approximate"]).approximate ?? "none") as "none" | "tanh";
    if (approximate !== "none" && approximate !== "tanh") throw new ValueError(`approximate argument must be either none or tanh, got ${approximate}`);
    this.approximate = approximate;
  }

  override forward(input: Tensor): Tensor { return F.gelu(input, this.approximate); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

export class SiLU extends Module {
  constructor(...args: [inplace?: Inplace]) {
    super();
    positional("SiLU(inplace=False)", args, ["inplace"]);
  }

  override forward(input: Tensor): Tensor { return F.silu(input); }
}

export class Sigmoid extends Module {
  constructor(...args: []) {
    super();
    positional("Sigmoid()", args, []);
  }

  override forward(input: Tensor): Tensor { return F.sigmoid(input); }
}

export class Tanh extends Module {
  constructor(...args: []) {
    super();
    positional("Tanh()", args, []);
  }

  override forward(input: Tensor): Tensor { return F.tanh(input); }
}

export class LogSigmoid extends Module {
  constructor(...args: []) {
    super();
    positional("LogSigmoid()", args, []);
  }

  override forward(input: Tensor): Tensor { return F.logsigmoid(input); }
}

export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(...args: [beta?: number | { beta?: number; threshold?: number }, threshold?: number]) {
    super();
    const o = positional("Softplus(beta=1, threshold=20)", args, ["beta", "threshold"]);
    this.beta = (o.beta as number | undefined) ?? 1;
    this.threshold = (o.threshold as number | undefined) ?? 20;
  }

  override forward(input: Tensor): Tensor { return F.softplus(input, this.beta, this.threshold); }
  override extraRepr(): string { return `beta=${pyNum(this.beta)}, threshold=${pyNum(this.threshold)}`; }
}

function dimArg(name: string, args: unknown[]): number | null {
  const d = positional(`${name}(dim=None)`, args, ["dim"]).dim;
  if (d !== undefined && d !== null && !Number.isInteger(d)) throw new ValueError(`${name}: dim must be an integer or null, got ${String(d)}`);
  return (d as number | null | undefined) ?? null;
}

/** Softmax along dim (with dim null, PyTorch's legacy choice: 0 for 0-, 1- and 3-D input, else 1). */
export class Softmax extends Module {
  readonly dim: number | null;

  constructor(...args: [dim?: number | null | { dim?: number | null }]) {
    super();
    this.dim = dimArg("Softmax", args);
  }

  override forward(input: Tensor): Tensor { return F.softmax(input, this.dim ?? F.legacySoftmaxDim(input.ndim)); }
  override extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}

export class LogSoftmax extends Module {
  readonly dim: number | null;

  constructor(...args: [dim?: number | null | { dim?: number | null }]) {
    super();
    this.dim = dimArg("LogSoftmax", args);
  }

  override forward(input: Tensor): Tensor { return F.logSoftmax(input, this.dim ?? F.legacySoftmaxDim(input.ndim)); }
  override extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}
