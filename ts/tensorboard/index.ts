// kd.tensorboard: TensorBoard event files (SummaryWriter) and reading them back (readEventFile, readRuns).
export { SummaryWriter, type SummaryWriterOptions, type ImageOptions, type HParamValue } from "./writer.js";
export { makeHistogram, defaultBins, type Histogram } from "./histogram.js";
export { crc32c, maskedCrc32c } from "./crc32c.js";
export { frameRecord, readRecords } from "./record.js";
export { decodeEvents, collectRun, type ScalarPoint, type RunData } from "./reader.js";
