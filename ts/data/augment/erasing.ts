// Random erasing (torchvision's RandomErasing / F.erase): a box of random area and aspect ratio
// set to a value, per-channel values, or standard normal noise ("random").
import { ValueError } from "../../errors.js";
import { checkOptions } from "../../options.js";
import type { Generator } from "../generator.js";
import { Transform, type Image, type RandomOptions } from "../transforms.js";
import { Tensor } from "../../tensor.js";
import { onPix, roundEven } from "./image.js";
import { draws } from "./random.js";

const f = Math.fround;

/** F.erase: the box [i, i+h) x [j, j+w) set to v (one value, one per channel, or c*h*w values). */
export function erase(img: Image, i: number, j: number, h: number, w: number, v: number | ArrayLike<number>): Image {
  if (![i, j, h, w].every((x) => Number.isInteger(x)) || h < 0 || w < 0) throw new ValueError(`erase: the box (i=${i}, j=${j}, h=${h}, w=${w}) should be integers with h, w >= 0`);
  return onPix(img, "erase", (p) => {
    const vals = typeof v === "number" ? [v] : Array.from(v);
    const full = vals.length === p.c * h * w && vals.length > p.c;
    if (!full && vals.length !== 1 && vals.length !== p.c) throw new ValueError(`erase: value should have 1, ${p.c} (channels) or ${p.c * h * w} values, got ${vals.length}`);
    const out = Float32Array.from(p.data);
    const n = p.h * p.w;
    for (let c = 0; c < p.c; c++) for (let y = Math.max(0, i); y < Math.min(p.h, i + h); y++) for (let x = Math.max(0, j); x < Math.min(p.w, j + w); x++) {
      const val = full ? vals[(c * h + (y - i)) * w + (x - j)] : vals[vals.length === 1 ? 0 : c];
      out[c * n + y * p.w + x] = p.uint8 ? Math.min(255, Math.max(0, Math.trunc(val))) : val;
    }
    return { ...p, data: out };
  });
}

export interface RandomErasingOptions extends RandomOptions {
  p?: number;
  scale?: [number, number];
  ratio?: [number, number];
  /** A value, per-channel values, or "random" (standard normal noise). Default 0. */
  value?: number | number[] | "random";
}

/** torchvision's RandomErasing: with probability p erases a random box (on tensor images, after ToTensor/Normalize). */
export class RandomErasing extends Transform<Image, Image> {
  readonly p: number;
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly value: number | number[] | "random";
  readonly generator?: Generator;
  constructor(opts: RandomErasingOptions = {}) {
    super();
    checkOptions("RandomErasing", opts, ["p", "scale", "ratio", "value", "generator"]);
    this.p = opts.p ?? 0.5;
    this.scale = opts.scale ?? [0.02, 0.33];
    this.ratio = opts.ratio ?? [0.3, 3.3];
    this.value = opts.value ?? 0;
    if (!(this.p >= 0 && this.p <= 1)) throw new ValueError(`RandomErasing: probability should be between 0 and 1, got ${this.p}`);
    if (!(this.scale[0] >= 0 && this.scale[1] <= 1)) throw new ValueError(`RandomErasing: scale should be between 0 and 1, got [${this.scale.join(", ")}]`);
    if (typeof this.value === "string" && this.value !== "random") throw new ValueError(`RandomErasing: if value is a string, it should be "random", got ${JSON.stringify(this.value)}`);
    this.generator = opts.generator;
  }
  /** The box and its values (i, j, h, w, v), as RandomErasing.get_params; null leaves the image as is. */
  params(c: number, imgH: number, imgW: number): [number, number, number, number, number | ArrayLike<number>] | null {
    const d = draws(this.generator);
    const area = imgH * imgW;
    const lr = [f(Math.log(f(this.ratio[0]))), f(Math.log(f(this.ratio[1])))];
    for (let k = 0; k < 10; k++) {
      const ea = area * d.uniform(this.scale[0], this.scale[1]);
      const aspect = f(Math.exp(d.uniform(lr[0], lr[1])));
      const h = roundEven(Math.sqrt(ea * aspect));
      const w = roundEven(Math.sqrt(ea / aspect));
      if (!(h < imgH && w < imgW)) continue;
      const v = this.value === "random" ? d.normal(c * h * w) : this.value;
      return [d.int(0, imgH - h + 1), d.int(0, imgW - w + 1), h, w, v];
    }
    return null;
  }
  apply(img: Image): Image {
    const d = draws(this.generator);
    const copy = () => onPix(img, "RandomErasing", (q) => q);
    if (!(d.uniform(0, 1) < this.p)) return copy();
    const [c, h, w] = img instanceof Tensor ? [img.ndim === 2 ? 1 : img.shape[img.ndim - 3], img.shape[img.ndim - 2], img.shape[img.ndim - 1]] : [img.channels ?? 4, img.height, img.width];
    if (Array.isArray(this.value) && this.value.length !== 1 && this.value.length !== c) throw new ValueError(`RandomErasing: if value is a sequence, it should have either a single value or ${c} (number of input channels)`);
    const box = this.params(c, h, w);
    return box ? erase(img, ...box) : copy();
  }
  override toString(): string {
    return `RandomErasing(p=${this.p}, scale=(${this.scale.join(", ")}), ratio=(${this.ratio.join(", ")}), value=${JSON.stringify(this.value)})`;
  }
}
