//! The WebGPU device. The engine decides what runs (WGSL from the op rows, uniforms, buffer
//! sizes, flushes) and drives the GPU through the few functions it imports from JS (host.rs,
//! ts/gpu/host.ts). Each family lives in its own file; an op without a kernel here answers a
//! named Device error, never a silent CPU fallback.
use alloc::vec::Vec;

use super::{Backend, ConvGeom, PoolGeom};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use crate::ops::binary::BinaryOp;
use crate::ops::optim::{Adagrad, Adam, RmsProp, Sgd};
use crate::ops::reduce::ReduceOp;
use crate::ops::resize::ResizeMode;
use crate::ops::spec::DTypeRule;
use crate::ops::unary::UnaryOp;
use crate::storage::Buffer;
use crate::tensor::Tensor;

mod conv;
mod creation;
mod elementwise;
pub mod errflag;
pub mod host;
mod index;
pub mod kernel;
mod gemm;
mod matmul;
mod memory;
mod pool;
mod resize;
mod wgsl;
mod optim;
mod reduce;
mod shader;
mod softmax;

pub struct WebGpu;

/// The buffer's id goes back to the host's pool (after the next submit).
pub fn release(id: u32) { host::destroy(id) }

/// Submits the recorded work (the TS layer calls it before reads and after optimizer steps).
pub fn flush() { host::flush() }

fn no<T>(op: &str) -> Result<T> {
    Err(Error { kind: ErrorKind::Device, msg: alloc::format!("{} is not supported on webgpu yet", op) })
}

/// The dtypes this backend computes op in (the op manifest's webgpu verdict), from its row's rule.
pub fn dtypes(op: &str, rule: DTypeRule) -> &'static [&'static str] {
    match rule {
        DTypeRule::Reduction => &["float32", "int32", "bool"],
        DTypeRule::Compare => &["float32", "int32", "bool"],
        DTypeRule::Promote if matches!(op, "add" | "sub" | "mul" | "maximum" | "minimum") => &["float32", "int32"],
        DTypeRule::KeepsInt => &["float32", "int32", "bool"],
        DTypeRule::Float => &["float32", "int32", "bool"],
        _ => &["float32"],
    }
}

/// What this backend runs of each family of non-elementwise ops (the README op table's rows;
/// the elementwise rows' verdicts come from `dtypes`). Kept beside the kernels it describes.
pub const FAMILIES: &[(&str, &str)] = &[
    ("creation", "✓ (random ones drawn on the cpu, then moved)"),
    ("shape and views", "✓ (get with a bool mask: not yet, it reads the mask on the host)"),
    ("indexing", "✓ (an out-of-range index is an IndexError at the next read)"),
    ("linear algebra", "✓"),
    ("vision", "✓"),
    ("activation", "✓"),
    ("casts", "✓"),
    ("optimizer steps (fused)", "✓"),
];

impl Backend for WebGpu {
    fn name(&self) -> &'static str { "webgpu" }
    fn op_dtypes(&self, op: &str, rule: DTypeRule) -> &'static [&'static str] { dtypes(op, rule) }
    fn read(&self, t: &Tensor) -> Result<Buffer> { memory::read(t) }
    fn write(&self, data: Buffer, shape: Vec<usize>) -> Result<Tensor> { memory::write(data, shape) }
    fn contiguous(&self, t: &Tensor) -> Result<Tensor> { memory::contiguous(t) }
    fn copy_into(&self, dst: &Tensor, src: &Tensor, ss: &[usize]) -> Result<()> { memory::copy_into(dst, src, ss) }
    fn cast(&self, t: &Tensor, dtype: DType) -> Result<Tensor> { memory::cast(t, dtype) }
    fn full(&self, shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> { creation::full(shape, value, dtype) }
    fn arange(&self, start: f64, step: f64, n: usize, dtype: DType) -> Result<Tensor> { creation::from_host(super::cpu::Cpu.arange(start, step, n, dtype)) }
    fn linspace(&self, start: f64, end: f64, n: usize) -> Result<Tensor> { creation::from_host(super::cpu::Cpu.linspace(start, end, n)) }
    fn eye(&self, n: usize, m: usize, dtype: DType) -> Result<Tensor> { creation::from_host(super::cpu::Cpu.eye(n, m, dtype)) }
    fn unary(&self, op: UnaryOp, t: &Tensor, keeps_int: bool) -> Result<Tensor> { elementwise::unary(op, t, keeps_int) }
    fn unary_grad(&self, op: UnaryOp, x: &Tensor, y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> { elementwise::unary_grad(op, x, y, g) }
    fn clamp(&self, t: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor> { elementwise::clamp(t, lo, hi) }
    fn clamp_grad(&self, x: &Tensor, g: &Tensor, lo: f32, hi: f32) -> Result<Tensor> { elementwise::clamp_grad(x, g, lo, hi) }
    fn leaky_relu(&self, t: &Tensor, slope: f32) -> Result<Tensor> { elementwise::leaky_relu(t, slope) }
    fn leaky_relu_grad(&self, x: &Tensor, g: &Tensor, slope: f32) -> Result<Tensor> { elementwise::leaky_relu_grad(x, g, slope) }
    fn binary(&self, op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> { elementwise::binary(op, a, b) }
    fn binary_grad_term(&self, op: BinaryOp, side: usize, a: &Tensor, b: &Tensor, y: &Tensor) -> Result<Tensor> { elementwise::binary_grad_term(op, side, a, b, y) }
    fn where_(&self, c: &Tensor, a: &Tensor, b: &Tensor, shape: Vec<usize>) -> Result<Tensor> { elementwise::where_(c, a, b, shape) }
    fn reduce(&self, op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>, correction: f64) -> Result<Tensor> { reduce::reduce(op, t, red, out_shape, correction) }
    fn prod_grad(&self, x: &Tensor, red: &[usize]) -> Result<Tensor> { reduce::prod_grad(x, red) }
    fn softmax(&self, t: &Tensor, d: usize, log: bool) -> Result<Tensor> { softmax::softmax(t, d, log) }
    fn cat(&self, ts: &[Tensor], d: usize, shape: Vec<usize>, dtype: DType) -> Result<Tensor> { index::cat(ts, d, shape, dtype) }
    fn index_select(&self, t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> { index::index_select(t, d, index) }
    fn gather(&self, t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> { index::gather(t, d, index) }
    fn scatter_add(&self, t: &Tensor, d: usize, index: &Tensor, src: &Tensor) -> Result<Tensor> { index::scatter_add(t, d, index, src) }
    fn matmul(&self, a: &Tensor, b: &Tensor, batch: &[usize], out_shape: Vec<usize>) -> Result<Tensor> { matmul::matmul(a, b, batch, out_shape) }
    fn conv2d(&self, x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &ConvGeom) -> Result<Tensor> { conv::conv2d(x, w, b, g) }
    fn conv2d_grad_input(&self, gy: &Tensor, w: &Tensor, g: &ConvGeom) -> Result<Tensor> { conv::grad_input(gy, w, g) }
    fn conv2d_grad_weight(&self, x: &Tensor, gy: &Tensor, g: &ConvGeom) -> Result<Tensor> { conv::grad_weight(x, gy, g) }
    fn conv2d_grad_bias(&self, gy: &Tensor) -> Result<Tensor> { conv::grad_bias(gy) }
    fn conv_transpose2d(&self, x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &ConvGeom) -> Result<Tensor> { conv::conv_transpose2d(x, w, b, g) }
    fn max_pool2d(&self, x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<(Tensor, Tensor)> { pool::max_pool2d(x, p, out_shape) }
    fn max_pool2d_backward(&self, g: &Tensor, idx: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> { pool::max_pool2d_backward(g, idx, p, in_shape) }
    fn avg_pool2d(&self, x: &Tensor, p: &PoolGeom, cip: bool, divisor: Option<usize>, out_shape: Vec<usize>) -> Result<Tensor> { pool::avg_pool2d(x, p, cip, divisor, out_shape) }
    fn avg_pool2d_backward(&self, g: &Tensor, p: &PoolGeom, cip: bool, divisor: Option<usize>, in_shape: Vec<usize>) -> Result<Tensor> { pool::avg_pool2d_backward(g, p, cip, divisor, in_shape) }
    fn adaptive_avg_pool2d(&self, x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<Tensor> { pool::adaptive_avg_pool2d(x, p, out_shape) }
    fn adaptive_avg_pool2d_backward(&self, g: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> { pool::adaptive_avg_pool2d_backward(g, p, in_shape) }
    fn upsample2d(&self, x: &Tensor, mode: ResizeMode, oh: usize, ow: usize, scales: [Option<f64>; 2]) -> Result<Tensor> { resize::upsample2d(x, mode, oh, ow, scales) }
    fn upsample2d_backward(&self, g: &Tensor, mode: ResizeMode, in_shape: Vec<usize>, scales: [Option<f64>; 2]) -> Result<Tensor> { resize::upsample2d_backward(g, mode, in_shape, scales) }
    fn sgd(&self, param: &Tensor, grad: &Tensor, buf: Option<&Tensor>, init_buf: bool, h: &Sgd) -> Result<()> { optim::sgd(param, grad, buf, init_buf, h) }
    fn adam(&self, param: &Tensor, grad: &Tensor, m: &Tensor, v: &Tensor, vmax: Option<&Tensor>, h: &Adam) -> Result<()> { optim::adam(param, grad, m, v, vmax, h) }
    fn rmsprop(&self, param: &Tensor, grad: &Tensor, sq: &Tensor, ga: Option<&Tensor>, mb: Option<&Tensor>, h: &RmsProp) -> Result<()> { optim::rmsprop(param, grad, sq, ga, mb, h) }
    fn adagrad(&self, param: &Tensor, grad: &Tensor, sum: &Tensor, h: &Adagrad) -> Result<()> { optim::adagrad(param, grad, sum, h) }
    fn lstm_cell(&self, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<Tensor> { no("lstm_cell") }
    fn lstm_cell_backward(&self, _: &Tensor, _: &Tensor, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<(Tensor, Tensor)> { no("lstm_cell backward") }
    fn gru_cell(&self, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<Tensor> { no("gru_cell") }
    fn gru_cell_backward(&self, _: &Tensor, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<(Tensor, Tensor, Tensor)> { no("gru_cell backward") }
}
