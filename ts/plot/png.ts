// PNG output for the SVG charts of kd.plot: a rasterizer for the SVG these charts write (rect,
// line, polyline, circle, text, g translate, text rotate) into RGBA pixels, and a PNG encoder.
// No canvas is needed, so it runs in Node as in browsers; deflate is the platform's
// CompressionStream (Node 18+, browsers). Shapes are anti-aliased by pixel coverage; text uses a
// built-in 5x7 bitmap font (capitals, digits and common punctuation; lower case is drawn in
// capitals), so labels are readable but not the SVG's typeface.
//   await kd.plot.toPng(kd.plot.lineChart(series))        // Uint8Array, the bytes of a .png file
//   kd.plot.rasterize(svg)                                // {width, height, data: RGBA bytes}
import { ValueError } from "../errors.js";
import { checkOptions } from "../options.js";

export interface Raster { width: number; height: number; data: Uint8ClampedArray }

// 5x7 glyphs: 7 rows, each a base-32 digit whose 5 bits are the row's pixels (left = high bit).
const FONT: Record<string, string> = { "A": "ehhvhhh", "B": "uhhuhhu", "C": "ehggghe", "D": "uhhhhhu", "E": "vgguggv", "F": "vgguggg", "G": "ehgnhhf", "H": "hhhvhhh", "I": "e44444e", "J": "72222ic", "K": "hikokih", "L": "ggggggv", "M": "hrllhhh", "N": "hhpljhh", "O": "ehhhhhe", "P": "uhhuggg", "Q": "ehhhlid", "R": "uhhukih", "S": "fgge11u", "T": "v444444", "U": "hhhhhhe", "V": "hhhhha4", "W": "hhhllla", "X": "hha4ahh", "Y": "hha4444", "Z": "v1248gv", "0": "ehjlphe", "1": "4c4444e", "2": "eh1248v", "3": "v2421he", "4": "26aiv22", "5": "vgu11he", "6": "68guhhe", "7": "v124888", "8": "ehhehhe", "9": "ehhf12c", ".": "00000cc", ",": "0000c48", "-": "000v000", "+": "044v440", "(": "2488842", ")": "8422248", "[": "e88888e", "]": "e22222e", ":": "0cc0cc0", "%": "op248j3", "/": "01248g0", "_": "000000v", "'": "4480000", "=": "00v0v00", "!": "4444404", "?": "eh12404", "#": "aavavaa", "<": "248g842", ">": "8421248", "*": "04lel40", };
const GLYPH_W = 5, GLYPH_H = 7, ADVANCE = 6;

const NAMED: Record<string, [number, number, number]> = { white: [255, 255, 255], black: [0, 0, 0], red: [255, 0, 0], green: [0, 128, 0], blue: [0, 0, 255], gray: [128, 128, 128], grey: [128, 128, 128] };

/** "#rgb", "#rrggbb", "rgb(r,g,b)" or a few names; null for "none". */
function color(v: string | undefined, where: string): [number, number, number] | null {
  if (v === undefined || v === "none" || v === "transparent") return null;
  const s = v.trim().toLowerCase();
  if (NAMED[s]) return NAMED[s];
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m) return [0, 1, 2].map((i) => parseInt(m![1][i] + m![1][i], 16)) as [number, number, number];
  m = /^#([0-9a-f]{6})$/.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as [number, number, number];
  m = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  throw new ValueError(`${where}: unsupported colour ${JSON.stringify(v)}`);
}

function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w:-]+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

class Canvas {
  readonly data: Uint8ClampedArray;
  constructor(readonly width: number, readonly height: number) {
    this.data = new Uint8ClampedArray(width * height * 4); // transparent until the chart's background rect
  }
  /** Blends rgb over pixel (x, y) with coverage a in [0, 1]. */
  blend(x: number, y: number, rgb: [number, number, number], a: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || a <= 0) return;
    const i = (y * this.width + x) * 4;
    const d = this.data;
    const da = d[i + 3] / 255;
    const oa = a + da * (1 - a);
    for (let k = 0; k < 3; k++) d[i + k] = Math.round((rgb[k] * a + d[i + k] * da * (1 - a)) / (oa || 1));
    d[i + 3] = Math.round(oa * 255);
  }
  /** Paints a shape given its coverage per pixel (the max over its parts, so joints are not painted twice). */
  shape(x0: number, y0: number, x1: number, y1: number, cover: (px: number, py: number) => number, rgb: [number, number, number], opacity: number): void {
    const xa = Math.max(0, Math.floor(x0)), xb = Math.min(this.width - 1, Math.ceil(x1));
    const ya = Math.max(0, Math.floor(y0)), yb = Math.min(this.height - 1, Math.ceil(y1));
    for (let y = ya; y <= yb; y++) for (let x = xa; x <= xb; x++) this.blend(x, y, rgb, Math.min(1, cover(x + 0.5, y + 0.5)) * opacity);
  }
}

/** Coverage of a pixel centre at distance d from a shape edge, d < 0 inside (a one-pixel ramp). */
const ramp = (d: number) => Math.max(0, Math.min(1, 0.5 - d));

function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const l2 = dx * dx + dy * dy;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function strokePath(c: Canvas, pts: number[][], width: number, rgb: [number, number, number], opacity: number): void {
  if (pts.length === 0) return;
  const hw = width / 2;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  c.shape(Math.min(...xs) - hw - 1, Math.min(...ys) - hw - 1, Math.max(...xs) + hw + 1, Math.max(...ys) + hw + 1, (px, py) => {
    let d = Infinity;
    for (let i = 0; i + 1 < pts.length; i++) d = Math.min(d, segDist(px, py, pts[i][0], pts[i][1], pts[i + 1][0], pts[i + 1][1]));
    if (pts.length === 1) d = Math.hypot(px - pts[0][0], py - pts[0][1]);
    return ramp(d - hw);
  }, rgb, opacity);
}

/** Text in the bitmap font, each font pixel drawn as k x k pixels (k from the font size: 1 up to 17px). */
function text(c: Canvas, str: string, x: number, y: number, anchor: string, rgb: [number, number, number], rotate: [number, number, number] | null, k: number): void {
  const w = (str.length * ADVANCE - 1) * k;
  const left = anchor === "middle" ? Math.round(x - w / 2) : anchor === "end" ? Math.round(x - w) : Math.round(x);
  const top = Math.round(y) - GLYPH_H * k;
  const [deg, cx, cy] = rotate ?? [0, 0, 0];
  const cos = Math.round(Math.cos((deg * Math.PI) / 180) * 1e9) / 1e9, sin = Math.round(Math.sin((deg * Math.PI) / 180) * 1e9) / 1e9;
  [...str].forEach((ch, i) => {
    const g = FONT[ch.toUpperCase()];
    if (!g) return; // a space, or a character the font lacks
    for (let r = 0; r < GLYPH_H; r++) {
      const bits = parseInt(g[r], 32);
      for (let b = 0; b < GLYPH_W; b++) {
        if (!(bits & (1 << (GLYPH_W - 1 - b)))) continue;
        for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) {
          const px = left + (i * ADVANCE + b) * k + dx + 0.5, py = top + r * k + dy + 0.5;
          const rx = rotate ? cx + (px - cx) * cos - (py - cy) * sin : px;
          const ry = rotate ? cy + (px - cx) * sin + (py - cy) * cos : py;
          c.blend(Math.floor(rx), Math.floor(ry), rgb, 1);
        }
      }
    }
  });
}

const num = (v: string | undefined, d = 0) => (v === undefined ? d : Number(v));

/**
 * Draws an SVG chart of kd.plot into RGBA pixels (white where the chart paints its background).
 * Only the elements kd.plot writes are understood; another is a ValueError naming it.
 */
export function rasterize(svg: string): Raster {
  if (typeof svg !== "string" || !svg.trimStart().startsWith("<svg")) throw new ValueError("rasterize: expected the SVG text of a kd.plot chart");
  const root = attrs(/<svg([^>]*)>/.exec(svg)![1]);
  const width = Math.round(num(root.width)), height = Math.round(num(root.height));
  if (!(width > 0 && height > 0)) throw new ValueError("rasterize: the SVG has no width and height");
  const c = new Canvas(width, height);
  const rootFont = num(root["font-size"], 12);
  const offsets: [number, number][] = [[0, 0]];
  const tag = /<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(svg))) {
    const [, close, name, rest, selfClose] = m;
    const a = attrs(rest);
    const [ox, oy] = offsets[offsets.length - 1];
    const opacity = num(a.opacity, 1) * num(a["fill-opacity"], 1);
    const where = `rasterize: <${name}>`;
    if (name === "svg") continue;
    if (name === "g") {
      if (close) offsets.pop();
      else {
        const t = /translate\(\s*([-\d.e]+)[\s,]+([-\d.e]+)\s*\)/.exec(a.transform ?? "");
        offsets.push(t ? [ox + Number(t[1]), oy + Number(t[2])] : [ox, oy]);
        if (selfClose) offsets.pop();
      }
      continue;
    }
    if (close) continue;
    if (name === "title") {
      tag.lastIndex = svg.indexOf("</title>", tag.lastIndex) + 8;
      continue;
    }
    if (name === "rect") {
      const x = ox + num(a.x), y = oy + num(a.y), w = num(a.width), h = num(a.height);
      const fill = color(a.fill ?? "black", where);
      if (fill) c.shape(x - 1, y - 1, x + w + 1, y + h + 1, (px, py) => Math.min(ramp(x - px), ramp(px - x - w), ramp(y - py), ramp(py - y - h)) , fill, opacity);
      const stroke = color(a.stroke, where);
      if (stroke) strokePath(c, [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]], num(a["stroke-width"], 1), stroke, num(a.opacity, 1));
    } else if (name === "line") {
      const stroke = color(a.stroke, where);
      if (stroke) strokePath(c, [[ox + num(a.x1), oy + num(a.y1)], [ox + num(a.x2), oy + num(a.y2)]], num(a["stroke-width"], 1), stroke, num(a.opacity, 1));
    } else if (name === "polyline") {
      const pts = (a.points ?? "").trim().split(/\s+/).filter(Boolean).map((p) => p.split(",").map(Number)).map(([x, y]) => [ox + x, oy + y]);
      const stroke = color(a.stroke, where);
      if (a.fill !== undefined && a.fill !== "none") throw new ValueError(`${where}: a filled polyline is not supported`);
      if (stroke) strokePath(c, pts, num(a["stroke-width"], 1), stroke, num(a.opacity, 1));
    } else if (name === "circle") {
      const cx = ox + num(a.cx), cy = oy + num(a.cy), r = num(a.r);
      const fill = color(a.fill ?? "black", where);
      if (fill) c.shape(cx - r - 1, cy - r - 1, cx + r + 1, cy + r + 1, (px, py) => ramp(Math.hypot(px - cx, py - cy) - r), fill, opacity);
      const stroke = color(a.stroke, where);
      const sw = num(a["stroke-width"], 1);
      if (stroke) c.shape(cx - r - sw, cy - r - sw, cx + r + sw, cy + r + sw, (px, py) => ramp(Math.abs(Math.hypot(px - cx, py - cy) - r) - sw / 2), stroke, num(a.opacity, 1));
    } else if (name === "text") {
      const end = svg.indexOf("</text>", tag.lastIndex);
      const content = unescape(svg.slice(tag.lastIndex, end).replace(/<[^>]*>/g, ""));
      tag.lastIndex = end + 7;
      const r = /rotate\(\s*([-\d.e]+)[\s,]+([-\d.e]+)[\s,]+([-\d.e]+)\s*\)/.exec(a.transform ?? "");
      const fill = color(a.fill ?? "black", where) ?? [0, 0, 0];
      const k = Math.max(1, Math.round(num(a["font-size"], rootFont) / 12));
      text(c, content, ox + num(a.x), oy + num(a.y), a["text-anchor"] ?? "start", fill, r ? [Number(r[1]), ox + Number(r[2]), oy + Number(r[3])] : null, k);
    } else {
      throw new ValueError(`${where} is not supported (only the elements kd.plot writes are)`);
    }
  }
  return { width, height, data: c.data };
}

// ---- PNG encoding -----------------------------------------------------------------------

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** zlib deflate through the platform's CompressionStream (Node 18+, browsers). */
async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof CompressionStream === "undefined") throw new ValueError("toPng: this runtime has no CompressionStream (Node 18+ or a current browser is needed)");
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The bytes of a PNG file (8-bit RGBA) holding the pixels. */
export async function encodePng(r: Raster): Promise<Uint8Array> {
  const { width, height, data } = r;
  const raw = new Uint8Array((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1); // filter 0 per row
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method variants, no interlace
  const parts = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", await deflate(raw)), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A kd.plot chart (its SVG text) as the bytes of a PNG file: `scale` 2 draws it at twice the
 * size (lines, points and text grow with it).
 *   writeFileSync("loss.png", await kd.plot.toPng(kd.plot.lineChart(series)));
 */
export async function toPng(svg: string, opts: { scale?: number } = {}): Promise<Uint8Array> {
  checkOptions("toPng", opts, ["scale"]);
  const s = opts.scale ?? 1;
  if (!Number.isInteger(s) || s < 1 || s > 8) throw new ValueError(`toPng: scale must be an integer from 1 to 8, got ${s}`);
  return encodePng(rasterize(s === 1 ? svg : scaled(svg, s)));
}

/** The SVG with its drawing scaled by s (a translate group is the only transform its parser needs). */
function scaled(svg: string, s: number): string {
  return svg.replace(/\b(x|y|x1|y1|x2|y2|cx|cy|r|width|height|stroke-width|font-size)="([-\d.e]+)"/g, (_, k: string, v: string) => `${k}="${Number(v) * s}"`)
    .replace(/points="([^"]*)"/g, (_, p: string) => `points="${p.trim().split(/\s+/).map((xy) => xy.split(",").map((n) => Number(n) * s).join(",")).join(" ")}"`)
    .replace(/(translate|rotate)\(([^)]*)\)/g, (_, f: string, args: string) => {
      const n = args.trim().split(/[\s,]+/).map(Number);
      return `${f}(${(f === "rotate" ? [n[0], ...n.slice(1).map((v) => v * s)] : n.map((v) => v * s)).join(" ")})`;
    });
}
