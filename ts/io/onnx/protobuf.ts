// The Protocol Buffers wire format, as much of it as ONNX needs, driven by small message
// schemas (field number -> name and kind) so that encoding and decoding share one list of field
// numbers (see proto.ts). Decoding checks every length against the bytes that remain before it
// reads or allocates, so a truncated or hostile file raises an OnnxError: it cannot read past the
// end, allocate what a length field claims, or recurse (schemas are not recursive).
import { OnnxError } from "../../errors.js";

/** How a field is stored: varint integers, 32/64-bit floats, UTF-8 strings, bytes, or a sub-message. */
export type Kind = "int" | "float" | "double" | "string" | "bytes" | Schema;

export interface FieldSpec {
  name: string;
  kind: Kind;
  repeated?: boolean;
}

export interface Schema {
  /** The message name, for error messages ("TensorProto"). */
  name: string;
  fields: Record<number, FieldSpec>;
}

const WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5;
const WIRE_NAMES = ["varint", "64-bit", "length-delimited", "group start", "group end", "32-bit", "6 (invalid)", "7 (invalid)"];

function wireOf(kind: Kind): number {
  if (kind === "int") return WIRE_VARINT;
  if (kind === "float") return WIRE_I32;
  if (kind === "double") return WIRE_I64;
  return WIRE_LEN;
}

// ---- writing ------------------------------------------------------------------------------

/** A growable byte buffer with the wire format's primitives. */
class Writer {
  #buf = new Uint8Array(256);
  #len = 0;
  #view = new DataView(this.#buf.buffer);

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = b;
  }

  /** An int64 as a varint: non-negative values in 1-8 bytes, negative ones as 64-bit two's complement (10 bytes). */
  varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new OnnxError(`cannot encode ${v} as a protobuf integer`);
    if (v < 0) {
      let b = BigInt.asUintN(64, BigInt(v));
      while (b >= 0x80n) {
        this.byte(Number(b & 0x7fn) | 0x80);
        b >>= 7n;
      }
      this.byte(Number(b));
      return;
    }
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  float(v: number): void {
    this.#reserve(4);
    this.#view.setFloat32(this.#len, v, true);
    this.#len += 4;
  }

  double(v: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#len, v, true);
    this.#len += 8;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

const utf8 = new TextEncoder();

function writeScalar(w: Writer, kind: Exclude<Kind, Schema>, v: unknown): void {
  switch (kind) {
    case "int": w.varint(v as number); break;
    case "float": w.float(v as number); break;
    case "double": w.double(v as number); break;
    case "string": w.bytes(utf8.encode(v as string)); break;
    case "bytes": w.bytes(v as Uint8Array); break;
  }
}

function checkValue(schema: Schema, spec: FieldSpec, v: unknown): void {
  const ok = spec.kind === "int" || spec.kind === "float" || spec.kind === "double" ? typeof v === "number"
    : spec.kind === "string" ? typeof v === "string"
      : spec.kind === "bytes" ? v instanceof Uint8Array
        : typeof v === "object" && v !== null;
  if (!ok) throw new OnnxError(`${schema.name}.${spec.name}: cannot encode ${typeof v} as ${typeof spec.kind === "string" ? spec.kind : spec.kind.name}`);
}

/** Encodes a message object (fields by their schema names; undefined and empty lists are left out). */
export function encode(msg: Record<string, unknown>, schema: Schema): Uint8Array {
  const w = new Writer();
  writeMessage(w, msg, schema);
  return w.finish();
}

function writeMessage(w: Writer, msg: Record<string, unknown>, schema: Schema): void {
  const numbers = Object.keys(schema.fields).map(Number).sort((a, b) => a - b);
  for (const field of numbers) {
    const spec = schema.fields[field];
    const v = msg[spec.name];
    if (v === undefined || v === null) continue;
    const values = spec.repeated ? (v as unknown[]) : [v];
    if (spec.repeated && !Array.isArray(v)) throw new OnnxError(`${schema.name}.${spec.name}: expected a list`);
    if (values.length === 0) continue;
    for (const x of values) checkValue(schema, spec, x);
    const kind = spec.kind;
    if (typeof kind === "object") {
      for (const x of values) {
        w.tag(field, WIRE_LEN);
        w.bytes(encode(x as Record<string, unknown>, kind));
      }
    } else if (spec.repeated && (kind === "int" || kind === "float" || kind === "double")) {
      // repeated numbers are packed, as proto3 and ONNX's own writer do
      const inner = new Writer();
      for (const x of values) writeScalar(inner, kind, x);
      w.tag(field, WIRE_LEN);
      w.bytes(inner.finish());
    } else {
      for (const x of values) {
        w.tag(field, wireOf(kind));
        writeScalar(w, kind, x);
      }
    }
  }
}

// ---- reading ------------------------------------------------------------------------------

const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** Reads primitives from bytes[pos, end), checking every length against what remains. */
class Reader {
  readonly #view: DataView;
  pos: number;

  constructor(readonly bytes: Uint8Array, start: number, readonly end: number) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  #need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new OnnxError(`truncated protobuf: ${what} needs ${n} bytes at byte ${this.pos} but only ${this.end - this.pos} remain`);
    }
  }

  /** A varint as a signed int64 (two's complement), as a number (exact up to 2^53). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      this.#need(1, "a varint");
      const b = this.bytes[this.pos++];
      if (i < 7) {
        result += (b & 0x7f) * scale;
        scale *= 0x80;
        if (b < 0x80) return result;
      } else {
        // Past 49 bits: finish in BigInt so that negative int64s (10 bytes) come out exact.
        let big = BigInt(result);
        let shift = 49n;
        let j = i;
        let byte = b;
        for (;;) {
          big |= BigInt(byte & 0x7f) << shift;
          if (byte < 0x80) return Number(BigInt.asIntN(64, big));
          if (++j >= 10) break;
          shift += 7n;
          this.#need(1, "a varint");
          byte = this.bytes[this.pos++];
        }
        break;
      }
    }
    throw new OnnxError(`malformed protobuf: a varint at byte ${this.pos} runs past 10 bytes`);
  }

  float(): number {
    this.#need(4, "a 32-bit value");
    const v = this.#view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.#need(8, "a 64-bit value");
    const v = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A length prefix; returns [start, end) of the payload and moves past it. */
  span(what: string): [number, number] {
    const n = this.varint();
    if (n < 0) throw new OnnxError(`malformed protobuf: ${what} has a negative length (${n}) at byte ${this.pos}`);
    this.#need(n, what);
    const start = this.pos;
    this.pos += n;
    return [start, this.pos];
  }

  skip(wire: number, field: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(); return;
      case WIRE_I64: this.#need(8, `field ${field}`); this.pos += 8; return;
      case WIRE_LEN: this.span(`field ${field}`); return;
      case WIRE_I32: this.#need(4, `field ${field}`); this.pos += 4; return;
      default: throw new OnnxError(`malformed protobuf: field ${field} has wire type ${WIRE_NAMES[wire]} at byte ${this.pos}`);
    }
  }
}

function readScalar(r: Reader, kind: Exclude<Kind, Schema>, where: string): unknown {
  switch (kind) {
    case "int": return r.varint();
    case "float": return r.float();
    case "double": return r.double();
    case "string": {
      const [s, e] = r.span(where);
      try {
        return utf8Strict.decode(r.bytes.subarray(s, e));
      } catch {
        throw new OnnxError(`malformed protobuf: ${where} is not valid UTF-8`);
      }
    }
    case "bytes": {
      const [s, e] = r.span(where);
      return r.bytes.subarray(s, e);
    }
  }
}

/**
 * Decodes a message of `schema` from bytes (all of them, or [start, end)). Repeated fields come
 * back as arrays (empty when absent), others as values or undefined; unknown fields are skipped.
 * Byte fields are views into `bytes`, not copies.
 */
export function decode(bytes: Uint8Array, schema: Schema, start = 0, end = bytes.length): Record<string, unknown> {
  const r = new Reader(bytes, start, end);
  const out: Record<string, unknown> = {};
  for (const spec of Object.values(schema.fields)) if (spec.repeated) out[spec.name] = [];
  while (r.pos < r.end) {
    const at = r.pos;
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (key < 0 || field === 0) throw new OnnxError(`malformed protobuf: invalid field key ${key} at byte ${at} in ${schema.name}`);
    const spec = schema.fields[field];
    if (!spec) {
      r.skip(wire, field);
      continue;
    }
    const where = `${schema.name}.${spec.name}`;
    const kind = spec.kind;
    const packable = spec.repeated && (kind === "int" || kind === "float" || kind === "double");
    if (packable && wire === WIRE_LEN) {
      const [s, e] = r.span(where);
      const inner = new Reader(bytes, s, e);
      const list = out[spec.name] as unknown[];
      while (inner.pos < inner.end) list.push(readScalar(inner, kind as "int" | "float" | "double", where));
      continue;
    }
    if (wire !== wireOf(kind)) {
      throw new OnnxError(`malformed protobuf: ${where} (field ${field}) should be ${WIRE_NAMES[wireOf(kind)]} but has wire type ${WIRE_NAMES[wire]} at byte ${at}`);
    }
    const value = typeof kind === "object" ? decode(bytes, kind, ...r.span(where)) : readScalar(r, kind, where);
    if (spec.repeated) (out[spec.name] as unknown[]).push(value);
    else out[spec.name] = value;
  }
  return out;
}
