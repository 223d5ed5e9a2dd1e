// The WebGPU device's public types, free of the WebGPU API's own (a user's project need not
// have @webgpu/types for Kindling's declarations to type-check).

export interface GpuInfo {
  /** The adapter as the runtime describes it (vendor, architecture, device, description). */
  adapter: string;
  /** A software adapter (SwiftShader, WARP, llvmpipe): correct, but slow. */
  software: boolean;
  /** The limits the device was created with. */
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface GpuMemory {
  /** Bytes in buffers the engine holds. */
  bytesInUse: number;
  /** Bytes in freed buffers kept for reuse. */
  bytesPooled: number;
  /** Buffers the engine holds. */
  buffers: number;
}

export interface WebGpuInitOptions {
  /** Passed to requestAdapter. */
  powerPreference?: "low-power" | "high-performance";
}
