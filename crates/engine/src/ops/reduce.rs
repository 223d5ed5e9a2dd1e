//! Reductions over any set of dims, with keepdim. The reduced dims are permuted innermost so
//! every output element reduces one contiguous run.
use alloc::vec::Vec;

use crate::dtype::{DType, Elem};
use crate::error::{bail, Result};
use crate::ops::cast::cast;
use crate::shape::{numel, wrap_dims};
use crate::storage::try_with_capacity;
use crate::tensor::Tensor;
use kd_kernels::math as m;

// The reduction rows (see ops/spec.rs): name and the WGSL fold (start value, combiner of `acc`
// and `x`). The order is the ABI code: append only. The loops and backward rules are below.
reduce_ops! {
    Sum "sum" { wgsl: ("0.0", "acc + x"), tol: Reduction, domain: "randn", onnx: Some("ReduceSum") }
    Mean "mean" { wgsl: ("0.0", "acc + x"), tol: Reduction, domain: "randn", onnx: Some("ReduceMean") }
    Prod "prod" { wgsl: ("1.0", "acc * x"), tol: Reduction, domain: "unit", onnx: Some("ReduceProd") }
    Amax "amax" { wgsl: ("-3.4e38", "select(max(acc, x), x, x != x || acc != acc)"), tol: Exact, domain: "distinct", onnx: Some("ReduceMax") }
    Amin "amin" { wgsl: ("3.4e38", "select(min(acc, x), x, x != x || acc != acc)"), tol: Exact, domain: "distinct", onnx: Some("ReduceMin") }
    Argmax "argmax" { wgsl: ("", "arg-fold"), tol: Exact, domain: "distinct", onnx: Some("ArgMax") }
    Argmin "argmin" { wgsl: ("", "arg-fold"), tol: Exact, domain: "distinct", onnx: Some("ArgMin") }
    Var "var" { wgsl: ("0.0", "two-pass"), tol: Reduction, domain: "randn", onnx: None }
    Std "std" { wgsl: ("0.0", "two-pass"), tol: Reduction, domain: "randn", onnx: None }
    All "all" { wgsl: ("1.0", "select(0.0, acc, x != 0.0)"), tol: Exact, domain: "bool", onnx: None }
    Any "any" { wgsl: ("0.0", "select(acc, 1.0, x != 0.0)"), tol: Exact, domain: "bool", onnx: None }
    Logsumexp "logsumexp" { wgsl: ("0.0", "two-pass"), tol: Reduction, domain: "randn", onnx: Some("ReduceLogSumExp") }
    CountNonzero "count_nonzero" { wgsl: ("0.0", "acc + select(0.0, 1.0, x != 0.0)"), tol: Exact, domain: "randn", onnx: None }
}

pub fn lookup(code: u32) -> Option<(&'static str, ReduceOp)> { REDUCE.get(code as usize).copied() }

/// The reduced dims (all when `dims` is None) and the output shape.
fn plan(t: &Tensor, dims: Option<&[i64]>, keepdim: bool) -> Result<(Vec<usize>, Vec<usize>)> {
    let red = match dims {
        None => (0..t.ndim()).collect(),
        Some(d) if d.is_empty() => (0..t.ndim()).collect(), // PyTorch: dim=[] means all dims
        Some(d) => wrap_dims(d, t.ndim())?.into_iter().filter(|&i| i < t.ndim()).collect::<Vec<_>>(),
    };
    let out_shape = (0..t.ndim())
        .filter_map(|i| if red.contains(&i) { if keepdim { Some(1) } else { None } } else { Some(t.shape[i]) })
        .collect();
    Ok((red, out_shape))
}

/// Calls `f(run)` for each output element's contiguous run of reduced values.
fn runs<T: Elem, U: Elem>(t: &Tensor, red: &[usize], out_shape: Vec<usize>, mut f: impl FnMut(&[T]) -> U) -> Result<Tensor> {
    let kept: Vec<usize> = (0..t.ndim()).filter(|i| !red.contains(i)).collect();
    let perm: Vec<i64> = kept.iter().chain(red.iter()).map(|&d| d as i64).collect();
    let p = t.permute(&perm)?;
    let outer = numel(&out_shape);
    let r: usize = red.iter().map(|&d| t.shape[d]).product();
    let mut out = try_with_capacity::<U>(outer)?;
    p.with_contiguous::<T, _>(|s| {
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

pub fn reduce(op: ReduceOp, name: &str, t: &Tensor, dims: Option<&[i64]>, keepdim: bool, correction: f64) -> Result<Tensor> {
    use ReduceOp::*;
    if matches!(op, Argmax | Argmin) && dims.is_some_and(|d| d.len() > 1) {
        bail!(Value, "{}(): expected a single dim, got {}", name, dims.unwrap().len());
    }
    // argmax/argmin over all dims read the flattened tensor.
    let flat;
    let (t, dims) = if matches!(op, Argmax | Argmin) && dims.is_none() && !keepdim {
        flat = t.reshape(&[-1])?;
        (&flat, None)
    } else { (t, dims) };
    let (red, out_shape) = plan(t, dims, keepdim)?;
    let r: usize = red.iter().map(|&d| t.shape[d]).product();
    if r == 0 && numel(&out_shape) > 0 && matches!(op, Amax | Amin | Argmax | Argmin) {
        bail!(Index, "{}(): Expected reduction dim to have non-zero size.", name);
    }
    let dt = t.dtype();
    if matches!(op, Mean | Var | Std | Logsumexp) && dt != DType::F32 {
        bail!(DType, "{}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}", name, dt.name());
    }
    match op {
        Sum | Prod if dt != DType::F32 => {
            let i = cast(t, DType::I32)?;
            if op == Sum { runs::<i32, i32>(&i, &red, out_shape, |s| s.iter().fold(0i32, |a, &x| a.wrapping_add(x))) }
            else { runs::<i32, i32>(&i, &red, out_shape, |s| s.iter().fold(1i32, |a, &x| a.wrapping_mul(x))) }
        }
        Sum => runs::<f32, f32>(t, &red, out_shape, |s| sum_f64(s) as f32),
        Prod => runs::<f32, f32>(t, &red, out_shape, |s| s.iter().fold(1f64, |a, &x| a * x as f64) as f32),
        Mean => runs::<f32, f32>(t, &red, out_shape, |s| (sum_f64(s) / s.len() as f64) as f32),
        Var => runs::<f32, f32>(t, &red, out_shape, |s| var_of(s, correction) as f32),
        Std => runs::<f32, f32>(t, &red, out_shape, |s| m::sqrt64(var_of(s, correction)) as f32),
        Logsumexp => runs::<f32, f32>(t, &red, out_shape, |s| {
            let mx = s.iter().fold(f32::NEG_INFINITY, |a, &x| if x > a { x } else { a });
            if !mx.is_finite() { return if s.iter().any(|x| x.is_nan()) { f32::NAN } else { mx }; }
            let acc: f64 = s.iter().map(|&x| m::exp(x - mx) as f64).sum();
            mx + m::ln(acc as f32)
        }),
        _ => match dt {
            DType::F32 => generic::<f32>(op, t, &red, out_shape),
            DType::I32 => generic::<i32>(op, t, &red, out_shape),
            DType::Bool => generic::<u8>(op, t, &red, out_shape),
        },
    }
}


/// max/min along one dim: (values, indices), as torch.max(t, dim).
pub fn extreme_dim(t: &Tensor, dim: i64, keepdim: bool, want_max: bool) -> Result<(Tensor, Tensor)> {
    let (name, vop, iop) = if want_max { ("max", ReduceOp::Amax, ReduceOp::Argmax) } else { ("min", ReduceOp::Amin, ReduceOp::Argmin) };
    let v = reduce(vop, name, t, Some(&[dim]), keepdim, 0.0)?;
    let i = reduce(iop, name, t, Some(&[dim]), keepdim, 0.0)?;
    Ok((v, i))
}

// ---- autograd -------------------------------------------------------------------------------

/// The gradient of a reduction's output, reshaped with the reduced dims kept as size 1 so it
/// broadcasts against the input.
fn keep_shape(g: &Tensor, in_shape: &[usize], red: &[usize]) -> Result<Tensor> {
    let shape: Vec<i64> = (0..in_shape.len()).map(|i| if red.contains(&i) { 1 } else { in_shape[i] as i64 }).collect();
    g.reshape(&shape)
}

/// d prod / d x_i = product of the other elements of its run (exact with zeros present).
fn prod_grad(x: &Tensor, red: &[usize]) -> Result<Tensor> {
    let kept: Vec<usize> = (0..x.ndim()).filter(|i| !red.contains(i)).collect();
    let perm: Vec<i64> = kept.iter().chain(red.iter()).map(|&d| d as i64).collect();
    let p = x.permute(&perm)?;
    let r: usize = red.iter().map(|&d| x.shape[d]).product();
    let mut v = p.contiguous()?.to_vec::<f32>()?;
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

/// The differentiable reduction: forward, plus its backward rule when recording.
pub fn apply(op: ReduceOp, name: &'static str, x: &Tensor, dims: Option<&[i64]>, keepdim: bool, correction: f64) -> Result<Tensor> {
    use crate::autograd::{record, Saved};
    use crate::ops::prim::*;
    use ReduceOp::*;
    let y = reduce(op, name, x, dims, keepdim, correction)?;
    if !y.dtype().is_float() || !matches!(op, Sum | Mean | Prod | Amax | Amin | Var | Std | Logsumexp) {
        return Ok(y);
    }
    let (red, _) = plan(x, dims, keepdim)?;
    let (sx, sy) = (Saved::new(x), Saved::new(&y));
    let shape = x.shape.clone();
    let n: usize = red.iter().map(|&d| shape[d]).product();
    Ok(record(name, &[x], y, move |g| {
        let gk = keep_shape(g, &shape, &red)?;
        let gx = match op {
            Sum => gk.expand(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>())?,
            Mean => mul_s(&gk.expand(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>())?, 1.0 / n as f32)?,
            Prod => mul(&gk, &prod_grad(sx.get()?, &red)?)?,
            Amax | Amin => {
                // The gradient is shared evenly by every element equal to the extreme.
                let yk = keep_shape(sy.get()?, &shape, &red)?;
                let mask = to_f32(&eq(sx.get()?, &yk)?)?;
                let count = sum_dims(&mask, &red.iter().map(|&d| d as i64).collect::<Vec<_>>(), true)?;
                mul(&mask, &div(&gk, &count)?)?
            }
            Var | Std => {
                let x = sx.get()?;
                let rd: Vec<i64> = red.iter().map(|&d| d as i64).collect();
                // the forward's mean (f64 accumulation): exact for constant runs, so their
                // deviations are exactly 0
                let mean = reduce(Mean, "mean", x, Some(&rd), true, 0.0)?;
                let centered = sub(x, &mean)?;
                let denom = (n as f64 - correction).max(0.0) as f32;
                if op == Var {
                    mul(&gk, &mul_s(&centered, 2.0 / denom)?)?
                } else {
                    let yk = keep_shape(sy.get()?, &shape, &red)?;
                    let gx = div(&mul(&gk, &mul_s(&centered, 1.0 / denom)?)?, &yk)?;
                    // torch defines the gradient of std as 0 where std is 0 (not 0/0)
                    crate::ops::index::where_(&eq(&yk, &scalar(0.0))?, &scalar(0.0), &gx)?
                }
            }
            Logsumexp => {
                let yk = keep_shape(sy.get()?, &shape, &red)?;
                mul(&gk, &un(crate::ops::unary::UnaryOp::Exp, &sub(sx.get()?, &yk)?)?)?
            }
            _ => unreachable!(),
        };
        Ok(alloc::vec![Some(gx)])
    }))
}

/// torch.max/min(t, dim) with autograd on the values (the gradient goes to the indices).
pub fn extreme_dim_apply(x: &Tensor, dim: i64, keepdim: bool, want_max: bool) -> Result<(Tensor, Tensor)> {
    use crate::autograd::record;
    let (v, i) = extreme_dim(x, dim, keepdim, want_max)?;
    if !v.dtype().is_float() { return Ok((v, i)); }
    let d = crate::shape::wrap_dim(dim, x.ndim())?;
    let shape = x.shape.clone();
    let idx = i.clone();
    let v = record(if want_max { "max" } else { "min" }, &[x], v, move |g| {
        let red = [d];
        let (gk, ik) = if x_ndim_ok(&shape) { (keep_shape(g, &shape, &red)?, keep_shape(&idx, &shape, &red)?) } else { (g.clone(), idx.clone()) };
        let z = Tensor::zeros(&shape, DType::F32)?;
        Ok(alloc::vec![Some(crate::ops::index::scatter_add(&z, d as i64, &ik, &gk)?)])
    });
    Ok((v, i))
}

fn x_ndim_ok(shape: &[usize]) -> bool { !shape.is_empty() }
