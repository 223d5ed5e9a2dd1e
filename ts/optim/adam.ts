// torch.optim.Adam and AdamW: bias-corrected moments, amsgrad, maximize; Adam adds the L2
// term to the gradient, AdamW decays the weights directly (p *= 1 - lr * weight_decay).
import { Tensor } from "../tensor.js";
import { ValueError } from "../errors.js";
import { checkBool, checkNumber, handleOf, Optimizer, type ParamGroup, type ParamState, type Params } from "./optimizer.js";
import { call } from "../runtime/engine.js";
import { positional, type PositionalArgs } from "../options.js";

export interface AdamOptions {
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square. */
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

function checkBetas(where: string, b: unknown): void {
  if (!Array.isArray(b) || b.length !== 2) throw new ValueError(`${where}: betas must be an array of two numbers, got ${JSON.stringify(b)}`);
  b.forEach((x, i) => {
    if (typeof x !== "number" || !(x >= 0 && x < 1)) throw new ValueError(`${where}: Invalid beta parameter at index ${i}: ${x}`);
  });
}

/** torch's positional order after params (maximize is keyword-only there). */
type AdamArgs = PositionalArgs<[lr: number, betas: [number, number], eps: number, weightDecay: number, amsgrad: boolean], AdamOptions>;
const ADAM_ARGS = ["lr", "betas", "eps", "weightDecay", "amsgrad"];

class AdamBase extends Optimizer {
  constructor(name: string, params: Params, args: unknown[], weightDecay: number, private readonly decoupled: boolean) {
    const defaults = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false };
    const sig = `${name}(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=${weightDecay}, amsgrad=False, *, maximize=False)`;
    super(name, params, defaults, positional(sig, args, ADAM_ARGS, Object.keys(defaults)));
  }

  protected validate(g: Record<string, unknown>, where: string, keys?: string[]): void {
    const want = (k: string) => !keys || keys.includes(k);
    if (want("lr")) checkNumber(where, "lr", g.lr, { min: 0 });
    if (want("eps")) checkNumber(where, "epsilon", g.eps, { min: 0 });
    if (want("betas")) checkBetas(where, g.betas);
    if (want("weightDecay")) checkNumber(where, "weight_decay", g.weightDecay, { min: 0 });
    if (want("amsgrad")) checkBool(where, "amsgrad", g.amsgrad);
    if (want("maximize")) checkBool(where, "maximize", g.maximize);
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    if (!(state.exp_avg instanceof Tensor)) {
      state.step = 0;
      state.exp_avg = this.zerosFor(p);
      state.exp_avg_sq = this.zerosFor(p);
    }
    if (!(state.exp_avg_sq instanceof Tensor)) state.exp_avg_sq = this.zerosFor(p);
    if (group.amsgrad && !(state.max_exp_avg_sq instanceof Tensor)) state.max_exp_avg_sq = this.zerosFor(p);
    const step = ((state.step as number) ?? 0) + 1;
    const [beta1, beta2] = group.betas as [number, number];
    const flags = (group.maximize ? 1 : 0) | (group.amsgrad ? 2 : 0) | (this.decoupled ? 4 : 0);
    call.adamStep(p.handle, grad.handle, handleOf(state.exp_avg), handleOf(state.exp_avg_sq),
      group.amsgrad ? handleOf(state.max_exp_avg_sq) : 0, step, group.lr, beta1, beta2, group.eps as number,
      group.weightDecay as number, flags);
    state.step = step;
  }
}

/** Adam (Kingma & Ba), with optional L2 weight decay and the AMSGrad variant. */
export class Adam extends AdamBase {
  /** new Adam(params, {lr, ...}) or torch's positional order: new Adam(params, 1e-3, [0.9, 0.99]). */
  constructor(params: Params, ...args: AdamArgs);
  constructor(params: Params, ...args: unknown[]) {
    super("Adam", params, args, 0, false);
  }
}

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay (default 1e-2). */
export class AdamW extends AdamBase {
  /** new AdamW(params, {lr, ...}) or torch's positional order: new AdamW(params, 1e-3, [0.9, 0.99], 1e-8, 0.05). */
  constructor(params: Params, ...args: AdamArgs);
  constructor(params: Params, ...args: unknown[]) {
    super("AdamW", params, args, 1e-2, true);
  }
}
