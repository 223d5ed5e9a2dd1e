//! Reductions over any set of dims, with keepdim: the checks, PyTorch's messages and the
//! backward rules (the backend reduces).
use alloc::vec::Vec;

use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::{numel, wrap_dims};
use crate::tensor::Tensor;

// The reduction rows (see ops/spec.rs): name and the WGSL fold a device reduces with: the
// start value, the combiner of the accumulator `acc` and an element `x`, and (where it differs)
// the merge of two partial accumulators `acc` and `x`. They are type-generic (integer literals
// take the accumulator's type; `lowest()` / `highest()` are the accumulator type's extremes,
// -inf / +inf for float32; `is_nan(v)` tests the bits, as GPU compilers may fold `v != v`), and
// NaN propagates as on the CPU. The ops whose fold carries more
// than one value name their kernel's state instead. The order is the ABI code: append only.
// The backend reduces; the checks and backward rules are below.
reduce_ops! {
    Sum "sum" { wgsl: ("0", "acc + x"), tol: Reduction, domain: "randn", onnx: Some("ReduceSum") }
    Mean "mean" { wgsl: ("0", "acc + x"), tol: Reduction, domain: "randn", onnx: Some("ReduceMean") }
    Prod "prod" { wgsl: ("1", "acc * x"), tol: Reduction, domain: "unit", onnx: Some("ReduceProd") }
    Amax "amax" { wgsl: ("lowest()", "select(max(acc, x), acc + x, is_nan(acc) || is_nan(x))"), tol: Exact, domain: "distinct", onnx: Some("ReduceMax") }
    Amin "amin" { wgsl: ("highest()", "select(min(acc, x), acc + x, is_nan(acc) || is_nan(x))"), tol: Exact, domain: "distinct", onnx: Some("ReduceMin") }
    Argmax "argmax" { wgsl: ("", "arg-fold: (value, first index), NaN first"), tol: Exact, domain: "distinct", onnx: Some("ArgMax") }
    Argmin "argmin" { wgsl: ("", "arg-fold: (value, first index), NaN first"), tol: Exact, domain: "distinct", onnx: Some("ArgMin") }
    Var "var" { wgsl: ("", "welford: (count, mean, m2), Chan's merge"), tol: Reduction, domain: "randn", onnx: None }
    Std "std" { wgsl: ("", "welford: (count, mean, m2), Chan's merge"), tol: Reduction, domain: "randn", onnx: None }
    All "all" { wgsl: ("1", "select(0, acc, x != 0)"), tol: Exact, domain: "bool", onnx: None }
    Any "any" { wgsl: ("0", "select(acc, 1, x != 0)"), tol: Exact, domain: "bool", onnx: None }
    Logsumexp "logsumexp" { wgsl: ("", "online: (max, sum of exp(x - max), saw NaN)"), tol: Reduction, domain: "randn", onnx: Some("ReduceLogSumExp") }
    CountNonzero "count_nonzero" { wgsl: ("0", "acc + select(0, 1, x != 0)", "acc + x"), tol: Exact, domain: "randn", onnx: None }
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

pub fn reduce(op: ReduceOp, name: &str, t: &Tensor, dims: Option<&[i64]>, keepdim: bool, correction: f64) -> Result<Tensor> {
    crate::dtype::check_arith(name, &[t.dtype()])?;
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
    if matches!(op, Mean | Var | Std | Logsumexp) && !matches!(dt, DType::F32 | DType::F64) {
        bail!(DType, "{}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}", name, dt.name());
    }
    crate::backend::of(t.device()).reduce(op, t, &red, out_shape, correction)
}

/// max/min along one dim: (values, indices), as torch.max(t, dim).
pub fn extreme_dim(t: &Tensor, dim: i64, keepdim: bool, want_max: bool) -> Result<(Tensor, Tensor)> {
    crate::dtype::check_arith(if want_max { "max" } else { "min" }, &[t.dtype()])?;
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

/// The differentiable reduction: forward, plus its backward rule when recording.
pub fn apply(op: ReduceOp, name: &'static str, x: &Tensor, dims: Option<&[i64]>, keepdim: bool, correction: f64) -> Result<Tensor> {
    use crate::autograd::{record, Saved};
    use crate::ops::prim::*;
    use ReduceOp::*;
    let y = reduce(op, name, x, dims, keepdim, correction)?;
    if !y.dtype().is_float() || !matches!(op, Sum | Mean | Prod | Amax | Amin | Var | Std | Logsumexp) || !crate::autograd::recording(&[x]) {
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
            Prod => { let x = sx.get()?; mul(&gk, &crate::backend::of(x.device()).prod_grad(x, &red)?)? }
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
        let (gk, ik) = if !shape.is_empty() { (keep_shape(g, &shape, &red)?, keep_shape(&idx, &shape, &red)?) } else { (g.clone(), idx.clone()) };
        let z = crate::ops::creation::zeros(&shape, DType::F32, g.device())?;
        Ok(alloc::vec![Some(crate::ops::index::scatter_add(&z, d as i64, &ik, &gk)?)])
    });
    Ok((v, i))
}
