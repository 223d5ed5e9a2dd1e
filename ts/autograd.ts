// Gradient mode switches, as torch.no_grad / torch.enable_grad / torch.set_grad_enabled.
import { abi } from "./runtime/abi.js";

/** Runs fn with gradient recording off (evaluation, manual parameter updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = abi().kd_set_grad_enabled(0);
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError("kd.noGrad() takes a synchronous function; wrap the await inside it instead");
    return r;
  } finally {
    abi().kd_set_grad_enabled(prev);
  }
}

/** Runs fn with gradient recording on (inside a noGrad block). */
export function enableGrad<T>(fn: () => T): T {
  const prev = abi().kd_set_grad_enabled(1);
  try {
    return fn();
  } finally {
    abi().kd_set_grad_enabled(prev);
  }
}

export function isGradEnabled(): boolean {
  const prev = abi().kd_set_grad_enabled(1);
  abi().kd_set_grad_enabled(prev);
  return prev === 1;
}

export function setGradEnabled(on: boolean): void {
  abi().kd_set_grad_enabled(on ? 1 : 0);
}
