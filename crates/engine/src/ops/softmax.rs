//! softmax and log_softmax along one dim, numerically stable (max subtracted first).
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::wrap_dim;
use crate::tensor::Tensor;
use kd_kernels::math as m;

pub fn softmax(t: &Tensor, dim: i64, log: bool) -> Result<Tensor> {
    let name = if log { "log_softmax" } else { "softmax" };
    if t.dtype() != DType::F32 {
        bail!(DType, "{}(): expected a floating point tensor, got {}", name, t.dtype().name());
    }
    let d = wrap_dim(dim, t.ndim())?;
    if t.ndim() == 0 {
        return Ok(Tensor::from_vec(alloc::vec![if log { 0.0f32 } else { 1.0 }], alloc::vec![]));
    }
    let last = t.ndim() as i64 - 1;
    let moved = t.transpose(d as i64, last)?;
    let mut v = moved.to_vec::<f32>()?;
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

/// The differentiable softmax / log_softmax along `dim`.
pub fn apply(t: &Tensor, dim: i64, log: bool) -> Result<Tensor> {
    use crate::autograd::{record, Saved};
    use crate::ops::prim::*;
    let y = softmax(t, dim, log)?;
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
