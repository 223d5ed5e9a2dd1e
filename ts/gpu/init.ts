// Finding a GPU: navigator.gpu in pages and Workers; in Node, the optional npm `webgpu`
// package (Dawn). The device asks for the adapter's own buffer limits (the defaults are 128 MiB).
import { DeviceError } from "../errors.js";
import { host } from "./host.js";
import type { GpuInfo, WebGpuInitOptions } from "./types.js";

const isNode = typeof process !== "undefined" && !!process.versions?.node;

export type { WebGpuInitOptions };

/** Dawn's GPU object must outlive every device it made (a collected one takes the process down). */
let keepAlive: GPU | undefined;

async function gpuObject(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (isNode) {
    const name = "webgpu"; // a variable, so page bundlers leave this Node-only import alone
    let m: { create(flags: string[]): GPU; globals: object };
    try {
      m = await import(/* @vite-ignore */ name);
    } catch (e) {
      throw new DeviceError(`WebGPU in Node needs the npm package 'webgpu' (Dawn): npm install webgpu (${(e as Error).message})`);
    }
    Object.assign(globalThis, m.globals);
    keepAlive = m.create([]);
    return keepAlive;
  }
  throw new DeviceError("WebGPU is not available in this runtime: navigator.gpu is undefined (Chromium 113+, or a secure context)");
}

let initialising: Promise<GpuInfo> | undefined;

/** Opens the GPU for the engine (once; later calls return the same info). */
export function initWebGpu(opts: WebGpuInitOptions = {}): Promise<GpuInfo> {
  if (host.device && !host.lost) return Promise.resolve(host.info!);
  initialising ??= (async () => {
    try {
      const gpu = await gpuObject();
      const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : {});
      if (!adapter) throw new DeviceError("WebGPU is available but no adapter was found (on Linux without a GPU, Dawn needs a Vulkan driver such as SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)");
      const l = adapter.limits;
      const device = await adapter.requestDevice({
        requiredLimits: {
          maxBufferSize: l.maxBufferSize,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        },
      });
      const a = (adapter as { info?: GPUAdapterInfo }).info ?? ({} as GPUAdapterInfo);
      const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(" ") || "unknown adapter";
      const software = /swiftshader|llvmpipe|lavapipe|warp|software/i.test(name) || !!(adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
      const info: GpuInfo = { adapter: name, software, maxBufferSize: device.limits.maxBufferSize, maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize };
      host.attach(device, info);
      return info;
    } finally {
      initialising = undefined;
    }
  })();
  return initialising;
}
