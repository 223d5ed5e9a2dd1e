// kd.nn: modules, layers, losses, initialisers and the functional forms, as torch.nn.
//   import * as kd from "kindling";
//   const { nn } = kd; const F = nn.functional;
//   const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
export { Module, Parameter, StateDictError, RemovableHandle, type ForwardHook, type ForwardPreHook, type StateDictOptions, type LoadResult } from "./module.js";
export { Linear, Identity } from "./layers/linear.js";
export { Sequential, ModuleList, ModuleDict } from "./layers/containers.js";
export { ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softplus, LogSigmoid, Softmax, LogSoftmax } from "./layers/activation.js";
export { Dropout, Dropout2d } from "./layers/dropout.js";
export { Conv2d, ConvTranspose2d, type Conv2dLayerOptions, type ConvTranspose2dLayerOptions, type PaddingMode } from "./layers/conv.js";
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from "./layers/pooling.js";
export { BatchNorm, BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm } from "./layers/normalization.js";
export { Embedding } from "./layers/sparse.js";
export { Upsample } from "./layers/upsampling.js";
export { MultiheadAttention, NonDynamicallyQuantizableLinear, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from "./layers/attention.js";
export {
  TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder, Transformer,
  type Activation, type TransformerLayerOptions, type TransformerOptions,
} from "./layers/transformer.js";
export { Flatten, Unflatten } from "./layers/shape.js";
export {
  RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell, type RNNBaseOptions, type RNNOptions, type LSTMOptions,
} from "./layers/rnn.js";
export {
  Loss, WeightedLoss, L1Loss, MSELoss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, NLLLoss, CrossEntropyLoss,
} from "./loss.js";
export * as functional from "./functional.js";
export * as F from "./functional.js";
export * as init from "./init.js";
export * as utils from "./utils/index.js";
export type { Reduction } from "./functional.js";
