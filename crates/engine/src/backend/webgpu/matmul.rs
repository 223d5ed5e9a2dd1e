//! Batched f32 matmul on the tiled GEMM (gemm.rs). A and B are read through their strides,
//! so a transposed, sliced or broadcast view costs no copy.
use alloc::string::String;
use alloc::vec::Vec;

use super::gemm;
use super::kernel::{empty, id, on_gpu};
use super::wgsl::header;
use crate::dtype::DType;
use crate::error::{err, Result};
use crate::shape::{broadcast_strides, numel};
use crate::tensor::Tensor;

/// Batch dims the uniform has room for.
const MAX_BATCH_RANK: usize = 6;
/// Uniform words after the GEMM's: 5 batch rank, 6 A's offset, 7 B's offset, 8..=11 A's
/// row/col and B's row/col strides, 12.. the batch shape, 18.. A's batch strides, 24.. B's.
const SHAPE: usize = 12;

fn src() -> String {
    gemm::src(header(&[("A", "f32"), ("B", "f32")], &[("C", "f32")]), "var<private> oa: u32;
var<private> ob: u32;
fn setup() {
  // this batch's offsets into A and B (broadcast batch dims have stride 0)
  oa = w(6u); ob = w(7u);
  var r = bi;
  for (var d = i32(w(5u)) - 1; d >= 0; d = d - 1) {
    let e = u32(d);
    let c = r % w(12u + e);
    r = r / w(12u + e);
    oa = oa + c * w(18u + e);
    ob = ob + c * w(24u + e);
  }
}
fn load_a(r: u32, k: u32) -> f32 { return A[oa + r * w(8u) + k * w(9u)]; }
fn load_b(k: u32, c: u32) -> f32 { return B[ob + k * w(10u) + c * w(11u)]; }
fn store(r: u32, c: u32, v: f32) { C[(bi * w(0u) + r) * w(1u) + c] = v; }
")
}

/// a [.., m, k] @ b [.., k, n] (f32, ndim >= 2), batch dims broadcast to `batch`.
pub fn matmul(a: &Tensor, b: &Tensor, batch: &[usize], out_shape: Vec<usize>) -> Result<Tensor> {
    let (a, b) = (on_gpu(a)?, on_gpu(b)?);
    let (ra, rb) = (a.ndim(), b.ndim());
    let (m, k, n) = (a.shape[ra - 2], a.shape[ra - 1], b.shape[rb - 1]);
    let out = empty(out_shape, DType::F32, "matmul")?;
    if batch.len() > MAX_BATCH_RANK {
        return Err(err!(Device, "matmul with more than {} batch dims is not supported on webgpu (reshape the batch first)", MAX_BATCH_RANK));
    }
    let sa = broadcast_strides(&a.shape[..ra - 2], &a.strides[..ra - 2], batch);
    let sb = broadcast_strides(&b.shape[..rb - 2], &b.strides[..rb - 2], batch);
    let mut u = alloc::vec![0u32; SHAPE + 3 * MAX_BATCH_RANK];
    u[5] = batch.len() as u32;
    u[6] = a.offset as u32;
    u[7] = b.offset as u32;
    u[8..12].copy_from_slice(&[a.strides[ra - 2] as u32, a.strides[ra - 1] as u32, b.strides[rb - 2] as u32, b.strides[rb - 1] as u32]);
    for d in 0..batch.len() {
        u[SHAPE + d] = batch[d] as u32;
        u[SHAPE + MAX_BATCH_RANK + d] = sa[d] as u32;
        u[SHAPE + 2 * MAX_BATCH_RANK + d] = sb[d] as u32;
    }
    gemm::launch("matmul:f32", 2, 1, src, &[id(&a)?, id(&b)?, id(&out)?], u, m, n, k, numel(batch))?;
    Ok(out)
}
