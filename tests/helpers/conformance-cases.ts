// Runs the PyTorch conformance cases of tests/fixtures/ops.json (scripts/gen_fixtures.py) against
// a Kindling module passed in: the TypeScript sources in Node (tests/conformance.test.ts) or the
// built dist/index.js inside Chromium (tests/browser-conformance.test.ts, via tests/browser/).
// No vitest and no engine import here, so a browser page can bundle it: each case returns its
// first failure as text, or null when it passes.
//
// Tolerance policy (|actual - expected| <= atol + rtol * |expected|, per element):
//   - int32 and bool outputs: exact, whatever the op.
//   - "exact" float ops (shape ops, indexing, max/min, where, casts, comparisons): exact.
//   - "elementwise" (+ - * /, clamp, floor..., arange, linspace): rtol 1e-6, atol 1e-7.
//     IEEE ops are correctly rounded on both sides; the slack covers the 8-significant-digit
//     rounding of the fixture and arange/linspace computing in double vs float.
//   - "transcendental" (exp, log, sin, erf, pow, atan2, gelu...): rtol 1e-5, atol 1e-6
//     (a few ulp: the two sides use different libm implementations).
//   - "reduction" and "matmul" (sum, mean, var, prod, logsumexp, softmax, scatter_add, GEMM),
//     with K the number of terms per output: rtol 1e-5 + 2e-6·√K, atol 1e-6·√K. Summation
//     order differs (torch: cascade sums in float; Kindling: f64 accumulation or a blocked
//     FMA GEMM), and the error of a K-term float sum of O(1) values grows as √K.
//   - NaN must match NaN and ±Infinity must match exactly in every class.
// Errors: the thrown error must be an instance of the named kd error class.
// Random factories: shape, dtype, range, and mean/std within the bounds the case states.
import type * as KD from "../../ts/index.js";
import type { Tensor } from "../../ts/index.js";
import { applyView, type ViewStep } from "./view-recipe.js";
import { decodeValue, mismatches } from "./fixture-values.js";

type Kd = typeof KD;
type DT = "float32" | "int32" | "bool";
type Num = number | string;
export interface TensorSpec { values: Num[]; shape: number[]; dtype: DT; view?: ViewStep[] }
interface Stats {
  shape: number[]; dtype: DT; min: number | null; max: number | null; integer: boolean;
  mean: number; mean_tol: number; std: number; std_tol: number;
}
export interface Case {
  name: string; op: string; inputs: TensorSpec[]; args: Record<string, any>;
  tol?: "exact" | "elementwise" | "transcendental" | "reduction" | "matmul"; k?: number;
  out?: TensorSpec[]; error?: string; stats?: Stats;
}
export interface Fixture { torch: string; seed: number; cases: Case[] }
/** The engine's unary and binary op names (ts/tensor.ts UNARY_OPS / BINARY_OPS). */
export interface OpLists { unary: readonly string[]; binary: readonly string[] }

/** Known, documented deviations from torch: case name -> reason. */
export const DEVIATIONS: Record<string, string> = {
  // torch.sign(NaN) is 0 (pytorch/pytorch#41245, open); Kindling propagates NaN as NumPy does.
  "sign/special": "sign(NaN) is NaN in Kindling, 0 in torch (pytorch#41245)",
};

/**
 * Kindling bugs found by this suite that belong to code another owner is changing; each is
 * skipped (a wasm trap would take the engine down for the cases after it) until fixed there.
 */
export const KNOWN_BUGS: Record<string, string> = {};

/** The cases that must pass (all but the deviations and known bugs). */
export const checkedCases = (f: Fixture) => f.cases.filter((c) => !DEVIATIONS[c.name] && !KNOWN_BUGS[c.name]);

/** A failed check: stops the case, as a failed expect() would. */
class Failure extends Error {}
function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Failure(message);
}
const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const dec = decodeValue;

type Out = Tensor | Tensor[] | { values: Tensor; indices: Tensor };
type OpFn = (x: Tensor[], a: Record<string, any>) => Out;

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function tolerance(c: Case): [number, number] | null {
  const sk = Math.sqrt(Math.max(1, c.k ?? 1));
  switch (c.tol) {
    case "elementwise": return [1e-6, 1e-7];
    case "transcendental": return [1e-5, 1e-6];
    case "reduction":
    case "matmul": return [1e-5 + 2e-6 * sk, 1e-6 * sk];
    default: return null; // exact
  }
}

/**
 * A function that runs one case against `kd`, its inputs created on `device`, and resolves to its
 * first failure, or null. Outputs are read with await t.data(), so any device can run it.
 */
/** `record`, when given, sees every output's bytes (tests comparing runs bit for bit). */
export type OutputRecorder = (name: string, index: number, bytes: Uint8Array) => void;

export function conformanceRunner(kd: Kd, opLists: OpLists, seed: number, device: KD.Device = "cpu", record?: OutputRecorder): (c: Case) => Promise<string | null> {
  /** The input a spec describes, then its view recipe (applied to `base` instead, when given). */
  function build(spec: TensorSpec, base?: Tensor): Tensor {
    let t = base;
    if (!t) {
      const vals = spec.values.map(dec) as number[];
      const typed = spec.dtype === "float32" ? Float32Array.from(vals) : spec.dtype === "int32" ? Int32Array.from(vals) : Uint8Array.from(vals);
      t = kd.tensor(typed, { dtype: spec.dtype, device }).reshape(spec.shape);
    }
    return applyView(t, spec.view);
  }

  /** Reduction options as the methods take them: (dim, keepdim) positionally. */
  const red = (name: string): OpFn => (x, a) => (x[0] as any)[camel(name)](a.dim ?? null, a.keepdim ?? false);

  /** Index items for t.get(): {"input": k} is the k-th extra input tensor. */
  const index = (x: Tensor[], items: any[]) => items.map((i) => (i !== null && typeof i === "object" && "input" in i ? x[i.input] : i));

  function varStd(t: Tensor, op: "var" | "std", a: Record<string, any>): Tensor {
    if (a.unbiased !== undefined) return t[op]({ dim: a.dim, keepdim: a.keepdim, unbiased: a.unbiased });
    if (a.correction === undefined) return a.dim === undefined ? t[op]() : t[op](a.dim, a.keepdim ?? false);
    return t[op]({ dim: a.dim ?? undefined, keepdim: a.keepdim ?? false, correction: a.correction });
  }

  const OPS: Record<string, OpFn> = {
    // creation
    tensor: (_, a) => kd.tensor(a.data, a.dtype ? { dtype: a.dtype } : {}),
    zeros: (_, a) => kd.zeros(a.shape, a.dtype ? { dtype: a.dtype } : {}),
    ones: (_, a) => kd.ones(a.shape, a.dtype ? { dtype: a.dtype } : {}),
    full: (_, a) => kd.full(a.shape, a.value, a.dtype ? { dtype: a.dtype } : {}),
    arange: (_, a) => (kd.arange as any)(...a.args, ...(a.dtype ? [{ dtype: a.dtype }] : [])),
    linspace: (_, a) => kd.linspace(a.start, a.end, a.steps),
    eye: (_, a) => (a.m === undefined ? kd.eye(a.n, a.dtype ? { dtype: a.dtype } : {}) : kd.eye(a.n, a.m, a.dtype ? { dtype: a.dtype } : {})),
    zeros_like: (x, a) => kd.zerosLike(x[0], a.dtype ? { dtype: a.dtype } : {}),
    ones_like: (x, a) => kd.onesLike(x[0], a.dtype ? { dtype: a.dtype } : {}),
    full_like: (x, a) => kd.fullLike(x[0], a.value, a.dtype ? { dtype: a.dtype } : {}),
    rand: (_, a) => kd.rand(a.shape),
    randn: (_, a) => kd.randn(a.shape),
    randint: (_, a) => (a.low === undefined ? kd.randint(a.high, a.shape) : kd.randint(a.low, a.high, a.shape)),
    randperm: (_, a) => kd.randperm(a.n),
    rand_like: (_, a) => kd.randLike(kd.zeros(a.shape)),
    randn_like: (_, a) => kd.randnLike(kd.zeros(a.shape)),
    randint_like: (_, a) => kd.randintLike(kd.zeros(a.shape), a.low, a.high),
    empty: (_, a) => kd.empty(a.shape),
    empty_like: (_, a) => kd.emptyLike(kd.zeros(a.shape), { dtype: a.dtype }),
    from_typed_array: (_, a) => kd.fromTypedArray(Float32Array.from(a.data), a.shape),

    // in place (the result is the mutated tensor)
    add_: (x, a) => x[0].add_(x.length > 1 ? x[1] : a.scalar, a.alpha ?? 1),
    sub_: (x, a) => x[0].sub_(x.length > 1 ? x[1] : a.scalar, a.alpha ?? 1),
    mul_: (x, a) => x[0].mul_(x.length > 1 ? x[1] : a.scalar),
    div_: (x, a) => x[0].div_(x.length > 1 ? x[1] : a.scalar),
    clamp_: (x, a) => x[0].clamp_(a.min, a.max),
    fill_: (x, a) => x[0].fill_(a.value),
    zero_: (x) => x[0].zero_(),
    copy_: (x) => x[0].copy_(x[1]),
    view_inplace: (x, a) => {
      const v = build({ values: [], shape: [], dtype: "float32", view: a.view }, x[0]);
      (v as any)[a.method](...(a.scalar === null ? [] : [a.scalar]));
      return x[0];
    },

    // functional forms and aliases
    fn_unary: (x, a) => (kd as any)[camel(a.name)](x[0]),
    fn_binary: (x, a) => (kd as any)[camel(a.name)](x[0], x.length > 1 ? x[1] : a.scalar),
    fn_matmul: (x) => kd.matmul(x[0], x[1]),
    fn_clamp: (x, a) => kd.clamp(x[0], a.min, a.max),
    concat: (x, a) => kd.concat(x, a.dim),
    concatenate: (x, a) => kd.concatenate(x, a.dim),
    item: (x) => kd.tensor([x[0].item() as number], { dtype: x[0].dtype }),
    tolist: (x) => kd.tensor(x[0].tolist(), { dtype: x[0].dtype }),

    // elementwise extras
    gelu: (x, a) => x[0].gelu(a.approximate),
    leaky_relu: (x, a) => (a.slope === undefined ? x[0].leakyRelu() : x[0].leakyRelu(a.slope)),
    clamp: (x, a) => x[0].clamp(a.min, a.max),
    clip: (x, a) => kd.clamp(x[0], a.min, a.max),
    rsub: (x, a) => x[0].rsub(x.length > 1 ? x[1] : a.scalar),
    rdiv: (x, a) => x[0].rdiv(x.length > 1 ? x[1] : a.scalar),
    binary_reverse: (x, a) => x[0].binary(a.name, a.scalar, true),
    subtract: (x) => x[0].subtract(x[1]),
    multiply: (x) => x[0].multiply(x[1]),
    divide: (x) => x[0].divide(x[1]),
    negative: (x) => x[0].negative(),
    // a and b are tensors from the inputs in order, or the numbers in args.a / args.b
    where: (x, a) => kd.where(x[0], a.a ?? x[1], a.b ?? x[a.a !== undefined ? 1 : 2]),
    tensor_where: (x, a) => x[0].where(x[1], a.other !== undefined ? a.other : x[2]),
    masked_fill: (x, a) => x[0].maskedFill(x[1], a.value),

    // reductions
    sum: red("sum"), mean: red("mean"), prod: red("prod"), amax: red("amax"), amin: red("amin"),
    argmax: red("argmax"), argmin: red("argmin"), all: red("all"), any: red("any"),
    logsumexp: (x, a) => x[0].logsumexp(a.dim, a.keepdim ?? false),
    count_nonzero: (x, a) => x[0].countNonzero(a.dim ?? null),
    var: (x, a) => varStd(x[0], "var", a),
    std: (x, a) => varStd(x[0], "std", a),
    max: (x) => x[0].max(),
    min: (x) => x[0].min(),
    max_dim: (x, a) => x[0].max(a.dim, a.keepdim),
    min_dim: (x, a) => x[0].min(a.dim, a.keepdim),

    // linear algebra, softmax, casts
    matmul: (x) => x[0].matmul(x[1]),
    mm: (x) => x[0].mm(x[1]),
    softmax: (x, a) => x[0].softmax(a.dim),
    log_softmax: (x, a) => x[0].logSoftmax(a.dim),
    fn_softmax: (x, a) => kd.softmax(x[0], a.dim),
    fn_log_softmax: (x, a) => kd.logSoftmax(x[0], a.dim),
    to: (x, a) => x[0].to(a.dtype),
    float: (x) => x[0].float(),
    int: (x) => x[0].int(),
    bool: (x) => x[0].bool(),

    // shape ops
    reshape: (x, a) => x[0].reshape(a.shape),
    view: (x, a) => x[0].view(a.shape),
    flatten: (x, a) => (a.start === undefined ? x[0].flatten() : x[0].flatten(a.start, a.end)),
    unflatten: (x, a) => x[0].unflatten(a.dim, a.sizes),
    squeeze: (x, a) => x[0].squeeze(a.dim),
    unsqueeze: (x, a) => x[0].unsqueeze(a.dim),
    permute: (x, a) => x[0].permute(a.dims),
    transpose: (x, a) => x[0].transpose(a.dim0, a.dim1),
    t: (x) => x[0].t(),
    mT: (x) => x[0].mT,
    expand: (x, a) => x[0].expand(a.sizes),
    expand_as: (x) => x[0].expandAs(x[1]),
    view_as: (x) => x[0].viewAs(x[1]),
    reshape_as: (x) => x[0].reshapeAs(x[1]),
    contiguous: (x) => x[0].contiguous(),
    clone: (x) => x[0].clone(),
    cat: (x, a) => kd.cat(x, a.dim),
    stack: (x, a) => kd.stack(x, a.dim),
    split: (x, a) => x[0].split(a.size, a.dim),
    chunk: (x, a) => x[0].chunk(a.chunks, a.dim),
    unbind: (x, a) => x[0].unbind(a.dim),
    narrow: (x, a) => x[0].narrow(a.dim, a.start, a.length),
    select: (x, a) => x[0].select(a.dim, a.index),
    slice: (x, a) => x[0].slice(a.dim, a.start, a.end, a.step),
    get: (x, a) => x[0].get(...index(x, a.indices)),
    index_select: (x, a) => x[0].indexSelect(a.dim, x[1]),
    gather: (x, a) => x[0].gather(a.dim, x[1]),
    scatter_add: (x, a) => x[0].scatterAdd(a.dim, x[1], x[2]),
  };
  // Unary and binary ops by their engine names: the methods generated from the op lists.
  for (const n of opLists.unary) OPS[n] = (x) => (x[0] as any)[camel(n)]();
  for (const n of opLists.binary) OPS[n] = (x, a) => (x[0] as any)[camel(n)](x.length > 1 ? x[1] : a.scalar);

  const ERRORS: Record<string, new (...a: any[]) => Error> = {
    ShapeError: kd.ShapeError, IndexError: kd.IndexError, DTypeError: kd.DTypeError, ValueError: kd.ValueError,
  };

  function outputs(o: Out): Tensor[] {
    if (Array.isArray(o)) return o;
    if (o instanceof kd.Tensor) return [o];
    return [o.values, o.indices];
  }

  async function compare(c: Case, got: Tensor, want: TensorSpec, which: number) {
    const where = `${c.name} output ${which}`;
    check(sameList(got.shape, want.shape), `${where}: shape [${got.shape}], torch [${want.shape}]`);
    check(got.dtype === want.dtype, `${where}: dtype ${got.dtype}, torch ${want.dtype}`);
    const tol = want.dtype === "float32" ? tolerance(c) : null;
    const bad = mismatches(await got.data(), want.values, { rtol: tol?.[0] ?? 0, atol: tol?.[1] ?? 0, float32: want.dtype === "float32" });
    const how = tol ? `rtol ${tol[0].toExponential(1)} atol ${tol[1].toExponential(1)}` : "exact";
    check(bad.length === 0, `${where}: values (tolerance ${how}): ${bad.join("; ")}`);
  }

  async function checkStats(c: Case, t: Tensor) {
    const s = c.stats!;
    check(sameList(t.shape, s.shape), `${c.name}: shape [${t.shape}], expected [${s.shape}]`);
    check(t.dtype === s.dtype, `${c.name}: dtype ${t.dtype}, expected ${s.dtype}`);
    const v = Array.from((await t.data()) as ArrayLike<number>);
    if (v.length === 0) return;
    const min = Math.min(...v);
    const max = Math.max(...v);
    if (s.min !== null) check(min >= s.min, `${c.name}: min ${min} below ${s.min}`);
    if (s.max !== null) {
      if (s.integer) check(max <= s.max, `${c.name}: max ${max} above ${s.max}`);
      else check(max < s.max, `${c.name}: max ${max} not below ${s.max}`);
    }
    if (s.integer) check(v.every(Number.isInteger), `${c.name}: non-integer values`);
    if (c.op === "randperm") check(sameList([...v].sort((a, b) => a - b), v.map((_, i) => i)), `${c.name}: not a permutation`);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
    check(Math.abs(mean - s.mean) <= s.mean_tol, `${c.name}: mean ${mean}, expected ${s.mean} ± ${s.mean_tol}`);
    check(Math.abs(std - s.std) <= s.std_tol, `${c.name}: std ${std}, expected ${s.std} ± ${s.std_tol}`);
  }

  async function run(c: Case) {
    const fn = OPS[c.op];
    check(fn !== undefined, `${c.name}: no Kindling mapping for fixture op "${c.op}"`);
    await kd.tidy(async () => {
      const x = c.inputs.map((spec) => build(spec));
      const args = dec(c.args ?? {});
      if (c.error) {
        let thrown: unknown = null;
        try {
          // a device reports what it finds in the data (an out-of-range index) at the next read
          for (const t of outputs(fn(x, args))) await t.data();
        } catch (e) {
          thrown = e;
        }
        check(thrown !== null, `${c.name}: expected kd.${c.error}, nothing was thrown`);
        const cls = ERRORS[c.error];
        check(cls !== undefined && thrown instanceof cls, `${c.name}: expected kd.${c.error}, got ${String(thrown)}`);
        return;
      }
      if (c.stats) {
        kd.manualSeed(seed);
        await checkStats(c, fn(x, args) as Tensor);
        return;
      }
      const got = outputs(fn(x, args));
      check(got.length === c.out!.length, `${c.name}: number of outputs ${got.length}, torch ${c.out!.length}`);
      for (let i = 0; i < got.length; i++) {
        if (record) {
          const d = (await got[i].data()) as unknown as ArrayBufferView;
          record(c.name, i, new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice());
        }
        await compare(c, got[i], c.out![i], i);
      }
    });
  }

  return async (c) => {
    try {
      await run(c);
      return null;
    } catch (e) {
      if (e instanceof Failure) return e.message;
      const err = e as Error;
      return `${c.name}: threw ${err?.name ?? "error"}: ${err?.message ?? String(e)}`;
    }
  };
}
