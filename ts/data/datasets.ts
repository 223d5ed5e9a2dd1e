// kd.datasets: the toy datasets of the classification chapters and the real image datasets.
export { makeCircles, makeBlobs, type Toy } from "./synthetic.js";
export { MNIST, FashionMNIST, downloadFile, type MNISTOptions, type MNISTData } from "./mnist.js";
