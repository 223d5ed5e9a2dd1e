// SVG figures for image classifiers: a confusion matrix and a grid of images with their labels
// (green when the prediction is right, red when wrong), as the PyTorch computer-vision chapter
// draws them with matplotlib. Pure text: write the string to a .svg file and open it in a browser.
import { ValueError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { checkOptions } from "../options.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const GREEN = "#2ca02c";
const RED = "#d62728";

function svg(w: number, h: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">
<rect width="${w}" height="${h}" fill="white"/>
${body}
</svg>
`;
}

const isTensor = (x: unknown): x is Tensor => x !== null && typeof x === "object" && typeof (x as Tensor).dataSync === "function" && "shape" in (x as object);

/** White to dark blue (matplotlib's "Blues", approximately) for t in [0, 1]. */
function blues(t: number): string {
  const a = [247, 251, 255];
  const b = [8, 48, 107];
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * Math.min(1, Math.max(0, t))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export interface ConfusionMatrixSvgOptions {
  title?: string;
  /** Colour (and print) each row as fractions of its class (recall per cell). */
  normalize?: boolean;
  /** Cell side in pixels (default 44). */
  cellSize?: number;
}

/**
 * A confusion matrix (rows: true class, columns: predicted class, as metrics.confusionMatrix
 * gives it) as a heat map with the count in each cell and the class names on both axes.
 */
export function confusionMatrixSvg(matrix: number[][] | Tensor, classNames?: readonly string[], opts: ConfusionMatrixSvgOptions = {}): string {
  checkOptions("confusionMatrixSvg", opts, ["title", "normalize", "cellSize"]);
  const m: number[][] = isTensor(matrix) ? (matrix.tolist() as number[][]) : matrix;
  const k = m.length;
  if (k === 0 || m.some((r) => !Array.isArray(r) || r.length !== k)) throw new ValueError("confusionMatrixSvg(): the matrix must be square and non-empty");
  const names = Array.from({ length: k }, (_, i) => classNames?.[i] ?? String(i));
  const cs = opts.cellSize ?? 44;
  const labelW = Math.max(...names.map((n) => n.length)) * 7 + 16;
  const x0 = labelW + 24;
  const y0 = opts.title ? 40 : 16;
  const w = x0 + k * cs + 16;
  const h = y0 + k * cs + labelW + 28;
  const rowSums = m.map((r) => r.reduce((a, b) => a + b, 0));
  const value = (i: number, j: number) => (opts.normalize ? (rowSums[i] ? m[i][j] / rowSums[i] : 0) : m[i][j]);
  let max = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) max = Math.max(max, value(i, j));
  let body = opts.title ? `<text x="${w / 2}" y="22" text-anchor="middle" font-size="15">${esc(opts.title)}</text>` : "";
  const fs = Math.min(12, cs / 3.2);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = value(i, j);
      const t = max > 0 ? v / max : 0;
      const x = x0 + j * cs;
      const y = y0 + i * cs;
      const txt = opts.normalize ? v.toFixed(2) : String(v);
      body += `<rect x="${x}" y="${y}" width="${cs}" height="${cs}" fill="${blues(t)}" stroke="#ddd" stroke-width="0.5"><title>true ${esc(names[i])}, predicted ${esc(names[j])}: ${m[i][j]}</title></rect>`;
      body += `<text x="${x + cs / 2}" y="${y + cs / 2 + fs / 3}" text-anchor="middle" font-size="${fs}" fill="${t > 0.5 ? "white" : "#222"}">${txt}</text>`;
    }
    body += `<text x="${x0 - 6}" y="${y0 + i * cs + cs / 2 + 4}" text-anchor="end">${esc(names[i])}</text>`;
  }
  for (let j = 0; j < k; j++) {
    const x = x0 + j * cs + cs / 2 + 4;
    const y = y0 + k * cs + 8;
    body += `<text x="${x}" y="${y}" text-anchor="end" transform="rotate(-60 ${x} ${y})">${esc(names[j])}</text>`;
  }
  body += `<rect x="${x0}" y="${y0}" width="${k * cs}" height="${k * cs}" fill="none" stroke="#444"/>`;
  body += `<text x="${x0 + (k * cs) / 2}" y="${h - 8}" text-anchor="middle" font-size="13">Predicted label</text>`;
  body += `<text x="14" y="${y0 + (k * cs) / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 14 ${y0 + (k * cs) / 2})">True label</text>`;
  return svg(w, h, body);
}

export interface ImageGridSvgOptions {
  /** True classes, one per image. */
  labels?: ArrayLike<number>;
  /** Predicted classes, one per image: titles are green when equal to the label, red otherwise. */
  predictions?: ArrayLike<number>;
  classNames?: readonly string[];
  /** Images per row (default: the square root of N, rounded up). */
  ncols?: number;
  /** Screen pixels per image pixel (default 4). */
  scale?: number;
  title?: string;
  /** Grey scale range; default each image's own min..max (as matplotlib's imshow). */
  range?: [number, number];
}

/**
 * A grid of images ([N, 1, H, W], [N, 3, H, W] or [N, H, W] tensors, or arrays of [H][W]
 * rows) with a caption each: "Pred: Sneaker | Truth: Sneaker" in green when right, red when
 * wrong; the label alone when no predictions are given. Each pixel is an SVG rect (runs of one
 * colour in a row share a rect), so it opens anywhere with no image codec.
 */
export function imageGridSvg(images: Tensor | number[][][], opts: ImageGridSvgOptions = {}): string {
  checkOptions("imageGridSvg", opts, ["labels", "predictions", "classNames", "ncols", "scale", "title", "range"]);
  let n: number, c: number, h: number, w: number, data: ArrayLike<number>;
  if (isTensor(images)) {
    const s = images.shape;
    if (s.length === 3) [n, c, h, w] = [s[0], 1, s[1], s[2]];
    else if (s.length === 4 && (s[1] === 1 || s[1] === 3)) [n, c, h, w] = [s[0], s[1], s[2], s[3]];
    else throw new ValueError(`imageGridSvg(): expected images [N, H, W], [N, 1, H, W] or [N, 3, H, W], got [${s.join(", ")}]`);
    data = images.dataSync();
  } else {
    n = images.length;
    c = 1;
    h = images[0]?.length ?? 0;
    w = images[0]?.[0]?.length ?? 0;
    const flat = new Float32Array(n * h * w);
    images.forEach((img, i) => img.forEach((row, y) => row.forEach((v, x) => (flat[(i * h + y) * w + x] = v))));
    data = flat;
  }
  if (n === 0) throw new ValueError("imageGridSvg(): no images");
  for (const [name, arr] of [["labels", opts.labels], ["predictions", opts.predictions]] as const) {
    if (arr && arr.length !== n) throw new ValueError(`imageGridSvg(): ${arr.length} ${name} for ${n} images`);
  }
  const ncols = opts.ncols ?? Math.ceil(Math.sqrt(n));
  const nrows = Math.ceil(n / ncols);
  const sc = opts.scale ?? 4;
  const name = (k: number) => opts.classNames?.[k] ?? String(k);
  const captions = Array.from({ length: n }, (_, i) => {
    const l = opts.labels?.[i];
    const p = opts.predictions?.[i];
    if (p !== undefined && l !== undefined) return { text: `Pred: ${name(p)} | Truth: ${name(l)}`, color: p === l ? GREEN : RED };
    if (p !== undefined) return { text: `Pred: ${name(p)}`, color: "#222" };
    if (l !== undefined) return { text: name(l), color: "#222" };
    return null;
  });
  const capH = captions.some(Boolean) ? 18 : 0;
  const capW = Math.max(0, ...captions.map((cp) => (cp ? cp.text.length * 6.2 : 0)));
  const cellW = Math.max(w * sc, capW) + 12;
  const cellH = h * sc + capH + 12;
  const top = opts.title ? 30 : 6;
  const W = ncols * cellW + 6;
  const H = top + nrows * cellH;
  let body = opts.title ? `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${esc(opts.title)}</text>` : "";
  const hw = h * w;
  for (let i = 0; i < n; i++) {
    const gx = 6 + (i % ncols) * cellW;
    const gy = top + Math.floor(i / ncols) * cellH;
    const ix = gx + (cellW - 12 - w * sc) / 2;
    const iy = gy + capH;
    const base = i * c * hw;
    let lo = opts.range?.[0] ?? Infinity;
    let hi = opts.range?.[1] ?? -Infinity;
    if (!opts.range) for (let k = 0; k < c * hw; k++) {
      const v = data[base + k];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo || 1;
    const q = (v: number) => Math.round(Math.min(1, Math.max(0, (v - lo) / span)) * 255);
    const color = (k: number): string => {
      if (c === 1) {
        const g = q(data[base + k]);
        return g === 0 ? "" : `rgb(${g},${g},${g})`;
      }
      const [r, g, b] = [q(data[base + k]), q(data[base + hw + k]), q(data[base + 2 * hw + k])];
      return r + g + b === 0 ? "" : `rgb(${r},${g},${b})`;
    };
    const cap = captions[i];
    if (cap) body += `<text x="${gx + (cellW - 12) / 2}" y="${gy + 13}" text-anchor="middle" fill="${cap.color}">${esc(cap.text)}</text>`;
    body += `<g shape-rendering="crispEdges"><rect x="${ix}" y="${iy}" width="${w * sc}" height="${h * sc}" fill="black"/>`;
    for (let y = 0; y < h; y++) {
      let x = 0;
      while (x < w) {
        const col = color(y * w + x);
        let e = x + 1;
        while (e < w && color(y * w + e) === col) e++;
        if (col) body += `<rect x="${ix + x * sc}" y="${iy + y * sc}" width="${(e - x) * sc}" height="${sc}" fill="${col}"/>`;
        x = e;
      }
    }
    body += `</g>`;
    if (cap && cap.color !== "#222") body += `<rect x="${ix - 1}" y="${iy - 1}" width="${w * sc + 2}" height="${h * sc + 2}" fill="none" stroke="${cap.color}" stroke-width="2"/>`;
  }
  return svg(W, H, body);
}
