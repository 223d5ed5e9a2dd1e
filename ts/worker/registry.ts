// Named model and dataset factories the worker builds from. Modules listed in
// spawn({ imports }) run in the worker first and register theirs here:
//   import * as kd from "kindling";
//   kd.worker.registerModel("wide-mlp", (hidden = 512) => new kd.nn.Sequential(...));
//   kd.worker.registerDataset("my-data", async (options) => new kd.data.TensorDataset(x, y));
import { ValueError } from "../errors.js";
import type { MapDataset } from "../data/dataset.js";
import { makeModel, modelNames } from "../models.js";
import type { Module } from "../nn/module.js";

export type ModelFactory = (...args: any[]) => Module | Promise<Module>;
/** Gets the dataset spec's `options`; returns a map-style dataset whose items (or getBatch) collate to [x, y]. */
export type DatasetFactory = (options?: any) => MapDataset | Promise<MapDataset>;

const models = new Map<string, ModelFactory>(modelNames.map((n) => [n, () => makeModel(n)]));
const datasets = new Map<string, DatasetFactory>();

function checkName(kind: string, name: unknown, factory: unknown): asserts name is string {
  if (typeof name !== "string" || name === "") throw new ValueError(`register${kind}(): the name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof factory !== "function") throw new TypeError(`register${kind}("${name}"): the factory must be a function, got ${typeof factory}`);
}

/** Makes `build({ factory: name, args })` call `factory(...args)` (in the worker that imported this). */
export function registerModel(name: string, factory: ModelFactory): void {
  checkName("Model", name, factory);
  models.set(name, factory);
}

/** Makes `{ name, options }` dataset specs call `factory(options)` (in the worker that imported this). */
export function registerDataset(name: string, factory: DatasetFactory): void {
  checkName("Dataset", name, factory);
  if (name === "FashionMNIST" || name === "MNIST") throw new ValueError(`registerDataset(): "${name}" is built in`);
  datasets.set(name, factory);
}

export function modelFactory(name: string): ModelFactory {
  const f = models.get(name);
  if (!f) throw new ValueError(`unknown model factory "${name}": registered are ${[...models.keys()].map((k) => `"${k}"`).join(", ")} (register more with kd.worker.registerModel in a module passed to spawn({ imports }))`);
  return f;
}

export function datasetFactory(name: string): DatasetFactory {
  const f = datasets.get(name);
  if (!f) {
    const known = ["FashionMNIST", "MNIST", ...datasets.keys()].map((k) => `"${k}"`).join(", ");
    throw new ValueError(`unknown dataset "${name}": known are ${known} (register more with kd.worker.registerDataset in a module passed to spawn({ imports }))`);
  }
  return f;
}
