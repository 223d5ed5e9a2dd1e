//! The index-error flag: four u32 words on the GPU that index kernels set when an index is out
//! of range (words: 1 = set, the index value, the dim, the size), first error wins. The engine
//! owns it; the TypeScript read path checks it after a read when an index kernel ran since
//! the last check (`take_armed`), and reports it as PyTorch's IndexError.

use super::kernel::{id, map};
use crate::dtype::DType;
use crate::error::{err, Error, Result};
use crate::tensor::Tensor;

// wasm is single-threaded here; these are only touched through the functions below.
static mut FLAG: Option<Tensor> = None;
static mut ARMED: bool = false;

/// WGSL of `report(value, dim, size)` for a kernel that binds the flag as `F: array<atomic<u32>>`.
pub const REPORT_WGSL: &str = "fn report(v: i32, d: u32, size: u32) {
  loop {
    let r = atomicCompareExchangeWeak(&F[0], 0u, 1u);
    if (r.exchanged) { atomicStore(&F[1], bitcast<u32>(v)); atomicStore(&F[2], d); atomicStore(&F[3], size); break; }
    if (r.old_value != 0u) { break; }
  }
}
";

fn flag() -> Result<Tensor> {
    let slot = unsafe { &mut *core::ptr::addr_of_mut!(FLAG) };
    if let Some(t) = slot { return Ok(t.clone()); }
    let t = super::creation::full(&[4], 0.0, DType::I32)?;
    *slot = Some(t.clone());
    Ok(t)
}

/// The flag's buffer id for a kernel that may set it (arms the check at the next read).
pub fn buffer() -> Result<u32> {
    let t = flag()?;
    unsafe { *core::ptr::addr_of_mut!(ARMED) = true };
    id(&t)
}

/// The flag's buffer id if an index kernel ran since the last call, else 0 (disarms).
pub fn take_armed() -> u32 {
    let armed = unsafe { core::mem::replace(&mut *core::ptr::addr_of_mut!(ARMED), false) };
    if !armed { return 0; }
    unsafe { (*core::ptr::addr_of!(FLAG)).as_ref().and_then(|t| id(t).ok()).unwrap_or(0) }
}

/// The error the flag's words describe (None when unset); a set flag is cleared, by a kernel
/// (ordered after the work already recorded).
pub fn check(words: [u32; 4]) -> Result<Option<Error>> {
    if words[0] == 0 { return Ok(None); }
    map("full", &[], &flag()?, "pi(0u)", &[0])?;
    Ok(Some(err!(Index, "index {} is out of bounds for dimension {} with size {}", words[1] as i32, words[2], words[3])))
}
