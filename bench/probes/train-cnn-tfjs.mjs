// TF.js (wasm SIMD, 1 thread) trains TinyVGG on synthetic 28x28 batches; prints RESULT.
// tfjs-backend-wasm ships no Conv2DBackpropFilter kernel, so the conv gradient is supplied with
// tf.customGrad: dX by conv2dTranspose, dW by a forward conv over transposed tensors.
import { tf } from "./tfjs-setup.mjs";

const [steps, batch] = process.argv.slice(2).map(Number);
const conv3x3 = tf.customGrad((x, w, save) => {
  save([x, w]);
  return {
    value: tf.conv2d(x, w, 1, "same"),
    gradFunc: (dy, [xs, ws]) => {
      const dx = tf.conv2dTranspose(dy, ws, xs.shape, 1, "same");
      const xT = xs.transpose([3, 1, 2, 0]); // [in, H, W, N]
      const dyT = dy.transpose([1, 2, 0, 3]); // [H, W, N, out] used as the filter
      const dw = tf.conv2d(xT, dyT, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]).transpose([1, 2, 0, 3]);
      return [dx, dw];
    },
  };
});
const init = (shape, fanIn) => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
const convs = [[1, 10], [10, 10], [10, 10], [10, 10]].map(([i, o]) => ({ w: init([3, 3, i, o], 9 * i), b: init([o], 9 * i) }));
const fc = { w: init([490, 10], 490), b: init([10], 490) };
const forward = (x) => {
  let h = x;
  convs.forEach((c, k) => {
    h = tf.relu(tf.add(conv3x3(h, c.w), c.b));
    if (k % 2 === 1) h = tf.maxPool(h, 2, 2, "valid");
  });
  return tf.add(tf.matMul(h.reshape([h.shape[0], 490]), fc.w), fc.b);
};
const opt = tf.train.sgd(0.1);
const xs = tf.randomNormal([batch, 28, 28, 1]);
const ys = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32"), 10);
const step = () => {
  const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, forward(xs)), true);
  const v = loss.dataSync()[0];
  loss.dispose();
  return v;
};
for (let i = 0; i < 3; i++) step();
const t0 = performance.now();
let last = 0;
for (let i = 0; i < steps; i++) last = step();
const sec = (performance.now() - t0) / 1000;
console.log("RESULT " + JSON.stringify({ samplesPerSec: (steps * batch) / sec, finalLoss: last }));
