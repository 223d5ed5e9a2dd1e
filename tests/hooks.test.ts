// Module forward hooks as torch.nn.Module has them: register_forward_pre_hook and
// register_forward_hook, run by call() (and so by containers), each returning a removable handle.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { nn } from "../ts/index.js";

describe("module hooks", async () => {
  await kd.ready();

  it("forward hooks on Sequential children capture activations, in order; remove() stops them", () => {
    kd.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const seen: string[] = [];
    const acts: Record<string, kd.Tensor> = {};
    const handles = model.namedChildren().map(([name, m]) =>
      m.registerForwardHook((mod, args, out) => {
        seen.push(`${name}:${mod.constructor.name}:${args[0].shape}->${out.shape}`);
        acts[name] = out.detach();
      }));
    const x = kd.randn([5, 3]);
    const y = model.call(x);
    expect(seen).toEqual(["0:Linear:5,3->5,4", "1:ReLU:5,4->5,4", "2:Linear:5,4->5,2"]);
    // The captured activations are the layers' real outputs: recompute them by hand.
    const [l1, , l2] = model.children() as [nn.Linear, nn.Module, nn.Linear];
    const h = x.matmul(l1.weight.t()).add(l1.bias!);
    expect(Array.from(acts["0"].dataSync())).toEqual(Array.from(h.dataSync()));
    expect(Array.from(acts["1"].dataSync())).toEqual(Array.from(h.relu().dataSync()));
    expect(Array.from(acts["2"].dataSync())).toEqual(Array.from(y.dataSync()));
    for (const hd of handles) hd.remove();
    model.call(x);
    expect(seen.length).toBe(3);
  });

  it("a pre-hook can replace the input and a forward hook the output", () => {
    const relu = new nn.ReLU();
    const pre = relu.registerForwardPreHook((_m, args) => [args[0].neg()]);
    const post = relu.registerForwardHook((_m, _args, out) => out.mul(10));
    const x = kd.tensor([-1, 2]);
    expect(Array.from(relu.call(x).dataSync())).toEqual([10, 0]);
    pre.remove();
    expect(Array.from(relu.call(x).dataSync())).toEqual([0, 20]);
    post.remove();
    expect(Array.from(relu.call(x).dataSync())).toEqual([0, 2]);
    // forward() itself runs no hooks, as in PyTorch (hooks run on module(x)).
    relu.registerForwardHook(() => kd.tensor([7]));
    expect(Array.from(relu.forward(x).dataSync())).toEqual([0, 2]);
  });

  it("hooks run in registration order, prepend puts one first, and hooks are not state", () => {
    const lin = new nn.Linear(2, 2);
    const order: string[] = [];
    lin.registerForwardHook(() => void order.push("a"));
    lin.registerForwardHook(() => void order.push("b"));
    lin.registerForwardHook(() => void order.push("first"), { prepend: true });
    lin.call(kd.ones([1, 2]));
    expect(order).toEqual(["first", "a", "b"]);
    expect(Object.keys(lin.stateDict())).toEqual(["weight", "bias"]);
    expect(lin.parameters().length).toBe(2);
  });

  it("gradients flow through a hook-modified output", () => {
    const lin = new nn.Linear(2, 1);
    lin.registerForwardHook((_m, _a, out) => out.mul(3));
    lin.call(kd.tensor([[1, 2]])).sum().backward();
    expect(Array.from(lin.weight.grad!.dataSync())).toEqual([3, 6]);
    expect(Array.from(lin.bias!.grad!.dataSync())).toEqual([3]);
  });
});
