// Colour ops as torchvision.transforms.functional on tensors (0.14, functional_tensor.py), with
// float32 arithmetic step by step (Math.fround) so uint8 results truncate where torch's do.
import { ValueError } from "../../errors.js";
import { checkOptions } from "../../options.js";
import { Tensor } from "../../tensor.js";
import type { Generator } from "../generator.js";
import { Transform, type Image, type RandomOptions } from "../transforms.js";
import { bound, cast, checkChannels, needUint8, onPix, roundEven, type Pix } from "./image.js";
import { draws } from "./random.js";

const f = Math.fround;
const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);

/** _blend: ratio * img1 + (1 - ratio) * img2, clamped to the range and cast to img1's dtype. */
function blend(p: Pix, other: Float32Array | number, ratio: number, otherPlanes = p.c): Pix {
  const r = f(ratio);
  const q = f(1 - ratio);
  const hi = bound(p);
  const n = p.h * p.w;
  const out = new Float32Array(p.data.length);
  for (let i = 0; i < out.length; i++) {
    const b = typeof other === "number" ? other : other[otherPlanes === 1 ? i % n : i];
    out[i] = cast(p, clamp(f(f(r * p.data[i]) + f(q * b)), hi));
  }
  return { ...p, data: out };
}

/** rgb_to_grayscale: 0.2989 R + 0.587 G + 0.114 B, cast to the image's dtype; one plane. */
function grayPlane(p: Pix): Float32Array {
  const n = p.h * p.w;
  const out = new Float32Array(n);
  const [wr, wg, wb] = [f(0.2989), f(0.587), f(0.114)];
  for (let i = 0; i < n; i++) out[i] = cast(p, f(f(f(wr * p.data[i]) + f(wg * p.data[n + i])) + f(wb * p.data[2 * n + i])));
  return out;
}

function nonNegative(v: number, name: string, who: string): void {
  if (!(v >= 0)) throw new ValueError(`${who}: ${name} (${v}) is not non-negative.`);
}

export function adjustBrightness(img: Image, factor: number): Image {
  nonNegative(factor, "brightness_factor", "adjustBrightness");
  return onPix(img, "adjustBrightness", (p) => (checkChannels(p, "adjustBrightness"), blend(p, 0, factor)));
}

export function adjustContrast(img: Image, factor: number): Image {
  nonNegative(factor, "contrast_factor", "adjustContrast");
  return onPix(img, "adjustContrast", (p) => {
    checkChannels(p, "adjustContrast");
    const src = p.c === 3 ? grayPlane(p) : p.data;
    let s = 0;
    for (let i = 0; i < src.length; i++) s += src[i];
    return blend(p, f(f(s) / src.length), factor);
  });
}

export function adjustSaturation(img: Image, factor: number): Image {
  nonNegative(factor, "saturation_factor", "adjustSaturation");
  return onPix(img, "adjustSaturation", (p) => {
    checkChannels(p, "adjustSaturation");
    return p.c === 1 ? p : blend(p, grayPlane(p), factor, 1);
  });
}

/** Hue shift through HSV (_rgb2hsv / _hsv2rgb), hue_factor in [-0.5, 0.5]. */
export function adjustHue(img: Image, factor: number): Image {
  if (!(factor >= -0.5 && factor <= 0.5)) throw new ValueError(`adjustHue: hue_factor (${factor}) is not in [-0.5, 0.5].`);
  return onPix(img, "adjustHue", (p) => {
    checkChannels(p, "adjustHue");
    if (p.c === 1) return p;
    const n = p.h * p.w;
    const out = new Float32Array(p.data.length);
    const hf = f(factor);
    for (let i = 0; i < n; i++) {
      let r = p.data[i];
      let g = p.data[n + i];
      let b = p.data[2 * n + i];
      if (p.uint8) [r, g, b] = [f(r / 255), f(g / 255), f(b / 255)];
      const maxc = Math.max(r, g, b);
      const minc = Math.min(r, g, b);
      const eq = maxc === minc;
      const cr = f(maxc - minc);
      const s = f(cr / (eq ? 1 : maxc));
      const d = eq ? 1 : cr;
      const rc = f(f(maxc - r) / d);
      const gc = f(f(maxc - g) / d);
      const bc = f(f(maxc - b) / d);
      const hr = maxc === r ? f(bc - gc) : 0;
      const hg = maxc === g && maxc !== r ? f(f(2 + rc) - bc) : 0;
      const hb = maxc !== g && maxc !== r ? f(f(4 + gc) - rc) : 0;
      let h = f(f(hr + hg) + hb);
      h = f(f(h / 6) + 1);
      h = f(h - Math.trunc(h)); // fmod(h, 1)
      h = f(h + hf);
      h = f(h - Math.floor(h)); // remainder(h, 1)
      const v = maxc;
      const h6 = f(h * 6);
      const ii = Math.floor(h6);
      const fr = f(h6 - ii);
      const pp = clamp(f(v * f(1 - s)), 1);
      const qq = clamp(f(v * f(1 - f(s * fr))), 1);
      const tt = clamp(f(v * f(1 - f(s * f(1 - fr)))), 1);
      const rgb = [[v, tt, pp], [qq, v, pp], [pp, v, tt], [pp, qq, v], [tt, pp, v], [v, pp, qq]][((ii % 6) + 6) % 6];
      for (let k = 0; k < 3; k++) out[k * n + i] = p.uint8 ? Math.trunc(f(rgb[k] * 255)) : rgb[k];
    }
    return { ...p, data: out };
  });
}

/** The 3x3 smoothing [1 1 1; 1 5 1; 1 1 1] / 13 inside the border (_blurred_degenerate_image). */
function degenerate(p: Pix): Float32Array {
  const { h, w } = p;
  const out = Float32Array.from(p.data);
  const k = [1, 1, 1, 1, 5, 1, 1, 1, 1].map((v) => f(v / 13));
  for (let c = 0; c < p.c; c++) {
    const o = c * h * w;
    for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
      let s = 0;
      for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) s = f(s + f(k[dy * 3 + dx] * p.data[o + (y + dy - 1) * w + x + dx - 1]));
      out[o + y * w + x] = p.uint8 ? roundEven(s) : s;
    }
  }
  return out;
}

export function adjustSharpness(img: Image, factor: number): Image {
  nonNegative(factor, "sharpness_factor", "adjustSharpness");
  return onPix(img, "adjustSharpness", (p) => {
    checkChannels(p, "adjustSharpness");
    if (p.w <= 2 || p.h <= 2) return p;
    return blend(p, degenerate(p), factor);
  });
}

/** Keeps the top `bits` bits of each value (uint8 only). */
export function posterize(img: Image, bits: number): Image {
  if (!(Number.isInteger(bits) && bits >= 0 && bits <= 8)) throw new ValueError(`posterize: bits should be an integer in [0, 8], got ${bits}`);
  const mask = (256 - 2 ** (8 - bits)) & 0xff;
  return onPix(img, "posterize", (p) => {
    needUint8(p, "posterize");
    checkChannels(p, "posterize");
    return { ...p, data: p.data.map((v) => v & mask) };
  });
}

/** Inverts every value at or above `threshold`. */
export function solarize(img: Image, threshold: number): Image {
  return onPix(img, "solarize", (p) => {
    checkChannels(p, "solarize");
    const hi = bound(p);
    if (threshold > hi) throw new ValueError(`solarize: threshold should be less than bound of img (${hi}), got ${threshold}`);
    return { ...p, data: p.data.map((v) => (v >= threshold ? f(hi - v) : v)) };
  });
}

export function invert(img: Image): Image {
  return onPix(img, "invert", (p) => {
    checkChannels(p, "invert");
    const hi = bound(p);
    return { ...p, data: p.data.map((v) => f(hi - v)) };
  });
}

/** Stretches each channel to the full range [0, bound]. */
export function autocontrast(img: Image): Image {
  return onPix(img, "autocontrast", (p) => {
    checkChannels(p, "autocontrast");
    const hi = bound(p);
    const n = p.h * p.w;
    const out = new Float32Array(p.data.length);
    for (let c = 0; c < p.c; c++) {
      let lo = Infinity;
      let top = -Infinity;
      for (let i = 0; i < n; i++) {
        lo = Math.min(lo, p.data[c * n + i]);
        top = Math.max(top, p.data[c * n + i]);
      }
      let scale = f(f(1 / f(top - lo)) * hi); // torch: bound / t is reciprocal(t) * bound
      if (!Number.isFinite(scale)) [lo, scale] = [0, 1];
      for (let i = 0; i < n; i++) out[c * n + i] = cast(p, clamp(f(f(p.data[c * n + i] - lo) * scale), hi));
    }
    return { ...p, data: out };
  });
}

/** Histogram equalization per channel (uint8 only), torchvision's _scale_channel lookup table. */
export function equalize(img: Image): Image {
  return onPix(img, "equalize", (p) => {
    needUint8(p, "equalize");
    checkChannels(p, "equalize");
    const n = p.h * p.w;
    const out = Float32Array.from(p.data);
    for (let c = 0; c < p.c; c++) {
      const hist = new Array<number>(256).fill(0);
      for (let i = 0; i < n; i++) hist[p.data[c * n + i]]++;
      const nonzero = hist.filter((v) => v !== 0);
      const step = Math.floor(nonzero.slice(0, -1).reduce((a, b) => a + b, 0) / 255);
      if (step === 0) continue;
      const lut = new Array<number>(256);
      let cum = 0;
      lut[0] = 0;
      for (let v = 0; v < 255; v++) {
        cum += hist[v];
        lut[v + 1] = Math.min(255, Math.floor((cum + Math.floor(step / 2)) / step));
      }
      for (let i = 0; i < n; i++) out[c * n + i] = lut[p.data[c * n + i]];
    }
    return { ...p, data: out };
  });
}

type Range = [number, number] | null;

function jitterRange(v: number | [number, number], name: string, center: number, lo: number, hi: number, clipZero: boolean): Range {
  let r: [number, number];
  if (typeof v === "number") {
    if (v < 0) throw new ValueError(`ColorJitter: if ${name} is a single number, it must be non negative, got ${v}`);
    r = [center - v, center + v];
    if (clipZero) r[0] = Math.max(r[0], 0);
  } else if (Array.isArray(v) && v.length === 2) {
    if (!(lo <= v[0] && v[0] <= v[1] && v[1] <= hi)) throw new ValueError(`ColorJitter: ${name} values should be between (${lo}, ${hi}), got [${v.join(", ")}]`);
    r = [v[0], v[1]];
  } else throw new ValueError(`ColorJitter: ${name} should be a single number or a [min, max] pair`);
  return r[0] === center && r[1] === center ? null : r;
}

export interface ColorJitterOptions extends RandomOptions {
  brightness?: number | [number, number];
  contrast?: number | [number, number];
  saturation?: number | [number, number];
  hue?: number | [number, number];
}

/** Random brightness, contrast, saturation and hue, in a random order (torchvision's ColorJitter). */
export class ColorJitter extends Transform<Image, Image> {
  readonly brightness: Range;
  readonly contrast: Range;
  readonly saturation: Range;
  readonly hue: Range;
  readonly generator?: Generator;
  constructor(opts: ColorJitterOptions = {}) {
    super();
    checkOptions("ColorJitter", opts, ["brightness", "contrast", "saturation", "hue", "generator"]);
    this.brightness = jitterRange(opts.brightness ?? 0, "brightness", 1, 0, Infinity, true);
    this.contrast = jitterRange(opts.contrast ?? 0, "contrast", 1, 0, Infinity, true);
    this.saturation = jitterRange(opts.saturation ?? 0, "saturation", 1, 0, Infinity, true);
    this.hue = jitterRange(opts.hue ?? 0, "hue", 0, -0.5, 0.5, false);
    this.generator = opts.generator;
  }
  apply(img: Image): Image {
    const d = draws(this.generator);
    const order = d.perm(4);
    const pick = (r: Range) => (r ? d.uniform(r[0], r[1]) : null);
    const factors = [pick(this.brightness), pick(this.contrast), pick(this.saturation), pick(this.hue)];
    const ops = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue];
    let cur = img;
    for (const i of order) {
      const v = factors[i];
      if (v === null) continue;
      const next = ops[i](cur, v);
      if (cur !== img && cur instanceof Tensor) cur.dispose();
      cur = next;
    }
    return cur === img ? onPix(img, "ColorJitter", (p) => p) : cur;
  }
  override toString(): string {
    const r = (v: Range) => (v ? `[${v.join(", ")}]` : "None");
    return `ColorJitter(brightness=${r(this.brightness)}, contrast=${r(this.contrast)}, saturation=${r(this.saturation)}, hue=${r(this.hue)})`;
  }
}
