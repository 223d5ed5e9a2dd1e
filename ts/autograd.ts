// Gradient mode switches, as torch.no_grad / torch.enable_grad / torch.set_grad_enabled /
// torch.inference_mode.
//
// An async function keeps the mode until its promise settles, as `with torch.no_grad():` around
// an `await` does in Python. The mode is one global (torch's is per thread, and asyncio tasks on
// a thread share it), so other code that runs during the await sees it too; when blocks that
// overlap in time settle out of order, each restores the mode it found on entry, as Python does.
import { abi } from "./runtime/abi.js";

/** fn() with the mode `on`, restored when fn returns, throws, or (a Promise) settles. */
function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = abi().kd_set_grad_enabled(on ? 1 : 0);
  let r: T;
  try {
    r = fn();
  } catch (e) {
    abi().kd_set_grad_enabled(prev);
    throw e;
  }
  if (!(r instanceof Promise)) {
    abi().kd_set_grad_enabled(prev);
    return r;
  }
  return r.finally(() => abi().kd_set_grad_enabled(prev)) as T; // T is the Promise type here
}

/** Runs fn with gradient recording off (evaluation, manual parameter updates); fn may be async. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with gradient recording on (inside a noGrad block); fn may be async. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/**
 * torch.inference_mode: here the same as noGrad (the engine has no version counters to skip,
 * so there is nothing more to turn off).
 */
export function inferenceMode<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

export function isGradEnabled(): boolean {
  const prev = abi().kd_set_grad_enabled(1);
  abi().kd_set_grad_enabled(prev);
  return prev === 1;
}

export function setGradEnabled(on: boolean): void {
  abi().kd_set_grad_enabled(on ? 1 : 0);
}
