// The course's going_modular/engine.py as library functions (kd.training): one epoch of training
// (trainStep), one pass of evaluation (testStep), and train() looping both and returning the
// history dict. Loss and accuracy are means of the per-batch means, as engine.py computes them,
// so a run matches PyTorch's number for number (tests/training-loop.test.ts).
//
//   const history = await kd.training.train(model, trainLoader, testLoader, optimizer, lossFn, 5);
//   history.testAcc.at(-1)
import { ValueError } from "./errors.js";
import { noGrad } from "./autograd.js";
import { tidy } from "./memory.js";
import type { Module } from "./nn/module.js";
import type { Optimizer } from "./optim/optimizer.js";
import type { Tensor } from "./tensor.js";
import { checkOptions } from "./options.js";
import { ProgressBar } from "./cli/progress.js";

/** What the steps iterate: batches of (input, target), as a DataLoader of a labelled dataset gives. */
export type BatchSource = Iterable<readonly Tensor[]> | AsyncIterable<readonly Tensor[]>;
/** A loss: a module (nn.CrossEntropyLoss) or a function of (logits, target). */
export type LossFn = { forward(input: Tensor, target: Tensor): Tensor } | ((input: Tensor, target: Tensor) => Tensor);

export interface StepResult {
  loss: number;
  acc: number;
  /** Batches and samples seen. */
  batches: number;
  samples: number;
}

export interface StepOptions {
  /** Called after every batch with the running means (the CLI draws its progress bar from it). */
  onBatch?: (info: { batch: number; samples: number; loss: number; acc: number; batchSize: number }) => void;
}

/** engine.py's results dict, camelCased: one value per epoch. */
export interface History {
  trainLoss: number[];
  trainAcc: number[];
  testLoss: number[];
  testAcc: number[];
}

export interface TrainOptions {
  /** Called after each epoch (1-based) with that epoch's numbers; may be async (to checkpoint). */
  onEpoch?: (epoch: number, result: { trainLoss: number; trainAcc: number; testLoss: number; testAcc: number }, history: History) => unknown;
  /** Draw a kd.ProgressBar per epoch (default false); or give a stream to draw on. */
  progress?: boolean | { write(s: string): unknown; isTTY?: boolean };
  /** The epoch to start from (for a resumed run: epochs already done); default 0. */
  startEpoch?: number;
  /** A history to extend (a resumed run's); default empty. */
  history?: History;
}

const lossOf = (lossFn: LossFn, logits: Tensor, y: Tensor): Tensor =>
  typeof lossFn === "function" ? lossFn(logits, y) : lossFn.forward(logits, y);

function checkLoop(where: string, model: Module, loader: unknown, lossFn: unknown): void {
  if (!model || typeof (model as Module).forward !== "function") throw new ValueError(`${where}: model must be an nn.Module, got ${typeof model}`);
  if (typeof loader !== "object" || loader === null || !(Symbol.iterator in loader || Symbol.asyncIterator in loader)) throw new ValueError(`${where}: loader must be a DataLoader (an iterable of [input, target] batches)`);
  if (typeof lossFn !== "function" && typeof (lossFn as { forward?: unknown })?.forward !== "function") throw new ValueError(`${where}: lossFn must be a loss module (nn.CrossEntropyLoss) or a function (logits, target) => loss`);
}

/** Correct predictions in a batch: argmax over classes equals the target. */
const correctOf = (logits: Tensor, y: Tensor): number => tidy(() => logits.argmax(1).eq(y).sum().item() as number);

function result(lossSum: number, accSum: number, batches: number, samples: number, where: string): StepResult {
  if (batches === 0) throw new ValueError(`${where}: the loader gave no batches (is the dataset empty?)`);
  return { loss: lossSum / batches, acc: accSum / batches, batches, samples };
}

/**
 * One epoch of training (engine.py's train_step): model.train(), then for every batch forward,
 * loss, zeroGrad, backward, step. Returns the mean batch loss and mean batch accuracy.
 */
export async function trainStep(model: Module, loader: BatchSource, lossFn: LossFn, optimizer: Optimizer, opts: StepOptions = {}): Promise<StepResult> {
  checkLoop("trainStep", model, loader, lossFn);
  if (!optimizer || typeof optimizer.step !== "function") throw new ValueError("trainStep: optimizer must be a kd.optim optimizer");
  checkOptions("trainStep", opts, ["onBatch"]);
  model.train();
  let lossSum = 0, accSum = 0, batches = 0, samples = 0;
  for await (const [x, y] of loader) {
    const logits = model.forward(x);
    const loss = lossOf(lossFn, logits, y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    const n = y.size(0);
    lossSum += loss.item() as number;
    accSum += noGrad(() => correctOf(logits, y)) / n;
    batches++;
    samples += n;
    opts.onBatch?.({ batch: batches, samples, loss: lossSum / batches, acc: accSum / batches, batchSize: n });
  }
  return result(lossSum, accSum, batches, samples, "trainStep");
}

/** One pass of evaluation (engine.py's test_step): model.eval() and no gradients. */
export async function testStep(model: Module, loader: BatchSource, lossFn: LossFn, opts: StepOptions = {}): Promise<StepResult> {
  checkLoop("testStep", model, loader, lossFn);
  checkOptions("testStep", opts, ["onBatch"]);
  model.eval();
  let lossSum = 0, accSum = 0, batches = 0, samples = 0;
  for await (const [x, y] of loader) {
    const n = y.size(0);
    noGrad(() => tidy(() => {
      const logits = model.forward(x);
      lossSum += lossOf(lossFn, logits, y).item() as number;
      accSum += correctOf(logits, y) / n;
    }));
    batches++;
    samples += n;
    opts.onBatch?.({ batch: batches, samples, loss: lossSum / batches, acc: accSum / batches, batchSize: n });
  }
  return result(lossSum, accSum, batches, samples, "testStep");
}

const batchesIn = (loader: BatchSource): number => {
  const n = (loader as { length?: unknown }).length;
  return typeof n === "number" && Number.isFinite(n) ? n : 0;
};

/**
 * engine.py's train(): `epochs` epochs of trainStep then testStep; returns the history
 * {trainLoss, trainAcc, testLoss, testAcc}, one entry per epoch.
 */
export async function train(model: Module, trainLoader: BatchSource, testLoader: BatchSource, optimizer: Optimizer, lossFn: LossFn, epochs: number, opts: TrainOptions = {}): Promise<History> {
  checkOptions("train", opts, ["onEpoch", "progress", "startEpoch", "history"]);
  if (!Number.isInteger(epochs) || epochs < 0) throw new ValueError(`train: epochs must be a non-negative integer, got ${epochs}`);
  const start = opts.startEpoch ?? 0;
  if (!Number.isInteger(start) || start < 0) throw new ValueError(`train: startEpoch must be a non-negative integer, got ${start}`);
  const history: History = opts.history ?? { trainLoss: [], trainAcc: [], testLoss: [], testAcc: [] };
  const stream = typeof opts.progress === "object" ? opts.progress : undefined;
  for (let epoch = start + 1; epoch <= epochs; epoch++) {
    const total = batchesIn(trainLoader);
    const bar = opts.progress && total > 0 ? new ProgressBar({ total, label: `epoch ${epoch}/${epochs}`, stream }) : undefined;
    const tr = await trainStep(model, trainLoader, lossFn, optimizer, bar ? { onBatch: (b) => bar.update(1, b.batchSize, { loss: b.loss, acc: b.acc }) } : {});
    const te = await testStep(model, testLoader, lossFn);
    history.trainLoss.push(tr.loss);
    history.trainAcc.push(tr.acc);
    history.testLoss.push(te.loss);
    history.testAcc.push(te.acc);
    await opts.onEpoch?.(epoch, { trainLoss: tr.loss, trainAcc: tr.acc, testLoss: te.loss, testAcc: te.acc }, history);
  }
  return history;
}
