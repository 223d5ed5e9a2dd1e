// `node scripts/web-deploy.mjs --model out/09-tinyvgg.safetensors`: builds the deployment page
// (examples/web-deploy) into dist/web-deploy with the model file beside it, and serves dist/ on
// 127.0.0.1 (scripts/serve.mjs). The page loads dist/inference.js, the inference-only bundle.
// Flags: --model FILE (copied to dist/web-deploy/model.safetensors), --port 8080, --no-serve.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "./serve.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Bundles the page script ("kindling/inference" stays an import of ../inference.js) and copies the page and model. */
export async function buildDeployPage({ model } = {}) {
  const out = path.join(root, "dist/web-deploy");
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(root, "examples/web-deploy/app.ts")],
    outfile: path.join(out, "app.js"),
    bundle: true,
    format: "esm",
    target: "es2022",
    logLevel: "warning",
    plugins: [{ name: "kindling-inference-external", setup: (b) => b.onResolve({ filter: /^kindling\/inference$/ }, () => ({ path: "../inference.js", external: true })) }],
  });
  copyFileSync(path.join(root, "examples/web-deploy/index.html"), path.join(out, "index.html"));
  if (model) copyFileSync(model, path.join(out, "model.safetensors"));
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  await buildDeployPage({ model: arg("--model") });
  if (!process.argv.includes("--no-serve")) {
    const server = await startServer({ root: path.join(root, "dist"), port: Number(arg("--port") ?? 8080) });
    console.log(`Kindling deployment page: ${server.url}web-deploy/index.html  (Ctrl-C to stop)`);
  }
}
