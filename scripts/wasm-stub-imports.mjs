// Imports for reading a built engine's manifests in a script: every function the .wasm
// imports (the profiler's clock, the WebGPU host) as a stub that returns 0.
export function stubImports(bytes) {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(new WebAssembly.Module(bytes))) {
    if (imp.kind === "function") (imports[imp.module] ??= {})[imp.name] = () => 0;
  }
  return imports;
}
