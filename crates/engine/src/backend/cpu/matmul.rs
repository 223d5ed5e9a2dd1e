//! Batched matmul on the packed GEMM kernel. Operands go to the kernel with their own
//! strides: transposed views cost no copy.
//!
//! Threads: a batch of at least as many products as threads splits over the products (each
//! thread packing into its own scratch, allocated before the split); otherwise each product's
//! GEMM splits. A product's bits are the same either way, for any thread count.
use alloc::vec::Vec;

use crate::dtype::Elem;
use crate::error::Result;
use crate::shape::{broadcast_strides, numel};
use crate::storage::{alloc_for_overwrite, alloc_vec};
use crate::tensor::Tensor;
use kd_kernels::gemm::{sgemm, sgemm_scratch_len, sgemm_serial};
use kd_kernels::parallel::{num_threads, parallel_for, PerThread, SyncPtr};

/// Work (flops) a parallel range should hold at least.
const PAR_FLOPS: usize = 1 << 20;

/// a2 [.., m, k] @ b2 [.., k, n] (both f32 or both f64, ndim >= 2), batch dims broadcast to `batch`.
pub fn matmul(a2: &Tensor, b2: &Tensor, batch: &[usize], out_shape: Vec<usize>) -> Result<Tensor> {
    if a2.dtype() == crate::dtype::DType::F64 { return matmul_f64(a2, b2, batch, out_shape); }
    let (m, k) = (a2.shape[a2.ndim() - 2], a2.shape[a2.ndim() - 1]);
    let n = b2.shape[b2.ndim() - 1];
    let (ba, bb) = (&a2.shape[..a2.ndim() - 2], &b2.shape[..b2.ndim() - 2]);
    let sa = broadcast_strides(ba, &a2.strides[..a2.ndim() - 2], batch);
    let sb = broadcast_strides(bb, &b2.strides[..b2.ndim() - 2], batch);
    let nb = numel(batch);
    // k == 0: the product is zeros; otherwise every GEMM below writes all of its C.
    let mut out = if k == 0 { alloc_vec::<f32>(nb * m * n)? } else { alloc_for_overwrite::<f32>(nb * m * n)? };
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
        } else if m > 0 && n > 0 && k > 0 {
            let (ms, ns) = (m * n, sgemm_scratch_len(m, n, k));
            let (oa0, ob0) = (a2.offset, b2.offset);
            let offsets = |bi: usize| batch_offsets(bi, batch, (oa0, &sa), (ob0, &sb));
            let threads = num_threads();
            if threads > 1 && nb >= threads {
                let mut scratch = alloc_for_overwrite::<f32>(threads * ns)?;
                let (o, blocks) = (SyncPtr::new(&mut out), PerThread::new(&mut scratch, ns));
                parallel_for(nb, PAR_FLOPS.div_ceil(2 * m * n * k), |lo, hi, tid| {
                    // SAFETY: the tid parallel_for gave this range.
                    unsafe { blocks.with(tid, |scr| for bi in lo..hi {
                        let (oa, ob) = offsets(bi);
                        // SAFETY: product bi's outputs, written by this range only.
                        let dst = o.slice(bi * ms, (bi + 1) * ms);
                        sgemm_serial(m, n, k, &xa[oa..], rsa, csa, &xb[ob..], rsb, csb, dst, n, 1, false, scr);
                    }) }
                });
            } else {
                for bi in 0..nb {
                    let (oa, ob) = offsets(bi);
                    sgemm(m, n, k, &xa[oa..], rsa, csa, &xb[ob..], rsb, csb, &mut out[bi * ms..], n, 1, false);
                }
            }
        }
    }
    Ok(Tensor::from_vec(out, out_shape))
}

/// Batch bi's operand offsets: its multi-index in `batch` (row-major) times each operand's
/// (broadcast) batch strides, from each operand's offset.
fn batch_offsets(bi: usize, batch: &[usize], (oa0, sa): (usize, &[usize]), (ob0, sb): (usize, &[usize])) -> (usize, usize) {
    let (mut rem, mut oa, mut ob) = (bi, oa0, ob0);
    for d in (0..batch.len()).rev() {
        let i = rem % batch[d];
        rem /= batch[d];
        oa += i * sa[d];
        ob += i * sb[d];
    }
    (oa, ob)
}

/// float64 matmul: a plain i-p-j loop with f64 accumulation per output row (no packed GEMM:
/// float64 is for checking and exchange, not speed, and this keeps the wasm small). Output
/// rows are split over the threads; each is one thread's, summed in the same order.
fn matmul_f64(a2: &Tensor, b2: &Tensor, batch: &[usize], out_shape: Vec<usize>) -> Result<Tensor> {
    let (m, k) = (a2.shape[a2.ndim() - 2], a2.shape[a2.ndim() - 1]);
    let n = b2.shape[b2.ndim() - 1];
    let sa = broadcast_strides(&a2.shape[..a2.ndim() - 2], &a2.strides[..a2.ndim() - 2], batch);
    let sb = broadcast_strides(&b2.shape[..b2.ndim() - 2], &b2.strides[..b2.ndim() - 2], batch);
    let nb = numel(batch);
    let mut out = alloc_vec::<f64>(nb * m * n)?;
    if out.is_empty() { return Ok(Tensor::from_vec(out, out_shape)); }
    let (bufa, bufb) = (a2.storage.buf.borrow(), b2.storage.buf.borrow());
    let (xa, xb) = (f64::try_slice(&bufa)?, f64::try_slice(&bufb)?);
    let (rsa, csa) = (a2.strides[a2.ndim() - 2], a2.strides[a2.ndim() - 1]);
    let (rsb, csb) = (b2.strides[b2.ndim() - 2], b2.strides[b2.ndim() - 1]);
    let (oa0, ob0) = (a2.offset, b2.offset);
    let o = SyncPtr::new(&mut out);
    parallel_for(nb * m, PAR_FLOPS.div_ceil((2 * k * n).max(1)), |lo, hi, _| {
        for r in lo..hi {
            let (bi, i) = (r / m, r % m);
            let (oa, ob) = batch_offsets(bi, batch, (oa0, &sa), (ob0, &sb));
            // SAFETY: row r of out is this range's alone.
            let row = unsafe { o.slice(r * n, (r + 1) * n) };
            for p in 0..k {
                let x = xa[oa + i * rsa + p * csa];
                let b0 = ob + p * rsb;
                if csb == 1 {
                    for (v, &y) in row.iter_mut().zip(&xb[b0..b0 + n]) { *v += x * y; }
                } else {
                    for (j, v) in row.iter_mut().enumerate() { *v += x * xb[b0 + j * csb]; }
                }
            }
        }
    });
    drop((bufa, bufb));
    Ok(Tensor::from_vec(out, out_shape))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::memory::cast;
    use crate::dtype::DType;
    use kd_kernels::parallel::with_threads;

    fn seq(n: usize, m: usize) -> Vec<f32> { (0..n).map(|i| ((i * m + 3) % 1009) as f32 / 1009.0 - 0.5).collect() }

    #[test]
    fn same_bits_on_any_thread_count() {
        // Batches split over products (8 >= threads), a short batch whose GEMMs split, a
        // broadcast batch, a folded batch (shared weight), and plain products in both modes.
        for (sa, sb) in [
            (alloc::vec![8, 64, 96], alloc::vec![8, 96, 80]),
            (alloc::vec![2, 100, 120], alloc::vec![2, 120, 90]),
            (alloc::vec![2, 1, 64, 96], alloc::vec![1, 4, 96, 77]),
            (alloc::vec![6, 50, 130], alloc::vec![130, 70]),
            (alloc::vec![301, 203], alloc::vec![203, 150]),
            (alloc::vec![5, 700], alloc::vec![700, 999]),
        ] {
            let (ra, rb) = (sa.len(), sb.len());
            let (m, n) = (sa[ra - 2], sb[rb - 1]);
            let ba = &sa[..ra - 2];
            let bb = &sb[..rb - 2];
            let batch: Vec<usize> = if ba.len() >= bb.len() {
                ba.iter().enumerate().map(|(i, &d)| d.max(*bb.get(i + bb.len() - ba.len()).unwrap_or(&1))).collect()
            } else {
                bb.to_vec()
            };
            let mut out_shape = batch.clone();
            out_shape.extend([m, n]);
            let a = Tensor::from_vec(seq(sa.iter().product(), 7919), sa.clone());
            let b = Tensor::from_vec(seq(sb.iter().product(), 613), sb.clone());
            let run = |t: usize| with_threads(t, || {
                matmul(&a, &b, &batch, out_shape.clone()).unwrap().to_vec::<f32>().unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            });
            let one = run(1);
            for t in [2, 3, 4] {
                assert!(run(t) == one, "{sa:?} @ {sb:?}: {t} threads differ from 1");
            }
            // float64 (its own loop, rows split over the threads): same bits on any count, and
            // the f32 product's values (each batch's operands found through its broadcast)
            let (a64, b64) = (cast(&a, DType::F64).unwrap(), cast(&b, DType::F64).unwrap());
            let run64 = |t: usize| with_threads(t, || matmul(&a64, &b64, &batch, out_shape.clone()).unwrap().to_vec::<f64>().unwrap());
            let one64 = run64(1);
            for t in [2, 3, 4] {
                assert!(run64(t).iter().zip(&one64).all(|(x, y)| x.to_bits() == y.to_bits()), "{sa:?} @ {sb:?} (f64): {t} threads differ from 1");
            }
            let f32s = matmul(&a, &b, &batch, out_shape.clone()).unwrap().to_vec::<f32>().unwrap();
            for (x, y) in one64.iter().zip(&f32s) { assert!((x - *y as f64).abs() <= 1e-4 * (1.0 + x.abs()), "{sa:?} @ {sb:?}: f64 {x} vs f32 {y}"); }
        }
    }
}
