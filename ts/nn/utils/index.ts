// kd.nn.utils, as torch.nn.utils: the rnn helpers (kd.nn.utils.rnn.packPaddedSequence, ...).
export * as rnn from "./rnn.js";
