// torch.optim.Adagrad: per-element learning rates from the accumulated squared gradients,
// with lr decay over steps and an initial accumulator value. State exists from construction.
import { Tensor } from "../tensor.js";
import { checkBool, checkNumber, handleOf, Optimizer, type ParamGroup, type ParamState, type Params } from "./optimizer.js";
import { call } from "../runtime/engine.js";

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
  maximize?: boolean;
}

export class Adagrad extends Optimizer {
  constructor(params: Params, options: AdagradOptions = {}) {
    super("Adagrad", params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, options);
  }

  protected validate(g: Record<string, unknown>, where: string, keys?: string[]): void {
    const want = (k: string) => !keys || keys.includes(k);
    if (want("lr")) checkNumber(where, "lr", g.lr, { min: 0 });
    if (want("lrDecay")) checkNumber(where, "lr_decay", g.lrDecay, { min: 0 });
    if (want("weightDecay")) checkNumber(where, "weight_decay", g.weightDecay, { min: 0 });
    if (want("initialAccumulatorValue")) checkNumber(where, "initial_accumulator_value", g.initialAccumulatorValue, { min: 0 });
    if (want("eps")) checkNumber(where, "epsilon", g.eps, { min: 0 });
    if (want("maximize")) checkBool(where, "maximize", g.maximize);
  }

  protected override initGroupState(group: ParamGroup): void {
    for (const p of group.params) this.state.set(p, this.freshState(p, group));
  }

  private freshState(p: Tensor, group: ParamGroup): ParamState {
    return { step: 0, sum: this.zerosFor(p, group.initialAccumulatorValue as number) };
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    if (!(state.sum instanceof Tensor)) Object.assign(state, this.freshState(p, group));
    const step = ((state.step as number) ?? 0) + 1;
    call.adagradStep(p.handle, grad.handle, handleOf(state.sum), step, group.lr,
      group.lrDecay as number, group.weightDecay as number, group.eps as number, group.maximize ? 1 : 0);
    state.step = step;
  }
}
