// TFRecord framing: each record is uint64 length, masked CRC-32C of those 8 bytes, the data, and
// the masked CRC-32C of the data (all little-endian).
import { ValueError } from "../errors.js";
import { maskedCrc32c } from "./crc32c.js";

/** One framed record for `data`, ready to append to an event file. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** Splits an event file into its records' data, checking both CRCs of each; a torn last record (a writer still writing) is dropped when `allowTruncatedTail`. */
export function readRecords(bytes: Uint8Array, opts: { allowTruncatedTail?: boolean } = {}): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < 12) {
      if (opts.allowTruncatedTail) break;
      throw new ValueError(`event file: truncated record header at byte ${pos}`);
    }
    if (view.getUint32(pos + 8, true) !== maskedCrc32c(bytes.subarray(pos, pos + 8))) throw new ValueError(`event file: length CRC mismatch at byte ${pos}`);
    const len = Number(view.getBigUint64(pos, true));
    if (len > bytes.length - pos - 16) {
      if (opts.allowTruncatedTail) break;
      throw new ValueError(`event file: record at byte ${pos} claims ${len} bytes but only ${bytes.length - pos - 16} remain`);
    }
    const data = bytes.subarray(pos + 12, pos + 12 + len);
    if (view.getUint32(pos + 12 + len, true) !== maskedCrc32c(data)) throw new ValueError(`event file: data CRC mismatch in record at byte ${pos}`);
    out.push(data);
    pos += 16 + len;
  }
  return out;
}
