// Activation layers: each calls its nn.functional form.
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import * as F from "../functional.js";
import { Module, pyFloat, pyNum } from "../module.js";

export class ReLU extends Module {
  override forward(input: Tensor): Tensor { return F.relu(input); }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  override forward(input: Tensor): Tensor { return F.leakyRelu(input, this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${pyFloat(this.negativeSlope)}`; }
}

export class GELU extends Module {
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
    if (approximate !== "none" && approximate !== "tanh") throw new ValueError(`approximate argument must be either none or tanh, got ${approximate}`);
  }

  override forward(input: Tensor): Tensor { return F.gelu(input, this.approximate); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

export class SiLU extends Module {
  override forward(input: Tensor): Tensor { return F.silu(input); }
}

export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor { return F.sigmoid(input); }
}

export class Tanh extends Module {
  override forward(input: Tensor): Tensor { return F.tanh(input); }
}

export class LogSigmoid extends Module {
  override forward(input: Tensor): Tensor { return F.logsigmoid(input); }
}

export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
  }

  override forward(input: Tensor): Tensor { return F.softplus(input, this.beta, this.threshold); }
  override extraRepr(): string { return `beta=${pyNum(this.beta)}, threshold=${pyNum(this.threshold)}`; }
}

/** Softmax along dim (with dim null, PyTorch's legacy choice: 0 for 0-, 1- and 3-D input, else 1). */
export class Softmax extends Module {
  constructor(readonly dim: number | null = null) {
    super();
  }

  override forward(input: Tensor): Tensor { return F.softmax(input, this.dim ?? F.legacySoftmaxDim(input.ndim)); }
  override extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number | null = null) {
    super();
  }

  override forward(input: Tensor): Tensor { return F.logSoftmax(input, this.dim ?? F.legacySoftmaxDim(input.ndim)); }
  override extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}
