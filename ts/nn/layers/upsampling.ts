// nn.Upsample: F.interpolate as a layer (nearest, nearest-exact, linear, bilinear, area).
import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import * as F from "../functional.js";
import { Module, pyFloat } from "../module.js";
import type { InterpolateMode } from "../functional_cv.js";
import { positional, type PositionalArgs } from "../../options.js";

export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

/** Resamples its input to a size or by a scale factor (torch.nn.Upsample). */
export class Upsample extends Module {
  readonly size: number | readonly number[] | null;
  readonly scaleFactor: number | readonly number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;

  /** PyTorch's positional order; a trailing options object may follow. */
  constructor(...args: PositionalArgs<[size: number | readonly number[] | null, scaleFactor: number | readonly number[] | null, mode: InterpolateMode, alignCorners: boolean | null, recomputeScaleFactor: boolean | null], UpsampleOptions>);
  constructor(...args: unknown[]) {
    super();
    const opts = positional("Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None)", args,
      ["size", "scaleFactor", "mode", "alignCorners", "recomputeScaleFactor"]) as UpsampleOptions;
    this.size = opts.size ?? null;
    this.scaleFactor = opts.scaleFactor ?? null;
    this.mode = opts.mode ?? "nearest";
    this.alignCorners = opts.alignCorners ?? null;
    this.recomputeScaleFactor = opts.recomputeScaleFactor ?? null;
    if (this.size === null && this.scaleFactor === null) throw new ValueError("Upsample: either size or scale_factor should be defined");
  }

  override forward(input: Tensor): Tensor {
    return F.interpolate(input, {
      size: this.size, scaleFactor: this.scaleFactor, mode: this.mode, alignCorners: this.alignCorners, recomputeScaleFactor: this.recomputeScaleFactor,
    });
  }

  override extraRepr(): string {
    const show = (v: number | readonly number[], f: (x: number) => string) => (typeof v === "number" ? f(v) : `(${v.map(f).join(", ")})`);
    const info = this.scaleFactor !== null ? `scale_factor=${show(this.scaleFactor, pyFloat)}` : `size=${show(this.size!, String)}`;
    return `${info}, mode=${this.mode}`;
  }
}
