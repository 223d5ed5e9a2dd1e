// One ESM bundle that runs in Node and in browsers: the runtime picks fs or fetch to load
// the .wasm files that sit beside it in dist/.
import typescript from "@rollup/plugin-typescript";

export default {
  input: "ts/index.ts",
  output: { file: "dist/index.js", format: "es", sourcemap: true },
  external: [/^node:/],
  plugins: [typescript({ tsconfig: "./tsconfig.json" })],
};
