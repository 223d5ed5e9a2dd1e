// An event-file reader for tests, written apart from ts/tensorboard so that it checks the writer
// rather than agreeing with it: TFRecord framing with both masked CRC-32C checked (bitwise CRC, no
// shared table), and a generic protobuf decoder that keeps every field by number and wire type;
// the tests interpret field numbers from tensorboard's .proto files themselves.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

function crc32cBitwise(b: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of b) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function masked(b: Uint8Array): number {
  const c = crc32cBitwise(b);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** Records of a file; throws on any CRC mismatch or trailing bytes. */
export function records(bytes: Uint8Array): Uint8Array[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (p + 12 > bytes.length) throw new Error(`trailing ${bytes.length - p} bytes at ${p}`);
    const lenLo = dv.getUint32(p, true), lenHi = dv.getUint32(p + 4, true);
    if (lenHi !== 0) throw new Error("record too long");
    if (dv.getUint32(p + 8, true) !== masked(bytes.subarray(p, p + 8))) throw new Error(`length crc mismatch at ${p}`);
    const data = bytes.subarray(p + 12, p + 12 + lenLo);
    if (data.length !== lenLo || p + 16 + lenLo > bytes.length) throw new Error(`truncated record at ${p}`);
    if (dv.getUint32(p + 12 + lenLo, true) !== masked(data)) throw new Error(`data crc mismatch at ${p}`);
    out.push(data);
    p += 16 + lenLo;
  }
  return out;
}

/** A decoded field: varint (bigint), fixed64/fixed32 raw bytes, or length-delimited bytes. */
export interface Field { wire: number; varint?: bigint; bytes?: Uint8Array }
export type Message = Map<number, Field[]>;

export function message(b: Uint8Array): Message {
  const m: Message = new Map();
  let p = 0;
  const varint = (): bigint => {
    let r = 0n, s = 0n;
    for (;;) {
      if (p >= b.length) throw new Error("truncated varint");
      const x = b[p++];
      r |= BigInt(x & 0x7f) << s;
      s += 7n;
      if (x < 0x80) return r;
      if (s > 63n) throw new Error("varint too long");
    }
  };
  while (p < b.length) {
    const key = Number(varint());
    const field = key >>> 3, wire = key & 7;
    let f: Field;
    if (wire === 0) f = { wire, varint: varint() };
    else if (wire === 1) { f = { wire, bytes: b.subarray(p, p + 8) }; p += 8; }
    else if (wire === 5) { f = { wire, bytes: b.subarray(p, p + 4) }; p += 4; }
    else if (wire === 2) { const n = Number(varint()); f = { wire, bytes: b.subarray(p, p + n) }; p += n; }
    else throw new Error(`wire type ${wire}`);
    if (p > b.length) throw new Error("field runs past the message");
    if (!m.has(field)) m.set(field, []);
    m.get(field)!.push(f);
  }
  return m;
}

const one = (m: Message, n: number): Field | undefined => m.get(n)?.at(-1);
export const int = (m: Message, n: number) => { const f = one(m, n); return f?.varint === undefined ? undefined : Number(BigInt.asIntN(64, f.varint)); };
export const dbl = (m: Message, n: number) => { const f = one(m, n); return f?.bytes && f.wire === 1 ? new DataView(f.bytes.buffer, f.bytes.byteOffset, 8).getFloat64(0, true) : undefined; };
export const flt = (m: Message, n: number) => { const f = one(m, n); return f?.bytes && f.wire === 5 ? new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true) : undefined; };
export const str = (m: Message, n: number) => { const f = one(m, n); return f?.bytes ? new TextDecoder().decode(f.bytes) : undefined; };
export const bytes = (m: Message, n: number) => one(m, n)?.bytes;
export const sub = (m: Message, n: number) => { const b = bytes(m, n); return b ? message(b) : undefined; };
export const subs = (m: Message, n: number) => (m.get(n) ?? []).map((f) => message(f.bytes!));
/** A packed repeated double field. */
export const doubles = (m: Message, n: number) => {
  const b = bytes(m, n);
  if (!b) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: b.length / 8 }, (_, i) => dv.getFloat64(8 * i, true));
};

/** Event {wall_time=1, step=2, file_version=3, summary=5}, with Summary.value (=1) decoded. */
export interface TestEvent { wallTime?: number; step?: number; fileVersion?: string; values: Message[] }

export function events(file: string): TestEvent[] {
  return records(new Uint8Array(readFileSync(file))).map((r) => {
    const e = message(r);
    const summary = sub(e, 5);
    return { wallTime: dbl(e, 1), step: int(e, 2), fileVersion: str(e, 3), values: summary ? subs(summary, 1) : [] };
  });
}

/** Event files under dir, recursively, as paths relative to it. */
export function eventFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...eventFiles(p).map((f) => path.join(name, f)));
    else if (name.startsWith("events.out.tfevents.")) out.push(name);
  }
  return out;
}
