// `npm run demo:web`: builds the browser demo (examples/web) into dist/web and serves dist/ on
// 127.0.0.1 with the COOP/COEP headers that make the page cross-origin isolated. The page loads
// the library from dist/index.js, so the worker and the .wasm files resolve beside it.
// Flags: --port 8080 (default), --no-serve (build only, used by the end-to-end test).
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "./serve.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** An esbuild plugin that leaves `import "kindling"` as an import of the built library at `url`. */
export const kindlingExternal = (url) => ({
  name: "kindling-external",
  setup(b) {
    b.onResolve({ filter: /^kindling$/ }, () => ({ path: url, external: true }));
  },
});

/** Bundles the page script; "kindling" stays an import of the built library beside it. */
export async function buildWebDemo() {
  const out = path.join(root, "dist/web");
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(root, "examples/web/app.ts")],
    outfile: path.join(out, "app.js"),
    bundle: true,
    format: "esm",
    target: "es2022",
    logLevel: "warning",
    plugins: [kindlingExternal("../index.js")],
  });
  copyFileSync(path.join(root, "examples/web/index.html"), path.join(out, "index.html"));
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildWebDemo();
  if (!process.argv.includes("--no-serve")) {
    const i = process.argv.indexOf("--port");
    const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
    const server = await startServer({ root: path.join(root, "dist"), port });
    console.log(`Kindling web demo: ${server.url}web/index.html  (Ctrl-C to stop)`);
  }
}
