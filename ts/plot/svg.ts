// Small SVG charts for training scripts: loss curves, scatter plots, decision boundaries.
// SVG is text, so a chart is written with no canvas or native dependency and opens in any browser.
import { checkOptions } from "../options.js";

export interface Series { name: string; values: number[]; color?: string }
export interface Point { x: number; y: number; label: number }
export interface Size { width?: number; height?: number; title?: string }

export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : Number(v.toPrecision(3)).toString());

function frame(w: number, h: number, title: string | undefined, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">
<rect width="${w}" height="${h}" fill="white"/>
${title ? `<text x="${w / 2}" y="18" text-anchor="middle" font-size="14">${esc(title)}</text>` : ""}
${body}
</svg>
`;
}

function axes(x0: number, y0: number, pw: number, ph: number, xr: [number, number], yr: [number, number], xlabel = "", ylabel = ""): string {
  const ticks = (lo: number, hi: number) => Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  let s = `<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`;
  for (const t of ticks(...xr)) {
    const x = x0 + ((t - xr[0]) / (xr[1] - xr[0] || 1)) * pw;
    s += `<line x1="${x}" y1="${y0 + ph}" x2="${x}" y2="${y0 + ph + 4}" stroke="#444"/><text x="${x}" y="${y0 + ph + 16}" text-anchor="middle">${fmt(t)}</text>`;
  }
  for (const t of ticks(...yr)) {
    const y = y0 + ph - ((t - yr[0]) / (yr[1] - yr[0] || 1)) * ph;
    s += `<line x1="${x0 - 4}" y1="${y}" x2="${x0}" y2="${y}" stroke="#444"/><text x="${x0 - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`;
  }
  if (xlabel) s += `<text x="${x0 + pw / 2}" y="${y0 + ph + 32}" text-anchor="middle">${esc(xlabel)}</text>`;
  if (ylabel) s += `<text x="14" y="${y0 + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${y0 + ph / 2})">${esc(ylabel)}</text>`;
  return s;
}

/** Line chart of one or more series against their index (e.g. train and test loss per epoch). */
export function lineChart(series: Series[], opts: Size & { xlabel?: string; ylabel?: string } = {}): string {
  checkOptions("lineChart", opts, ["width", "height", "title", "xlabel", "ylabel"]);
  const w = opts.width ?? 560;
  const h = opts.height ?? 360;
  const [x0, y0, pw, ph] = [64, 32, w - 84, h - 80];
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = Math.min(...all, 0);
  const hi = Math.max(...all, lo + 1e-9);
  const n = Math.max(...series.map((s) => s.values.length), 2);
  let body = axes(x0, y0, pw, ph, [0, n - 1], [lo, hi], opts.xlabel ?? "step", opts.ylabel ?? "");
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.values
      .map((v, j) => (Number.isFinite(v) ? `${(x0 + (j / (n - 1)) * pw).toFixed(1)},${(y0 + ph - ((v - lo) / (hi - lo)) * ph).toFixed(1)}` : ""))
      .filter(Boolean)
      .join(" ");
    body += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`;
    body += `<rect x="${x0 + pw - 130}" y="${y0 + 8 + i * 18}" width="12" height="12" fill="${color}"/><text x="${x0 + pw - 112}" y="${y0 + 18 + i * 18}">${esc(s.name)}</text>`;
  });
  return frame(w, h, opts.title, body);
}

/**
 * Scatter of labelled 2-D points over a class-coloured grid: `classify(xs, ys)` returns the
 * predicted class for each grid point (a decision boundary, as in the PyTorch course's plots).
 */
export function decisionBoundary(points: Point[], classify: ((xs: number[], ys: number[]) => ArrayLike<number>) | null, opts: Size & { resolution?: number } = {}): string {
  checkOptions("decisionBoundary", opts, ["width", "height", "title", "resolution"]);
  const w = opts.width ?? 420;
  const h = opts.height ?? 420;
  const [x0, y0, pw, ph] = [50, 32, w - 70, h - 70];
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const pad = (lo: number, hi: number): [number, number] => [lo - 0.1 * (hi - lo || 1), hi + 0.1 * (hi - lo || 1)];
  const xr = pad(Math.min(...xs), Math.max(...xs));
  const yr = pad(Math.min(...ys), Math.max(...ys));
  let body = "";
  if (classify) {
    const r = opts.resolution ?? 60;
    const gx: number[] = [];
    const gy: number[] = [];
    for (let j = 0; j < r; j++) for (let i = 0; i < r; i++) {
      gx.push(xr[0] + ((i + 0.5) / r) * (xr[1] - xr[0]));
      gy.push(yr[1] - ((j + 0.5) / r) * (yr[1] - yr[0]));
    }
    const cls = classify(gx, gy);
    const cw = pw / r;
    const ch = ph / r;
    for (let k = 0; k < r * r; k++) {
      const i = k % r;
      const j = Math.floor(k / r);
      body += `<rect x="${(x0 + i * cw).toFixed(1)}" y="${(y0 + j * ch).toFixed(1)}" width="${(cw + 0.6).toFixed(1)}" height="${(ch + 0.6).toFixed(1)}" fill="${PALETTE[cls[k] % PALETTE.length]}" fill-opacity="0.25"/>`;
    }
  }
  body += axes(x0, y0, pw, ph, xr, yr, "x1", "x2");
  for (const p of points) {
    const cx = x0 + ((p.x - xr[0]) / (xr[1] - xr[0])) * pw;
    const cy = y0 + ph - ((p.y - yr[0]) / (yr[1] - yr[0])) * ph;
    body += `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="3" fill="${PALETTE[p.label % PALETTE.length]}" stroke="#222" stroke-width="0.5"/>`;
  }
  return frame(w, h, opts.title, body);
}

/** Several charts side by side in one SVG (e.g. the train and test decision boundaries). */
export function sideBySide(svgs: string[], opts: { title?: string } = {}): string {
  checkOptions("sideBySide", opts, ["title"]);
  const dims = svgs.map((s) => {
    const m = /width="(\d+)" height="(\d+)"/.exec(s);
    return m ? [Number(m[1]), Number(m[2])] : [400, 400];
  });
  const w = dims.reduce((a, d) => a + d[0], 0);
  const h = Math.max(...dims.map((d) => d[1])) + (opts.title ? 24 : 0);
  let x = 0;
  let body = "";
  svgs.forEach((s, i) => {
    body += `<g transform="translate(${x} ${opts.title ? 24 : 0})">${s.replace(/<\/?svg[^>]*>/g, "")}</g>`;
    x += dims[i][0];
  });
  return frame(w, h, opts.title, body);
}

// Figures for image classifiers (confusion matrix, image grids with predictions).
export { confusionMatrixSvg, imageGridSvg, type ConfusionMatrixSvgOptions, type ImageGridSvgOptions } from "./images.js";
