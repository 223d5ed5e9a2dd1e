// `kindling report <logdir> [--out FILE] [--title T]`: one self-contained HTML page comparing the
// runs under logdir (each subfolder holding event files is a run; event files directly in logdir
// form a run named after it): a uPlot chart per scalar tag with one line per run, a table of
// hparams, addHparams metrics and each tag's last value, and each run's latest images and texts.
// uPlot's script and stylesheet are inlined, so the page opens from disk with no network.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ValueError } from "../errors.js";
import { collectRun, type RunData } from "../tensorboard/reader.js";

/** Event files under dir, as paths relative to it, skipping nothing but non-event files. */
function eventFilesUnder(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...eventFilesUnder(dir, r));
    else if (name.startsWith("events.out.tfevents.")) out.push(r);
  }
  return out;
}

/** Reads every run under logdir. */
export function readRuns(logdir: string): RunData[] {
  if (!existsSync(logdir) || !statSync(logdir).isDirectory()) throw new ValueError(`report: ${logdir} is not a folder`);
  const runs: RunData[] = [];
  const load = (dir: string, files: string[], name: string) => runs.push(collectRun(name, files.map((f) => [f, new Uint8Array(readFileSync(path.join(dir, f)))])));
  const own = readdirSync(logdir).filter((n) => n.startsWith("events.out.tfevents.")).sort();
  if (own.length) {
    // logdir is itself a run: its own files and its subfolders' (addScalars, addHparams)
    load(logdir, eventFilesUnder(logdir), path.basename(path.resolve(logdir)));
    return runs;
  }
  for (const name of readdirSync(logdir).sort()) {
    const dir = path.join(logdir, name);
    if (!statSync(dir).isDirectory()) continue;
    const files = eventFilesUnder(dir);
    if (files.length) load(dir, files, name);
  }
  if (runs.length === 0) throw new ValueError(`report: no TensorBoard event files (events.out.tfevents.*) under ${logdir}`);
  return runs;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const base64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const fmt = (v: unknown) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : esc(String(v)));

/** The chart data: per tag, the union of steps and one value list per run (and addScalars series). */
function chartData(runs: RunData[]) {
  const tags = [...new Set(runs.flatMap((r) => Object.keys(r.scalars)))].sort();
  return tags.map((tag) => {
    const series: { label: string; points: Map<number, number> }[] = [];
    for (const r of runs) for (const [sub, pts] of Object.entries(r.scalars[tag] ?? {})) {
      series.push({ label: sub ? `${r.name}/${sub}` : r.name, points: new Map(pts.map((p) => [p.step, p.value])) });
    }
    const steps = [...new Set(series.flatMap((s) => [...s.points.keys()]))].sort((a, b) => a - b);
    return { tag, steps, series: series.map((s) => ({ label: s.label, values: steps.map((x) => s.points.get(x) ?? null) })) };
  });
}

/** The report page for `runs`. */
export function buildReport(runs: RunData[], opts: { title?: string } = {}): string {
  const req = createRequire(import.meta.url);
  const dist = path.dirname(req.resolve("uplot")); // uplot/dist/uPlot.cjs.js
  const js = readFileSync(path.join(dist, "uPlot.iife.min.js"), "utf8");
  const css = readFileSync(path.join(dist, "uPlot.min.css"), "utf8");
  const title = opts.title ?? "Kindling runs";
  const charts = chartData(runs);
  const hpKeys = [...new Set(runs.flatMap((r) => Object.keys(r.hparams)))];
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  const last = (r: RunData, tag: string) => {
    const own = r.scalars[tag]?.[""] ?? Object.values(r.scalars[tag] ?? {})[0];
    return own?.length ? own[own.length - 1].value : undefined;
  };
  const head = ["run", ...hpKeys, ...metricKeys, ...charts.map((c) => `${c.tag} (last)`)];
  const rows = runs.map((r) => [esc(r.name), ...hpKeys.map((k) => (k in r.hparams ? fmt(r.hparams[k]) : "")), ...metricKeys.map((k) => (k in r.metrics ? fmt(r.metrics[k]) : "")), ...charts.map((c) => { const v = last(r, c.tag); return v === undefined ? "" : fmt(v); })]);
  const table = `<table class="runs"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
  const media = runs.map((r) => {
    const latest = <T extends { tag: string; step: number }>(xs: T[]) => [...new Map([...xs].sort((a, b) => a.step - b.step).map((x) => [x.tag, x])).values()];
    const imgs = latest(r.images).map((im) => `<figure><img alt="${esc(im.tag)}" width="${Math.max(64, im.width)}" src="data:image/png;base64,${base64(im.png)}"><figcaption>${esc(im.tag)} (step ${im.step})</figcaption></figure>`);
    const texts = latest(r.texts).map((t) => `<p><b>${esc(t.tag)}</b> (step ${t.step}): ${esc(t.text)}</p>`);
    return imgs.length || texts.length ? `<section class="media"><h3>${esc(r.name)}</h3>${imgs.join("")}${texts.join("")}</section>` : "";
  }).join("");
  // JSON inside <script>: "<" escaped so that no value can close the element
  const data = JSON.stringify(charts).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${css}</style>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #ddd; padding: 8px; }
table.runs { border-collapse: collapse; margin: 12px 0; }
table.runs th, table.runs td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
table.runs td:first-child, table.runs th:first-child { text-align: left; }
figure { display: inline-block; margin: 4px 12px 4px 0; } img { image-rendering: pixelated; }
</style></head><body>
<h1>${esc(title)}</h1>
<p>${runs.length} run${runs.length === 1 ? "" : "s"}, ${charts.length} scalar tag${charts.length === 1 ? "" : "s"}.</p>
${table}
<div class="charts" id="charts"></div>
${media}
<script type="application/json" id="kd-data">${data}</script>
<script>${js}</script>
<script>
const charts = JSON.parse(document.getElementById("kd-data").textContent);
const colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
for (const c of charts) {
  const box = document.createElement("div");
  box.className = "chart";
  box.dataset.tag = c.tag;
  document.getElementById("charts").appendChild(box);
  new uPlot({
    title: c.tag, width: 460, height: 260, scales: { x: { time: false } },
    axes: [{ label: "step" }, {}],
    series: [{ label: "step" }, ...c.series.map((s, i) => ({ label: s.label, stroke: colors[i % colors.length], width: 2, spanGaps: true }))],
  }, [c.steps, ...c.series.map((s) => s.values)], box);
}
window.kindlingReport = { charts: charts.length };
</script>
</body></html>
`;
}

const USAGE = "usage: kindling report <logdir> [--out report.html] [--title T]";

export async function main(argv: string[]): Promise<number> {
  let logdir: string | undefined, out: string | undefined, title: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out" || a === "-o") out = argv[++i];
    else if (a === "--title") title = argv[++i];
    else if (a === "--help" || a === "-h") { process.stdout.write(USAGE + "\n"); return 0; }
    else if (a.startsWith("-")) throw new ValueError(`report: unknown option ${a}\n${USAGE}`);
    else if (logdir === undefined) logdir = a;
    else throw new ValueError(`report: one logdir expected, got also ${a}\n${USAGE}`);
  }
  if (!logdir) throw new ValueError(`report: missing <logdir>\n${USAGE}`);
  const runs = readRuns(logdir);
  const file = out ?? path.join(logdir, "report.html");
  writeFileSync(file, buildReport(runs, { title }));
  process.stdout.write(`wrote ${file}: ${runs.length} runs (${runs.map((r) => r.name).join(", ")})\n`);
  return 0;
}
