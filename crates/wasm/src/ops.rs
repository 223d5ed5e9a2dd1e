//! Elementwise ops (by family code), reductions, linear algebra, views and indexing.
use kd_engine::ops::{binary, index, matmul, reduce, softmax, unary, view};
use kd_engine::{ErrorKind, Tensor};

use crate::abi::{abi, err, BinaryCode, Dims, Handles, OptDims, ReduceCode, Sizes, UnaryCode};

abi! {
    /// The unary op with this code in the op table's "unary" family.
    op kd_unary(code: UnaryCode, x: Tensor) -> handle {
        let (name, op, keeps_int) = unary::lookup(code.0).ok_or_else(|| err(ErrorKind::Value, format!("unknown unary op {}", code.0)))?;
        unary::apply(op, name, keeps_int, &x)
    }
    op kd_binary(code: BinaryCode, a: Tensor, b: Tensor) -> handle {
        let (name, op) = binary::lookup(code.0).ok_or_else(|| err(ErrorKind::Value, format!("unknown binary op {}", code.0)))?;
        binary::apply(op, name, &a, &b)
    }
    /// `a op scalar` (or `scalar op a` when `reverse`); an integer scalar is int32 (int64 beside
    /// an int64 tensor), else float32 (float64 beside a float64 tensor, so 0.1 stays a double).
    op kd_binary_scalar(code: BinaryCode, a: Tensor, value: f64, is_int: bool, reverse: bool) -> handle {
        let (name, op) = binary::lookup(code.0).ok_or_else(|| err(ErrorKind::Value, format!("unknown binary op {}", code.0)))?;
        let s = match (is_int, a.dtype()) {
            (true, kd_engine::DType::I64) => Tensor::from_vec(vec![value as i64], vec![]),
            (true, _) => Tensor::from_vec(vec![value as i32], vec![]),
            (false, kd_engine::DType::F64) => Tensor::from_vec(vec![value], vec![]),
            (false, _) => Tensor::from_vec(vec![value as f32], vec![]),
        };
        if reverse { binary::apply(op, name, &s, &a) } else { binary::apply(op, name, &a, &s) }
    }
    /// A negative dim count reduces over every dim.
    op kd_reduce(code: ReduceCode, x: Tensor, dims: OptDims, keepdim: bool, correction: f64) -> handle {
        let (name, op) = reduce::lookup(code.0).ok_or_else(|| err(ErrorKind::Value, format!("unknown reduction {}", code.0)))?;
        reduce::apply(op, name, &x, dims.0.as_deref(), keepdim, correction)
    }
    /// torch.max/min(t, dim): values, indices.
    op kd_extreme_dim(x: Tensor, dim: i32, keepdim: bool, want_max: bool) -> pair { reduce::extreme_dim_apply(&x, dim as i64, keepdim, want_max) }
    op kd_clamp(x: Tensor, lo: f64, hi: f64, has_lo: bool, has_hi: bool) -> handle { unary::clamp_apply(&x, has_lo.then_some(lo), has_hi.then_some(hi)) }
    op kd_leaky_relu(x: Tensor, slope: f64) -> handle { unary::leaky_relu_apply(&x, slope as f32) }
    op kd_matmul(a: Tensor, b: Tensor) -> handle { matmul::apply(&a, &b) }
    op kd_softmax(x: Tensor, dim: i32, log: bool) -> handle { softmax::apply(&x, dim as i64, log) }
    op kd_cast(x: Tensor, dt: kd_engine::DType) -> handle { view::cast(&x, dt) }
    op kd_contiguous(x: Tensor) -> handle { view::copy(&x, false) }
    op kd_clone(x: Tensor) -> handle { view::copy(&x, true) }
    /// x on device `device` (0 cpu, 1 webgpu): a copy, or x itself when it is there already.
    op kd_to_device(x: Tensor, device: u32) -> handle {
        let d = match device { 0 => kd_engine::Device::Cpu, 1 => kd_engine::Device::WebGpu, _ => return Err(crate::abi::err(kd_engine::ErrorKind::Device, format!("unknown device code {}", device))) };
        kd_engine::ops::device::to_device(&x, d)
    }

    op kd_view(x: Tensor, shape: Sizes) -> handle { view::view(&x, &shape.0) }
    op kd_reshape(x: Tensor, shape: Sizes) -> handle { view::reshape(&x, &shape.0) }
    op kd_permute(x: Tensor, dims: Dims) -> handle { view::permute(&x, &dims.0) }
    op kd_expand(x: Tensor, shape: Sizes) -> handle { view::expand(&x, &shape.0) }
    op kd_transpose(x: Tensor, d0: i32, d1: i32) -> handle { view::transpose(&x, d0 as i64, d1 as i64) }
    op kd_unsqueeze(x: Tensor, d: i32) -> handle { view::unsqueeze(&x, d as i64) }
    /// A negative dim count squeezes every size-1 dim.
    op kd_squeeze(x: Tensor, dims: OptDims) -> handle { view::squeeze(&x, dims.0.as_deref()) }
    op kd_slice(x: Tensor, dim: i32, start: f64, end: f64, step: f64) -> handle { view::slice(&x, dim as i64, start as i64, end as i64, step as i64) }
    op kd_select(x: Tensor, dim: i32, index: f64) -> handle { view::select(&x, dim as i64, index as i64) }

    /// Concatenates the handles in scratch along `dim`.
    op kd_cat(tensors: Handles, dim: i32) -> handle { index::cat_apply(&tensors.0, dim as i64) }
    op kd_index_select(x: Tensor, dim: i32, idx: Tensor) -> handle { index::index_select_apply(&x, dim as i64, &idx) }
    op kd_gather(x: Tensor, dim: i32, idx: Tensor) -> handle { index::gather_apply(&x, dim as i64, &idx) }
    op kd_scatter_add(x: Tensor, dim: i32, idx: Tensor, src: Tensor) -> handle { index::scatter_add_apply(&x, dim as i64, &idx, &src) }
    op kd_where(cond: Tensor, a: Tensor, b: Tensor) -> handle { index::where_apply(&cond, &a, &b) }
    op kd_masked_fill(x: Tensor, mask: Tensor, value: f64) -> handle { index::masked_fill_apply(&x, &mask, value) }
}
