// TF.js (wasm SIMD, 1 thread) trains the 784-256-10 ReLU MLP with SGD on synthetic batches;
// prints RESULT {samplesPerSec}.
import { tf } from "./tfjs-setup.mjs";

const [steps, batch] = process.argv.slice(2).map(Number);
const w1 = tf.variable(tf.randomNormal([784, 256], 0, 0.05));
const b1 = tf.variable(tf.zeros([256]));
const w2 = tf.variable(tf.randomNormal([256, 10], 0, 0.05));
const b2 = tf.variable(tf.zeros([10]));
const opt = tf.train.sgd(0.1);
const xs = tf.randomNormal([batch, 784]);
const ys = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32"), 10);
const step = () => {
  const loss = opt.minimize(() => {
    const h = tf.relu(tf.add(tf.matMul(xs, w1), b1));
    return tf.losses.softmaxCrossEntropy(ys, tf.add(tf.matMul(h, w2), b2));
  }, true);
  const v = loss.dataSync()[0];
  loss.dispose();
  return v;
};
for (let i = 0; i < 10; i++) step();
const t0 = performance.now();
let last = 0;
for (let i = 0; i < steps; i++) last = step();
const sec = (performance.now() - t0) / 1000;
console.log("RESULT " + JSON.stringify({ samplesPerSec: (steps * batch) / sec, finalLoss: last }));
