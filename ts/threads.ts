// torch.set_num_threads / torch.get_num_threads for the CPU engine. The threaded build (chosen
// at load where SharedArrayBuffer is available) splits each large op over a pool of workers;
// results are the same for every thread count. The single-threaded build always has 1.
import { ValueError } from "./errors.js";
import { abi, getEngine } from "./runtime/abi.js";
import { growPool } from "./runtime/threads.js";

/** Sets the threads CPU ops may use (the calling thread included), as torch.set_num_threads. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`set_num_threads expects a positive integer, got ${n}`);
  const set = abi().kd_set_num_threads(Math.min(n, 0x7fffffff));
  growPool(set);
}

/** The threads CPU ops use now (1 with the single-threaded build), as torch.get_num_threads. */
export function getNumThreads(): number {
  return abi().kd_get_num_threads();
}

/** Whether the loaded engine is the threaded build. */
export function threadsEnabled(): boolean {
  return getEngine().variant.endsWith("-threads");
}
