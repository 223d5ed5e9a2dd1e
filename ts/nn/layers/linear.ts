// nn.Linear and nn.Identity.
import { noGrad } from "../../autograd.js";
import { empty } from "../../creation.js";
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import * as F from "../functional.js";
import * as init from "../init.js";
import { Module, Parameter, pyBool } from "../module.js";
import { positional } from "../../options.js";

/** A placeholder that returns its input (a new handle to it), as torch.nn.Identity. */
export class Identity extends Module {
  /** Takes (and ignores) any arguments, as PyTorch's does. */
  constructor(..._args: unknown[]) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return input.view(input.shape);
  }
}

/**
 * y = x Wᵀ + b. weight is [outFeatures, inFeatures]; both are initialised as PyTorch's
 * reset_parameters: kaiming-uniform with a = √5 (so U(-1/√in, 1/√in)) for the weight and
 * U(-1/√in, 1/√in) for the bias.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  /** Linear(in_features, out_features, bias=True): bias positionally or as {bias}. */
  constructor(inFeatures: number, outFeatures: number, ...args: [opts?: { bias?: boolean } | boolean]) {
    super();
    const bias = (positional("Linear(in_features, out_features, bias=True)", args, ["bias"]).bias ?? true) as boolean;
    for (const [n, v] of [["in_features", inFeatures], ["out_features", outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`Linear(): ${n} must be a non-negative integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = param([outFeatures, inFeatures]);
    this.bias = bias ? param([outFeatures]) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    noGrad(() => {
      init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
      if (this.bias) {
        const fanIn = this.inFeatures;
        const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
        init.uniform_(this.bias, -bound, bound);
      }
    });
  }

  override forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** A zero-filled float32 parameter of the given shape. */
export function param(shape: number[]): Parameter {
  const t = empty(shape);
  try {
    return new Parameter(t);
  } finally {
    t.dispose();
  }
}
