//! Reductions (each output element reduces one contiguous run: the reduced dims are permuted
//! innermost), prod's gradient and softmax.
use alloc::vec::Vec;

use super::memory::{to_vec, with_contiguous};
use crate::dtype::{DType, Elem};
use crate::error::Result;
use crate::ops::reduce::ReduceOp;
use crate::shape::numel;
use crate::storage::try_with_capacity;
use crate::tensor::Tensor;
use kd_kernels::math as m;

/// Calls `f(run)` for each output element's contiguous run of reduced values. int64 and float64
/// reductions share one loop per dtype pair (their `f` called through a pointer), to keep the
/// wasm small.
fn runs<T: Elem, U: Elem>(t: &Tensor, red: &[usize], out_shape: Vec<usize>, mut f: impl FnMut(&[T]) -> U) -> Result<Tensor> {
    if matches!(T::DTYPE, DType::I64 | DType::F64) { return runs_dyn::<T, U>(t, red, out_shape, &mut f); }
    runs_loop(t, red, out_shape, f)
}

#[inline(never)]
fn runs_dyn<T: Elem, U: Elem>(t: &Tensor, red: &[usize], out_shape: Vec<usize>, f: &mut dyn FnMut(&[T]) -> U) -> Result<Tensor> {
    runs_loop(t, red, out_shape, f)
}

fn runs_loop<T: Elem, U: Elem>(t: &Tensor, red: &[usize], out_shape: Vec<usize>, mut f: impl FnMut(&[T]) -> U) -> Result<Tensor> {
    let kept: Vec<usize> = (0..t.ndim()).filter(|i| !red.contains(i)).collect();
    let perm: Vec<i64> = kept.iter().chain(red.iter()).map(|&d| d as i64).collect();
    let p = t.permute(&perm)?;
    let outer = numel(&out_shape);
    let r: usize = red.iter().map(|&d| t.shape[d]).product();
    let mut out = try_with_capacity::<U>(outer)?;
    with_contiguous::<T, _>(&p, |s| {
        for i in 0..outer { out.push(f(&s[i * r..(i + 1) * r])); }
    })?;
    Ok(Tensor::from_vec(out, out_shape))
}

fn sum_f64<T: Elem>(s: &[T]) -> f64 { s.iter().map(|x| x.to_f64()).sum() }

fn var_of(s: &[f32], correction: f64) -> f64 {
    let n = s.len() as f64;
    let mean = s.iter().map(|&x| x as f64).sum::<f64>() / n;
    let ss: f64 = s.iter().map(|&x| { let d = x as f64 - mean; d * d }).sum();
    ss / (n - correction).max(0.0)
}

/// Index of the first max (or min) element; NaN counts as the extreme, as in PyTorch.
fn arg_extreme<T: Elem>(s: &[T], want_max: bool) -> usize {
    let mut best = 0;
    for i in 1..s.len() {
        let (x, b) = (s[i], s[best]);
        #[allow(clippy::eq_op)]
        if b != b { break; }
        #[allow(clippy::eq_op)]
        if x != x { best = i; break; }
        if (want_max && x > b) || (!want_max && x < b) { best = i; }
    }
    best
}

fn generic<T: Elem>(op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>) -> Result<Tensor> {
    use ReduceOp::*;
    match op {
        Amax => runs::<T, T>(t, red, out_shape, |s| s[arg_extreme(s, true)]),
        Amin => runs::<T, T>(t, red, out_shape, |s| s[arg_extreme(s, false)]),
        Argmax => runs::<T, i32>(t, red, out_shape, |s| arg_extreme(s, true) as i32),
        Argmin => runs::<T, i32>(t, red, out_shape, |s| arg_extreme(s, false) as i32),
        All => runs::<T, u8>(t, red, out_shape, |s| s.iter().all(|x| x.to_bool()) as u8),
        Any => runs::<T, u8>(t, red, out_shape, |s| s.iter().any(|x| x.to_bool()) as u8),
        CountNonzero => runs::<T, i32>(t, red, out_shape, |s| s.iter().filter(|x| x.to_bool()).count() as i32),
        _ => unreachable!(),
    }
}

/// The float64 reductions: sums and products accumulate in f64 as float32's do; var/std
/// two-pass in f64.
fn reduce_f64(op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>, correction: f64) -> Result<Tensor> {
    use ReduceOp::*;
    let var = move |s: &[f64]| {
        let n = s.len() as f64;
        let mean = s.iter().sum::<f64>() / n;
        s.iter().map(|&x| (x - mean) * (x - mean)).sum::<f64>() / (n - correction).max(0.0)
    };
    match op {
        Sum => runs::<f64, f64>(t, red, out_shape, |s| s.iter().sum()),
        Prod => runs::<f64, f64>(t, red, out_shape, |s| s.iter().product()),
        Mean => runs::<f64, f64>(t, red, out_shape, |s| s.iter().sum::<f64>() / s.len() as f64),
        Var => runs::<f64, f64>(t, red, out_shape, var),
        Std => runs::<f64, f64>(t, red, out_shape, move |s| m::sqrt(var(s))),
        Logsumexp => runs::<f64, f64>(t, red, out_shape, |s| {
            let mx = s.iter().fold(f64::NEG_INFINITY, |a, &x| if x > a { x } else { a });
            if !mx.is_finite() { return if s.iter().any(|x| x.is_nan()) { f64::NAN } else { mx }; }
            mx + m::ln(s.iter().map(|&x| m::exp(x - mx)).sum::<f64>())
        }),
        _ => generic::<f64>(op, t, red, out_shape),
    }
}

pub fn reduce(op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>, correction: f64) -> Result<Tensor> {
    use ReduceOp::*;
    let dt = t.dtype();
    if dt == DType::F64 { return reduce_f64(op, t, red, out_shape, correction); }
    match op {
        // int64 sums and products in int64 (wrapping, as torch's)
        Sum if dt == DType::I64 => runs::<i64, i64>(t, red, out_shape, |s| s.iter().fold(0i64, |a, &x| a.wrapping_add(x))),
        Prod if dt == DType::I64 => runs::<i64, i64>(t, red, out_shape, |s| s.iter().fold(1i64, |a, &x| a.wrapping_mul(x))),
        Sum | Prod if dt != DType::F32 => {
            let i = super::memory::cast(t, DType::I32)?;
            if op == Sum { runs::<i32, i32>(&i, red, out_shape, |s| s.iter().fold(0i32, |a, &x| a.wrapping_add(x))) }
            else { runs::<i32, i32>(&i, red, out_shape, |s| s.iter().fold(1i32, |a, &x| a.wrapping_mul(x))) }
        }
        Sum => runs::<f32, f32>(t, red, out_shape, |s| sum_f64(s) as f32),
        Prod => runs::<f32, f32>(t, red, out_shape, |s| s.iter().fold(1f64, |a, &x| a * x as f64) as f32),
        Mean => runs::<f32, f32>(t, red, out_shape, |s| (sum_f64(s) / s.len() as f64) as f32),
        Var => runs::<f32, f32>(t, red, out_shape, |s| var_of(s, correction) as f32),
        Std => runs::<f32, f32>(t, red, out_shape, |s| m::sqrt64(var_of(s, correction)) as f32),
        Logsumexp => runs::<f32, f32>(t, red, out_shape, |s| {
            let mx = s.iter().fold(f32::NEG_INFINITY, |a, &x| if x > a { x } else { a });
            if !mx.is_finite() { return if s.iter().any(|x| x.is_nan()) { f32::NAN } else { mx }; }
            let acc: f64 = s.iter().map(|&x| m::exp(x - mx) as f64).sum();
            mx + m::ln(acc as f32)
        }),
        _ => match dt {
            DType::F32 => generic::<f32>(op, t, red, out_shape),
            DType::I32 => generic::<i32>(op, t, red, out_shape),
            DType::Bool => generic::<u8>(op, t, red, out_shape),
            DType::I64 => generic::<i64>(op, t, red, out_shape),
            other => { crate::dtype::check_arith("reduction", &[other])?; unreachable!() }
        },
    }
}

/// d prod / d x_i = product of the other elements of its run (exact with zeros present).
pub fn prod_grad(x: &Tensor, red: &[usize]) -> Result<Tensor> {
    let kept: Vec<usize> = (0..x.ndim()).filter(|i| !red.contains(i)).collect();
    let perm: Vec<i64> = kept.iter().chain(red.iter()).map(|&d| d as i64).collect();
    let p = x.permute(&perm)?;
    let r: usize = red.iter().map(|&d| x.shape[d]).product();
    let mut v = to_vec::<f32>(&p)?;
    if r > 0 {
        for run in v.chunks_mut(r) {
            let mut prefix = 1.0f32;
            let mut out = alloc::vec![0f32; r];
            for i in 0..r { out[i] = prefix; prefix *= run[i]; }
            let mut suffix = 1.0f32;
            for i in (0..r).rev() { out[i] *= suffix; suffix *= run[i]; }
            run.copy_from_slice(&out);
        }
    }
    let t = Tensor::from_vec(v, p.shape.clone());
    let mut inv = alloc::vec![0i64; perm.len()];
    for (i, &d) in perm.iter().enumerate() { inv[d as usize] = i as i64; }
    t.permute(&inv)?.contiguous()
}

/// softmax / log_softmax along d (t has ndim >= 1), numerically stable (max subtracted first).
pub fn softmax(t: &Tensor, d: usize, log: bool) -> Result<Tensor> {
    let last = t.ndim() as i64 - 1;
    let moved = t.transpose(d as i64, last)?;
    let mut v = to_vec::<f32>(&moved)?;
    let n = t.shape[d];
    if n > 0 {
        for row in v.chunks_mut(n) {
            let mx = row.iter().fold(f32::NEG_INFINITY, |a, &x| if x > a || x.is_nan() { x } else { a });
            let mx = if mx.is_infinite() { 0.0 } else { mx };
            let mut sum = 0.0f64;
            for x in row.iter_mut() { *x -= mx; sum += m::exp(*x) as f64; }
            if log {
                let ls = m::ln(sum as f32);
                for x in row.iter_mut() { *x -= ls; }
            } else {
                let inv = (1.0 / sum) as f32;
                for x in row.iter_mut() { *x = m::exp(*x) * inv; }
            }
        }
    }
    let out = Tensor::from_vec(v, moved.shape.clone());
    out.transpose(d as i64, last)?.contiguous()
}
