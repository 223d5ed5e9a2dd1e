// Learning-rate schedulers, as torch.optim.lr_scheduler (1.13): StepLR, MultiStepLR,
// ExponentialLR, CosineAnnealingLR, LinearLR, ConstantLR, OneCycleLR and ReduceLROnPlateau.
//
// Usage is torch's: call optimizer.step() then scheduler.step() once per epoch (or per batch
// for OneCycleLR). Constructing a scheduler performs its step 0 (sets each group's lr to the
// schedule's first value and records initialLr). Each schedule uses the same formulas as
// torch, in float64 like Python, including the chainable (recursive) forms, so the lr
// sequences match torch's to the last bits.
//
// stateDict() returns the scheduler's fields with torch's snake_case names (base_lrs,
// last_epoch, _step_count, _last_lr, ...); loadStateDict() restores them. Restore the
// optimizer's state dict too: the current lr lives in its param groups, as in torch.
import { ValueError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { checkBool, checkNumber, toCamel, toSnake, type Optimizer } from "./optimizer.js";
import { positional, type PositionalArgs } from "../options.js";

type Dict = Record<string, unknown>;

/** torch's name for a field (T_max is not snake_case of tMax). */
const fieldToKey = (f: string) => (f === "tMax" ? "T_max" : toSnake(f));
const keyToField = (k: string) => (k === "T_max" ? "tMax" : toCamel(k));

function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Dict = {};
    for (const [k, x] of Object.entries(v)) o[k] = deepCopy(x);
    return o as T;
  }
  return v;
}

function checkOptimizer(where: string, optimizer: unknown): Optimizer {
  const o = optimizer as Optimizer;
  if (!o || typeof o !== "object" || !Array.isArray(o.paramGroups) || typeof o.step !== "function") {
    throw new ValueError(`${where}: ${typeof optimizer} is not an Optimizer`);
  }
  return o;
}

/** Saves/restores own enumerable fields (except the optimizer) under torch's key names. */
abstract class Stateful {
  abstract readonly optimizer: Optimizer;

  stateDict(): Dict {
    const out: Dict = {};
    for (const [k, v] of Object.entries(this)) if (k !== "optimizer") out[fieldToKey(k)] = deepCopy(v);
    return out;
  }

  /** Restores fields from stateDict(); unknown keys (torch's verbose, anneal_func...) are ignored. */
  loadStateDict(sd: Dict): void {
    if (!sd || typeof sd !== "object") throw new ValueError(`${this.constructor.name}.loadStateDict: expected an object`);
    const self = this as unknown as Dict;
    for (const [k, v] of Object.entries(sd)) {
      const f = keyToField(k);
      if (f !== "optimizer" && Object.prototype.hasOwnProperty.call(this, f)) self[f] = deepCopy(v);
    }
  }
}

/** Base class of the epoch-indexed schedulers (torch's _LRScheduler). */
export abstract class LRScheduler extends Stateful {
  readonly optimizer: Optimizer;
  baseLrs: number[] = [];
  lastEpoch: number;
  _stepCount = 0;
  _lastLr: number[] = [];

  protected constructor(optimizer: Optimizer, lastEpoch: number) {
    super();
    this.optimizer = checkOptimizer(new.target.name, optimizer);
    this.lastEpoch = checkNumber(new.target.name, "lastEpoch", lastEpoch, { integer: true, min: -1 });
  }

  /** Records initialLr (or checks it when resuming) and performs step 0; subclasses call it last. */
  protected start(): void {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new ValueError(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this._stepCount = 0;
    this.step();
  }

  /** The learning rates of the groups after the last step. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** The schedule's next values (torch's chainable get_lr), from lastEpoch and the groups' lr. */
  protected abstract getLr(): number[];

  step(): void {
    this._stepCount += 1;
    this.lastEpoch += 1;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = values[i]));
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected get groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}

export interface StepLROptions { stepSize: number; gamma?: number; lastEpoch?: number }

/** Multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  /** new StepLR(opt, {stepSize, gamma}) or torch's positional order: new StepLR(opt, 30, 0.1). */
  constructor(optimizer: Optimizer, options: StepLROptions);
  constructor(optimizer: Optimizer, stepSize: number, ...args: PositionalArgs<[gamma: number, lastEpoch: number], Omit<StepLROptions, "stepSize">>);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const options = positional("StepLR(optimizer, step_size, gamma=0.1, last_epoch=-1)", args, ["stepSize", "gamma", "lastEpoch"]) as unknown as StepLROptions;
    super(optimizer, options.lastEpoch ?? -1);
    this.stepSize = checkNumber("StepLR", "stepSize", options.stepSize, { integer: true, min: 1 });
    this.gamma = checkNumber("StepLR", "gamma", options.gamma ?? 0.1);
    this.start();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma);
  }
}

export interface MultiStepLROptions { milestones: number[]; gamma?: number; lastEpoch?: number }

/** Multiplies the lr by gamma at each milestone (a milestone listed k times applies gamma^k). */
export class MultiStepLR extends LRScheduler {
  /** milestone -> count, as torch's Counter. */
  milestones: Record<number, number>;
  gamma: number;
  /** new MultiStepLR(opt, {milestones, gamma}) or torch's positional order: new MultiStepLR(opt, [30, 80], 0.1). */
  constructor(optimizer: Optimizer, options: MultiStepLROptions);
  constructor(optimizer: Optimizer, milestones: number[], ...args: PositionalArgs<[gamma: number, lastEpoch: number], Omit<MultiStepLROptions, "milestones">>);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const options = positional("MultiStepLR(optimizer, milestones, gamma=0.1, last_epoch=-1)", args, ["milestones", "gamma", "lastEpoch"]) as unknown as MultiStepLROptions;
    super(optimizer, options.lastEpoch ?? -1);
    if (!Array.isArray(options.milestones)) throw new ValueError("MultiStepLR: milestones must be an array of integers");
    this.milestones = {};
    for (const m of options.milestones) {
      checkNumber("MultiStepLR", "milestone", m, { integer: true });
      this.milestones[m] = (this.milestones[m] ?? 0) + 1;
    }
    this.gamma = checkNumber("MultiStepLR", "gamma", options.gamma ?? 0.1);
    this.start();
  }

  protected getLr(): number[] {
    const k = this.milestones[this.lastEpoch];
    if (k === undefined) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma ** k);
  }
}

export interface ExponentialLROptions { gamma: number; lastEpoch?: number }

/** Multiplies the lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  /** new ExponentialLR(opt, {gamma}) or torch's positional order: new ExponentialLR(opt, 0.9). */
  constructor(optimizer: Optimizer, options: ExponentialLROptions);
  constructor(optimizer: Optimizer, gamma: number, ...args: PositionalArgs<[lastEpoch: number], Omit<ExponentialLROptions, "gamma">>);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const options = positional("ExponentialLR(optimizer, gamma, last_epoch=-1)", args, ["gamma", "lastEpoch"]) as unknown as ExponentialLROptions;
    super(optimizer, options.lastEpoch ?? -1);
    this.gamma = checkNumber("ExponentialLR", "gamma", options.gamma);
    this.start();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma);
  }
}

export interface CosineAnnealingLROptions { tMax: number; etaMin?: number; lastEpoch?: number }

/**
 * Cosine annealing from the base lr to etaMin over tMax epochs, then back up (the schedule
 * is periodic with period 2·tMax), in torch's recursive form.
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  /** new CosineAnnealingLR(opt, {tMax, etaMin}) or torch's positional order: new CosineAnnealingLR(opt, 100, 1e-5). */
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions);
  constructor(optimizer: Optimizer, tMax: number, ...args: PositionalArgs<[etaMin: number, lastEpoch: number], Omit<CosineAnnealingLROptions, "tMax">>);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const options = positional("CosineAnnealingLR(optimizer, T_max, eta_min=0, last_epoch=-1)", args, ["tMax", "etaMin", "lastEpoch"]) as unknown as CosineAnnealingLROptions;
    super(optimizer, options.lastEpoch ?? -1);
    this.tMax = checkNumber("CosineAnnealingLR", "tMax", options.tMax, { integer: true, min: 1 });
    this.etaMin = checkNumber("CosineAnnealingLR", "etaMin", options.etaMin ?? 0);
    this.start();
  }

  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    const groups = this.groupLrs;
    if (e === 0) return groups;
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => etaMin + (base - etaMin) * (1 + Math.cos((e * Math.PI) / T)) / 2);
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map((lr, i) => lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T)) / 2);
    }
    return groups.map((lr) => (1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T)) * (lr - etaMin) + etaMin);
  }
}

export interface LinearLROptions { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number }

/** Scales the lr by a factor going linearly from startFactor to endFactor over totalIters epochs (warm-up). */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  /** new LinearLR(opt, {startFactor, endFactor, totalIters}) or torch's positional order: new LinearLR(opt, 0.1, 1, 10). */
  constructor(optimizer: Optimizer, ...args: PositionalArgs<[startFactor: number, endFactor: number, totalIters: number, lastEpoch: number], LinearLROptions>);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const o = positional("LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5, last_epoch=-1)", args,
      ["startFactor", "endFactor", "totalIters", "lastEpoch"]) as LinearLROptions;
    super(optimizer, o.lastEpoch ?? -1);
    const W = "LinearLR";
    this.startFactor = checkNumber(W, "startFactor", o.startFactor ?? 1 / 3);
    this.endFactor = checkNumber(W, "endFactor", o.endFactor ?? 1);
    if (this.startFactor > 1 || this.startFactor < 0) throw new ValueError("LinearLR: Starting multiplicative factor expected to be between 0 and 1.");
    if (this.endFactor > 1 || this.endFactor < 0) throw new ValueError("LinearLR: Ending multiplicative factor expected to be between 0 and 1.");
    this.totalIters = checkNumber(W, "totalIters", o.totalIters ?? 5, { integer: true, min: 0 });
    this.start();
  }

  protected getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.groupLrs.map((lr) => lr * s);
    if (e > n) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
}

export interface ConstantLROptions { factor?: number; totalIters?: number; lastEpoch?: number }

/** Scales the lr by `factor` for the first totalIters epochs, then restores it. */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  /** new ConstantLR(opt, {factor, totalIters}) or torch's positional order: new ConstantLR(opt, 0.5, 4). */
  constructor(optimizer: Optimizer, ...args: PositionalArgs<[factor: number, totalIters: number, lastEpoch: number], ConstantLROptions>);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const o = positional("ConstantLR(optimizer, factor=1/3, total_iters=5, last_epoch=-1)", args, ["factor", "totalIters", "lastEpoch"]) as ConstantLROptions;
    super(optimizer, o.lastEpoch ?? -1);
    this.factor = checkNumber("ConstantLR", "factor", o.factor ?? 1 / 3);
    if (this.factor > 1 || this.factor < 0) throw new ValueError("ConstantLR: Constant multiplicative factor expected to be between 0 and 1.");
    this.totalIters = checkNumber("ConstantLR", "totalIters", o.totalIters ?? 5, { integer: true, min: 0 });
    this.start();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * (1.0 / this.factor));
  }
}

/** Python's % (the result has the divisor's sign). */
const pyMod = (a: number, b: number) => ((a % b) + b) % b;

export interface OneCycleLROptions {
  /** Peak lr, one value or one per group. */
  maxLr: number | number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase { endStep: number; startLr: string; endLr: string; startMomentum: string; endMomentum: string }

/**
 * The 1cycle policy (Smith & Topin): lr from maxLr/divFactor up to maxLr, then down to
 * initialLr/finalDivFactor, with momentum (SGD) or beta1 (Adam) cycled inversely. Stepped
 * once per batch; stepping past totalSteps is a ValueError.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  _schedulePhases: Phase[];
  annealStrategy: "cos" | "linear";
  cycleMomentum: boolean;
  useBeta1 = false;

  /** new OneCycleLR(opt, {maxLr, totalSteps, ...}) or torch's positional order: new OneCycleLR(opt, 0.1, 1000). */
  constructor(optimizer: Optimizer, options: OneCycleLROptions);
  constructor(optimizer: Optimizer, maxLr: number | number[], ...args: PositionalArgs<[totalSteps: number | undefined, epochs: number | undefined,
    stepsPerEpoch: number | undefined, pctStart: number, annealStrategy: "cos" | "linear", cycleMomentum: boolean, baseMomentum: number | number[],
    maxMomentum: number | number[], divFactor: number, finalDivFactor: number, threePhase: boolean, lastEpoch: number], Omit<OneCycleLROptions, "maxLr">>);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const o = positional("OneCycleLR(optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3, anneal_strategy='cos', "
      + "cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0, final_div_factor=10000.0, three_phase=False, last_epoch=-1)", args,
    ["maxLr", "totalSteps", "epochs", "stepsPerEpoch", "pctStart", "annealStrategy", "cycleMomentum",
      "baseMomentum", "maxMomentum", "divFactor", "finalDivFactor", "threePhase", "lastEpoch"]) as unknown as OneCycleLROptions;
    super(optimizer, o.lastEpoch ?? -1);
    const W = "OneCycleLR";
    if (o.totalSteps === undefined && (o.epochs === undefined || o.stepsPerEpoch === undefined)) {
      throw new ValueError("You must define either totalSteps OR (epochs AND stepsPerEpoch)");
    }
    if (o.totalSteps !== undefined) {
      if (!Number.isInteger(o.totalSteps) || o.totalSteps <= 0) throw new ValueError(`Expected positive integer totalSteps, but got ${o.totalSteps}`);
      this.totalSteps = o.totalSteps;
    } else {
      if (!Number.isInteger(o.epochs) || o.epochs! <= 0) throw new ValueError(`Expected positive integer epochs, but got ${o.epochs}`);
      if (!Number.isInteger(o.stepsPerEpoch) || o.stepsPerEpoch! <= 0) throw new ValueError(`Expected positive integer stepsPerEpoch, but got ${o.stepsPerEpoch}`);
      this.totalSteps = o.epochs! * o.stepsPerEpoch!;
    }
    const pct = o.pctStart ?? 0.3;
    if (typeof pct !== "number" || !(pct >= 0 && pct <= 1)) throw new ValueError(`Expected float between 0 and 1 pctStart, but got ${pct}`);
    const threePhase = checkBool(W, "threePhase", o.threePhase ?? false);
    this._schedulePhases = threePhase
      ? [
        { endStep: pct * this.totalSteps - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
        { endStep: 2 * pct * this.totalSteps - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        { endStep: this.totalSteps - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
      ]
      : [
        { endStep: pct * this.totalSteps - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
        { endStep: this.totalSteps - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
      ];
    const strategy = o.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear") throw new ValueError(`annealStrategy must by one of 'cos' or 'linear', instead got ${strategy}`);
    this.annealStrategy = strategy;
    const groups = this.optimizer.paramGroups;
    const maxLrs = perGroup(W, "maxLr", groups.length, o.maxLr);
    const divFactor = checkNumber(W, "divFactor", o.divFactor ?? 25);
    const finalDivFactor = checkNumber(W, "finalDivFactor", o.finalDivFactor ?? 1e4);
    if (this.lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
    }
    this.cycleMomentum = checkBool(W, "cycleMomentum", o.cycleMomentum ?? true);
    if (this.cycleMomentum) {
      const d = this.optimizer.defaults;
      if (!("momentum" in d) && !("betas" in d)) throw new ValueError("optimizer must support momentum with `cycleMomentum` option enabled");
      this.useBeta1 = "betas" in d;
      const maxM = perGroup(W, "maxMomentum", groups.length, o.maxMomentum ?? 0.95);
      const baseM = perGroup(W, "baseMomentum", groups.length, o.baseMomentum ?? 0.85);
      if (this.lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (this.useBeta1) g.betas = [maxM[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    this.start();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === "cos") return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ValueError(`Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const phases = this._schedulePhases;
    return this.optimizer.paramGroups.map((g) => {
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < phases.length; i++) {
        const ph = phases[i];
        if (stepNum <= ph.endStep || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (ph.endStep - startStep);
          lr = this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum) momentum = this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct);
          break;
        }
        startStep = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, ...(g.betas as number[]).slice(1)];
        else g.momentum = momentum;
      }
      return lr;
    });
  }

  override step(): void {
    // torch raises before touching anything: undo the epoch count on failure.
    try {
      super.step();
    } catch (e) {
      this.lastEpoch -= 1;
      this._stepCount -= 1;
      throw e;
    }
  }
}

function perGroup(where: string, name: string, n: number, v: unknown): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n) throw new ValueError(`${where}: expected ${n} values for ${name}, got ${v.length}`);
    return v.map((x) => checkNumber(where, name, x));
  }
  const x = checkNumber(where, name, v);
  return Array(n).fill(x);
}

export interface ReduceLROnPlateauOptions {
  mode?: "min" | "max";
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: "rel" | "abs";
  cooldown?: number;
  /** A floor for the lr, one value or one per group. */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped. */
  eps?: number;
}

/**
 * Reduces each group's lr by `factor` once the metric passed to step() has not improved
 * (by `threshold`, relative or absolute) for more than `patience` steps; then waits
 * `cooldown` steps before counting again.
 */
export class ReduceLROnPlateau extends Stateful {
  readonly optimizer: Optimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: "min" | "max";
  threshold: number;
  thresholdMode: "rel" | "abs";
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  _lastLr: number[];

  /** new ReduceLROnPlateau(opt, {mode, factor, patience}) or torch's positional order: new ReduceLROnPlateau(opt, "min", 0.5, 3). */
  constructor(optimizer: Optimizer, ...args: PositionalArgs<[mode: "min" | "max", factor: number, patience: number, threshold: number,
    thresholdMode: "rel" | "abs", cooldown: number, minLr: number | number[], eps: number], ReduceLROnPlateauOptions>);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    super();
    const W = "ReduceLROnPlateau";
    const options = positional("ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=0.0001, threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-08)",
      args, ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"]) as ReduceLROnPlateauOptions;
    this.optimizer = checkOptimizer(W, optimizer);
    this.factor = checkNumber(W, "factor", options.factor ?? 0.1);
    if (this.factor >= 1.0) throw new ValueError("Factor should be < 1.0.");
    this.minLrs = perGroup(W, "minLr", optimizer.paramGroups.length, options.minLr ?? 0);
    this.patience = checkNumber(W, "patience", options.patience ?? 10, { integer: true, min: 0 });
    this.cooldown = checkNumber(W, "cooldown", options.cooldown ?? 0, { integer: true, min: 0 });
    this.mode = options.mode ?? "min";
    this.threshold = checkNumber(W, "threshold", options.threshold ?? 1e-4);
    this.thresholdMode = options.thresholdMode ?? "rel";
    this.eps = checkNumber(W, "eps", options.eps ?? 1e-8);
    this.checkModes();
    this.modeWorse = this.mode === "min" ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private checkModes(): void {
    if (this.mode !== "min" && this.mode !== "max") throw new ValueError(`mode ${this.mode} is unknown!`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") throw new ValueError(`threshold mode ${this.thresholdMode} is unknown!`);
  }

  /** Feeds one value of the monitored metric (a number or a one-element tensor). */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? Number(metric.item()) : metric;
    if (typeof current !== "number") throw new ValueError(`ReduceLROnPlateau.step: metric must be a number or a one-element tensor, got ${typeof metric}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this._lastLr];
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const old = g.lr;
      const next = Math.max(old * this.factor, this.minLrs[i]);
      if (old - next > this.eps) g.lr = next;
    });
  }

  isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1 - this.threshold);
    if (this.mode === "min") return a < best - this.threshold;
    if (this.thresholdMode === "rel") return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  override loadStateDict(sd: Dict): void {
    super.loadStateDict(sd);
    this.checkModes();
  }
}
