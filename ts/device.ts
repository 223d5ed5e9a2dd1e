// Devices. A tensor lives on one device: "cpu" (the wasm engine) always, "webgpu" once
// `await kd.webgpu.init()` has opened a GPU. The names a user may ask for are checked here, so
// that kd.zeros(2, {device: "cuda"}) or t.to("webgpu") before init fail with a DeviceError
// naming what exists instead of silently giving CPU.
import { DeviceError } from "./errors.js";
import type { Device } from "./tensor.js";
import { backgroundChecksLanded } from "./checks.js";
import { host } from "./gpu/host.js";
import { initWebGpu } from "./gpu/init.js";
import type { GpuInfo, GpuMemory, WebGpuInitOptions } from "./gpu/types.js";

export type { GpuInfo, GpuMemory, WebGpuInitOptions };

/** The devices tensors can be created on and moved to now: ["cpu"], plus "webgpu" after kd.webgpu.init(). */
export function devices(): Device[] {
  return webgpu.isAvailable() ? ["cpu", "webgpu"] : ["cpu"];
}

/** The WebGPU device: open it once with `await kd.webgpu.init()`, then use device "webgpu". */
export const webgpu = {
  /** Opens the GPU (navigator.gpu, or npm `webgpu` in Node): the adapter's name and limits. */
  init(opts?: WebGpuInitOptions): Promise<GpuInfo> {
    return initWebGpu(opts);
  },
  /** Whether a WebGPU device is open and not lost. */
  isAvailable(): boolean {
    return !!host.device && !host.lost;
  },
  /** The open adapter (undefined before init). */
  info(): GpuInfo | undefined {
    return host.info;
  },
  /** GPU bytes the engine's tensors hold, and bytes pooled for reuse. */
  memory(): GpuMemory {
    return host.memoryStats();
  },
  /**
   * Submits recorded work and waits until the GPU has run it (for timing), and until the
   * background reads of queued argument checks have landed (so memory() is settled).
   */
  async sync(): Promise<void> {
    await host.sync();
    await backgroundChecksLanded();
  },
};

/** Strings that name a device rather than a dtype (for t.to(x)). */
export function isDeviceName(x: unknown): boolean {
  return typeof x === "string" && /^(cpu|webgpu|cuda|mps|gpu|wasm|xla|meta)(:\d+)?$/.test(x);
}

/** The engine's code for an available device, or a DeviceError naming the ones there are. */
export function deviceCode(device: Device): number {
  return device === "cpu" ? 0 : 1;
}

/** An available device, or a DeviceError naming the ones there are. */
export function checkDevice(device: unknown): Device {
  if (device === "cpu") return "cpu";
  if (device === "webgpu") {
    if (host.lost) throw new DeviceError(host.lost);
    if (!webgpu.isAvailable()) throw new DeviceError("device 'webgpu' is not open: await kd.webgpu.init() first (kd.webgpu.isAvailable() is false); kd.devices() lists ['cpu']");
    return "webgpu";
  }
  const name = typeof device === "string" ? device : String(device);
  throw new DeviceError(`device '${name}' is not available; kd.devices() lists [${devices().map((d) => `'${d}'`).join(", ")}]`);
}
