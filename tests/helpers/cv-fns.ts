// The cv.json fixture cases (scripts/gen_cv_fixtures.py) and the kd.nn.functional call each
// fixture fn names: shared by tests/cv.test.ts (cpu) and tests/webgpu-vision.test.ts.
import * as kd from "../../ts/index.js";
import type { FTensor } from "./torch-fixture.js";

const F = kd.nn.functional;
type Tensor = kd.Tensor;

export interface Case {
  name: string;
  fn: string;
  args: Record<string, unknown>;
  inputs: Record<string, FTensor>;
  grad_out?: FTensor;
  out: FTensor;
  grads: Record<string, FTensor | null>;
  indices?: FTensor;
  state?: { running_mean: FTensor; running_var: FTensor; num_batches_tracked?: number };
  eval_grad_out?: FTensor;
  eval_out?: FTensor;
  eval_grads?: Record<string, FTensor>;
}

export type Inputs = Record<string, Tensor>;
export type Args = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Each fixture fn through kd.nn.functional, given the decoded inputs (grad-requiring where torch's were). */
export const FNS: Record<string, (i: Inputs, a: Args) => Tensor | [Tensor, Tensor]> = {
  conv2d: (i, a) => F.conv2d(i.input, i.weight, i.bias ?? null, a),
  conv_transpose2d: (i, a) => F.convTranspose2d(i.input, i.weight, i.bias ?? null, a),
  max_pool2d: (i, { kernelSize, ...a }) => F.maxPool2d(i.input, kernelSize, { ...a, returnIndices: true }),
  avg_pool2d: (i, { kernelSize, ...a }) => F.avgPool2d(i.input, kernelSize, a),
  adaptive_avg_pool2d: (i, a) => F.adaptiveAvgPool2d(i.input, a.outputSize),
  batch_norm: (i, a) => F.batchNorm(i.input, i.running_mean, i.running_var, i.weight, i.bias, a),
  layer_norm: (i, a) => F.layerNorm(i.input, a.normalizedShape, i.weight ?? null, i.bias ?? null, a.eps),
  group_norm: (i, a) => F.groupNorm(i.input, a.numGroups, i.weight ?? null, i.bias ?? null, a.eps),
  embedding: (i, a) => F.embedding(i.indices, i.weight, a),
  pad: (i, a) => F.pad(i.input, a.pad, a.mode, a.value ?? 0),
  interpolate: (i, a) => F.interpolate(i.input, a),
};
