// kd.io: saved models in browsers. kd.save / kd.load read and write "indexeddb://name" and
// "opfs://name" themselves; these list, delete and download them.
//   await kd.save(model.stateDict(), "indexeddb://tinyvgg");
//   await kd.io.list("indexeddb://");          // ["indexeddb://tinyvgg"]
//   kd.io.download(await kd.save(model.stateDict()), "tinyvgg.safetensors");
export { download, listStored as list, removeStored as remove, StoreError } from "./stores.js";
