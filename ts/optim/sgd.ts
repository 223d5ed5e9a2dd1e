// torch.optim.SGD: momentum (with dampening), Nesterov, L2 weight decay, maximize.
import { Tensor } from "../tensor.js";
import { ValueError } from "../errors.js";
import { checkBool, checkNumber, handleOf, Optimizer, required, type ParamGroup, type ParamState, type Params } from "./optimizer.js";
import { call } from "../runtime/engine.js";
import { positional, type PositionalArgs } from "../options.js";

export interface SGDOptions {
  /** Learning rate (required, as in torch 1.13). */
  lr?: number;
  momentum?: number;
  dampening?: number;
  /** L2 penalty added to the gradient. */
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

/**
 * Stochastic gradient descent, torch's formulation: with momentum μ, the buffer is
 * b = μ·b + (1 − dampening)·g (b = g on the first step) and p −= lr·b (Nesterov: lr·(g + μ·b)).
 */
export class SGD extends Optimizer {
  /** new SGD(params, {lr, ...}) or torch's positional order: new SGD(params, 0.1, 0.9). */
  constructor(params: Params, ...args: PositionalArgs<[lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean], SGDOptions>);
  constructor(params: Params, ...args: unknown[]) {
    const defaults = { lr: required, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    super("SGD", params, defaults, positional("SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)",
      args, ["lr", "momentum", "dampening", "weightDecay", "nesterov"], Object.keys(defaults)));
  }

  protected validate(g: Record<string, unknown>, where: string, keys?: string[]): void {
    const want = (k: string) => !keys || keys.includes(k);
    if (want("lr")) checkNumber(where, "lr", g.lr, { min: 0 });
    if (want("momentum")) checkNumber(where, "momentum", g.momentum, { min: 0 });
    if (want("dampening")) checkNumber(where, "dampening", g.dampening);
    if (want("weightDecay")) checkNumber(where, "weight_decay", g.weightDecay, { min: 0 });
    if (want("nesterov")) checkBool(where, "nesterov", g.nesterov);
    if (want("maximize")) checkBool(where, "maximize", g.maximize);
    if ((!keys || keys.includes("nesterov")) && g.nesterov === true && (!((g.momentum as number) > 0) || g.dampening !== 0)) {
      throw new ValueError(`${where}: Nesterov momentum requires a momentum and zero dampening`);
    }
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    const momentum = group.momentum as number;
    let buf = state.momentum_buffer instanceof Tensor ? state.momentum_buffer : null;
    let first = false;
    if (momentum !== 0 && !buf) {
      buf = this.zerosFor(p);
      first = true;
    }
    const flags = (group.maximize ? 1 : 0) | (group.nesterov ? 2 : 0) | (first ? 4 : 0);
    try {
      call.sgdStep(p.handle, grad.handle, momentum !== 0 ? handleOf(buf) : 0, group.lr, momentum,
        group.dampening as number, group.weightDecay as number, flags);
    } catch (e) {
      if (first) buf?.dispose();
      throw e;
    }
    state.momentum_buffer = buf;
  }
}
