// Gaussian blur as torchvision 0.14 on tensors: a separable float32 kernel (linspace, exp, sum to
// one), reflect padding by half the kernel, a depthwise 2-D convolution, uint8 rounded half to even.
import { ValueError } from "../../errors.js";
import { checkOptions } from "../../options.js";
import type { Generator } from "../generator.js";
import { Transform, type Image, type RandomOptions } from "../transforms.js";
import { onPix, roundEven } from "./image.js";
import { draws } from "./random.js";

const f = Math.fround;

/** _get_gaussian_kernel1d in float32. */
export function gaussianKernel1d(size: number, sigma: number): Float32Array {
  const half = (size - 1) * 0.5;
  const step = size > 1 ? f((2 * half) / (size - 1)) : 0;
  const k = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const x = i < size / 2 ? f(-half + i * step) : f(half - (size - 1 - i) * step);
    const z = f(x / f(sigma));
    k[i] = f(Math.exp(f(-0.5 * f(z * z))));
  }
  let s = 0;
  for (const v of k) s = f(s + v);
  return k.map((v) => f(v / s));
}

function kernelPair(kernelSize: number | [number, number], who: string): [number, number] {
  const ks: [number, number] = typeof kernelSize === "number" ? [kernelSize, kernelSize] : [kernelSize[0], kernelSize[1]];
  if (!ks.every((k) => Number.isInteger(k) && k > 0 && k % 2 === 1)) throw new ValueError(`${who}: kernel size value should be an odd and positive number, got ${JSON.stringify(kernelSize)}`);
  return ks;
}

/** F.gaussian_blur: kernelSize [kx, ky] (odd), sigma [sx, sy] (default from the size, as torchvision). */
export function gaussianBlur(img: Image, kernelSize: number | [number, number], sigma?: number | [number, number]): Image {
  const [kx, ky] = kernelPair(kernelSize, "gaussianBlur");
  const s: [number, number] = sigma === undefined ? [kx * 0.15 + 0.35, ky * 0.15 + 0.35] : typeof sigma === "number" ? [sigma, sigma] : [sigma[0], sigma[1]];
  if (!s.every((v) => v > 0)) throw new ValueError(`gaussianBlur: sigma should have positive values, got ${JSON.stringify(sigma)}`);
  const wx = gaussianKernel1d(kx, s[0]);
  const wy = gaussianKernel1d(ky, s[1]);
  return onPix(img, "gaussianBlur", (p) => {
    const { h, w } = p;
    const px = kx >> 1;
    const py = ky >> 1;
    if (px >= w || py >= h) throw new ValueError(`gaussianBlur: reflect padding (${px}, ${py}) must be smaller than the image (${h}x${w}): use a smaller kernel`);
    const refl = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
    const out = new Float32Array(p.data.length);
    for (let c = 0; c < p.c; c++) {
      const o = c * h * w;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let j = 0; j < ky; j++) {
          const yy = refl(y + j - py, h);
          for (let i = 0; i < kx; i++) acc = f(acc + f(f(wy[j] * wx[i]) * p.data[o + yy * w + refl(x + i - px, w)]));
        }
        out[o + y * w + x] = p.uint8 ? roundEven(acc) : acc;
      }
    }
    return { ...p, data: out };
  });
}

/** torchvision's GaussianBlur: sigma drawn uniformly from [min, max] per image. */
export class GaussianBlur extends Transform<Image, Image> {
  readonly kernelSize: [number, number];
  readonly sigma: [number, number];
  readonly generator?: Generator;
  constructor(kernelSize: number | [number, number], sigma: number | [number, number] = [0.1, 2], opts: RandomOptions = {}) {
    super();
    checkOptions("GaussianBlur", opts, ["generator"]);
    this.kernelSize = kernelPair(kernelSize, "GaussianBlur");
    if (typeof sigma === "number") {
      if (!(sigma > 0)) throw new ValueError(`GaussianBlur: if sigma is a single number, it must be positive, got ${sigma}`);
      this.sigma = [sigma, sigma];
    } else {
      if (!(sigma.length === 2 && sigma[0] > 0 && sigma[0] <= sigma[1])) throw new ValueError(`GaussianBlur: sigma values should be positive and of the form [min, max], got ${JSON.stringify(sigma)}`);
      this.sigma = [sigma[0], sigma[1]];
    }
    this.generator = opts.generator;
  }
  apply(img: Image): Image {
    const s = draws(this.generator).uniform(this.sigma[0], this.sigma[1]);
    return gaussianBlur(img, this.kernelSize, [s, s]);
  }
  override toString(): string {
    return `GaussianBlur(kernel_size=(${this.kernelSize.join(", ")}), sigma=(${this.sigma.join(", ")}))`;
  }
}
