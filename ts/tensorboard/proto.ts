// The TensorBoard protobuf messages Kindling writes (field numbers from tensorboard's
// event.proto, summary.proto, tensor.proto and plugins/hparams/api.proto + plugin_data.proto),
// as schemas for the shared protobuf codec in io/onnx/protobuf.ts.
import type { Schema } from "../io/onnx/protobuf.js";

export const PluginData: Schema = { name: "PluginData", fields: { 1: { name: "plugin_name", kind: "string" }, 2: { name: "content", kind: "bytes" } } };

export const SummaryMetadata: Schema = {
  name: "SummaryMetadata",
  fields: { 1: { name: "plugin_data", kind: PluginData }, 2: { name: "display_name", kind: "string" }, 3: { name: "summary_description", kind: "string" } },
};

export const Image: Schema = {
  name: "Image",
  fields: { 1: { name: "height", kind: "int" }, 2: { name: "width", kind: "int" }, 3: { name: "colorspace", kind: "int" }, 4: { name: "encoded_image_string", kind: "bytes" } },
};

export const HistogramProto: Schema = {
  name: "HistogramProto",
  fields: {
    1: { name: "min", kind: "double" }, 2: { name: "max", kind: "double" }, 3: { name: "num", kind: "double" },
    4: { name: "sum", kind: "double" }, 5: { name: "sum_squares", kind: "double" },
    6: { name: "bucket_limit", kind: "double", repeated: true }, 7: { name: "bucket", kind: "double", repeated: true },
  },
};

const Dim: Schema = { name: "TensorShapeProto.Dim", fields: { 1: { name: "size", kind: "int" }, 2: { name: "name", kind: "string" } } };
export const TensorShapeProto: Schema = { name: "TensorShapeProto", fields: { 2: { name: "dim", kind: Dim, repeated: true } } };

/** DataType enum values used here. */
export const DT_STRING = 7;

export const TensorProto: Schema = {
  name: "TensorProto",
  fields: {
    1: { name: "dtype", kind: "int" }, 2: { name: "tensor_shape", kind: TensorShapeProto },
    5: { name: "float_val", kind: "float", repeated: true }, 8: { name: "string_val", kind: "bytes", repeated: true },
  },
};

export const Value: Schema = {
  name: "Summary.Value",
  fields: {
    1: { name: "tag", kind: "string" }, 2: { name: "simple_value", kind: "float" }, 4: { name: "image", kind: Image },
    5: { name: "histo", kind: HistogramProto }, 8: { name: "tensor", kind: TensorProto }, 9: { name: "metadata", kind: SummaryMetadata },
  },
};

export const Summary: Schema = { name: "Summary", fields: { 1: { name: "value", kind: Value, repeated: true } } };

export const Event: Schema = {
  name: "Event",
  fields: { 1: { name: "wall_time", kind: "double" }, 2: { name: "step", kind: "int" }, 3: { name: "file_version", kind: "string" }, 5: { name: "summary", kind: Summary } },
};

// ---- hparams plugin (tensorboard/plugins/hparams) --------------------------------------------

/** google.protobuf.Value, without struct/list values. */
export const ProtoValue: Schema = {
  name: "google.protobuf.Value",
  fields: { 2: { name: "number_value", kind: "double" }, 3: { name: "string_value", kind: "string" }, 4: { name: "bool_value", kind: "int" } },
};

const HParamEntry: Schema = { name: "SessionStartInfo.HparamsEntry", fields: { 1: { name: "key", kind: "string" }, 2: { name: "value", kind: ProtoValue } } };

export const SessionStartInfo: Schema = {
  name: "SessionStartInfo",
  fields: { 1: { name: "hparams", kind: HParamEntry, repeated: true }, 4: { name: "group_name", kind: "string" }, 5: { name: "start_time_secs", kind: "double" } },
};

/** hparams DataType enum. */
export const DATA_TYPE_STRING = 1, DATA_TYPE_BOOL = 2, DATA_TYPE_FLOAT64 = 3;
/** hparams Status enum. */
export const STATUS_SUCCESS = 1;

const HParamInfo: Schema = { name: "HParamInfo", fields: { 1: { name: "name", kind: "string" }, 2: { name: "display_name", kind: "string" }, 4: { name: "type", kind: "int" } } };
const MetricName: Schema = { name: "MetricName", fields: { 1: { name: "group", kind: "string" }, 2: { name: "tag", kind: "string" } } };
const MetricInfo: Schema = { name: "MetricInfo", fields: { 1: { name: "name", kind: MetricName }, 3: { name: "display_name", kind: "string" } } };

export const Experiment: Schema = {
  name: "Experiment",
  fields: { 4: { name: "hparam_infos", kind: HParamInfo, repeated: true }, 5: { name: "metric_infos", kind: MetricInfo, repeated: true } },
};

export const SessionEndInfo: Schema = { name: "SessionEndInfo", fields: { 1: { name: "status", kind: "int" }, 2: { name: "end_time_secs", kind: "double" } } };

export const HParamsPluginData: Schema = {
  name: "HParamsPluginData",
  fields: {
    1: { name: "version", kind: "int" }, 2: { name: "experiment", kind: Experiment },
    3: { name: "session_start_info", kind: SessionStartInfo }, 4: { name: "session_end_info", kind: SessionEndInfo },
  },
};
