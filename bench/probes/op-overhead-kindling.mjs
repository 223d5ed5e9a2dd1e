// Kindling's fixed cost of a small op through the public API: µs per op with dispose() and
// without (the collector backstop frees results). Prints RESULT {us: {case: {dispose, noDispose}}}.
import * as kd from "../../dist/index.js";
import { CASES, timeDispose, timeNoDispose } from "./op-overhead-cases.mjs";

const only = process.argv[2] ? process.argv[2].split(",") : null;
const us = {};
for (const c of CASES) {
  if (only && !only.some((o) => c.name.startsWith(o))) continue;
  const run = c.kd(kd);
  us[c.name] = { dispose: timeDispose(run), noDispose: await timeNoDispose(run) };
}
console.log("RESULT " + JSON.stringify({ variant: kd.getEngine().variant, threads: kd.getNumThreads(), us }));
