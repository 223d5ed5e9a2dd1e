// kd.datasets: the toy datasets of the classification chapters and the real image datasets.
export { makeCircles, makeBlobs, type Toy } from "./synthetic.js";
export { MNIST, FashionMNIST, downloadFile, type MNISTOptions, type MNISTData } from "./mnist.js";
export { ImageFolder, DatasetFolder, IMG_EXTENSIONS, loadImage, findClasses, type ImageFolderOptions, type DatasetFolderOptions, type FolderIndex, type FolderSource } from "./image_folder.js";
export { decodeImage, decodeImageAsync, imageInfo, encodePng, encodeJpeg, MAX_IMAGE_PIXELS, type ImageMode, type DecodeOptions, type ImageInfo } from "./image_decode.js";
export { makeFashionFolder, type FashionFolderOptions, type FashionFolder } from "./fashion_folder.js";
