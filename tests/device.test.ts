// Devices (ts/device.ts): what exists, unavailable names as DeviceErrors, {device} on creation,
// tensor.to / cpu, and Module.to moving parameters in place (Tensor._replaceHandle).
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const nn = kd.nn;
const vals = (t: kd.Tensor) => Array.from(t.dataSync());

describe("devices", () => {
  it("lists the CPU only, and says WebGPU is not available", () => {
    expect(kd.devices()).toEqual(["cpu"]);
    expect(kd.webgpu.isAvailable()).toBe(false);
    expect(kd.ones(1).device).toBe("cpu");
  });

  it("t.to(device): the CPU copies; unknown and unbuilt devices are DeviceErrors naming kd.devices()", () => {
    const t = kd.tensor([1, 2]);
    const c = t.to("cpu");
    expect(c).not.toBe(t);
    expect(vals(c)).toEqual([1, 2]);
    expect(vals(t.cpu())).toEqual([1, 2]);
    expect(() => t.to("cuda" as kd.Device)).toThrow(kd.DeviceError);
    expect(() => t.to("cuda" as kd.Device)).toThrow("device 'cuda' is not available; kd.devices() lists ['cpu']");
    expect(() => t.to("cuda:0" as kd.Device)).toThrow("device 'cuda:0' is not available");
    expect(() => t.to("webgpu")).toThrow(/device 'webgpu' is not open: await kd.webgpu.init\(\) first/);
    expect(() => t.to("bfloat16" as kd.DType)).toThrow(/dtype bfloat16 is not supported yet/); // a dtype, not a device
    expect(t.to("float64").dtype).toBe("float64");
  });

  it("t.to(dtype) and t.to({device, dtype})", () => {
    const t = kd.tensor([1.5, -2.5]);
    expect(t.to("int32").dtype).toBe("int32");
    expect(vals(t.to("int32"))).toEqual([1, -2]);
    const both = t.to({ device: "cpu", dtype: "int32" });
    expect(both.dtype).toBe("int32");
    expect(both.device).toBe("cpu");
    expect(vals(t.to({ device: "cpu" }))).toEqual([1.5, -2.5]);
    expect(() => t.to({ device: "cuda" as kd.Device, dtype: "int32" })).toThrow(kd.DeviceError);
  });

  it("{device} on creation functions: the CPU works, others are DeviceErrors that leave nothing behind", () => {
    expect(vals(kd.zeros(2, { device: "cpu" }))).toEqual([0, 0]);
    expect(kd.ones([2, 2], { device: "cpu" }).device).toBe("cpu");
    expect(kd.tensor([1, 2], { device: "cpu" }).device).toBe("cpu");
    expect(kd.arange(3, { device: "cpu" }).shape).toEqual([3]);
    const before = kd.memory().liveTensors;
    for (const make of [
      () => kd.zeros(2, { device: "cuda" as kd.Device }),
      () => kd.randn([2], { device: "webgpu" }),
      () => kd.tensor([1], { device: "mps" as kd.Device }),
      () => kd.full([1], 3, { device: "cuda" as kd.Device }),
      () => kd.eye(2, { device: "webgpu" }),
      () => kd.zerosLike(kd.ones(1), { device: "webgpu" }),
    ]) expect(make).toThrow(kd.DeviceError);
    expect(kd.memory().liveTensors).toBe(before + 1); // the ones(1) passed to zerosLike
  });
});

describe("moving in place", () => {
  it("_replaceHandle gives the same Tensor object new storage; an optimizer holding it follows", () => {
    const p = new nn.Parameter(kd.tensor([1, 2, 3]));
    const opt = new kd.optim.SGD([p], { lr: 0.5 });
    const oldHandle = p.handle;
    const live = kd.memory().liveTensors;
    const fresh = kd.tensor([10, 20, 30]);
    const h = kd.getEngine().abi.kd_detach(fresh.handle);
    fresh.dispose();
    p._replaceHandle(h);
    p.requiresGrad_(true);
    expect(p.handle).not.toBe(oldHandle);
    expect(kd.memory().liveTensors).toBe(live); // the old handle was released
    expect(vals(p)).toEqual([10, 20, 30]);
    p.sum().backward();
    opt.step();
    expect(vals(p)).toEqual([9.5, 19.5, 29.5]);
  });

  it("module.to(device) keeps the Parameter objects (and their grads) an optimizer holds", () => {
    kd.manualSeed(1);
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.Linear(4, 2));
    const params = m.parameters();
    const opt = new kd.optim.SGD(params, { lr: 0.1 });
    const x = kd.randn([5, 3]);
    m.forward(x).sum().backward();
    const before = params.map(vals);
    const grads = params.map((p) => vals(p.grad!));
    const handles = params.map((p) => p.handle);
    // Pretend every parameter and buffer sits on another device, so that to("cpu") really moves.
    const tensors = [...params, ...m.buffers()];
    for (const t of tensors) Object.defineProperty(t, "device", { value: "webgpu", configurable: true });
    expect(m.to("cpu")).toBe(m);
    for (const t of tensors) delete (t as unknown as { device?: unknown }).device;
    expect(m.parameters()).toEqual(params);
    m.parameters().forEach((p, i) => {
      expect(p).toBe(params[i]);
      expect(p.handle).not.toBe(handles[i]); // moved: new storage in the same object
      expect(p.requiresGrad).toBe(true);
      expect(vals(p)).toEqual(before[i]);
      expect(vals(p.grad!)).toEqual(grads[i]);
    });
    opt.step();
    params.forEach((p, i) => vals(p).forEach((v, j) => expect(v).toBeCloseTo(before[i][j] - 0.1 * grads[i][j], 6)));
  });

  it("module.to: the CPU and float32 are no-ops, other devices DeviceErrors, int dtypes TypeErrors", () => {
    const m = new nn.Linear(2, 2);
    const w = m.weight, h = w.handle;
    expect(m.to("cpu")).toBe(m);
    expect(m.to({ device: "cpu", dtype: "float32" })).toBe(m);
    expect(m.weight.handle).toBe(h);
    expect(m.cpu()).toBe(m);
    expect(() => m.to("cuda" as kd.Device)).toThrow("device 'cuda' is not available; kd.devices() lists ['cpu']");
    expect(() => m.to("webgpu")).toThrow(kd.DeviceError);
    expect(() => m.to("int32")).toThrow(TypeError);
    expect(m.weight).toBe(w);
  });
});
