// The browser demo's page script: it only draws. Training, evaluation and prediction run in
// a Kindling worker (kd.worker, a module Web Worker behind Comlink); progress arrives through
// a callback, so the page stays responsive while the model trains.
import * as kd from "kindling";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const DATA = new URL("/data/fashion-mnist/", location.href).href;
const CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
const GRID = 16;

// Query parameters preset the form (the end-to-end test uses ?steps=400&autostart=1).
for (const k of ["steps", "batch", "lr", "evalEvery"]) if (params.has(k)) $<HTMLInputElement>(k).value = params.get(k)!;

const losses: number[] = [];
const trainAcc: number[] = [];
const testAcc: { step: number; acc: number }[] = [];
let worker: kd.worker.KindlingWorker | undefined;
let drawQueued = false;

/** Charts are redrawn at most once per animation frame, however fast progress arrives. */
function scheduleDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    $("lossChart").innerHTML = kd.plot.lineChart([{ name: "train loss", values: losses }], { width: 520, height: 300, title: "Loss", xlabel: "progress report" });
    const every = Number($<HTMLInputElement>("evalEvery").value);
    $("accChart").innerHTML = kd.plot.lineChart(
      [{ name: "train acc", values: trainAcc }, { name: "test acc", values: testAcc.map((t) => t.acc) }],
      { width: 520, height: 300, title: "Accuracy", xlabel: `evaluation (every ${every} steps)` },
    );
  });
}

/** Draws test images (uint8 28x28) with predicted and true labels. */
function drawGrid(images: Uint8Array[], preds: number[], labels: number[]) {
  const grid = $("grid");
  grid.innerHTML = "";
  images.forEach((pixels, i) => {
    const cell = document.createElement("div");
    cell.className = "cell";
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 28;
    const ctx = canvas.getContext("2d")!;
    const img = ctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) img.data.set([pixels[p], pixels[p], pixels[p], 255], p * 4);
    ctx.putImageData(img, 0, 0);
    const ok = preds[i] === labels[i];
    cell.append(canvas);
    cell.insertAdjacentHTML("beforeend", `<div class="${ok ? "ok" : "bad"}">${CLASSES[preds[i]]}</div><div>${CLASSES[labels[i]]}</div>`);
    grid.append(cell);
  });
}

/** GRID test images, read here (no tensors: raw bytes), for the prediction grid. */
async function gridImages() {
  const test = await kd.datasets.FashionMNIST.load({ train: false, root: DATA });
  const items = Array.from({ length: GRID }, (_, i) => test.getItem(i * 97));
  const images = items.map(([img]) => img.data as Uint8Array);
  const x = new Float32Array(GRID * 784);
  images.forEach((im, i) => { for (let p = 0; p < 784; p++) x[i * 784 + p] = im[p] / 255; });
  return { images, labels: items.map(([, y]) => y), x: { data: x, shape: [GRID, 1, 28, 28], dtype: "float32" as const } };
}

/** Predicted classes of a logits payload (tensors made here are released by tidy). */
const argmaxRows = (p: kd.worker.TensorPayload) => kd.tidy(() => Array.from(kd.worker.fromPayload(p).argmax(1).dataSync()));

let stopRequested = false;

async function start() {
  const steps = Number($<HTMLInputElement>("steps").value);
  const batchSize = Number($<HTMLInputElement>("batch").value);
  const lr = Number($<HTMLInputElement>("lr").value);
  const evalEvery = Number($<HTMLInputElement>("evalEvery").value);
  const testSet = { name: "FashionMNIST" as const, train: false, root: DATA, limit: Number(params.get("testLimit") ?? 2000) };
  losses.length = trainAcc.length = testAcc.length = 0;
  stopRequested = false;
  $<HTMLButtonElement>("start").disabled = true;
  $<HTMLButtonElement>("stop").disabled = false;
  $("state").textContent = "loading";
  delete document.body.dataset.done;
  try {
    worker ??= await kd.worker.spawn();
    $("backend").textContent = `wasm ${worker.variant}, ${worker.threads} thread${worker.threads === 1 ? "" : "s"} (CPU, in a Web Worker)`;
    await worker.build({ factory: "tinyvgg" });
    const grid = await gridImages();
    $("state").textContent = "training";
    let done = 0;
    // Train in rounds of evalEvery steps (the optimizer carries over between train() calls),
    // evaluating on held-out test images after each round for the accuracy chart.
    for (let round = 0; done < steps && !stopRequested; round++) {
      const r = await worker.train(
        { dataset: { name: "FashionMNIST", train: true, root: DATA }, batchSize, shuffle: true, seed: 42 + round, optimizer: { name: "SGD", lr }, steps: Math.min(evalEvery, steps - done), progressEvery: 10 },
        (p) => {
          $("step").textContent = String(done + p.step);
          $("speed").textContent = p.samplesPerSec.toFixed(0);
          $("loss").textContent = p.loss.toFixed(4);
          losses.push(p.loss);
          scheduleDraw();
        },
      );
      done += r.steps;
      if (r.cancelled) break;
      const ev = await worker.evaluate(testSet);
      trainAcc.push(r.accuracy ?? NaN);
      testAcc.push({ step: done, acc: ev.accuracy ?? NaN });
      $("acc").textContent = `${((ev.accuracy ?? NaN) * 100).toFixed(2)}%`;
      document.body.dataset.testAccuracy = String(ev.accuracy);
      scheduleDraw();
      const preds = argmaxRows(await worker.predict({ ...grid.x, data: grid.x.data.slice() }));
      drawGrid(grid.images, preds, grid.labels);
    }
    $("state").textContent = stopRequested ? `stopped at step ${done}` : `done: ${done} steps`;
    for (const id of ioButtons) $<HTMLButtonElement>(id).disabled = false;
    document.body.dataset.done = String(done);
  } catch (e) {
    $("state").textContent = "error";
    $("log").textContent = `${(e as Error).name}: ${(e as Error).message}`;
    document.body.dataset.error = (e as Error).message;
  } finally {
    $<HTMLButtonElement>("start").disabled = false;
    $<HTMLButtonElement>("stop").disabled = true;
  }
}

/**
 * Trains the same TinyVGG for the same steps in one fresh worker per engine build this browser
 * runs (plain SIMD and relaxed SIMD with fused multiply-add on one thread, then relaxed SIMD on
 * every core where the page is cross-origin isolated), one after the other, and shows samples
 * per second side by side.
 */
async function compareBackends() {
  const button = $<HTMLButtonElement>("compare");
  button.disabled = true;
  const table = $<HTMLTableElement>("backends");
  const body = table.tBodies[0];
  body.innerHTML = "";
  table.hidden = false;
  // The page's own engine is the best build this browser validates.
  const best = kd.getEngine().variant;
  const relaxed = best.startsWith("relaxed");
  const rows: { key: string; label: string; variant: "simd" | "relaxed"; threads: number | false }[] = [
    { key: "simd", label: "wasm simd128, 1 thread", variant: "simd", threads: false },
    ...(relaxed ? [{ key: "relaxed", label: "wasm relaxed SIMD, 1 thread", variant: "relaxed" as const, threads: false as const }] : []),
  ];
  if (best.endsWith("-threads")) {
    const cores = navigator.hardwareConcurrency;
    rows.push({ key: `${relaxed ? "relaxed" : "simd"}-threads`, label: `wasm ${relaxed ? "relaxed SIMD" : "simd128"}, ${cores} threads`, variant: relaxed ? "relaxed" : "simd", threads: cores });
  }
  const speeds: number[] = [];
  try {
    for (const r0 of rows) {
      const row = body.insertRow();
      row.innerHTML = `<td>${r0.label}</td><td>running…</td><td></td>`;
      const w = await kd.worker.spawn({ variant: r0.variant, threads: r0.threads });
      try {
        await w.build({ factory: "tinyvgg" });
        const dataset = { name: "FashionMNIST" as const, train: true, root: DATA, limit: 4096 };
        await w.train({ dataset, batchSize: 32, steps: 5, seed: 1 }); // warm-up: compile tiers, caches
        const r = await w.train({ dataset, batchSize: 32, steps: 40, seed: 2 });
        speeds.push(r.samplesPerSec);
        row.cells[1].textContent = r.samplesPerSec.toFixed(0);
        row.cells[2].textContent = `${(r.samplesPerSec / speeds[0]).toFixed(2)}x`;
      } finally {
        await w.terminate();
      }
    }
    document.body.dataset.compared = JSON.stringify(Object.fromEntries(rows.map((r, i) => [r.key, speeds[i]])));
    if ("gpu" in navigator) await compareWebGpu(body, speeds[0]);
  } catch (e) {
    $("log").textContent = `${(e as Error).name}: ${(e as Error).message}`;
    document.body.dataset.error = (e as Error).message;
  } finally {
    button.disabled = false;
  }
}

/**
 * The same TinyVGG on WebGPU, in a worker that opens its own GPU. A software adapter
 * (SwiftShader, WARP) is named as one and runs fewer steps: it shows correctness, not speed.
 * An op without a WebGPU kernel shows its DeviceError in the row instead of a number.
 */
async function compareWebGpu(body: HTMLTableSectionElement, base: number) {
  const row = body.insertRow();
  row.innerHTML = `<td>webgpu</td><td>running…</td><td></td>`;
  let w: kd.worker.KindlingWorker | undefined;
  try {
    w = await kd.worker.spawn({ device: "webgpu" });
    const software = /swiftshader|llvmpipe|lavapipe|warp|software/i.test(w.adapter ?? "");
    row.cells[0].textContent = `webgpu (${w.adapter}${software ? ": a software adapter, correct but not fast" : ""})`;
    await w.build({ factory: "tinyvgg" });
    const dataset = { name: "FashionMNIST" as const, train: true, root: DATA, limit: 4096 };
    await w.train({ dataset, batchSize: 32, steps: software ? 1 : 5, seed: 1 });
    const r = await w.train({ dataset, batchSize: 32, steps: software ? 3 : 40, seed: 2 });
    row.cells[1].textContent = r.samplesPerSec.toFixed(0);
    row.cells[2].textContent = `${(r.samplesPerSec / base).toFixed(2)}x`;
    document.body.dataset.comparedWebgpu = JSON.stringify({ adapter: w.adapter, software, samplesPerSec: r.samplesPerSec });
  } catch (e) {
    row.cells[1].textContent = `${(e as Error).name}: ${(e as Error).message}`;
    document.body.dataset.comparedWebgpu = JSON.stringify({ error: (e as Error).message });
  } finally {
    await w?.terminate();
  }
}

// ---- save and reload: the worker's weights as a PyTorch-keyed state dict ------------------

const STORE = "indexeddb://kindling-demo/tinyvgg";
const ioButtons = ["save", "restore", "downloadSt", "downloadOnnx"];

/** Runs a save/load action with its buttons disabled, showing what it did or what failed. */
async function ioAction(what: () => Promise<string>) {
  for (const id of ioButtons) $<HTMLButtonElement>(id).disabled = true;
  try {
    $("io").textContent = await what();
  } catch (e) {
    $("io").textContent = `${(e as Error).name}: ${(e as Error).message}`;
    document.body.dataset.error = (e as Error).message;
  } finally {
    for (const id of ioButtons) $<HTMLButtonElement>(id).disabled = !worker;
  }
}

/** The worker's weights as tensors on this thread (the caller disposes them). */
const weights = async () => kd.worker.fromPayloads(await worker!.stateDict());

const dispose = (sd: Record<string, kd.Tensor>) => Object.values(sd).forEach((t) => t.dispose());

$("save").addEventListener("click", () => void ioAction(async () => {
  const sd = await weights();
  await kd.save(sd, STORE, { accuracy: document.body.dataset.testAccuracy ?? "" });
  dispose(sd);
  return `saved to ${STORE}`;
}));

// A fresh (randomly initialised) TinyVGG in the worker takes the saved weights: the same test
// accuracy shows they came back whole.
$("restore").addEventListener("click", () => void ioAction(async () => {
  const { tensors, metadata } = await kd.load(STORE);
  await worker!.build({ factory: "tinyvgg" });
  await worker!.loadStateDict(tensors);
  dispose(tensors);
  const ev = await worker!.evaluate({ name: "FashionMNIST", train: false, root: DATA, limit: Number(params.get("testLimit") ?? 2000) });
  document.body.dataset.restoredAccuracy = String(ev.accuracy);
  return `restored: test accuracy ${((ev.accuracy ?? NaN) * 100).toFixed(2)}% (saved at ${(Number(metadata.accuracy) * 100).toFixed(2)}%)`;
}));

$("downloadSt").addEventListener("click", () => void ioAction(async () => {
  const sd = await weights();
  kd.io.download((await kd.save(sd)) as Blob, "tinyvgg.safetensors");
  dispose(sd);
  return "tinyvgg.safetensors: loads in PyTorch with torch TinyVGG's load_state_dict";
}));

// ONNX is traced from a forward pass, so the weights go into a model on this thread first.
$("downloadOnnx").addEventListener("click", () => void ioAction(async () => {
  const sd = await weights();
  const model = kd.models.makeModel("tinyvgg");
  model.loadStateDict(sd);
  dispose(sd);
  model.eval();
  kd.io.download((await kd.onnx.save(model, kd.rand([1, 1, 28, 28]), undefined, { dynamicBatch: true })) as Blob, "tinyvgg.onnx");
  return "tinyvgg.onnx: runs in onnxruntime (web or node)";
}));

$("start").addEventListener("click", () => void start());
$("compare").addEventListener("click", () => void compareBackends());
$("stop").addEventListener("click", () => { stopRequested = true; void worker?.cancel(); });
if (params.get("autostart") === "1") void start();
if (params.get("compare") === "1") void compareBackends();
