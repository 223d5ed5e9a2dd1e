// Weights holding NaN or Inf usually mean a run diverged before it was saved. Loaders still load
// them (the user may want to inspect them) but say so, in one line naming the tensors.
import type { Tensor } from "../tensor.js";

/** Counts of NaN and infinite values per float tensor (float32, float64, float16) that has any. */
export function nonFinite(tensors: Record<string, Tensor>): { name: string; nan: number; inf: number }[] {
  const out: { name: string; nan: number; inf: number }[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== "float32" && t.dtype !== "float64" && t.dtype !== "float16") continue;
    const v = t.dataSync() as Float32Array | Float64Array;
    let nan = 0, inf = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x - x !== 0) { // NaN and +-Inf only: the one test per value that stays fast
        if (x !== x) nan++;
        else inf++;
      }
    }
    if (nan || inf) out.push({ name, nan, inf });
  }
  return out;
}

/** console.warn one line naming every tensor with NaN/Inf values and how many; silent otherwise. */
export function warnNonFinite(tensors: Record<string, Tensor>, where: string): void {
  const bad = nonFinite(tensors);
  if (!bad.length) return;
  const parts = bad.map(({ name, nan, inf }) => `"${name}" (${[nan && `${nan} NaN`, inf && `${inf} Inf`].filter(Boolean).join(", ")})`);
  console.warn(`${where}: ${bad.length} tensor(s) hold NaN or Inf values, loaded anyway: ${parts.join(", ")}`);
}
