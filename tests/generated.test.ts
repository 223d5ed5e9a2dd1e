// Files generated from the engine's op manifest (scripts/gen-ops.mjs) must match what the
// built engine declares: a stale file fails here. `KD_BLESS=1 npx vitest run tests/generated.test.ts`
// (or `node scripts/gen-ops.mjs`) rewrites them. Then: every engine op is reachable from the API,
// has PyTorch fixtures and a verdict for each device.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
// @ts-expect-error: a plain .mjs script without type declarations
import { generatedFiles, readManifest, writeFiles } from "../scripts/gen-ops.mjs";

interface Op {
  family: "unary" | "binary" | "reduce"; code: number; name: string; dtype: string; wgsl: string; wgsl_grad: string[];
  api: { kind: "generated" | "hand" | "via"; method?: string }; devices: { cpu: string[]; webgpu: string };
}
const manifest: { devices: Record<string, string>; ops: Op[] } = await readManifest();
const read = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), "utf8");
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

describe("generated files", () => {
  const files: Record<string, string> = {};
  it("are generated", async () => {
    Object.assign(files, await generatedFiles(manifest));
    expect(Object.keys(files).length).toBeGreaterThan(0);
    if (process.env.KD_BLESS === "1") writeFiles(files);
  });
  for (const path of ["ts/generated/ops.ts", "ts/generated/functions.ts", "tests/fixtures/manifest.json", "README.md"]) {
    it(`${path} is fresh (regenerate: node scripts/gen-ops.mjs)`, () => expect(read(path)).toBe(files[path]));
  }
});

describe("every engine op", () => {
  const ops = JSON.parse(read("tests/fixtures/ops.json")).cases.map((c: { op: string }) => c.op);
  const fwd = new Set<string>(ops);
  const grads = new Set<string>(JSON.parse(read("tests/fixtures/grad.json")).cases.map((c: { op: string; args: { fn?: string } }) => c.args.fn ?? c.op));
  const proto = kd.Tensor.prototype as unknown as Record<string, unknown>;
  const fns = kd as unknown as Record<string, unknown>;

  it("has unique codes in row order, per family", () => {
    for (const fam of ["unary", "binary", "reduce"]) {
      const rows = manifest.ops.filter((o) => o.family === fam);
      expect(rows.map((o) => o.code)).toEqual(rows.map((_, i) => i));
      expect(kd.getEngine().ops[fam]).toEqual(Object.fromEntries(rows.map((o) => [o.name, o.code])));
    }
  });

  it.each(manifest.ops.map((o) => [`${o.family}/${o.name}`, o] as const))("%s has a TS method, fixtures and device verdicts", (_, o) => {
    const method = o.api.kind === "via" ? o.api.method! : camel(o.name);
    expect(typeof proto[method], `Tensor.${method}`).toBe("function");
    if (o.api.kind === "generated") expect(typeof fns[camel(o.name)], `kd.${camel(o.name)}`).toBe("function");
    // a conformance fixture (gelu_tanh's cases are gelu's, with approximate: "tanh")
    expect(fwd.has(o.api.kind === "via" ? o.api.method! : o.name), `ops.json case for ${o.name}`).toBe(true);
    if (o.family !== "reduce" && o.wgsl_grad.length > 0) {
      expect(grads.has(o.api.kind === "via" ? o.api.method! : o.name), `grad.json case for ${o.name}`).toBe(true);
    }
    expect(o.devices.cpu.length, "cpu dtypes").toBeGreaterThan(0);
    // a device verdict: the dtypes it has kernels for, or "not yet"
    const gpu = o.devices.webgpu;
    expect(gpu === "not yet" || (Array.isArray(gpu) && gpu.length > 0 && gpu.every((d: string) => o.devices.cpu.includes(d))), `webgpu verdict ${JSON.stringify(gpu)}`).toBe(true);
    expect(o.wgsl.length, "WGSL expression").toBeGreaterThan(0);
  });
});
