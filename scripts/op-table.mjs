// The README's op-support table, from the engine's op manifest (the spec rows of
// crates/engine/src/ops/spec.rs) plus the hand-written ops, which have their own ABI entries
// and no spec row yet. Written into README.md by scripts/gen-ops.mjs.

// Ops outside the three table-driven families, each with its own ABI entry (hand-kept).
const OTHER = {
  creation: ["tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn", "randint", "randperm", "*_like"],
  "shape and views": ["view", "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose", "expand", "slice", "narrow", "select", "get (indexing)", "contiguous", "clone"],
  indexing: ["cat", "stack", "split", "chunk", "unbind", "index_select", "gather", "scatter_add", "where", "masked_fill"],
  "linear algebra": ["matmul"],
  vision: ["conv2d", "conv_transpose2d", "max_pool2d (indices)", "avg_pool2d", "adaptive_avg_pool2d", "upsample nearest / nearest-exact / bilinear"],
  activation: ["softmax", "log_softmax", "clamp", "leaky_relu"],
  casts: ["float32", "int32", "bool"],
  "optimizer steps (fused)": ["sgd", "adam / adamw", "rmsprop", "adagrad"],
};

// every compute dtype: float32, int32, bool, int64, float64
const cpuVerdict = (dtypes) => (dtypes.length === 5 ? "✓" : `✓ (${dtypes.join(", ")} only)`);
const gpuVerdict = (v) => (Array.isArray(v) ? v.join(", ") : v);

/** Markdown: one line per (family, cpu verdict, webgpu verdict), so each cell is the op's real verdict. */
export function opTableMarkdown(manifest) {
  let s = "| family | ops | cpu (wasm SIMD) | webgpu |\n|---|---|---|---|\n";
  const groups = new Map();
  for (const op of manifest.ops) {
    const cpu = cpuVerdict(op.devices.cpu), gpu = gpuVerdict(op.devices.webgpu);
    const key = `${op.family}\u0000${cpu}\u0000${gpu}`;
    if (!groups.has(key)) groups.set(key, { family: op.family, cpu, gpu, names: [] });
    groups.get(key).names.push(op.name);
  }
  for (const g of groups.values()) s += `| ${g.family} | ${g.names.map((n) => `\`${n}\``).join(", ")} | ${g.cpu} | ${g.gpu} |\n`;
  // No spec rows yet: their CPU kernels exist; the WebGPU backend says what it runs of each
  // family (backend/webgpu/mod.rs FAMILIES).
  for (const [fam, names] of Object.entries(OTHER)) {
    s += `| ${fam} | ${names.map((n) => `\`${n}\``).join(", ")} | ✓ | ${manifest.webgpu_families?.[fam] ?? "not yet"} |\n`;
  }
  return s;
}
