// scripts/serve.mjs, the static server of the browser tests and `npm run demo:web`: isolation
// headers on every response, MIME types, the FashionMNIST mount, and no way out of its folders.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FASHION_MNIST_DIR, resolvePath, startServer } from "../scripts/serve.mjs";

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** A raw request: the path goes on the wire as written (no client-side normalisation). */
function get(base: string, rawPath: string, method = "GET"): Promise<Reply> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: rawPath, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("scripts/serve.mjs", () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let extra: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "kd-serve-"));
    extra = mkdtempSync(path.join(tmpdir(), "kd-serve-mount-"));
    for (const f of ["index.html", "a.js", "b.mjs", "c.wasm", "d.json", "e.css", "f.svg", "g.png", "h.gz", "i.bin"]) writeFileSync(path.join(dir, f), `content of ${f}`);
    writeFileSync(path.join(extra, "x.txt"), "mounted");
    server = await startServer({ root: dir, port: 0, mounts: { "/extra/": extra } });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(extra, { recursive: true, force: true });
  });

  it("listens on 127.0.0.1 on the port it picked", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it("sends COOP, COEP and CORP on every response, errors included", async () => {
    for (const p of ["/a.js", "/", "/missing", "/.hidden", "/a.js?x=1"]) {
      const r = await get(server.url, p);
      expect(r.headers["cross-origin-opener-policy"], p).toBe("same-origin");
      expect(r.headers["cross-origin-embedder-policy"], p).toBe("require-corp");
      expect(r.headers["cross-origin-resource-policy"], p).toBe("same-origin");
    }
  });

  it("serves files with their MIME types, .gz as bytes with no Content-Encoding", async () => {
    const want: Record<string, string> = {
      "/index.html": "text/html", "/a.js": "text/javascript", "/b.mjs": "text/javascript", "/c.wasm": "application/wasm",
      "/d.json": "application/json", "/e.css": "text/css", "/f.svg": "image/svg+xml", "/g.png": "image/png",
      "/h.gz": "application/octet-stream", "/i.bin": "application/octet-stream",
    };
    for (const [p, type] of Object.entries(want)) {
      const r = await get(server.url, p);
      expect(r.status, p).toBe(200);
      expect(String(r.headers["content-type"]).split(";")[0], p).toBe(type);
      expect(r.body.toString(), p).toBe(`content of ${p.slice(1)}`);
    }
    expect((await get(server.url, "/h.gz")).headers["content-encoding"]).toBeUndefined();
    expect((await get(server.url, "/")).body.toString()).toBe("content of index.html");
    const head = await get(server.url, "/c.wasm", "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String("content of c.wasm".length));
    expect(head.body.length).toBe(0);
    expect((await get(server.url, "/a.js", "POST")).status).toBe(405);
  });

  it("maps /data/fashion-mnist/ to the Debian dataset and other mounts to their folders", async () => {
    const r = await get(server.url, "/data/fashion-mnist/t10k-labels-idx1-ubyte.gz");
    expect(r.status).toBe(200);
    expect(r.body.equals(readFileSync(path.join(FASHION_MNIST_DIR, "t10k-labels-idx1-ubyte.gz")))).toBe(true);
    expect((await get(server.url, "/extra/x.txt")).body.toString()).toBe("mounted");
  });

  it("never serves a file outside its folders or a hidden one", async () => {
    const secret = readFileSync("/etc/passwd");
    for (const p of ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/data/fashion-mnist/..%2f..%2f..%2f..%2fetc%2fpasswd", "/extra/..%2f..%2f..%2fetc%2fpasswd", "/%00", "/a%5c..%5c..%5cetc"]) {
      const r = await get(server.url, p);
      expect([403, 404], p).toContain(r.status);
      expect(r.body.includes(secret), p).toBe(false);
    }
    expect((await get(server.url, "/.git/config")).status).toBe(403);
    // The resolver itself keeps every decoded path under its base.
    expect(resolvePath("/../../etc/passwd", dir, {})).toBe(path.join(dir, "etc/passwd"));
    expect(resolvePath("/x/%2e%2e/%2e%2e/y", dir, { "/x/": extra })).toBe(path.join(extra, "y"));
    expect(resolvePath("/%E0%A4%A", dir, {})).toBeNull();
  });

  it("answers the browser's own favicon request quietly", async () => {
    expect((await get(server.url, "/favicon.ico")).status).toBe(204);
  });
});
