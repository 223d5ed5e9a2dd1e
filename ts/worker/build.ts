// Models from specs: a registered factory by name, or a declarative Sequential of kd.nn layers
//   { layers: [["Flatten"], ["Linear", 784, 64], ["ReLU"], ["Linear", 64, 10]] }
import { ValueError } from "../errors.js";
import * as nn from "../nn/index.js";
import { Module } from "../nn/module.js";
import { modelFactory } from "./registry.js";
import type { LayerSpec, ModelSpec } from "./protocol.js";

type LayerClass = new (...args: unknown[]) => Module;

// kd.nn's concrete layers by class name (not the bases, the losses or the keyed containers).
const excluded = new Set(["Module", "Loss", "WeightedLoss", "BatchNorm", "ModuleList", "ModuleDict", "Parameter"]);
const layers = new Map<string, LayerClass>(
  Object.entries(nn)
    .filter(([k, v]) => typeof v === "function" && v.prototype instanceof Module && !excluded.has(k) && !k.endsWith("Loss"))
    .map(([k, v]) => [k, v as unknown as LayerClass]),
);

function layerFrom(spec: LayerSpec, where: string): Module {
  let type: unknown, args: unknown[], children: LayerSpec[] | undefined;
  if (Array.isArray(spec)) [type, ...args] = spec;
  else if (spec !== null && typeof spec === "object") ({ type, args = [], layers: children } = spec);
  else throw new ValueError(`${where}: expected ["LayerName", ...args] or { type, args }, got ${JSON.stringify(spec)}`);
  if (!Array.isArray(args)) throw new ValueError(`${where}: args must be an array, got ${JSON.stringify(args)}`);
  if (type === "Sequential") {
    const inner = (children ?? (args as LayerSpec[])) as LayerSpec[];
    if (!Array.isArray(inner)) throw new ValueError(`${where}: a Sequential needs layers: [...]`);
    return new nn.Sequential(...inner.map((c, i) => layerFrom(c, `${where}.${i}`)));
  }
  const cls = typeof type === "string" ? layers.get(type) : undefined;
  if (!cls) throw new ValueError(`${where}: unknown layer ${JSON.stringify(type)}: expected one of kd.nn's ${[...layers.keys(), "Sequential"].sort().join(", ")}`);
  return new cls(...args);
}

/** The model a spec describes, freshly initialised. */
export async function buildModel(spec: ModelSpec): Promise<Module> {
  if (spec === null || typeof spec !== "object") throw new ValueError(`build(): expected { factory, args } or { layers }, got ${JSON.stringify(spec)}`);
  if ("layers" in spec) {
    if (!Array.isArray(spec.layers)) throw new ValueError("build(): layers must be an array of layer specs");
    const made: Module[] = [];
    try {
      spec.layers.forEach((l, i) => made.push(layerFrom(l, `build(): layers[${i}]`)));
    } catch (e) {
      for (const m of made) m.dispose();
      throw e;
    }
    return new nn.Sequential(...made);
  }
  if (!("factory" in spec) || typeof spec.factory !== "string") throw new ValueError(`build(): expected { factory: name } or { layers: [...] }, got keys ${Object.keys(spec).join(", ") || "(none)"}`);
  const args = spec.args ?? [];
  if (!Array.isArray(args)) throw new ValueError(`build(): args must be an array, got ${JSON.stringify(args)}`);
  const model = await modelFactory(spec.factory)(...args);
  if (!(model instanceof Module)) throw new TypeError(`build(): factory "${spec.factory}" returned ${(model as object)?.constructor?.name ?? typeof model}, not a kd.nn.Module (does its module import the same "kindling" as the worker?)`);
  return model;
}
