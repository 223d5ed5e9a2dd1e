//! Row moves for padding planes. A `copy_from_slice` or `fill` of a short row compiles to a
//! memory.copy/fill call, which in the threaded wasm is a runtime call that costs more than
//! the row itself (230 µs of a 28x28 Winograd forward went to such calls).

use crate::simd::F32x4;

/// dst = src (the shorter length) in 4-lane moves.
#[inline(always)]
pub(crate) fn copy_row(src: &[f32], dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let (quads, sp, dp) = (n / 4, src.as_ptr(), dst.as_mut_ptr());
    // SAFETY: 4q + 4 <= n floats of each.
    for q in 0..quads { unsafe { F32x4::load(sp.add(4 * q)).store(dp.add(4 * q)) } }
    for i in 4 * quads..n { dst[i] = src[i]; }
}

/// Zeros row[lo..hi] with volatile stores, so that LLVM cannot turn the loop into a memset call.
/// Safety: row holds hi floats.
#[inline(always)]
pub(crate) unsafe fn zero_span(row: *mut f32, lo: usize, hi: usize) {
    for i in lo..hi { core::ptr::write_volatile(row.add(i), 0.0); }
}

/// Zeros the whole slice (see `zero_span`).
#[inline(always)]
pub(crate) fn zero_row(row: &mut [f32]) {
    // SAFETY: row holds its own length.
    unsafe { zero_span(row.as_mut_ptr(), 0, row.len()) }
}
