#!/usr/bin/env node
// `npx kindling <command> [args]`: one entry point for Kindling's command-line tools. Each command
// lives in its own file ts/cli/<file>.ts exporting `main(argv: string[]): Promise<number>` (the
// exit status); this file only dispatches. In a checkout the TypeScript is loaded through
// scripts/ts-loader.mjs (types stripped by esbuild, "kindling" resolved to dist/node.js), as
// `npm run example` does; an installed package runs the bundled dist/cli/<file>.js.
import { existsSync } from "node:fs";
import { register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// name -> [source file under ts/cli/, one-line summary]. One line per command.
const commands = {
  train: ["train.ts", "train [--data fashion-mnist|<folder>] [--model tinyvgg] [--epochs 5] [--lr 0.001] [--batch-size 32] [--out model.safetensors] [--resume ckpt]: train a classifier"],
  evaluate: ["evaluate.ts", "evaluate [--weights model.safetensors] [--data fashion-mnist|<folder>]: loss, accuracy, confusion matrix"],
  predict: ["predict.ts", "predict <image...> [--weights model.safetensors] [--top 3]: top classes of PNG/JPEG images"],
  report: ["report.ts", "report <logdir> [--out report.html] [--title T]: an HTML page comparing the runs' TensorBoard logs"],
};

function usage(stream) {
  stream.write("usage: kindling <command> [args]\n\ncommands:\n");
  for (const [name, [, summary]] of Object.entries(commands)) stream.write(`  ${summary.startsWith(name) ? summary : `${name}: ${summary}`}\n`);
}

const [name, ...argv] = process.argv.slice(2);
if (!name || name === "--help" || name === "-h" || name === "help") {
  usage(name ? process.stdout : process.stderr);
  process.exit(name ? 0 : 2);
}
const entry = commands[name];
if (!entry) {
  process.stderr.write(`kindling: unknown command '${name}'\n`);
  usage(process.stderr);
  process.exit(2);
}
// In a checkout, the TypeScript source (always current); in an installed copy, the bundle
// (rollup.config.mjs builds dist/cli/<name>.js).
const source = path.join(root, "ts/cli", entry[0]);
let mod;
if (existsSync(source) && existsSync(path.join(root, "scripts/ts-loader.mjs"))) {
  register(pathToFileURL(path.join(root, "scripts/ts-loader.mjs")).href);
  mod = await import(pathToFileURL(source).href);
} else {
  mod = await import(pathToFileURL(path.join(root, "dist/cli", entry[0].replace(/\.ts$/, ".js"))).href);
}
try {
  process.exitCode = await mod.main(argv);
} catch (e) {
  // Typed library errors (kd.ValueError, ...) are the user's mistake: the message, not a trace.
  process.stderr.write(`kindling ${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
  process.exitCode = 1;
}
