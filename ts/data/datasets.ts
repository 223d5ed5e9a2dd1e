// kd.datasets: the toy datasets of the classification chapters and the real image datasets.
export { makeCircles, makeBlobs, type Toy } from "./synthetic.js";
export { MNIST, FashionMNIST, downloadFile, type MNISTOptions, type MNISTData } from "./mnist.js";
export { ImageFolder, DatasetFolder, IMG_EXTENSIONS, loadImage, findClasses, type ImageFolderOptions, type DatasetFolderOptions, type FolderIndex, type FolderSource } from "./image_folder.js";
export { decodeImage, decodeImageAsync, imageInfo, encodePng, encodeJpeg, MAX_IMAGE_PIXELS, type ImageMode, type DecodeOptions, type ImageInfo } from "./image_decode.js";
export { makeFashionFolder, type FashionFolderOptions, type FashionFolder } from "./fashion_folder.js";
// Tables and text: CSV files, texts with labels, sentence pairs, and the npm-shipped corpora.
export { CSV, NA_VALUES, type CSVOptions, type CSVColumn, type CSVSchema, type ColumnKind } from "./csv.js";
export { TextDataset, TranslationDataset, type TextDatasetOptions, type TranslationDatasetOptions } from "./text_datasets.js";
export { SpamAssassin, SPAM_GROUPS, messageBody, type SpamAssassinOptions, type SpamGroup } from "./spam_assassin.js";
export { NumberWords, type NumberWordsOptions, type NumberToWords } from "./number_words.js";
