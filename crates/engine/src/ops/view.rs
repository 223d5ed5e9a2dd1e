//! Differentiable views and copies. The view arithmetic itself is metadata on `Tensor`
//! (tensor.rs); here each gets its backward rule: the inverse reshaping of the gradient.
use alloc::vec::Vec;

use crate::autograd::record;
use crate::dtype::DType;
use crate::error::Result;
use crate::ops::index::copy_into;
use crate::ops::prim::sum_to;
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

fn dims_i64(s: &[usize]) -> Vec<i64> { s.iter().map(|&d| d as i64).collect() }

/// Records `y`'s gradient as `g` reshaped back to x's shape (view, reshape, squeeze, flatten...).
fn reshaped(name: &'static str, x: &Tensor, y: Tensor) -> Tensor {
    if !crate::autograd::recording(&[x]) { return y; }
    let shape = dims_i64(&x.shape);
    record(name, &[x], y, move |g| Ok(alloc::vec![Some(g.reshape(&shape)?)]))
}

pub fn view(x: &Tensor, shape: &[i64]) -> Result<Tensor> { Ok(reshaped("view", x, x.view(shape)?)) }
pub fn reshape(x: &Tensor, shape: &[i64]) -> Result<Tensor> { Ok(reshaped("reshape", x, x.reshape(shape)?)) }
pub fn squeeze(x: &Tensor, dims: Option<&[i64]>) -> Result<Tensor> { Ok(reshaped("squeeze", x, x.squeeze(dims)?)) }
pub fn unsqueeze(x: &Tensor, dim: i64) -> Result<Tensor> { Ok(reshaped("unsqueeze", x, x.unsqueeze(dim)?)) }

pub fn permute(x: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let y = x.permute(dims)?;
    let d = crate::shape::wrap_dims(dims, x.ndim())?;
    let mut inv = alloc::vec![0i64; d.len()];
    for (i, &p) in d.iter().enumerate() { inv[p] = i as i64; }
    Ok(record("permute", &[x], y, move |g| Ok(alloc::vec![Some(g.permute(&inv)?)])))
}

pub fn transpose(x: &Tensor, d0: i64, d1: i64) -> Result<Tensor> {
    let y = x.transpose(d0, d1)?;
    Ok(record("transpose", &[x], y, move |g| Ok(alloc::vec![Some(g.transpose(d0, d1)?)])))
}

pub fn expand(x: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let y = x.expand(shape)?;
    if !crate::autograd::recording(&[x]) { return Ok(y); }
    let s = x.shape.clone();
    Ok(record("expand", &[x], y, move |g| Ok(alloc::vec![Some(sum_to(g, &s)?)])))
}

/// Gradient of a sub-view: zeros of the input's shape with `g` written into the same sub-view.
fn embed(shape: &[usize], g: &Tensor, sub: impl Fn(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    let z = crate::ops::creation::zeros(shape, DType::F32, g.device())?;
    copy_into(&sub(&z)?, g)?;
    Ok(z)
}

pub fn slice(x: &Tensor, dim: i64, start: i64, end: i64, step: i64) -> Result<Tensor> {
    let y = x.slice(dim, start, end, step)?;
    if !crate::autograd::recording(&[x]) { return Ok(y); }
    let s = x.shape.clone();
    Ok(record("slice", &[x], y, move |g| Ok(alloc::vec![Some(embed(&s, g, |z| z.slice(dim, start, end, step))?)])))
}

pub fn select(x: &Tensor, dim: i64, index: i64) -> Result<Tensor> {
    let y = x.select(dim, index)?;
    let s = x.shape.clone();
    let _ = wrap_dim(dim, s.len())?;
    Ok(record("select", &[x], y, move |g| Ok(alloc::vec![Some(embed(&s, g, |z| z.select(dim, index))?)])))
}

/// contiguous() and clone(): the identity for gradients.
pub fn copy(x: &Tensor, force: bool) -> Result<Tensor> {
    let y = if force { x.deep_copy()? } else { x.contiguous()? };
    if !force && alloc::rc::Rc::ptr_eq(&y.storage, &x.storage) {
        return Ok(y); // already contiguous: the same tensor, history included
    }
    Ok(record(if force { "clone" } else { "contiguous" }, &[x], y, move |g| Ok(alloc::vec![Some(g.clone())])))
}

/// Casts between float types keep the gradient; casts to int or bool end it.
pub fn cast(x: &Tensor, dtype: DType) -> Result<Tensor> {
    let y = crate::ops::cast::cast(x, dtype)?;
    if !y.dtype().is_float() || alloc::rc::Rc::ptr_eq(&y.storage, &x.storage) { return Ok(y); }
    Ok(record("to", &[x], y, move |g| Ok(alloc::vec![Some(g.clone())])))
}
