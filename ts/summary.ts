// kd.summary(model, inputShape): torchinfo's summary table. One forward pass on zeros, with a
// forward hook on every module to capture its output shape; rows in module-tree order named
// "Type: depth-index" (index counted per depth across the model, as torchinfo), then the totals
// and size estimates by torchinfo 1.x's rules: 4 bytes per float; the forward/backward pass size
// is the outputs of leaf layers that have parameters, twice (for their gradients); mult-adds are
// each leaf's parameter count times N*H*W of its output for convolutions, times N otherwise.
import { ShapeError, ValueError } from "./errors.js";
import { checkOptions } from "./options.js";
import { Module } from "./nn/module.js";
import { Tensor } from "./tensor.js";
import { zeros } from "./creation.js";
import { noGrad } from "./autograd.js";
import { tidy } from "./memory.js";

export interface SummaryRow {
  /** "Conv2d: 2-1" style name, without the tree prefix. */
  layer: string;
  type: string;
  /** The attribute name in the parent ("" for the model). */
  name: string;
  depth: number;
  outputShape: number[] | null;
  /** The module's own parameters (not its children's). */
  params: number;
  /** true/false when the module has own parameters, null when it has none. */
  trainable: boolean | null;
}

export interface ModelSummary {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  multAdds: number;
  inputBytes: number;
  forwardBackwardBytes: number;
  paramBytes: number;
  /** The table, as torchinfo prints it. */
  toString(): string;
}

export interface SummaryOptions {
  /** Columns: "output_size", "num_params" (default both), "trainable". */
  colNames?: ("output_size" | "num_params" | "trainable")[];
  /** Deepest tree level shown (default 3, as torchinfo). */
  depth?: number;
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
const group = (n: number) => n.toLocaleString("en-US");
const mb = (bytes: number) => (bytes / 1e6).toFixed(2);

/** The summary of `model` for one forward pass on zeros of `inputShape` (batch included). */
export function summary(model: Module, inputShape: readonly number[], opts: SummaryOptions = {}): ModelSummary {
  checkOptions("summary", opts, ["colNames", "depth"]);
  if (!(model instanceof Module)) throw new ValueError("summary: model must be an nn.Module");
  if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ShapeError(`summary: inputShape must be a list of positive integers, got [${String(inputShape)}]`);
  }
  const cols = opts.colNames ?? ["output_size", "num_params"];
  const maxDepth = opts.depth ?? 3;
  const mods: { m: Module; name: string; depth: number; index: number }[] = [];
  const perDepth = new Map<number, number>();
  const walk = (m: Module, name: string, depth: number) => {
    const index = (perDepth.get(depth) ?? 0) + 1;
    perDepth.set(depth, index);
    mods.push({ m, name, depth, index });
    for (const [n, c] of m.namedChildren()) walk(c, n, depth + 1);
  };
  walk(model, "", 0);
  const shapes = new Map<Module, number[]>();
  const handles = mods.map(({ m }) => m.registerForwardHook((mod, _args, out) => {
    const t = Array.isArray(out) ? out[0] : out;
    if (t instanceof Tensor) shapes.set(mod, [...t.shape]);
  }));
  // As torchinfo (mode "eval" by default): eval mode, so that batch norm statistics are not
  // moved by the zeros; each module's own mode is put back afterwards.
  const modes = mods.map(({ m }) => m.training);
  model.eval();
  try {
    noGrad(() => tidy(() => { model.call(zeros([...inputShape])); }));
  } finally {
    for (const h of handles) h.remove();
    mods.forEach(({ m }, i) => { m.training = modes[i]; });
  }
  const rows: SummaryRow[] = [];
  let multAdds = 0, outBytes = 0;
  for (const { m, name, depth, index } of mods) {
    const own = m.namedParameters({ recurse: false }).map((e) => e[1]);
    const params = own.reduce((n, p) => n + p.numel(), 0);
    const shape = shapes.get(m) ?? null;
    const type = m.constructor.name;
    if (m.namedChildren().length === 0 && shape) {
      const per = type.includes("Conv") ? shape[0] * prod(shape.slice(2)) : shape[0];
      multAdds += params * per;
      if (params > 0) outBytes += 4 * prod(shape) * 2;
    }
    rows.push({ layer: depth > 0 ? `${type}: ${depth}-${index}` : type, type, name, depth, outputShape: shape, params, trainable: own.length ? own.every((p) => p.requiresGrad) : null });
  }
  const totalParams = model.parameters().reduce((n, p) => n + p.numel(), 0);
  const trainableParams = model.parameters().filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
  const inputBytes = 4 * prod(inputShape);
  const result: ModelSummary = {
    rows, totalParams, trainableParams, nonTrainableParams: totalParams - trainableParams, multAdds,
    inputBytes, forwardBackwardBytes: outBytes, paramBytes: 4 * totalParams,
    toString: () => table(result, cols, maxDepth),
  };
  return result;
}

function table(s: ModelSummary, cols: string[], maxDepth: number): string {
  const heads: Record<string, [string, number]> = { output_size: ["Output Shape", 25], num_params: ["Param #", 25], trainable: ["Trainable", 25] };
  const nameWidth = 40;
  const width = nameWidth + cols.length * 25;
  const bar = "=".repeat(width), line: string[] = [bar];
  const pad = (s: string, n: number) => (s.length >= n ? s + " " : s.padEnd(n));
  line.push(pad("Layer (type:depth-idx)", nameWidth) + cols.map((c) => pad(heads[c][0], heads[c][1])).join("").trimEnd());
  line.push(bar);
  for (const r of s.rows) {
    if (r.depth > maxDepth) continue;
    const prefix = r.depth === 0 ? "" : `${"│    ".repeat(r.depth - 1)}${r.depth === 1 ? "├─" : "└─"}`;
    const cells = cols.map((c) => {
      if (c === "output_size") return r.outputShape ? `[${r.outputShape.join(", ")}]` : "--";
      if (c === "num_params") return r.params > 0 ? group(r.params) : "--";
      return r.trainable === null ? "--" : r.trainable ? "True" : "False";
    });
    line.push(pad(prefix + r.layer, nameWidth) + cells.map((c, i) => pad(c, heads[cols[i]][1])).join("").trimEnd());
  }
  const macs = s.multAdds >= 1e9 ? `Total mult-adds (G): ${(s.multAdds / 1e9).toFixed(2)}` : `Total mult-adds (M): ${(s.multAdds / 1e6).toFixed(2)}`;
  line.push(bar, `Total params: ${group(s.totalParams)}`, `Trainable params: ${group(s.trainableParams)}`, `Non-trainable params: ${group(s.nonTrainableParams)}`, macs, bar);
  const total = s.inputBytes + s.forwardBackwardBytes + s.paramBytes;
  line.push(`Input size (MB): ${mb(s.inputBytes)}`, `Forward/backward pass size (MB): ${mb(s.forwardBackwardBytes)}`, `Params size (MB): ${mb(s.paramBytes)}`, `Estimated Total Size (MB): ${mb(total)}`, bar);
  return line.join("\n");
}
