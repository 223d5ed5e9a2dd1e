// What crosses between the caller and the engine in a kd.worker: plain, structured-cloneable
// specs and results, and tensors as payloads whose ArrayBuffer is transferred.
import type { EngineBuild } from "../runtime/load.js";
import type { AnyTypedArray, DType } from "../dtype.js";

/** A tensor in flight: its elements in row-major order, its shape and dtype. */
export interface TensorPayload {
  /** The values (Float32Array, Int32Array, Uint8Array for bool and uint8, Int8Array, Float64Array);
   * for int64 and float16, their storage bytes (a little-endian Uint8Array), so they cross exactly. */
  data: AnyTypedArray;
  shape: number[];
  dtype: DType;
}

/** A state dict in flight (PyTorch key names to payloads). */
export type PayloadStateDict = Record<string, TensorPayload>;

/**
 * One layer of a declarative Sequential: a kd.nn layer name and its constructor arguments,
 * as a tuple `["Conv2d", 1, 10, 3, { padding: 1 }]` or `{ type: "Conv2d", args: [1, 10, 3, { padding: 1 }] }`.
 * `{ type: "Sequential", layers: [...] }` nests.
 */
export type LayerSpec = [string, ...unknown[]] | { type: string; args?: unknown[]; layers?: LayerSpec[] };

/** A model to build: a registered factory (built in: "tinyvgg", "mlp", "linear") or a Sequential of kd.nn layers. */
export type ModelSpec = { factory: string; args?: unknown[] } | { layers: LayerSpec[] };

/** What build() reports about the model it made. */
export interface ModelInfo {
  /** Number of parameters (elements). */
  parameters: number;
  /** PyTorch's module repr. */
  summary: string;
  /** State dict keys, in order. */
  keys: string[];
}

/**
 * A dataset, in the worker: the real (Fashion)MNIST files, a dataset registered with
 * kd.worker.registerDataset, or tensors sent along ({ x, y } payloads or main-thread Tensors).
 */
export type DatasetSpec<T = TensorPayload> =
  | { name: "FashionMNIST" | "MNIST"; train?: boolean; root?: string; limit?: number }
  | { name: string; options?: unknown; limit?: number }
  | { tensors: { x: T; y: T }; limit?: number };

/** An optimizer of kd.optim by class name, with its options (lr, momentum, weightDecay, betas...). */
export interface OptimizerSpec {
  name: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  lr?: number;
  [option: string]: unknown;
}

/** Losses of kd.nn by class name. */
export type LossName =
  | "CrossEntropyLoss" | "NLLLoss" | "MSELoss" | "L1Loss" | "HuberLoss" | "SmoothL1Loss" | "BCELoss" | "BCEWithLogitsLoss";

export interface TrainConfig<T = TensorPayload> {
  dataset: DatasetSpec<T>;
  /** Default 32. */
  batchSize?: number;
  /** Default true. */
  shuffle?: boolean;
  /** Seeds the shuffle (and nothing else). */
  seed?: number;
  dropLast?: boolean;
  /** Default { name: "SGD", lr: 0.1 }. The optimizer (and its momentum state) is kept across train() calls while the spec is unchanged. */
  optimizer?: OptimizerSpec;
  /** Default "CrossEntropyLoss". */
  loss?: LossName;
  /** Passes over the dataset (default 1, or unlimited when only `steps` is given). */
  epochs?: number;
  /** Stop after this many optimizer steps. */
  steps?: number;
  /** Report progress every N steps (default 10), and after the last step. */
  progressEvery?: number;
}

/** Streamed to train()'s onProgress callback. loss/accuracy are means over the steps since the previous report. */
export interface TrainProgress {
  step: number;
  epoch: number;
  loss: number;
  /** Fraction of argmax(logits) == target; null for losses that are not classification. */
  accuracy: number | null;
  samplesPerSec: number;
  /** Steps the run will take when known (epochs and dataset length), else null. */
  totalSteps: number | null;
}

export interface TrainResult {
  steps: number;
  /** Epochs completed (a cancelled or step-limited run may stop inside one). */
  epochs: number;
  samples: number;
  /** Mean loss and accuracy over the last epoch run (the part run, when it stopped early). */
  loss: number;
  accuracy: number | null;
  samplesPerSec: number;
  seconds: number;
  /** True when cancel() stopped it. */
  cancelled: boolean;
}

export interface EvaluateOptions {
  /** Default 256. */
  batchSize?: number;
  /** Default: the last train()'s loss, else "CrossEntropyLoss". */
  loss?: LossName;
}

export interface EvaluateResult {
  loss: number;
  accuracy: number | null;
  samples: number;
}

export interface WorkerInitOptions {
  variant?: EngineBuild;
  /** Threads of the worker's own pool (a count, or false for the single-threaded build). */
  threads?: number | false;
  /** The worker's device: "webgpu" opens a GPU in the worker (default "cpu"). */
  device?: "cpu" | "webgpu";
  /** Module URLs imported (in order) before anything else: they call registerModel / registerDataset. */
  imports?: string[];
}

/** The engine side, as the worker exposes it (every method is async across the boundary). */
export interface WorkerService {
  init(opts: WorkerInitOptions): Promise<{ variant: string; threads: number; device: "cpu" | "webgpu"; adapter?: string }>;
  build(spec: ModelSpec): Promise<ModelInfo>;
  train(config: TrainConfig, onProgress?: (p: TrainProgress) => void): Promise<TrainResult>;
  cancel(): boolean;
  evaluate(dataset: DatasetSpec, opts?: EvaluateOptions): Promise<EvaluateResult>;
  predict(x: TensorPayload): Promise<TensorPayload>;
  stateDict(): Promise<PayloadStateDict>;
  loadStateDict(sd: PayloadStateDict, opts?: { strict?: boolean }): { missingKeys: string[]; unexpectedKeys: string[] };
}

/** Posted by the worker once it listens, before the caller's first call. */
export const READY = "kindling-worker-ready";
