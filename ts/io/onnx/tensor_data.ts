// TensorProto <-> plain arrays. Reading checks the dims and that the data holds exactly the
// number of elements they claim before anything is allocated; every stored form ONNX allows
// (raw_data little-endian bytes, or the typed repeated fields) is read.
import { OnnxError } from "../../errors.js";
import { dtypeSize, type DType } from "../../dtype.js";
import { DataType, dataTypeName, tensorProto, type TensorProto } from "./proto.js";

/**
 * A tensor's values on the host: floats as float32, integers and booleans as exact doubles.
 * Read from a file it also carries `dtype`, the Kindling dtype its data type is kept as, and
 * `bytes`, its elements exactly in that dtype's storage layout (int64 beyond 2^53, float64
 * and float16 bits included), so an initializer becomes a tensor of its own dtype.
 */
export interface HostTensor {
  kind: "float" | "int" | "bool";
  shape: number[];
  data: Float32Array | Float64Array;
  dtype?: DType;
  bytes?: Uint8Array;
}

/** The Kindling dtype each ONNX data type is kept as (widened only where Kindling has no such dtype). */
export const KEPT_DTYPE: Record<number, DType> = {
  [DataType.FLOAT]: "float32", [DataType.DOUBLE]: "float64", [DataType.FLOAT16]: "float16", [DataType.BFLOAT16]: "float32",
  [DataType.INT8]: "int8", [DataType.UINT8]: "uint8", [DataType.INT16]: "int32", [DataType.UINT16]: "int32",
  [DataType.INT32]: "int32", [DataType.UINT32]: "int64", [DataType.INT64]: "int64", [DataType.UINT64]: "int64",
  [DataType.BOOL]: "bool",
};

/** Data types whose raw_data bytes are already Kindling's storage layout of KEPT_DTYPE. */
const SAME_LAYOUT = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.INT8, DataType.UINT8,
  DataType.INT32, DataType.INT64, DataType.UINT64, DataType.BOOL]);

/** Bytes per element in raw_data, and the kind each data type reads as. */
const LAYOUT: Record<number, { size: number; kind: HostTensor["kind"] }> = {
  [DataType.FLOAT]: { size: 4, kind: "float" },
  [DataType.DOUBLE]: { size: 8, kind: "float" },
  [DataType.FLOAT16]: { size: 2, kind: "float" },
  [DataType.BFLOAT16]: { size: 2, kind: "float" },
  [DataType.INT8]: { size: 1, kind: "int" },
  [DataType.UINT8]: { size: 1, kind: "int" },
  [DataType.INT16]: { size: 2, kind: "int" },
  [DataType.UINT16]: { size: 2, kind: "int" },
  [DataType.INT32]: { size: 4, kind: "int" },
  [DataType.UINT32]: { size: 4, kind: "int" },
  [DataType.INT64]: { size: 8, kind: "int" },
  [DataType.UINT64]: { size: 8, kind: "int" },
  [DataType.BOOL]: { size: 1, kind: "bool" },
};

/** The largest element count Kindling accepts in one tensor (its sizes are int32). */
const MAX_NUMEL = 0x7fffffff;

export function numelOf(dims: readonly number[], where: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new OnnxError(`${where}: invalid dim ${d} in shape [${dims.join(", ")}]`);
    n *= d;
    if (n > MAX_NUMEL) throw new OnnxError(`${where}: shape [${dims.join(", ")}] has more than ${MAX_NUMEL} elements`);
  }
  return n;
}

function half(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The values of a TensorProto, checked against its dims and data type. */
export function readTensor(tp: TensorProto, where: string): HostTensor {
  const type = tp.dataType ?? DataType.UNDEFINED;
  const layout = LAYOUT[type];
  if (!layout) throw new OnnxError(`${where}: tensors of type ${dataTypeName(type)} are not supported (supported: float, double, float16, bfloat16, integers, bool)`);
  if (tp.dataLocation === 1 || tp.externalData.length) throw new OnnxError(`${where}: external data (weights in a separate file) is not supported; save the model with its weights inside`);
  const shape = [...tp.dims];
  const n = numelOf(shape, where);
  const out = new Float64Array(n);
  const dtype = KEPT_DTYPE[type];
  const raw = tp.rawData;
  let bytes: Uint8Array | undefined;
  if (raw !== undefined && raw.length > 0) {
    if (raw.length !== n * layout.size) throw new OnnxError(`${where}: raw_data has ${raw.length} bytes but shape [${shape.join(", ")}] of ${dataTypeName(type)} needs ${n * layout.size}`);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) {
      switch (type) {
        case DataType.FLOAT: out[i] = v.getFloat32(4 * i, true); break;
        case DataType.DOUBLE: out[i] = v.getFloat64(8 * i, true); break;
        case DataType.FLOAT16: out[i] = half(v.getUint16(2 * i, true)); break;
        case DataType.BFLOAT16: out[i] = new Float32Array(new Uint32Array([v.getUint16(2 * i, true) << 16]).buffer)[0]; break;
        case DataType.INT8: out[i] = v.getInt8(i); break;
        case DataType.UINT8: case DataType.BOOL: out[i] = v.getUint8(i); break;
        case DataType.INT16: out[i] = v.getInt16(2 * i, true); break;
        case DataType.UINT16: out[i] = v.getUint16(2 * i, true); break;
        case DataType.INT32: out[i] = v.getInt32(4 * i, true); break;
        case DataType.UINT32: out[i] = v.getUint32(4 * i, true); break;
        case DataType.INT64: out[i] = Number(v.getBigInt64(8 * i, true)); break;
        case DataType.UINT64: out[i] = Number(v.getBigUint64(8 * i, true)); break;
      }
    }
    if (SAME_LAYOUT.has(type)) bytes = raw.slice();
  } else {
    // The typed field each data type is stored in when raw_data is absent (onnx.proto's comments).
    const field: number[] = type === DataType.FLOAT ? tp.floatData
      : type === DataType.DOUBLE ? tp.doubleData
        : type === DataType.INT64 ? tp.int64Data
          : type === DataType.UINT32 || type === DataType.UINT64 ? tp.uint64Data
            : tp.int32Data;
    if (field.length !== n) throw new OnnxError(`${where}: holds ${field.length} values but shape [${shape.join(", ")}] needs ${n}`);
    for (let i = 0; i < n; i++) {
      const x = field[i];
      if (type === DataType.FLOAT16) out[i] = half(x & 0xffff);
      else if (type === DataType.BFLOAT16) out[i] = new Float32Array(new Uint32Array([(x & 0xffff) << 16]).buffer)[0];
      else out[i] = x;
    }
    // float16 kept as its bits (int32_data holds them)
    if (type === DataType.FLOAT16) bytes = new Uint8Array(Uint16Array.from(field, (x) => x & 0xffff).buffer);
  }
  if (layout.kind === "bool") for (let i = 0; i < n; i++) out[i] = out[i] ? 1 : 0;
  bytes ??= storageBytes(dtype, out);
  if (dtype === "bool") for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i] ? 1 : 0;
  return { kind: layout.kind, shape, data: layout.kind === "float" ? Float32Array.from(out) : out, dtype, bytes };
}

/** Exact values (doubles) in `dtype`'s little-endian storage layout (not float16: its bits come from the file). */
function storageBytes(dtype: DType, values: Float64Array): Uint8Array {
  const size = dtypeSize(dtype);
  const b = new Uint8Array(values.length * size);
  const v = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    switch (dtype) {
      case "float32": v.setFloat32(4 * i, x, true); break;
      case "float64": v.setFloat64(8 * i, x, true); break;
      case "int32": v.setInt32(4 * i, x, true); break;
      case "int64": v.setBigInt64(8 * i, BigInt(x), true); break;
      case "int8": v.setInt8(i, x); break;
      default: v.setUint8(i, x); break;
    }
  }
  return b;
}

/** A TensorProto holding `data` as raw little-endian bytes of the given type (FLOAT, DOUBLE, INT8, UINT8, INT32, INT64 or BOOL). */
export function writeTensor(name: string, dataType: number, shape: readonly number[], data: ArrayLike<number>): TensorProto {
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new OnnxError(`tensor "${name}": ${data.length} values for shape [${shape.join(", ")}]`);
  const size = LAYOUT[dataType]?.size;
  if (!size || ![DataType.FLOAT, DataType.DOUBLE, DataType.INT8, DataType.UINT8, DataType.INT32, DataType.INT64, DataType.BOOL].includes(dataType as 1)) throw new OnnxError(`cannot write tensors of type ${dataTypeName(dataType)}`);
  const raw = new Uint8Array(n * size);
  const v = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    if (dataType === DataType.FLOAT) v.setFloat32(4 * i, data[i], true);
    else if (dataType === DataType.INT32) v.setInt32(4 * i, data[i], true);
    else if (dataType === DataType.INT64) v.setBigInt64(8 * i, BigInt(data[i]), true);
    else if (dataType === DataType.DOUBLE) v.setFloat64(8 * i, data[i], true);
    else if (dataType === DataType.INT8) v.setInt8(i, data[i]);
    else if (dataType === DataType.UINT8) v.setUint8(i, data[i]);
    else v.setUint8(i, data[i] ? 1 : 0);
  }
  return tensorProto({ name, dataType, dims: [...shape], rawData: raw });
}
