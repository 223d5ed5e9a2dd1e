// nn.Module and nn.Parameter, as torch.nn has them.
//
// Registration is by assignment, as in PyTorch: a Module's own enumerable properties are
// walked (in insertion order) whenever parameters, submodules or the state dict are asked
// for, so `this.fc1 = new nn.Linear(4, 8)` registers a submodule and
// `this.scale = new nn.Parameter(kd.ones(3))` a parameter. Buffers (tensors that are state
// but not trained, saved in the state dict) are named explicitly with registerBuffer, after
// which plain assignment to that name replaces the buffer. Plain tensors, arrays of modules
// and other values are not registered (as in PyTorch: use nn.ModuleList / nn.ModuleDict).
//
// Calling: modules are objects, not functions. `model.forward(x)` runs the layer, and
// `model.call(x)` is the same call typed from the subclass's forward. (A callable module
// would need a function object behind a Proxy: TypeScript cannot type its call signature
// from each subclass's forward, and a function's own read-only `name`/`length` properties
// would clash with user fields.)
import { call } from "../runtime/engine.js";
import { noGrad } from "../autograd.js";
import { tensor } from "../creation.js";
import { DeviceError, KindlingError, ValueError } from "../errors.js";
import { checkDevice, isDeviceName } from "../device.js";
import { exempt, keep } from "../memory.js";
import { Tensor, type Device, type NestedArray } from "../tensor.js";
import type { DType } from "../dtype.js";
import { beginRecord, finishRecord, type FullBackwardHook } from "./backward_hooks.js";

export type { FullBackwardHook };

/** What register*Hook returns: remove() unregisters the hook (as torch.utils.hooks.RemovableHandle). */
export class RemovableHandle {
  constructor(readonly id: number, private readonly hooks: Map<number, unknown>) {}
  remove(): void {
    this.hooks.delete(this.id);
  }
}

/** Runs before forward; returning a value replaces the arguments (an array, or one argument). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ForwardPreHook = (module: Module, args: any[]) => any;
/** Runs after forward with the arguments forward got; returning a value replaces the output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ForwardHook = (module: Module, args: any[], output: any) => any;

let nextHookId = 0;

/** Adds a hook to a map in call order (or first, with prepend) and returns its handle. */
function addHook<H>(hooks: Map<number, H>, hook: H, prepend: boolean): RemovableHandle {
  const id = nextHookId++;
  if (prepend) {
    const rest = [...hooks];
    hooks.clear();
    hooks.set(id, hook);
    for (const [k, h] of rest) hooks.set(k, h);
  } else {
    hooks.set(id, hook);
  }
  return new RemovableHandle(id, hooks as Map<number, unknown>);
}

/**
 * A tensor that is a module parameter: a leaf with requiresGrad true (unless asked
 * otherwise) that a Module registers when assigned to one of its properties. It is a Tensor,
 * usable wherever one is. `new nn.Parameter(t)` shares t's data (t itself is unchanged and
 * still owned by the caller). Parameters are not disposed by an enclosing kd.tidy (as
 * tf.Variable), so a model built inside a tidy survives it; dispose them with
 * module.dispose() or let the garbage collector reclaim them.
 */
export class Parameter extends Tensor {
  constructor(data?: Tensor | null, requiresGrad = true) {
    let h: number;
    if (data == null) {
      const empty = tensor([]);
      h = call.detach(empty.handle);
      empty.dispose();
    } else {
      if (!(data instanceof Tensor)) throw new TypeError(`Parameter(): expected a Tensor, got ${typeof data}`);
      h = call.detach(data.handle);
    }
    super(h);
    keep(this);
    if (requiresGrad) this.requiresGrad_(true);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

export interface StateDictOptions {
  /** Key prefix (as PyTorch's prefix=). */
  prefix?: string;
  /** Return the Parameter objects and buffers themselves instead of detached handles. */
  keepVars?: boolean;
}

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Raised by loadStateDict for missing, unexpected or wrongly shaped keys. */
export class StateDictError extends KindlingError {
  override name = "StateDictError";
  constructor(message: string, readonly missingKeys: string[] = [], readonly unexpectedKeys: string[] = [], readonly mismatchedKeys: string[] = []) {
    super(message);
  }
}

const py = (shape: readonly number[]) => `torch.Size([${shape.join(", ")}])`;

/** Indents every line but the first by n spaces (PyTorch's _addindent). */
function addIndent(s: string, n: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  const pad = " ".repeat(n);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join("\n");
}

function checkName(owner: Module, name: string, kind: string): void {
  if (typeof name !== "string") throw new TypeError(`${kind} name should be a string. Got ${typeof name}`);
  if (name === "") throw new ValueError(`${kind} name can't be empty string ""`);
  if (name.includes(".")) throw new ValueError(`${kind} name can't contain ".", got: ${name}`);
  if (name in owner && !Object.prototype.hasOwnProperty.call(owner, name)) {
    throw new ValueError(`attribute '${name}' already exists`);
  }
}

/**
 * Base class for all layers and models. Subclasses assign parameters and submodules as
 * properties and implement forward().
 */
export class Module {
  /** Training mode (dropout active, batch statistics); switch with train() / eval(). */
  training = true;
  /** Buffer names, each with whether it is saved in the state dict. */
  #buffers = new Map<string, boolean>();

  /** The layer's computation; subclasses override it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(..._args: any[]): any {
    throw new KindlingError(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  // Hooks live in private fields, so the member walk (parameters, state dict) never sees them.
  #forwardPreHooks = new Map<number, ForwardPreHook>();
  #forwardHooks = new Map<number, ForwardHook>();
  #fullBackwardHooks = new Map<number, FullBackwardHook>();

  /**
   * Runs forward (the PyTorch call `model(x)`), typed from the subclass's forward, with the
   * forward pre-hooks before it and the forward hooks after it.
   */
  call(...args: Parameters<this["forward"]>): ReturnType<this["forward"]> {
    if (this.#forwardPreHooks.size === 0 && this.#forwardHooks.size === 0 && this.#fullBackwardHooks.size === 0) return this.forward(...args);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let input: any[] = args;
    for (const hook of [...this.#forwardPreHooks.values()]) {
      const r = hook(this, input);
      if (r !== undefined) input = Array.isArray(r) ? r : [r];
    }
    const rec = this.#fullBackwardHooks.size > 0 ? beginRecord(this, () => [...this.#fullBackwardHooks.values()], input) : null;
    if (rec) input = rec.args;
    let output = this.forward(...input);
    for (const hook of [...this.#forwardHooks.values()]) {
      const r = hook(this, input, output);
      if (r !== undefined) output = r;
    }
    return (rec ? finishRecord(rec.record, output) : output) as ReturnType<this["forward"]>;
  }

  /**
   * torch's register_full_backward_hook: hook(module, gradInput, gradOutput) gets the gradients
   * w.r.t. the tensor arguments (null for those that do not require grad) and the outputs of
   * each call(). Unlike torch it runs when backward() returns, not during it, and may only
   * observe (ts/nn/backward_hooks.ts says exactly what that means). Returns a handle whose
   * remove() unregisters it.
   */
  registerFullBackwardHook(hook: FullBackwardHook, opts: { prepend?: boolean } = {}): RemovableHandle {
    if (typeof hook !== "function") throw new ValueError(`registerFullBackwardHook: hook must be a function, got ${typeof hook}`);
    return addHook(this.#fullBackwardHooks, hook, opts.prepend ?? false);
  }

  /**
   * torch's register_forward_pre_hook: hook(module, args) runs before each call(); a returned
   * array (or single value) replaces the arguments. Returns a handle whose remove() unregisters it.
   */
  registerForwardPreHook(hook: ForwardPreHook, opts: { prepend?: boolean } = {}): RemovableHandle {
    return addHook(this.#forwardPreHooks, hook, opts.prepend ?? false);
  }

  /**
   * torch's register_forward_hook: hook(module, args, output) runs after each call()'s forward;
   * a returned value replaces the output. Returns a handle whose remove() unregisters it.
   */
  registerForwardHook(hook: ForwardHook, opts: { prepend?: boolean } = {}): RemovableHandle {
    return addHook(this.#forwardHooks, hook, opts.prepend ?? false);
  }

  // ---- registration -------------------------------------------------------------------

  /**
   * The module's members as [name, value] in registration order: its own enumerable
   * properties. Containers override this to list their entries first.
   */
  protected _members(): [string, unknown][] {
    return Object.entries(this);
  }

  /** Registers (or with null, unsets) a parameter under name: the same as assigning it. */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(this, name, "parameter");
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`cannot assign '${(param as object)?.constructor?.name ?? typeof param}' object to parameter '${name}' (nn.Parameter or null required)`);
    }
    if (this.#buffers.has(name)) throw new ValueError(`attribute '${name}' already exists`);
    (this as Record<string, unknown>)[name] = param;
  }

  /** Registers (or with null, unsets) a submodule under name: the same as assigning it. */
  addModule(name: string, module: Module | null): void {
    checkName(this, name, "module");
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${(module as object)?.constructor?.name ?? typeof module} is not a Module subclass`);
    (this as Record<string, unknown>)[name] = module;
  }

  /** Alias of addModule (PyTorch's register_module). */
  registerModule(name: string, module: Module | null): void {
    this.addModule(name, module);
  }

  /**
   * Registers a buffer: a tensor that is module state but not a parameter (running
   * statistics, masks). Persistent buffers are saved in the state dict. The tensor is
   * assigned to this[name]; assigning another tensor there later replaces the buffer.
   */
  registerBuffer(name: string, t: Tensor | null, opts: { persistent?: boolean } = {}): void {
    checkName(this, name, "buffer");
    if (t !== null && !(t instanceof Tensor)) throw new TypeError(`cannot assign '${typeof t}' object to buffer '${name}' (Tensor or null required)`);
    if (t instanceof Parameter) throw new TypeError(`buffer '${name}' cannot be a Parameter; use registerParameter`);
    const cur = (this as Record<string, unknown>)[name];
    if (!this.#buffers.has(name) && (cur instanceof Parameter || cur instanceof Module)) throw new ValueError(`attribute '${name}' already exists`);
    this.#buffers.set(name, opts.persistent ?? true);
    if (t) keep(t);
    (this as Record<string, unknown>)[name] = t;
  }

  // ---- traversal ----------------------------------------------------------------------

  /** This module's own parameters, as [name, parameter]. */
  #ownParameters(): [string, Parameter][] {
    return this._members().filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  /** This module's own buffers, as [name, tensor, persistent]. */
  #ownBuffers(): [string, Tensor, boolean][] {
    const out: [string, Tensor, boolean][] = [];
    for (const [name, persistent] of this.#buffers) {
      const v = (this as Record<string, unknown>)[name];
      if (v instanceof Tensor) out.push([name, v, persistent]);
    }
    return out;
  }

  /** The direct submodules, as [name, module]. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [k, v] of this._members()) {
      if (v instanceof Module && !seen.has(v)) {
        seen.add(v);
        out.push([k, v]);
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map((e) => e[1]);
  }

  /** This module and every module below it, depth first, each once, with dotted names ("" is this). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [k, v] of m._members()) if (v instanceof Module) walk(v, p ? `${p}.${k}` : k);
    };
    walk(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map((e) => e[1]);
  }

  /** One walk for namedParameters and namedBuffers: each tensor once, with its dotted name. */
  #namedTensors<T extends Tensor>(own: (m: Module) => [string, T, ...unknown[]][], opts: { prefix?: string; recurse?: boolean }): [string, T][] {
    const mods = opts.recurse === false ? ([[opts.prefix ?? "", this]] as [string, Module][]) : this.namedModules(opts.prefix ?? "");
    const seen = new Set<T>();
    const out: [string, T][] = [];
    for (const [p, m] of mods) {
      for (const [k, v] of own(m)) {
        if (seen.has(v)) continue;
        seen.add(v);
        out.push([p ? `${p}.${k}` : k, v]);
      }
    }
    return out;
  }

  /** Every parameter with its dotted name ("layers.0.weight"); a shared parameter once. */
  namedParameters(opts: { prefix?: string; recurse?: boolean } = {}): [string, Parameter][] {
    return this.#namedTensors((m) => m.#ownParameters(), opts);
  }

  /** Every parameter (what an optimizer takes). */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters({ recurse }).map((e) => e[1]);
  }

  namedBuffers(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    return this.#namedTensors((m) => m.#ownBuffers(), opts);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers({ recurse }).map((e) => e[1]);
  }

  /** The submodule at a dotted path ("encoder.layers.0"); "" is this module. */
  getSubmodule(target: string): Module {
    if (target === "") return this;
    let m: Module = this;
    for (const part of target.split(".")) {
      const next = m._members().find((e) => e[0] === part)?.[1];
      if (!(next instanceof Module)) throw new ValueError(`${m.constructor.name} has no attribute \`${part}\``);
      m = next;
    }
    return m;
  }

  /** The parameter at a dotted path ("encoder.weight"). */
  getParameter(target: string): Parameter {
    const i = target.lastIndexOf(".");
    const m = this.getSubmodule(i < 0 ? "" : target.slice(0, i));
    const name = target.slice(i + 1);
    const p = m._members().find((e) => e[0] === name)?.[1];
    if (!(p instanceof Parameter)) throw new ValueError(`${m.constructor.name} has no parameter \`${name}\``);
    return p;
  }

  /** Calls fn on every submodule and then on this module (e.g. custom initialisation). */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** The number of parameter elements (each shared parameter counted once). */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts.trainableOnly || p.requiresGrad) n += p.numel();
    return n;
  }

  // ---- modes and gradients ------------------------------------------------------------

  /** Sets training mode on this module and every submodule (dropout active); returns this. */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new ValueError("training mode is expected to be boolean");
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter (freezing with false); returns this. */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad_(on);
    return this;
  }

  /**
   * Clears every parameter's gradient: to null (the default, as PyTorch 2's set_to_none),
   * or to zeros in place with setToNone false.
   */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone) {
        p.grad = null;
        continue;
      }
      const g = p.grad;
      if (g) {
        noGrad(() => g.zero_());
        g.dispose();
      }
    }
  }

  /**
   * Moves the module to a device or casts it to a dtype, in place (returns this), as torch's
   * Module.to. A move keeps every Parameter and buffer object: each gets the moved storage in
   * place (Tensor._replaceHandle), so an optimizer built before the move still points at the
   * module's parameters, and their .grad moves with them. float32 is the only floating point
   * dtype, so a dtype is a check; an unavailable device is a DeviceError.
   */
  to(target: Device | DType | "float" | { device?: Device; dtype?: DType | "float" }): this {
    const { device, dtype } = typeof target === "object" && target !== null ? target : isDeviceName(target) ? { device: target as Device, dtype: undefined } : { device: undefined, dtype: target as DType | "float" };
    if (dtype !== undefined && dtype !== "float32" && dtype !== "float") {
      if (dtype === "int32" || dtype === "bool") throw new TypeError(`nn.Module.to only accepts floating point dtypes, but got desired dtype=${dtype}`);
      throw new ValueError(`to(): unknown device or dtype ${JSON.stringify(dtype)}`);
    }
    if (device === undefined) return this;
    const d = checkDevice(device);
    for (const t of [...this.parameters(), ...this.buffers()]) if (t.device !== d) moveInPlace(t, d);
    return this;
  }

  cpu(): this {
    return this.to("cpu");
  }

  // ---- state dict ---------------------------------------------------------------------

  /**
   * The parameters and persistent buffers by PyTorch key names ("layers.0.weight"), in
   * registration order. Values are detached tensors sharing the module's data (new handles:
   * the caller owns them), or with keepVars the parameters and buffers themselves.
   */
  stateDict(opts: StateDictOptions = {}): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const stack = new Set<Module>();
    const walk = (m: Module, prefix: string) => {
      if (stack.has(m)) throw new ValueError(`stateDict(): module ${prefix || m.constructor.name} contains itself`);
      stack.add(m);
      // detached views: a snapshot the caller may keep across training steps (ts/memory.ts)
      for (const [k, v] of m.#ownParameters()) out[prefix + k] = opts.keepVars ? v : exempt(v.detach());
      for (const [k, v, persistent] of m.#ownBuffers()) if (persistent) out[prefix + k] = opts.keepVars ? v : exempt(v.detach());
      for (const [k, v] of m._members()) if (v instanceof Module) walk(v, `${prefix}${k}.`);
      stack.delete(m);
    };
    walk(this, opts.prefix ?? "");
    return out;
  }

  /**
   * Copies a state dict's values into this module's parameters and persistent buffers, in
   * place. Values may be Tensors or nested arrays. Missing and unexpected keys are errors
   * when strict (the default); a shape mismatch always is. Every key is checked before any
   * value is copied, so a load that throws changes nothing.
   */
  loadStateDict(stateDict: Record<string, Tensor | NestedArray>, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    if (stateDict === null || typeof stateDict !== "object") throw new TypeError(`Expected state_dict to be dict-like, got ${typeof stateDict}.`);
    const own = this.stateDict({ keepVars: true });
    const missing = Object.keys(own).filter((k) => !(k in stateDict));
    const unexpected = Object.keys(stateDict).filter((k) => !(k in own));
    const mismatched: string[] = [];
    const msgs: string[] = [];
    const converted = new Map<string, Tensor>();
    try {
      for (const [k, target] of Object.entries(own)) {
        if (!(k in stateDict)) continue;
        const raw = stateDict[k];
        let src: Tensor;
        if (raw instanceof Tensor) {
          if (raw.isDisposed) {
            msgs.push(`While copying the parameter named "${k}", the given tensor was disposed.`);
            mismatched.push(k);
            continue;
          }
          src = raw;
        } else {
          try {
            src = tensor(raw as NestedArray);
          } catch (e) {
            msgs.push(`While copying the parameter named "${k}": ${(e as Error).message}`);
            mismatched.push(k);
            continue;
          }
          converted.set(k, src);
        }
        const a = src.shape, b = target.shape;
        if (a.length !== b.length || a.some((s, i) => s !== b[i])) {
          mismatched.push(k);
          msgs.push(`size mismatch for ${k}: copying a param with shape ${py(a)} from checkpoint, the shape in current model is ${py(b)}.`);
        }
      }
      const errs: string[] = [];
      if (strict && unexpected.length) errs.push(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(", ")}. `);
      if (strict && missing.length) errs.push(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(", ")}. `);
      errs.push(...msgs);
      if (errs.length) {
        throw new StateDictError(
          `Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errs.join("\n\t")}`,
          missing, unexpected, mismatched,
        );
      }
      noGrad(() => {
        for (const [k, target] of Object.entries(own)) {
          if (!(k in stateDict)) continue;
          target.copy_(converted.get(k) ?? (stateDict[k] as Tensor));
        }
      });
    } finally {
      for (const t of converted.values()) t.dispose();
    }
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  // ---- lifetime -----------------------------------------------------------------------

  /** Releases every parameter and buffer now (the module cannot be used afterwards). */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    for (const b of this.buffers()) b.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- printing -----------------------------------------------------------------------

  /** The layer's settings for toString ("in_features=4, out_features=8, bias=True"). */
  extraRepr(): string {
    return "";
  }

  /** The module tree as PyTorch prints it. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines: string[] = [];
    for (const [k, v] of this._members()) {
      if (v instanceof Module) childLines.push(`(${k}): ${addIndent(v.toString(), 2)}`);
    }
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += `\n  ${lines.join("\n  ")}\n`;
    }
    return `${s})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

// ---- repr helpers shared by the layers ----------------------------------------------------

/** A number as Python prints a float (1 -> "1.0", 1e-5 -> "1e-05", 0.01 -> "0.01"). */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // Shortest round-trip digits (as both JS and Python repr use), laid out the Python way.
  const [mant, e] = x.toExponential().split("e");
  const exp = Number(e);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  } else if (exp < 0) {
    body = `0.${"0".repeat(-exp - 1)}${digits}`;
  } else if (digits.length > exp + 1) {
    body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    body = `${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  }
  return neg ? `-${body}` : body;
}

/** A number as Python prints what the user most likely passed: integers bare, else as a float. */
export function pyNum(x: number): string {
  return Number.isInteger(x) ? String(x) : pyFloat(x);
}

export const pyBool = (b: boolean) => (b ? "True" : "False");

export function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(", ")})`;
}

/** t's storage (and its .grad) on device d, in the same Tensor object. */
function moveInPlace(t: Tensor, d: Device): void {
  const g = t.grad;
  const moved = noGrad(() => t.detach().to(d));
  const requiresGrad = t.requiresGrad;
  const h = call.detach(moved.handle);
  moved.dispose();
  t._replaceHandle(h);
  if (requiresGrad) t.requiresGrad_(true);
  if (g) {
    const mg = g.device === d ? g : g.to(d);
    t.grad = mg;
    if (mg !== g) mg.dispose();
    g.dispose();
  }
}
