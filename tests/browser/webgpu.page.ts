// Page side of tests/browser-webgpu.test.ts: the PyTorch forward fixtures with their inputs on
// Chromium's own WebGPU ("kindling" is /dist/index.js), counted as the Node suite counts them.
import * as kd from "kindling";
import { checkedCases, conformanceRunner, type Fixture, type OpLists } from "../helpers/conformance-cases.js";

const REFUSAL = /DeviceError: .*(is not supported on webgpu|cannot read a webgpu tensor synchronously|a webgpu tensor cannot be read synchronously)/;

async function runWebGpu(opLists: OpLists) {
  const info = await kd.webgpu.init();
  const r = await fetch("/tests/fixtures/ops.json");
  if (!r.ok) throw new Error(`ops.json: HTTP ${r.status}`);
  const fixture: Fixture = await r.json();
  const run = conformanceRunner(kd, opLists, fixture.seed, "webgpu");
  let passed = 0, refused = 0;
  const failures: string[] = [];
  for (const c of checkedCases(fixture)) {
    const f = await run(c);
    if (f === null) passed++;
    else if (REFUSAL.test(f)) refused++;
    else failures.push(f);
  }
  // and the same tensor read in the page after a CPU round trip
  const x = kd.tensor([[1, -2], [3, 4]]).to("webgpu");
  const back = await x.relu().mul(3).toAsync("cpu");
  return { adapter: info.adapter, software: info.software, devices: kd.devices(), passed, refused, failures, relu3: back.tolist() };
}

Object.assign(globalThis, { kindlingTest: { runWebGpu } });
