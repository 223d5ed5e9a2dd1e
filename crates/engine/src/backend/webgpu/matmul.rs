//! Batched f32 matmul: a tiled GEMM. Each workgroup of 8x8 threads computes a 32x32 tile of
//! C, 4x4 outputs per thread, staging 32x32 tiles of A and B in workgroup memory along k.
//! A and B are read through their strides (a transposed or broadcast view costs no copy);
//! edges are bounds-checked, so any m, n, k works.
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::host;
use super::kernel::{empty, id, on_gpu, pipeline};
use super::wgsl::{header, words};
use crate::dtype::DType;
use crate::error::{err, Result};
use crate::shape::{broadcast_strides, numel};
use crate::tensor::Tensor;

const TILE: usize = 32;
/// Batch dims the uniform has room for.
const MAX_BATCH_RANK: usize = 6;
/// Uniform words: 0 m, 1 n, 2 k, 3 row tiles, 4 first batch, 5 batch rank, 6 A's offset,
/// 7 B's offset, 8..11 A's row/col and B's row/col strides, 12.. batch shape, 18.. A's batch
/// strides, 24.. B's batch strides.
const SHAPE: usize = 12;

fn src() -> String {
    let mut s = header(&[("A", "f32"), ("B", "f32")], &[("C", "f32")]);
    // The 4x4 block is unrolled into named registers: indexing a local array with a loop
    // variable makes compilers (SwiftShader's among them) keep it in memory.
    let (mut acc_decl, mut inner, mut store) = (String::new(), String::new(), String::new());
    for i in 0..4 {
        for j in 0..4 { let _ = write!(acc_decl, "var c{}{} = 0.0; ", i, j); }
        let _ = writeln!(inner, "      let a{i} = As[ar + {}u + kk];", i * 32);
    }
    for j in 0..4 { let _ = writeln!(inner, "      let b{j} = Bs[kk * 32u + bc + {j}u];"); }
    for i in 0..4 { for j in 0..4 { let _ = writeln!(inner, "      c{i}{j} = c{i}{j} + a{i} * b{j};"); } }
    for i in 0..4 {
        let _ = writeln!(store, "  let r{i} = row0 + lid.y * 4u + {i}u;");
        for j in 0..4 {
            let _ = writeln!(store, "  if (r{i} < M && col0 + bc + {j}u < N) {{ C[(bi * M + r{i}) * N + col0 + bc + {j}u] = c{i}{j}; }}");
        }
    }
    let body = String::from("var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = w(0u); let N = w(1u); let K = w(2u); let tm = w(3u);
  let bi = w(4u) + wid.y / tm;
  let row0 = (wid.y % tm) * 32u;
  let col0 = wid.x * 32u;
  // this batch's offsets into A and B (broadcast batch dims have stride 0)
  var oa = w(6u); var ob = w(7u); var r = bi;
  for (var d = i32(w(5u)) - 1; d >= 0; d = d - 1) {
    let e = u32(d);
    let c = r % w(12u + e);
    r = r / w(12u + e);
    oa = oa + c * w(18u + e);
    ob = ob + c * w(24u + e);
  }
  let rsa = w(8u); let csa = w(9u); let rsb = w(10u); let csb = w(11u);
  let t = lid.y * 8u + lid.x;
  let ar = lid.y * 128u; let bc = lid.x * 4u;   // this thread's rows in As, columns in Bs
  {acc_decl}
  for (var k0 = 0u; k0 < K; k0 = k0 + 32u) {
    // 64 threads load the two 32x32 tiles, 16 elements each; outside the matrices, zeros
    for (var q = 0u; q < 16u; q = q + 1u) {
      let e = t + q * 64u;
      let rr = e / 32u; let cc = e % 32u;
      var av = 0.0;
      if (row0 + rr < M && k0 + cc < K) { av = A[oa + (row0 + rr) * rsa + (k0 + cc) * csa]; }
      As[e] = av;
      var bv = 0.0;
      if (k0 + rr < K && col0 + cc < N) { bv = B[ob + (k0 + rr) * rsb + (col0 + cc) * csb]; }
      Bs[e] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 32u; kk = kk + 1u) {
{inner}    }
    workgroupBarrier();
  }
{store}}
").replace("{acc_decl}", &acc_decl).replace("{inner}", &inner).replace("{store}", &store);
    s.push_str(&body);
    s
}

/// a [.., m, k] @ b [.., k, n] (f32, ndim >= 2), batch dims broadcast to `batch`.
pub fn matmul(a: &Tensor, b: &Tensor, batch: &[usize], out_shape: Vec<usize>) -> Result<Tensor> {
    let (a, b) = (on_gpu(a)?, on_gpu(b)?);
    let (ra, rb) = (a.ndim(), b.ndim());
    let (m, k, n) = (a.shape[ra - 2], a.shape[ra - 1], b.shape[rb - 1]);
    let out = empty(out_shape, DType::F32, "matmul")?;
    let nb = numel(batch);
    if nb == 0 || m == 0 || n == 0 { return Ok(out); }
    if batch.len() > MAX_BATCH_RANK {
        return Err(err!(Device, "matmul with more than {} batch dims is not supported on webgpu (reshape the batch first)", MAX_BATCH_RANK));
    }
    let (tm, tn) = (m.div_ceil(TILE), n.div_ceil(TILE));
    if tm > 65_535 || tn > 65_535 {
        return Err(err!(Device, "matmul of a [{}, {}] result is not supported on webgpu (at most {} rows and columns)", m, n, 65_535 * TILE));
    }
    let sa = broadcast_strides(&a.shape[..ra - 2], &a.strides[..ra - 2], batch);
    let sb = broadcast_strides(&b.shape[..rb - 2], &b.strides[..rb - 2], batch);
    let mut u = alloc::vec![0u32; SHAPE + 3 * MAX_BATCH_RANK];
    u[..4].copy_from_slice(&[m as u32, n as u32, k as u32, tm as u32]);
    u[5] = batch.len() as u32;
    u[6] = a.offset as u32;
    u[7] = b.offset as u32;
    u[8..12].copy_from_slice(&[a.strides[ra - 2] as u32, a.strides[ra - 1] as u32, b.strides[rb - 2] as u32, b.strides[rb - 1] as u32]);
    for d in 0..batch.len() {
        u[SHAPE + d] = batch[d] as u32;
        u[SHAPE + MAX_BATCH_RANK + d] = sa[d] as u32;
        u[SHAPE + 2 * MAX_BATCH_RANK + d] = sb[d] as u32;
    }
    let pipe = pipeline("matmul:f32", 2, 1, src)?;
    let binds = [id(&a)?, id(&b)?, id(&out)?];
    // Batches go along y with the row tiles: as many per dispatch as fit 65,535 workgroups.
    let per = (65_535 / tm).max(1);
    let mut first = 0;
    while first < nb {
        let cnt = per.min(nb - first);
        u[4] = first as u32;
        host::dispatch(pipe, &binds, &words(u.clone()), tn as u32, (cnt * tm) as u32)?;
        first += cnt;
    }
    Ok(out)
}
