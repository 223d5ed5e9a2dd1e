// The JSON half of a checkpoint (optimizer groups, scheduler fields, extra): plain JSON plus the
// values JSON cannot spell, which training state does hold (ReduceLROnPlateau's best = Infinity,
// undefined fields, a Generator's Uint32Array state). Those become {"$kd": tag, ...} objects.
import { ValueError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { SafetensorsError } from "./safetensors.js";

/** A checkpoint that is corrupt or does not fit the model, optimizer, scheduler or loader given. */
export class CheckpointError extends SafetensorsError { override name = "CheckpointError"; }

const TYPED = { Float32Array, Float64Array, Int32Array, Uint32Array, Uint8Array } as const;
type TypedName = keyof typeof TYPED;
/** Nesting deeper than this is refused (a hostile header could otherwise exhaust the stack). */
const MAX_DEPTH = 64;

const isPlain = (v: object) => {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
};

/** A JSON-safe copy of `v`; anything else (a Tensor, a class instance) is a ValueError naming `path`. */
export function encode(v: unknown, path: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new ValueError(`${path}: nested more than ${MAX_DEPTH} levels deep`);
  if (v === undefined) return { $kd: "undefined" };
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : { $kd: String(v) }; // "NaN", "Infinity", "-Infinity"
  if (Array.isArray(v)) return v.map((x, i) => encode(x, `${path}[${i}]`, depth + 1));
  if (typeof v === "object") {
    const typed = (Object.keys(TYPED) as TypedName[]).find((k) => v instanceof TYPED[k]);
    if (typed) return { $kd: typed, v: Array.from(v as ArrayLike<number>) };
    if (isPlain(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === "$kd") throw new ValueError(`${path}: the key "$kd" is reserved in checkpoint metadata`);
        out[k] = encode(x, `${path}.${k}`, depth + 1);
      }
      return out;
    }
  }
  const what = v instanceof Tensor ? "a Tensor" : typeof v === "object" ? `a ${v.constructor?.name ?? "object"}` : `a ${typeof v}`;
  throw new ValueError(`${path} is ${what}: checkpoint metadata holds numbers, strings, booleans, null, arrays, plain objects and typed arrays`);
}

/** The inverse of encode() for parsed JSON; a bad tag or shape is a CheckpointError naming `path`. */
export function decode(v: unknown, path: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new CheckpointError(`${path}: nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(v)) return v.map((x, i) => decode(x, `${path}[${i}]`, depth + 1));
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (!("$kd" in o)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decode(x, `${path}.${k}`, depth + 1);
    return out;
  }
  const tag = o.$kd;
  if (tag === "undefined") return undefined;
  if (tag === "NaN" || tag === "Infinity" || tag === "-Infinity") return Number(tag);
  if (typeof tag === "string" && Object.prototype.hasOwnProperty.call(TYPED, tag)) {
    const xs = o.v;
    if (!Array.isArray(xs) || !xs.every((x) => typeof x === "number")) throw new CheckpointError(`${path}: ${tag} values must be an array of numbers`);
    return TYPED[tag as TypedName].from(xs as number[]);
  }
  throw new CheckpointError(`${path}: unknown value tag ${JSON.stringify(tag)}`);
}

/** JSON text of encode(v). */
export function toJson(v: unknown, path: string): string {
  return JSON.stringify(encode(v, path));
}

/** decode(JSON.parse(text)), with a parse failure as a CheckpointError naming `path`. */
export function fromJson(text: unknown, path: string): unknown {
  if (typeof text !== "string") throw new CheckpointError(`${path}: expected a JSON string in the metadata, got ${typeof text}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  return decode(parsed, path);
}

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/**
 * Checks that `saved` has the structure of `current` (same keys, same kinds of value, arrays of
 * the same length), so that restoring it into a live object cannot leave a field half-typed.
 */
export function sameStructure(saved: unknown, current: unknown, path: string, depth = 0): void {
  const ks = kind(saved), kc = kind(current);
  if (ks !== kc) throw new CheckpointError(`${path} is ${ks === "undefined" ? "missing" : `a ${ks}`} in the checkpoint but a ${kc} here`);
  if (depth > MAX_DEPTH) throw new CheckpointError(`${path}: nested more than ${MAX_DEPTH} levels deep`);
  if (ks === "array") {
    const a = saved as unknown[], b = current as unknown[];
    if (a.length !== b.length) throw new CheckpointError(`${path} has ${a.length} entries in the checkpoint but ${b.length} here`);
    a.forEach((x, i) => sameStructure(x, b[i], `${path}[${i}]`, depth + 1));
  } else if (ks === "object") {
    const a = saved as Record<string, unknown>, b = current as Record<string, unknown>;
    const extra = Object.keys(a).filter((k) => !(k in b));
    if (extra.length) throw new CheckpointError(`${path} has unexpected key(s) ${extra.map((k) => `"${k}"`).join(", ")}`);
    for (const k of Object.keys(b)) sameStructure(a[k], b[k], `${path}.${k}`, depth + 1);
  }
}
