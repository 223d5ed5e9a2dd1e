// Tensor printing in PyTorch's repr style (torch/_tensor_str.py): one width for all elements,
// integral floats as "1.", fixed 4 decimals or scientific when magnitudes are far apart,
// summarised with "..." above 1000 elements.
import type { DType } from "./dtype.js";

const THRESHOLD = 1000;
const EDGE = 3;

const INTEGER = new Set<DType>(["int32", "int64", "uint8", "int8"]);

function floatFormatter(vals: ArrayLike<number>): (x: number) => string {
  const finite: number[] = [];
  for (let i = 0; i < vals.length; i++) if (Number.isFinite(vals[i])) finite.push(Math.abs(vals[i]));
  const intMode = finite.every((x, i) => Number.isInteger(x) || i < 0);
  const nonzero = finite.filter((x) => x !== 0);
  const mx = nonzero.length ? Math.max(...nonzero) : 0;
  const mn = nonzero.length ? Math.min(...nonzero) : 0;
  const special = (x: number) => (Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf");
  if (intMode) {
    if (mx > 1e8) return (x) => (Number.isFinite(x) ? sci(x) : special(x));
    return (x) => (Number.isFinite(x) ? `${x.toFixed(0)}.` : special(x));
  }
  if (mx / mn > 1000 || mx > 1e8 || mn < 1e-4) return (x) => (Number.isFinite(x) ? sci(x) : special(x));
  return (x) => (Number.isFinite(x) ? x.toFixed(4) : special(x));
}

/** Python's "{:.4e}": two-digit exponent at least. */
function sci(x: number): string {
  const [m, e] = x.toExponential(4).split("e");
  const n = Number(e);
  return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
}

/** Autograd state as PyTorch prints it after the values. */
export interface GradRepr {
  /** A leaf that requires grad: "requires_grad=True". */
  requiresGrad: boolean;
  /** The engine's name of the op that made a non-leaf ("mul"), or null. */
  gradFn: string | null;
}

/**
 * PyTorch's backward-node name for an engine op: "log_softmax" -> "LogSoftmaxBackward0". matmul
 * is one engine op where PyTorch dispatches by rank (mm, dot, bmm...): named from the output rank.
 */
export function torchGradFnName(op: string, outRank: number): string {
  if (op === "matmul") return outRank === 2 ? "MmBackward0" : outRank === 0 ? "DotBackward0" : "MatmulBackward0";
  const camel = op.split(/[_.]/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join("");
  return `${camel}Backward0`;
}

export function formatTensor(data: ArrayLike<number>, shape: readonly number[], dtype: DType, grad?: GradRepr): string {
  const n = data.length;
  const summarize = n > THRESHOLD;
  const fmt =
    dtype === "bool" ? (x: number) => (x ? "True" : "False") : INTEGER.has(dtype) ? (x: number) => String(x) : floatFormatter(data);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // Width from the elements actually shown.
  let width = 1;
  const visit = (dim: number, off: number, f: (off: number) => void): void => {
    if (dim === shape.length) return f(off);
    const size = shape[dim];
    const idx = summarize && size > 2 * EDGE ? [...range(0, EDGE), ...range(size - EDGE, size)] : range(0, size);
    for (const i of idx) visit(dim + 1, off + i * strides[dim], f);
  };
  visit(0, 0, (off) => (width = Math.max(width, fmt(data[off]).length)));
  const rec = (dim: number, off: number, indent: number): string => {
    if (dim === shape.length) return fmt(data[off]).padStart(width);
    const size = shape[dim];
    const parts: string[] = [];
    const cut = summarize && size > 2 * EDGE;
    for (const i of cut ? range(0, EDGE) : range(0, size)) parts.push(rec(dim + 1, off + i * strides[dim], indent + 1));
    if (cut) {
      parts.push("...");
      for (const i of range(size - EDGE, size)) parts.push(rec(dim + 1, off + i * strides[dim], indent + 1));
    }
    const last = dim === shape.length - 1;
    const sep = last ? ", " : "," + "\n".repeat(shape.length - dim - 1) + " ".repeat(indent + 1);
    return `[${parts.join(sep)}]`;
  };
  const suffix: string[] = [];
  // torch omits its defaults (float32, int64, bool).
  if (dtype !== "float32" && dtype !== "int64" && dtype !== "bool") suffix.push(`dtype=torch.${dtype}`);
  let body: string;
  if (n === 0) {
    body = "[]";
    if (shape.length > 1) suffix.unshift(`size=(${shape.join(", ")})`);
  } else {
    body = rec(0, 0, "tensor(".length);
  }
  if (grad?.gradFn) suffix.push(`grad_fn=<${torchGradFnName(grad.gradFn, shape.length)}>`);
  else if (grad?.requiresGrad) suffix.push("requires_grad=True");
  return `tensor(${[body, ...suffix].join(", ")})`;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}
