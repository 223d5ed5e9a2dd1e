// The engine side of a kd.worker: one model, its optimizer, and the training loop, exposed
// through Comlink by ./entry.ts. Every tensor leaves as a payload whose buffer is transferred.
import { getNumThreads } from "../threads.js";
import * as Comlink from "comlink";
import { noGrad } from "../autograd.js";
import { DataLoader } from "../data/dataloader.js";
import { DeviceError, KindlingError, ValueError } from "../errors.js";
import { webgpu } from "../device.js";
import { tidy } from "../memory.js";
import * as losses from "../nn/loss.js";
import type { Module } from "../nn/module.js";
import * as optim from "../optim/index.js";
import type { Optimizer } from "../optim/optimizer.js";
import { init } from "../runtime/load.js";
import type { Device, Tensor } from "../tensor.js";
import { buildModel } from "./build.js";
import { resolveDataset } from "./datasets.js";
import { fromPayloads, fromPayload, toPayloadAsync, transferList } from "./payload.js";
import type {
  DatasetSpec, EvaluateOptions, EvaluateResult, LossName, ModelInfo, ModelSpec, OptimizerSpec, PayloadStateDict,
  TensorPayload, TrainConfig, TrainProgress, TrainResult, WorkerInitOptions, WorkerService,
} from "./protocol.js";

const LOSSES: Record<LossName, new () => losses.Loss> = {
  CrossEntropyLoss: losses.CrossEntropyLoss, NLLLoss: losses.NLLLoss, MSELoss: losses.MSELoss, L1Loss: losses.L1Loss,
  HuberLoss: losses.HuberLoss, SmoothL1Loss: losses.SmoothL1Loss, BCELoss: losses.BCELoss, BCEWithLogitsLoss: losses.BCEWithLogitsLoss,
};
const CLASSIFICATION = new Set<LossName>(["CrossEntropyLoss", "NLLLoss"]);
const OPTIMIZERS: Record<OptimizerSpec["name"], new (params: Iterable<Tensor>, opts: object) => Optimizer> = {
  SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop, Adagrad: optim.Adagrad,
};

function lossFor(name: unknown): [losses.Loss, boolean] {
  const cls = typeof name === "string" ? LOSSES[name as LossName] : undefined;
  if (!cls) throw new ValueError(`unknown loss ${JSON.stringify(name)}: expected one of ${Object.keys(LOSSES).join(", ")}`);
  return [new cls(), CLASSIFICATION.has(name as LossName)];
}

function positiveInt(where: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (v === Infinity || (Number.isInteger(v) && (v as number) > 0)) return v as number;
  throw new ValueError(`${where} must be a positive integer, got ${JSON.stringify(v)}`);
}

/** Correct argmax predictions in a batch of logits against class indices (an awaited read). */
async function correctIn(logits: Tensor, y: Tensor): Promise<number> {
  return readNumber(noGrad(() => tidy(() => logits.argmax(1).eq(y).sum())));
}

/** A one-element tensor's value through the awaited read, then disposed. */
async function readNumber(t: Tensor): Promise<number> {
  try {
    return Number(await t.itemAsync());
  } finally {
    t.dispose();
  }
}

export class Service implements WorkerService {
  #model: Module | undefined;
  #optimizer: { key: string; opt: Optimizer } | undefined;
  #lossName: LossName = "CrossEntropyLoss";
  #training = false;
  #cancel = false;

  /** Where the model and batches live ("webgpu" when spawned with {device: "webgpu"}). */
  #device: Device = "cpu";

  async init(opts: WorkerInitOptions = {}): Promise<{ variant: string; threads: number; device: Device; adapter?: string }> {
    const e = await init({ variant: opts.variant, threads: opts.threads });
    let adapter: string | undefined;
    if (opts.device !== undefined && opts.device !== "cpu") {
      if (opts.device !== "webgpu") throw new DeviceError(`spawn(): unknown device '${String(opts.device)}' (expected "cpu" or "webgpu")`);
      adapter = (await webgpu.init()).adapter; // the worker's own GPUDevice (WebGPU works in Workers)
      this.#device = "webgpu";
    }
    for (const url of opts.imports ?? []) {
      try {
        await import(/* @vite-ignore */ url);
      } catch (e) {
        if (e instanceof KindlingError) throw e; // a module's own typed error, as it is
        throw new ValueError(`spawn(): the worker could not import ${url}: ${(e as Error)?.message ?? e}`);
      }
    }
    return { variant: e.variant, threads: getNumThreads(), device: this.#device, adapter };
  }

  #need(what: string): Module {
    if (!this.#model) throw new ValueError(`${what}: no model yet; call build({ factory }) or build({ layers }) first`);
    return this.#model;
  }

  #idle(what: string): void {
    if (this.#training) throw new ValueError(`${what} cannot run while train() runs; await it or cancel() first`);
  }

  async build(spec: ModelSpec): Promise<ModelInfo> {
    this.#idle("build()");
    const model = await buildModel(spec);
    this.#idle("build()");
    this.#model?.dispose();
    model.to(this.#device);
    this.#model = model;
    this.#optimizer = undefined;
    return { parameters: model.numParameters(), summary: model.toString(), keys: Object.keys(model.stateDict({ keepVars: true })) };
  }

  #optimizerFor(spec: OptimizerSpec, model: Module): Optimizer {
    const key = JSON.stringify(spec);
    if (this.#optimizer?.key === key) return this.#optimizer.opt;
    const { name, ...options } = spec;
    const cls = OPTIMIZERS[name];
    if (!cls) throw new ValueError(`unknown optimizer ${JSON.stringify(name)}: expected one of ${Object.keys(OPTIMIZERS).join(", ")}`);
    const opt = new cls(model.parameters(), options);
    this.#optimizer = { key, opt };
    return opt;
  }

  async train(config: TrainConfig, onProgress?: (p: TrainProgress) => void): Promise<TrainResult> {
    const release = () => {
      const r = (onProgress as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy];
      if (typeof r === "function") r.call(onProgress); // closes the callback's channel
    };
    if (this.#training) {
      release();
      this.#idle("train()");
    }
    this.#training = true;
    this.#cancel = false;
    try {
      return await this.#train(config, onProgress);
    } finally {
      this.#training = false;
      this.#cancel = false;
      release();
    }
  }

  async #train(config: TrainConfig, onProgress?: (p: TrainProgress) => void): Promise<TrainResult> {
    const model = this.#need("train()");
    if (config === null || typeof config !== "object") throw new ValueError("train(): expected a config object { dataset, ... }");
    const maxSteps = positiveInt("train(): steps", config.steps, Infinity);
    const epochs = positiveInt("train(): epochs", config.epochs, config.steps !== undefined ? Infinity : 1);
    const every = positiveInt("train(): progressEvery", config.progressEvery, 10);
    const [lossFn, classify] = lossFor(config.loss ?? "CrossEntropyLoss");
    const opt = this.#optimizerFor(config.optimizer ?? { name: "SGD", lr: 0.1 }, model);
    const data = await resolveDataset(config.dataset, "train(): dataset");
    try {
      const loader = new DataLoader(data.dataset, { batchSize: config.batchSize ?? 32, shuffle: config.shuffle ?? true, seed: config.seed, dropLast: config.dropLast, device: this.#device });
      const perEpoch = loader.length;
      if (perEpoch === 0) throw new ValueError(`train(): the dataset gives no batch (${data.dataset.length} samples, batchSize ${loader.batchSize}${loader.dropLast ? ", dropLast" : ""})`);
      this.#lossName = config.loss ?? "CrossEntropyLoss";
      const totalSteps = Number.isFinite(epochs) || Number.isFinite(maxSteps) ? Math.min(epochs * perEpoch, maxSteps) : null;
      const callbacks = new Set<Promise<unknown>>();
      const report = (p: TrainProgress) => {
        if (!onProgress) return;
        const c = Promise.resolve(onProgress(p)).catch(() => {}); // a throwing callback does not stop training
        callbacks.add(c);
        c.then(() => callbacks.delete(c));
      };
      const t0 = performance.now();
      let step = 0, samples = 0, epochsDone = 0, stop = false;
      let epochLoss = 0, epochCorrect = 0, epochSeen = 0;
      let winLoss = 0, winCorrect = 0, winSeen = 0, winSteps = 0, winT = t0;
      const flush = (epoch: number) => {
        const now = performance.now();
        report({
          step, epoch, loss: winLoss / winSeen, accuracy: classify ? winCorrect / winSeen : null,
          samplesPerSec: (winSeen * 1000) / Math.max(now - winT, 1e-3), totalSteps,
        });
        winLoss = winCorrect = winSeen = winSteps = 0;
        winT = now;
      };
      model.train();
      for (let epoch = 1; epoch <= epochs && !stop; epoch++) {
        epochLoss = epochCorrect = epochSeen = 0;
        for await (const batch of loader) {
          const [x, y] = batch as [Tensor, Tensor];
          if (this.#cancel) {
            x.dispose();
            y.dispose();
            stop = true;
            break;
          }
          const n = x.shape[0];
          let l: number, c = 0;
          {
            const logits = model.forward(x);
            const loss = lossFn.forward(logits, y);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            l = await readNumber(loss);
            if (classify) c = await correctIn(logits, y);
            logits.dispose();
            x.dispose();
            y.dispose();
          }
          step++;
          samples += n;
          epochLoss += l * n; epochCorrect += c; epochSeen += n;
          winLoss += l * n; winCorrect += c; winSeen += n; winSteps++;
          if (step % every === 0) flush(epoch);
          if (step >= maxSteps) {
            stop = true;
            break;
          }
        }
        if (winSteps > 0) flush(epoch);
        if (!stop) epochsDone++;
      }
      opt.zeroGrad();
      // Progress goes through its own channel: let it land before the result does.
      await Promise.all(callbacks);
      const seconds = (performance.now() - t0) / 1000;
      return {
        steps: step, epochs: epochsDone, samples, loss: epochSeen ? epochLoss / epochSeen : NaN,
        accuracy: classify && epochSeen ? epochCorrect / epochSeen : null, samplesPerSec: samples / Math.max(seconds, 1e-6), seconds,
        cancelled: this.#cancel,
      };
    } finally {
      data.dispose();
    }
  }

  cancel(): boolean {
    if (!this.#training) return false;
    this.#cancel = true;
    return true;
  }

  async evaluate(spec: DatasetSpec, opts: EvaluateOptions = {}): Promise<EvaluateResult> {
    const model = this.#need("evaluate()");
    const lossName = opts.loss ?? this.#lossName;
    const [lossFn, classify] = lossFor(lossName);
    const data = await resolveDataset(spec, "evaluate(): dataset");
    const wasTraining = model.training;
    try {
      model.eval();
      let loss = 0, correct = 0, n = 0;
      const loader = new DataLoader(data.dataset, { batchSize: opts.batchSize ?? 256, device: this.#device });
      for await (const batch of loader) {
        const [x, y] = batch as [Tensor, Tensor];
        const [l, c] = noGrad(() => tidy(() => {
          const logits = model.forward(x);
          return [lossFn.forward(logits, y), classify ? logits.argmax(1).eq(y).sum() : null] as const;
        }));
        loss += (await readNumber(l)) * x.shape[0];
        if (c) correct += await readNumber(c);
        n += x.shape[0];
        x.dispose();
        y.dispose();
      }
      if (n === 0) throw new ValueError("evaluate(): the dataset is empty");
      return { loss: loss / n, accuracy: classify ? correct / n : null, samples: n };
    } finally {
      model.train(wasTraining);
      data.dispose();
    }
  }

  async predict(x: TensorPayload): Promise<TensorPayload> {
    const model = this.#need("predict()");
    const host = fromPayload(x, "predict(x)");
    const input = this.#device === "cpu" ? host : host.to(this.#device);
    if (input !== host) host.dispose();
    const wasTraining = model.training;
    try {
      model.eval();
      const out = noGrad(() => model.forward(input));
      let p: TensorPayload;
      try {
        p = await toPayloadAsync(out);
      } finally {
        out.dispose();
      }
      return Comlink.transfer(p, transferList([p]));
    } finally {
      model.train(wasTraining);
      input.dispose();
    }
  }

  async stateDict(): Promise<PayloadStateDict> {
    const sd = this.#need("stateDict()").stateDict();
    const out: PayloadStateDict = {};
    try {
      for (const [k, t] of Object.entries(sd)) out[k] = await toPayloadAsync(t);
    } finally {
      for (const t of Object.values(sd)) t.dispose();
    }
    return Comlink.transfer(out, transferList(Object.values(out)));
  }

  loadStateDict(sd: PayloadStateDict, opts: { strict?: boolean } = {}): { missingKeys: string[]; unexpectedKeys: string[] } {
    const model = this.#need("loadStateDict()");
    this.#idle("loadStateDict()");
    if (sd === null || typeof sd !== "object") throw new TypeError(`loadStateDict(): expected a state dict of tensor payloads, got ${sd === null ? "null" : typeof sd}`);
    const tensors = fromPayloads(sd);
    try {
      return model.loadStateDict(tensors, opts);
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
  }
}
