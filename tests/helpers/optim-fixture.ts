// The optimizer fixtures (tests/fixtures/optim.json, scripts/gen_optim_fixtures.py): the 2-layer
// MLP problem, its loss, and how a case builds its optimizer and scheduler. Shared by
// tests/optim.test.ts (cpu) and tests/webgpu-optim.test.ts (the update kernels on webgpu).
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import * as kd from "../../ts/index.js";
import type { Tensor } from "../../ts/index.js";

export interface Enc { values: number[]; shape: number[] }
export interface OptimCase {
  name: string;
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  options: Record<string, unknown>;
  groups?: Array<Record<string, unknown> & { params: number[] }>;
  scheduler?: { type: string; options: Record<string, unknown> };
  steps: Array<{ loss: number; params: number[][]; lr: number[] }>;
  state_dict_at: number;
  state_dict: { state: Record<string, Record<string, unknown>>; param_groups: Array<Record<string, unknown>> };
}
export interface SchedCase {
  name: string;
  scheduler: string;
  options: Record<string, unknown>;
  optimizer: OptimCase["optimizer"];
  opt_options: Record<string, unknown>;
  group_lrs: number[];
  metrics?: number[];
  lrs: number[][];
  momentum?: number[][];
  error_after?: number;
}
export const FX = JSON.parse(readFileSync(new URL("../fixtures/optim.json", import.meta.url), "utf8")) as {
  torch: string;
  problem: { x: Enc; y: Enc; params: Array<Enc & { name: string }> };
  optim: OptimCase[];
  sched: SchedCase[];
};

export const RTOL = 2e-5;
export const ATOL = 2e-6;

export const fromEnc = (e: Enc) => kd.fromArray(e.values, e.shape, "float32");
export const X = fromEnc(FX.problem.x);
export const Y = fromEnc(FX.problem.y);

export function makeParams(values?: number[][]): Tensor[] {
  return FX.problem.params.map((p, i) => kd.fromArray(values ? values[i] : p.values, p.shape, "float32").requiresGrad_());
}

/** mean((tanh(x @ W1ᵀ + b1) @ W2ᵀ + b2 - y)²), as the generator computes it. */
export function loss(ps: Tensor[]): Tensor {
  const [w1, b1, w2, b2] = ps;
  return kd.tidy(() => X.matmul(w1.t()).add(b1).tanh().matmul(w2.t()).add(b2).sub(Y).square().mean());
}

export const OPTS = { SGD: kd.optim.SGD, Adam: kd.optim.Adam, AdamW: kd.optim.AdamW, RMSprop: kd.optim.RMSprop, Adagrad: kd.optim.Adagrad };

export function makeOpt(c: { optimizer: OptimCase["optimizer"]; options: Record<string, unknown>; groups?: OptimCase["groups"] }, ps: Tensor[]): kd.optim.Optimizer {
  const Cls = OPTS[c.optimizer];
  if (c.groups) {
    const groups = c.groups.map((g) => ({ ...g, params: g.params.map((i) => ps[i]) }));
    return new Cls(groups, c.options);
  }
  return new Cls(ps, c.options);
}

export type AnySched = kd.optim.LRScheduler | kd.optim.ReduceLROnPlateau;
export function makeSched(type: string, opt: kd.optim.Optimizer, options: Record<string, unknown>): AnySched {
  const S = (kd.optim.lrScheduler as unknown as Record<string, new (o: kd.optim.Optimizer, opts: unknown) => AnySched>)[type];
  return new S(opt, options);
}

/** Largest violation of |a - e| <= ATOL + RTOL|e| (<= 0 passes), with where it happened. */
export function worst(actual: ArrayLike<number>, expected: number[], atol = ATOL, rtol = RTOL): { excess: number; at: number; a: number; e: number } {
  expect(actual.length).toBe(expected.length);
  let w = { excess: -Infinity, at: -1, a: 0, e: 0 };
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const excess = Number.isNaN(a) !== Number.isNaN(e) ? Infinity : Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > w.excess) w = { excess, at: i, a, e };
  }
  return w;
}

