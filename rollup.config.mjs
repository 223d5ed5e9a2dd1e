// ESM that runs in Node and in browsers: dist/index.js (the library), dist/worker.js (the
// kd.worker engine entry) and dist/core.js (the code both share, so a module a worker imports
// gets the same registry and engine as the worker itself). The runtime picks fs or fetch to load
// the .wasm files beside them; node: modules are only imported dynamically, never bundled.
// Minified with esbuild, class names kept (module reprs and typed errors use them);
// KINDLING_MINIFY=0 builds readable output.
import typescript from "@rollup/plugin-typescript";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { transform } from "esbuild";

// cli/<name>: the `kindling <name>` commands for installed copies (bin/kindling.mjs; Node only).
const entries = { index: "ts/index.ts", worker: "ts/worker/entry.ts", "cli/report": "ts/cli/report.ts",
  "cli/train": "ts/cli/train.ts", "cli/evaluate": "ts/cli/evaluate.ts", "cli/predict": "ts/cli/predict.ts" };
const entryFiles = Object.values(entries).map((f) => new URL(f, import.meta.url).pathname);

const minify = () => ({
  name: "esbuild-minify",
  async renderChunk(code, chunk) {
    const r = await transform(code, { minify: true, keepNames: true, format: "esm", target: "es2022", sourcemap: true, sourcefile: chunk.fileName });
    return { code: r.code, map: r.map };
  },
});

// Node's entry (package.json exports "node"): the same bundle, loaded after source maps are
// turned on, so a stack trace through the minified code shows ts/ files and lines and Node prints
// the TypeScript line, not a line of minified code. Source maps must be on before a module is
// compiled, hence the dynamic import; its names are re-exported one by one.
const nodeEntry = () => ({
  name: "node-entry",
  generateBundle(_options, bundle) {
    const index = bundle["index.js"];
    const names = index.exports.filter((n) => n !== "default");
    this.emitFile({
      type: "asset",
      fileName: "node.js",
      source: [
        "// Kindling for Node: dist/index.js with source maps on (see rollup.config.mjs).",
        "process.setSourceMapsEnabled?.(true);",
        'const kd = await import("./index.js");',
        `export const { ${names.join(", ")} } = kd;`,
        "",
      ].join("\n"),
    });
  },
});

const plugins = () => [
  nodeResolve({ browser: false, exportConditions: ["import", "default"] }),
  typescript({ tsconfig: "./tsconfig.json" }),
  ...(process.env.KINDLING_MINIFY === "0" ? [] : [minify()]),
];

export default [{
  input: entries,
  output: {
    dir: "dist",
    format: "es",
    sourcemap: true,
    entryFileNames: "[name].js",
    // One fixed name, so rebuilds overwrite it instead of leaving hashed chunks behind.
    // The commands' own helpers (they import node: modules) stay out of core.js, which pages load:
    // left to rollup, they form a chunk of their own that only the commands import (a manual chunk
    // would pull in index.ts, which they import and no manual chunk holds).
    manualChunks: (id) => (entryFiles.includes(id) || /\/ts\/cli\/(shared|args)\.ts$/.test(id) ? undefined : "core"),
    chunkFileNames: "[name].js",
  },
  external: [/^node:/],
  plugins: [...plugins(), nodeEntry()],
}, {
  // kindling/inference (ts/inference.ts): a bundle of its own, one file, so it carries only the
  // modules inference imports (a shared chunk with index.js would carry everything). It has its
  // own engine instance: import it or "kindling" in one program, not both.
  input: { inference: "ts/inference.ts" },
  output: { dir: "dist", format: "es", sourcemap: true, entryFileNames: "[name].js", inlineDynamicImports: true },
  external: [/^node:/],
  plugins: plugins(),
}];
