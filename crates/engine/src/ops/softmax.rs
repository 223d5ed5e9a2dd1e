//! softmax and log_softmax along one dim (the backend computes them numerically stable, max
//! subtracted first), with the backward rule.
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

pub fn softmax(t: &Tensor, dim: i64, log: bool) -> Result<Tensor> {
    crate::dtype::check_computes(if log { "log_softmax" } else { "softmax" }, &[t.dtype()])?;
    let name = if log { "log_softmax" } else { "softmax" };
    if t.dtype() != DType::F32 {
        bail!(DType, "{}(): expected a floating point tensor, got {}", name, t.dtype().name());
    }
    let d = wrap_dim(dim, t.ndim())?;
    if t.ndim() == 0 {
        return crate::ops::creation::full_on(&[], if log { 0.0 } else { 1.0 }, DType::F32, t.device());
    }
    crate::backend::of(t.device()).softmax(t, d, log)
}

/// The differentiable softmax / log_softmax along `dim`.
pub fn apply(t: &Tensor, dim: i64, log: bool) -> Result<Tensor> {
    use crate::autograd::{record, Saved};
    use crate::ops::prim::*;
    let y = softmax(t, dim, log)?;
    if !crate::autograd::recording(&[t]) { return Ok(y); }
    let sy = Saved::new(&y);
    Ok(record(if log { "log_softmax" } else { "softmax" }, &[t], y, move |g| {
        let y = sy.get()?;
        let gx = if log {
            // g - softmax * sum(g)
            let s = sum_dims(g, &[dim], true)?;
            sub(g, &mul(&un(crate::ops::unary::UnaryOp::Exp, y)?, &s)?)?
        } else {
            // y * (g - sum(g * y))
            let s = sum_dims(&mul(g, y)?, &[dim], true)?;
            mul(y, &sub(g, &s)?)?
        };
        Ok(alloc::vec![Some(gx)])
    }))
}
