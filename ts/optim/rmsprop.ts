// torch.optim.RMSprop: running average of squared gradients, optionally centered (minus the
// squared running mean) and with a momentum buffer.
import { Tensor } from "../tensor.js";
import { checkBool, checkNumber, handleOf, Optimizer, type ParamGroup, type ParamState, type Params } from "./optimizer.js";
import { call } from "../runtime/engine.js";
import { positional, type PositionalArgs } from "../options.js";

export interface RMSpropOptions {
  lr?: number;
  /** Smoothing constant of the squared-gradient average. */
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}

export class RMSprop extends Optimizer {
  /** new RMSprop(params, {lr, ...}) or torch's positional order: new RMSprop(params, 0.01, 0.9). */
  constructor(params: Params, ...args: PositionalArgs<[lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean], RMSpropOptions>);
  constructor(params: Params, ...args: unknown[]) {
    const defaults = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };
    // torch 1.13 has foreach then maximize positional after centered; foreach means nothing here, so maximize stays a named option.
    super("RMSprop", params, defaults, positional("RMSprop(params, lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=False, *, maximize=False)",
      args, ["lr", "alpha", "eps", "weightDecay", "momentum", "centered"], Object.keys(defaults)));
  }

  protected validate(g: Record<string, unknown>, where: string, keys?: string[]): void {
    const want = (k: string) => !keys || keys.includes(k);
    if (want("lr")) checkNumber(where, "lr", g.lr, { min: 0 });
    if (want("eps")) checkNumber(where, "epsilon", g.eps, { min: 0 });
    if (want("momentum")) checkNumber(where, "momentum", g.momentum, { min: 0 });
    if (want("weightDecay")) checkNumber(where, "weight_decay", g.weightDecay, { min: 0 });
    if (want("alpha")) checkNumber(where, "alpha", g.alpha, { min: 0 });
    if (want("centered")) checkBool(where, "centered", g.centered);
    if (want("maximize")) checkBool(where, "maximize", g.maximize);
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    const momentum = group.momentum as number;
    if (!(state.square_avg instanceof Tensor)) {
      state.step = 0;
      state.square_avg = this.zerosFor(p);
      if (momentum > 0) state.momentum_buffer = this.zerosFor(p);
      if (group.centered) state.grad_avg = this.zerosFor(p);
    }
    // Options switched on after the first step get fresh buffers (torch would fail instead).
    if (momentum > 0 && !(state.momentum_buffer instanceof Tensor)) state.momentum_buffer = this.zerosFor(p);
    if (group.centered && !(state.grad_avg instanceof Tensor)) state.grad_avg = this.zerosFor(p);
    const flags = (group.maximize ? 1 : 0) | (group.centered ? 2 : 0);
    call.rmspropStep(p.handle, grad.handle, handleOf(state.square_avg),
      group.centered ? handleOf(state.grad_avg) : 0, momentum > 0 ? handleOf(state.momentum_buffer) : 0,
      group.lr, group.alpha as number, group.eps as number, group.weightDecay as number, momentum, flags);
    state.step = ((state.step as number) ?? 0) + 1;
  }
}
