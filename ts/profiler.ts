// kd.profile(fn): where the time goes, per op. Forward ops are timed at the engine boundary
// (each ABI call, named by its op); backward rules are timed inside the engine, per graph node.
//
//   const { result, rows } = kd.profile(() => trainStep());
//   console.table(rows);
import { getEngine, readString, type Abi } from "./runtime/abi.js";
import { OP_CODE_FAMILY } from "./generated/abi.js";

export interface ProfileRow { op: string; phase: "forward" | "backward" | "engine"; calls: number; ms: number; share: number }

export function profile<T>(fn: () => T): { result: T; rows: ProfileRow[]; totalMs: number } {
  const engine = getEngine();
  const abi = engine.abi as unknown as Record<string, unknown>;
  const names: Record<string, string[]> = Object.fromEntries(Object.entries(engine.ops).map(([f, m]) => [f, Object.keys(m)]));
  const acc = new Map<string, { phase: ProfileRow["phase"]; calls: number; ms: number }>();
  const add = (op: string, phase: ProfileRow["phase"], ms: number) => {
    const r = acc.get(op + phase) ?? { phase, calls: 0, ms: 0 };
    r.calls++;
    r.ms += ms;
    acc.set(op + phase, r);
  };
  const originals = new Map<string, (...a: number[]) => number>();
  for (const [k, v] of Object.entries(abi)) {
    if (typeof v !== "function" || !k.startsWith("kd_") || k.startsWith("kd_profile")) continue;
    originals.set(k, v as (...a: number[]) => number);
    abi[k] = (...args: number[]) => {
      const t0 = performance.now();
      const r = (v as (...a: number[]) => number)(...args);
      const fam = OP_CODE_FAMILY[k]; // entries whose first argument is an op code: the row is named after the op
      const op = fam ? names[fam]?.[args[0]] ?? k : k.slice(3);
      add(op, k === "kd_backward" ? "engine" : "forward", performance.now() - t0);
      return r;
    };
  }
  const a = engine.abi as Abi;
  a.kd_profile(1);
  const t0 = performance.now();
  let result: T;
  let totalMs = 0;
  try {
    result = fn();
  } finally {
    totalMs = performance.now() - t0;
    for (const [k, v] of originals) abi[k] = v;
    const n = a.kd_profile_report();
    const text = n > 0 ? readString(a.kd_profile_ptr(), n) : "";
    a.kd_profile(0);
    for (const row of text.split(";").filter(Boolean)) {
      const [op, calls, ms] = row.split(",");
      acc.set(op + "backward", { phase: "backward", calls: Number(calls), ms: Number(ms) });
    }
  }
  const rows = [...acc.entries()]
    .map(([key, r]) => ({ op: key.slice(0, key.length - r.phase.length), phase: r.phase, calls: r.calls, ms: r.ms, share: r.ms / totalMs }))
    .sort((x, y) => y.ms - x.ms);
  return { result: result!, rows, totalMs };
}
