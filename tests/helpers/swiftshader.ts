// Dawn (npm `webgpu`) needs a Vulkan driver; on a machine without a GPU the tests use the
// SwiftShader one that Debian's chromium ships, unless VK_ICD_FILENAMES already names one.
import { existsSync } from "node:fs";

const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";

/** Points Dawn at chromium's SwiftShader when no Vulkan driver is named (call before kd.webgpu.init()). */
export function useSwiftShader(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}
