// Seeded randomized test of the engine through the TS API. Every call gets valid or invalid
// arguments (random shapes up to 5-D with 0-size and 0-d cases, dtypes, dims in and out of
// range, views of inputs, broadcastable and incompatible pairs, huge and negative sizes,
// NaN/Infinity arguments, bad index tensors, disposed tensors) and must either return a
// correct tensor (checked against the plain-JS reference below) or throw a kd.KindlingError
// (of the expected class where the reference knows it). After every call the engine must
// still be alive: a wasm trap (RuntimeError: unreachable) kills the instance.
//   KD_FUZZ_SEED=123 KD_FUZZ_CALLS=20000 npx vitest run tests/fuzz.test.ts
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { BINARY_OPS, DTYPE_RULES, UNARY_OPS } from "../ts/generated/ops.js";

const SEED = Number(process.env.KD_FUZZ_SEED ?? 0x4b1d11e5);
const CALLS = Number(process.env.KD_FUZZ_CALLS ?? 6000);

// ---- PRNG (mulberry32) ---------------------------------------------------------------------

let rs = SEED >>> 0;
function rnd(): number {
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ri = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1)); // inclusive
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const chance = (p: number) => rnd() < p;
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = ri(0, i);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

// ---- reference tensors -----------------------------------------------------------------------

type DT = "float32" | "int32" | "bool";
/** A plain-JS tensor: row-major data, already rounded to its dtype. */
interface Ref { shape: number[]; dtype: DT; data: number[] }
type ErrCls = abstract new (...a: never[]) => kd.KindlingError;

const f32 = Math.fround;
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const stridesOf = (s: readonly number[]) => {
  const st = new Array(s.length).fill(0);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) { st[i] = acc; acc *= s[i]; }
  return st;
};
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]; i = Math.floor(i / shape[d]); }
  return idx;
}
const ravel = (idx: readonly number[], shape: readonly number[]) => idx.reduce((a, x, d) => a * shape[d] + x, 0);
function build(shape: number[], dtype: DT, f: (idx: number[]) => number): Ref {
  const n = numel(shape);
  const data = new Array(n);
  for (let i = 0; i < n; i++) data[i] = f(unravel(i, shape));
  return { shape, dtype, data };
}
const at = (r: Ref, idx: readonly number[]) => r.data[ravel(idx, r.shape)];
/** idx of an output of shape `out` read from a broadcast operand of shape `s`. */
const bidx = (idx: readonly number[], s: readonly number[]) => s.map((d, i) => (d === 1 ? 0 : idx[idx.length - s.length + i]));

function castVal(x: number, from: DT, to: DT): number {
  if (to === "bool") return x !== 0 ? 1 : 0; // NaN != 0 is true
  if (to === "float32") return f32(x);
  if (from === "float32") {
    if (Number.isNaN(x)) return 0; // Rust `as` saturates; torch leaves these undefined
    return Math.max(-2147483648, Math.min(2147483647, Math.trunc(x)));
  }
  return x | 0;
}
const castRef = (r: Ref, to: DT): Ref => ({ shape: r.shape, dtype: to, data: r.data.map((x) => castVal(x, r.dtype, to)) });
const rank = (d: DT) => (d === "bool" ? 0 : d === "int32" ? 1 : 2);
const promote = (a: DT, b: DT): DT => (rank(a) >= rank(b) ? a : b);
function broadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = i + a.length >= n ? a[i + a.length - n] : 1;
    const db = i + b.length >= n ? b[i + b.length - n] : 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}
const wrapDim = (d: number, n: number) => {
  const m = Math.max(n, 1);
  return d < -m || d >= m ? null : d < 0 ? d + m : d;
};

// ---- random inputs ---------------------------------------------------------------------------

const SPECIAL_F = [0, -0, NaN, Infinity, -Infinity, 1e30, -1e30, 1e-30, 0.5, -0.5, 1, -1, 2.5, 3.4e38];
const SPECIAL_I = [2147483647, -2147483648, 65536, -65536, 0, -1, 1, 46341];
let allowSpecial = true;
function randVal(dt: DT): number {
  if (dt === "bool") return ri(0, 1);
  if (dt === "int32") {
    if (allowSpecial && chance(0.08)) return pick(SPECIAL_I);
    return chance(0.85) ? ri(-9, 9) : ri(-1000, 1000);
  }
  if (allowSpecial && chance(0.08)) return f32(pick(SPECIAL_F));
  return chance(0.2) ? ri(-6, 6) : f32(rnd() * 8 - 4);
}
function randShape(maxDims = 5, maxNumel = 120): number[] {
  for (;;) {
    const nd = pick([0, 1, 1, 2, 2, 2, 3, 3, 4, 5].filter((n) => n <= maxDims));
    const s = Array.from({ length: nd }, () => (chance(0.05) ? 0 : chance(0.25) ? 1 : ri(2, 4)));
    if (numel(s) <= maxNumel) return s;
  }
}
const randDT = (): DT => pick(["float32", "float32", "float32", "int32", "int32", "bool"] as const);
const randRef = (shape: number[], dt: DT): Ref => build(shape, dt, () => randVal(dt));

function toTensor(r: Ref): kd.Tensor {
  const n = r.data.length;
  const arr = r.dtype === "float32" ? Float32Array.from(r.data) : r.dtype === "int32" ? Int32Array.from(r.data) : Uint8Array.from(r.data);
  if (n === 0 && r.dtype === "float32") return kd.zeros(r.shape);
  if (n === 0) return kd.zeros(r.shape, { dtype: r.dtype });
  return kd.tensor(arr, { dtype: r.dtype }).reshape(r.shape);
}

/** A tensor and its reference, sometimes as a random view (transpose, permute, expand, slice, select, unsqueeze). */
interface Pair { t: kd.Tensor; r: Ref; how: string }
function pythonSlice(n: number, start: number, end: number, step: number): number[] {
  const c = (x: number) => Math.max(0, Math.min(n, x < 0 ? x + n : x));
  const out: number[] = [];
  for (let i = c(start); i < c(end); i += step) out.push(i);
  return out;
}
function randomView(p: Pair): Pair {
  const { t, r } = p;
  const n = r.shape.length;
  const k = ri(0, 5);
  if (k === 0 && n >= 2) {
    const [a, b] = [ri(0, n - 1), ri(0, n - 1)];
    const perm = [...Array(n).keys()];
    [perm[a], perm[b]] = [perm[b], perm[a]];
    return { t: t.transpose(a - (chance(0.5) ? n : 0), b), r: permuteRef(r, perm), how: `${p.how}.transpose(${a},${b})` };
  }
  if (k === 1 && n >= 2) {
    const perm = shuffle([...Array(n).keys()]);
    return { t: t.permute(perm), r: permuteRef(r, perm), how: `${p.how}.permute(${perm})` };
  }
  if (k === 2) {
    const lead = chance(0.3) ? [ri(1, 3)] : [];
    const sizes = [...lead, ...r.shape.map((d) => (d === 1 && chance(0.6) ? ri(1, 3) : d))];
    if (numel(sizes) <= 400) {
      const out = build(sizes, r.dtype, (idx) => at(r, bidx(idx, r.shape)));
      const arg = sizes.map((s, i) => (i >= lead.length && s === r.shape[i - lead.length] && chance(0.3) ? -1 : s));
      return { t: t.expand(arg), r: out, how: `${p.how}.expand(${arg})` };
    }
  }
  if (k === 3 && n >= 1) {
    const d = ri(0, n - 1);
    const sz = r.shape[d];
    const [s, e, st] = [ri(-sz - 1, sz + 1), ri(-sz - 1, sz + 2), ri(1, 3)];
    const sel = pythonSlice(sz, s, e, st);
    const shape = r.shape.slice();
    shape[d] = sel.length;
    const out = build(shape, r.dtype, (idx) => { const j = idx.slice(); j[d] = sel[idx[d]]; return at(r, j); });
    return { t: t.slice(d, s, e, st), r: out, how: `${p.how}.slice(${d},${s},${e},${st})` };
  }
  if (k === 4 && n >= 1) {
    const d = ri(0, n - 1);
    if (r.shape[d] > 0) {
      const i = ri(0, r.shape[d] - 1);
      const shape = r.shape.filter((_, j) => j !== d);
      const out = build(shape, r.dtype, (idx) => at(r, [...idx.slice(0, d), i, ...idx.slice(d)]));
      return { t: t.select(d, i - (chance(0.5) ? r.shape[d] : 0)), r: out, how: `${p.how}.select(${d},${i})` };
    }
  }
  if (k === 5 && n < 5) {
    const d = ri(0, n);
    const shape = [...r.shape.slice(0, d), 1, ...r.shape.slice(d)];
    return { t: t.unsqueeze(d), r: { ...r, shape }, how: `${p.how}.unsqueeze(${d})` };
  }
  return p;
}
function permuteRef(r: Ref, perm: number[]): Ref {
  const shape = perm.map((i) => r.shape[i]);
  return build(shape, r.dtype, (idx) => { const src = new Array(perm.length); perm.forEach((p, j) => { src[p] = idx[j]; }); return at(r, src); });
}
/** A random tensor of exactly `shape`, sometimes a non-contiguous view (permuted back, or a strided slice at an offset). */
function operand(shape: number[], dt = randDT(), viewP = 0.4): Pair {
  const r = randRef(shape, dt);
  const n = shape.length;
  const how = `T${JSON.stringify(shape)}:${dt}`;
  if (!chance(viewP) || n === 0) return { t: toTensor(r), r, how };
  if (chance(0.5) && n >= 2) {
    // base holds r permuted by q; permuting it by q's inverse reads back `shape`
    const q = shuffle([...Array(n).keys()]);
    const inv = [...Array(n).keys()].map((i) => q.indexOf(i));
    return { t: toTensor(permuteRef(r, q)).permute(inv), r, how: `${how}(permuted ${q})` };
  }
  // every other element of a dim twice as long, from offset 1
  const d = ri(0, n - 1);
  const bigShape = shape.slice();
  bigShape[d] = shape[d] * 2 + 1;
  const big = build(bigShape, dt, (idx) => (idx[d] % 2 === 1 ? at(r, [...idx.slice(0, d), (idx[d] - 1) / 2, ...idx.slice(d + 1)]) : randVal(dt)));
  return { t: toTensor(big).slice(d, 1, null, 2), r, how: `${how}(strided dim ${d})` };
}

/** A random tensor, sometimes passed through one or two random views (which change its shape). */
function input(shape = randShape(), dt = randDT(), viewP = 0.4): Pair {
  const r = randRef(shape, dt);
  let p: Pair = { t: toTensor(r), r, how: `T${JSON.stringify(shape)}:${dt}` };
  if (chance(viewP)) p = randomView(p);
  if (chance(viewP * 0.5)) p = randomView(p);
  return p;
}

// ---- comparing -----------------------------------------------------------------------------

interface Tol { rtol: number; atol: number }
const EXACT: Tol = { rtol: 0, atol: 0 };
const TRANS: Tol = { rtol: 2e-5, atol: 2e-6 };

function compare(got: unknown, want: Ref, tol: Tol | ((i: number) => Tol) = EXACT): string | null {
  if (!(got instanceof kd.Tensor)) return `expected a Tensor, got ${String(got)}`;
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) return `shape ${JSON.stringify(got.shape)} != ${JSON.stringify(want.shape)}`;
  if (got.dtype !== want.dtype) return `dtype ${got.dtype} != ${want.dtype}`;
  const d = got.dataSync();
  if (d.length !== want.data.length) return `length ${d.length} != ${want.data.length}`;
  for (let i = 0; i < d.length; i++) {
    const [a, b] = [d[i], want.data[i]];
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    const t = typeof tol === "function" ? tol(i) : tol;
    if (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= t.atol + t.rtol * Math.abs(b)) continue;
    return `element ${i} (${unravel(i, want.shape)}): got ${a}, want ${b}`;
  }
  return null;
}

// ---- the cases -----------------------------------------------------------------------------

type Expect =
  | { value: Ref; tol?: Tol | ((i: number) => Tol) }
  | { error: ErrCls | null } // null: any KindlingError
  | { any: true; check?: (got: unknown) => string | null; strict?: boolean }; // a KindlingError (unless strict) or a result passing `check`

interface Case { family: string; desc: string; run: () => unknown; expect: Expect }

const UNARY_F: Record<string, (x: number) => number> = {
  exp: Math.exp, log: Math.log, sqrt: Math.sqrt, rsqrt: (x) => 1 / Math.sqrt(x), sin: Math.sin, cos: Math.cos,
  tan: Math.tan, atan: Math.atan, tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  silu: (x) => x / (1 + Math.exp(-x)), reciprocal: (x) => 1 / x, log1p: Math.log1p, expm1: Math.expm1,
  erf, softplus: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))), log2: Math.log2, exp2: (x) => 2 ** x,
};
const roundHalfEven = (x: number) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));
const UNARY_KEEP: Record<string, [(x: number) => number, (x: number) => number]> = {
  // [float fn, int fn]
  neg: [(x) => -x, (x) => -x | 0],
  abs: [Math.abs, (x) => Math.abs(x) | 0],
  relu: [(x) => (x > 0 || Number.isNaN(x) ? x : 0), (x) => Math.max(x, 0)],
  sign: [(x) => (x > 0 ? 1 : x < 0 ? -1 : x * 0), Math.sign],
  floor: [Math.floor, (x) => x], ceil: [Math.ceil, (x) => x], trunc: [Math.trunc, (x) => x], round: [roundHalfEven, (x) => x],
  square: [(x) => x * x, (x) => Math.imul(x, x)],
};
function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse; this series/continued fraction pair is ~1e-15.
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x, term = x;
    for (let n = 1; n < 80; n++) { term *= (-x * x) / n; sum += term / (2 * n + 1); }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return Math.sign(x);
  let f = 0; // erfc continued fraction
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

function unaryCase(): Case {
  const name = pick(UN_OPS);
  const p = input();
  const m = p.t as unknown as Record<string, () => kd.Tensor>;
  const run = () => m[name].call(p.t);
  const desc = `${p.how}.${name}()`;
  if (name === "logicalNot") return { family: "unary", desc, run, expect: { value: { ...p.r, dtype: "bool", data: p.r.data.map((x) => (x === 0 ? 1 : 0)) } } };
  if (name in UNARY_KEEP) {
    if (name === "neg" && p.r.dtype === "bool") return { family: "unary", desc, run, expect: { error: kd.DTypeError } };
    const [ff, fi] = UNARY_KEEP[name];
    if (p.r.dtype === "float32") return { family: "unary", desc, run, expect: { value: { ...p.r, data: p.r.data.map((x) => f32(ff(x))) } } };
    return { family: "unary", desc, run, expect: { value: { ...p.r, dtype: "int32", data: p.r.data.map((x) => fi(x)) } } };
  }
  const fx = UNARY_F[name];
  const data = p.r.data.map((x) => f32(fx(f32(x))));
  // Transcendental kernels are approximations: relative error near 1e-6, plus an absolute
  // margin where the function crosses zero (sin(pi), log(1)...).
  return { family: "unary", desc, run, expect: { value: { shape: p.r.shape, dtype: "float32", data }, tol: TRANS } };
}

const CMP: Record<string, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b, ne: (a, b) => a !== b, lt: (a, b) => a < b, le: (a, b) => a <= b, gt: (a, b) => a > b, ge: (a, b) => a >= b,
  logicalAnd: (a, b) => a !== 0 && b !== 0, logicalOr: (a, b) => a !== 0 || b !== 0, logicalXor: (a, b) => (a !== 0) !== (b !== 0),
};
function intPow(x: number, y: number): number {
  // torch: a negative exponent gives 0, except for bases 1 and -1
  if (y < 0) return x === 1 ? 1 : x === -1 ? (y & 1 ? -1 : 1) : 0;
  let r = 1, b = x | 0, e = y >>> 0;
  while (e > 0) { if (e & 1) r = Math.imul(r, b); b = Math.imul(b, b); e >>>= 1; }
  return r;
}
function cpow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  if (y === 2) return f32(x * x);
  if (y === 0.5) return Math.sqrt(x);
  return x ** y;
}
const INT_ARITH: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => (a + b) | 0, sub: (a, b) => (a - b) | 0, mul: (a, b) => Math.imul(a, b), pow: intPow,
  maximum: Math.max, minimum: Math.min,
  remainder: (a, b) => { let r = a % b | 0; if (r !== 0 && r < 0 !== b < 0) r += b; return r | 0; },
  floorDivide: (a, b) => { let q = Math.trunc(a / b); if (a % b !== 0 && a < 0 !== b < 0) q -= 1; return q | 0; },
};
const F_ARITH: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, pow: cpow,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  remainder: (a, b) => { const r = a % b; return r !== 0 && r < 0 !== b < 0 ? r + b : r; }, // fmod moved to b's sign
  floorDivide: divFloor,
  atan2: Math.atan2,
  hypot: Math.hypot,
  logaddexp: (a, b) => (a === b && !Number.isFinite(a) ? a : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)))),
  xlogy: (a, b) => (Number.isNaN(b) ? NaN : a === 0 ? 0 : a * Math.log(b)),
};
/** c10::div_floor_floating in f32 steps (what torch and Python's // compute). */
function divFloor(a: number, b: number): number {
  if (b === 0) return a / b;
  const r = a % b;
  let div = f32(f32(a - r) / b);
  if (r !== 0 && b < 0 !== r < 0) div = f32(div - 1);
  if (div === 0) return Math.sign(a / b) < 0 || Object.is(a / b, -0) ? -0 : 0;
  const fl = Math.floor(div);
  return f32(div - fl) > 0.5 ? fl + 1 : fl;
}
const BIN_EXACT = new Set(["add", "sub", "mul", "div", "maximum", "minimum", "floorDivide"]);

/** Reference of `a op b` (operands already broadcast-compatible). */
function binaryRef(op: string, a: Ref, b: Ref, shape: number[]): Expect {
  const pd = promote(a.dtype, b.dtype);
  const A = (idx: number[]) => at(a, bidx(idx, a.shape));
  const B = (idx: number[]) => at(b, bidx(idx, b.shape));
  if (op in CMP) {
    const cv = (x: number, d: DT) => castVal(x, d, pd);
    return { value: build(shape, "bool", (i) => (CMP[op](cv(A(i), a.dtype), cv(B(i), b.dtype)) ? 1 : 0)) };
  }
  if (op === "sub" && (a.dtype === "bool" || b.dtype === "bool")) return { error: kd.DTypeError }; // as torch
  if (RULE[op] === "float_only" && pd !== "float32") return { error: kd.DTypeError }; // as torch
  const compute: DT = RULE[op] === "float" ? "float32" : pd === "bool" ? "int32" : pd;
  if (compute === "int32") {
    const bi = b.data.map((x) => castVal(x, b.dtype, "int32"));
    if ((op === "remainder" || op === "floorDivide") && bi.includes(0)) return numel(shape) === 0 ? { any: true } : { error: kd.ValueError };
    const f = INT_ARITH[op];
    const out = build(shape, "int32", (i) => f(castVal(A(i), a.dtype, "int32"), castVal(B(i), b.dtype, "int32")));
    return { value: pd === "bool" ? castRef(out, "bool") : out };
  }
  const f = F_ARITH[op];
  const out = build(shape, "float32", (i) => f32(f(f32(A(i)), f32(B(i)))));
  if (BIN_EXACT.has(op)) return { value: out };
  if (op === "remainder") return { value: out };
  return { value: out, tol: TRANS };
}

function broadcastPair(): [number[], number[], boolean] {
  const base = randShape(4, 80);
  const derive = () => {
    const drop = ri(0, base.length);
    return base.slice(drop).map((d) => (chance(0.35) ? 1 : d));
  };
  let sa = derive(), sb = derive();
  if (chance(0.5)) [sa, sb] = [sb, sa];
  const bad = chance(0.12);
  if (bad && sa.length > 0) {
    const i = ri(0, sa.length - 1);
    sa = sa.slice();
    sa[i] = sa[i] + ri(1, 3);
    if (sa[i] === 1) sa[i] = 5;
  }
  return [sa, sb, broadcast(sa, sb) !== null];
}

// The engine's op lists (generated from its spec rows), less the ops without a JS reference here;
// tests/generated.test.ts checks that every op has PyTorch fixtures, and the first test below
// names the ones the fuzzer skips.
const camelName = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const RULE: Record<string, string> = Object.fromEntries(Object.entries(DTYPE_RULES).map(([k, v]) => [camelName(k), v]));
const UN_OPS = UNARY_OPS.map(camelName).filter((n) => n in UNARY_F || n in UNARY_KEEP || n === "logicalNot");
const BIN_OPS = BINARY_OPS.map(camelName).filter((n) => n in F_ARITH || n in CMP);
const SCALARS: (number | boolean)[] = [2, -3, 0, 1, 0.5, -2.25, NaN, Infinity, -Infinity, true, false, 2147483647, -2147483648, 1e10, -0, 7];
function binaryCase(): Case {
  const op = pick(BIN_OPS);
  if (chance(0.25)) {
    // tensor op scalar (or scalar op tensor via rsub/rdiv for sub/div)
    const p = input();
    const s = pick(SCALARS);
    const sv = Number(s);
    // as in torch: a boolean is a bool scalar, an integer an int scalar, anything else float
    const sdt: DT = typeof s === "boolean" ? "bool" : Number.isInteger(sv) && sv >= -2147483648 && sv <= 2147483647 ? "int32" : "float32";
    const sr: Ref = { shape: [], dtype: sdt, data: [sdt === "float32" ? f32(sv) : sv | 0] };
    const reverse = (op === "sub" || op === "div") && chance(0.4);
    const run = () => (reverse ? (op === "sub" ? p.t.rsub(s) : p.t.rdiv(s)) : (p.t as unknown as Record<string, (o: unknown) => kd.Tensor>)[op].call(p.t, s));
    // torch refuses int ** negative int scalar up front
    const exp = op === "pow" && p.r.dtype !== "float32" && sdt === "int32" && sv < 0 ? { error: kd.ValueError }
      : reverse ? binaryRef(op, sr, p.r, p.r.shape) : binaryRef(op, p.r, sr, p.r.shape);
    return { family: "binary-scalar", desc: `${p.how}.${reverse ? "r" : ""}${op}(${String(s)})`, run, expect: exp };
  }
  const [sa, sb, ok] = broadcastPair();
  const a = operand(sa), b = operand(sb);
  const run = () => (chance(0.5) ? (a.t as unknown as Record<string, (o: unknown) => kd.Tensor>)[op].call(a.t, b.t) : (kd as unknown as Record<string, (x: unknown, y: unknown) => kd.Tensor>)[op](a.t, b.t));
  const desc = `${a.how}.${op}(${b.how})`;
  // torch checks `-` on bool before broadcasting
  if (op === "sub" && (a.r.dtype === "bool" || b.r.dtype === "bool")) return { family: "binary", desc, run, expect: { error: kd.DTypeError } };
  if (!ok) return { family: "binary", desc, run, expect: { error: kd.ShapeError } };
  const shape = broadcast(a.r.shape, b.r.shape)!;
  return { family: "binary", desc, run, expect: binaryRef(op, a.r, b.r, shape) };
}

const RED_OPS = ["sum", "mean", "amax", "amin", "prod", "all", "any", "argmax", "argmin"];

/** Index of the first max (or min) of a lane, as torch picks it: the first NaN wins. */
function extreme(v: number[], max: boolean): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) {
    if (Number.isNaN(v[best])) break;
    if (Number.isNaN(v[i])) { best = i; break; }
    if (max ? v[i] > v[best] : v[i] < v[best]) best = i;
  }
  return best;
}

function reduceCase(): Case {
  const op = pick(RED_OPS);
  const p = input();
  const n = p.r.shape.length;
  const keepdim = chance(0.4);
  let dim: number | number[] | undefined;
  const k = rnd();
  const randDim = () => ri(-Math.max(n, 1), Math.max(n, 1) - 1);
  if (k < 0.2) dim = undefined;
  else if (k < 0.55) dim = randDim();
  else if (k < 0.75) dim = shuffle([...Array(Math.max(n, 1)).keys()]).slice(0, ri(1, Math.max(n, 1))).map((d) => (chance(0.3) ? d - Math.max(n, 1) : d));
  else if (k < 0.85) dim = pick([n + ri(0, 3), -n - 1 - ri(0, 2), 1e12, -(2 ** 40)]);
  else if (k < 0.93) { const d = randDim(); dim = [d, d < 0 ? d + Math.max(n, 1) : d - Math.max(n, 1)]; }
  else dim = pick([NaN, 0.5, Infinity]);
  const m = p.t as unknown as Record<string, (d?: unknown, k?: boolean) => kd.Tensor>;
  const run = () => m[op].call(p.t, dim, keepdim);
  const desc = `${p.how}.${op}(${JSON.stringify(dim)}, keepdim=${keepdim})`;
  const E = (c: ErrCls): Case => ({ family: "reduce", desc, run, expect: { error: c } });
  if (typeof dim === "number" && !Number.isInteger(dim)) return E(kd.ValueError);
  const list = dim === undefined ? null : Array.isArray(dim) ? dim : [dim];
  if ((op === "argmax" || op === "argmin") && list && list.length > 1) return E(kd.ValueError);
  // argmax/argmin with no dim and no keepdim read the flattened tensor
  const flat = (op === "argmax" || op === "argmin") && list === null && !keepdim;
  const r = flat ? { ...p.r, shape: [numel(p.r.shape)] } : p.r;
  const nd = r.shape.length;
  let red: number[];
  if (list === null || list.length === 0) red = [...Array(nd).keys()];
  else {
    const w = list.map((d) => wrapDim(d, nd));
    if (w.some((d) => d === null)) return E(kd.IndexError);
    if (new Set(w).size !== w.length) return E(kd.IndexError);
    red = (w as number[]).filter((d) => d < nd);
  }
  const outShape: number[] = [];
  r.shape.forEach((s, i) => { if (!red.includes(i)) outShape.push(s); else if (keepdim) outShape.push(1); });
  const rsize = red.reduce((a, d) => a * r.shape[d], 1);
  if (rsize === 0 && numel(outShape) > 0 && ["amax", "amin", "argmax", "argmin"].includes(op)) return E(kd.IndexError);
  if (op === "mean" && r.dtype !== "float32") return E(kd.DTypeError);
  const groups = (oidx: number[]): number[] => {
    // the reduced values for one output element, in row-major order of the reduced dims
    const base = new Array(nd).fill(0);
    let o = 0;
    r.shape.forEach((_, i) => { if (!red.includes(i)) base[i] = oidx[keepdim ? i : o++]; });
    const rs = red.map((d) => r.shape[d]);
    const vals: number[] = [];
    for (let j = 0; j < numel(rs); j++) {
      const ri_ = unravel(j, rs);
      const idx = base.slice();
      red.forEach((d, q) => { idx[d] = ri_[q]; });
      vals.push(at(r, idx));
    }
    return vals;
  };
  const isF = r.dtype === "float32";
  let outDT: DT = r.dtype, fn: (v: number[]) => number;
  let tol: Tol | ((i: number) => Tol) = EXACT;
  switch (op) {
    case "sum":
      if (isF) { fn = (v) => f32(v.reduce((a, x) => a + x, 0)); tol = { rtol: 1e-6, atol: 1e-30 }; }
      else { outDT = "int32"; fn = (v) => v.reduce((a, x) => (a + x) | 0, 0); }
      break;
    case "prod":
      if (isF) { fn = (v) => f32(v.reduce((a, x) => a * x, 1)); tol = { rtol: 1e-6, atol: 1e-30 }; }
      else { outDT = "int32"; fn = (v) => v.reduce((a, x) => Math.imul(a, x), 1); }
      break;
    case "mean": fn = (v) => f32(v.reduce((a, x) => a + x, 0) / v.length); tol = { rtol: 1e-6, atol: 1e-30 }; break;
    case "amax": fn = (v) => v[extreme(v, true)]; break;
    case "amin": fn = (v) => v[extreme(v, false)]; break;
    case "argmax": outDT = "int32"; fn = (v) => extreme(v, true); break;
    case "argmin": outDT = "int32"; fn = (v) => extreme(v, false); break;
    case "all": outDT = "bool"; fn = (v) => (v.every((x) => x !== 0) ? 1 : 0); break;
    default: outDT = "bool"; fn = (v) => (v.some((x) => x !== 0) ? 1 : 0); break;
  }
  if (isF && (op === "sum" || op === "mean")) {
    // the engine sums in f64; allow for cancellation relative to the sum of magnitudes
    const want = build(outShape, outDT, (i) => fn(groups(i)));
    const mags = build(outShape, "float32", (i) => groups(i).reduce((a, x) => a + Math.abs(x), 0));
    return { family: "reduce", desc, run, expect: { value: want, tol: (i) => ({ rtol: 1e-6, atol: 1e-6 * mags.data[i] }) } };
  }
  return { family: "reduce", desc, run, expect: { value: build(outShape, outDT, (i) => fn(groups(i))), tol } };
}

function factorShape(n: number): number[] {
  if (n === 0) return shuffle([0, ...Array.from({ length: ri(0, 2) }, () => ri(1, 3))]);
  const out: number[] = [];
  let rest = n;
  for (const f of [2, 3, 5, 7]) while (rest % f === 0 && chance(0.8)) { out.push(f); rest /= f; }
  out.push(rest);
  // merge some neighbours, add some 1s
  const s = shuffle(out).reduce<number[]>((acc, x) => { if (acc.length && chance(0.4)) acc[acc.length - 1] *= x; else acc.push(x); return acc; }, []);
  while (chance(0.2) && s.length < 5) s.splice(ri(0, s.length), 0, 1);
  while (s.length > 6) s.push(s.pop()! * s.pop()!);
  return s;
}

function shapeCase(): Case {
  const p = input();
  const r = p.r;
  const n = r.shape.length;
  const k = ri(0, 7);
  const V = (desc: string, run: () => unknown, value: Ref): Case => ({ family: "shape", desc, run, expect: { value } });
  const E = (desc: string, run: () => unknown, c: ErrCls | null): Case => ({ family: "shape", desc, run, expect: { error: c } });
  if (k <= 1) {
    // reshape / view to a random factorization, sometimes with -1, sometimes wrong
    let target = factorShape(numel(r.shape));
    let want: ErrCls | null | "ok" = "ok";
    const mode = ri(0, 9);
    if (mode === 0) { target = [...target, ri(2, 3)]; want = numel(r.shape) === 0 ? "ok" : kd.ShapeError; }
    else if (mode === 1 && target.length) { target = target.slice(); target[0] = -2; want = kd.ValueError; }
    else if (mode === 2 && target.length >= 2) { target = target.slice(); target[0] = -1; target[1] = -1; want = kd.ValueError; }
    else if (mode === 3 && target.length) { target = target.slice(); target[0] = NaN; want = kd.ValueError; }
    else if (mode <= 5 && target.length && numel(target) > 0) { target = target.slice(); target[ri(0, target.length - 1)] = -1; }
    const real = target.includes(-1) ? target.map((d) => (d === -1 ? numel(r.shape) / numel(target.filter((x) => x !== -1)) : d)) : target;
    const isView = k === 1;
    const run = () => (isView ? p.t.view(target) : p.t.reshape(target));
    const desc = `${p.how}.${isView ? "view" : "reshape"}(${JSON.stringify(target)})`;
    if (want !== "ok") return E(desc, run, want);
    const value = { ...r, shape: real };
    if (isView) return { family: "shape", desc, run, expect: { any: true, check: (g) => compare(g, value) } };
    return V(desc, run, value);
  }
  if (k === 2) {
    const mode = ri(0, 4);
    let perm = shuffle([...Array(n).keys()]).map((d) => (chance(0.3) ? d - n : d));
    let want: ErrCls | null = null;
    if (mode === 0) { perm = [...perm, 0]; want = kd.ShapeError; }
    else if (mode === 1 && n >= 2) { perm = perm.slice(); perm[1] = perm[0]; want = kd.IndexError; }
    else if (mode === 2 && n >= 1) { perm = perm.slice(); perm[0] = n + ri(0, 2); want = kd.IndexError; }
    const desc = `${p.how}.permute(${JSON.stringify(perm)})`;
    const run = () => p.t.permute(perm);
    if (want) return E(desc, run, want);
    return V(desc, run, permuteRef(r, perm.map((d) => (d < 0 ? d + n : d))));
  }
  if (k === 3) {
    const m = Math.max(n, 1);
    const [a, b] = [ri(-m - 1, m), ri(-m - 1, m)];
    const desc = `${p.how}.transpose(${a}, ${b})`;
    const run = () => p.t.transpose(a, b);
    const [wa, wb] = [wrapDim(a, n), wrapDim(b, n)];
    if (wa === null || wb === null) return E(desc, run, kd.IndexError);
    if (n === 0) return V(desc, run, r);
    const perm = [...Array(n).keys()];
    [perm[wa], perm[wb]] = [perm[wb], perm[wa]];
    return V(desc, run, permuteRef(r, perm));
  }
  if (k === 4) {
    const d = ri(-n - 2, n + 1);
    const desc = `${p.how}.unsqueeze(${d})`;
    const run = () => p.t.unsqueeze(d);
    const w = wrapDim(d, n + 1);
    if (w === null) return E(desc, run, kd.IndexError);
    return V(desc, run, { ...r, shape: [...r.shape.slice(0, w), 1, ...r.shape.slice(w)] });
  }
  if (k === 5) {
    const d = chance(0.3) ? undefined : ri(-n - 1, n);
    const desc = `${p.how}.squeeze(${d})`;
    const run = () => p.t.squeeze(d);
    if (d === undefined) return V(desc, run, { ...r, shape: r.shape.filter((s) => s !== 1) });
    const w = wrapDim(d, n);
    if (w === null) return E(desc, run, kd.IndexError);
    return V(desc, run, { ...r, shape: r.shape.filter((s, i) => !(i === w && s === 1)) });
  }
  if (k === 6) {
    // slice and select with random (also bad) arguments
    const d = ri(-n - 1, n);
    const w = wrapDim(d, n);
    const sz = w === null || n === 0 ? 0 : r.shape[w];
    if (chance(0.5)) {
      const bad = chance(0.15);
      const s = bad ? pick([NaN, 0.5, -2.5]) : chance(0.2) ? null : chance(0.05) ? -Infinity : ri(-sz - 2, sz + 2);
      const e = chance(0.2) ? null : chance(0.1) ? pick([Infinity, 2 ** 60, -(2 ** 60)]) : ri(-sz - 2, sz + 2);
      const st = chance(0.1) ? pick([0, -1, 2 ** 40, 1e300, NaN, 1.5]) : ri(1, 3);
      const desc = `${p.how}.slice(${d}, ${s}, ${e}, ${st})`;
      const run = () => p.t.slice(d, s, e, st);
      if (bad || !Number.isInteger(st)) return E(desc, run, kd.ValueError);
      if (n === 0) return E(desc, run, kd.IndexError);
      if (st <= 0) return E(desc, run, kd.ValueError);
      if (w === null) return E(desc, run, kd.IndexError);
      const sel = pythonSlice(sz, s === null ? 0 : Math.max(-1e15, s), e === null ? sz : Math.max(-1e15, Math.min(1e15, e)), Math.min(st, 1e9));
      const shape = r.shape.slice();
      shape[w] = sel.length;
      return V(desc, run, build(shape, r.dtype, (idx) => { const j = idx.slice(); j[w] = sel[idx[w]]; return at(r, j); }));
    }
    const i = chance(0.1) ? pick([NaN, 1.5, Infinity, 2 ** 60]) : ri(-sz - 1, sz);
    const desc = `${p.how}.select(${d}, ${i})`;
    const run = () => p.t.select(d, i);
    if (!Number.isInteger(i)) return E(desc, run, kd.ValueError);
    if (n === 0 || w === null) return E(desc, run, kd.IndexError);
    if (i < -sz || i >= sz) return E(desc, run, kd.IndexError);
    const ii = i < 0 ? i + sz : i;
    return V(desc, run, build(r.shape.filter((_, j) => j !== w), r.dtype, (idx) => at(r, [...idx.slice(0, w), ii, ...idx.slice(w)])));
  }
  // flatten(start, end)
  const [s, e] = [ri(-n - 1, n), chance(0.3) ? -1 : ri(-n - 1, n)];
  const desc = `${p.how}.flatten(${s}, ${e})`;
  const run = () => p.t.flatten(s, e);
  if (n === 0) return V(desc, run, { ...r, shape: [1] });
  const [ws, we] = [wrapDim(s, n), wrapDim(e, n)];
  if (ws === null || we === null) return E(desc, run, kd.IndexError);
  if (ws > we) return E(desc, run, kd.ValueError);
  return V(desc, run, { ...r, shape: [...r.shape.slice(0, ws), numel(r.shape.slice(ws, we + 1)), ...r.shape.slice(we + 1)] });
}

function matmulCase(): Case {
  const saved = allowSpecial;
  allowSpecial = false;
  try {
    // mostly tiny, sometimes past the GEMM kernel's tile sizes (edges, packing)
    const big = chance(0.15);
    const m = big ? ri(5, 37) : ri(0, 4), k = big ? ri(5, 37) : ri(0, 4), nn = big ? ri(5, 37) : ri(0, 4);
    const batch = chance(0.4) ? [ri(1, 3)] : [];
    const kind = ri(0, 5);
    let sa: number[], sb: number[];
    if (kind === 0) { sa = [k]; sb = [k]; }
    else if (kind === 1) { sa = [k]; sb = [...batch, k, nn]; }
    else if (kind === 2) { sa = [...batch, m, k]; sb = [k]; }
    else if (kind === 3) { sa = [...batch, m, k]; sb = [k, nn]; }
    else if (kind === 4) { sa = [m, k]; sb = [...(chance(0.5) ? batch : []), k, nn]; }
    else { sa = [...batch, m, k]; sb = [...(batch.length && chance(0.3) ? [1] : batch), k, nn]; }
    const bad = ri(0, 9);
    if (bad === 0) sb = sb.length === 1 ? [k + 1] : [...sb.slice(0, -2), k + 1, sb[sb.length - 1]];
    if (bad === 1) sa = [];
    const dts: DT[] = [pick(["float32", "float32", "int32", "bool"] as const), pick(["float32", "float32", "int32", "bool"] as const)];
    const a = operand(sa, dts[0], 0.3), b = operand(sb, dts[1], 0.3);
    const desc = `${a.how}.matmul(${b.how})`;
    const run = () => a.t.matmul(b.t);
    if (a.r.shape.length === 0 || b.r.shape.length === 0) return { family: "matmul", desc, run, expect: { error: kd.ShapeError } };
    const A = a.r.shape.length === 1 ? { ...a.r, shape: [1, ...a.r.shape] } : a.r;
    const B = b.r.shape.length === 1 ? { ...b.r, shape: [...b.r.shape, 1] } : b.r;
    const [M, K] = A.shape.slice(-2), [K2, N] = B.shape.slice(-2);
    const od = promote(a.r.dtype, b.r.dtype);
    if (od === "bool") return { family: "matmul", desc, run, expect: { error: kd.DTypeError } };
    if (K !== K2) return { family: "matmul", desc, run, expect: { error: kd.ShapeError } };
    const bs = broadcast(A.shape.slice(0, -2), B.shape.slice(0, -2));
    if (!bs) return { family: "matmul", desc, run, expect: { error: kd.ShapeError } };
    const full = [...bs, M, N];
    const mags: number[] = [];
    const out = build(full, od, (idx) => {
      const bi = idx.slice(0, -2), [i, j] = idx.slice(-2);
      let s = 0, mag = 0;
      for (let q = 0; q < K; q++) {
        const x = at(A, [...bidx(bi, A.shape.slice(0, -2)), i, q]);
        const y = at(B, [...bidx(bi, B.shape.slice(0, -2)), q, j]);
        s += x * y;
        mag += Math.abs(x * y);
      }
      mags.push(mag);
      return od === "int32" ? s | 0 : f32(s);
    });
    let shape = [...bs];
    if (a.r.shape.length > 1) shape.push(M);
    if (b.r.shape.length > 1) shape.push(N);
    shape = shape.length ? shape : [];
    return { family: "matmul", desc, run, expect: { value: { ...out, shape }, tol: (i) => ({ rtol: 1e-6, atol: 1e-6 * mags[i] }) } };
  } finally {
    allowSpecial = saved;
  }
}

function catCase(): Case {
  const base = randShape(4, 60);
  const n = base.length;
  const count = ri(1, 3);
  const d = n === 0 ? 0 : ri(0, n - 1);
  const mode = ri(0, 9);
  const shapes = Array.from({ length: count }, () => { const s = base.slice(); if (n) s[d] = ri(0, 3); return s; });
  if (mode === 0 && count > 1 && n > 1) { const o = (d + 1) % n; shapes[1][o] = shapes[1][o] + 1; }
  if (mode === 1 && count > 1) shapes[1] = [...shapes[1], 2];
  if (mode === 2) shapes[0] = [0]; // the legacy skipped 1-D empty
  const dim = mode === 3 ? pick([n + 1, -n - 2, NaN]) : chance(0.3) ? d - n : d;
  const ins = shapes.map((s) => operand(s, randDT(), 0.3));
  const desc = `cat([${ins.map((p) => p.how).join(", ")}], ${dim})`;
  const run = () => kd.cat(ins.map((p) => p.t), dim);
  const E = (c: ErrCls): Case => ({ family: "cat", desc, run, expect: { error: c } });
  if (typeof dim === "number" && !Number.isInteger(dim)) return E(kd.ValueError);
  const live = ins.filter((p) => !(p.r.shape.length === 1 && p.r.shape[0] === 0));
  // all skipped: the first tensor back (an out-of-range dim may also be refused)
  if (live.length === 0) return { family: "cat", desc, run, expect: wrapDim(dim, 1) === null ? { any: true, check: (g) => compare(g, ins[0].r) } : { value: ins[0].r } };
  const first = live[0].r;
  if (first.shape.length === 0) return E(kd.ShapeError);
  const w = wrapDim(dim, first.shape.length);
  if (w === null) return E(kd.IndexError);
  for (const p of live) {
    if (p.r.shape.length !== first.shape.length) return E(kd.ShapeError);
    if (p.r.shape.some((s, i) => i !== w && s !== first.shape[i])) return E(kd.ShapeError);
  }
  const dt = live.map((p) => p.r.dtype).reduce(promote);
  const shape = first.shape.slice();
  shape[w] = live.reduce((a, p) => a + p.r.shape[w], 0);
  const offs: number[] = [];
  live.reduce((a, p) => { offs.push(a); return a + p.r.shape[w]; }, 0);
  const value = build(shape, dt, (idx) => {
    let q = live.length - 1;
    while (offs[q] > idx[w]) q--;
    const j = idx.slice();
    j[w] -= offs[q];
    return castVal(at(live[q].r, j), live[q].r.dtype, dt);
  });
  return { family: "cat", desc, run, expect: { value } };
}

function indexCase(): Case {
  const p = input();
  const r = p.r;
  const n = r.shape.length;
  const d = ri(-n - 1, n);
  const w = wrapDim(d, n);
  const size = w === null ? 1 : n === 0 ? 1 : r.shape[w];
  const idxDT: DT = chance(0.1) ? pick(["float32", "bool"] as const) : "int32";
  const oob = chance(0.1);
  const val = () => (oob ? pick([size, size + 3, -size - 1, 2147483647, -2147483648]) : size === 0 ? 0 : ri(-size, size - 1));
  if (chance(0.5)) {
    // index_select
    const ishape = chance(0.1) ? [2, 2] : chance(0.15) ? [] : [ri(0, 4)];
    const ir: Ref = build(ishape, idxDT, () => (idxDT === "int32" ? val() : idxDT === "bool" ? 1 : 0.5));
    const it = toTensor(ir);
    const desc = `${p.how}.indexSelect(${d}, ${JSON.stringify(ir.data)}:${JSON.stringify(ishape)}:${idxDT})`;
    const run = () => p.t.indexSelect(d, it);
    const E = (c: ErrCls): Case => ({ family: "index_select", desc, run, expect: { error: c } });
    if (ishape.length > 1) return E(kd.IndexError);
    if (w === null) return E(kd.IndexError);
    if (idxDT !== "int32") return E(kd.DTypeError);
    if (ir.data.some((x) => x < -size || x >= size)) return E(kd.IndexError);
    const ix = ir.data.map((x) => (x < 0 ? x + size : x));
    if (n === 0) return ix.length === 1 ? { family: "index_select", desc, run, expect: { value: r } } : E(kd.IndexError);
    const shape = r.shape.slice();
    shape[w] = ix.length;
    return { family: "index_select", desc, run, expect: { value: build(shape, r.dtype, (idx) => { const j = idx.slice(); j[w] = ix[idx[w]]; return at(r, j); }) } };
  }
  // gather: index has the same ndim, sizes <= input's except along dim
  const ishape = r.shape.map((s, i) => (i === w ? ri(0, 3) : ri(0, s)));
  if (chance(0.08) && ishape.length) ishape[ri(0, ishape.length - 1)] += 2;
  const ishape2 = chance(0.05) ? [...ishape, 1] : ishape;
  const ir = build(ishape2, idxDT, () => (idxDT === "int32" ? val() : 0));
  const it = toTensor(ir);
  const desc = `${p.how}.gather(${d}, ${JSON.stringify(ir.data)}:${JSON.stringify(ishape2)}:${idxDT})`;
  const run = () => p.t.gather(d, it);
  const E = (c: ErrCls): Case => ({ family: "gather", desc, run, expect: { error: c } });
  if (w === null) return E(kd.IndexError);
  if (ishape2.length !== n && !(n === 0 && ishape2.length <= 1)) return E(kd.ShapeError);
  if (n > 0 && ishape2.some((s, i) => i !== w && s > r.shape[i])) return E(kd.ShapeError);
  if (idxDT !== "int32") return E(kd.DTypeError);
  if (ir.data.some((x) => x < -size || x >= size)) return E(kd.IndexError);
  const value = build(ishape2, r.dtype, (idx) => {
    if (n === 0) return r.data[0];
    const j = idx.slice();
    const v = at(ir, idx);
    j[w] = v < 0 ? v + size : v;
    return at(r, j);
  });
  return { family: "gather", desc, run, expect: { value } };
}

const HUGE_SHAPES = [[1 << 20, 1 << 20], [1 << 16, 1 << 16], [50000, 50000], [2 ** 31 - 1, 2], [46341, 46341, 2], [1 << 16, 1 << 15, 3], [2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1], [3, 2 ** 40]];
function creationCase(): Case {
  const k = ri(0, 8);
  const C = (desc: string, run: () => unknown, expect: Expect): Case => ({ family: "creation", desc, run, expect });
  if (k === 0) {
    const mode = ri(0, 5);
    const dt = randDT();
    if (mode === 0) { const s = pick(HUGE_SHAPES); return C(`zeros(${JSON.stringify(s)}, ${dt})`, () => kd.zeros(s, { dtype: dt }), { error: kd.MemoryError }); }
    if (mode === 1) { const s = [...randShape(3), -ri(1, 3)]; return C(`zeros(${JSON.stringify(s)})`, () => kd.zeros(s, { dtype: dt }), { error: kd.ValueError }); }
    if (mode === 2) { const s = [2, pick([NaN, 1.5, Infinity, -Infinity])]; return C(`ones(${JSON.stringify(s)})`, () => kd.ones(s), { error: kd.ValueError }); }
    const s = randShape();
    const v = pick([0, 1, -2.5, NaN, Infinity, 7, true, false, 1e10]);
    const odt: DT = dt;
    return C(`full(${JSON.stringify(s)}, ${v}, ${odt})`, () => kd.full(s, v, { dtype: odt }), { value: build(s, odt, () => castVal(Number(v), "float32", odt)) });
  }
  if (k === 1) {
    const s = chance(0.2) ? pick(HUGE_SHAPES) : randShape();
    const f = pick(["rand", "randn"] as const);
    const huge = numel(s) > 1e8;
    return C(`${f}(${JSON.stringify(s)})`, () => kd[f](s), huge ? { error: kd.MemoryError } : {
      any: true,
      check: (g) => {
        if (!(g instanceof kd.Tensor) || JSON.stringify(g.shape) !== JSON.stringify(s) || g.dtype !== "float32") return "bad shape/dtype";
        const d = g.dataSync();
        if (f === "rand" && d.some((x) => !(x >= 0 && x < 1))) return "rand out of [0, 1)";
        if (f === "randn" && d.some((x) => !Number.isFinite(x))) return "randn not finite";
        return null;
      },
    });
  }
  if (k === 2) {
    const mode = ri(0, 4);
    if (mode === 0) return C("randint(5, 5)", () => kd.randint(5, 5, [3]), { error: kd.ValueError });
    if (mode === 1) return C("randint(NaN)", () => kd.randint(NaN, 5, [3]), { error: kd.ValueError });
    const [lo, hi] = pick([[0, 10], [-5, 5], [-2147483648, 2147483647], [3, 4]]);
    const s = randShape();
    return C(`randint(${lo}, ${hi}, ${JSON.stringify(s)})`, () => kd.randint(lo, hi, s), {
      any: true,
      check: (g) => (g instanceof kd.Tensor && g.dtype === "int32" && JSON.stringify(g.shape) === JSON.stringify(s) && g.dataSync().every((x) => x >= lo && x < hi) ? null : "bad randint"),
    });
  }
  if (k === 3) {
    const mode = ri(0, 6);
    const args: [number, number, number] =
      mode === 0 ? [0, 10, 0] : mode === 1 ? [0, 10, -1] : mode === 2 ? [NaN, 3, 1] : mode === 3 ? [0, Infinity, 1] : mode === 4 ? [0, 1e12, 1] :
      pick([[0, 5, 1], [5, 0, -2], [-3, 4, 2], [0, 1, 0.25], [1, 2.5, 0.5], [0, 0, 1], [2, 10, 3]] as [number, number, number][]);
    const err = mode === 4 ? kd.MemoryError : mode <= 3 ? kd.ValueError : null;
    const desc = `arange(${args})`;
    const run = () => kd.arange(args[0], args[1], args[2]);
    if (err) return C(desc, run, { error: err });
    const [a, b, st] = args;
    const cnt = Math.max(0, Math.ceil((b - a) / st));
    const dt: DT = args.every(Number.isInteger) ? "int32" : "float32";
    return C(desc, run, { value: build([cnt], dt, ([i]) => castVal(a + i * st, "float32", dt)) });
  }
  if (k === 4) {
    const steps = pick([0, 1, 2, 5, -1, 1.5, NaN, 2 ** 40]);
    const [a, b] = [pick([0, -1, 2.5]), pick([1, 10, -3])];
    const desc = `linspace(${a}, ${b}, ${steps})`;
    const run = () => kd.linspace(a, b, steps);
    if (!Number.isInteger(steps) || steps < 0) return C(desc, run, { error: kd.ValueError });
    if (steps > 2 ** 31) return C(desc, run, { error: kd.MemoryError });
    const step = steps > 1 ? (b - a) / (steps - 1) : 0;
    const half = steps === 1 ? 1 : Math.floor(steps / 2);
    return C(desc, run, { value: build([steps], "float32", ([i]) => f32(i < half ? a + step * i : b - step * (steps - 1 - i))), tol: { rtol: 1e-6, atol: 1e-6 } });
  }
  if (k === 5) {
    const [n, m] = [pick([0, 1, 3, 4, -1, 1 << 20, NaN, 2.5]), pick([0, 2, 3, 1 << 20])];
    const desc = `eye(${n}, ${m})`;
    const run = () => kd.eye(n, m);
    if (!Number.isInteger(n)) return C(desc, run, { error: kd.ValueError });
    if (n < 0) return C(desc, run, { error: kd.ValueError });
    if (n * m > 1e8) return C(desc, run, { error: kd.MemoryError });
    if (n * m > 1e5) return C(desc, run, { any: true });
    return C(desc, run, { value: build([n, m], "float32", ([i, j]) => (i === j ? 1 : 0)) });
  }
  if (k === 6) {
    const n = pick([0, 1, 5, 17, -3, 1 << 30, 2 ** 40, NaN, 1.5]);
    const desc = `randperm(${n})`;
    const run = () => kd.randperm(n);
    if (!Number.isInteger(n) || n < 0) return C(desc, run, { error: kd.ValueError });
    if (n >= 1 << 30) return C(desc, run, { error: kd.MemoryError });
    return C(desc, run, { any: true, check: (g) => (g instanceof kd.Tensor && g.dtype === "int32" && [...g.dataSync()].sort((x, y) => x - y).every((x, i) => x === i) && g.numel() === n ? null : "not a permutation") });
  }
  if (k === 7) {
    const data = pick([[[1, 2], [3]], [[1, 2], 3], [1, [2]], [[[1], [2]], [[3], [4, 5]]], [[], [1]]]);
    return C(`tensor(${JSON.stringify(data)})`, () => kd.tensor(data as kd.NestedArray), { error: kd.ValueError });
  }
  // a tensor from nested arrays, checked
  const s = randShape(4, 40);
  const dt = randDT();
  const r = randRef(s, dt);
  const nest = (dim: number, off: number): kd.NestedArray => (dim === s.length ? (dt === "bool" ? r.data[off] === 1 : r.data[off]) : Array.from({ length: s[dim] }, (_, i) => nest(dim + 1, off + i * numel(s.slice(dim + 1)))));
  const nested = nest(0, 0);
  const emptyInner = s.length > 1 && numel(s) === 0 && s.indexOf(0) !== s.length - 1;
  return C(`tensor(${JSON.stringify(s)}:${dt})`, () => kd.tensor(nested, { dtype: dt }), emptyInner ? { any: true } : { value: r });
}

function miscCase(): Case {
  const k = ri(0, 6);
  if (k === 0) {
    // where(cond, a, b) with broadcasting
    const [sa, sb, ok] = broadcastPair();
    const c = operand(chance(0.5) ? sa : sb, chance(0.9) ? "bool" : "int32", 0.3), a = operand(sa), b = operand(sb);
    const desc = `where(${c.how}, ${a.how}, ${b.how})`;
    const run = () => kd.where(c.t, a.t, b.t);
    if (c.r.dtype !== "bool") return { family: "where", desc, run, expect: { error: kd.DTypeError } };
    const s1 = broadcast(c.r.shape, a.r.shape), s2 = s1 && broadcast(s1, b.r.shape);
    if (!ok || !s2) return { family: "where", desc, run, expect: { error: kd.ShapeError } };
    const dt = promote(a.r.dtype, b.r.dtype);
    return { family: "where", desc, run, expect: { value: build(s2, dt, (i) => (at(c.r, bidx(i, c.r.shape)) ? castVal(at(a.r, bidx(i, a.r.shape)), a.r.dtype, dt) : castVal(at(b.r, bidx(i, b.r.shape)), b.r.dtype, dt))) } };
  }
  if (k === 1) {
    const p = input();
    const lo = chance(0.3) ? null : pick([-1, 0, 0.5, -2.5]);
    const hi = chance(0.3) ? null : pick([1, 2, 0.25, 3.5]);
    const desc = `${p.how}.clamp(${lo}, ${hi})`;
    const run = () => p.t.clamp(lo, hi);
    if (lo === null && hi === null) return { family: "clamp", desc, run, expect: { error: kd.ValueError } };
    const isF = p.r.dtype === "float32" || [lo, hi].some((x) => x !== null && !Number.isInteger(x));
    const L = lo === null ? null : isF ? f32(lo) : Math.floor(lo), H = hi === null ? null : isF ? f32(hi) : Math.floor(hi);
    const data = p.r.data.map((x) => { let y = isF ? f32(x) : x; if (L !== null && y < L) y = L; if (H !== null && y > H) y = H; return y; });
    return { family: "clamp", desc, run, expect: { value: { shape: p.r.shape, dtype: isF ? "float32" : "int32", data } } };
  }
  if (k === 2) {
    const p = input();
    const n = p.r.shape.length;
    const d = ri(-n - 1, n);
    const log = chance(0.5);
    const desc = `${p.how}.${log ? "logSoftmax" : "softmax"}(${d})`;
    const run = () => (log ? p.t.logSoftmax(d) : p.t.softmax(d));
    if (p.r.dtype !== "float32") return { family: "softmax", desc, run, expect: { error: kd.DTypeError } };
    const w = wrapDim(d, n);
    if (w === null) return { family: "softmax", desc, run, expect: { error: kd.IndexError } };
    if (n === 0) return { family: "softmax", desc, run, expect: { value: { ...p.r, data: [log ? 0 : 1] } } };
    const value = build(p.r.shape, "float32", (idx) => {
      const row = Array.from({ length: p.r.shape[w] }, (_, j) => { const q = idx.slice(); q[w] = j; return at(p.r, q); });
      let mx = row.reduce((a, x) => (x > a || Number.isNaN(x) ? x : a), -Infinity);
      if (!Number.isFinite(mx) && !Number.isNaN(mx)) mx = 0;
      const sum = row.reduce((a, x) => a + Math.exp(f32(x - mx)), 0);
      const x = f32(at(p.r, idx) - mx);
      return f32(log ? x - Math.log(sum) : Math.exp(x) * (1 / sum));
    });
    return { family: "softmax", desc, run, expect: { value, tol: { rtol: 1e-5, atol: 1e-6 } } };
  }
  if (k === 3) {
    const p = input();
    const to = randDT();
    const desc = `${p.how}.to(${to})`;
    const run = () => p.t.to(to);
    const risky = p.r.dtype === "float32" && to === "int32" && p.r.data.some((x) => !(Math.abs(x) < 2 ** 31));
    if (risky) return { family: "cast", desc, run, expect: { any: true } };
    return { family: "cast", desc, run, expect: { value: castRef(p.r, to) } };
  }
  if (k === 4) {
    const p = input();
    const ms = chance(0.85) ? p.r.shape.map((s) => (chance(0.4) ? 1 : s)).slice(ri(0, p.r.shape.length)) : [...p.r.shape, 2];
    const mdt: DT = chance(0.9) ? "bool" : "float32";
    const mk = operand(ms, mdt, 0.3);
    const v = pick([0, -1, 2.5, NaN, true]);
    const desc = `${p.how}.maskedFill(${mk.how}, ${v})`;
    const run = () => p.t.maskedFill(mk.t, v);
    if (mdt !== "bool") return { family: "masked_fill", desc, run, expect: { error: kd.DTypeError } };
    // out of place, torch broadcasts both ways: the result has the broadcast shape
    const bs = broadcast(p.r.shape, ms);
    if (!bs) return { family: "masked_fill", desc, run, expect: { error: kd.ShapeError } };
    const fill = castVal(Number(v), "float32", p.r.dtype);
    return { family: "masked_fill", desc, run, expect: { value: build(bs, p.r.dtype, (i) => (at(mk.r, bidx(i, ms)) ? fill : at(p.r, bidx(i, p.r.shape)))) } };
  }
  if (k === 5) {
    // item / tolist
    const p = input(chance(0.5) ? [] : randShape(3, 8));
    const desc = `${p.how}.item()`;
    if (p.r.data.length !== 1) return { family: "item", desc, run: () => p.t.item(), expect: { error: kd.ValueError } };
    const want = p.r.dtype === "bool" ? p.r.data[0] === 1 : p.r.data[0];
    return { family: "item", desc, run: () => p.t.item(), expect: { any: true, check: (g) => (g === want || (Number.isNaN(g) && Number.isNaN(want)) ? null : `item ${g} != ${want}`) } };
  }
  // huge broadcasts and expands: typed errors, not traps
  const s = pick([[[1 << 16, 1], [1, 1 << 16]], [[65536, 1, 1], [1, 65536, 2]], [[2 ** 31 - 1, 1], [1, 3]]] as number[][][]);
  const a = kd.zeros([1, 1]);
  if (chance(0.5)) return { family: "huge", desc: `expand(${JSON.stringify(s[0].map((x, i) => Math.max(x, s[1][i] ?? 1)))})`, run: () => a.expand(s[0].map((x, i) => Math.max(x, s[1][i] ?? 1))).sum(), expect: { error: kd.MemoryError } };
  return { family: "huge", desc: `binary ${JSON.stringify(s)}`, run: () => a.expand(s[0]).add(a.expand(s[1])), expect: { error: kd.MemoryError } };
}

function disposedCase(): Case {
  const p = input(randShape(3, 30), "float32", 0.2);
  const k = ri(0, 9);
  if (k === 0) {
    // a view outlives its disposed base: it keeps the storage alive
    const v = p.t.transpose(0, -1);
    p.t.dispose();
    const n = p.r.shape.length;
    const perm = [...Array(n).keys()];
    if (n >= 2) [perm[0], perm[n - 1]] = [perm[n - 1], perm[0]];
    return { family: "disposed", desc: `${p.how} disposed, view.add(1)`, run: () => v.add(1), expect: { value: { ...permuteRef(p.r, perm), data: permuteRef(p.r, perm).data.map((x) => f32(x + 1)) } } };
  }
  const other = kd.ones([1]);
  p.t.dispose();
  const ops: [string, () => unknown][] = [
    ["add", () => p.t.add(1)], ["add(other)", () => other.add(p.t)], ["sum", () => p.t.sum()], ["reshape", () => p.t.reshape([-1])],
    ["dataSync", () => p.t.dataSync()], ["shape", () => p.t.shape], ["matmul", () => other.matmul(p.t)], ["cat", () => kd.cat([other, p.t])],
    ["indexSelect", () => other.indexSelect(0, p.t)], ["where", () => kd.where(p.t, other, other)], ["exp", () => p.t.exp()], ["to", () => p.t.to("int32")],
  ];
  const [name, run] = pick(ops);
  return { family: "disposed", desc: `disposed ${p.how}.${name}`, run, expect: { error: kd.DisposedError } };
}

// ---- more families: in-place writes through views, indexing, splitting, statistics ----------

function inplaceCase(): Case {
  // base tensor + an index map (base flat index of each view element) pushed through the same views
  const shape = randShape(4, 60);
  const dt = randDT();
  const base = randRef(shape, dt);
  const ids: Ref = { shape, dtype: "int32", data: base.data.map((_, i) => i) };
  let p: Pair = { t: toTensor(base), r: ids, how: `T${JSON.stringify(shape)}:${dt}` };
  const baseT = p.t;
  if (chance(0.6)) p = randomView(p);
  if (chance(0.3)) p = randomView(p);
  const map = p.r.data;
  const view = p.t;
  // torch refuses writes of several values through a view with a broadcast (stride 0) dim
  const st = view.stride();
  const overlapping = view.shape.some((d, i) => d > 1 && st[i] === 0);
  const k = ri(0, 4);
  const viewVals = map.map((i) => base.data[i]);
  let desc: string, run: () => unknown, newVals: number[] | null = null, err: ErrCls | null | "any" = null;
  if (k === 0) {
    const v = pick([0, 1, -2.5, 7, NaN, true, false]);
    desc = `${p.how}.fill_(${v})`;
    run = () => view.fill_(v);
    newVals = map.map(() => castVal(Number(v), "float32", dt));
  } else if (k === 1) {
    desc = `${p.how}.zero_()`;
    run = () => view.zero_();
    newVals = map.map(() => 0);
  } else if (k === 2) {
    const s = chance(0.8) ? p.r.shape.map((d) => (chance(0.3) ? 1 : d)).slice(ri(0, p.r.shape.length)) : [...p.r.shape, 2];
    const src = operand(s, randDT(), 0.3);
    desc = `${p.how}.copy_(${src.how})`;
    run = () => view.copy_(src.t);
    const bs = broadcast(p.r.shape, s);
    if (!bs || JSON.stringify(bs) !== JSON.stringify(p.r.shape)) err = kd.ShapeError;
    else if (overlapping && numel(s) !== 1) err = kd.ValueError;
    else newVals = build(p.r.shape, dt, (idx) => castVal(at(src.r, bidx(idx, s)), src.r.dtype, dt)).data;
  } else {
    const op = k === 3 ? "add_" : "mul_";
    const o = pick([2, -1, 0.5, 3]);
    desc = `${p.how}.${op}(${o})`;
    run = () => (view as unknown as Record<string, (x: number) => unknown>)[op].call(view, o);
    const odt: DT = Number.isInteger(o) ? "int32" : "float32";
    const rdt = promote(dt === "bool" ? "int32" : dt, odt);
    if (dt === "bool" || rdt !== dt) err = "any"; // torch refuses a result that does not cast back
    else newVals = viewVals.map((x) => castVal(op === "add_" ? x + o : x * o, "float32", dt));
    if (newVals && dt === "int32") newVals = viewVals.map((x) => (op === "add_" ? (x + o) | 0 : Math.imul(x, o)));
    if (overlapping && err !== "any") err = kd.ValueError;
  }
  if (err === "any") return { family: "inplace", desc, run, expect: { any: true } };
  if (err) return { family: "inplace", desc, run, expect: { error: err } };
  const after = base.data.slice();
  map.forEach((bi, j) => { after[bi] = newVals![j]; });
  return {
    family: "inplace", desc, run,
    expect: {
      any: true,
      strict: true,
      check: (g) => {
        if (g !== view) return "in-place op did not return this";
        return compare(view, { shape: p.r.shape, dtype: dt, data: map.map((i) => after[i]) }) ?? compare(baseT, { shape, dtype: dt, data: after });
      },
    },
  };
}

function getCase(): Case {
  const p = input(randShape(4, 80), randDT(), 0.3);
  const r = p.r;
  const n = r.shape.length;
  const idxs: kd.Index[] = [];
  const count = ri(0, n + 1);
  let ell = false;
  for (let i = 0; i < count; i++) {
    const k = ri(0, 9);
    if (k <= 3) idxs.push(ri(-3, 3));
    else if (k <= 5) idxs.push(`${pick(["", "1", "-1", "0", "2"])}:${pick(["", "2", "-1", "5"])}${pick(["", ":2", ":1", ":0"])}`);
    else if (k === 6) idxs.push(kd.slice(pick([null, 1, -2]), pick([null, 3]), pick([null, 2])));
    else if (k === 7) idxs.push(null);
    else if (k === 8 && (!ell || chance(0.2))) { idxs.push("..."); ell = true; }
    else idxs.push(ri(0, 1));
  }
  const desc = `${p.how}.get(${idxs.map((x) => JSON.stringify(x)).join(", ")})`;
  const run = () => p.t.get(...idxs);
  const E = (c: ErrCls): Case => ({ family: "get", desc, run, expect: { error: c } });
  if (idxs.filter((x) => x === "...").length > 1) return E(kd.IndexError);
  const used = idxs.filter((x) => x !== null && x !== "...").length;
  if (used > n) return E(kd.IndexError);
  let cur = r;
  let dim = 0;
  for (const ix of idxs) {
    if (ix === "...") dim += n - used;
    else if (ix === null) { cur = { ...cur, shape: [...cur.shape.slice(0, dim), 1, ...cur.shape.slice(dim)] }; dim++; }
    else if (typeof ix === "number") {
      const sz = cur.shape[dim];
      if (ix < -sz || ix >= sz) return E(kd.IndexError);
      const ii = ix < 0 ? ix + sz : ix, d = dim, c = cur;
      cur = build(c.shape.filter((_, j) => j !== d), c.dtype, (idx) => at(c, [...idx.slice(0, d), ii, ...idx.slice(d)]));
    } else {
      const sl = typeof ix === "string" ? (() => { const [a, b, c] = ix.split(":"); const num = (x?: string) => (x === undefined || x === "" ? null : Number(x)); return { start: num(a), stop: num(b), step: num(c) }; })() : (ix as kd.Slice);
      const step = sl.step ?? 1;
      if (step <= 0) return E(kd.ValueError);
      const sz = cur.shape[dim], d = dim, c = cur;
      const sel = pythonSlice(sz, sl.start ?? 0, sl.stop ?? sz, step);
      const shape = c.shape.slice();
      shape[d] = sel.length;
      cur = build(shape, c.dtype, (idx) => { const j = idx.slice(); j[d] = sel[idx[d]]; return at(c, j); });
      dim++;
    }
  }
  return { family: "get", desc, run, expect: { value: cur } };
}

function splitCase(): Case {
  const k = ri(0, 4);
  const p = operand(randShape(4, 60), randDT(), 0.3);
  const r = p.r;
  const n = r.shape.length;
  const d = ri(-n - 1, n);
  const w = wrapDim(d, n);
  const piece = (start: number, len: number): Ref => {
    const shape = r.shape.slice();
    shape[w!] = len;
    return build(shape, r.dtype, (idx) => { const j = idx.slice(); j[w!] += start; return at(r, j); });
  };
  const many = (desc: string, run: () => unknown, parts: Ref[]): Case => ({
    family: "split", desc, run,
    expect: { any: true, strict: true, check: (g) => {
      if (!Array.isArray(g) || g.length !== parts.length) return `expected ${parts.length} pieces, got ${Array.isArray(g) ? g.length : String(g)}`;
      for (let i = 0; i < parts.length; i++) { const m = compare(g[i], parts[i]); if (m) return `piece ${i}: ${m}`; }
      return null;
    } },
  });
  if (k === 0) {
    const size = pick([1, 2, 3, 0, -1]);
    const desc = `${p.how}.split(${size}, ${d})`;
    const run = () => p.t.split(size, d);
    if (n === 0 || w === null) return { family: "split", desc, run, expect: { error: kd.IndexError } };
    const sz = r.shape[w];
    if (!(size > 0) && !(size === 0 && sz === 0)) return { family: "split", desc, run, expect: { error: kd.ValueError } };
    const parts: Ref[] = [];
    for (let a = 0; a < sz; a += size) parts.push(piece(a, Math.min(size, sz - a)));
    if (parts.length === 0) parts.push(piece(0, 0));
    return many(desc, run, parts);
  }
  if (k === 1) {
    const chunks = pick([1, 2, 3, 0]);
    const desc = `${p.how}.chunk(${chunks}, ${d})`;
    const run = () => p.t.chunk(chunks, d);
    if (chunks <= 0) return { family: "split", desc, run, expect: { error: kd.ValueError } };
    if (n === 0 || w === null) return { family: "split", desc, run, expect: { error: kd.IndexError } };
    const sz = r.shape[w];
    const size = Math.max(1, Math.ceil(sz / chunks));
    const parts: Ref[] = [];
    for (let a = 0; a < sz; a += size) parts.push(piece(a, Math.min(size, sz - a)));
    // torch: an empty dim gives `chunks` empty pieces
    if (sz === 0) for (let i = 0; i < chunks; i++) parts.push(piece(0, 0));
    return many(desc, run, parts);
  }
  if (k === 2) {
    const desc = `${p.how}.unbind(${d})`;
    const run = () => p.t.unbind(d);
    if (n === 0 || w === null) return { family: "split", desc, run, expect: { error: kd.IndexError } };
    const parts = Array.from({ length: r.shape[w] }, (_, i) => build(r.shape.filter((_, j) => j !== w), r.dtype, (idx) => at(r, [...idx.slice(0, w), i, ...idx.slice(w)])));
    return many(desc, run, parts);
  }
  if (k === 3) {
    const cnt = ri(1, 3);
    const others = Array.from({ length: cnt - 1 }, () => operand(chance(0.9) ? r.shape : [...r.shape, 1], r.dtype, 0.3));
    const all = [p, ...others];
    const sd = ri(-n - 2, n + 1);
    const desc = `stack([${all.map((x) => x.how).join(", ")}], ${sd})`;
    const run = () => kd.stack(all.map((x) => x.t), sd);
    if (all.some((x) => JSON.stringify(x.r.shape) !== JSON.stringify(r.shape))) return { family: "split", desc, run, expect: { error: null } };
    const ws = wrapDim(sd, n + 1);
    if (ws === null) return { family: "split", desc, run, expect: { error: kd.IndexError } };
    const shape = [...r.shape.slice(0, ws), cnt, ...r.shape.slice(ws)];
    return { family: "split", desc, run, expect: { value: build(shape, r.dtype, (idx) => at(all[idx[ws]].r, [...idx.slice(0, ws), ...idx.slice(ws + 1)])) } };
  }
  const sz = n === 0 || w === null ? 0 : r.shape[w];
  const [start, len] = [ri(-sz - 1, sz), ri(-1, sz + 1)];
  const desc = `${p.how}.narrow(${d}, ${start}, ${len})`;
  const run = () => p.t.narrow(d, start, len);
  if (n === 0 || w === null) return { family: "split", desc, run, expect: { error: kd.IndexError } };
  const s = start < 0 ? start + sz : start;
  if (s < 0 || len < 0 || s + len > sz) return { family: "split", desc, run, expect: { error: kd.IndexError } };
  return { family: "split", desc, run, expect: { value: piece(s, len) } };
}

function statsCase(): Case {
  const p = input(randShape(4, 80), chance(0.8) ? "float32" : randDT(), 0.4);
  const r = p.r;
  const n = r.shape.length;
  const op = pick(["var", "std", "logsumexp", "countNonzero", "maxDim", "minDim", "scatterAdd"] as const);
  const d = ri(-Math.max(n, 1), Math.max(n, 1) - 1);
  const w = wrapDim(d, n)!;
  const keepdim = chance(0.3);
  const lane = (oidx: number[]): number[] => {
    // the values along dim w for the output index (dim w dropped unless keepdim)
    if (n === 0) return [r.data[0]];
    const base = keepdim ? oidx.slice() : [...oidx.slice(0, w), 0, ...oidx.slice(w)];
    return Array.from({ length: r.shape[w] }, (_, i) => { const j = base.slice(); j[w] = i; return at(r, j); });
  };
  const outShape = n === 0 ? [] : keepdim ? r.shape.map((s, i) => (i === w ? 1 : s)) : r.shape.filter((_, i) => i !== w);
  if (op === "var" || op === "std") {
    const correction = pick([0, 1, 2]);
    const desc = `${p.how}.${op}({dim: ${d}, keepdim: ${keepdim}, correction: ${correction}})`;
    const run = () => p.t[op]({ dim: d, keepdim, correction });
    if (r.dtype !== "float32") return { family: "stats", desc, run, expect: { error: kd.DTypeError } };
    const value = build(outShape, "float32", (idx) => {
      const v = lane(idx);
      const mean = v.reduce((a, x) => a + x, 0) / v.length;
      const vr = v.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(0, v.length - correction);
      return f32(op === "std" ? Math.sqrt(vr) : vr);
    });
    return { family: "stats", desc, run, expect: { value, tol: { rtol: 1e-5, atol: 1e-6 } } };
  }
  if (op === "logsumexp") {
    const desc = `${p.how}.logsumexp(${d}, ${keepdim})`;
    const run = () => p.t.logsumexp(d, keepdim);
    if (r.dtype !== "float32") return { family: "stats", desc, run, expect: { any: true } };
    const value = build(outShape, "float32", (idx) => {
      const v = lane(idx);
      const mx = v.reduce((a, x) => (x > a ? x : a), -Infinity);
      if (!Number.isFinite(mx)) return v.some(Number.isNaN) ? NaN : mx;
      return f32(mx + Math.log(v.reduce((a, x) => a + Math.exp(x - mx), 0)));
    });
    return { family: "stats", desc, run, expect: { value, tol: { rtol: 1e-5, atol: 1e-6 } } };
  }
  if (op === "countNonzero") {
    const desc = `${p.how}.countNonzero(${d})`;
    const run = () => p.t.countNonzero(d);
    const os = n === 0 ? [] : r.shape.filter((_, i) => i !== w);
    return { family: "stats", desc, run, expect: { value: build(os, "int32", (idx) => (n === 0 ? [r.data[0]] : Array.from({ length: r.shape[w] }, (_, i) => at(r, [...idx.slice(0, w), i, ...idx.slice(w)]))).filter((x) => x !== 0).length) } };
  }
  if (op === "maxDim" || op === "minDim") {
    const max = op === "maxDim";
    const desc = `${p.how}.${max ? "max" : "min"}(${d}, ${keepdim})`;
    const run = () => (max ? p.t.max(d, keepdim) : p.t.min(d, keepdim));
    if (n > 0 && r.shape[w] === 0 && numel(outShape) > 0) return { family: "stats", desc, run, expect: { error: kd.IndexError } };
    const values = build(outShape, r.dtype, (idx) => { const v = lane(idx); return v[extreme(v, max)]; });
    const indices = build(outShape, "int32", (idx) => extreme(lane(idx), max));
    return { family: "stats", desc, run, expect: { any: true, strict: true, check: (g) => {
      const o = g as { values?: unknown; indices?: unknown };
      return compare(o?.values, values) ?? compare(o?.indices, indices);
    } } };
  }
  // scatterAdd(dim, index, src): out = clone; out[..index..] += src
  const ishape = r.shape.map((s, i) => (i === w ? ri(0, 3) : ri(0, s)));
  const src = operand(chance(0.9) ? ishape.map((s) => s + (chance(0.2) ? 1 : 0)) : [...ishape, 1], randDT(), 0.3);
  const size = n === 0 ? 1 : r.shape[w];
  const oob = chance(0.08);
  const ir = build(ishape, "int32", () => (oob ? size : size === 0 ? 0 : ri(-size, size - 1)));
  const it = toTensor(ir);
  const desc = `${p.how}.scatterAdd(${d}, ${JSON.stringify(ir.data)}:${JSON.stringify(ishape)}, ${src.how})`;
  const run = () => p.t.scatterAdd(d, it, src.t);
  const E = (c: ErrCls | null): Case => ({ family: "scatter_add", desc, run, expect: { error: c } });
  if (src.r.shape.length !== ishape.length && !(n === 0 && src.r.shape.length <= 1)) return E(kd.ShapeError);
  if (ishape.some((s, i) => s > (src.r.shape[i] ?? 1))) return E(kd.ShapeError);
  if (numel(ishape) > 0 && ir.data.some((x) => x < -size || x >= size)) return E(kd.IndexError);
  if (ir.data.some((x) => x < -size || x >= size)) return E(kd.IndexError);
  if (n === 0) return { family: "scatter_add", desc, run, expect: { any: true } };
  const out = r.data.slice();
  const st = stridesOf(r.shape);
  for (let q = 0; q < numel(ishape); q++) {
    const ix = unravel(q, ishape);
    const v = ir.data[q];
    const j = ix.slice();
    j[w] = v < 0 ? v + size : v;
    const off = j.reduce((a, x, i) => a + x * st[i], 0);
    const sv = castVal(at(src.r, ix), src.r.dtype, r.dtype);
    out[off] = r.dtype === "float32" ? f32(out[off] + sv) : r.dtype === "int32" ? (out[off] + sv) | 0 : out[off] || sv ? 1 : 0;
  }
  return { family: "scatter_add", desc, run, expect: { value: { ...r, data: out } } };
}

// ---- nn / cv ops with random (often invalid) arguments: no trap, typed errors ----------------

const SMALL_BAD = [0, 1, 2, 3, -1, 1.5, NaN, 2 ** 40, 100, 1e9, 2 ** 31 - 1];
const pairArg = () => (chance(0.7) ? pick([1, 1, 2, 3, 0, -1]) : chance(0.5) ? [pick(SMALL_BAD), pick([1, 2])] as [number, number] : pick(SMALL_BAD));
function cvCase(): Case {
  const F = kd.nn.functional as unknown as Record<string, (...a: unknown[]) => unknown>;
  const nd = pick([4, 4, 4, 3, 2, 5]);
  const shape = Array.from({ length: nd }, (_, i) => (i === 0 && nd === 4 ? ri(1, 2) : chance(0.05) ? 0 : ri(1, 6)));
  const x = operand(shape, chance(0.9) ? "float32" : randDT(), 0.3);
  const C = shape[nd === 4 ? 1 : 0] ?? 1;
  const k = ri(0, 10);
  const any = (desc: string, run: () => unknown): Case => ({ family: "nn", desc, run: () => { const r = run(); touch(r); return r; }, expect: { any: true } });
  const desc0 = x.how;
  if (k <= 1) {
    const groups = pick([1, 1, 1, 2, 3, 0]);
    const oc = pick([1, 2, 4, 3]);
    const wshape = chance(0.9) ? [oc, Math.max(1, Math.floor(C / Math.max(groups, 1))) + (chance(0.1) ? 1 : 0), chance(0.05) ? 0 : ri(1, 3), ri(1, 3)] : [oc, C, 2];
    const w = operand(wshape, "float32", 0.2);
    const bias = chance(0.5) ? toTensor(randRef([chance(0.9) ? oc : oc + 1], "float32")) : null;
    const opts = { stride: pairArg(), padding: chance(0.15) ? pick(["same", "valid", "bad"]) : pairArg(), dilation: pairArg(), groups };
    const tr = k === 1;
    const o2 = tr ? { ...opts, padding: chance(0.9) ? pairArg() : opts.padding, outputPadding: chance(0.3) ? pairArg() : 0 } : opts;
    return any(`${tr ? "convTranspose2d" : "conv2d"}(${desc0}, ${w.how}, bias ${bias !== null}, ${JSON.stringify(o2)})`, () => F[tr ? "convTranspose2d" : "conv2d"](x.t, w.t, bias, o2));
  }
  if (k === 2) {
    const o = { stride: chance(0.3) ? null : pairArg(), padding: pairArg(), dilation: pairArg(), ceilMode: chance(0.3), returnIndices: chance(0.3) };
    const ks = pairArg();
    return any(`maxPool2d(${desc0}, ${JSON.stringify(ks)}, ${JSON.stringify(o)})`, () => F.maxPool2d(x.t, ks, o));
  }
  if (k === 3) {
    const o = { stride: chance(0.3) ? null : pairArg(), padding: pairArg(), ceilMode: chance(0.3), countIncludePad: chance(0.5), divisorOverride: chance(0.2) ? pick([0, -1, 2, 1.5]) : null };
    const ks = pairArg();
    return any(`avgPool2d(${desc0}, ${JSON.stringify(ks)}, ${JSON.stringify(o)})`, () => F.avgPool2d(x.t, ks, o));
  }
  if (k === 4) {
    const os = chance(0.8) ? pairArg() : pick([[null, 2], [2, null], [0, 0]]);
    return any(`adaptiveAvgPool2d(${desc0}, ${JSON.stringify(os)})`, () => F.adaptiveAvgPool2d(x.t, os));
  }
  if (k === 5) {
    const pads = Array.from({ length: pick([2, 4, 6, 1, 8]) }, () => pick([0, 1, 2, -1, -3, 5, 1.5]));
    const mode = pick(["constant", "reflect", "replicate", "circular", "bogus"]);
    return any(`pad(${desc0}, ${JSON.stringify(pads)}, ${mode})`, () => F.pad(x.t, pads, mode, pick([0, 1.5, NaN])));
  }
  if (k === 6) {
    const mode = pick(["nearest", "nearest-exact", "linear", "bilinear", "area", "bicubic"]);
    const o = chance(0.5) ? { size: chance(0.8) ? pick([1, 2, 5, 0, -1, 1.5]) : [2, 3, 4], mode } : { scaleFactor: pick([0.5, 2, 1.5, 0, -1, NaN, 1e-9, 1e9]), mode };
    return any(`interpolate(${desc0}, ${JSON.stringify(o)})`, () => F.interpolate(x.t, o));
  }
  if (k === 7) {
    const num = ri(0, 5), dim = ri(1, 4);
    const w = toTensor(randRef([num, dim], "float32"));
    const ir = build(randShape(3, 12), "int32", () => (chance(0.1) ? pick([num, -num - 1, 2 ** 31 - 1]) : num ? ri(-num, num - 1) : 0));
    const idx = toTensor(chance(0.9) ? ir : castRef(ir, "float32"));
    const o = { paddingIdx: chance(0.3) ? pick([0, -1, num, null]) : null, maxNorm: chance(0.2) ? pick([1, 0, -1]) : null };
    return any(`embedding(${JSON.stringify(ir.shape)}, [${num}, ${dim}], ${JSON.stringify(o)})`, () => F.embedding(idx, w, o));
  }
  if (k === 8) {
    const which = pick(["layerNorm", "groupNorm", "batchNorm"]);
    if (which === "layerNorm") {
      const ns = chance(0.8) ? shape.slice(ri(0, nd)) : [7];
      return any(`layerNorm(${desc0}, ${JSON.stringify(ns)})`, () => F.layerNorm(x.t, ns));
    }
    if (which === "groupNorm") {
      const g = pick([1, 2, 3, 0, -1, C]);
      return any(`groupNorm(${desc0}, ${g})`, () => F.groupNorm(x.t, g));
    }
    const rm = chance(0.7) ? toTensor(randRef([chance(0.9) ? C : C + 1], "float32")) : null;
    const rv = rm ? toTensor(randRef(rm.shape as number[], "float32").data.length ? { shape: rm.shape as number[], dtype: "float32", data: (rm.shape as number[]).length ? Array(numel(rm.shape)).fill(1) : [] } : randRef([0], "float32")) : null;
    const training = chance(0.5) || !rm;
    return any(`batchNorm(${desc0}, rm ${rm?.shape}, training ${training})`, () => F.batchNorm(x.t, rm, rv, null, null, { training }));
  }
  // losses
  const n = ri(0, 4), c = ri(1, 5);
  const logits = toTensor(randRef(chance(0.9) ? [n, c] : [n, c, 2], "float32"));
  const tr = build([chance(0.9) ? n : n + 1], "int32", () => (chance(0.1) ? pick([c, -1, -100, 2 ** 31 - 1]) : ri(0, c - 1)));
  const target = toTensor(chance(0.9) ? tr : castRef(tr, "float32"));
  const o = { reduction: pick(["mean", "sum", "none", "bad"]), ignoreIndex: chance(0.2) ? pick([-100, 0, 1]) : undefined, labelSmoothing: chance(0.2) ? pick([0.1, 1.5, -0.1]) : undefined };
  const fn = pick(["crossEntropy", "nllLoss"]);
  return any(`${fn}([${n},${c}], ${JSON.stringify(tr.data)}, ${JSON.stringify(o)})`, () => F[fn](logits, target, o));
}
function touch(r: unknown): void {
  // read every tensor a call returns, so a bad result shape or offset shows here
  if (r instanceof kd.Tensor) { const d = r.dataSync(); if (d.length !== r.numel()) throw new Error(`dataSync length ${d.length} != numel ${r.numel()}`); }
  else if (Array.isArray(r)) r.forEach(touch);
}

const FAMILIES: [number, () => Case][] = [
  [18, unaryCase], [24, binaryCase], [16, reduceCase], [16, shapeCase], [8, matmulCase], [6, catCase],
  [8, indexCase], [6, creationCase], [8, miscCase], [3, disposedCase], [6, inplaceCase], [5, getCase],
  [5, splitCase], [6, statsCase], [8, cvCase],
];
const TOTAL_W = FAMILIES.reduce((a, f) => a + f[0], 0);
function randomCase(): Case {
  let x = rnd() * TOTAL_W;
  for (const [w, f] of FAMILIES) { if ((x -= w) < 0) return f(); }
  return FAMILIES[0][1]();
}

const isTrap = (e: unknown) => e instanceof WebAssembly.RuntimeError || (!(e instanceof kd.KindlingError) && /unreachable|memory access out of bounds|RuntimeError/.test(String(e)));

describe("fuzz", () => {
  it("its references follow the engine's op lists and dtype rules", () => {
    expect(UN_OPS.length).toBeGreaterThan(20);
    expect(BIN_OPS.length).toBeGreaterThan(15);
    for (const n of Object.keys(UNARY_KEEP)) expect(RULE[n], n).toBe("keeps_int");
    for (const n of Object.keys(UNARY_F)) expect(RULE[n], n).toBe("float");
    for (const n of Object.keys(CMP)) expect(RULE[n], n).toBe("compare");
    const skipped = [...UNARY_OPS, ...BINARY_OPS].map(camelName).filter((n) => !UN_OPS.includes(n) && !BIN_OPS.includes(n));
    console.log(`fuzz: no JS reference (not fuzzed): ${skipped.join(", ") || "none"}`);
  });
  it(`${CALLS} random calls (seed ${SEED}) return correct results or typed errors`, () => {
    console.log(`[fuzz] seed ${SEED} (KD_FUZZ_SEED), ${CALLS} calls (KD_FUZZ_CALLS)`);
    const t0 = Date.now();
    const failures: string[] = [];
    const stats: Record<string, { ok: number; err: number }> = {};
    const base = kd.memory();
    let calls = 0;
    for (let c = 0; c < CALLS; c++) {
      let desc = "(generating)";
      let dead: string | null = null;
      kd.tidy(() => {
        let cs: Case;
        try {
          cs = randomCase();
        } catch (e) {
          // building inputs must never fail
          failures.push(`#${c} input generation failed: ${String(e)}`);
          if (isTrap(e)) dead = String(e);
          return;
        }
        desc = cs.desc;
        calls++;
        const st = (stats[cs.family] ??= { ok: 0, err: 0 });
        let got: unknown, err: unknown;
        try {
          got = cs.run();
        } catch (e) {
          err = e;
        }
        const fail = (msg: string) => failures.push(`#${c} [${cs.family}] ${cs.desc}: ${msg}`);
        const ex = cs.expect;
        if (err !== undefined) {
          st.err++;
          if (isTrap(err)) { dead = String(err); fail(`TRAP ${String(err)}`); return; }
          if (!(err instanceof kd.KindlingError)) fail(`untyped error ${String(err)}`);
          else if ("value" in ex || ("strict" in ex && ex.strict)) fail(`unexpected ${(err as Error).name}: ${(err as Error).message}`);
          else if ("error" in ex && ex.error && !(err instanceof ex.error)) fail(`expected ${ex.error.name}, got ${(err as Error).name}: ${(err as Error).message}`);
          return;
        }
        st.ok++;
        try {
          if ("error" in ex) fail(`expected ${ex.error?.name ?? "an error"}, got a result${got instanceof kd.Tensor ? ` ${JSON.stringify(got.shape)} ${got.dtype}` : ` ${String(got)}`}`);
          else if ("value" in ex) { const m = compare(got, ex.value, ex.tol); if (m) fail(m); }
          else if (ex.check) { const m = ex.check(got); if (m) fail(m); }
        } catch (e) {
          if (isTrap(e)) dead = String(e);
          fail(`reading the result threw ${String(e)}`);
        }
      });
      // the engine must still be alive after every call
      try {
        const ok = kd.tidy(() => kd.tensor([1]).add(1).item());
        if (ok !== 2) dead = `liveness check returned ${ok}`;
      } catch (e) {
        dead = String(e);
      }
      if (dead) {
        failures.push(`#${c} ENGINE DEAD after ${desc}: ${dead}`);
        break;
      }
    }
    const ms = Date.now() - t0;
    console.log(`[fuzz] ${calls} calls in ${ms} ms; per family ok/error:`, JSON.stringify(stats));
    const after = kd.memory();
    console.log(`[fuzz] live tensors ${base.liveTensors} -> ${after.liveTensors}, wasm ${(after.wasmBytes / 2 ** 20).toFixed(1)} MiB`);
    if (failures.length) console.log(`[fuzz] ${failures.length} failures (seed ${SEED}):\n` + failures.slice(0, 40).join("\n"));
    expect(failures.slice(0, 40)).toEqual([]);
    expect(calls).toBeGreaterThanOrEqual(Math.min(CALLS, 5000));
    // the test disposes what it creates
    expect(after.liveTensors).toBeLessThanOrEqual(base.liveTensors + 2);
  });
});
