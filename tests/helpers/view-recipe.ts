// A fixture's view recipe (scripts/fixture_io.py's apply_view), with no vitest and no engine
// import, so browser test pages can bundle it beside the built library.
import type { Tensor } from "../../ts/index.js";

/** A view recipe step, as scripts/fixture_io.py's apply_view writes it. */
export type ViewStep = [string, ...unknown[]];

/** Applies a fixture's view recipe (transpose / permute / expand / slice), as torch did. */
export function applyView(t: Tensor, recipe: readonly ViewStep[] | undefined): Tensor {
  for (const step of recipe ?? []) {
    const [kind, ...a] = step as [string, ...any[]]; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (kind === "transpose") t = t.transpose(a[0], a[1]);
    else if (kind === "permute") t = t.permute(a[0]);
    else if (kind === "expand") t = t.expand(a[0]);
    else if (kind === "slice") t = t.slice(a[0], a[1], a[2], a[3]);
    else throw new Error(`unknown view step ${kind}`);
  }
  return t;
}
