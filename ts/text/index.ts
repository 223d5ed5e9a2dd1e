// kd.text: the text pipeline (torchtext's role): tokenizers, a vocabulary built from data,
// encoding to indices, padding/truncation and a DataLoader collate for [batch, length] batches.
export { Tokenizer, getTokenizer, type TokenizerOptions } from "./tokenizer.js";
export { Vocab, DEFAULT_SPECIALS, type VocabOptions } from "./vocab.js";
export { padTo, padBatch, padCollate, type PadOptions, type PadBatchOptions, type Sequence } from "./pad.js";
