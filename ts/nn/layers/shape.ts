// nn.Flatten and nn.Unflatten.
import type { Tensor } from "../../tensor.js";
import { Module, pyTuple } from "../module.js";

/** Flattens dims startDim..endDim into one (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  override forward(input: Tensor): Tensor { return input.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}

/** Splits dim into unflattenedSize (one entry may be -1). */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];

  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Array.isArray(unflattenedSize) || !unflattenedSize.every(Number.isInteger)) {
      throw new TypeError("unflattened_size must be a list of integers");
    }
    this.unflattenedSize = [...unflattenedSize];
  }

  override forward(input: Tensor): Tensor { return input.unflatten(this.dim, this.unflattenedSize); }
  override extraRepr(): string { return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`; }
}
