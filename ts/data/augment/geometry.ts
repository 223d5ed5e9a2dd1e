// Affine warps (affine, rotate, the shears and translations of AutoAugment) as torchvision 0.14's
// tensor path: the inverse matrix of _get_inverse_affine_matrix, the sampling grid of
// _gen_affine_grid in float32, grid_sample (zeros padding, align_corners=False) nearest or
// bilinear, and the fill blended through a mask channel (_apply_grid_transform). Also resized
// crop and the RandomAffine / RandomResizedCrop transforms.
import { ValueError } from "../../errors.js";
import { checkOptions } from "../../options.js";
import type { Generator } from "../generator.js";
import { functional as F, Transform, type Image, type Interpolation, type RandomOptions } from "../transforms.js";
import { Tensor } from "../../tensor.js";
import { onPix, roundEven, type Pix } from "./image.js";
import { draws } from "./random.js";

const f = Math.fround;
const rad = (d: number) => (d * Math.PI) / 180;

/** _get_inverse_affine_matrix: output pixel -> input pixel, about `center` (relative to the image centre). */
export function inverseAffineMatrix(center: [number, number], angle: number, translate: [number, number], scale: number, shear: [number, number]): number[] {
  const rot = rad(angle);
  const sx = rad(shear[0]);
  const sy = rad(shear[1]);
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/** Warps p by the inverse matrix (torchvision's F_t.affine); `fill` undefined is torchvision's fill=None. */
export function warpPix(p: Pix, matrix: number[], mode: Interpolation, fill?: number | number[]): Pix {
  const { h, w } = p;
  // theta^T / [w/2, h/2], then the grid of output pixel centres relative to the image centre.
  const t = matrix.map((v) => f(v));
  const hw2 = f(0.5 * w);
  const hh2 = f(0.5 * h);
  const [a, b, c] = [f(t[0] / hw2), f(t[1] / hw2), f(t[2] / hw2)];
  const [d, e, g] = [f(t[3] / hh2), f(t[4] / hh2), f(t[5] / hh2)];
  const fills = fill === undefined ? null : typeof fill === "number" ? [fill] : fill;
  const out = new Float32Array(p.data.length);
  const n = h * w;
  for (let y = 0; y < h; y++) {
    const by = f(-h * 0.5 + 0.5 + y);
    for (let x = 0; x < w; x++) {
      const bx = f(-w * 0.5 + 0.5 + x);
      // torch's bmm sums in its own order (not reproduced): a grid point at a .5 tie may round the other way
      const gx = f(f(f(bx * a) + f(by * b)) + c);
      const gy = f(f(f(bx * d) + f(by * e)) + g);
      const ix = f(f(f(f(gx + 1) * w) - 1) / 2);
      const iy = f(f(f(f(gy + 1) * h) - 1) / 2);
      if (mode === "nearest") {
        const xi = roundEven(ix);
        const yi = roundEven(iy);
        const inside = xi >= 0 && xi < w && yi >= 0 && yi < h;
        for (let k = 0; k < p.c; k++) out[k * n + y * w + x] = inside ? p.data[k * n + yi * w + xi] : fills ? fills[k % fills.length] : 0;
        continue;
      }
      const x0 = Math.floor(ix);
      const y0 = Math.floor(iy);
      const x1 = x0 + 1;
      const y1 = y0 + 1;
      const wts = [f(f(x1 - ix) * f(y1 - iy)), f(f(ix - x0) * f(y1 - iy)), f(f(x1 - ix) * f(iy - y0)), f(f(ix - x0) * f(iy - y0))];
      const pts = [[x0, y0], [x1, y0], [x0, y1], [x1, y1]];
      let mask = 0;
      for (let j = 0; j < 4; j++) if (pts[j][0] >= 0 && pts[j][0] < w && pts[j][1] >= 0 && pts[j][1] < h) mask = f(mask + wts[j]);
      for (let k = 0; k < p.c; k++) {
        let s = 0;
        for (let j = 0; j < 4; j++) {
          const [xx, yy] = pts[j];
          if (xx >= 0 && xx < w && yy >= 0 && yy < h) s = f(s + f(p.data[k * n + yy * w + xx] * wts[j]));
        }
        if (fills) s = f(f(s * mask) + f(f(1 - mask) * fills[k % fills.length]));
        out[k * n + y * w + x] = p.uint8 ? roundEven(s) : s;
      }
    }
  }
  return { ...p, data: out };
}

export interface AffineOptions {
  interpolation?: Interpolation;
  /** Value(s) outside the image; default none (zeros, as torchvision's fill=None). */
  fill?: number | number[];
  /** Centre of the transform in pixels (x, y from the top-left corner); default the image centre. */
  center?: [number, number];
}

function checkInterpolation(who: string, m: Interpolation): void {
  if (m !== "nearest" && m !== "bilinear") throw new ValueError(`${who}: interpolation must be "nearest" or "bilinear", got ${JSON.stringify(m)}`);
}

/**
 * torchvision's F.affine: rotate by `angle` degrees (clockwise), translate (pixels, post-rotation),
 * scale, shear (degrees, x or [x, y]) about the centre, nearest (default) or bilinear.
 */
export function affine(img: Image, angle: number, translate: [number, number], scale: number, shear: number | [number, number], opts: AffineOptions = {}): Image {
  checkOptions("affine", opts, ["interpolation", "fill", "center"]);
  const mode = opts.interpolation ?? "nearest";
  checkInterpolation("affine", mode);
  if (!(scale > 0)) throw new ValueError(`affine: scale should be positive, got ${scale}`);
  if (!Array.isArray(translate) || translate.length !== 2) throw new ValueError(`affine: translate should be a pair [tx, ty], got ${JSON.stringify(translate)}`);
  const sh: [number, number] = typeof shear === "number" ? [shear, 0] : [shear[0], shear[1] ?? 0];
  return onPix(img, "affine", (p) => {
    const center: [number, number] = opts.center ? [opts.center[0] - p.w * 0.5, opts.center[1] - p.h * 0.5] : [0, 0];
    return warpPix(p, inverseAffineMatrix(center, angle, translate, scale, sh), mode, opts.fill);
  });
}

/** torchvision's F.rotate (tensor path): `angle` degrees counter-clockwise, the output the input's size. */
export function rotate(img: Image, angle: number, opts: AffineOptions = {}): Image {
  checkOptions("rotate", opts, ["interpolation", "fill", "center"]);
  const mode = opts.interpolation ?? "nearest";
  checkInterpolation("rotate", mode);
  return onPix(img, "rotate", (p) => {
    const center: [number, number] = opts.center ? [opts.center[0] - p.w * 0.5, opts.center[1] - p.h * 0.5] : [0, 0];
    return warpPix(p, inverseAffineMatrix(center, -angle, [0, 0], 1, [0, 0]), mode, opts.fill);
  });
}

/** F.resized_crop: the window [top, top+height) x [left, left+width), resized to `size`. */
export function resizedCrop(img: Image, top: number, left: number, height: number, width: number, size: number | [number, number], interpolation: Interpolation = "bilinear"): Image {
  const crop = F.crop(img, top, left, height, width);
  try {
    return F.resize(crop, size, interpolation);
  } finally {
    if (crop instanceof Tensor) crop.dispose();
  }
}

function sizeOf(img: Image): [number, number] {
  if (img instanceof Tensor) return [img.shape[img.ndim - 2], img.shape[img.ndim - 1]];
  return [img.height, img.width];
}

function range2(v: number | [number, number], who: string, name: string): [number, number] {
  if (typeof v === "number") {
    if (v < 0) throw new ValueError(`${who}: if ${name} is a single number, it must be positive, got ${v}`);
    return [-v, v];
  }
  if (!Array.isArray(v) || v.length !== 2) throw new ValueError(`${who}: ${name} should be a number or a [min, max] pair`);
  return [v[0], v[1]];
}

export interface RandomAffineOptions extends RandomOptions {
  translate?: [number, number];
  scale?: [number, number];
  shear?: number | [number, number] | [number, number, number, number];
  interpolation?: Interpolation;
  fill?: number | number[];
  center?: [number, number];
}

/** torchvision's RandomAffine: angle, translation (fractions of the size), scale and shear drawn uniformly. */
export class RandomAffine extends Transform<Image, Image> {
  readonly degrees: [number, number];
  readonly translate?: [number, number];
  readonly scale?: [number, number];
  readonly shear?: number[];
  readonly interpolation: Interpolation;
  readonly fill: number | number[];
  readonly center?: [number, number];
  readonly generator?: Generator;
  constructor(degrees: number | [number, number], opts: RandomAffineOptions = {}) {
    super();
    checkOptions("RandomAffine", opts, ["translate", "scale", "shear", "interpolation", "fill", "center", "generator"]);
    this.degrees = range2(degrees, "RandomAffine", "degrees");
    if (opts.translate && !(opts.translate.length === 2 && opts.translate.every((t) => t >= 0 && t <= 1))) throw new ValueError(`RandomAffine: translation values should be between 0 and 1, got ${JSON.stringify(opts.translate)}`);
    if (opts.scale && !(opts.scale.length === 2 && opts.scale.every((s) => s > 0))) throw new ValueError(`RandomAffine: scale values should be positive, got ${JSON.stringify(opts.scale)}`);
    if (opts.shear !== undefined) {
      const s = opts.shear;
      if (typeof s === "number") this.shear = range2(s, "RandomAffine", "shear");
      else if (s.length === 2 || s.length === 4) this.shear = s.slice();
      else throw new ValueError(`RandomAffine: shear should be a number or a sequence of 2 or 4 numbers`);
    }
    this.translate = opts.translate;
    this.scale = opts.scale;
    this.interpolation = opts.interpolation ?? "nearest";
    checkInterpolation("RandomAffine", this.interpolation);
    this.fill = opts.fill ?? 0;
    this.center = opts.center;
    this.generator = opts.generator;
  }
  apply(img: Image): Image {
    const [h, w] = sizeOf(img);
    const d = draws(this.generator);
    const angle = d.uniform(this.degrees[0], this.degrees[1]);
    let tr: [number, number] = [0, 0];
    if (this.translate) {
      const mx = this.translate[0] * w;
      const my = this.translate[1] * h;
      tr = [Math.trunc(roundEven(d.uniform(-mx, mx))), Math.trunc(roundEven(d.uniform(-my, my)))];
    }
    const scale = this.scale ? d.uniform(this.scale[0], this.scale[1]) : 1;
    let shear: [number, number] = [0, 0];
    if (this.shear) {
      shear = [d.uniform(this.shear[0], this.shear[1]), 0];
      if (this.shear.length === 4) shear[1] = d.uniform(this.shear[2], this.shear[3]);
    }
    return affine(img, angle, tr, scale, shear, { interpolation: this.interpolation, fill: this.fill, center: this.center });
  }
  override toString(): string {
    return `RandomAffine(degrees=[${this.degrees.join(", ")}])`;
  }
}

export interface RandomResizedCropOptions extends RandomOptions {
  scale?: [number, number];
  ratio?: [number, number];
  interpolation?: Interpolation;
}

/** torchvision's RandomResizedCrop: a window of random area and aspect ratio, resized to `size`. */
export class RandomResizedCrop extends Transform<Image, Image> {
  readonly size: [number, number];
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly interpolation: Interpolation;
  readonly generator?: Generator;
  constructor(size: number | [number, number], opts: RandomResizedCropOptions = {}) {
    super();
    checkOptions("RandomResizedCrop", opts, ["scale", "ratio", "interpolation", "generator"]);
    const s = typeof size === "number" ? [size, size] : size;
    if (s.length !== 2 || !s.every((v) => Number.isInteger(v) && v > 0)) throw new ValueError(`RandomResizedCrop: size should be a positive integer or a [h, w] pair, got ${JSON.stringify(size)}`);
    this.size = [s[0], s[1]];
    this.scale = opts.scale ?? [0.08, 1];
    this.ratio = opts.ratio ?? [3 / 4, 4 / 3];
    if (!(this.scale[0] <= this.scale[1] && this.ratio[0] <= this.ratio[1] && this.ratio[0] > 0)) throw new ValueError(`RandomResizedCrop: scale and ratio should be [min, max] pairs (ratio positive)`);
    this.interpolation = opts.interpolation ?? "bilinear";
    checkInterpolation("RandomResizedCrop", this.interpolation);
    this.generator = opts.generator;
  }
  /** The window (top, left, height, width), as RandomResizedCrop.get_params. */
  params(height: number, width: number): [number, number, number, number] {
    const d = draws(this.generator);
    const area = height * width;
    const lr = [f(Math.log(f(this.ratio[0]))), f(Math.log(f(this.ratio[1])))];
    for (let k = 0; k < 10; k++) {
      const target = area * d.uniform(this.scale[0], this.scale[1]);
      const aspect = f(Math.exp(d.uniform(lr[0], lr[1])));
      const w = roundEven(Math.sqrt(target * aspect));
      const h = roundEven(Math.sqrt(target / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) return [d.int(0, height - h + 1), d.int(0, width - w + 1), h, w];
    }
    const inRatio = width / height;
    let [w, h] = [width, height];
    if (inRatio < this.ratio[0]) h = roundEven(w / this.ratio[0]);
    else if (inRatio > this.ratio[1]) w = roundEven(h * this.ratio[1]);
    return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
  }
  apply(img: Image): Image {
    const [h, w] = sizeOf(img);
    const [top, left, ch, cw] = this.params(h, w);
    return resizedCrop(img, top, left, ch, cw, this.size, this.interpolation);
  }
  override toString(): string {
    return `RandomResizedCrop(size=(${this.size.join(", ")}), scale=(${this.scale.join(", ")}), ratio=(${this.ratio.map((r) => Math.round(r * 1e4) / 1e4).join(", ")}), interpolation=${this.interpolation})`;
  }
}
