// kindling/inference: what running a trained model needs and nothing else - tensors and their
// ops, nn layers (forward), kd.load for safetensors weights, ONNX import, image transforms and
// kd.models. No optimizers, datasets, data loaders, plots, metrics, checkpoints or workers: a page
// that only predicts ships less JavaScript (rollup.config.mjs builds it on its own as
// dist/inference.js; the README's deployment section gives the sizes).
//   import * as kd from "kindling/inference";
//   const { tensors } = await kd.load("model.safetensors"); model.loadStateDict(tensors);
//   const probs = kd.noGrad(() => kd.softmax(model.forward(x), 1));
import { init } from "./runtime/load.js";

export { init, type InitOptions } from "./runtime/load.js";
export { Tensor, type Index, type Slice, type NestedArray, type Device } from "./tensor.js";
export type { DType } from "./dtype.js";
export * from "./errors.js";
export * from "./creation.js";
export { cat, stack, where, matmul, softmax, logSoftmax, clamp, argmax, sum, mean, max, min } from "./functional.js";
export { tidy, memory, keep } from "./memory.js";
export { noGrad, inferenceMode, isGradEnabled } from "./autograd.js";
export * as nn from "./nn/index.js";
export * as transforms from "./data/transforms.js";
export { decodeImage, decodeImageAsync, type ImageMode } from "./data/image_decode.js";
export { save, load } from "./io/safetensors.js";
export * as onnx from "./io/onnx/index.js";
export * as models from "./models.js";
export * as classifier from "./classifier.js";

/** Resolves once the engine is loaded (it loads on import). */
export const ready = () => init();

await init();
