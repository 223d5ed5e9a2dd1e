// Gradient mode switches, as torch.no_grad / torch.enable_grad / torch.set_grad_enabled /
// torch.inference_mode.
//
// An async function keeps the mode until its promise settles, as `with torch.no_grad():` around
// an `await` does in Python. The mode is one global (torch's is per thread, and asyncio tasks on
// a thread share it), so other code that runs during the await sees it too; when blocks that
// overlap in time settle out of order, each restores the mode it found on entry, as Python does.
import { call } from "./runtime/engine.js";

/** fn() with the mode `on`, restored when fn returns, throws, or (a Promise) settles. */
function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = call.setGradEnabled(on ? 1 : 0);
  let r: T;
  try {
    r = fn();
  } catch (e) {
    call.setGradEnabled(prev);
    throw e;
  }
  if (!(r instanceof Promise)) {
    call.setGradEnabled(prev);
    return r;
  }
  return r.finally(() => call.setGradEnabled(prev)) as T; // T is the Promise type here
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
  const prev = call.setGradEnabled(1);
  call.setGradEnabled(prev);
  return prev === 1;
}

export function setGradEnabled(on: boolean): void {
  call.setGradEnabled(on ? 1 : 0);
}
