// Kindling: PyTorch-style tensors for TypeScript on a Rust/WebAssembly engine.
//   import * as kd from "kindling";
//   const x = kd.randn([2, 3]); console.log(x.matmul(x.t()).toString());
import { init } from "./runtime/load.js";

export { init, type InitOptions } from "./runtime/load.js";
export { getEngine } from "./runtime/engine.js";
export { Tensor, type Index, type Slice, type NestedArray, type Device, type ReduceOptions } from "./tensor.js";
export type { DType } from "./dtype.js";
export * from "./errors.js";
export * from "./creation.js";
export { cat, concat, concatenate, stack, where, matmul, softmax, logSoftmax, clamp } from "./functional.js";
export {
  sum, mean, prod, max, min, argmax, argmin, multiply, subtract, divide, hstack, vstack, equal, isclose, allclose,
  maskedSelect, flip, nonzero, type CloseOptions,
} from "./functional.js";
export { tidy, memory, keep, setStepScope } from "./memory.js";
export { noGrad, enableGrad, inferenceMode, isGradEnabled, setGradEnabled } from "./autograd.js";
export { setNumThreads, getNumThreads, threadsEnabled } from "./threads.js";
export { devices, webgpu, type GpuInfo, type GpuMemory, type WebGpuInitOptions } from "./device.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as datasets from "./data/datasets.js";
export * as data from "./data/index.js";
export * as transforms from "./data/vision.js";
export * as text from "./text/index.js";
export * as plot from "./plot/svg.js";
export * as metrics from "./metrics.js";
export { profile, type ProfileRow } from "./profiler.js";
export { ProgressBar, type ProgressOptions } from "./cli/progress.js";
export * as safetensors from "./io/safetensors.js";
export { save, load } from "./io/safetensors.js";
export * as onnx from "./io/onnx/index.js";
export * as io from "./io/index.js";
export * as tensorboard from "./tensorboard/index.js";
export { summary, type ModelSummary, type SummaryOptions } from "./summary.js";
export { StoreError } from "./io/stores.js";
export { saveCheckpoint, loadCheckpoint, serializeCheckpoint, CheckpointError, type CheckpointContents, type CheckpointTargets, type CheckpointInfo } from "./io/checkpoint.js";
export * as models from "./models.js";
export * as classifier from "./classifier.js";
export * as training from "./training.js";
export * as worker from "./worker/index.js";

/** A Python slice for t.get(): kd.slice(1, null, 2) is 1::2. */
export function slice(start: number | null = null, stop: number | null = null, step: number | null = null) {
  return { start, stop, step };
}

export * from "./generated/functions.js";

/** Resolves once the engine is loaded (it loads on import; this is for explicit waits). */
export const ready = () => init();

// Load the engine on import, so `import * as kd from "kindling"` is all a program needs.
await init();
