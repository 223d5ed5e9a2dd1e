// kd.onnx: ONNX export (a traced forward pass, for onnxruntime and every ONNX tool) and import
// (an ONNX graph as a trainable nn.Module).
//   const bytes = kd.onnx.exportModel(model, kd.randn([1, 1, 28, 28]), { dynamicBatch: true });
//   await kd.onnx.save(model, example, "model.onnx");
//   const imported = await kd.onnx.load("model.onnx");   // an nn.Module: forward, stateDict, train
export { exportModel, save, DEFAULT_OPSET, type ExportOptions } from "./export.js";
export { importModel, load, OnnxModule, OnnxParameters, type ImportOptions, type OnnxNode, type OnnxInput } from "./module.js";
export { decodeModel, encodeModel, type ModelProto } from "./proto.js";
export { OnnxError } from "../../errors.js";
