// The deployment page (chapter 9): drop an image, get the model's top-3 classes and the latency.
// It loads only kindling/inference and a classifier file (kd.classifier: weights + class names),
// by default model.safetensors beside the page, or ?model=URL. `node scripts/web-deploy.mjs
// --model out/09-tinyvgg.safetensors` builds and serves it.
import * as kd from "kindling/inference";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $("status");
const params = new URLSearchParams(location.search);

try {
  const { model, config } = await kd.classifier.load(params.get("model") ?? "model.safetensors");
  const mode = config.inChannels === 1 ? "L" : "RGB";
  const forward = (x: kd.Tensor) => kd.noGrad(() => kd.tidy(() => kd.softmax(model.forward(x), 1).dataSync() as Float32Array));
  forward(kd.zeros([1, config.inChannels, config.imageSize, config.imageSize])); // warm-up
  status.textContent = `${config.model} ready (${model.numParameters()} parameters): ${config.classes.join(", ")}`;
  document.body.dataset.ready = "1";

  let done = 0;
  const classify = async (file: File) => {
    const t0 = performance.now();
    const img = await kd.decodeImageAsync(file, file.name, { mode });
    const t1 = performance.now();
    const x = kd.classifier.toInput(img, config);
    const probs = forward(x);
    x.dispose();
    const t2 = performance.now();
    const top = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, 3);
    const list = $("top");
    list.replaceChildren(...top.map((i) => {
      const li = document.createElement("li");
      li.dataset.label = config.classes[i];
      li.dataset.prob = String(probs[i]);
      li.textContent = `${config.classes[i]} ${(100 * probs[i]).toFixed(1)}%`;
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = `${Math.round(200 * probs[i])}px`;
      li.append(bar);
      return li;
    }));
    const preview = $<HTMLImageElement>("preview");
    preview.src = URL.createObjectURL(file);
    preview.style.display = "block";
    $("latency").textContent = `decode ${(t1 - t0).toFixed(1)} ms + model ${(t2 - t1).toFixed(1)} ms = ${(t2 - t0).toFixed(1)} ms`;
    $("latency").dataset.modelMs = String(t2 - t1);
    document.body.dataset.done = String(++done);
  };
  const fail = (e: unknown) => {
    status.textContent = `error: ${(e as Error).message}`;
    document.body.dataset.error = (e as Error).message;
  };
  $<HTMLInputElement>("file").addEventListener("change", (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) classify(f).catch(fail);
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const f = e.dataTransfer?.files[0];
    if (f) classify(f).catch(fail);
  });
  // For the comparison table: median ms of one forward pass on one image, here in this browser.
  (globalThis as { deployBench?: (runs: number) => number }).deployBench = (runs: number) => {
    const x = kd.rand([1, config.inChannels, config.imageSize, config.imageSize]);
    for (let i = 0; i < 5; i++) forward(x);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      forward(x);
      ms.push(performance.now() - t0);
    }
    x.dispose();
    return ms.sort((a, b) => a - b)[Math.floor(runs / 2)];
  };
} catch (e) {
  status.textContent = `error: ${(e as Error).message}`;
  document.body.dataset.error = (e as Error).message;
}
