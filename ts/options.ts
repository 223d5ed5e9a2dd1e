// Checks of options objects and positional arguments, shared by every API that takes them:
// a misspelt or snake_case key (batch_size, keepDim, pading) is a ValueError naming it, the
// likely meant option, and the valid ones, instead of being ignored.
import { ValueError } from "./errors.js";

const norm = (s: string) => s.replace(/_/g, "").toLowerCase();

/** Edit distance, for "did you mean" on typos (short keys only; options are short). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The valid option `key` most likely meant: same letters ignoring case and "_", else one or two typos away. */
export function suggest(key: string, allowed: readonly string[]): string | undefined {
  const same = allowed.find((a) => norm(a) === norm(key));
  if (same) return same;
  let best: string | undefined;
  let bestD = Math.min(2, Math.floor(key.length / 3));
  for (const a of allowed) {
    const d = distance(norm(key), norm(a));
    if (d <= bestD && (best === undefined || d < bestD)) [best, bestD] = [a, d];
  }
  return best;
}

/** True for a plain options object (not an array, an iterable, a tensor or another class instance). */
export function isOptions(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  if (Symbol.iterator in v || Symbol.asyncIterator in v) return false; // an iterable literal (a sampler) is a value
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Throws a ValueError for a key of `opts` outside `allowed`:
 *   "DataLoader: unknown option 'batch_size'; did you mean 'batchSize'? (valid options: batchSize, shuffle, ...)"
 * `opts` that is not an object (undefined aside) is a ValueError too.
 */
export function checkOptions<T>(where: string, opts: T, allowed: readonly string[]): T {
  if (opts === undefined || opts === null) return opts;
  if (typeof opts !== "object" || Array.isArray(opts)) {
    throw new ValueError(`${where}: expected an options object {${allowed.join(", ")}}, got ${describe(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (allowed.includes(k)) continue;
    const s = suggest(k, allowed);
    throw new ValueError(`${where}: unknown option '${k}'${s ? `; did you mean '${s}'?` : ""} (valid options: ${allowed.join(", ") || "none"})`);
  }
  return opts;
}

/** A short description of a value for messages: 3, "abc", an array of 2, an object {a, b}. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "object") {
    const name = Object.getPrototypeOf(v)?.constructor?.name;
    return name && name !== "Object" ? `a ${name}` : `an object {${Object.keys(v as object).join(", ")}}`;
  }
  return `${typeof v} ${String(v)}`;
}

type Prefixes<P extends unknown[]> = P extends [...infer H, unknown] ? Prefixes<H> | P : [];
type OrUndefined<P extends unknown[]> = { [K in keyof P]: P[K] | undefined };
/**
 * The argument lists positional() takes, as a type: any leading part of the positional
 * parameters P, then optionally the options object O.
 *   PositionalArgs<[stride: Pair, padding: Pair], Opts>  =  [] | [Opts?] | [Pair, Opts?] | [Pair, Pair, Opts?]
 */
export type PositionalArgs<P extends unknown[], O> = Prefixes<P> extends infer Q ? (Q extends unknown[] ? [...OrUndefined<Q>, O?] : never) : never;

/**
 * PyTorch-style positional arguments: `args` (after the required ones) fill `names` in order,
 * an optional trailing options object fills the rest by name. Too many positionals, or an
 * option given both ways, is a ValueError naming the signature.
 *   positional("Conv2d(in_channels, out_channels, kernel_size, ...)", [1, 0], ["stride", "padding"], allOptions)
 */
export function positional(signature: string, args: readonly unknown[], names: readonly string[], allowed: readonly string[] = names): Record<string, unknown> {
  let list = [...args];
  while (list.length > 0 && list[list.length - 1] === undefined) list.pop();
  let opts: Record<string, unknown> = {};
  if (list.length > 0 && isOptions(list[list.length - 1])) opts = { ...(list.pop() as Record<string, unknown>) };
  const where = signature.slice(0, signature.indexOf("(")) || signature;
  checkOptions(where, opts, allowed);
  if (list.length > names.length) {
    throw new ValueError(`${signature} takes at most ${names.length} optional positional argument${names.length === 1 ? "" : "s"} (${names.join(", ") || "none"}), got ${list.length}; pass the rest as an options object`);
  }
  list.forEach((v, i) => {
    if (v === undefined) return;
    if (opts[names[i]] !== undefined) throw new ValueError(`${where}: got '${names[i]}' both as a positional argument and as an option`);
    opts[names[i]] = v;
  });
  return opts;
}
