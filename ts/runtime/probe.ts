// A 63-byte module whose one function uses f32x4.relaxed_madd: it validates only where the
// engine supports relaxed SIMD (Chrome, Node >= 22, Node 20 with --experimental-wasm-relaxed-simd).
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];
const BODY = [0x00, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02, 0x0b];
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, BODY.length + 2, 0x01, BODY.length, ...BODY, // code
]);
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, V128_ZERO.length + 4, 0x01, V128_ZERO.length + 2, 0x00, ...V128_ZERO, 0x0b,
]);

export type WasmVariant = "relaxed" | "simd";

export function supportedVariant(): WasmVariant {
  if (WebAssembly.validate(RELAXED_PROBE)) return "relaxed";
  if (WebAssembly.validate(SIMD_PROBE)) return "simd";
  throw new Error("Kindling needs WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+)");
}
