// Errors from the built bundle are readable in Node: "kindling" resolves to dist/node.js there,
// which turns source maps on before loading the minified code, so an uncaught error names ts/
// files and lines, keeps the user's own frame, and prints no line of minified code.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const program = (entry: string) => `import * as kd from ${JSON.stringify(entry)};
await kd.ready();
function userStep() {
  return kd.zeros([2, 3]).matmul(kd.zeros([4, 5]));
}
userStep();
`;
const run = (entry: string) => spawnSync(process.execPath, ["--input-type=module", "-e", program(entry)], { cwd: root, encoding: "utf8" });

describe("stack traces from the bundle", () => {
  it("package.json sends Node to dist/node.js", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg.exports["."].node).toBe("./dist/node.js");
  });

  it("an uncaught error shows ts/ paths, the user's frame, and short lines", () => {
    const r = run("./dist/node.js");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ShapeError: /);
    expect(r.stderr).toMatch(/at .*\(.*\/ts\/tensor\.ts:\d+:\d+\)/);
    expect(r.stderr).toMatch(/at userStep \(.*:4:\d+\)/);
    for (const line of r.stderr.split("\n")) expect(line.length).toBeLessThan(300);
  });
});
