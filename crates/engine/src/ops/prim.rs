//! Short names for forward kernels, for writing backward rules. Rules run under no_grad,
//! so these never record; each is the same op the user calls, not a second implementation.
use alloc::vec::Vec;

use crate::dtype::DType;
use crate::error::Result;
use crate::ops::binary::{binary, BinaryOp};
use crate::ops::reduce::{reduce, ReduceOp};
use crate::ops::unary::{unary, UnaryOp};
use crate::tensor::Tensor;

pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> { binary(BinaryOp::Add, "add", a, b) }
pub fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor> { binary(BinaryOp::Sub, "sub", a, b) }
pub fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> { binary(BinaryOp::Mul, "mul", a, b) }
pub fn div(a: &Tensor, b: &Tensor) -> Result<Tensor> { binary(BinaryOp::Div, "div", a, b) }
pub fn eq(a: &Tensor, b: &Tensor) -> Result<Tensor> { binary(BinaryOp::Eq, "eq", a, b) }
pub fn un(op: UnaryOp, a: &Tensor) -> Result<Tensor> { unary(op, "", false, a) }
pub fn neg(a: &Tensor) -> Result<Tensor> { un(UnaryOp::Neg, a) }

/// A 0-d CPU float: a scalar that goes with a tensor on any device.
pub fn scalar(x: f32) -> Tensor { Tensor::from_vec(alloc::vec![x], alloc::vec![]) }
pub fn mul_s(a: &Tensor, x: f32) -> Result<Tensor> { mul(a, &scalar(x)) }
pub fn to_f32(a: &Tensor) -> Result<Tensor> { crate::ops::cast::cast(a, DType::F32) }

pub fn sum_dims(a: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    reduce(ReduceOp::Sum, "sum", a, Some(dims), keepdim, 0.0)
}

/// Sums a broadcast gradient back to `shape` (leading dims, then size-1 dims).
pub fn sum_to(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if g.shape == shape { return Ok(g.clone()); }
    let lead = g.ndim() - shape.len();
    let mut dims: Vec<i64> = (0..lead as i64).collect();
    for (i, &s) in shape.iter().enumerate() {
        if s == 1 && g.shape[lead + i] != 1 { dims.push((lead + i) as i64); }
    }
    let r = if dims.is_empty() { g.clone() } else { sum_dims(g, &dims, true)? };
    let req: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    r.reshape(&req)
}
