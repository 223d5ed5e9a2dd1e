//! torch.matmul: 1-D, 2-D, batched with broadcast batch dims (the backend multiplies), and
//! its backward rule.
use alloc::vec::Vec;

use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::ops::cast::cast;
use crate::shape::{broadcast_shapes, fmt_shape};
use crate::tensor::Tensor;

pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    crate::dtype::check_arith("matmul", &[a.dtype(), b.dtype()])?;
    a.check_device(b, "matmul")?;
    if a.ndim() == 0 || b.ndim() == 0 {
        bail!(Shape, "both arguments to matmul need to be at least 1D, but they are {}D and {}D", a.ndim(), b.ndim());
    }
    let out_dtype = DType::promote(a.dtype(), b.dtype());
    if out_dtype == DType::Bool {
        bail!(DType, "\"addmm\" not implemented for 'Bool'");
    }
    // int32 products run on the float32 GEMM; int64 ones would lose digits there, so they are refused.
    if out_dtype == DType::I64 {
        bail!(DType, "matmul is not implemented for int64 tensors (Kindling multiplies int32 through float32 and would round int64); cast with .double() or .int() first");
    }
    let compute = if out_dtype == DType::F64 { DType::F64 } else { DType::F32 };
    let (a, b) = (cast(a, compute)?, cast(b, compute)?);
    // Promote 1-D operands to matrices, and remember which dims to drop afterwards.
    let a2 = if a.ndim() == 1 { a.unsqueeze(0)? } else { a.clone() };
    let b2 = if b.ndim() == 1 { b.unsqueeze(1)? } else { b.clone() };
    let (m, k) = (a2.shape[a2.ndim() - 2], a2.shape[a2.ndim() - 1]);
    let (k2, n) = (b2.shape[b2.ndim() - 2], b2.shape[b2.ndim() - 1]);
    if k != k2 {
        if a.ndim() == 1 && b.ndim() == 1 {
            bail!(Shape, "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got {} and {} elements respectively", k, k2, k, k2);
        }
        bail!(Shape, "mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})", m, k, k2, n);
    }
    let (ba, bb) = (&a2.shape[..a2.ndim() - 2], &b2.shape[..b2.ndim() - 2]);
    let batch = broadcast_shapes(ba, bb).map_err(|_| crate::error::err!(Shape,
        "matmul: batch dimensions {} and {} cannot be broadcast", fmt_shape(ba), fmt_shape(bb)))?;
    let mut shape: Vec<usize> = batch.to_vec();
    if a.ndim() > 1 { shape.push(m); }
    if b.ndim() > 1 { shape.push(n); }
    let t = crate::backend::on(&[&a2, &b2]).matmul(&a2, &b2, &batch, shape)?;
    if out_dtype == DType::I32 { cast(&t, DType::I32) } else { Ok(t) }
}

// ---- autograd -------------------------------------------------------------------------------

/// The differentiable matmul: dA = dC·Bᵀ, dB = Aᵀ·dC, with 1-D operands treated as the
/// matrices they were promoted to and broadcast batch dims summed away.
pub fn apply(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    use crate::autograd::{record, Saved};
    use crate::ops::prim::sum_to;
    let y = matmul(a, b)?;
    crate::autograd::refuse_untracked("matmul", &[a, b], &y)?;
    if !y.dtype().is_float() || !crate::autograd::recording(&[a, b]) { return Ok(y); }
    let (sa, sb) = (Saved::new(a), Saved::new(b));
    let (need_a, need_b) = (a.requires_grad(), b.requires_grad());
    Ok(record("matmul", &[a, b], y, move |g| {
        let (a, b) = (sa.get()?, sb.get()?);
        let a2 = if a.ndim() == 1 { a.unsqueeze(0)? } else { a.clone() };
        let b2 = if b.ndim() == 1 { b.unsqueeze(1)? } else { b.clone() };
        let mut g2 = g.clone();
        if a.ndim() == 1 { g2 = g2.unsqueeze(if b.ndim() == 1 { 0 } else { g2.ndim() as i64 - 1 })?; }
        if b.ndim() == 1 { g2 = g2.unsqueeze(-1)?; }
        let ga = if need_a {
            let t = matmul(&g2, &b2.transpose(-1, -2)?)?;
            let t = sum_to(&t, &a2.shape)?;
            Some(t.reshape(&a.shape.iter().map(|&d| d as i64).collect::<Vec<_>>())?)
        } else { None };
        let gb = if need_b {
            // B a transposed matrix (Linear's weight.t()): compute dBᵀ = dCᵀ·A, contiguous, and
            // hand back its transpose, so that dB has B's own layout and the weight's gradient
            // needs no transposing copy (as torch's mm backward does). Same sums, same order.
            let nd = b2.ndim();
            let transposed = b.ndim() >= 2 && b2.strides[nd - 2] == 1 && b2.strides[nd - 1] == b2.shape[nd - 2] && b2.shape[nd - 2] > 1 && b2.shape[nd - 1] > 1;
            let t = if transposed {
                matmul(&g2.transpose(-1, -2)?, &a2)?.transpose(-1, -2)?
            } else {
                matmul(&a2.transpose(-1, -2)?, &g2)?
            };
            let t = sum_to(&t, &b2.shape)?;
            Some(t.reshape(&b.shape.iter().map(|&d| d as i64).collect::<Vec<_>>())?)
        } else { None };
        Ok(alloc::vec![ga, gb])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::numel;
    use alloc::vec;

    fn seq(n: usize, scale: f32) -> Vec<f32> { (0..n).map(|i| ((i * 7 + 3) % 11) as f32 * scale - 0.4).collect() }

    /// Reference: out[b, i, j] = sum_p A[b, i, p] B[b, p, j] on logical (broadcast) indices.
    fn naive(a: &Tensor, b: &Tensor) -> Vec<f32> {
        let (av, bv) = (a.contiguous().unwrap().to_vec::<f32>().unwrap(), b.contiguous().unwrap().to_vec::<f32>().unwrap());
        let (m, k) = (a.shape[a.ndim() - 2], a.shape[a.ndim() - 1]);
        let n = b.shape[b.ndim() - 1];
        let batch = broadcast_shapes(&a.shape[..a.ndim() - 2], &b.shape[..b.ndim() - 2]).unwrap();
        let (na, nbb) = (numel(&a.shape[..a.ndim() - 2]), numel(&b.shape[..b.ndim() - 2]));
        let nb = numel(&batch);
        let mut out = vec![0f32; nb * m * n];
        for bi in 0..nb {
            // Only the shapes used below: each side's batch is either full or a single matrix.
            let (oa, ob) = (if na == 1 { 0 } else { bi * m * k }, if nbb == 1 { 0 } else { bi * k * n });
            for i in 0..m {
                for j in 0..n {
                    let s: f64 = (0..k).map(|p| av[oa + i * k + p] as f64 * bv[ob + p * n + j] as f64).sum();
                    out[bi * m * n + i * n + j] = s as f32;
                }
            }
        }
        out
    }

    fn close(got: &[f32], want: &[f32]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{g} vs {w}");
        }
    }

    #[test]
    fn batched_shared_weight_folds_and_matches() {
        // [2, 3, 5, 7] @ [7, 4]: B broadcast over a contiguous batch (one folded GEMM).
        let a = Tensor::from_vec(seq(2 * 3 * 5 * 7, 0.1), vec![2, 3, 5, 7]);
        let b = Tensor::from_vec(seq(7 * 4, 0.2), vec![7, 4]);
        let c = matmul(&a, &b).unwrap();
        assert_eq!(c.shape, vec![2, 3, 5, 4]);
        close(&c.to_vec::<f32>().unwrap(), &naive(&a.reshape(&[6, 5, 7]).unwrap(), &b));
        // Transposed weight view ([4, 7] stored, used as [7, 4]).
        let w = Tensor::from_vec(seq(4 * 7, 0.3), vec![4, 7]);
        let c = matmul(&a, &w.transpose(0, 1).unwrap()).unwrap();
        close(&c.to_vec::<f32>().unwrap(), &naive(&a.reshape(&[6, 5, 7]).unwrap(), &w.transpose(0, 1).unwrap()));
    }

    #[test]
    fn batched_not_foldable_matches() {
        // A's batch not evenly spaced (a transposed batch view), and B batched: per-batch path.
        let base = Tensor::from_vec(seq(5 * 3 * 7, 0.1), vec![5, 3, 7]);
        let a = base.transpose(0, 1).unwrap(); // [3, 5, 7], batch stride 7, rows stride 21
        let b = Tensor::from_vec(seq(7 * 4, 0.2), vec![7, 4]);
        let c = matmul(&a, &b).unwrap();
        close(&c.to_vec::<f32>().unwrap(), &naive(&a, &b));
        let bb = Tensor::from_vec(seq(3 * 7 * 4, 0.2), vec![3, 7, 4]);
        let c = matmul(&a, &bb).unwrap();
        close(&c.to_vec::<f32>().unwrap(), &naive(&a, &bb));
    }
}
