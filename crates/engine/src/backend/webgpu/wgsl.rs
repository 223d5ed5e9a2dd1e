//! Shared pieces of the hand-written kernels (matmul, conv, pool, resize): the binding
//! declarations in the host's layout, the uniform of a fixed number of words, and the
//! 2-D workgroup grid that indexes past the 65,535-per-dimension limit.
use alloc::string::String;
use alloc::vec::Vec;

use super::shader::{groups, launch};
use crate::error::Result;
use crate::tensor::Tensor;

/// Words of every kernel's uniform here (a fixed size, so the WGSL never depends on shapes).
pub const WORDS: usize = 32;

/// WGSL declaring read-only arrays `reads` (name, type), then read-write `rws`, then the
/// uniform, in the host's binding order, with `w(i)` reading word i (`wf(i)` as f32).
pub fn header(reads: &[(&str, &str)], rws: &[(&str, &str)]) -> String {
    super::shader::header(reads, rws, WORDS)
}

/// The uniform words `u` padded to `WORDS` (callers stay under it).
pub fn words(mut u: Vec<u32>) -> Vec<u32> {
    debug_assert!(u.len() <= WORDS);
    u.resize(WORDS, 0);
    u
}

/// The entry of a kernel with one thread per element: `i` is the element, threads past
/// `w(0)` (the element count) return at once.
pub const PER_ELEMENT: &str = "@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 256u;
  if (i >= w(0u)) { return; }
";

/// Runs the one-thread-per-element kernel `key` (`body` follows PER_ELEMENT and closes the
/// function) over `n` elements: word 0 of `u` is set to n.
pub fn per_element(key: &str, n_read: usize, src: impl FnOnce() -> String, binds: &[u32], mut u: Vec<u32>, n: usize) -> Result<()> {
    if n == 0 { return Ok(()); }
    u[0] = n as u32;
    launch(key, binds, n_read, words(u), super::kernel::grid(n), src)
}

/// The entry of a kernel with one workgroup of 64 threads per output element, for sums
/// reduced in workgroup memory (deterministic, no atomics): `e` is the element, `t` the thread.
pub const PER_GROUP: &str = "var<workgroup> part: array<f32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let e = wid.x + wid.y * nw.x;
  if (e >= w(0u)) { return; }
  let t = lid.x;
";

/// WGSL that sums each thread's `acc` across the workgroup (after PER_GROUP) and leaves the
/// total in `part[0]` on every thread.
pub const GROUP_SUM: &str = "  part[t] = acc;
  workgroupBarrier();
  for (var h = 32u; h > 0u; h = h / 2u) {
    if (t < h) { part[t] = part[t] + part[t + h]; }
    workgroupBarrier();
  }
";

/// Runs the one-workgroup-per-element kernel `key` over `n` elements (word 0 of `u` set to n).
pub fn per_group(key: &str, n_read: usize, src: impl FnOnce() -> String, binds: &[u32], mut u: Vec<u32>, n: usize) -> Result<()> {
    if n == 0 { return Ok(()); }
    u[0] = n as u32;
    launch(key, binds, n_read, words(u), groups(n), src)
}

/// `t` as a contiguous view from element 0 (itself, or a copy), so kernels index it densely.
pub fn dense(t: &Tensor) -> Result<Tensor> {
    let t = super::kernel::on_gpu(t)?;
    if t.is_contiguous() && t.offset == 0 { Ok(t) } else { super::memory::contiguous(&t) }
}
