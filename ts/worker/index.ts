// kd.worker: the engine off the main thread, behind Comlink, in Node worker_threads and browser
// module Workers alike.
//   const w = await kd.worker.spawn();
//   await w.build({ factory: "tinyvgg" });
//   const r = await w.train({ dataset: { name: "FashionMNIST", limit: 2000 }, epochs: 1 }, (p) => console.log(p.loss));
//   const logits = kd.worker.fromPayload(await w.predict(x));
//   await w.terminate();
export { spawn, KindlingWorker, type SpawnOptions, type TensorLike } from "./spawn.js";
export type { WorkerHandle, NodeResourceLimits } from "./thread.js";
export { registerModel, registerDataset, type ModelFactory, type DatasetFactory } from "./registry.js";
export { toPayload, fromPayload, toPayloads, fromPayloads, checkPayload } from "./payload.js";
export { isDetached } from "./detached.js";
export { registerErrorClass } from "./remote-errors.js";
export type {
  TensorPayload, PayloadStateDict, LayerSpec, ModelSpec, ModelInfo, DatasetSpec, OptimizerSpec, LossName, TrainConfig,
  TrainProgress, TrainResult, EvaluateOptions, EvaluateResult,
} from "./protocol.js";
