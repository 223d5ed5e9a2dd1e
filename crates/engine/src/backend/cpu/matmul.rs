//! Batched matmul on the packed GEMM kernel. Operands go to the kernel with their own
//! strides: transposed views cost no copy.
use alloc::vec::Vec;

use crate::dtype::Elem;
use crate::error::Result;
use crate::shape::{broadcast_strides, numel};
use crate::storage::alloc_vec;
use crate::tensor::Tensor;
use kd_kernels::gemm::sgemm;

/// a2 [.., m, k] @ b2 [.., k, n] (both f32 or both f64, ndim >= 2), batch dims broadcast to `batch`.
pub fn matmul(a2: &Tensor, b2: &Tensor, batch: &[usize], out_shape: Vec<usize>) -> Result<Tensor> {
    if a2.dtype() == crate::dtype::DType::F64 { return matmul_f64(a2, b2, batch, out_shape); }
    let (m, k) = (a2.shape[a2.ndim() - 2], a2.shape[a2.ndim() - 1]);
    let n = b2.shape[b2.ndim() - 1];
    let (ba, bb) = (&a2.shape[..a2.ndim() - 2], &b2.shape[..b2.ndim() - 2]);
    let sa = broadcast_strides(ba, &a2.strides[..a2.ndim() - 2], batch);
    let sb = broadcast_strides(bb, &b2.strides[..b2.ndim() - 2], batch);
    let nb = numel(batch);
    let mut out = alloc_vec::<f32>(nb * m * n)?;
    {
        let (bufa, bufb) = (a2.storage.buf.borrow(), b2.storage.buf.borrow());
        let (xa, xb) = (f32::try_slice(&bufa)?, f32::try_slice(&bufb)?);
        let (rsa, csa) = (a2.strides[a2.ndim() - 2], a2.strides[a2.ndim() - 1]);
        let (rsb, csb) = (b2.strides[b2.ndim() - 2], b2.strides[b2.ndim() - 1]);
        // B shared by every batch (stride 0) and A's batches evenly spaced m rows apart
        // (e.g. a contiguous [.., m, k] input times a weight): one GEMM over nb*m rows, so B
        // is packed once instead of once per batch.
        let fold = nb > 1 && m > 0 && n > 0 && k > 0 && sb.iter().all(|&s| s == 0) && {
            let mut step = m * rsa;
            let mut ok = true;
            for d in (0..batch.len()).rev() {
                if batch[d] != 1 && sa[d] != step { ok = false; break; }
                step = step.saturating_mul(batch[d]);
            }
            ok
        };
        if fold {
            sgemm(nb * m, n, k, &xa[a2.offset..], rsa, csa, &xb[b2.offset..], rsb, csb, &mut out, n, 1, false);
        } else {
            let mut idx = alloc::vec![0usize; batch.len()];
            for bi in 0..nb {
                let oa = a2.offset + idx.iter().zip(&sa).map(|(i, s)| i * s).sum::<usize>();
                let ob = b2.offset + idx.iter().zip(&sb).map(|(i, s)| i * s).sum::<usize>();
                // k == 0: the product is the zeros `out` already holds (the kernel needs k >= 1)
                if m > 0 && n > 0 && k > 0 {
                    sgemm(m, n, k, &xa[oa..], rsa, csa, &xb[ob..], rsb, csb, &mut out[bi * m * n..], n, 1, false);
                }
                for d in (0..batch.len()).rev() {
                    idx[d] += 1;
                    if idx[d] < batch[d] { break; }
                    idx[d] = 0;
                }
            }
        }
    }
    Ok(Tensor::from_vec(out, out_shape))
}

/// float64 matmul: a plain i-p-j loop with f64 accumulation per output row (no packed GEMM:
/// float64 is for checking and exchange, not speed, and this keeps the wasm small).
fn matmul_f64(a2: &Tensor, b2: &Tensor, batch: &[usize], out_shape: Vec<usize>) -> Result<Tensor> {
    let (m, k) = (a2.shape[a2.ndim() - 2], a2.shape[a2.ndim() - 1]);
    let n = b2.shape[b2.ndim() - 1];
    let sa = broadcast_strides(&a2.shape[..a2.ndim() - 2], &a2.strides[..a2.ndim() - 2], batch);
    let sb = broadcast_strides(&b2.shape[..b2.ndim() - 2], &b2.strides[..b2.ndim() - 2], batch);
    let nb = numel(batch);
    let mut out = alloc_vec::<f64>(nb * m * n)?;
    let (bufa, bufb) = (a2.storage.buf.borrow(), b2.storage.buf.borrow());
    let (xa, xb) = (f64::try_slice(&bufa)?, f64::try_slice(&bufb)?);
    let (rsa, csa) = (a2.strides[a2.ndim() - 2], a2.strides[a2.ndim() - 1]);
    let (rsb, csb) = (b2.strides[b2.ndim() - 2], b2.strides[b2.ndim() - 1]);
    let mut idx = alloc::vec![0usize; batch.len()];
    for bi in 0..nb {
        let oa = a2.offset + idx.iter().zip(&sa).map(|(i, s)| i * s).sum::<usize>();
        let ob = b2.offset + idx.iter().zip(&sb).map(|(i, s)| i * s).sum::<usize>();
        for i in 0..m {
            let row = &mut out[(bi * m + i) * n..(bi * m + i + 1) * n];
            for p in 0..k {
                let x = xa[oa + i * rsa + p * csa];
                for (j, o) in row.iter_mut().enumerate() { *o += x * xb[ob + p * rsb + j * csb]; }
            }
        }
        for d in (0..batch.len()).rev() {
            idx[d] += 1;
            if idx[d] < batch[d] { break; }
            idx[d] = 0;
        }
    }
    drop((bufa, bufb));
    Ok(Tensor::from_vec(out, out_shape))
}
