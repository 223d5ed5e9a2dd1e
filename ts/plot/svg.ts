// Small SVG charts for training scripts: loss curves, scatter plots, decision boundaries.
// SVG is text, so a chart is written with no canvas or native dependency and opens in any browser.
import { checkOptions } from "../options.js";

export interface Series {
  name: string;
  values: number[];
  color?: string;
  /** x of each value (e.g. epochs 1, 2, 3); default 0, 1, 2, ... */
  x?: number[];
  /** "right" plots the series on a second y axis with its own scale (accuracy next to loss). */
  axis?: "left" | "right";
}
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

/**
 * Round tick values covering [lo, hi]: steps of 1, 2 or 5 x 10^k, about `count` of them (whole
 * numbers when the data are whole numbers, e.g. epochs). Returns the ticks; the first and last
 * enclose the range.
 */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) [lo, hi] = lo === 0 ? [0, 1] : [lo - Math.abs(lo) / 2, hi + Math.abs(hi) / 2];
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The 1-2-5 step nearest the raw step (in ratio), so there are about `count` ticks.
  let step = [1, 2, 5, 10].map((m) => m * mag).reduce((a, b) => (Math.abs(Math.log(b / raw)) < Math.abs(Math.log(a / raw)) ? b : a));
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t < hi + step * 0.999; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi - 1e-12) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** Maps data to pixels along one axis; ticks are the nice ticks of the range. */
interface Scale { ticks: number[]; px: (v: number) => number }

function scale(values: number[], from: number, to: number, integer = false, zero = false): Scale {
  const fin = values.filter(Number.isFinite);
  const ticks = niceTicks(Math.min(...fin, ...(zero ? [0] : [])), Math.max(...fin), 5, integer);
  const lo = ticks[0], hi = ticks[ticks.length - 1];
  return { ticks, px: (v) => from + ((v - lo) / (hi - lo || 1)) * (to - from) };
}

/** A scale over exactly [lo, hi] (the plot's area is fixed), with the nice ticks inside it. */
function fixedScale([lo, hi]: [number, number], from: number, to: number): Scale {
  const ticks = niceTicks(lo, hi).filter((t) => t >= lo - 1e-12 && t <= hi + 1e-12);
  return { ticks, px: (v) => from + ((v - lo) / (hi - lo || 1)) * (to - from) };
}

function axes(x0: number, y0: number, pw: number, ph: number, xs: Scale, ys: Scale, xlabel = "", ylabel = "", right?: { scale: Scale; label: string }): string {
  let s = `<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`;
  for (const t of xs.ticks) {
    const x = xs.px(t);
    s += `<line x1="${x}" y1="${y0 + ph}" x2="${x}" y2="${y0 + ph + 4}" stroke="#444"/><text x="${x}" y="${y0 + ph + 16}" text-anchor="middle">${fmt(t)}</text>`;
  }
  for (const t of ys.ticks) {
    const y = ys.px(t);
    s += `<line x1="${x0 - 4}" y1="${y}" x2="${x0}" y2="${y}" stroke="#444"/><text x="${x0 - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`;
  }
  if (right) {
    for (const t of right.scale.ticks) {
      const y = right.scale.px(t);
      s += `<line x1="${x0 + pw}" y1="${y}" x2="${x0 + pw + 4}" y2="${y}" stroke="#444"/><text x="${x0 + pw + 6}" y="${y + 4}" text-anchor="start">${fmt(t)}</text>`;
    }
    const xr = x0 + pw + 44;
    if (right.label) s += `<text class="ylabel-right" x="${xr}" y="${y0 + ph / 2}" text-anchor="middle" transform="rotate(90 ${xr} ${y0 + ph / 2})">${esc(right.label)}</text>`;
  }
  if (xlabel) s += `<text class="xlabel" x="${x0 + pw / 2}" y="${y0 + ph + 32}" text-anchor="middle">${esc(xlabel)}</text>`;
  if (ylabel) s += `<text class="ylabel" x="14" y="${y0 + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${y0 + ph / 2})">${esc(ylabel)}</text>`;
  return s;
}

function legend(x: number, y: number, entries: { name: string; color: string }[]): string {
  return entries.map((e, i) => `<g class="legend"><rect x="${x}" y="${y + i * 18}" width="12" height="12" fill="${e.color}"/><text x="${x + 18}" y="${y + 10 + i * 18}">${esc(e.name)}</text></g>`).join("");
}

/**
 * Line chart of one or more series (e.g. train and test loss per epoch) against their x values
 * (default 0, 1, 2, ...), with round ticks (whole numbers for whole x), a legend, and a second y
 * axis on the right for series with axis: "right" (accuracy beside loss).
 */
export function lineChart(series: Series[], opts: Size & { xlabel?: string; ylabel?: string; ylabelRight?: string } = {}): string {
  checkOptions("lineChart", opts, ["width", "height", "title", "xlabel", "ylabel", "ylabelRight"]);
  const w = opts.width ?? 560;
  const h = opts.height ?? 360;
  const twoAxes = series.some((s) => s.axis === "right");
  const [x0, y0, pw, ph] = [64, 32, w - (twoAxes ? 128 : 84), h - 80];
  const xsOf = (s: Series) => s.x ?? s.values.map((_, j) => j);
  series.forEach((s) => {
    if (s.x && s.x.length !== s.values.length) throw new RangeError(`lineChart: series "${s.name}" has ${s.values.length} values but ${s.x.length} x values`);
  });
  const allX = series.flatMap(xsOf);
  const xs = scale(allX.length ? allX : [0, 1], x0, x0 + pw, allX.every(Number.isInteger));
  const side = (axis: "left" | "right") => series.filter((s) => (s.axis ?? "left") === axis).flatMap((s) => s.values);
  const left = scale(side("left").length ? side("left") : [0, 1], y0 + ph, y0, false, true);
  const right = twoAxes ? scale(side("right"), y0 + ph, y0, false, true) : undefined;
  let body = axes(x0, y0, pw, ph, xs, left, opts.xlabel ?? "step", opts.ylabel ?? "", right && { scale: right, label: opts.ylabelRight ?? "" });
  const entries: { name: string; color: string }[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const ys = s.axis === "right" ? right! : left;
    const x = xsOf(s);
    const pts = s.values
      .map((v, j) => (Number.isFinite(v) ? `${xs.px(x[j]).toFixed(1)},${ys.px(v).toFixed(1)}` : ""))
      .filter(Boolean)
      .join(" ");
    body += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`;
    entries.push({ name: s.axis === "right" ? `${s.name} (right axis)` : s.name, color });
  });
  body += legend(x0 + pw - 150, y0 + 8, entries);
  return frame(w, h, opts.title, body);
}

/** Groups of points, one colour and legend entry each (e.g. the data, then the predictions). */
export interface ScatterSeries { name: string; x: number[]; y: number[]; color?: string }

/** A scatter plot with a legend and axis labels (the course's plot_predictions). */
export function scatter(series: ScatterSeries[], opts: Size & { xlabel?: string; ylabel?: string; radius?: number } = {}): string {
  const w = opts.width ?? 560;
  const h = opts.height ?? 360;
  const [x0, y0, pw, ph] = [64, 32, w - 84, h - 80];
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new RangeError(`scatter: series "${s.name}" has ${s.x.length} x values but ${s.y.length} y values`);
  }
  const allX = series.flatMap((s) => s.x), allY = series.flatMap((s) => s.y);
  const xs = scale(allX.length ? allX : [0, 1], x0, x0 + pw);
  const ys = scale(allY.length ? allY : [0, 1], y0 + ph, y0);
  let body = axes(x0, y0, pw, ph, xs, ys, opts.xlabel ?? "x", opts.ylabel ?? "y");
  const r = opts.radius ?? 3;
  const entries = series.map((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    body += s.x.map((x, j) => `<circle cx="${xs.px(x).toFixed(1)}" cy="${ys.px(s.y[j]).toFixed(1)}" r="${r}" fill="${color}"/>`).join("");
    return { name: s.name, color };
  });
  body += legend(x0 + 10, y0 + 8, entries);
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
  body += axes(x0, y0, pw, ph, fixedScale(xr, x0, x0 + pw), fixedScale(yr, y0 + ph, y0), "x1", "x2");
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

// PNG files of these charts (a built-in rasterizer; no canvas needed).
export { toPng, rasterize, encodePng, type Raster } from "./png.js";
