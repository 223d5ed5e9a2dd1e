// The package as users get it: `npm run pack` makes the tarball, npm installs it into a fresh
// folder (offline: its few runtime dependencies are in the npm cache after npm ci), and a JavaScript and a TypeScript program import it
// by name, train a few SGD steps and print numbers this test recomputes in float64.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = path.join(root, "node_modules/.bin/tsc");
let app = "";

// 20 steps of full-batch SGD on y = 0.7x + 0.3 with nn.Linear(1, 1) and MSE; prints the initial
// parameters and the losses, so the test can redo the same descent by hand.
const TRAIN = `
await kd.ready();
kd.manualSeed(0);
const x = kd.arange(0, 1, 0.05).unsqueeze(1);
const y = x.mul(0.7).add(0.3);
const model = new nn.Linear(1, 1);
const w0 = model.weight.item(), b0 = model.bias.item();
const opt = new optim.SGD(model.parameters(), 0.1); // torch's positional lr
const first = new nn.Sequential(model).at(0);
const lossFn = new nn.MSELoss();
const losses = [];
for (let step = 0; step < 20; step++) {
  const loss = lossFn.call(model.call(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  losses.push(loss.item());
}
console.log(JSON.stringify({ variant: kd.getEngine().variant, w0, b0, losses, w: model.weight.item(), b: model.bias.item() }));
`;

/** The same descent in float64: the gradient of mean((wx + b - y)^2) by hand. */
function reference(w0: number, b0: number) {
  const xs = Array.from({ length: 20 }, (_, i) => i * 0.05);
  let w = w0, b = b0;
  const losses: number[] = [];
  for (let step = 0; step < 20; step++) {
    let loss = 0, gw = 0, gb = 0;
    for (const x of xs) {
      const r = w * x + b - (0.7 * x + 0.3);
      loss += r * r / xs.length;
      gw += 2 * r * x / xs.length;
      gb += 2 * r / xs.length;
    }
    losses.push(loss);
    w -= 0.1 * gw;
    b -= 0.1 * gb;
  }
  return { losses, w, b };
}

function checkRun(stdout: string) {
  const out = JSON.parse(stdout.trim().split("\n").at(-1)!);
  expect(out.variant).toBe("relaxed-threads");
  const ref = reference(out.w0, out.b0);
  for (let i = 0; i < 20; i++) expect(out.losses[i]).toBeCloseTo(ref.losses[i], 5);
  expect(out.w).toBeCloseTo(ref.w, 5);
  expect(out.b).toBeCloseTo(ref.b, 5);
  expect(out.losses[19]).toBeLessThan(out.losses[0]);
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: app, encoding: "utf8" });

describe("the packed package", () => {
  afterAll(() => rmSync(path.dirname(app), { recursive: true, force: true }));
  beforeAll(() => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "kindling-app-"));
    const tarball = execFileSync(process.execPath, [path.join(root, "scripts/pack.mjs"), dir], { encoding: "utf8" }).trim();
    app = path.join(dir, "app");
    execFileSync("mkdir", [app]);
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "my-app", private: true, type: "module" }));
    // The offline install resolves the package's own dependencies from npm's cache, which `npm ci`
    // fills with tarballs but not with the registry documents an install resolves: add them, at
    // the locked versions, so the test does not depend on what this machine installed before.
    const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8"));
    const own = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    for (const dep of Object.keys({ ...own.dependencies, ...own.optionalDependencies })) {
      const version = lock.packages[`node_modules/${dep}`]?.version;
      if (version) run("npm", ["cache", "add", `${dep}@${version}`]);
    }
    const r = run("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball]);
    expect(r.status, r.stderr).toBe(0);
    // Nothing to run at install, nothing to warn about.
    expect(r.stderr).not.toMatch(/warn/i);
  });

  it("npm in this repository prints no config warning (no unknown .npmrc keys)", () => {
    const r = spawnSync("npm", ["pkg", "get", "name"], { cwd: root, encoding: "utf8" });
    expect(r.stdout.trim()).toBe('"kindling"');
    expect(r.stderr).not.toMatch(/Unknown (project|user|env) config/);
  });

  it("ships the bundle, both engine builds, source maps and types, and no install scripts", () => {
    const pkg = JSON.parse(readFileSync(path.join(app, "node_modules/kindling/package.json"), "utf8"));
    expect(pkg.scripts).toBeUndefined();
    // The runtime dependencies are the repository's declared ones (pngjs, jpeg-js, uplot), nothing more.
    expect(pkg.dependencies).toEqual(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).dependencies);
    expect(pkg.exports["."]).toEqual({ types: "./dist/types/index.d.ts", node: "./dist/node.js", default: "./dist/index.js" });
    const files = execFileSync("ls", ["-R", path.join(app, "node_modules/kindling/dist")], { encoding: "utf8" });
    for (const f of ["index.js", "node.js", "core.js", "core.js.map", "worker.js", "kindling.simd.wasm", "kindling.relaxed.wasm", "kindling.simd-threads.wasm", "kindling.relaxed-threads.wasm", "index.d.ts"]) {
      expect(files).toContain(f);
    }
  });

  it("a JavaScript program imports it by name and trains", () => {
    writeFileSync(path.join(app, "train.mjs"), `import * as kd from "kindling";\nimport { nn, optim } from "kindling";\n${TRAIN}`);
    const r = run(process.execPath, ["train.mjs"]);
    expect(r.stderr).toBe("");
    checkRun(r.stdout);
  });

  it("kindling/inference loads weights the full library saved and predicts the same logits, without training code", () => {
    writeFileSync(path.join(app, "save.mjs"), `import * as kd from "kindling";
kd.manualSeed(0);
const m = new kd.models.TinyVGG(1, 8, 3);
const x = kd.rand([2, 1, 28, 28]);
await kd.save(m.stateDict(), "tiny.safetensors");
await kd.save({ x }, "x.safetensors");
console.log(JSON.stringify(Array.from(kd.noGrad(() => m.forward(x)).dataSync())));`);
    writeFileSync(path.join(app, "infer.mjs"), `import * as kd from "kindling/inference";
const m = new kd.models.TinyVGG(1, 8, 3);
m.loadStateDict((await kd.load("tiny.safetensors")).tensors);
const { x } = (await kd.load("x.safetensors")).tensors;
console.log(JSON.stringify({ logits: Array.from(kd.noGrad(() => m.forward(x)).dataSync()), optim: typeof kd.optim, data: typeof kd.data }));`);
    const a = run(process.execPath, ["save.mjs"]);
    expect(a.stderr).toBe("");
    const b = run(process.execPath, ["infer.mjs"]);
    expect(b.stderr).toBe("");
    const inf = JSON.parse(b.stdout);
    expect(inf.logits).toEqual(JSON.parse(a.stdout));
    expect(inf.logits).toHaveLength(6);
    expect([inf.optim, inf.data]).toEqual(["undefined", "undefined"]);
    const dist = path.join(app, "node_modules/kindling/dist");
    const size = (f: string) => readFileSync(path.join(dist, f)).length;
    // One file, clearly smaller than the full library's JavaScript (index.js + core.js).
    expect(size("inference.js")).toBeLessThan(0.75 * (size("index.js") + size("core.js")));
  });

  it("npx kindling predict in the installed package classifies a PNG as the model does in-process", () => {
    writeFileSync(path.join(app, "classifier.mjs"), `import * as kd from "kindling";
import { writeFileSync } from "node:fs";
kd.manualSeed(1);
const config = { model: "tinyvgg", hidden: 8, inChannels: 1, imageSize: 28, classes: ["a", "b", "c"] };
const m = kd.classifier.build(config);
await kd.classifier.save("clf.safetensors", m, config);
const px = Uint8Array.from({ length: 784 }, (_, i) => (i * 37) % 256);
writeFileSync("img.png", kd.datasets.encodePng({ data: px, width: 28, height: 28, channels: 1 }));
const x = new kd.transforms.ToTensor().apply({ data: px, width: 28, height: 28, channels: 1 }).unsqueeze(0);
console.log(JSON.stringify(Array.from(kd.noGrad(() => kd.softmax(m.forward(x), 1)).dataSync())));`);
    const a = run(process.execPath, ["classifier.mjs"]);
    expect(a.stderr).toBe("");
    const probs: number[] = JSON.parse(a.stdout);
    const r = run("npx", ["--offline", "kindling", "predict", "img.png", "--weights", "clf.safetensors", "--top", "3", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const [pred] = JSON.parse(r.stdout);
    const order = [0, 1, 2].sort((i, j) => probs[j] - probs[i]);
    expect(pred.top.map((t: { index: number }) => t.index)).toEqual(order);
    pred.top.forEach((t: { index: number; prob: number }) => expect(t.prob).toBeCloseTo(probs[t.index], 6));
  });

  it("a TypeScript program typechecks against the shipped types, compiles and trains", () => {
    // Types on every value the program touches, so a wrong shipped declaration fails tsc.
    const typed = TRAIN
      .replace("const x = ", "const x: kd.Tensor = ")
      .replace("const model = ", "const model: nn.Linear = ")
      .replace("const w0 = model.weight.item(), b0 = model.bias.item();", "const w0 = model.weight.item(), b0 = model.bias!.item();")
      .replace("const opt = ", "const opt: optim.Optimizer = ")
      .replace("const first = new nn.Sequential(model).at(0);", "const seq = new nn.Sequential(model);\nconst first: nn.Module = seq[0]; // the containers' index signature")
      .replace("const w0 = model.weight.item(), b0", "const w0: number = model.weight.item(), b0")
      .replace("const losses = [];", "const losses: number[] = [];")
      .replace("b: model.bias.item()", "b: model.bias!.item()");
    writeFileSync(path.join(app, "train.ts"), `import * as kd from "kindling";\nimport { nn, optim } from "kindling";\n${typed}`);
    // What `tsc --init` gives, made ESM (nodenext) as "type": "module" asks, and with
    // skipLibCheck false: the shipped .d.ts files themselves must typecheck under the default lib.
    const compilerOptions = { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: false, types: [], outDir: "out" };
    writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["train.ts"] }));
    writeFileSync(path.join(app, "tsconfig.bad.json"), JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, files: ["bad.ts"] }));
    const t = run(tsc, ["-p", "."]);
    expect(t.stdout + t.stderr).toBe("");
    expect(t.status).toBe(0);
    // A wrong use fails the typecheck: the shipped types are really read.
    writeFileSync(path.join(app, "bad.ts"), `import * as kd from "kindling";\nconst t: kd.Tensor = kd.tensor([1]);\nt.reshape("3");\n`);
    const bad = run(tsc, ["-p", "tsconfig.bad.json"]);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/bad\.ts\(3,\d+\): error TS2345/);
    const r = run(process.execPath, ["out/train.js"]);
    expect(r.stderr).toBe("");
    checkRun(r.stdout);
  });

  it("an uncaught error from a user call shows ts/ files, the user's frame, and no minified line", () => {
    writeFileSync(path.join(app, "oops.mjs"), `import * as kd from "kindling";\nawait kd.ready();\nfunction myStep() {\n  return kd.tensor([1, 2]).reshape([3]);\n}\nmyStep();\n`);
    const r = run(process.execPath, ["oops.mjs"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ShapeError: shape '\[3\]' is invalid for input of size 2/);
    expect(r.stderr).toMatch(/node_modules\/kindling\/ts\/tensor\.ts:\d+:\d+/);
    expect(r.stderr).toMatch(/at myStep \(file:\/\/.*oops\.mjs:4:\d+\)/);
    for (const line of r.stderr.split("\n")) expect(line.length).toBeLessThan(300);
  });
});
