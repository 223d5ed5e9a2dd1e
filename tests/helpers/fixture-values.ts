// The one decoder and comparison for PyTorch fixtures (tests/fixtures/*.json), shared by every
// harness: conformance-cases.ts (which a browser page bundles, so this file imports nothing),
// torch-fixture.ts (vitest's expectClose) and autograd.test.ts.
//
// JSON has no NaN or infinities: the generators write them as "nan", "inf" and "-inf".
// Comparison per element: |actual - expected| <= atol + rtol * |expected|; NaN matches only NaN
// and ±Infinity only itself; with rtol = atol = 0 the match is exact (to the float32 value of
// the expected number when float32 is set, since fixtures print 8 significant digits).

export type Num = number | string;

/** "nan" / "inf" / "-inf" back to numbers, recursively through arrays and plain objects. */
export function decodeValue(v: any): any {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeValue(x)]));
  return v;
}

/** One fixture number. */
export const num = (v: Num): number => decodeValue(v) as number;

export interface CloseOptions { rtol: number; atol: number; float32?: boolean; limit?: number }

/** The elements of actual that differ from expected (as "[i] got a, torch e"), at most `limit` (8). */
export function mismatches(actual: ArrayLike<number>, expected: readonly Num[], o: CloseOptions): string[] {
  if (actual.length !== expected.length) return [`numel ${actual.length}, torch ${expected.length}`];
  const exact = o.rtol === 0 && o.atol === 0;
  const bad: string[] = [];
  for (let i = 0; i < expected.length && bad.length < (o.limit ?? 8); i++) {
    const a = actual[i];
    const e = num(expected[i]);
    let ok: boolean;
    if (Number.isNaN(e) || Number.isNaN(a)) ok = Number.isNaN(e) && Number.isNaN(a);
    else if (!Number.isFinite(e) || !Number.isFinite(a)) ok = a === e;
    else if (exact) ok = a === (o.float32 ? Math.fround(e) : e);
    else ok = Math.abs(a - e) <= o.atol + o.rtol * Math.abs(e);
    if (!ok) bad.push(`[${i}] got ${a}, torch ${e}`);
  }
  return bad;
}
