// The optimizer base class, as torch.optim.Optimizer: parameter groups with their own
// options, per-parameter state tensors, zeroGrad, step, and state dicts in PyTorch's layout.
//
// Each concrete optimizer's update is one fused engine call per parameter (crates/kernels/
// src/optim.rs: PyTorch 1.13's single-tensor formulas), so a step allocates nothing but the
// gradient handle it reads and disposes.
//
// Deviations from torch, on purpose:
// - zeroGrad() defaults to setToNone = true (torch 2.x's default; torch 1.13's was false).
// - stateDict() returns copies of the state tensors (a snapshot the caller owns and may
//   dispose), where torch returns references that later steps keep mutating.
// - Options are camelCase (weightDecay); state dicts use torch's snake_case keys
//   (weight_decay, momentum_buffer, exp_avg...), so a torch state dict converted to kd
//   tensors loads as is (torch-only flags foreach/differentiable/capturable/fused are ignored).
// - Unknown option names are errors (torch ignores extra keys in param groups).
import { noGrad, enableGrad } from "../autograd.js";
import { checkOptions } from "../options.js";
import { zerosLike, fullLike } from "../creation.js";
import { ValueError } from "../errors.js";
import { exempt, keep, stepBoundary } from "../memory.js";
import { Tensor } from "../tensor.js";
import { flushDevice } from "../runtime/engine.js";

/** A parameter group: its tensors plus every option of the optimizer (group values win). */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [option: string]: unknown;
}

/** What `new SGD(params, ...)` accepts: tensors, or groups `{params, ...options}`. */
export type ParamGroupInput = { params: Tensor | Iterable<Tensor>; [option: string]: unknown };
export type Params = Iterable<Tensor> | Iterable<ParamGroupInput>;

/** A parameter's optimizer state: tensors it owns, the step count, or null (SGD without momentum). */
export type StateValue = Tensor | number | null;
export type ParamState = Record<string, StateValue>;

/** torch's layout: state keyed by parameter index, groups with `params` as index lists. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  param_groups: Array<Record<string, unknown>>;
}

/** Group keys that learning-rate schedulers write (never rejected as unknown). */
export const SCHEDULER_KEYS = ["initialLr", "maxLr", "minLr", "maxMomentum", "baseMomentum"];
/** torch-only implementation flags that appear in its state dicts; ignored on load. */
const TORCH_ONLY = new Set(["foreach", "differentiable", "capturable", "fused"]);

export const toSnake = (k: string) => k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
export const toCamel = (k: string) => (k.startsWith("_") ? "_" : "") + k.replace(/^_/, "").replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const REQUIRED = Symbol("required");
/** Marks an option with no default (SGD's lr in torch 1.13). */
export const required = REQUIRED as unknown as number;

// ---- option checks shared by the optimizers and schedulers --------------------------------

export function checkNumber(where: string, name: string, v: unknown, opts: { min?: number; below?: number; integer?: boolean } = {}): number {
  if (typeof v !== "number" || Number.isNaN(v) || !Number.isFinite(v)) {
    throw new ValueError(`${where}: ${name} must be a finite number, got ${typeof v === "number" ? v : JSON.stringify(v) ?? typeof v}`);
  }
  if (opts.integer && !Number.isInteger(v)) throw new ValueError(`${where}: ${name} must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) {
    throw new ValueError(name === "lr" ? `${where}: Invalid learning rate: ${v}` : `${where}: Invalid ${name} value: ${v} (must be >= ${opts.min})`);
  }
  if (opts.below !== undefined && !(v < opts.below)) throw new ValueError(`${where}: Invalid ${name} value: ${v} (must be < ${opts.below})`);
  return v;
}

export function checkBool(where: string, name: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw new ValueError(`${where}: ${name} must be true or false, got ${JSON.stringify(v) ?? typeof v}`);
  return v;
}

/** Throws for keys of `given` outside `known`, naming the valid ones. */
export function checkKeys(where: string, given: object, known: readonly string[]): void {
  checkOptions(where, given, known);
}

export abstract class Optimizer {
  /** The optimizer's defaults (the constructor's options merged over its own defaults). */
  readonly defaults: Record<string, unknown>;
  readonly paramGroups: ParamGroup[] = [];
  /** Per-parameter state; its tensors belong to the optimizer (see dispose()). */
  readonly state = new Map<Tensor, ParamState>();

  /** `name`: the class name for messages; `defaults`: every option with its default. */
  protected constructor(protected readonly name: string, params: Params, defaults: Record<string, unknown>, options: object) {
    if (options === null || typeof options !== "object") throw new ValueError(`${name}: options must be an object`);
    checkKeys(name, options, Object.keys(defaults));
    const merged: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) merged[k] = v;
    this.defaults = merged;
    for (const [k, v] of Object.entries(merged)) {
      if (v === REQUIRED) continue;
      this.validate({ ...merged, [k]: v }, name, [k]);
    }
    if (params instanceof Tensor) {
      throw new ValueError(`${name}: params argument given to the optimizer should be an iterable of Tensors or dicts, but got a Tensor`);
    }
    if (params === null || typeof params !== "object" || typeof (params as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new ValueError(`${name}: params must be an array of Tensors or of parameter groups {params, ...options}`);
    }
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new ValueError(`${name}: optimizer got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : (list as ParamGroupInput[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /**
   * Checks the option values of a (merged) group; `keys` limits the check to some options
   * (defaults are checked one at a time so a message names the culprit). Throws ValueError.
   */
  protected abstract validate(group: Record<string, unknown>, where: string, keys?: string[]): void;

  /** Updates one parameter from its gradient (under noGrad); creates its state on first use. */
  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void;

  /** Adds a group of parameters with options of its own (unset options take the defaults). */
  addParamGroup(group: ParamGroupInput): void {
    if (group === null || typeof group !== "object" || group instanceof Tensor || !("params" in group)) {
      throw new ValueError(`${this.name}: a parameter group must be an object {params, ...options}`);
    }
    const where = `${this.name} (param group ${this.paramGroups.length})`;
    const { params, ...opts } = group;
    checkKeys(where, opts, [...Object.keys(this.defaults), ...SCHEDULER_KEYS]);
    let ps: Tensor[];
    if (params instanceof Tensor) ps = [params];
    else if (params instanceof Set) throw new ValueError(`${where}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use an array instead.`);
    else if (params && typeof (params as Iterable<Tensor>)[Symbol.iterator] === "function") ps = Array.from(params as Iterable<Tensor>);
    else throw new ValueError(`${where}: params must be a Tensor or an array of Tensors`);
    for (const p of ps) {
      if (!(p instanceof Tensor)) throw new ValueError(`${where}: optimizer can only optimize Tensors, but one of the params is ${p === null ? "null" : typeof p}`);
      if (p.isDisposed) throw new ValueError(`${where}: a parameter was disposed`);
      if (p.dtype !== "float32") throw new ValueError(`${where}: optimizer can only optimize float32 tensors, got ${p.dtype}`);
      if (!p.isLeaf) throw new ValueError(`${where}: can't optimize a non-leaf Tensor`);
    }
    if (new Set(ps).size !== ps.length) throw new ValueError(`${where}: a parameter group contains the same parameter twice`);
    for (const g of this.paramGroups) {
      if (g.params.some((p) => ps.includes(p))) throw new ValueError(`${where}: some parameters appear in more than one parameter group`);
    }
    const merged: Record<string, unknown> = { ...this.defaults };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) merged[k] = v;
    for (const [k, v] of Object.entries(merged)) {
      if (v === REQUIRED) throw new ValueError(`${where}: parameter group didn't specify a value of required optimization parameter ${k}`);
    }
    this.validate(merged, where);
    const pg = { ...copyValues(merged), params: ps } as ParamGroup;
    this.paramGroups.push(pg);
    this.initGroupState(pg);
  }

  /** Hook for optimizers whose state exists before the first step (Adagrad). */
  protected initGroupState(_group: ParamGroup): void {}

  /** The gradient-free list of every parameter, group by group. */
  protected *allParams(): Iterable<Tensor> {
    for (const g of this.paramGroups) yield* g.params;
  }

  /**
   * Clears the gradients: sets them to null (default, as torch 2.x), or with
   * `{setToNone: false}` zeroes them in place (torch 1.13's default).
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const { setToNone = true, ...rest } = opts ?? {};
    checkKeys(`${this.name}.zeroGrad`, rest, ["setToNone"]);
    for (const p of this.allParams()) {
      if (setToNone) {
        p.grad = null;
      } else {
        const g = p.grad;
        if (g) {
          try { g.zero_(); } finally { g.dispose(); }
        }
      }
    }
  }

  /**
   * One update of every parameter that has a gradient. `closure` (optional) re-evaluates
   * the model and returns the loss: it runs with gradients on, and its result is returned.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    stepBoundary(this); // the step scope: frees what the last steps made and no longer use (ts/memory.ts)
    let loss: T | undefined;
    if (closure !== undefined) loss = enableGrad(closure);
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const g = p.grad;
          if (!g) continue;
          try {
            let st = this.state.get(p);
            if (!st) {
              st = {};
              this.state.set(p, st);
            }
            this.update(p, g, group, st);
          } finally {
            g.dispose();
          }
        }
      }
    });
    flushDevice(); // a GPU runs the step now, not at the next read
    return loss;
  }

  /** A fresh zero tensor shaped like p, owned by the optimizer (survives kd.tidy). */
  protected zerosFor(p: Tensor, value = 0): Tensor {
    return keep(value === 0 ? zerosLike(p) : fullLike(p, value));
  }

  /**
   * The state in torch's layout: `{state: {index: {...}}, param_groups: [{...options, params:
   * [indices]}]}`, indices counting parameters across groups in order. Tensors are copies.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const param_groups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== "params") packed[toSnake(k)] = copyValues(v);
      packed.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, next++);
        return index.get(p)!;
      });
      return packed;
    });
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) out[k] = v instanceof Tensor ? exempt(v.clone()) : v; // a snapshot to keep
      state[i] = out;
    }
    return { state, param_groups };
  }

  /**
   * Restores a state dict from stateDict() (or torch's, with tensors as kd tensors). Tensors
   * are copied (float32, contiguous); the step count may be a number or a 0-dim tensor.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    if (!sd || typeof sd !== "object" || !sd.param_groups || !sd.state) {
      throw new ValueError(`${this.name}.loadStateDict: expected {state, param_groups}`);
    }
    const saved = sd.param_groups;
    if (!Array.isArray(saved) || saved.length !== this.paramGroups.length) {
      throw new ValueError("loaded state dict has a different number of parameter groups");
    }
    saved.forEach((g, i) => {
      if (!Array.isArray(g.params) || g.params.length !== this.paramGroups[i].params.length) {
        throw new ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
      }
    });
    const idMap = new Map<number, Tensor>();
    saved.forEach((g, i) => (g.params as number[]).forEach((id, j) => idMap.set(Number(id), this.paramGroups[i].params[j])));
    // Build everything first, so a bad dict leaves the optimizer as it was.
    const newGroups: ParamGroup[] = saved.map((g, i) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) {
        if (k === "params" || TORCH_ONLY.has(k)) continue;
        out[toCamel(k)] = copyValues(v);
      }
      const where = `${this.name}.loadStateDict (param group ${i})`;
      checkKeys(where, out, [...Object.keys(this.defaults), ...SCHEDULER_KEYS]);
      const merged = { ...this.defaults, ...out };
      this.validate(merged, where);
      return { ...merged, params: this.paramGroups[i].params } as ParamGroup;
    });
    const created: Tensor[] = [];
    const newState = new Map<Tensor, ParamState>();
    try {
      for (const [k, entry] of Object.entries(sd.state)) {
        const p = idMap.get(Number(k));
        if (!p) continue;
        if (entry === null || typeof entry !== "object") throw new ValueError(`${this.name}.loadStateDict: state ${k} must be an object`);
        const st: ParamState = {};
        for (const [name, v] of Object.entries(entry as Record<string, unknown>)) {
          if (v === null || v === undefined) st[name] = null;
          else if (typeof v === "number") st[name] = v;
          else if (v instanceof Tensor) {
            if (name === "step") st[name] = Number(v.item());
            else {
              if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i])) {
                throw new ValueError(`${this.name}.loadStateDict: state '${name}' of parameter ${k} has shape [${v.shape.join(", ")}], expected [${p.shape.join(", ")}]`);
              }
              const c = keep(v.dtype === "float32" ? v.clone() : v.to("float32"));
              created.push(c);
              st[name] = c;
            }
          } else {
            throw new ValueError(`${this.name}.loadStateDict: state '${name}' of parameter ${k} must be a Tensor, a number or null`);
          }
        }
        newState.set(p, st);
      }
    } catch (e) {
      for (const t of created) t.dispose();
      throw e;
    }
    this.disposeState();
    for (const [p, s] of newState) this.state.set(p, s);
    newGroups.forEach((g, i) => {
      const cur = this.paramGroups[i];
      for (const k of Object.keys(cur)) delete cur[k];
      Object.assign(cur, g);
    });
  }

  /** Frees the state tensors now (the optimizer can go on: state is re-created lazily). */
  dispose(): void {
    this.disposeState();
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }

  toString(): string {
    const lines = [`${this.name} (`];
    this.paramGroups.forEach((g, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const k of Object.keys(g).sort()) if (k !== "params") lines.push(`    ${k}: ${JSON.stringify(g[k])}`);
    });
    lines.push(")");
    return lines.join("\n");
  }
}

/** Deep copy of plain option values (arrays such as betas), so groups never share them. */
function copyValues<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyValues) as T;
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = copyValues(x);
    return o as T;
  }
  return v;
}

/** The engine handle of a state tensor, or 0 (none). */
export function handleOf(t: StateValue | undefined): number {
  return t instanceof Tensor ? t.handle : 0;
}
