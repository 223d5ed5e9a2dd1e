// Containers: nn.Sequential, nn.ModuleList, nn.ModuleDict. Their entries are registered
// under their keys ("0", "1", ... for Sequential and ModuleList), so state dict keys read as
// PyTorch's: "layers.0.weight".
import { IndexError, ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import { Module } from "../module.js";

function checkModule(m: unknown, where: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${where}: ${(m as object)?.constructor?.name ?? typeof m} is not a Module subclass`);
  return m;
}

function checkKey(key: string): string {
  if (typeof key !== "string") throw new TypeError(`module name should be a string. Got ${typeof key}`);
  if (key === "") throw new ValueError(`module name can't be empty string ""`);
  if (key.includes(".")) throw new ValueError(`module name can't contain ".", got: ${key}`);
  return key;
}

/** Ordered named entries, with positional `c[0]` access. */
abstract class Container extends Module {
  #mods = new Map<string, Module>();
  #indexed = 0;

  protected override _members(): [string, unknown][] {
    return [...this.#mods, ...Object.entries(this)];
  }

  /** Replaces all entries (keys in order) and refreshes the positional accessors. */
  protected _setEntries(entries: [string, Module][]): void {
    this.#mods = new Map(entries.map(([k, m]) => [checkKey(k), m]));
    const n = this.#mods.size;
    const mods = () => [...this.#mods.values()];
    for (let i = this.#indexed; i < n; i++) {
      Object.defineProperty(this, i, { get: () => mods()[i], configurable: true, enumerable: false });
    }
    for (let i = n; i < this.#indexed; i++) delete (this as unknown as Record<number, unknown>)[i];
    this.#indexed = Math.max(n, 0);
  }

  protected _entries(): [string, Module][] {
    return [...this.#mods];
  }

  protected _map(): ReadonlyMap<string, Module> {
    return this.#mods;
  }

  get length(): number {
    return this.#mods.size;
  }

  /** The entry at position i (negative counts from the end). */
  at(i: number): Module {
    const n = this.#mods.size;
    if (!Number.isInteger(i) || i < -n || i >= n) throw new IndexError(`index ${i} is out of range`);
    return [...this.#mods.values()][i < 0 ? i + n : i];
  }

  /** The index of i within the entries, as PyTorch's _get_abs_string_index. */
  protected _absIndex(i: number, forInsert = false): number {
    const n = this.#mods.size;
    const hi = forInsert ? n : n - 1;
    if (!Number.isInteger(i) || i < -n || i > hi) throw new IndexError(`index ${i} is out of range`);
    return i < 0 ? i + n : i;
  }

  /** Renumbers "0", "1", ... when the keys are positional. */
  protected _renumber(mods: Module[]): void {
    this._setEntries(mods.map((m, i) => [String(i), m]));
  }
}

export interface Sequential {
  readonly [index: number]: Module;
}

/**
 * Modules applied in order, each to the previous one's output: new Sequential(a, b, c)
 * (keys "0", "1", "2") or new Sequential({ fc: a, act: b }) (named keys). Intermediate
 * outputs are disposed as the chain goes.
 */
export class Sequential extends Container {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module) && typeof modules[0] === "object" && modules[0] !== null) {
      this._setEntries(Object.entries(modules[0] as Record<string, Module>).map(([k, m]) => [k, checkModule(m, "Sequential")]));
    } else {
      this._setEntries((modules as Module[]).map((m, i) => [String(i), checkModule(m, "Sequential")]));
    }
  }

  [Symbol.iterator](): IterableIterator<Module> {
    return this._map().values();
  }

  /** The entry under a key ("fc", or "0"). */
  get(key: string): Module | undefined {
    return this._map().get(key);
  }

  override forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this._map().values()) {
      let y: Tensor;
      try {
        y = m.call(x); // call, not forward: the layer's hooks run
      } catch (e) {
        if (x !== input) x.dispose();
        throw e;
      }
      if (x !== input && y !== x) x.dispose();
      x = y;
    }
    return x === input ? input.view(input.shape) : x;
  }

  append(module: Module): this {
    const e = this._entries();
    e.push([String(e.length), checkModule(module, "Sequential.append")]);
    this._setEntries(e);
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  insert(index: number, module: Module): this {
    const mods = [...this._map().values()];
    mods.splice(this._absIndex(index, true), 0, checkModule(module, "Sequential.insert"));
    this._renumber(mods);
    return this;
  }

  /** Removes and returns the entry at index (renumbering the keys). */
  pop(index = -1): Module {
    const mods = [...this._map().values()];
    const [m] = mods.splice(this._absIndex(index), 1);
    this._renumber(mods);
    return m;
  }
}

export interface ModuleList<T extends Module = Module> {
  readonly [index: number]: T;
}

/** A list of submodules, registered as "0", "1", ... (forward is yours to write). */
export class ModuleList<T extends Module = Module> extends Container {
  constructor(modules: Iterable<T> = []) {
    super();
    this._renumber([...modules].map((m) => checkModule(m, "ModuleList")));
  }

  override at(i: number): T {
    return super.at(i) as T;
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this._map().values() as IterableIterator<T>;
  }

  append(module: T): this {
    this._renumber([...this._map().values(), checkModule(module, "ModuleList.append")]);
    return this;
  }

  extend(modules: Iterable<T>): this {
    this._renumber([...this._map().values(), ...[...modules].map((m) => checkModule(m, "ModuleList.extend"))]);
    return this;
  }

  insert(index: number, module: T): this {
    const mods = [...this._map().values()];
    mods.splice(this._absIndex(index, true), 0, checkModule(module, "ModuleList.insert"));
    this._renumber(mods);
    return this;
  }

  /** Replaces the entry at index. */
  set(index: number, module: T): this {
    const mods = [...this._map().values()];
    mods[this._absIndex(index)] = checkModule(module, "ModuleList.set");
    this._renumber(mods);
    return this;
  }

  /** Removes and returns the entry at index (renumbering the rest). */
  pop(index = -1): T {
    const mods = [...this._map().values()];
    const [m] = mods.splice(this._absIndex(index), 1);
    this._renumber(mods);
    return m as T;
  }

  map<U>(fn: (m: T, i: number) => U): U[] {
    return [...this].map(fn);
  }
}

/** Submodules by name, in insertion order (forward is yours to write). */
export class ModuleDict<T extends Module = Module> extends Container {
  constructor(modules: Record<string, T> | Iterable<[string, T]> = {}) {
    super();
    this.update(modules);
  }

  get(key: string): T | undefined {
    return this._map().get(key) as T | undefined;
  }

  set(key: string, module: T): this {
    const e = this._entries();
    const i = e.findIndex(([k]) => k === key);
    if (i >= 0) e[i] = [key, checkModule(module, "ModuleDict.set")];
    else e.push([key, checkModule(module, "ModuleDict.set")]);
    this._setEntries(e);
    return this;
  }

  has(key: string): boolean {
    return this._map().has(key);
  }

  /** Removes and returns the entry under key. */
  pop(key: string): T {
    const m = this._map().get(key);
    if (!m) throw new ValueError(`ModuleDict has no key '${key}'`);
    this._setEntries(this._entries().filter(([k]) => k !== key));
    return m as T;
  }

  delete(key: string): boolean {
    if (!this.has(key)) return false;
    this.pop(key);
    return true;
  }

  clear(): void {
    this._setEntries([]);
  }

  get size(): number {
    return this.length;
  }

  keys(): string[] {
    return [...this._map().keys()];
  }

  values(): T[] {
    return [...this._map().values()] as T[];
  }

  entries(): [string, T][] {
    return this._entries() as [string, T][];
  }

  /** Iterates [key, module] pairs, as a Map does. */
  [Symbol.iterator](): IterableIterator<[string, T]> {
    return (this._map() as ReadonlyMap<string, T>).entries() as IterableIterator<[string, T]>;
  }

  update(modules: Record<string, T> | Iterable<[string, T]>): this {
    const items = Symbol.iterator in Object(modules) ? [...(modules as Iterable<[string, T]>)] : Object.entries(modules as Record<string, T>);
    for (const [k, m] of items) this.set(k, m);
    return this;
  }
}
