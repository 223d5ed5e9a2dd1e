// The ONNX messages Kindling reads and writes, with their field numbers from onnx.proto (onnx
// 1.12, IR version 8): ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
// ValueInfoProto, TypeProto (tensor types), TensorShapeProto, OperatorSetIdProto and
// StringStringEntryProto. Fields Kindling has no use for (sparse tensors, functions, training
// info, sub-graphs in attributes) are not listed, so the decoder skips them.
import { decode, encode, type Schema } from "./protobuf.js";

export interface OperatorSetIdProto { domain?: string; version?: number }
export interface StringStringEntryProto { key?: string; value?: string }
export interface DimensionProto { dimValue?: number; dimParam?: string; denotation?: string }
export interface TensorShapeProto { dim: DimensionProto[] }
export interface TypeProtoTensor { elemType?: number; shape?: TensorShapeProto }
export interface TypeProto { tensorType?: TypeProtoTensor; denotation?: string }
export interface ValueInfoProto { name?: string; type?: TypeProto; docString?: string }

export interface TensorProto {
  dims: number[];
  dataType?: number;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: number[];
  name?: string;
  rawData?: Uint8Array;
  doubleData: number[];
  uint64Data: number[];
  docString?: string;
  externalData: StringStringEntryProto[];
  dataLocation?: number;
}

export interface AttributeProto {
  name?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  docString?: string;
  type?: number;
  refAttrName?: string;
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  attribute: AttributeProto[];
  docString?: string;
  domain?: string;
}

export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  docString?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface ModelProto {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  opsetImport: OperatorSetIdProto[];
  metadataProps: StringStringEntryProto[];
}

/** TensorProto.DataType. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

export const dataTypeName = (code: number | undefined): string =>
  Object.entries(DataType).find(([, v]) => v === code)?.[0] ?? `data type ${code}`;

/** AttributeProto.AttributeType. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9,
  GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

// ---- schemas (field numbers from onnx.proto) ----------------------------------------------

const StringStringEntry: Schema = { name: "StringStringEntryProto", fields: { 1: { name: "key", kind: "string" }, 2: { name: "value", kind: "string" } } };
const OperatorSetId: Schema = { name: "OperatorSetIdProto", fields: { 1: { name: "domain", kind: "string" }, 2: { name: "version", kind: "int" } } };
const Dimension: Schema = {
  name: "TensorShapeProto.Dimension",
  fields: { 1: { name: "dimValue", kind: "int" }, 2: { name: "dimParam", kind: "string" }, 3: { name: "denotation", kind: "string" } },
};
const TensorShape: Schema = { name: "TensorShapeProto", fields: { 1: { name: "dim", kind: Dimension, repeated: true } } };
const TypeTensor: Schema = { name: "TypeProto.Tensor", fields: { 1: { name: "elemType", kind: "int" }, 2: { name: "shape", kind: TensorShape } } };
const Type: Schema = { name: "TypeProto", fields: { 1: { name: "tensorType", kind: TypeTensor }, 6: { name: "denotation", kind: "string" } } };
const ValueInfo: Schema = {
  name: "ValueInfoProto",
  fields: { 1: { name: "name", kind: "string" }, 2: { name: "type", kind: Type }, 3: { name: "docString", kind: "string" } },
};
export const TensorSchema: Schema = {
  name: "TensorProto",
  fields: {
    1: { name: "dims", kind: "int", repeated: true },
    2: { name: "dataType", kind: "int" },
    4: { name: "floatData", kind: "float", repeated: true },
    5: { name: "int32Data", kind: "int", repeated: true },
    6: { name: "stringData", kind: "bytes", repeated: true },
    7: { name: "int64Data", kind: "int", repeated: true },
    8: { name: "name", kind: "string" },
    9: { name: "rawData", kind: "bytes" },
    10: { name: "doubleData", kind: "double", repeated: true },
    11: { name: "uint64Data", kind: "int", repeated: true },
    12: { name: "docString", kind: "string" },
    13: { name: "externalData", kind: StringStringEntry, repeated: true },
    14: { name: "dataLocation", kind: "int" },
  },
};
const Attribute: Schema = {
  name: "AttributeProto",
  fields: {
    1: { name: "name", kind: "string" },
    2: { name: "f", kind: "float" },
    3: { name: "i", kind: "int" },
    4: { name: "s", kind: "bytes" },
    5: { name: "t", kind: TensorSchema },
    7: { name: "floats", kind: "float", repeated: true },
    8: { name: "ints", kind: "int", repeated: true },
    9: { name: "strings", kind: "bytes", repeated: true },
    10: { name: "tensors", kind: TensorSchema, repeated: true },
    13: { name: "docString", kind: "string" },
    20: { name: "type", kind: "int" },
    21: { name: "refAttrName", kind: "string" },
  },
};
const Node: Schema = {
  name: "NodeProto",
  fields: {
    1: { name: "input", kind: "string", repeated: true },
    2: { name: "output", kind: "string", repeated: true },
    3: { name: "name", kind: "string" },
    4: { name: "opType", kind: "string" },
    5: { name: "attribute", kind: Attribute, repeated: true },
    6: { name: "docString", kind: "string" },
    7: { name: "domain", kind: "string" },
  },
};
const Graph: Schema = {
  name: "GraphProto",
  fields: {
    1: { name: "node", kind: Node, repeated: true },
    2: { name: "name", kind: "string" },
    5: { name: "initializer", kind: TensorSchema, repeated: true },
    10: { name: "docString", kind: "string" },
    11: { name: "input", kind: ValueInfo, repeated: true },
    12: { name: "output", kind: ValueInfo, repeated: true },
    13: { name: "valueInfo", kind: ValueInfo, repeated: true },
  },
};
const Model: Schema = {
  name: "ModelProto",
  fields: {
    1: { name: "irVersion", kind: "int" },
    2: { name: "producerName", kind: "string" },
    3: { name: "producerVersion", kind: "string" },
    4: { name: "domain", kind: "string" },
    5: { name: "modelVersion", kind: "int" },
    6: { name: "docString", kind: "string" },
    7: { name: "graph", kind: Graph },
    8: { name: "opsetImport", kind: OperatorSetId, repeated: true },
    14: { name: "metadataProps", kind: StringStringEntry, repeated: true },
  },
};

/** A ModelProto's bytes (what a .onnx file holds). */
export function encodeModel(m: ModelProto): Uint8Array {
  return encode(m as unknown as Record<string, unknown>, Model);
}

/** Parses a .onnx file's bytes; throws OnnxError for malformed protobuf. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return decode(bytes, Model) as unknown as ModelProto;
}

/** An empty TensorProto (every repeated field present), to fill in. */
export function tensorProto(fields: Partial<TensorProto>): TensorProto {
  return { dims: [], floatData: [], int32Data: [], stringData: [], int64Data: [], doubleData: [], uint64Data: [], externalData: [], ...fields };
}

export function attributeProto(fields: Partial<AttributeProto>): AttributeProto {
  return { floats: [], ints: [], strings: [], tensors: [], ...fields };
}
