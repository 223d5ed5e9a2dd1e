// nn.Dropout: active in training mode, a pass-through in eval mode. Dropout(p, inplace) as
// PyTorch, or {p}; `inplace` is accepted and ignored (the result is always a new tensor).
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import { positional } from "../../options.js";
import * as F from "../functional.js";
import { Module, pyFloat } from "../module.js";

type DropoutArgs = [p?: number | { p?: number; inplace?: boolean }, inplace?: boolean];

function probability(name: string, args: unknown[]): number {
  const p = positional(`${name}(p=0.5, inplace=False)`, args, ["p", "inplace"]).p ?? 0.5;
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${String(p)}`);
  return p;
}

export class Dropout extends Module {
  readonly p: number;

  constructor(...args: DropoutArgs) {
    super();
    this.p = probability("Dropout", args);
  }

  override forward(input: Tensor): Tensor { return F.dropout(input, this.p, this.training); }
  override extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=False`; }
}

/** Channel dropout (nn.Dropout2d): zeroes whole channels of [N, C, H, W] or [C, H, W] input in training mode. */
export class Dropout2d extends Module {
  readonly p: number;

  constructor(...args: DropoutArgs) {
    super();
    this.p = probability("Dropout2d", args);
  }

  override forward(input: Tensor): Tensor { return F.dropout2d(input, this.p, this.training); }
  override extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=False`; }
}
