// nn.Flatten and nn.Unflatten.
import type { Tensor } from "../../tensor.js";
import { positional } from "../../options.js";
import { Module, pyTuple } from "../module.js";

/** Flattens dims startDim..endDim into one (default: all but the batch dim): Flatten(start_dim=1, end_dim=-1) or {startDim, endDim}. */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(...args: [startDim?: number | { startDim?: number; endDim?: number }, endDim?: number]) {
    super();
    const o = positional("Flatten(start_dim=1, end_dim=-1)", args, ["startDim", "endDim"]);
    this.startDim = (o.startDim as number | undefined) ?? 1;
    this.endDim = (o.endDim as number | undefined) ?? -1;
  }

  override forward(input: Tensor): Tensor { return input.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}

/** Splits dim into unflattenedSize (one entry may be -1). */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];

  constructor(readonly dim: number, unflattenedSize: readonly number[], ...rest: never[]) {
    super();
    positional("Unflatten(dim, unflattened_size)", rest, []);
    if (!Array.isArray(unflattenedSize) || !unflattenedSize.every(Number.isInteger)) {
      throw new TypeError("unflattened_size must be a list of integers");
    }
    this.unflattenedSize = [...unflattenedSize];
  }

  override forward(input: Tensor): Tensor { return input.unflatten(this.dim, this.unflattenedSize); }
  override extraRepr(): string { return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`; }
}
