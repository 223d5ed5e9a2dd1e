// The augmentations of kd.transforms (torchvision 0.14's): colour, geometry, blur, erasing, AutoAugment family.
export { adjustBrightness, adjustContrast, adjustSaturation, adjustHue, adjustSharpness, posterize, solarize, invert, autocontrast, equalize, ColorJitter, type ColorJitterOptions } from "./color.js";
export { affine, rotate, resizedCrop, inverseAffineMatrix, RandomAffine, RandomResizedCrop, type AffineOptions, type RandomAffineOptions, type RandomResizedCropOptions } from "./geometry.js";
export { gaussianBlur, gaussianKernel1d, GaussianBlur } from "./blur.js";
export { erase, RandomErasing, type RandomErasingOptions } from "./erasing.js";
export { applyOp, trivialAugmentSpace, randAugmentSpace, autoAugmentSpace, IMAGENET_POLICY, TrivialAugmentWide, RandAugment, AutoAugment, type AugmentOp, type AugmentOptions } from "./autoaugment.js";
