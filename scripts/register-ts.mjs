// `node --import ./scripts/register-ts.mjs file.ts`: installs scripts/ts-loader.mjs.
import { register } from "node:module";
register("./ts-loader.mjs", import.meta.url);
