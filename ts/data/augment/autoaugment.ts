// TrivialAugmentWide, RandAugment and AutoAugment (ImageNet policy) as torchvision 0.14: the same
// op spaces, magnitude bins (float32 linspace) and signs, drawn with torch's calls in torch's
// order, so with the engine generator seeded as torch is they pick torch's ops. uint8 images only
// (RawImage, before ToTensor), as torchvision's tensor path.
import { DTypeError, ValueError } from "../../errors.js";
import { checkOptions } from "../../options.js";
import { Tensor } from "../../tensor.js";
import type { Generator } from "../generator.js";
import { Transform, type Image, type Interpolation, type RandomOptions } from "../transforms.js";
import { adjustBrightness, adjustContrast, adjustSaturation, adjustSharpness, autocontrast, equalize, invert, posterize, solarize } from "./color.js";
import { affine, rotate } from "./geometry.js";
import { onPix } from "./image.js";
import { draws, type Draws } from "./random.js";

const f = Math.fround;

/** torch.linspace(start, end, steps) in float32 (the CPU kernel's two-sided formula). */
function linspace(start: number, end: number, steps: number): number[] {
  [start, end] = [f(start), f(end)];
  const step = f((end - start) / (steps - 1));
  const half = Math.floor(steps / 2);
  return Array.from({ length: steps }, (_, i) => (i < half ? f(start + f(step * i)) : f(end - f(step * (steps - i - 1)))));
}

/** 8 - round(arange(n) / ((n - 1) / k)): the posterize bits. */
function posterizeBits(n: number, k: number): number[] {
  const d = f((n - 1) / k);
  return Array.from({ length: n }, (_, i) => {
    const v = f(i / d);
    const r = Math.round(v);
    return 8 - (r - v === 0.5 && r % 2 !== 0 ? r - 1 : r);
  });
}

export type AugmentOp = "Identity" | "ShearX" | "ShearY" | "TranslateX" | "TranslateY" | "Rotate" | "Brightness" | "Color" | "Contrast" | "Sharpness" | "Posterize" | "Solarize" | "AutoContrast" | "Equalize" | "Invert";

/** op -> [magnitudes (null: none), signed]. */
type Space = [AugmentOp, number[] | null, boolean][];

interface OpOptions {
  interpolation: Interpolation;
  fill?: number | number[];
}

/** torchvision's _apply_op: one op at one signed magnitude. */
export function applyOp(img: Image, op: AugmentOp, magnitude: number, opts: Partial<OpOptions> = {}): Image {
  const interpolation = opts.interpolation ?? "nearest";
  const { fill } = opts;
  const deg = (m: number) => (Math.atan(m) * 180) / Math.PI;
  switch (op) {
    case "ShearX":
    case "ShearY": {
      const shear: [number, number] = op === "ShearX" ? [deg(magnitude), 0] : [0, deg(magnitude)];
      return affine(img, 0, [0, 0], 1, shear, { interpolation, fill, center: [0, 0] });
    }
    case "TranslateX":
      return affine(img, 0, [Math.trunc(magnitude), 0], 1, [0, 0], { interpolation, fill });
    case "TranslateY":
      return affine(img, 0, [0, Math.trunc(magnitude)], 1, [0, 0], { interpolation, fill });
    case "Rotate":
      return rotate(img, magnitude, { interpolation, fill });
    case "Brightness":
      return adjustBrightness(img, 1 + magnitude);
    case "Color":
      return adjustSaturation(img, 1 + magnitude);
    case "Contrast":
      return adjustContrast(img, 1 + magnitude);
    case "Sharpness":
      return adjustSharpness(img, 1 + magnitude);
    case "Posterize":
      return posterize(img, Math.trunc(magnitude));
    case "Solarize":
      return solarize(img, magnitude);
    case "AutoContrast":
      return autocontrast(img);
    case "Equalize":
      return equalize(img);
    case "Invert":
      return invert(img);
    case "Identity":
      return onPix(img, "Identity", (p) => p); // a copy
    default:
      throw new ValueError(`applyOp: the provided operator ${JSON.stringify(op)} is not recognized`);
  }
}

function common(n: number, imageSize: [number, number], wide: boolean): Space {
  const [h, w] = imageSize;
  const lin = (end: number) => linspace(0, end, n);
  const max = wide ? 0.99 : 0.9;
  return [
    ["ShearX", lin(wide ? 0.99 : 0.3), true],
    ["ShearY", lin(wide ? 0.99 : 0.3), true],
    ["TranslateX", lin(wide ? 32 : (150 / 331) * w), true],
    ["TranslateY", lin(wide ? 32 : (150 / 331) * h), true],
    ["Rotate", lin(wide ? 135 : 30), true],
    ["Brightness", lin(max), true],
    ["Color", lin(max), true],
    ["Contrast", lin(max), true],
    ["Sharpness", lin(max), true],
    ["Posterize", posterizeBits(n, wide ? 6 : 4), false],
    ["Solarize", linspace(255, 0, n), false],
    ["AutoContrast", null, false],
    ["Equalize", null, false],
  ];
}

/** TrivialAugmentWide's op space (31 bins by default). */
export function trivialAugmentSpace(numBins = 31): Space {
  return [["Identity", null, false], ...common(numBins, [0, 0], true)];
}

/** RandAugment's op space for an image of [h, w]. */
export function randAugmentSpace(numBins: number, imageSize: [number, number]): Space {
  return [["Identity", null, false], ...common(numBins, imageSize, false)];
}

/** AutoAugment's op space (10 bins) for an image of [h, w]. */
export function autoAugmentSpace(imageSize: [number, number]): Space {
  return [...common(10, imageSize, false), ["Invert", null, false]];
}

export const IMAGENET_POLICY: [[AugmentOp, number, number | null], [AugmentOp, number, number | null]][] = [
  [["Posterize", 0.4, 8], ["Rotate", 0.6, 9]],
  [["Solarize", 0.6, 5], ["AutoContrast", 0.6, null]],
  [["Equalize", 0.8, null], ["Equalize", 0.6, null]],
  [["Posterize", 0.6, 7], ["Posterize", 0.6, 6]],
  [["Equalize", 0.4, null], ["Solarize", 0.2, 4]],
  [["Equalize", 0.4, null], ["Rotate", 0.8, 8]],
  [["Solarize", 0.6, 3], ["Equalize", 0.6, null]],
  [["Posterize", 0.8, 5], ["Equalize", 1.0, null]],
  [["Rotate", 0.2, 3], ["Solarize", 0.6, 8]],
  [["Equalize", 0.6, null], ["Posterize", 0.4, 6]],
  [["Rotate", 0.8, 8], ["Color", 0.4, 0]],
  [["Rotate", 0.4, 9], ["Equalize", 0.6, null]],
  [["Equalize", 0.0, null], ["Equalize", 0.8, null]],
  [["Invert", 0.6, null], ["Equalize", 1.0, null]],
  [["Color", 0.6, 4], ["Contrast", 1.0, 8]],
  [["Rotate", 0.8, 8], ["Color", 1.0, 2]],
  [["Color", 0.8, 8], ["Solarize", 0.8, 7]],
  [["Sharpness", 0.4, 7], ["Invert", 0.6, null]],
  [["ShearX", 0.6, 5], ["Equalize", 1.0, null]],
  [["Color", 0.4, 0], ["Equalize", 0.6, null]],
  [["Equalize", 0.4, null], ["Solarize", 0.2, 4]],
  [["Solarize", 0.6, 5], ["AutoContrast", 0.6, null]],
  [["Invert", 0.6, null], ["Equalize", 1.0, null]],
  [["Color", 0.6, 4], ["Contrast", 1.0, 8]],
  [["Equalize", 0.8, null], ["Equalize", 0.6, null]],
];

export interface AugmentOptions extends RandomOptions {
  /** "nearest" (default, as torchvision) or "bilinear" for the geometric ops. */
  interpolation?: Interpolation;
  /** Value(s) outside the warped image; default none (zeros). */
  fill?: number | number[];
}

function checkUint8(img: Image, who: string): [number, number] {
  if (img instanceof Tensor) throw new DTypeError(`${who}: works on uint8 images (a RawImage, before ToTensor), as torchvision's; got a ${img.dtype} tensor`);
  return [img.height, img.width];
}

abstract class Augment extends Transform<Image, Image> {
  readonly interpolation: Interpolation;
  readonly fill?: number | number[];
  readonly generator?: Generator;
  constructor(who: string, opts: AugmentOptions, extra: string[]) {
    super();
    checkOptions(who, opts, ["interpolation", "fill", "generator", ...extra]);
    this.interpolation = opts.interpolation ?? "nearest";
    if (this.interpolation !== "nearest" && this.interpolation !== "bilinear") throw new ValueError(`${who}: interpolation must be "nearest" or "bilinear", got ${JSON.stringify(this.interpolation)}`);
    this.fill = opts.fill;
    this.generator = opts.generator;
  }
  /** The ops this transform would apply next and their signed magnitudes (draws them). */
  abstract plan(imageSize: [number, number], d?: Draws): [AugmentOp, number][];
  apply(img: Image): Image {
    const size = checkUint8(img, this.constructor.name);
    let cur = img;
    for (const [op, m] of this.plan(size)) cur = applyOp(cur, op, m, { interpolation: this.interpolation, fill: this.fill });
    return cur === img ? applyOp(img, "Identity", 0) : cur;
  }
}

/** TrivialAugmentWide: one op of 14, uniformly, at a uniform magnitude bin, signed at random. */
export class TrivialAugmentWide extends Augment {
  readonly numMagnitudeBins: number;
  constructor(opts: AugmentOptions & { numMagnitudeBins?: number } = {}) {
    super("TrivialAugmentWide", opts, ["numMagnitudeBins"]);
    this.numMagnitudeBins = opts.numMagnitudeBins ?? 31;
    if (!(Number.isInteger(this.numMagnitudeBins) && this.numMagnitudeBins >= 2)) throw new ValueError(`TrivialAugmentWide: numMagnitudeBins should be an integer >= 2, got ${this.numMagnitudeBins}`);
  }
  plan(_size: [number, number], d = draws(this.generator)): [AugmentOp, number][] {
    const space = trivialAugmentSpace(this.numMagnitudeBins);
    const [op, mags, signed] = space[d.int(0, space.length)];
    let m = mags ? mags[d.int(0, mags.length)] : 0;
    if (signed && d.int(0, 2)) m = -m;
    return [[op, m]];
  }
  override toString(): string {
    return `TrivialAugmentWide(num_magnitude_bins=${this.numMagnitudeBins}, interpolation=${this.interpolation}, fill=${this.fill ?? "None"})`;
  }
}

/** RandAugment: numOps ops drawn uniformly, each at the fixed magnitude bin, signed at random. */
export class RandAugment extends Augment {
  readonly numOps: number;
  readonly magnitude: number;
  readonly numMagnitudeBins: number;
  constructor(opts: AugmentOptions & { numOps?: number; magnitude?: number; numMagnitudeBins?: number } = {}) {
    super("RandAugment", opts, ["numOps", "magnitude", "numMagnitudeBins"]);
    this.numOps = opts.numOps ?? 2;
    this.magnitude = opts.magnitude ?? 9;
    this.numMagnitudeBins = opts.numMagnitudeBins ?? 31;
    if (!(Number.isInteger(this.numOps) && this.numOps >= 0)) throw new ValueError(`RandAugment: numOps should be a non-negative integer, got ${this.numOps}`);
    if (!(Number.isInteger(this.magnitude) && this.magnitude >= 0 && this.magnitude < this.numMagnitudeBins)) throw new ValueError(`RandAugment: magnitude should be an integer in [0, ${this.numMagnitudeBins}), got ${this.magnitude}`);
  }
  plan(size: [number, number], d = draws(this.generator)): [AugmentOp, number][] {
    const space = randAugmentSpace(this.numMagnitudeBins, size);
    const out: [AugmentOp, number][] = [];
    for (let k = 0; k < this.numOps; k++) {
      const [op, mags, signed] = space[d.int(0, space.length)];
      let m = mags ? mags[this.magnitude] : 0;
      if (signed && d.int(0, 2)) m = -m;
      out.push([op, m]);
    }
    return out;
  }
  override toString(): string {
    return `RandAugment(num_ops=${this.numOps}, magnitude=${this.magnitude}, num_magnitude_bins=${this.numMagnitudeBins}, interpolation=${this.interpolation}, fill=${this.fill ?? "None"})`;
  }
}

/** AutoAugment with the ImageNet policy: one of 25 sub-policies, each of its two ops with its probability. */
export class AutoAugment extends Augment {
  readonly policy = "imagenet";
  constructor(opts: AugmentOptions & { policy?: "imagenet" } = {}) {
    super("AutoAugment", opts, ["policy"]);
    if (opts.policy !== undefined && opts.policy !== "imagenet") throw new ValueError(`AutoAugment: only the "imagenet" policy is implemented, got ${JSON.stringify(opts.policy)}`);
  }
  plan(size: [number, number], d = draws(this.generator)): [AugmentOp, number][] {
    const id = d.int(0, IMAGENET_POLICY.length);
    const probs = [d.uniform(0, 1), d.uniform(0, 1)];
    const signs = [d.int(0, 2), d.int(0, 2)];
    const space = new Map(autoAugmentSpace(size).map(([op, mags, signed]) => [op, { mags, signed }]));
    const out: [AugmentOp, number][] = [];
    IMAGENET_POLICY[id].forEach(([op, p, bin], i) => {
      if (!(probs[i] <= p)) return;
      const { mags, signed } = space.get(op)!;
      let m = bin !== null && mags ? mags[bin] : 0;
      if (signed && signs[i] === 0) m = -m;
      out.push([op, m]);
    });
    return out;
  }
  override toString(): string {
    return `AutoAugment(policy=AutoAugmentPolicy.IMAGENET, fill=${this.fill ?? "None"})`;
  }
}
