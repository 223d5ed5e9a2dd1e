import * as kd from "/work/main/ts/index.ts";
const { nn } = kd; const F = nn.functional;
function time(name: string, f: () => void, n = 5) {
  f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) kd.tidy(f);
  console.log(name, ((performance.now() - t0) / n).toFixed(1), "ms");
}
const x = kd.randn([32, 1, 28, 28]);
const net = new nn.Sequential(
  new nn.Conv2d(1, 10, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(10, 10, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(10, 10, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(10, 10, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(490, 10));
time("tinyvgg fwd b32", () => { net.forward(x); });
time("tinyvgg fwd+bwd b32", () => { net.zeroGrad(); net.forward(x).sum().backward(); });
const x2 = kd.randn([32, 64, 32, 32]);
const w2 = kd.randn([64, 64, 3, 3]).requiresGrad_(true);
time("conv 64->64 32x32 b32 fwd", () => { F.conv2d(x2, w2, null, { padding: 1 }); }, 2);
time("conv 64->64 32x32 b32 fwd+bwd", () => { F.conv2d(x2, w2, null, { padding: 1 }).sum().backward(); w2.grad = null; }, 2);
const bn = new nn.BatchNorm2d(64);
time("bn2d 32x64x32x32 fwd", () => { bn.forward(x2); }, 3);
const x3 = kd.randn([32, 64, 32, 32]).requiresGrad_(true);
time("bn2d fwd+bwd", () => { bn.forward(x3).sum().backward(); }, 3);
time("maxpool fwd", () => { F.maxPool2d(x2, 2); }, 3);
time("bilinear x2 fwd", () => { F.interpolate(x2, { scaleFactor: 2, mode: "bilinear" }); }, 3);
