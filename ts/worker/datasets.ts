// Datasets from specs, in the worker. (Fashion)MNIST splits are read once and kept, so a
// second train() or evaluate() on the same split does not re-read and re-decode the files.
import { ValueError } from "../errors.js";
import { Subset, TensorDataset, type MapDataset } from "../data/dataset.js";
import { FashionMNIST, MNIST } from "../data/mnist.js";
import { ToTensor } from "../data/transforms.js";
import { fromPayload } from "./payload.js";
import { datasetFactory } from "./registry.js";
import type { DatasetSpec } from "./protocol.js";

/** A dataset made from a spec, and whether the caller owns (must dispose) what it holds. */
export interface ResolvedDataset {
  dataset: MapDataset;
  dispose(): void;
}

const splits = new Map<string, Promise<MapDataset>>();

function loadSplit(cls: typeof MNIST, train: boolean, root: string | undefined): Promise<MapDataset> {
  const key = `${cls.name}|${train}|${root ?? ""}`;
  let p = splits.get(key);
  if (!p) {
    p = cls.load({ train, root, transform: new ToTensor() }) as Promise<MapDataset>;
    p.catch(() => splits.delete(key)); // a failed read is retried next time
    splits.set(key, p);
  }
  return p;
}

function limited(ds: MapDataset, limit: unknown): MapDataset {
  if (limit === undefined || limit === null) return ds;
  if (!Number.isInteger(limit) || (limit as number) <= 0) throw new ValueError(`dataset limit must be a positive integer, got ${JSON.stringify(limit)}`);
  const n = Math.min(limit as number, ds.length);
  return n === ds.length ? ds : new Subset(ds, Array.from({ length: n }, (_, i) => i));
}

export async function resolveDataset(spec: DatasetSpec, what: string): Promise<ResolvedDataset> {
  if (spec === null || typeof spec !== "object") throw new ValueError(`${what}: expected a dataset spec ({ name }, { tensors: { x, y } }), got ${JSON.stringify(spec)}`);
  if ("tensors" in spec) {
    const { x, y } = spec.tensors ?? ({} as never);
    const tx = fromPayload(x, `${what}.tensors.x`);
    let ty;
    try {
      ty = fromPayload(y, `${what}.tensors.y`);
      const ds = new TensorDataset(tx, ty);
      return { dataset: limited(ds, spec.limit), dispose: () => { tx.dispose(); ty!.dispose(); } };
    } catch (e) {
      tx.dispose();
      ty?.dispose();
      throw e;
    }
  }
  if (!("name" in spec) || typeof spec.name !== "string") throw new ValueError(`${what}: a dataset spec needs a name or tensors, got keys ${Object.keys(spec).join(", ") || "(none)"}`);
  if (spec.name === "FashionMNIST" || spec.name === "MNIST") {
    const s = spec as { train?: boolean; root?: string };
    const ds = await loadSplit(spec.name === "MNIST" ? MNIST : FashionMNIST, s.train ?? true, s.root);
    return { dataset: limited(ds, spec.limit), dispose: () => {} };
  }
  const ds = await datasetFactory(spec.name)((spec as { options?: unknown }).options);
  if (ds === null || typeof ds !== "object" || typeof ds.getItem !== "function" || typeof ds.length !== "number") {
    throw new TypeError(`${what}: dataset factory "${spec.name}" must return a map-style dataset (length and getItem)`);
  }
  return { dataset: limited(ds, spec.limit), dispose: () => {} };
}
