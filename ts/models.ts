// kd.models: small reference models, as torchvision.models holds its zoo (TinyVGG here, the ViT in
// models/vit.ts). The FashionMNIST example, the worker's built-in factories and the tests all
// build from here.
//   const model = kd.models.makeModel("tinyvgg");   // or new kd.models.TinyVGG(1, 10, 10)
import { ValueError } from "./errors.js";
import { tidy } from "./memory.js";
import { Module } from "./nn/module.js";
import { Sequential } from "./nn/layers/containers.js";
import { Conv2d } from "./nn/layers/conv.js";
import { ReLU } from "./nn/layers/activation.js";
import { MaxPool2d } from "./nn/layers/pooling.js";
import { Flatten } from "./nn/layers/shape.js";
import { Linear } from "./nn/layers/linear.js";
import type { Tensor } from "./tensor.js";

/** The course's TinyVGG: two conv blocks (conv-relu-conv-relu-maxpool) and a linear classifier, for 28x28 inputs. */
export class TinyVGG extends Module {
  block1: Sequential;
  block2: Sequential;
  classifier: Sequential;
  constructor(inChannels = 1, hidden = 10, classes = 10) {
    super();
    const conv = (i: number, o: number) => new Conv2d(i, o, 3, { stride: 1, padding: 1 });
    this.block1 = new Sequential(conv(inChannels, hidden), new ReLU(), conv(hidden, hidden), new ReLU(), new MaxPool2d(2));
    this.block2 = new Sequential(conv(hidden, hidden), new ReLU(), conv(hidden, hidden), new ReLU(), new MaxPool2d(2));
    this.classifier = new Sequential(new Flatten(), new Linear(hidden * 7 * 7, classes));
  }
  override forward(x: Tensor): Tensor {
    return tidy(() => this.classifier.call(this.block2.call(this.block1.call(x))));
  }
}

/** The names makeModel knows. */
export const modelNames = ["tinyvgg", "mlp", "linear"] as const;
export type ModelName = (typeof modelNames)[number];

/** A fresh FashionMNIST classifier: "tinyvgg" (CNN), "mlp" (784-256-10) or "linear" (784-10). */
export function makeModel(name: ModelName | string): Module {
  switch (name) {
    case "tinyvgg": return new TinyVGG(1, 10, 10);
    case "mlp": return new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 10));
    case "linear": return new Sequential(new Flatten(), new Linear(784, 10));
    default: throw new ValueError(`unknown model "${name}": expected tinyvgg, mlp or linear`);
  }
}

export { ViT, PatchEmbedding, vit, type ViTOptions } from "./models/vit.js";
