// The WebGPU host: the GPU objects the engine drives through its `kd_gpu` imports
// (crates/engine/src/backend/webgpu/host.rs). The engine decides what runs; this side owns the
// GPUDevice, the id -> object tables, the buffer pool, the one open command encoder and compute
// pass, the uniform arena, the bind-group cache and the readbacks. The same code runs in a
// page, a Worker and Node (npm `webgpu`, Dawn).
//
// Lifetimes: a buffer the engine frees goes to `pending` and joins the pool only after the
// next submit (a queue write to a reused buffer would otherwise run before commands recorded
// earlier). Work is submitted every FLUSH_AT dispatches, before reads, and on flush().

/** Dispatches recorded before a submit. */
const FLUSH_AT = 64;
/** Uniform bytes per dispatch (a multiple of minUniformBufferOffsetAlignment, 256). */
const UNIFORM_SLOT = 512;
/** Uniform arena bytes per submit. */
const ARENA = 256 * 1024;
/** Buffers above this are not pooled (destroyed when freed). */
const POOL_MAX_BYTES = 64 << 20;

import type { GpuInfo, GpuMemory } from "./types.js";
import { utf8 } from "../runtime/abi.js";
export type { GpuInfo, GpuMemory };

interface Pipe {
  pipe: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  // powers of two split in quarters: at most 25% slack
  const p = 2 ** Math.floor(Math.log2(bytes));
  const q = p / 4;
  return Math.ceil(bytes / q) * q;
}

class Host {
  device: GPUDevice | undefined;
  info: GpuInfo | undefined;
  memory: WebAssembly.Memory | undefined;
  /** Why the device is gone, for every later call. */
  lost: string | undefined;
  /** An error the device reported asynchronously, for the next call. */
  error = "";
  #buffers: (GPUBuffer | undefined)[] = [undefined];
  #size: number[] = [0];
  #free: number[] = [];
  #pool = new Map<number, number[]>();
  #pending: number[] = [];
  #pipes: (Pipe | undefined)[] = [undefined];
  #bindGroups = new Map<string, GPUBindGroup>();
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  #recorded = 0;
  #arena: GPUBuffer | undefined;
  #staging = new Uint8Array(ARENA);
  #used = 0;
  bytesInUse = 0;
  bytesPooled = 0;
  live = 0;

  attach(device: GPUDevice, info: GpuInfo): void {
    this.device = device;
    this.info = info;
    this.lost = undefined;
    this.#arena = device.createBuffer({ size: ARENA, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.lost.then((l) => {
      if (this.device === device) this.lost = `the webgpu device was lost (${l.reason || "unknown reason"}${l.message ? `: ${l.message}` : ""}); its tensors are gone`;
    });
    device.addEventListener("uncapturederror", (e) => {
      this.error ||= `webgpu error: ${(e as GPUUncapturedErrorEvent).error.message}`;
    });
  }

  /** Why a call cannot run now, or undefined. */
  #refusal(): string | undefined {
    if (this.lost) return this.lost;
    if (!this.device) return "webgpu is not initialised: await kd.webgpu.init() first";
    return undefined;
  }

  /** Fails a call: the text goes to the engine through kd_gpu_error. */
  #fail(msg: string): 0 {
    this.error = msg;
    return 0;
  }

  create(bytes: number): number {
    const no = this.#refusal();
    if (no) return this.#fail(no);
    const cls = sizeClass(bytes);
    const limit = this.info!.maxStorageBufferBindingSize;
    if (bytes > limit) return this.#fail(`a ${bytes}-byte tensor is over this webgpu adapter's storage buffer limit of ${limit} bytes (maxStorageBufferBindingSize)`);
    if (!this.#encoder) this.#recycle();
    let id = this.#pool.get(cls)?.pop();
    if (id !== undefined) {
      this.bytesPooled -= cls;
    } else {
      let buf: GPUBuffer;
      try {
        buf = this.device!.createBuffer({ size: Math.min(cls, limit), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      } catch (e) {
        return this.#fail(`webgpu could not allocate ${bytes} bytes: ${(e as Error).message}`);
      }
      id = this.#free.pop() ?? this.#buffers.length;
      this.#buffers[id] = buf;
      this.#size[id] = Math.min(cls, limit);
    }
    this.bytesInUse += this.#size[id];
    this.live++;
    return id;
  }

  destroy(id: number): void {
    if (!this.#buffers[id]) return;
    this.bytesInUse -= this.#size[id];
    this.live--;
    this.#pending.push(id);
    if (!this.#encoder) this.#recycle();
  }

  /** Freed buffers join the pool (no recorded command refers to them any more). */
  #recycle(): void {
    for (const id of this.#pending) {
      const size = this.#size[id];
      if (size > POOL_MAX_BYTES || this.lost) {
        this.#buffers[id]!.destroy();
        this.#buffers[id] = undefined;
        this.#free.push(id);
        for (const k of [...this.#bindGroups.keys()]) if (k.split(/[:,]/).slice(1).includes(String(id))) this.#bindGroups.delete(k);
        continue;
      }
      let list = this.#pool.get(size);
      if (!list) this.#pool.set(size, (list = []));
      list.push(id);
      this.bytesPooled += size;
    }
    this.#pending.length = 0;
  }

  write(id: number, off: number, ptr: number, len: number): number {
    const no = this.#refusal();
    if (no) return this.#fail(no);
    const mem = this.memory!.buffer;
    if (typeof SharedArrayBuffer !== "undefined" && mem instanceof SharedArrayBuffer) {
      // The threaded engine's memory is shared, and writeBuffer takes no shared views (Dawn;
      // Chrome copies them anyway): bounce through one reused plain buffer.
      if (!this.#bounce || this.#bounce.byteLength < len) this.#bounce = new ArrayBuffer(Math.max(len, 2 * (this.#bounce?.byteLength ?? 0)));
      new Uint8Array(this.#bounce, 0, len).set(new Uint8Array(mem, ptr, len));
      this.device!.queue.writeBuffer(this.#buffers[id]!, off, this.#bounce, 0, len);
    } else {
      this.device!.queue.writeBuffer(this.#buffers[id]!, off, mem, ptr, len);
    }
    return 1;
  }

  /** A plain buffer the shared memory's writes are copied through (see write). */
  #bounce: ArrayBuffer | undefined;

  pipeline(ptr: number, len: number, nRead: number, nRw: number): number {
    const no = this.#refusal();
    if (no) return this.#fail(no);
    const code = utf8(this.memory!.buffer, ptr, len);
    const d = this.device!;
    const entries: GPUBindGroupLayoutEntry[] = [];
    for (let i = 0; i < nRead + nRw; i++) entries.push({ binding: i, visibility: GPUShaderStage.COMPUTE, buffer: { type: i < nRead ? "read-only-storage" : "storage" } });
    entries.push({ binding: nRead + nRw, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform", hasDynamicOffset: true } });
    d.pushErrorScope("validation");
    const module = d.createShaderModule({ code });
    const layout = d.createBindGroupLayout({ entries });
    const pipe = d.createComputePipeline({ layout: d.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: "main" } });
    // WGSL errors arrive asynchronously: they fail the next call (and the next read), with the
    // compiler's messages and the end of the shader.
    this.#track(
      d.popErrorScope().then(async (e) => {
        if (!e) return;
        const info = await module.getCompilationInfo();
        const msgs = info.messages.filter((m) => m.type === "error").map((m) => `line ${m.lineNum}: ${m.message}`);
        // the root cause: it replaces the "invalid pipeline" errors it leads to
        this.error = `webgpu could not compile a kernel: ${msgs.join("; ") || e.message}\n${code.split("\n").slice(-14).join("\n")}`;
      }),
    );
    this.#pipes.push({ pipe, layout });
    return this.#pipes.length - 1;
  }

  dispatch(pipe: number, bindsPtr: number, n: number, uniPtr: number, uniLen: number, x: number, y: number): number {
    const no = this.#refusal();
    if (no) return this.#fail(no);
    if (this.error) return 0; // an asynchronous error, reported now
    if (uniLen > UNIFORM_SLOT) return this.#fail(`internal: a ${uniLen}-byte uniform is over the ${UNIFORM_SLOT}-byte slot`);
    if (this.#used + UNIFORM_SLOT > ARENA) this.flush();
    const p = this.#pipes[pipe]!;
    const ids = new Uint32Array(this.memory!.buffer, bindsPtr, n);
    const key = `${pipe}:${ids.join(",")}`;
    let bg = this.#bindGroups.get(key);
    if (!bg) {
      const entries: GPUBindGroupEntry[] = Array.from(ids, (id, i) => ({ binding: i, resource: { buffer: this.#buffers[id]! } }));
      entries.push({ binding: n, resource: { buffer: this.#arena!, size: UNIFORM_SLOT } });
      bg = this.device!.createBindGroup({ layout: p.layout, entries });
      if (this.#bindGroups.size > 8192) this.#bindGroups.clear();
      this.#bindGroups.set(key, bg);
    }
    this.#staging.set(new Uint8Array(this.memory!.buffer, uniPtr, uniLen), this.#used);
    const offset = this.#used;
    this.#used += UNIFORM_SLOT;
    if (!this.#encoder) {
      this.device!.pushErrorScope("validation");
      this.#encoder = this.device!.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
    }
    const pass = this.#pass!;
    pass.setPipeline(p.pipe);
    pass.setBindGroup(0, bg, [offset]);
    pass.dispatchWorkgroups(x, y);
    if (++this.#recorded >= FLUSH_AT) this.flush();
    return 1;
  }

  /** Submits the recorded dispatches (with their uniforms), then pools the buffers freed meanwhile. */
  flush(): void {
    if (this.#encoder && this.device && !this.lost) {
      this.#pass!.end();
      this.device.queue.writeBuffer(this.#arena!, 0, this.#staging, 0, this.#used);
      this.device.queue.submit([this.#encoder.finish()]);
      const d = this.device;
      this.#track(d.popErrorScope().then((e) => {
        if (e) this.error ||= `webgpu error: ${e.message}`;
      }));
    }
    this.#encoder = undefined;
    this.#pass = undefined;
    this.#recorded = 0;
    this.#used = 0;
    this.#recycle();
  }

  /** Error checks still in flight (error scopes, compilation info): reads wait for them. */
  #checks: Promise<void>[] = [];
  #track(p: Promise<void>): void {
    this.#checks.push(p.catch(() => {}));
  }

  /** Throws (once) what the device reported about earlier work. */
  async #settle(): Promise<void> {
    const c = this.#checks;
    this.#checks = [];
    await Promise.all(c);
    if (this.lost) throw new Error(this.lost);
    if (this.error) {
      const e = this.error;
      this.error = "";
      throw new Error(e);
    }
  }

  /** The text of the last failure (kd_gpu_error): copied to ptr[..cap], its length returned. */
  takeError(ptr: number, cap: number): number {
    const bytes = new TextEncoder().encode(this.error || this.lost || "");
    new Uint8Array(this.memory!.buffer, ptr, Math.min(cap, bytes.length)).set(bytes.subarray(0, cap));
    if (bytes.length <= cap) this.error = "";
    return bytes.length;
  }

  /** `len` bytes of buffer `id` from byte `off`, read back (the awaited half of every GPU read). */
  async read(id: number, off: number, len: number): Promise<ArrayBuffer> {
    const no = this.#refusal();
    if (no) throw new Error(no);
    this.flush();
    if (len === 0) return new ArrayBuffer(0);
    const d = this.device!;
    const staging = d.createBuffer({ size: len, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const enc = d.createCommandEncoder();
      enc.copyBufferToBuffer(this.#buffers[id]!, off, staging, 0, len);
      d.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const bytes = staging.getMappedRange().slice(0);
      await this.#settle(); // data from a batch that failed is not data
      return bytes;
    } catch (e) {
      throw new Error(this.lost ?? (this.error || (e as Error).message));
    } finally {
      staging.destroy();
    }
  }

  /** Waits until the GPU has run everything submitted. */
  async sync(): Promise<void> {
    this.flush();
    if (this.device && !this.lost) await this.device.queue.onSubmittedWorkDone();
    await this.#settle();
  }

  memoryStats(): GpuMemory {
    return { bytesInUse: this.bytesInUse, bytesPooled: this.bytesPooled, buffers: this.live };
  }

  /** The functions the engine imports (module "kd_gpu"). */
  imports(): Record<string, (...a: number[]) => number | void> {
    return {
      kd_gpu_create: (bytes) => this.create(bytes),
      kd_gpu_destroy: (id) => this.destroy(id),
      kd_gpu_write: (id, off, ptr, len) => this.write(id, off, ptr, len),
      kd_gpu_pipeline: (ptr, len, r, w) => this.pipeline(ptr, len, r, w),
      kd_gpu_dispatch: (p, b, n, u, ul, x, y) => this.dispatch(p, b, n, u, ul, x, y),
      kd_gpu_flush: () => this.flush(),
      kd_gpu_error: (ptr, cap) => this.takeError(ptr, cap),
    };
  }
}

/** The one host of this engine instance. */
export const host = new Host();
