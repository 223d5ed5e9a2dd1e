// Page side of tests/browser-report.test.ts: SummaryWriter without a file system keeps its event
// files in memory (writer.files()); the test decodes the bytes in Node.
import * as kd from "kindling";

function writeInMemory() {
  const w = new kd.tensorboard.SummaryWriter("runs/browser");
  for (let s = 0; s < 3; s++) w.addScalar("loss", 1 / (s + 1), s);
  w.addScalars("acc", { train: 0.5 }, 0);
  w.addHistogram("h", [1, 2, 3], 0);
  w.close();
  return [...w.files()].map(([name, bytes]) => [name, Array.from(bytes)] as const);
}

Object.assign(globalThis, { kindlingTest: { writeInMemory } });
