// kd.datasets: the toy datasets of the classification chapters (real datasets join them here).
export { makeCircles, makeBlobs, type Toy } from "./synthetic.js";
