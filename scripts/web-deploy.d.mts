// Types for scripts/web-deploy.mjs (a plain Node script, imported by the browser test).
/** Builds examples/web-deploy into dist/web-deploy (with `model` copied to model.safetensors); resolves to that folder. */
export function buildDeployPage(opts?: { model?: string }): Promise<string>;
