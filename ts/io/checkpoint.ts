// Checkpoints of a whole training run in one safetensors file, so training resumes exactly:
//
//   await kd.saveCheckpoint("run.safetensors", { model, optimizer, scheduler, epoch, loader });
//   const { epoch } = await kd.loadCheckpoint("run.safetensors", { model, optimizer, scheduler, loader });
//
// Layout: the model's tensors as "model.<state_dict key>", the optimizer's state tensors as
// "optimizer.state.<param index>.<name>"; everything else is JSON in the safetensors metadata:
// format, version, epoch, step, rng_state (the engine generator, hex), optimizer (class,
// param_groups, non-tensor state), scheduler (class, state), loader (its Generator's state, hex),
// extra. Both RNG states have torch.get_rng_state()'s 5056-byte layout.
// PyTorch reads the tensors of such a file like any other safetensors file.
//
// Loading checks the whole file against the objects given before it changes any of them: a
// corrupt or mismatched checkpoint raises a CheckpointError and leaves everything as it was.
import { getRngState, setRngState } from "../creation.js";
import { KindlingError, ValueError } from "../errors.js";
import { DataLoader } from "../data/dataloader.js";
import { Generator } from "../data/generator.js";
import { Module } from "../nn/module.js";
import { Optimizer, type OptimizerStateDict } from "../optim/optimizer.js";
import { Tensor } from "../tensor.js";
import { CheckpointError, fromJson, sameStructure, toJson } from "./checkpoint-json.js";
import { warnNonFinite } from "./nonfinite.js";
import { read, save, SafetensorsError, serialize, type Source, type StateDict } from "./safetensors.js";

export { CheckpointError } from "./checkpoint-json.js";

const FORMAT = "kindling.checkpoint";
const VERSION = "1";
const MODEL = "model.";
const OPT_STATE = "optimizer.state.";

/** A learning-rate scheduler (any object with stateDict/loadStateDict, as kd.optim's). */
export interface SchedulerLike {
  stateDict(): Record<string, unknown>;
  loadStateDict(sd: Record<string, unknown>): void;
}

/** What a checkpoint restores into. */
export interface CheckpointTargets {
  model: Module;
  optimizer?: Optimizer;
  scheduler?: SchedulerLike;
  /** The DataLoader whose shuffling Generator is saved (or a Generator itself). */
  loader?: DataLoader<any, any> | Generator;
  /** Restore the engine's generator (kd.getRngState) too; default true. */
  restoreRng?: boolean;
}

/** What a checkpoint saves: the objects, plus where the run is and any JSON of your own. */
export interface CheckpointContents extends Omit<CheckpointTargets, "restoreRng"> {
  epoch?: number;
  step?: number;
  /** JSON values (numbers, strings, booleans, null, arrays, plain objects, typed arrays). */
  extra?: unknown;
}

export interface CheckpointInfo {
  epoch?: number;
  step?: number;
  extra?: unknown;
}

/** The tensors and metadata of a checkpoint; `owned` are copies to dispose once written. */
function collect(contents: CheckpointContents): { tensors: StateDict; meta: Record<string, string>; owned: Tensor[] } {
  const where = "saveCheckpoint";
  const { model, optimizer, scheduler, loader, epoch, step, extra } = checkTargets(contents, where);
  for (const [name, v] of [["epoch", epoch], ["step", step]] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) throw new ValueError(`${where}: ${name} must be a non-negative integer, got ${v}`);
  }
  const meta: Record<string, string> = { format: FORMAT, version: VERSION, rng_state: hex(getRngState()) };
  if (epoch !== undefined) meta.epoch = String(epoch);
  if (step !== undefined) meta.step = String(step);
  const json = (v: unknown, name: string) => {
    try {
      return toJson(v, name);
    } catch (e) {
      throw prefixed(e, where);
    }
  };
  if (extra !== undefined) meta.extra = json(extra, "extra");
  if (loader !== undefined) {
    const g = loaderGenerator(loader);
    meta.loader = json({ generator: g ? hex(g.getState()) : null }, "loader");
  }
  if (scheduler !== undefined) meta.scheduler = json({ class: scheduler.constructor.name, state: scheduler.stateDict() }, "scheduler");
  const tensors: StateDict = {};
  for (const [k, t] of Object.entries(model.stateDict({ keepVars: true }))) tensors[MODEL + k] = t;
  const owned: Tensor[] = [];
  if (optimizer !== undefined) {
    const sd = optimizer.stateDict();
    const state: Record<string, Record<string, unknown>> = {};
    for (const [i, entry] of Object.entries(sd.state)) {
      state[i] = {};
      for (const [name, v] of Object.entries(entry)) {
        if (v instanceof Tensor) {
          owned.push(v);
          tensors[`${OPT_STATE}${i}.${name}`] = v;
          state[i][name] = { $tensor: true };
        } else state[i][name] = v;
      }
    }
    try {
      meta.optimizer = json({ class: optimizer.constructor.name, param_groups: sd.param_groups, state }, "optimizer");
    } catch (e) {
      for (const t of owned) t.dispose();
      throw e;
    }
  }
  return { tensors, meta, owned };
}

/** The checkpoint file's bytes (safetensors): what saveCheckpoint writes. */
export function serializeCheckpoint(contents: CheckpointContents): Uint8Array {
  const { tensors, meta, owned } = collect(contents);
  try {
    return serialize(tensors, meta);
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * Saves a training run (model, optimizer, scheduler, epoch, step, the engine's RNG state, the
 * loader's shuffling generator, extra JSON) as one safetensors file, wherever kd.save writes:
 * Node paths through a temporary file and a rename, browser stores, or (no path) a Blob.
 */
export async function saveCheckpoint(path: string | FileSystemFileHandle | undefined, contents: CheckpointContents): Promise<Blob | void> {
  const { tensors, meta, owned } = collect(contents);
  try {
    return await save(tensors, path, meta);
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * Restores a checkpoint from saveCheckpoint into `model` (and optimizer, scheduler, loader when
 * given), and the engine's RNG state; returns {epoch, step, extra}. Everything is checked first:
 * a bad or mismatched file raises a CheckpointError and changes nothing.
 */
export async function loadCheckpoint(source: Source, targets: CheckpointTargets): Promise<CheckpointInfo> {
  checkTargets(targets, "loadCheckpoint");
  let loaded;
  try {
    loaded = await read(source);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`loadCheckpoint: ${e.message}`);
    throw e;
  }
  try {
    return restore(loaded.tensors, loaded.metadata, targets);
  } catch (e) {
    throw prefixed(e, "loadCheckpoint");
  } finally {
    for (const t of Object.values(loaded.tensors)) t.dispose();
  }
}

function restore(tensors: StateDict, metadata: unknown, targets: CheckpointTargets): CheckpointInfo {
  const { model, optimizer, scheduler, loader, restoreRng = true } = targets;
  // ---- check everything -------------------------------------------------------------------
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) throw new CheckpointError("loadCheckpoint: the file's __metadata__ is not an object");
  const meta = metadata as Record<string, unknown>;
  if (meta.format !== FORMAT) throw new CheckpointError(`loadCheckpoint: not a Kindling checkpoint (metadata format is ${JSON.stringify(meta.format)}, expected "${FORMAT}"); for a plain state dict use kd.load`);
  if (meta.version !== VERSION) throw new CheckpointError(`loadCheckpoint: checkpoint version ${JSON.stringify(meta.version)} is not supported (this Kindling reads version ${VERSION})`);
  const epoch = count(meta.epoch, "epoch");
  const step = count(meta.step, "step");
  const extra = meta.extra === undefined ? undefined : fromJson(meta.extra, "extra");

  const modelSd: StateDict = {};
  const optTensors: StateDict = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith(MODEL)) modelSd[k.slice(MODEL.length)] = t;
    else if (k.startsWith(OPT_STATE)) optTensors[k] = t;
    else throw new CheckpointError(`loadCheckpoint: unexpected tensor "${k}" (a checkpoint holds "${MODEL}*" and "${OPT_STATE}*" tensors)`);
  }
  checkModel(model, modelSd);
  const optSd = optimizer ? optimizerStateDict(optimizer, meta.optimizer, optTensors) : undefined;
  const schedSd = scheduler ? schedulerState(scheduler, meta.scheduler) : undefined;
  const rng = restoreRng ? rngState(meta.rng_state) : undefined;
  const gen = loader !== undefined ? loaderState(loader, meta.loader) : undefined;

  // ---- apply: the two steps that can still refuse come first, each undone if the next fails ----
  let schedBefore: Record<string, unknown> | undefined;
  if (scheduler && schedSd) {
    schedBefore = scheduler.stateDict();
    try {
      scheduler.loadStateDict(schedSd);
    } catch (e) {
      scheduler.loadStateDict(schedBefore);
      throw new CheckpointError(`loadCheckpoint: scheduler: ${(e as Error).message}`);
    }
  }
  if (optimizer && optSd) {
    try {
      optimizer.loadStateDict(optSd);
    } catch (e) {
      if (scheduler && schedBefore) scheduler.loadStateDict(schedBefore);
      throw new CheckpointError(`loadCheckpoint: optimizer: ${(e as Error).message}`);
    }
  }
  model.loadStateDict(modelSd, { strict: true });
  if (rng) setRngState(rng);
  if (gen) gen.target.setState(gen.bytes);
  warnNonFinite(tensors, "loadCheckpoint");
  return { epoch, step, extra };
}

function checkTargets<T extends CheckpointTargets | CheckpointContents>(t: T, where: string): T {
  if (t === null || typeof t !== "object") throw new ValueError(`${where}: expected an object {model, optimizer?, scheduler?, loader?, ...}`);
  if (!(t.model instanceof Module)) throw new ValueError(`${where}: model must be an nn.Module, got ${describe(t.model)}`);
  if (t.optimizer !== undefined && !(t.optimizer instanceof Optimizer)) throw new ValueError(`${where}: optimizer must be a kd.optim Optimizer, got ${describe(t.optimizer)}`);
  const s = t.scheduler as SchedulerLike | undefined;
  if (s !== undefined && (s === null || typeof s !== "object" || typeof s.stateDict !== "function" || typeof s.loadStateDict !== "function")) {
    throw new ValueError(`${where}: scheduler must have stateDict() and loadStateDict(), got ${describe(s)}`);
  }
  if (t.loader !== undefined && !(t.loader instanceof DataLoader) && !(t.loader instanceof Generator)) throw new ValueError(`${where}: loader must be a DataLoader or a Generator, got ${describe(t.loader)}`);
  return t;
}

/** Puts `where: ` before a Kindling error's message (once), so every message says who raised it. */
function prefixed(e: unknown, where: string): unknown {
  if (e instanceof KindlingError && !e.message.startsWith(`${where}:`)) e.message = `${where}: ${e.message}`;
  return e;
}

const describe = (v: unknown) => (v === null ? "null" : typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v);

function loaderGenerator(loader: DataLoader<any, any> | Generator | undefined): Generator | undefined {
  return loader instanceof Generator ? loader : loader?.generator;
}

function count(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "string" && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new CheckpointError(`loadCheckpoint: ${name} in the metadata is ${JSON.stringify(v)}, not a non-negative integer`);
  return n;
}

/** The checkpoint's model tensors must be the model's state dict exactly: keys, shapes, dtypes. */
function checkModel(model: Module, sd: StateDict): void {
  const own = model.stateDict({ keepVars: true });
  const missing = Object.keys(own).filter((k) => !(k in sd));
  const unexpected = Object.keys(sd).filter((k) => !(k in own));
  const list = (ks: string[]) => ks.slice(0, 8).map((k) => `"${k}"`).join(", ") + (ks.length > 8 ? `, ... (${ks.length} in all)` : "");
  const errs: string[] = [];
  if (missing.length) errs.push(`missing key(s) ${list(missing)}`);
  if (unexpected.length) errs.push(`unexpected key(s) ${list(unexpected)}`);
  for (const [k, t] of Object.entries(own)) {
    const s = sd[k];
    if (!s) continue;
    if (s.shape.length !== t.shape.length || s.shape.some((d, i) => d !== t.shape[i])) errs.push(`"${k}" has shape [${s.shape.join(", ")}] in the checkpoint but [${t.shape.join(", ")}] in the model`);
    else if (s.dtype !== t.dtype) errs.push(`"${k}" is ${s.dtype} in the checkpoint but ${t.dtype} in the model`);
  }
  if (errs.length) throw new CheckpointError(`loadCheckpoint: the checkpoint does not fit ${model.constructor.name}: ${errs.join("; ")}`);
}

/** The optimizer's state dict from the metadata and the optimizer.state.* tensors, shape-checked. */
function optimizerStateDict(optimizer: Optimizer, raw: unknown, tensors: StateDict): OptimizerStateDict {
  if (raw === undefined) throw new CheckpointError("loadCheckpoint: the checkpoint holds no optimizer state (it was saved without an optimizer)");
  const o = fromJson(raw, "optimizer") as { class?: unknown; param_groups?: unknown; state?: unknown } | null;
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw new CheckpointError("loadCheckpoint: optimizer metadata must be an object");
  const cls = optimizer.constructor.name;
  if (o.class !== cls) throw new CheckpointError(`loadCheckpoint: the checkpoint's optimizer is ${JSON.stringify(o.class)}, this one is ${cls}`);
  if (!Array.isArray(o.param_groups) || !o.param_groups.every((g) => g !== null && typeof g === "object" && !Array.isArray(g))) {
    throw new CheckpointError("loadCheckpoint: optimizer.param_groups must be an array of objects");
  }
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  const ids = new Set<number>();
  for (const [gi, g] of (o.param_groups as Record<string, unknown>[]).entries()) {
    if (!Array.isArray(g.params) || !g.params.every((i) => Number.isSafeInteger(i) && i >= 0 && i < params.length)) {
      throw new CheckpointError(`loadCheckpoint: optimizer.param_groups[${gi}].params must be indices below ${params.length}`);
    }
    for (const i of g.params as number[]) {
      if (ids.has(i)) throw new CheckpointError(`loadCheckpoint: optimizer parameter ${i} appears twice in param_groups`);
      ids.add(i);
    }
  }
  const st = o.state;
  if (st === null || typeof st !== "object" || Array.isArray(st)) throw new CheckpointError("loadCheckpoint: optimizer.state must be an object");
  const state: Record<number, Record<string, unknown>> = {};
  const used = new Set<string>();
  for (const [k, entry] of Object.entries(st as Record<string, unknown>)) {
    const i = /^\d{1,9}$/.test(k) ? Number(k) : NaN;
    if (!ids.has(i)) throw new CheckpointError(`loadCheckpoint: optimizer.state has an entry "${k}" for no parameter of param_groups`);
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) throw new CheckpointError(`loadCheckpoint: optimizer.state.${k} must be an object`);
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(entry as Record<string, unknown>)) {
      const where = `optimizer.state.${k}.${name}`;
      if (v !== null && typeof v === "object" && !Array.isArray(v) && (v as { $tensor?: unknown }).$tensor === true) {
        const t = tensors[OPT_STATE + `${k}.${name}`];
        if (!t) throw new CheckpointError(`loadCheckpoint: ${where} names a tensor the file does not hold`);
        const p = params[i];
        if (t.dtype !== "float32" || t.shape.length !== p.shape.length || t.shape.some((d, j) => d !== p.shape[j])) {
          throw new CheckpointError(`loadCheckpoint: ${where} is ${t.dtype} [${t.shape.join(", ")}], its parameter is float32 [${p.shape.join(", ")}]`);
        }
        used.add(OPT_STATE + `${k}.${name}`);
        out[name] = t;
      } else if (v === null || (typeof v === "number" && Number.isFinite(v))) {
        if (name === "step" && !(Number.isSafeInteger(v) && (v as number) >= 0)) throw new CheckpointError(`loadCheckpoint: ${where} must be a non-negative integer, got ${v}`);
        out[name] = v;
      } else throw new CheckpointError(`loadCheckpoint: ${where} must be a tensor, a finite number or null, got ${JSON.stringify(v) ?? typeof v}`);
    }
    state[i] = out;
  }
  const stray = Object.keys(tensors).filter((k) => !used.has(k));
  if (stray.length) throw new CheckpointError(`loadCheckpoint: tensor "${stray[0]}" is not part of the optimizer's state`);
  return { state, param_groups: o.param_groups as Record<string, unknown>[] };
}

/** The scheduler's saved state, checked to have the structure of the scheduler given. */
function schedulerState(scheduler: SchedulerLike, raw: unknown): Record<string, unknown> {
  if (raw === undefined) throw new CheckpointError("loadCheckpoint: the checkpoint holds no scheduler state (it was saved without a scheduler)");
  const s = fromJson(raw, "scheduler") as { class?: unknown; state?: unknown } | null;
  if (s === null || typeof s !== "object" || Array.isArray(s)) throw new CheckpointError("loadCheckpoint: scheduler metadata must be an object");
  const cls = scheduler.constructor.name;
  if (s.class !== cls) throw new CheckpointError(`loadCheckpoint: the checkpoint's scheduler is ${JSON.stringify(s.class)}, this one is ${cls}`);
  sameStructure(s.state, scheduler.stateDict(), "scheduler.state");
  return s.state as Record<string, unknown>;
}

/** The engine RNG state from hex, checked by the engine itself (set, then put back at once). */
function rngState(raw: unknown): Uint8Array {
  if (typeof raw !== "string" || !/^([0-9a-f]{2})+$/.test(raw)) throw new CheckpointError(`loadCheckpoint: rng_state in the metadata must be hex bytes, got ${JSON.stringify(raw)?.slice(0, 60)}`);
  const bytes = Uint8Array.from(raw.match(/../g)!, (h) => parseInt(h, 16));
  const now = getRngState();
  try {
    setRngState(bytes);
  } catch (e) {
    throw new CheckpointError(`loadCheckpoint: rng_state: ${(e as Error).message}`);
  }
  setRngState(now);
  return bytes;
}

/** The loader generator's saved state, which must match whether the loader given has one. */
function loaderState(loader: DataLoader<any, any> | Generator, raw: unknown): { target: Generator; bytes: Uint8Array } | undefined {
  if (raw === undefined) throw new CheckpointError("loadCheckpoint: the checkpoint holds no loader state (it was saved without a loader)");
  const l = fromJson(raw, "loader") as { generator?: unknown } | null;
  if (l === null || typeof l !== "object" || Array.isArray(l) || !("generator" in l)) throw new CheckpointError("loadCheckpoint: loader metadata must be an object {generator}");
  const target = loaderGenerator(loader);
  if (l.generator === null) {
    if (target) throw new CheckpointError("loadCheckpoint: the checkpoint's loader had no Generator (it shuffled from the engine's RNG) but this one has one");
    return undefined;
  }
  if (!target) throw new CheckpointError("loadCheckpoint: the checkpoint holds a loader Generator state but this loader has no generator: give it {seed} or {generator}");
  if (typeof l.generator !== "string" || !/^([0-9a-f]{2})+$/.test(l.generator)) throw new CheckpointError(`loadCheckpoint: loader.generator must be the Generator's state as hex bytes, got ${JSON.stringify(l.generator)?.slice(0, 60)}`);
  const bytes = Uint8Array.from(l.generator.match(/../g)!, (h) => parseInt(h, 16));
  try {
    new Generator(1).setState(bytes); // checks it without touching the loader's
  } catch (e) {
    throw new CheckpointError(`loadCheckpoint: loader: ${(e as Error).message}`);
  }
  return { target, bytes };
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
