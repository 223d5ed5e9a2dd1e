// Classification metrics on tensors of class indices (or logits / probabilities, argmax'd).
import { ValueError } from "./errors.js";
import type { Tensor } from "./tensor.js";
import { tidy } from "./memory.js";

/** Predicted classes: argmax over the last dim for scores, the tensor itself for indices. */
export function predictedClasses(pred: Tensor): Tensor {
  return pred.dtype === "float32" && pred.ndim > 1 ? pred.argmax(-1) : pred.to("int32");
}

/** Fraction of predictions equal to the targets (pred: logits [N, C] or classes [N]). */
export function accuracy(pred: Tensor, target: Tensor): number {
  return tidy(() => {
    const p = predictedClasses(pred);
    if (p.numel() !== target.numel()) throw new ValueError(`accuracy(): ${p.numel()} predictions for ${target.numel()} targets`);
    if (p.numel() === 0) return NaN;
    return (p.eq(target.to("int32").reshape(p.shape)).float().mean().item() as number);
  });
}
