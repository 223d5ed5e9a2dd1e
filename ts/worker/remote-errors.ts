// Errors thrown in a worker arrive in the caller as the same typed class (ShapeError stays a
// ShapeError), with its message, extra fields (StateDictError's key lists) and the worker's stack.
// Comlink's own "throw" handler would make every error a plain Error; this one replaces it, on
// both sides, when this module is imported.
import * as Comlink from "comlink";
import * as errors from "../errors.js";
import { StateDictError } from "../nn/module.js";
import { SafetensorsError } from "../io/safetensors.js";
import { StoreError } from "../io/stores.js";
import { CheckpointError } from "../io/checkpoint-json.js";

type ErrorClass = new (message: string) => Error;

const classes = new Map<string, ErrorClass>();

/** Makes errors of this class cross a worker boundary as themselves (by class name). */
export function registerErrorClass(cls: ErrorClass, name = cls.name): void {
  classes.set(name, cls);
}

for (const v of Object.values(errors)) {
  if (typeof v === "function" && v.prototype instanceof Error) registerErrorClass(v as ErrorClass);
}
registerErrorClass(errors.KindlingError);
registerErrorClass(StateDictError as unknown as ErrorClass);
// Typed errors defined beside their modules. One not listed still arrives as its nearest
// listed ancestor (a ValueError...) with its own name; registerErrorClass makes it exact.
for (const cls of [SafetensorsError, StoreError, CheckpointError]) registerErrorClass(cls);
for (const cls of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) registerErrorClass(cls);

interface WireError {
  /** Class names from the error's own class up to Error: the caller builds the first it knows. */
  chain: string[];
  name: string;
  message: string;
  stack?: string;
  /** Own enumerable fields that survive structured cloning (e.g. missingKeys). */
  fields: Record<string, unknown>;
}

type Wire = { isError: true; value: WireError } | { isError: false; value: unknown };

function cloneable(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

export function serializeError(e: Error): WireError {
  const chain: string[] = [];
  for (let p = Object.getPrototypeOf(e); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const n = p.constructor?.name;
    if (n) chain.push(n);
  }
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (k !== "name" && k !== "message" && k !== "stack" && cloneable(v)) fields[k] = v;
  return { chain, name: e.name, message: e.message, stack: e.stack, fields };
}

export function deserializeError(w: WireError): Error {
  const cls = w.chain.map((n) => classes.get(n)).find((c) => c !== undefined) ?? Error;
  const e = new cls(w.message);
  Object.assign(e, w.fields);
  if (e.name !== w.name) Object.defineProperty(e, "name", { value: w.name, writable: true, configurable: true });
  if (w.stack) e.stack = `${w.stack}\n    at <kindling worker>`;
  return e;
}

const builtin = Comlink.transferHandlers.get("throw")!;

Comlink.transferHandlers.set("throw", {
  canHandle: builtin.canHandle,
  serialize(thrown: unknown): [Wire, Transferable[]] {
    const value = (thrown as { value: unknown }).value;
    if (value instanceof Error) return [{ isError: true, value: serializeError(value) }, []];
    return [{ isError: false, value: cloneable(value) ? value : String(value) }, []];
  },
  deserialize(w: unknown): never {
    const wire = w as Wire;
    if (wire.isError) throw deserializeError(wire.value);
    throw wire.value;
  },
} as Comlink.TransferHandler<unknown, Wire>);
