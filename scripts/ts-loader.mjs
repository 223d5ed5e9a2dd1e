// A Node module hook for running the examples straight from TypeScript without a dev server:
// "kindling" resolves to the built bundle (dist/), ".js" imports fall back to their ".ts"
// source, and .ts files are stripped of types by esbuild. Registered by scripts/example.mjs.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

// dist/node.js: the bundle with source maps on, so an example's stack trace shows ts/ lines.
const bundle = new URL("../dist/node.js", import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === "kindling") return { url: bundle, shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (e) {
    if (/^\.{1,2}\//.test(specifier) && specifier.endsWith(".js")) return next(specifier.slice(0, -3) + ".ts", context);
    throw e;
  }
}

export async function load(url, context, next) {
  if (!url.endsWith(".ts")) return next(url, context);
  const { transform } = await import("esbuild");
  const source = await readFile(fileURLToPath(url), "utf8");
  const { code } = await transform(source, { loader: "ts", format: "esm", sourcefile: fileURLToPath(url), target: "es2022" });
  return { format: "module", source: code, shortCircuit: true };
}
