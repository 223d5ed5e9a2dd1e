// The worker's entry (dist/worker.js): exposes the engine service over Comlink, on a Node
// worker_threads parentPort or a browser module worker's global scope, then says it is ready.
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import "./remote-errors.js";
import { READY } from "./protocol.js";
import { Service } from "./service.js";

const isNode = typeof process !== "undefined" && !!process.versions?.node;

if (isNode) {
  // Dynamic, so the bundle has no static node: import that would stop a browser loading it.
  const { parentPort } = await import("node:worker_threads");
  if (!parentPort) throw new Error("kindling/worker.js must run in a worker (new Worker(...)), not as a main script");
  Comlink.expose(new Service(), nodeEndpoint(parentPort));
  parentPort.postMessage(READY);
} else {
  Comlink.expose(new Service());
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(READY);
}
