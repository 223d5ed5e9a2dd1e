// kd.transforms: torchvision.transforms for images.
//
//   const t = new kd.transforms.Compose([
//     new kd.transforms.RandomCrop(28, { padding: 4 }),
//     new kd.transforms.RandomHorizontalFlip(),
//     new kd.transforms.ToTensor(),
//     new kd.transforms.Normalize([0.2860], [0.3530]),
//   ]);
//   t.apply(image)  // a Tensor [1, 28, 28]
//
// Images are RawImage (uint8, height x width x channels, what datasets give before ToTensor, and
// what a browser ImageData is) or float tensors [C, H, W] / [H, W] (a batch [B, C, H, W] works
// for the deterministic transforms and gets one draw of the random ones, as torchvision does).
// Geometric transforms keep the kind they are given: RawImage in, RawImage out.
// Constructors take torchvision's positional arguments (RandomCrop(32, 4), Normalize(mean, std,
// inplace)) or, after the required ones, an options object in camelCase; an unknown key or one
// positional too many is a ValueError naming torchvision's signature.
// Random transforms draw from their `generator` when given one, else from the engine's generator,
// so kd.manualSeed(n) makes an augmentation pipeline reproducible, as torch.manual_seed does.
import { fromArray, fromBytes, rand } from "../creation.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";
import { tidy } from "../memory.js";
import { interpolate, pad as padTensor } from "../nn/functional_cv.js";
import { Tensor } from "../tensor.js";
import { describe, positional, type PositionalArgs } from "../options.js";
import type { Generator } from "./generator.js";

/** An 8-bit image, rows of pixels of `channels` interleaved values (HWC); channels defaults to 4 (ImageData). */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  height: number;
  width: number;
  channels?: number;
}

export type Image = RawImage | Tensor;
export type Interpolation = "nearest" | "bilinear";
export type PaddingMode = "constant" | "edge" | "reflect" | "symmetric";
export type TransformLike = Transform | ((x: any) => any); // eslint-disable-line @typescript-eslint/no-explicit-any

export abstract class Transform<I = any, O = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  /** True when apply() on a batch [B, C, H, W] is apply() on each image (deterministic transforms). */
  readonly batchable: boolean = false;
  abstract apply(x: I): O;
  /** torchvision's repr, e.g. "Normalize(mean=[0.5], std=[0.5])". */
  toString(): string {
    return `${this.constructor.name}()`;
  }
}

/** Applies a transform or a function. */
export function applyTransform(t: TransformLike, x: unknown): unknown {
  return t instanceof Transform ? t.apply(x) : (t as (x: unknown) => unknown)(x);
}

/** Several transforms in order. */
export class Compose extends Transform {
  readonly transforms: readonly TransformLike[];
  constructor(transforms: TransformLike[], ...rest: []) {
    super();
    positional("Compose(transforms)", rest, []);
    if (!Array.isArray(transforms)) throw new ValueError(`Compose(transforms): transforms must be an array of transforms, got ${describe(transforms)}`);
    transforms.forEach((t, i) => {
      if (!(t instanceof Transform) && typeof t !== "function") throw new ValueError(`Compose(transforms): transforms[${i}] is ${describe(t)}, not a transform or a function`);
    });
    this.transforms = transforms.slice();
    (this as { batchable: boolean }).batchable = this.transforms.every((t) => t instanceof Transform && t.batchable);
  }
  apply(x: unknown): unknown {
    let v = x;
    for (const t of this.transforms) {
      const next = applyTransform(t, v);
      // Tensors made between two steps are the pipeline's own: free them (not the input).
      if (v instanceof Tensor && v !== x && v !== next) v.dispose();
      v = next;
    }
    return v;
  }
  override toString(): string {
    return `Compose(\n${this.transforms.map((t) => `    ${t instanceof Transform ? t.toString() : "Lambda()"}`).join("\n")}\n)`;
  }
}

/** A function as a transform. */
export class Lambda extends Transform {
  constructor(readonly fn: (x: any) => any, ...rest: []) { // eslint-disable-line @typescript-eslint/no-explicit-any
    super();
    positional("Lambda(lambd)", rest, []);
    if (typeof fn !== "function") throw new ValueError(`Lambda(lambd): lambd must be a function, got ${describe(fn)}`);
  }
  apply(x: unknown): unknown {
    return this.fn(x);
  }
}

// ---- ToTensor, Normalize ----------------------------------------------------------------------

/** uint8 HWC (RawImage / ImageData) to a float32 tensor [C, H, W] in [0, 1]. */
export class ToTensor extends Transform<RawImage, Tensor> {
  constructor(...args: []) {
    super();
    positional("ToTensor()", args, []);
  }
  apply(img: RawImage): Tensor {
    if (img instanceof Tensor) throw new TypeError("ToTensor: the input is already a Tensor (ToTensor takes a RawImage: uint8 data, height, width, channels)");
    const { h, w, c } = rawDims(img, "ToTensor");
    const d = img.data;
    if (c === 1) return bytesToUnitTensor(d, [1, h, w]); // HWC is CHW for one channel
    const out = new Float32Array(c * h * w);
    const hw = h * w;
    for (let i = 0; i < hw; i++) for (let k = 0; k < c; k++) out[k * hw + i] = UNIT[d[i * c + k]];
    return fromArray(out, [c, h, w], "float32");
  }

  /** A batch at once: `n` images of uint8 CHW (= HWC for one channel) pixels to [n, c, h, w]. */
  static batch(pixels: Uint8Array, n: number, c: number, h: number, w: number): Tensor {
    const m = n * c * h * w;
    if (pixels.length < m) throw new ShapeError(`ToTensor.batch: ${pixels.length} bytes for ${n}x${c}x${h}x${w}`);
    return bytesToUnitTensor(pixels, [n, c, h, w]);
  }
}

const UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** A float32 tensor of `shape` holding bytes / 255, written straight into engine memory. */
export function bytesToUnitTensor(pixels: ArrayLike<number>, shape: number[]): Tensor {
  const m = shape.reduce((a, b) => a * b, 1);
  return fromBytes(shape, "float32", (bytes) => {
    const dst = new Float32Array(bytes.buffer, bytes.byteOffset, m);
    for (let i = 0; i < m; i++) dst[i] = UNIT[pixels[i]];
  });
}

/** (x - mean[c]) / std[c] per channel, for [C, H, W] or [B, C, H, W] float tensors. */
export class Normalize extends Transform<Tensor, Tensor> {
  override readonly batchable = true;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Writes the result into the input tensor (torchvision's inplace=True) instead of a new one. */
  readonly inplace: boolean;
  constructor(mean: number | number[], std: number | number[], ...args: PositionalArgs<[inplace: boolean], { inplace?: boolean }>);
  constructor(mean: number | number[], std: number | number[], ...args: unknown[]) {
    super();
    const o = positional("Normalize(mean, std, inplace=False)", args, ["inplace"]);
    this.inplace = checkFlag("Normalize", "inplace", o.inplace ?? false);
    const nums = (v: unknown, name: string) => {
      if (typeof v === "number") return [v];
      const list = Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<number>) : null;
      if (!list || list.length === 0 || list.some((x) => typeof x !== "number")) throw new ValueError(`Normalize(mean, std, inplace=False): ${name} must be a number or an array of numbers, got ${describe(v)}`);
      return list;
    };
    this.mean = nums(mean, "mean");
    this.std = nums(std, "std");
    if (this.std.some((s) => s === 0)) throw new ValueError(`Normalize: std evaluated to zero after conversion, leading to division by zero (std=[${this.std.join(", ")}])`);
    if (this.mean.length !== this.std.length) throw new ValueError(`Normalize: mean has ${this.mean.length} values and std ${this.std.length}`);
  }
  apply(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError("Normalize: the input should be a Tensor (use ToTensor first)");
    if (x.dtype !== "float32") throw new DTypeError(`Normalize: input tensor should be a float tensor, got ${x.dtype}`);
    if (x.ndim < 3) throw new ShapeError(`Normalize: expected a tensor image of size (..., C, H, W), got [${x.shape.join(", ")}]`);
    const c = x.shape[x.ndim - 3];
    const k = this.mean.length;
    if (k !== 1 && k !== c) throw new ShapeError(`Normalize: ${k} means/stds for an image of ${c} channels`);
    const m = fromArray(this.mean, [k, 1, 1], "float32");
    const s = fromArray(this.std, [k, 1, 1], "float32");
    if (this.inplace) {
      try {
        return x.sub_(m).div_(s);
      } finally {
        m.dispose();
        s.dispose();
      }
    }
    const d = x.sub(m);
    try {
      return d.div(s);
    } finally {
      m.dispose();
      s.dispose();
      d.dispose();
    }
  }
  override toString(): string {
    return `Normalize(mean=[${this.mean.join(", ")}], std=[${this.std.join(", ")}])`;
  }
}

// ---- geometry on planes ---------------------------------------------------------------------

/** Float planes [c, h, w] (c folds every leading dim) plus how to turn them back. */
interface Planes {
  data: Float32Array;
  c: number;
  h: number;
  w: number;
  back: (p: Planes) => Image;
}

function rawDims(img: RawImage, who: string): { h: number; w: number; c: number } {
  if (!img || !(img.data instanceof Uint8Array || img.data instanceof Uint8ClampedArray)) {
    throw new TypeError(`${who}: expected a RawImage {data: Uint8Array, height, width, channels} or a Tensor`);
  }
  const c = img.channels ?? 4;
  const { height: h, width: w } = img;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0 && Number.isInteger(c) && c > 0)) {
    throw new ValueError(`${who}: bad image dims ${h}x${w}x${c}`);
  }
  if (img.data.length !== h * w * c) throw new ShapeError(`${who}: image data has ${img.data.length} bytes, expected ${h}x${w}x${c} = ${h * w * c}`);
  return { h, w, c };
}

function toPlanes(img: Image, who: string): Planes {
  if (img instanceof Tensor) {
    if (img.dtype !== "float32") throw new DTypeError(`${who}: expected a float32 tensor image, got ${img.dtype}`);
    if (img.ndim < 2) throw new ShapeError(`${who}: expected a tensor image [..., H, W], got [${img.shape.join(", ")}]`);
    const shape = img.shape.slice();
    const h = shape[shape.length - 2];
    const w = shape[shape.length - 1];
    const c = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const lead = shape.slice(0, -2);
    return {
      data: img.dataSync() as Float32Array,
      c,
      h,
      w,
      back: (p) => fromArray(p.data, [...lead, p.h, p.w], "float32"),
    };
  }
  const { h, w, c } = rawDims(img, who);
  const data = new Float32Array(c * h * w);
  const hw = h * w;
  for (let i = 0; i < hw; i++) for (let k = 0; k < c; k++) data[k * hw + i] = img.data[i * c + k];
  const clamped = img.data instanceof Uint8ClampedArray;
  return {
    data,
    c,
    h,
    w,
    back: (p) => {
      const n = p.h * p.w;
      const out = clamped ? new Uint8ClampedArray(n * p.c) : new Uint8Array(n * p.c);
      for (let i = 0; i < n; i++) for (let k = 0; k < p.c; k++) out[i * p.c + k] = Math.min(255, Math.max(0, roundHalfEven(p.data[k * n + i])));
      return { data: out, height: p.h, width: p.w, channels: p.c } as RawImage;
    },
  };
}

// ---- geometry on tensor images: engine ops --------------------------------------------------
// A float32 tensor image is resized, padded, cropped and flipped by the engine (F.interpolate,
// F.pad, slices, flip), so it never leaves the engine. What the engine has no op for
// (symmetric padding, a per-channel fill, rotation) and 8-bit RawImages use the planes below.

function checkTensorImage(x: Tensor, who: string): void {
  if (x.dtype !== "float32") throw new DTypeError(`${who}: expected a float32 tensor image, got ${x.dtype}`);
  if (x.ndim < 2) throw new ShapeError(`${who}: expected a tensor image [..., H, W], got [${x.shape.join(", ")}]`);
}

/** f on x as [1, C, H, W] (C folds every leading dim), with x's leading dims restored. */
function on4d(x: Tensor, f: (x4: Tensor) => Tensor): Tensor {
  const lead = x.shape.slice(0, -2);
  const [h, w] = x.shape.slice(-2);
  return tidy(() => {
    const y = f(x.reshape([1, lead.reduce((a, b) => a * b, 1), h, w]));
    return y.reshape([...lead, ...y.shape.slice(-2)]);
  });
}

/** A window [top, top+h) x [left, left+w) of x, padding outside it; null when the engine cannot pad so. */
function cropTensor(x: Tensor, top: number, left: number, h: number, w: number, fill: number[] | number = 0, mode: PaddingMode = "constant"): Tensor | null {
  const [H, W] = x.shape.slice(-2);
  const pads = [Math.max(0, -left), Math.max(0, left + w - W), Math.max(0, -top), Math.max(0, top + h - H)];
  const fills = typeof fill === "number" ? [fill] : fill;
  const padded = pads.some((v) => v > 0);
  if (padded && (mode === "symmetric" || (mode === "constant" && fills.some((v) => v !== fills[0])))) return null;
  return tidy(() => {
    let y = x;
    if (padded && mode === "constant") y = padTensor(x, pads, "constant", fills[0]);
    else if (padded) y = on4d(x, (x4) => padTensor(x4, pads, mode === "edge" ? "replicate" : "reflect"));
    const d = y.ndim;
    return y.slice(d - 2, top + pads[2], top + pads[2] + h).slice(d - 1, left + pads[0], left + pads[0] + w).clone();
  });
}

function flipTensor(x: Tensor, horizontal: boolean): Tensor {
  const dim = horizontal ? x.ndim - 1 : x.ndim - 2;
  return x.flip([dim]);
}

/** Height and width of a checked image (a float32 tensor image or a valid RawImage). */
function sizeOf(img: Image, who: string): [number, number] {
  if (!(img instanceof Tensor)) return [rawDims(img, who).h, rawDims(img, who).w];
  checkTensorImage(img, who);
  return [img.shape[img.ndim - 2], img.shape[img.ndim - 1]];
}

/** An image op: engine ops for a tensor image (unless `tensor` returns null), JS planes otherwise. */
function geometry(img: Image, who: string, tensor: (x: Tensor) => Tensor | null, planes: (p: Planes) => Planes): Image {
  if (img instanceof Tensor) {
    checkTensorImage(img, who);
    const y = tensor(img);
    if (y) return y;
  }
  const p = toPlanes(img, who);
  return p.back(planes(p));
}

/** Height and width of an image. */
export function imageSize(img: Image): [number, number] {
  if (img instanceof Tensor) return [img.shape[img.ndim - 2], img.shape[img.ndim - 1]];
  return [img.height, img.width];
}

/** Python's round(): halves to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The source index for `i` when the image is padded by reading outside [0, n). -1 means fill. */
function padIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case "constant":
      return -1;
    case "edge":
      return i < 0 ? 0 : n - 1;
    case "reflect": {
      if (n === 1) return 0;
      const p = 2 * (n - 1);
      let k = ((i % p) + p) % p;
      if (k >= n) k = p - k;
      return k;
    }
    case "symmetric": {
      const p = 2 * n;
      let k = ((i % p) + p) % p;
      if (k >= n) k = p - 1 - k;
      return k;
    }
  }
}

/** A window [top, top+h) x [left, left+w) of p; outside the image it reads padding. */
function cropPlanes(p: Planes, top: number, left: number, h: number, w: number, fill: number[] | number = 0, mode: PaddingMode = "constant"): Planes {
  const out = new Float32Array(p.c * h * w);
  const fills = typeof fill === "number" ? [fill] : fill;
  for (let k = 0; k < p.c; k++) {
    const fv = fills[k % fills.length];
    const src = k * p.h * p.w;
    const dst = k * h * w;
    for (let y = 0; y < h; y++) {
      const sy = padIndex(top + y, p.h, mode);
      for (let x = 0; x < w; x++) {
        const sx = padIndex(left + x, p.w, mode);
        out[dst + y * w + x] = sy < 0 || sx < 0 ? fv : p.data[src + sy * p.w + sx];
      }
    }
  }
  return { ...p, data: out, h, w };
}

function flipPlanes(p: Planes, horizontal: boolean): Planes {
  const out = new Float32Array(p.data.length);
  const { h, w } = p;
  for (let k = 0; k < p.c; k++) {
    const o = k * h * w;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      out[o + y * w + x] = horizontal ? p.data[o + y * w + (w - 1 - x)] : p.data[o + (h - 1 - y) * w + x];
    }
  }
  return { ...p, data: out };
}

/** Resampling as torch.nn.functional.interpolate (align_corners=False, no antialias). */
function resizePlanes(p: Planes, oh: number, ow: number, mode: Interpolation): Planes {
  const out = new Float32Array(p.c * oh * ow);
  const { h, w } = p;
  const sh = h / oh;
  const sw = w / ow;
  if (mode === "nearest") {
    const ys = Int32Array.from({ length: oh }, (_, y) => Math.min(Math.floor(y * sh), h - 1));
    const xs = Int32Array.from({ length: ow }, (_, x) => Math.min(Math.floor(x * sw), w - 1));
    for (let k = 0; k < p.c; k++) {
      const s = k * h * w;
      const d = k * oh * ow;
      for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) out[d + y * ow + x] = p.data[s + ys[y] * w + xs[x]];
    }
    return { ...p, data: out, h: oh, w: ow };
  }
  const axis = (n: number, on: number, scale: number) => {
    const i0 = new Int32Array(on);
    const i1 = new Int32Array(on);
    const l = new Float32Array(on);
    for (let o = 0; o < on; o++) {
      const src = Math.max((o + 0.5) * scale - 0.5, 0);
      const a = Math.min(Math.floor(src), n - 1);
      i0[o] = a;
      i1[o] = Math.min(a + 1, n - 1);
      l[o] = src - a;
    }
    return { i0, i1, l };
  };
  const Y = axis(h, oh, sh);
  const X = axis(w, ow, sw);
  for (let k = 0; k < p.c; k++) {
    const s = k * h * w;
    const d = k * oh * ow;
    for (let y = 0; y < oh; y++) {
      const r0 = s + Y.i0[y] * w;
      const r1 = s + Y.i1[y] * w;
      const ly = Y.l[y];
      for (let x = 0; x < ow; x++) {
        const lx = X.l[x];
        const a = p.data[r0 + X.i0[x]] * (1 - lx) + p.data[r0 + X.i1[x]] * lx;
        const b = p.data[r1 + X.i0[x]] * (1 - lx) + p.data[r1 + X.i1[x]] * lx;
        out[d + y * ow + x] = a * (1 - ly) + b * ly;
      }
    }
  }
  return { ...p, data: out, h: oh, w: ow };
}

/**
 * Rotation by `angle` degrees counter-clockwise about `center` (x, y; torchvision's convention:
 * the image centre by default), as torchvision's rotate on tensors: the inverse map of each output
 * pixel centre, sampled nearest (half to even) or bilinear, and `fill` outside the image.
 */
function rotatePlanes(p: Planes, angle: number, mode: Interpolation, fill: number[] | number, center?: [number, number]): Planes {
  const { h, w } = p;
  const out = new Float32Array(p.data.length);
  const th = (angle * Math.PI) / 180;
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  const cx = center ? center[0] - 0.5 : (w - 1) / 2;
  const cy = center ? center[1] - 0.5 : (h - 1) / 2;
  const fills = typeof fill === "number" ? [fill] : fill;
  for (let k = 0; k < p.c; k++) {
    const fv = fills[k % fills.length];
    const o = k * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dx = x - cx;
        const dy = y - cy;
        const sx = cos * dx - sin * dy + cx;
        const sy = sin * dx + cos * dy + cy;
        let v: number;
        if (mode === "nearest") {
          const ix = roundHalfEven(sx);
          const iy = roundHalfEven(sy);
          v = ix >= 0 && ix < w && iy >= 0 && iy < h ? p.data[o + iy * w + ix] : fv;
        } else {
          const x0 = Math.floor(sx);
          const y0 = Math.floor(sy);
          const fx = sx - x0;
          const fy = sy - y0;
          let acc = 0;
          let mask = 0;
          for (const [yy, wy] of [[y0, 1 - fy], [y0 + 1, fy]]) {
            for (const [xx, wx] of [[x0, 1 - fx], [x0 + 1, fx]]) {
              if (xx >= 0 && xx < w && yy >= 0 && yy < h) {
                acc += p.data[o + yy * w + xx] * wx * wy;
                mask += wx * wy;
              }
            }
          }
          v = acc * mask + (1 - mask) * fv; // torchvision blends the zero-padded sample by its mask
        }
        out[o + y * w + x] = v;
      }
    }
  }
  return { ...p, data: out };
}

// ---- random numbers ---------------------------------------------------------------------------

/** `n` uniforms in [0, 1): from the generator, or from the engine's (kd.manualSeed) generator. */
function uniforms(gen: Generator | undefined, n: number): number[] {
  if (gen) return Array.from({ length: n }, () => gen.random());
  const t = rand([n]);
  try {
    return Array.from(t.dataSync());
  } finally {
    t.dispose();
  }
}

// ---- transform classes ----------------------------------------------------------------------

function pair(size: number | [number, number] | number[], who: string): [number, number] {
  const s: number[] = typeof size === "number" ? [size, size] : size.length === 1 ? [size[0], size[0]] : size;
  if (s.length !== 2 || !s.every((v) => Number.isInteger(v) && v > 0)) throw new ValueError(`${who}: size should be a positive integer or a [h, w] pair, got ${JSON.stringify(size)}`);
  return [s[0], s[1]];
}

/** Padding as torchvision takes it: n (all sides), [lr, tb], or [left, top, right, bottom]. */
function ltrb(padding: number | number[], who: string): [number, number, number, number] {
  const p = typeof padding === "number" ? [padding] : padding;
  if (!p.every((v) => Number.isInteger(v) && v >= 0)) throw new ValueError(`${who}: padding should be non-negative integers, got ${JSON.stringify(padding)}`);
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  if (p.length === 4) return [p[0], p[1], p[2], p[3]];
  throw new ValueError(`${who}: padding must be a number or a list of 1, 2 or 4 numbers, got ${p.length}`);
}

function padImage(img: Image, who: string, [l, t, r, b]: [number, number, number, number], fill: number | number[], mode: PaddingMode): Image {
  const [h, w] = sizeOf(img, who);
  if (mode === "reflect" && (l >= w || r >= w || t >= h || b >= h)) {
    throw new ValueError(`Pad: reflect padding (${[l, t, r, b].join(", ")}) must be smaller than the image (${h}x${w})`);
  }
  return cropImage(img, who, -t, -l, h + t + b, w + l + r, fill, mode);
}

function cropImage(img: Image, who: string, top: number, left: number, h: number, w: number, fill: number[] | number = 0, mode: PaddingMode = "constant"): Image {
  return geometry(img, who, (x) => cropTensor(x, top, left, h, w, fill, mode), (p) => cropPlanes(p, top, left, h, w, fill, mode));
}

function flipImage(img: Image, who: string, horizontal: boolean): Image {
  return geometry(img, who, (x) => flipTensor(x, horizontal), (p) => flipPlanes(p, horizontal));
}

/** A copy of the image (a random flip that does not flip still returns a new image, as before). */
function copyImage(img: Image, who: string): Image {
  return geometry(img, who, (x) => x.clone(), (p) => p);
}

/**
 * Resize to `size`: [h, w], or a number that the shorter edge is matched to (keeping the aspect
 * ratio; `maxSize` caps the longer edge), as torchvision. Bilinear (default) or nearest, as
 * F.interpolate computes them (align_corners=False, no antialias).
 */
export class Resize extends Transform<Image, Image> {
  override readonly batchable = true;
  readonly interpolation: Interpolation;
  readonly maxSize?: number;
  constructor(size: number | [number, number], ...args: PositionalArgs<[interpolation: Interpolation, maxSize: number | undefined, antialias: false | null | undefined],
    { interpolation?: Interpolation; maxSize?: number; antialias?: false | null }>);
  constructor(readonly size: number | [number, number], ...args: unknown[]) {
    super();
    const opts = positional("Resize(size, interpolation='bilinear', max_size=None, antialias=None)", args, ["interpolation", "maxSize", "antialias"]) as
      { interpolation?: Interpolation; maxSize?: number; antialias?: unknown };
    // Tensors are resized without antialiasing (torchvision 0.14's default for tensors); there is no antialiased kernel.
    if (opts.antialias !== undefined && opts.antialias !== null && opts.antialias !== false) throw new ValueError(`Resize: antialias=${JSON.stringify(opts.antialias)} is not supported (images are resized without antialiasing)`);
    if (opts.maxSize !== undefined && opts.maxSize !== null && !(Number.isInteger(opts.maxSize) && opts.maxSize > 0)) throw new ValueError(`Resize: maxSize should be a positive integer, got ${describe(opts.maxSize)}`);
    if (typeof size !== "number") pair(size, "Resize");
    else if (!(Number.isInteger(size) && size > 0)) throw new ValueError(`Resize: size should be a positive integer, got ${size}`);
    this.interpolation = opts.interpolation ?? "bilinear";
    if (this.interpolation !== "bilinear" && this.interpolation !== "nearest") throw new ValueError(`Resize: interpolation must be "bilinear" or "nearest", got ${JSON.stringify(this.interpolation)}`);
    this.maxSize = opts.maxSize ?? undefined;
  }
  outputSize(h: number, w: number): [number, number] {
    if (typeof this.size !== "number") return pair(this.size, "Resize");
    const [short, long] = h <= w ? [h, w] : [w, h];
    let ns = this.size;
    let nl = Math.floor((this.size * long) / short);
    if (this.maxSize !== undefined) {
      if (this.maxSize <= this.size) throw new ValueError(`Resize: maxSize = ${this.maxSize} must be strictly greater than the requested size ${this.size}`);
      if (nl > this.maxSize) {
        ns = Math.floor((this.maxSize * ns) / nl);
        nl = this.maxSize;
      }
    }
    return h <= w ? [ns, nl] : [nl, ns];
  }
  apply(img: Image): Image {
    const [oh, ow] = this.outputSize(...sizeOf(img, "Resize"));
    const mode = this.interpolation;
    return geometry(img, "Resize", (x) => on4d(x, (x4) => interpolate(x4, { size: [oh, ow], mode })), (p) => resizePlanes(p, oh, ow, mode));
  }
  override toString(): string {
    return `Resize(size=${JSON.stringify(this.size)}, interpolation=${this.interpolation})`;
  }
}

/** The centre window of `size` (padded with zeros when the image is smaller), as torchvision. */
export class CenterCrop extends Transform<Image, Image> {
  override readonly batchable = true;
  readonly size: [number, number];
  constructor(size: number | [number, number], ...rest: []) {
    super();
    positional("CenterCrop(size)", rest, []);
    this.size = pair(size, "CenterCrop");
  }
  apply(img: Image): Image {
    const [h, w] = sizeOf(img, "CenterCrop");
    const [ch, cw] = this.size;
    const top = ch > h ? -Math.floor((ch - h) / 2) : roundHalfEven((h - ch) / 2);
    const left = cw > w ? -Math.floor((cw - w) / 2) : roundHalfEven((w - cw) / 2);
    return geometry(img, "CenterCrop", (x) => cropTensor(x, top, left, ch, cw, 0), (p) => cropPlanes(p, top, left, ch, cw, 0));
  }
  override toString(): string {
    return `CenterCrop(size=(${this.size.join(", ")}))`;
  }
}

/** Pads the borders: constant (fill), edge, reflect or symmetric, as torchvision's Pad. */
export class Pad extends Transform<Image, Image> {
  override readonly batchable = true;
  readonly padding: [number, number, number, number];
  readonly fill: number | number[];
  readonly paddingMode: PaddingMode;
  constructor(padding: number | number[], ...args: PositionalArgs<[fill: number | number[], paddingMode: PaddingMode], { fill?: number | number[]; paddingMode?: PaddingMode }>);
  constructor(padding: number | number[], ...args: unknown[]) {
    super();
    const o = positional("Pad(padding, fill=0, padding_mode='constant')", args, ["fill", "paddingMode"]);
    this.padding = ltrb(padding, "Pad");
    this.fill = checkFill("Pad", o.fill ?? 0);
    this.paddingMode = checkPaddingMode("Pad", o.paddingMode ?? "constant");
  }
  apply(img: Image): Image {
    return padImage(img, "Pad", this.padding, this.fill, this.paddingMode);
  }
}

export interface RandomOptions {
  /** The generator to draw from (default: the engine's, seeded by kd.manualSeed). */
  generator?: Generator;
}

export interface RandomCropOptions extends RandomOptions {
  padding?: number | number[] | null;
  padIfNeeded?: boolean;
  fill?: number | number[];
  paddingMode?: PaddingMode;
}

function checkFlag(who: string, name: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw new ValueError(`${who}: ${name} must be true or false, got ${describe(v)}`);
  return v;
}

function checkFill(who: string, v: unknown): number | number[] {
  if (typeof v === "number" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number"))) return v as number | number[];
  throw new ValueError(`${who}: fill must be a number or an array of numbers (one per channel), got ${describe(v)}`);
}

const PADDING_MODES = ["constant", "edge", "reflect", "symmetric"];
function checkPaddingMode(who: string, v: unknown): PaddingMode {
  if (!PADDING_MODES.includes(v as string)) throw new ValueError(`${who}: padding_mode should be one of ${PADDING_MODES.join(", ")}, got ${describe(v)}`);
  return v as PaddingMode;
}

/**
 * A random window of `size`, after optional `padding` (torchvision's RandomCrop: padIfNeeded pads
 * images smaller than the crop, fill and paddingMode as in Pad).
 */
export class RandomCrop extends Transform<Image, Image> {
  readonly size: [number, number];
  readonly padding?: [number, number, number, number];
  readonly padIfNeeded: boolean;
  readonly fill: number | number[];
  readonly paddingMode: PaddingMode;
  readonly generator?: Generator;
  constructor(size: number | [number, number], ...args: PositionalArgs<[padding: number | number[] | null | undefined, padIfNeeded: boolean, fill: number | number[], paddingMode: PaddingMode], RandomCropOptions>);
  constructor(size: number | [number, number], ...args: unknown[]) {
    super();
    const opts = positional("RandomCrop(size, padding=None, pad_if_needed=False, fill=0, padding_mode='constant', *, generator)", args,
      ["padding", "padIfNeeded", "fill", "paddingMode"], ["padding", "padIfNeeded", "fill", "paddingMode", "generator"]) as RandomCropOptions;
    this.size = pair(size, "RandomCrop");
    this.padding = opts.padding !== undefined && opts.padding !== null ? ltrb(opts.padding, "RandomCrop") : undefined;
    this.padIfNeeded = checkFlag("RandomCrop", "padIfNeeded", opts.padIfNeeded ?? false);
    this.fill = checkFill("RandomCrop", opts.fill ?? 0);
    this.paddingMode = checkPaddingMode("RandomCrop", opts.paddingMode ?? "constant");
    this.generator = opts.generator;
  }
  apply(img: Image): Image {
    const [th, tw] = this.size;
    // Each padding step's intermediate is freed when the next replaces it (never the input).
    let cur = img;
    const step = (next: Image) => {
      if (cur !== img && cur instanceof Tensor) cur.dispose();
      cur = next;
    };
    try {
      if (this.padding) step(padImage(cur, "RandomCrop", this.padding, this.fill, this.paddingMode));
      let [h, w] = sizeOf(cur, "RandomCrop");
      if (this.padIfNeeded && w < tw) step(padImage(cur, "RandomCrop", [tw - w, 0, tw - w, 0], this.fill, this.paddingMode));
      [h, w] = imageSize(cur);
      if (this.padIfNeeded && h < th) step(padImage(cur, "RandomCrop", [0, th - h, 0, th - h], this.fill, this.paddingMode));
      [h, w] = imageSize(cur);
      if (h < th || w < tw) throw new ValueError(`RandomCrop: required crop size (${th}, ${tw}) is larger than the input image size (${h}, ${w})`);
      const [u, v] = uniforms(this.generator, 2);
      const top = Math.floor(u * (h - th + 1));
      const left = Math.floor(v * (w - tw + 1));
      return cropImage(cur, "RandomCrop", top, left, th, tw);
    } finally {
      step(img);
    }
  }
  override toString(): string {
    return `RandomCrop(size=(${this.size.join(", ")}), padding=${this.padding ? `[${this.padding.join(", ")}]` : "None"})`;
  }
}

/** Mirrors left-right with probability p. */
export class RandomHorizontalFlip extends Transform<Image, Image> {
  readonly generator?: Generator;
  readonly p: number;
  constructor(...args: PositionalArgs<[p: number], RandomOptions & { p?: number }>);
  constructor(...args: unknown[]) {
    super();
    const o = positional("RandomHorizontalFlip(p=0.5, *, generator)", args, ["p"], ["p", "generator"]) as RandomOptions & { p?: number };
    const p = o.p ?? 0.5;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`RandomHorizontalFlip: p should be a number in [0, 1], got ${describe(p)}`);
    this.p = p;
    this.generator = o.generator;
  }
  apply(img: Image): Image {
    const [u] = uniforms(this.generator, 1);
    return u < this.p ? flipImage(img, "RandomHorizontalFlip", true) : copyImage(img, "RandomHorizontalFlip");
  }
  override toString(): string {
    return `RandomHorizontalFlip(p=${this.p})`;
  }
}

/** Mirrors top-bottom with probability p. */
export class RandomVerticalFlip extends Transform<Image, Image> {
  readonly generator?: Generator;
  readonly p: number;
  constructor(...args: PositionalArgs<[p: number], RandomOptions & { p?: number }>);
  constructor(...args: unknown[]) {
    super();
    const o = positional("RandomVerticalFlip(p=0.5, *, generator)", args, ["p"], ["p", "generator"]) as RandomOptions & { p?: number };
    const p = o.p ?? 0.5;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`RandomVerticalFlip: p should be a number in [0, 1], got ${describe(p)}`);
    this.p = p;
    this.generator = o.generator;
  }
  apply(img: Image): Image {
    const [u] = uniforms(this.generator, 1);
    return u < this.p ? flipImage(img, "RandomVerticalFlip", false) : copyImage(img, "RandomVerticalFlip");
  }
}

/**
 * Rotates by an angle drawn uniformly from [-degrees, degrees] (or [min, max]), counter-clockwise,
 * about the centre (or `center`, x-y), nearest (default, as torchvision) or bilinear, `fill` outside.
 */
export class RandomRotation extends Transform<Image, Image> {
  readonly degrees: [number, number];
  readonly interpolation: Interpolation;
  readonly fill: number | number[];
  readonly center?: [number, number];
  readonly generator?: Generator;
  constructor(degrees: number | [number, number], ...args: PositionalArgs<[interpolation: Interpolation, expand: false, center: [number, number] | null | undefined, fill: number | number[]],
    RandomOptions & { interpolation?: Interpolation; expand?: false; fill?: number | number[]; center?: [number, number] | null }>);
  constructor(degrees: number | [number, number], ...args: unknown[]) {
    super();
    const opts = positional("RandomRotation(degrees, interpolation='nearest', expand=False, center=None, fill=0, *, generator)", args,
      ["interpolation", "expand", "center", "fill"], ["interpolation", "expand", "center", "fill", "generator"]) as
      RandomOptions & { interpolation?: Interpolation; expand?: unknown; fill?: number | number[]; center?: [number, number] | null };
    if (opts.expand !== undefined && opts.expand !== false) throw new ValueError(`RandomRotation: expand=${JSON.stringify(opts.expand)} is not supported (the output keeps the input's size)`);
    if (typeof degrees === "number") {
      if (degrees < 0) throw new ValueError(`RandomRotation: if degrees is a single number, it must be positive, got ${degrees}`);
      this.degrees = [-degrees, degrees];
    } else {
      if (degrees.length !== 2 || degrees[0] > degrees[1]) throw new ValueError(`RandomRotation: degrees should be a number or a [min, max] pair, got ${JSON.stringify(degrees)}`);
      this.degrees = [degrees[0], degrees[1]];
    }
    this.interpolation = opts.interpolation ?? "nearest";
    if (this.interpolation !== "bilinear" && this.interpolation !== "nearest") throw new ValueError(`RandomRotation: interpolation must be "nearest" or "bilinear", got ${describe(this.interpolation)}`);
    this.fill = checkFill("RandomRotation", opts.fill ?? 0);
    this.center = opts.center ?? undefined;
    this.generator = opts.generator;
  }
  apply(img: Image): Image {
    const [u] = uniforms(this.generator, 1);
    const angle = this.degrees[0] + u * (this.degrees[1] - this.degrees[0]);
    const p = toPlanes(img, "RandomRotation");
    return p.back(rotatePlanes(p, angle, this.interpolation, this.fill, this.center));
  }
  override toString(): string {
    return `RandomRotation(degrees=[${this.degrees.join(", ")}], interpolation=${this.interpolation})`;
  }
}

/** The functional forms (torchvision.transforms.functional), on RawImage or tensor images. */
export const functional = {
  resize: (img: Image, size: number | [number, number], interpolation: Interpolation = "bilinear") => new Resize(size, { interpolation }).apply(img),
  centerCrop: (img: Image, size: number | [number, number]) => new CenterCrop(size).apply(img),
  crop: (img: Image, top: number, left: number, height: number, width: number) => cropImage(img, "crop", top, left, height, width),
  pad: (img: Image, padding: number | number[], fill: number | number[] = 0, mode: PaddingMode = "constant") => new Pad(padding, fill, mode).apply(img),
  hflip: (img: Image) => flipImage(img, "hflip", true),
  vflip: (img: Image) => flipImage(img, "vflip", false),
  rotate: (img: Image, angle: number, opts: { interpolation?: Interpolation; fill?: number | number[]; center?: [number, number] } = {}) => {
    const p = toPlanes(img, "rotate");
    return p.back(rotatePlanes(p, angle, opts.interpolation ?? "nearest", opts.fill ?? 0, opts.center));
  },
  toTensor: (img: RawImage) => new ToTensor().apply(img),
  normalize: (t: Tensor, mean: number | number[], std: number | number[]) => new Normalize(mean, std).apply(t),
};

/**
 * When `t` can run on a whole uint8 batch at once (ToTensor, then only batchable transforms),
 * the function that does it; else null (datasets then transform item by item).
 */
export function batchPlan(t: TransformLike | undefined): ((pixels: Uint8Array, n: number, c: number, h: number, w: number) => Tensor) | null {
  if (!t) return null;
  const steps = t instanceof Compose ? t.transforms : [t];
  if (!(steps[0] instanceof ToTensor)) return null;
  const rest = steps.slice(1);
  if (!rest.every((s) => s instanceof Transform && s.batchable)) return null;
  return (pixels, n, c, h, w) => {
    let x: unknown = ToTensor.batch(pixels, n, c, h, w);
    for (const s of rest) {
      const next = (s as Transform).apply(x);
      if (x instanceof Tensor && x !== next) x.dispose();
      x = next;
    }
    return x as Tensor;
  };
}
