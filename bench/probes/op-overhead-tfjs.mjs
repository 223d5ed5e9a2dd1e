// tfjs-backend-wasm's (SIMD, 1 thread) fixed cost of the same small ops: µs per op with
// dispose() and, as tf.js code does without dispose, under tf.tidy per 1,000 ops. Prints RESULT.
import { tf } from "./tfjs-setup.mjs";
import { CASES, timeDispose, timeNoDispose } from "./op-overhead-cases.mjs";

const only = process.argv[2] ? process.argv[2].split(",") : null;
const us = {};
for (const c of CASES) {
  if (only && !only.some((o) => c.name.startsWith(o))) continue;
  const run = c.tf(tf);
  us[c.name] = { dispose: timeDispose(run), noDispose: await timeNoDispose(run, { scope: (fn) => tf.tidy(fn) }) };
}
console.log("RESULT " + JSON.stringify({ backend: tf.getBackend(), us }));
