// Gradient mode switches, as torch.no_grad / torch.enable_grad / torch.set_grad_enabled.
import { call } from "./runtime/engine.js";

/** Runs fn with gradient recording off (evaluation, manual parameter updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = call.setGradEnabled(0);
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError("kd.noGrad() takes a synchronous function; wrap the await inside it instead");
    return r;
  } finally {
    call.setGradEnabled(prev);
  }
}

/** Runs fn with gradient recording on (inside a noGrad block). */
export function enableGrad<T>(fn: () => T): T {
  const prev = call.setGradEnabled(1);
  try {
    return fn();
  } finally {
    call.setGradEnabled(prev);
  }
}

export function isGradEnabled(): boolean {
  const prev = call.setGradEnabled(1);
  call.setGradEnabled(prev);
  return prev === 1;
}

export function setGradEnabled(on: boolean): void {
  call.setGradEnabled(on ? 1 : 0);
}
