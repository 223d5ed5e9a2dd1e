// The device a Kindling probe runs on: KINDLING_DEVICE=webgpu opens the GPU first (npm `webgpu`
// in Node; on a machine without a GPU, Dawn needs a Vulkan driver such as chromium's SwiftShader).
import * as kd from "../../dist/index.js";

export async function benchDevice() {
  const device = process.env.KINDLING_DEVICE ?? "cpu";
  if (device === "cpu") return { device, adapter: undefined };
  const info = await kd.webgpu.init();
  return { device, adapter: info.adapter + (info.software ? " (software)" : "") };
}
