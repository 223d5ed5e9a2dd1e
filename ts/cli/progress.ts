// A terminal progress bar for training loops: steps, loss, samples/s, ETA. Redraws in place
// on a TTY; elsewhere (CI logs) prints a line every 10%.

export interface ProgressOptions {
  total: number;
  label?: string;
  width?: number;
  /** Where to write; default process.stdout in Node. */
  stream?: { write(s: string): unknown; isTTY?: boolean };
}

const fmtTime = (s: number) => {
  if (!Number.isFinite(s)) return "--:--";
  const m = Math.floor(s / 60);
  const r = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m` : `${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`;
};

export class ProgressBar {
  readonly total: number;
  #label: string;
  #width: number;
  #stream: { write(s: string): unknown; isTTY?: boolean } | undefined;
  #start = performance.now();
  #lastDraw = 0;
  #lastTenth = -1;
  #done = 0;
  #samples = 0;

  constructor(o: ProgressOptions) {
    this.total = o.total;
    this.#label = o.label ?? "";
    this.#width = o.width ?? 24;
    const proc = (globalThis as { process?: { stdout?: { write(s: string): unknown; isTTY?: boolean } } }).process;
    this.#stream = o.stream ?? proc?.stdout;
  }

  /** Advances by `steps` steps that processed `samples` samples; `info` is shown (e.g. loss). */
  update(steps: number, samples: number, info: Record<string, number | string> = {}): void {
    this.#done += steps;
    this.#samples += samples;
    const now = performance.now();
    const tenth = Math.floor((10 * this.#done) / this.total);
    const tty = !!this.#stream?.isTTY;
    const finished = this.#done >= this.total;
    if (tty ? now - this.#lastDraw < 100 && !finished : tenth === this.#lastTenth && !finished) return;
    this.#lastDraw = now;
    this.#lastTenth = tenth;
    this.#stream?.write((tty ? "\r" : "") + this.line(info) + (tty && !finished ? "" : "\n"));
  }

  line(info: Record<string, number | string> = {}): string {
    const sec = (performance.now() - this.#start) / 1000;
    const frac = Math.min(1, this.#done / this.total);
    const filled = Math.round(frac * this.#width);
    const rate = this.#samples / Math.max(sec, 1e-9);
    const eta = frac > 0 ? (sec / frac) * (1 - frac) : Infinity;
    const extras = Object.entries(info).map(([k, v]) => `${k} ${typeof v === "number" ? v.toFixed(4) : v}`);
    return [
      this.#label,
      `[${"#".repeat(filled)}${".".repeat(this.#width - filled)}]`,
      `${this.#done}/${this.total}`,
      ...extras,
      `${rate.toFixed(0)} samples/s`,
      `${fmtTime(sec)}<${fmtTime(eta)}`,
    ].filter(Boolean).join(" ");
  }

  get samplesPerSecond(): number {
    return this.#samples / Math.max((performance.now() - this.#start) / 1000, 1e-9);
  }

  get elapsed(): number {
    return (performance.now() - this.#start) / 1000;
  }
}
