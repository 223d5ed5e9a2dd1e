// kd.data: torch.utils.data — datasets, the DataLoader, random splits and a seeded generator.
export { Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, randomSplit, type MapDataset } from "./dataset.js";
export { DataLoader, defaultCollate, disposeTensors, type DataLoaderOptions, type Collated } from "./dataloader.js";
export { Generator } from "./generator.js";
export { parseIdx, decodeIdx, readIdx, encodeIdx, gunzip, isGzip, type IdxArray, type IdxDType } from "./idx.js";
export { trainTestSplit, type TrainTestSplitOptions } from "./split.js";
export { parseCSV, parseCSVRecords, type CSVParseOptions, type CSVRecord } from "./csv_parse.js";
