#!/usr/bin/env node
// A small static file server for Kindling's pages and browser tests, on 127.0.0.1 only.
// Every response is cross-origin isolated (COOP same-origin + COEP require-corp, and CORP so the
// page's own files pass COEP): SharedArrayBuffer and threaded wasm need that. The local
// FashionMNIST files are served under /data/fashion-mnist/. Paths outside the root are refused.
//
//   node scripts/serve.mjs [--root DIR] [--port N]     (port 0, the default, picks a free one)
//   import { startServer } from "./scripts/serve.mjs"; const { url, close } = await startServer({ root, port: 0 });
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".wasm": "application/wasm",
  // Served as bytes, never with Content-Encoding: the page decompresses the IDX files itself.
  ".gz": "application/octet-stream",
};

/** Headers sent on every response, errors included. */
const HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  // Tests rebuild dist/ and bundles between runs: never serve a stale copy.
  "Cache-Control": "no-store",
};

export const mimeType = (file) => MIME[path.extname(file).toLowerCase()] ?? "application/octet-stream";

/**
 * The file a URL path names: under a mount (longest prefix first) or under root; null when the
 * path is malformed or escapes its folder.
 */
export function resolvePath(urlPath, root, mounts) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes("\0") || rel.includes("\\")) return null;
  // Hidden files and folders (.git, .env...) are never served.
  if (rel.split("/").some((seg) => seg.startsWith(".") && seg !== "." && seg !== "..")) return null;
  let base = root;
  for (const [prefix, dir] of Object.entries(mounts).sort((a, b) => b[0].length - a[0].length)) {
    const p = prefix.endsWith("/") ? prefix : `${prefix}/`;
    if (rel === p.slice(0, -1) || rel.startsWith(p)) {
      base = dir;
      rel = rel.slice(p.length - 1);
      break;
    }
  }
  const full = path.resolve(base, `.${path.posix.normalize(`/${rel}`)}`);
  if (full !== base && !full.startsWith(base.endsWith(path.sep) ? base : base + path.sep)) return null;
  return full;
}

/**
 * Starts the server. `mounts` maps URL prefixes to folders (default: /data/fashion-mnist/ to the
 * Debian dataset folder). Resolves once it listens, with its base URL and a close function.
 */
export async function startServer({ root = process.cwd(), port = 0, host = "127.0.0.1", mounts = {}, log = false, isolated = true } = {}) {
  const absRoot = path.resolve(root);
  // isolated: false serves without COOP/COEP (tests of a page that cannot share memory).
  const ISOLATION = isolated ? HEADERS : { "Cache-Control": HEADERS["Cache-Control"] };
  const allMounts = { "/data/fashion-mnist/": FASHION_MNIST_DIR, ...Object.fromEntries(Object.entries(mounts).map(([k, v]) => [k, path.resolve(v)])) };
  const server = createServer(async (req, res) => {
    const send = (status, text) => {
      res.writeHead(status, { ...ISOLATION, "Content-Type": "text/plain; charset=utf-8" });
      res.end(req.method === "HEAD" ? undefined : `${status} ${text}\n`);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return send(405, "method not allowed");
    }
    const urlPath = new URL(req.url ?? "/", "http://localhost").pathname;
    let file = resolvePath(urlPath, absRoot, allMounts);
    if (file === null) return send(403, "forbidden");
    try {
      let st = await stat(file);
      if (st.isDirectory()) {
        if (!urlPath.endsWith("/")) {
          res.writeHead(301, { ...ISOLATION, Location: `${urlPath}/` });
          return res.end();
        }
        file = path.join(file, "index.html");
        st = await stat(file);
      }
      if (!st.isFile()) return send(404, "not found");
      res.writeHead(200, { ...ISOLATION, "Content-Type": mimeType(file), "Content-Length": st.size });
      if (req.method === "HEAD") return res.end();
      const stream = createReadStream(file);
      stream.on("error", () => res.destroy());
      stream.pipe(res);
      if (log) console.log(`200 ${urlPath}`);
    } catch {
      if (log) console.log(`404 ${urlPath}`);
      // Browsers ask for a favicon on their own: answer it quietly, not as a console error.
      if (urlPath === "/favicon.ico") {
        res.writeHead(204, ISOLATION);
        return res.end();
      }
      send(404, "not found");
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const { port: actual } = server.address();
  const url = `http://${host}:${actual}/`;
  const close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, port: actual, server, close };
}

function parseArgs(argv) {
  const opts = { root: process.cwd(), port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes("=") ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--root") opts.root = value();
    else if (flag === "--port" || flag === "-p") opts.port = Number(value());
    else if (flag === "--help" || flag === "-h") opts.help = true;
    else throw new Error(`unknown option ${a} (options: --root DIR, --port N)`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`--port must be 0..65535 (0 picks a free port)`);
  return opts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  if (opts.help) {
    console.log("usage: node scripts/serve.mjs [--root DIR] [--port N]\nServes DIR on 127.0.0.1 with COOP/COEP headers; /data/fashion-mnist/ is the local FashionMNIST.");
  } else {
    const { url, close } = await startServer({ ...opts, log: true });
    console.log(`Serving ${path.resolve(opts.root)} at ${url} (cross-origin isolated)`);
    for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => close().then(() => process.exit(0)));
  }
}
