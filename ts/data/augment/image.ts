// The pixel planes the augmentations compute on: CHW float values of an 8-bit RawImage (uint8
// semantics: torchvision's ops on uint8 tensors) or of a float32 tensor image (values in [0, 1]).
import { fromArray } from "../../creation.js";
import { DTypeError, ShapeError, ValueError } from "../../errors.js";
import { Tensor } from "../../tensor.js";
import type { Image, RawImage } from "../transforms.js";

export interface Pix {
  data: Float32Array;
  c: number;
  h: number;
  w: number;
  /** True for 8-bit images: results are cast back to integers as torch casts to uint8. */
  uint8: boolean;
  back: (p: Pix) => Image;
}

/** torch's round() (half to even), what uint8 outputs of float computations get. */
export function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function toPix(img: Image, who: string): Pix {
  if (img instanceof Tensor) {
    if (img.dtype !== "float32") throw new DTypeError(`${who}: expected a float32 tensor image or a RawImage (uint8), got a ${img.dtype} tensor`);
    if (img.ndim < 2) throw new ShapeError(`${who}: expected a tensor image [..., H, W], got [${img.shape.join(", ")}]`);
    const shape = img.shape.slice();
    const lead = shape.slice(0, -2);
    const c = img.ndim === 2 ? 1 : shape[shape.length - 3];
    const batch = lead.reduce((a, b) => a * b, 1) / c;
    if (batch !== 1) throw new ShapeError(`${who}: expected one image [C, H, W] or [H, W], got [${shape.join(", ")}]`);
    return {
      data: Float32Array.from(img.dataSync() as Float32Array),
      c,
      h: shape[shape.length - 2],
      w: shape[shape.length - 1],
      uint8: false,
      back: (p) => fromArray(p.data, img.ndim === 2 ? [p.h, p.w] : [...lead.slice(0, -1), p.c, p.h, p.w], "float32"),
    };
  }
  const raw = img as RawImage;
  if (!raw || !(raw.data instanceof Uint8Array || raw.data instanceof Uint8ClampedArray)) {
    throw new TypeError(`${who}: expected a RawImage {data: Uint8Array, height, width, channels} or a float32 Tensor`);
  }
  const c = raw.channels ?? 4;
  const { height: h, width: w } = raw;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0 && Number.isInteger(c) && c > 0)) throw new ValueError(`${who}: bad image dims ${h}x${w}x${c}`);
  if (raw.data.length !== h * w * c) throw new ShapeError(`${who}: image data has ${raw.data.length} bytes, expected ${h}x${w}x${c} = ${h * w * c}`);
  const hw = h * w;
  const data = new Float32Array(c * hw);
  for (let i = 0; i < hw; i++) for (let k = 0; k < c; k++) data[k * hw + i] = raw.data[i * c + k];
  const clamped = raw.data instanceof Uint8ClampedArray;
  return {
    data,
    c,
    h,
    w,
    uint8: true,
    back: (p) => {
      const n = p.h * p.w;
      const out = clamped ? new Uint8ClampedArray(n * p.c) : new Uint8Array(n * p.c);
      for (let i = 0; i < n; i++) for (let k = 0; k < p.c; k++) out[i * p.c + k] = p.data[k * n + i]; // already integers in [0, 255]
      return { data: out, height: p.h, width: p.w, channels: p.c } as RawImage;
    },
  };
}

/** f on the image's planes, returning the same kind of image. */
export function onPix(img: Image, who: string, f: (p: Pix) => Pix): Image {
  const p = toPix(img, who);
  return p.back(f(p));
}

export function checkChannels(p: Pix, who: string, allowed: number[] = [1, 3]): void {
  if (!allowed.includes(p.c)) throw new ShapeError(`${who}: expected an image of ${allowed.join(" or ")} channels, got ${p.c}`);
}

export function needUint8(p: Pix, who: string): void {
  if (!p.uint8) throw new DTypeError(`${who}: works on uint8 images only (a RawImage, before ToTensor), as torchvision's`);
}

/** A float32 value cast to the image's dtype: truncation toward zero for uint8 (torch's .to(uint8)). */
export function cast(p: Pix, v: number): number {
  return p.uint8 ? Math.trunc(v) : v;
}

export const bound = (p: Pix) => (p.uint8 ? 255 : 1);
