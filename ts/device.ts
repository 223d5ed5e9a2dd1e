// Devices. A tensor lives on one device; "cpu" (the wasm engine) is the only one this build
// has. The names a user may ask for are checked here, so that kd.zeros(2, {device: "cuda"}) or
// t.to("webgpu") fail with a DeviceError naming what exists instead of silently giving CPU.
import { DeviceError } from "./errors.js";
import type { Device } from "./tensor.js";

const AVAILABLE: readonly Device[] = Object.freeze(["cpu"]);

/** The devices tensors can be created on and moved to, in this build: ["cpu"]. */
export function devices(): Device[] {
  return [...AVAILABLE];
}

/** WebGPU, honestly: no WebGPU backend is built yet, whatever the browser offers. */
export const webgpu = {
  isAvailable(): boolean {
    return false;
  },
};

/** Strings that name a device rather than a dtype (for t.to(x)). */
export function isDeviceName(x: unknown): boolean {
  return typeof x === "string" && /^(cpu|webgpu|cuda|mps|gpu|wasm|xla|meta)(:\d+)?$/.test(x);
}

/** An available device, or a DeviceError naming the ones there are. */
export function checkDevice(device: unknown): Device {
  if (device === "cpu") return "cpu";
  if (device === "webgpu") throw new DeviceError("device 'webgpu' is not available: no WebGPU backend is built yet (kd.webgpu.isAvailable() is false); kd.devices() lists ['cpu']");
  const name = typeof device === "string" ? device : String(device);
  throw new DeviceError(`device '${name}' is not available; kd.devices() lists [${AVAILABLE.map((d) => `'${d}'`).join(", ")}]`);
}
