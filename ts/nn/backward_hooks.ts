// nn.Module.registerFullBackwardHook: hook(module, gradInput, gradOutput) with torch's values,
// the gradients of the loss w.r.t. the module's tensor inputs and outputs.
//
// The engine runs backward in Rust with no callbacks into JS, so the hooks cannot run while
// the gradient flows, as torch's do. Instead call() puts identity views ("probes") around the
// module: each tensor argument that requires grad is passed to forward as a view of a probe,
// and the output is returned as a view of a probe; probes retain their gradient. When a
// backward() returns, each module call whose output probe received a gradient calls its hooks,
// in the order torch's backward would reach them (a call whose inputs need a gradient when its
// gradInput is ready, latest first; one whose inputs need none when its gradOutput is), with
// gradInput and gradOutput read from the probes. As torch 1.13, gradInput is null for an
// argument that does not require grad when none does, and zeros of its shape when another does.
// What this means, precisely:
// - hooks run after backward() returns, not during it; gradients are the ones of that backward.
// - a hook may only observe: returning a value (torch: replace gradInput) is a ValueError,
//   since the gradients have already flowed on.
// - the gradient tensors are valid during the hook only (clone() to keep one).
// - a call fires once, on the first backward() that reaches it (a second backward with
//   retainGraph does not fire it again). A call no backward reaches is dropped when a later
//   call of the same module fires, when its probes are disposed (kd.tidy, the step scope),
//   or past 64 pending calls per module.
import { isGradEnabled } from "../autograd.js";
import { zeros } from "../creation.js";
import { ValueError } from "../errors.js";
import { onAfterBackward, Tensor } from "../tensor.js";
import type { Module } from "./module.js";

/** gradInput / gradOutput: one entry per tensor argument / output, null where no gradient flows. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FullBackwardHook = (module: Module, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => any;

interface Record {
  module: Module;
  hooks: () => FullBackwardHook[];
  /** Per tensor argument: its probe, or its shape when it does not require grad. */
  inputs: (Tensor | readonly number[])[];
  outputs: Tensor[];
  /** When backward reaches the call: the counter at forward's start (inputs with a gradient) or end (none). */
  at: number;
}

let clock = 0;

const MAX_PENDING = 64;
let pending: Record[] = [];
let installed = false;

/** Replaces the tensor arguments that require grad by views of probes; null when nothing is to record. */
export function beginRecord(module: Module, hooks: () => FullBackwardHook[], args: unknown[]): { record: Record; args: unknown[] } | null {
  if (!isGradEnabled()) return null;
  if (!installed) {
    onAfterBackward(fire);
    installed = true;
  }
  const inputs: (Tensor | readonly number[])[] = [];
  const out = args.map((a) => {
    if (!(a instanceof Tensor)) return a;
    if (!a.requiresGrad) {
      inputs.push([...a.shape]);
      return a;
    }
    const probe = a.view(a.shape);
    probe.retainGrad();
    inputs.push(probe);
    return probe.view(a.shape);
  });
  return { record: { module, hooks, inputs, outputs: [], at: clock++ }, args: out };
}

/** Returns the output (a tensor or an array of tensors) as views of probes and lists the call. */
export function finishRecord(rec: Record, output: unknown): unknown {
  const wrap = (t: unknown) => {
    if (!(t instanceof Tensor) || !t.requiresGrad) return t;
    const probe = t.view(t.shape);
    probe.retainGrad();
    rec.outputs.push(probe);
    return probe.view(t.shape);
  };
  const result = Array.isArray(output) ? output.map(wrap) : wrap(output);
  if (!rec.inputs.some((t) => t instanceof Tensor)) rec.at = clock;
  clock++;
  if (rec.outputs.length === 0) {
    drop(rec);
    return output;
  }
  const mine = pending.filter((r) => r.module === rec.module);
  if (mine.length >= MAX_PENDING) {
    drop(mine[0]);
    pending = pending.filter((r) => r !== mine[0]);
  }
  pending.push(rec);
  return result;
}

function drop(rec: Record): void {
  for (const t of [...rec.inputs, ...rec.outputs]) if (t instanceof Tensor) t.dispose();
}

const gradOf = (t: Tensor) => (t.isDisposed ? null : t.grad);

function gradInputs(r: Record): (Tensor | null)[] {
  const any = r.inputs.some((t) => t instanceof Tensor);
  return r.inputs.map((t) => (t instanceof Tensor ? gradOf(t) : any ? zeros(t as number[]) : null));
}

/** After a backward(): calls the hooks of every recorded call it reached, latest first. */
function fire(): void {
  const reached = new Set<Record>();
  const fired: Record[] = [];
  for (const r of pending) if (r.outputs.some((t) => !t.isDisposed && t.grad !== null)) reached.add(r);
  if (reached.size === 0) return;
  // Calls of a module older than one of its reached calls are from graphs no backward will use.
  const keep: Record[] = [];
  for (let i = 0; i < pending.length; i++) {
    const r = pending[i];
    const stale = !reached.has(r) && (r.outputs.some((t) => t.isDisposed) || pending.slice(i + 1).some((n) => n.module === r.module && reached.has(n)));
    if (reached.has(r)) fired.push(r);
    else if (stale) drop(r);
    else keep.push(r);
  }
  pending = keep;
  let error: unknown = null;
  fired.sort((a, b) => b.at - a.at);
  for (const r of fired) {
    const gIn = gradInputs(r);
    const gOut = r.outputs.map(gradOf);
    try {
      for (const hook of r.hooks()) {
        if (hook(r.module, gIn, gOut) !== undefined && error === null) {
          error = new ValueError(`${r.module.constructor.name}: a full backward hook returned a value; hooks run after backward() has finished here, so they can observe the gradients but not replace them`);
        }
      }
    } finally {
      for (const g of [...gIn, ...gOut]) g?.dispose();
      drop(r);
    }
  }
  if (error) throw error;
}
