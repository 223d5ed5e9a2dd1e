// Page side of tests/browser-threads.test.ts: the threaded engine in Chromium. In a cross-origin
// isolated page it loads the threaded build (one thread on the main thread by default, the core
// count in a kd.worker) and gives the same bits on 1, 2 and 4 threads; in
// a page that is not isolated it falls back to one thread and still trains.
import * as kd from "kindling";
import { differing, largeOps, tinyVggRun } from "../helpers/thread-identity.js";

async function report() {
  await kd.ready();
  const w = await kd.worker.spawn();
  const workerThreads = w.threads;
  await w.terminate();
  return {
    variant: kd.getEngine().variant,
    isolated: globalThis.crossOriginIsolated,
    cores: navigator.hardwareConcurrency,
    threads: kd.getNumThreads(),
    workerThreads,
  };
}

/** largeOps and 5 TinyVGG steps at 1, 2 and 4 threads: the names whose bits differ from 1 thread's. */
async function identity() {
  await kd.ready();
  const ops = [];
  const vgg = [];
  for (const n of [1, 2, 4]) {
    kd.setNumThreads(n);
    ops.push(await largeOps(kd));
    const r = await tinyVggRun(kd, 5);
    vgg.push({ ...Object.fromEntries(r.weights.map((b, i) => [`param${i}`, b])), losses: new Uint8Array(new Float64Array(r.losses).buffer) });
  }
  return {
    ops: Object.keys(ops[0]).length,
    opsDiffer: [...differing(ops[0], ops[1]), ...differing(ops[0], ops[2])],
    vggDiffer: [...differing(vgg[0], vgg[1]), ...differing(vgg[0], vgg[2])],
  };
}

/** A few TinyVGG steps on whatever build loaded: the losses. */
async function trains() {
  await kd.ready();
  return (await tinyVggRun(kd, 8)).losses;
}

Object.assign(globalThis, { kindlingTest: { report, identity, trains } });
