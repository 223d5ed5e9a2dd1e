// kd.optim: optimizers with fused engine updates, and learning-rate schedulers.
//   const opt = new kd.optim.Adam(model.parameters(), { lr: 1e-3 });
//   const sched = new kd.optim.lrScheduler.StepLR(opt, { stepSize: 10, gamma: 0.5 });
//   opt.zeroGrad(); loss.backward(); opt.step(); sched.step();
export { Optimizer, type ParamGroup, type ParamGroupInput, type Params, type ParamState, type OptimizerStateDict } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export { RMSprop, type RMSpropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradOptions } from "./adagrad.js";
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, ConstantLR, OneCycleLR, ReduceLROnPlateau,
  type StepLROptions, type MultiStepLROptions, type ExponentialLROptions, type CosineAnnealingLROptions,
  type LinearLROptions, type ConstantLROptions,
  type OneCycleLROptions, type ReduceLROnPlateauOptions,
} from "./lr_scheduler.js";
/** torch.optim.lr_scheduler's namespace: kd.optim.lrScheduler.StepLR (also kd.optim.StepLR). */
export * as lrScheduler from "./lr_scheduler.js";
