// Data-dependent argument checks: a class target out of range, an embedding index out of bounds.
// They need a tensor's values. On the CPU reading them is a memory access, so callers check at
// once and throw PyTorch's error where PyTorch throws it. On an asynchronous device a read waits
// for the device queue to drain, and a check on every step would stall it. There a check instead
// computes small "probe" tensors on the device (a flag, and what the message needs) and queues
// them here; the next read of any tensor (await t.data(), t.item(), t.tolist()...) reads the
// queued probes first and throws the first failing check's error, as CUDA reports a device-side
// assert at the next synchronisation. The op's result is computed regardless (clamped indices),
// as it is on CUDA; the error only says which call was wrong.
import type { AnyTypedArray } from "./dtype.js";
import { keep, tidy } from "./memory.js";
import type { Tensor } from "./tensor.js";

interface Pending {
  probes: Tensor[];
  /** The error the probes' values show, or null when the check passed. */
  judge: (values: AnyTypedArray[]) => Error | null;
}

const pending: Pending[] = [];
/** Background reads of queued checks not landed yet. */
const inFlight = new Set<Promise<void>>();
let forced = false;

/**
 * Internal, for tests: defer checks on the CPU too, so that the device path (queue, report at
 * the next read) runs where a device is not available. Returns the previous setting.
 */
export function _forceDeferredChecks(on: boolean): boolean {
  const prev = forced;
  forced = on;
  return prev;
}

/** Whether a check on tensors of t's device is queued rather than run now. */
export function defersChecks(t: Tensor): boolean {
  return forced || t.device !== "cpu";
}

/** Queued checks past which the oldest are read in the background (a loop that never reads). */
const DRAIN_AT = 16;
/** A check that failed in a background read: thrown by the next read, sync or awaited. */
let failed: Error | null = null;

/** Queues a check (its probes are kept out of any tidy scope until it is read). */
export function deferCheck(probes: Tensor[], judge: Pending["judge"]): void {
  for (const p of probes) keep(p);
  pending.push({ probes, judge });
  // A training loop may read nothing for many steps: read the queued probes now, without
  // waiting for them, so they do not pile up; a failure waits for the next read.
  if (pending.length >= DRAIN_AT) {
    const taken = pending.splice(0);
    const read = Promise.all(taken.map((c) => Promise.all(c.probes.map((p) => p.data()))))
      .then((values) => settle(taken, values))
      .catch((e) => {
        for (const c of taken) for (const p of c.probes) if (!p.isDisposed) p.dispose();
        failed ??= e as Error;
      })
      .finally(() => inFlight.delete(read));
    inFlight.add(read);
  }
}

/** Resolves once the background reads started so far have landed (their probes freed). */
export async function backgroundChecksLanded(): Promise<void> {
  while (inFlight.size) await Promise.all([...inFlight]);
}

/** Throws (once) a check that failed in a background read. */
function rethrow(): void {
  const e = failed;
  failed = null;
  if (e) throw e;
}

/**
 * Probes for "no element of mask is set": [any set (a 1-element int32), values at the first
 * set position (1 element; position 0 when none is)], computed on the device without a read.
 */
export function firstFlagged(mask: Tensor, values: Tensor): Tensor[] {
  const flat = mask.reshape([-1]).int();
  const first = flat.argmax().reshape([1]); // argmax gives the first maximum, as torch's does
  return [flat.amax().reshape([1]), values.reshape([-1]).indexSelect(0, first)];
}

/** Checks queued and not read yet. */
export function pendingChecks(): number {
  return pending.length;
}

function settle(taken: Pending[], values: AnyTypedArray[][]): void {
  for (const c of taken) for (const p of c.probes) p.dispose();
  for (let i = 0; i < taken.length; i++) {
    const e = taken[i].judge(values[i]);
    if (e) throw e;
  }
}

/** Reads every queued probe (asynchronously) and throws the first failure. */
export async function flushChecks(): Promise<void> {
  rethrow();
  if (pending.length === 0) return;
  const taken = pending.splice(0);
  let values: AnyTypedArray[][];
  try {
    values = await Promise.all(taken.map((c) => Promise.all(c.probes.map((p) => p.data()))));
  } catch (e) {
    for (const c of taken) for (const p of c.probes) p.dispose();
    throw e;
  }
  settle(taken, values);
}

/** The same for a synchronous (CPU) read: the checks whose probes are on the CPU; others wait. */
export function flushChecksSync(): void {
  rethrow();
  if (pending.length === 0) return;
  const taken: Pending[] = [];
  for (let i = 0; i < pending.length; ) {
    if (pending[i].probes.every((p) => p.device === "cpu")) taken.push(...pending.splice(i, 1));
    else i++;
  }
  let values: AnyTypedArray[][];
  try {
    values = taken.map((c) => c.probes.map((p) => p.dataSync()));
  } catch (e) {
    for (const c of taken) for (const p of c.probes) p.dispose();
    throw e;
  }
  settle(taken, values);
}

/**
 * The value of `values` at the first set element of `mask`, as exact text (null when none is
 * set): a host read, for the checks that throw at once. An int64 value is read as two 32-bit
 * halves, so one beyond ±2^53 is named exactly too (dtype.ts's index range rule).
 */
export function firstFlaggedText(mask: Tensor, values: Tensor): string | null {
  return tidy(() => {
    const [any, v] = firstFlagged(mask, values);
    if (!any.item()) return null;
    if (v.dtype !== "int64") return String(v.item());
    const [hi, lo] = [v.floorDivide(2 ** 32).item() as number, v.remainder(2 ** 32).item() as number];
    return (BigInt(hi) * 2n ** 32n + BigInt(lo)).toString();
  });
}
