// Prints the op-support table (markdown) from the engine's own op table, so the README's
// table is generated, never hand-kept. `node scripts/op-table.mjs` (after npm run build).
import * as kd from "../dist/index.js";

const { ops } = kd.getEngine();
// Ops outside the three table-driven families, each with its own ABI entry.
const other = {
  creation: ["tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn", "randint", "randperm", "*_like"],
  "shape and views": ["view", "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose", "expand", "slice", "narrow", "select", "get (indexing)", "contiguous", "clone"],
  indexing: ["cat", "stack", "split", "chunk", "unbind", "index_select", "gather", "scatter_add", "where", "masked_fill"],
  "linear algebra": ["matmul"],
  vision: ["conv2d", "conv_transpose2d", "max_pool2d (indices)", "avg_pool2d", "adaptive_avg_pool2d", "upsample nearest / nearest-exact / bilinear"],
  activation: ["softmax", "log_softmax", "clamp", "leaky_relu", "gelu (tanh)"],
  casts: ["float32", "int32", "bool"],
  "optimizer steps (fused)": ["sgd", "adam / adamw", "rmsprop", "adagrad"],
};
const families = { ...Object.fromEntries(Object.entries(ops).map(([f, m]) => [f, Object.keys(m)])), ...other };
export function opTableMarkdown() {
  let s = "| family | ops | cpu (wasm SIMD) | webgpu |\n|---|---|---|---|\n";
  for (const [fam, names] of Object.entries(families)) {
    s += `| ${fam} | ${names.map((n) => `\`${n}\``).join(", ")} | ✓ | planned |\n`;
  }
  return s;
}
if (import.meta.url === `file://${process.argv[1]}`) console.log(opTableMarkdown());
