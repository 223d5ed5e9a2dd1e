// torch.optim.Adagrad: per-element learning rates from the accumulated squared gradients,
// with lr decay over steps and an initial accumulator value. State exists from construction.
import { Tensor } from "../tensor.js";
import { checkBool, checkNumber, handleOf, Optimizer, type ParamGroup, type ParamState, type Params } from "./optimizer.js";
import { call } from "../runtime/engine.js";
import { positional, type PositionalArgs } from "../options.js";

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
  maximize?: boolean;
}

export class Adagrad extends Optimizer {
  /** new Adagrad(params, {lr, ...}) or torch's positional order: new Adagrad(params, 0.01, 0, 1e-4). */
  constructor(params: Params, ...args: PositionalArgs<[lr: number, lrDecay: number, weightDecay: number, initialAccumulatorValue: number, eps: number], AdagradOptions>);
  constructor(params: Params, ...args: unknown[]) {
    const defaults = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false };
    super("Adagrad", params, defaults, positional("Adagrad(params, lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *, maximize=False)",
      args, ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps"], Object.keys(defaults)));
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
