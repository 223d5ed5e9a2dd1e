// Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core (never
// a downloaded browser), a fresh profile, the repo served by scripts/serve.mjs with COOP/COEP, and
// every console error and page error collected. One browser per test file:
//
//   const b = await launchBrowser();                      // in beforeAll
//   const page = await b.openBundle("tests/browser/x.page.ts");   // esbuild, served, loaded
//   await page.evaluate(() => globalThis.kindlingTest.run());
//   expect(b.errors).toEqual([]);
//   await b.close();                                      // in afterAll; safe to call twice
//
// A page bundle imports "kindling": it resolves to the built /dist/index.js (its .wasm beside it),
// so browser tests check what `npm run build` ships. The bundle sets globalThis.kindlingTest once
// its imports have loaded; openBundle() waits for that and fails at once on a page error.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { kindlingExternal } from "../../scripts/demo-web.mjs";
import { startServer } from "../../scripts/serve.mjs";

export const CHROMIUM = "/usr/bin/chromium";
export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** Flags from ../shared/toolchain.md: WebGPU (SwiftShader without a GPU), no background traffic. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Where the harness serves its generated bundles and pages. */
const BUNDLES = "/__bundles__/";

export interface BrowserHarness {
  /** The server's base URL, e.g. http://127.0.0.1:41234/ (the repo root). */
  readonly url: string;
  readonly context: BrowserContext;
  /** Chromium's version, e.g. "156.0.8078.108". */
  readonly version: string;
  /** Console errors and uncaught page errors from every page opened, "[page] message". */
  readonly errors: string[];
  /** Every console message of every page opened, "[page] type: text". */
  readonly messages: string[];
  /** Opens a URL path (relative to the repo root) in a new page that reports its errors. */
  open(urlPath: string): Promise<Page>;
  /** Bundles a TS entry (path from the repo root) with esbuild and opens it in a page. */
  openBundle(entry: string, opts?: { timeoutMs?: number }): Promise<Page>;
  /** Closes the pages, the browser, the server, and deletes the profile and bundles. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Folder served at / (default: the repo root). */
  root?: string;
  /** Extra Chromium flags. */
  args?: string[];
  /** The URL "kindling" resolves to in page bundles (default /dist/index.js, for root = the repo). */
  kindlingUrl?: string;
  /** Serve with COOP/COEP (default true); false gives pages that are not cross-origin isolated. */
  isolated?: boolean;
}

/** Fails (never skips) when Debian's chromium is not installed. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium. Run \`npm install\` as root (it apt-installs chromium), or \`apt-get install -y chromium\`.`);
  }
}

function newestMtime(dir: string): { file: string; mtime: number } {
  let best = { file: "", mtime: 0 };
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    const cand = e.isDirectory() ? newestMtime(p) : e.name.endsWith(".ts") ? { file: p, mtime: statSync(p).mtimeMs } : best;
    if (cand.mtime > best.mtime) best = cand;
  }
  return best;
}

/** Fails when dist/ is missing or older than the TypeScript sources: the pages test dist/. */
export function requireFreshDist(): void {
  const bundle = path.join(REPO, "dist/index.js");
  for (const f of ["dist/index.js", "dist/kindling.simd.wasm", "dist/kindling.relaxed.wasm", "dist/kindling.simd-threads.wasm", "dist/kindling.relaxed-threads.wasm"]) {
    if (!existsSync(path.join(REPO, f))) throw new Error(`${f} is missing: run \`npm run build\` (browser tests load the built bundle).`);
  }
  const src = newestMtime(path.join(REPO, "ts"));
  if (src.mtime > statSync(bundle).mtimeMs) {
    throw new Error(`dist/index.js is older than ${path.relative(REPO, src.file)}: run \`npm run build:ts\` (browser tests load the built bundle).`);
  }
}


export async function launchBrowser(opts: LaunchOptions = {}): Promise<BrowserHarness> {
  requireChromium();
  const profile = mkdtempSync(path.join(tmpdir(), "kd-chromium-"));
  const bundles = mkdtempSync(path.join(tmpdir(), "kd-bundles-"));
  const errors: string[] = [];
  const messages: string[] = [];
  let server: { url: string; close(): Promise<void> } | undefined;
  let context: BrowserContext | undefined;
  let closed = false;

  const close = async () => {
    if (closed) return;
    closed = true;
    try {
      await context?.close();
    } finally {
      await server?.close();
      rmSync(profile, { recursive: true, force: true });
      rmSync(bundles, { recursive: true, force: true });
    }
  };

  try {
    server = await startServer({ root: opts.root ?? REPO, port: 0, mounts: { [BUNDLES]: bundles }, isolated: opts.isolated ?? true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
      acceptDownloads: true,
    });
  } catch (e) {
    await close();
    throw e;
  }
  const ctx = context;
  const base = server.url;

  // launchPersistentContext opens one blank tab: the first open() uses it.
  let blank: Page | undefined = ctx.pages()[0];
  const open = async (urlPath: string, onError?: (msg: string) => void): Promise<Page> => {
    const page = blank ?? (await ctx.newPage());
    blank = undefined;
    const name = urlPath.replace(/^\//, "");
    const report = (msg: string) => {
      errors.push(`[${name}] ${msg}`);
      onError?.(msg);
    };
    page.on("console", (m) => {
      messages.push(`[${name}] ${m.type()}: ${m.text()}`);
      if (m.type() === "error") report(`console.error: ${m.text()}`);
    });
    page.on("pageerror", (e) => report(`page error: ${e.stack ?? e.message}`));
    page.on("crash", () => report("page crashed"));
    const res = await page.goto(new URL(urlPath.replace(/^\//, ""), base).href);
    if (!res || !res.ok()) throw new Error(`${urlPath}: HTTP ${res?.status() ?? "no response"}`);
    return page;
  };

  let count = 0;
  const openBundle = async (entry: string, { timeoutMs = 30_000 } = {}): Promise<Page> => {
    const name = `${path.basename(entry).replace(/\.[^.]+$/, "").replace(/[^\w.-]/g, "_")}-${count++}`;
    await build({
      entryPoints: [path.resolve(REPO, entry)],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      outfile: path.join(bundles, `${name}.js`),
      // "kindling" in page bundles is the built library, loaded by URL (its .wasm beside it).
      plugins: [kindlingExternal(opts.kindlingUrl ?? "/dist/index.js")],
      logLevel: "silent",
    });
    writeFileSync(path.join(bundles, `${name}.html`), `<!doctype html>\n<meta charset="utf-8">\n<title>${name}</title>\n<script type="module" src="./${name}.js"></script>\n`);
    let fail: (msg: string) => void = () => {};
    const failed = new Promise<never>((_, reject) => {
      fail = (msg) => reject(new Error(`${entry} failed to load: ${msg}`));
    });
    failed.catch(() => {}); // observed by the race below; later errors only land in `errors`
    const page = await open(`${BUNDLES}${name}.html`, (msg) => fail(msg));
    await Promise.race([page.waitForFunction(() => "kindlingTest" in globalThis, null, { timeout: timeoutMs }), failed]);
    fail = () => {};
    return page;
  };

  const version = ctx.browser()?.version() ?? "unknown";
  return { url: base, context: ctx, version, errors, messages, open: (p) => open(p), openBundle, close };
}
