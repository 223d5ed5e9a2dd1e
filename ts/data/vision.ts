// kd.transforms: the torchvision-style transforms (transforms.ts) and the augmentations (augment/),
// with one `functional` namespace holding both (torchvision.transforms.functional).
import * as aug from "./augment/index.js";
import { functional as base } from "./transforms.js";

export * from "./transforms.js";
export * from "./augment/index.js";

export const functional = {
  ...base,
  rotate: aug.rotate, // torchvision's tensor rotate (float32 grid, half-to-even nearest)
  affine: aug.affine,
  resizedCrop: aug.resizedCrop,
  adjustBrightness: aug.adjustBrightness,
  adjustContrast: aug.adjustContrast,
  adjustSaturation: aug.adjustSaturation,
  adjustHue: aug.adjustHue,
  adjustSharpness: aug.adjustSharpness,
  posterize: aug.posterize,
  solarize: aug.solarize,
  invert: aug.invert,
  autocontrast: aug.autocontrast,
  equalize: aug.equalize,
  gaussianBlur: aug.gaussianBlur,
  erase: aug.erase,
};
