//! The CPU backend: today's loops, on host slices. Each kernel reads its inputs as slices and
//! writes a fresh output vector (or disjoint output slices), so a `parallel_for` over output
//! ranges can later be dropped into a kernel without touching `ops/`. The arithmetic families
//! (unary, binary, reductions, matmul) also take int64 and float64 (`DType::arith`).
//!
//! The generic loop bodies (`map`, `map3`, `zip`, the reductions' `with_runs` / `blocked`, the
//! index ops' `*_typed`) are `#[inline(never)]`: each op's loop is then a wasm function of its
//! own, which V8 optimises as soon as that op is hot. Inlined, every op's loop sat in one 44-57 KB
//! dispatch function per family that V8 took 160-180 ms to optimise (on the cores training uses)
//! and ran unoptimised until then.
use alloc::vec::Vec;

use super::{Backend, ConvGeom, PoolGeom};
use crate::dtype::{check_arith, check_computes, DType};
use crate::error::Result;
use crate::ops::binary::BinaryOp;
use crate::ops::optim::{Adagrad, Adam, RmsProp, Sgd};
use crate::ops::reduce::ReduceOp;
use crate::ops::resize::ResizeMode;
use crate::ops::unary::UnaryOp;
use crate::storage::Buffer;
use crate::tensor::Tensor;

mod conv;
mod creation;
pub mod elementwise;
mod index;
mod matmul;
pub mod memory;
mod optim;
mod pool;
mod reduce;
pub(crate) mod resize;
mod rnn;

pub struct Cpu;

impl Backend for Cpu {
    fn name(&self) -> &'static str { "cpu" }
    fn op_dtypes(&self, _: &str, rule: crate::ops::spec::DTypeRule) -> &'static [&'static str] { rule.cpu_dtypes() }
    fn read(&self, t: &Tensor) -> Result<Buffer> { memory::read(t) }
    fn write(&self, data: Buffer, shape: Vec<usize>) -> Result<Tensor> { Ok(Tensor::from_buffer(data, shape)) }
    fn contiguous(&self, t: &Tensor) -> Result<Tensor> { memory::contiguous(t) }
    fn copy_into(&self, dst: &Tensor, src: &Tensor, src_strides: &[usize]) -> Result<()> { memory::copy_into(dst, src, src_strides) }
    fn cast(&self, t: &Tensor, dtype: DType) -> Result<Tensor> { memory::cast(t, dtype) }
    fn full(&self, shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> { creation::full(shape, value, dtype) }
    fn arange(&self, start: f64, step: f64, n: usize, dtype: DType) -> Result<Tensor> { creation::arange(start, step, n, dtype) }
    fn linspace(&self, start: f64, end: f64, n: usize) -> Result<Tensor> { check_computes("linspace", &[])?; creation::linspace(start, end, n) }
    fn eye(&self, n: usize, m: usize, dtype: DType) -> Result<Tensor> { creation::eye(n, m, dtype) }
    fn unary(&self, op: UnaryOp, t: &Tensor, keeps_int: bool) -> Result<Tensor> { check_arith("unary", &[t.dtype()])?; elementwise::unary(op, t, keeps_int) }
    fn unary_grad(&self, op: UnaryOp, x: &Tensor, y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> { check_computes("unary_grad", &[x.dtype(), y.dtype(), g.dtype()])?; elementwise::unary_grad(op, x, y, g) }
    fn clamp(&self, t: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor> { check_computes("clamp", &[t.dtype()])?; elementwise::clamp(t, lo, hi) }
    fn clamp_grad(&self, x: &Tensor, g: &Tensor, lo: f32, hi: f32) -> Result<Tensor> { check_computes("clamp_grad", &[x.dtype(), g.dtype()])?; elementwise::clamp_grad(x, g, lo, hi) }
    fn leaky_relu(&self, t: &Tensor, slope: f32) -> Result<Tensor> { check_computes("leaky_relu", &[t.dtype()])?; elementwise::leaky_relu(t, slope) }
    fn leaky_relu_grad(&self, x: &Tensor, g: &Tensor, slope: f32) -> Result<Tensor> { check_computes("leaky_relu_grad", &[x.dtype(), g.dtype()])?; elementwise::leaky_relu_grad(x, g, slope) }
    fn binary(&self, op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> { check_arith("binary", &[a.dtype(), b.dtype()])?; elementwise::binary(op, a, b) }
    fn binary_grad_term(&self, op: BinaryOp, side: usize, a: &Tensor, b: &Tensor, y: &Tensor) -> Result<Tensor> { check_computes("binary_grad_term", &[a.dtype(), b.dtype(), y.dtype()])?; elementwise::binary_grad_term(op, side, a, b, y) }
    fn where_(&self, c: &Tensor, a: &Tensor, b: &Tensor, shape: Vec<usize>) -> Result<Tensor> { index::where_(c, a, b, shape) }
    fn reduce(&self, op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>, correction: f64) -> Result<Tensor> { check_arith("reduce", &[t.dtype()])?; reduce::reduce(op, t, red, out_shape, correction) }
    fn prod_grad(&self, x: &Tensor, red: &[usize]) -> Result<Tensor> { check_computes("prod_grad", &[x.dtype()])?; reduce::prod_grad(x, red) }
    fn softmax(&self, t: &Tensor, d: usize, log: bool) -> Result<Tensor> { check_computes("softmax", &[t.dtype()])?; reduce::softmax(t, d, log) }
    fn cat(&self, ts: &[Tensor], d: usize, shape: Vec<usize>, dtype: DType) -> Result<Tensor> { index::cat(ts, d, shape, dtype) }
    fn index_select(&self, t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> { index::index_select(t, d, index) }
    fn gather(&self, t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> { index::gather(t, d, index) }
    fn scatter_add(&self, t: &Tensor, d: usize, index: &Tensor, src: &Tensor) -> Result<Tensor> { check_computes("scatter_add", &[t.dtype(), src.dtype()])?; index::scatter_add(t, d, index, src) }
    fn matmul(&self, a: &Tensor, b: &Tensor, batch: &[usize], out_shape: Vec<usize>) -> Result<Tensor> { check_arith("matmul", &[a.dtype(), b.dtype()])?; matmul::matmul(a, b, batch, out_shape) }
    fn conv2d(&self, x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &ConvGeom) -> Result<Tensor> { check_computes("conv2d", &[x.dtype(), w.dtype()])?; conv::conv2d(x, w, b, g) }
    fn conv2d_grad_input(&self, gy: &Tensor, w: &Tensor, g: &ConvGeom) -> Result<Tensor> { check_computes("conv2d_grad_input", &[gy.dtype(), w.dtype()])?; conv::grad_input(gy, w, g) }
    fn conv2d_grad_weight(&self, x: &Tensor, gy: &Tensor, g: &ConvGeom) -> Result<Tensor> { check_computes("conv2d_grad_weight", &[x.dtype(), gy.dtype()])?; conv::grad_weight(x, gy, g) }
    fn conv2d_grad_bias(&self, gy: &Tensor) -> Result<Tensor> { check_computes("conv2d_grad_bias", &[gy.dtype()])?; conv::grad_bias(gy) }
    fn conv_transpose2d(&self, x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &ConvGeom) -> Result<Tensor> { check_computes("conv_transpose2d", &[x.dtype(), w.dtype()])?; conv::conv_transpose2d(x, w, b, g) }
    fn max_pool2d(&self, x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<(Tensor, Tensor)> { check_computes("max_pool2d", &[x.dtype()])?; pool::max_pool2d(x, p, out_shape) }
    fn max_pool2d_backward(&self, g: &Tensor, idx: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> { check_computes("max_pool2d_backward", &[g.dtype(), idx.dtype()])?; pool::max_pool2d_backward(g, idx, p, in_shape) }
    fn avg_pool2d(&self, x: &Tensor, p: &PoolGeom, cip: bool, divisor: Option<usize>, out_shape: Vec<usize>) -> Result<Tensor> { check_computes("avg_pool2d", &[x.dtype()])?; pool::avg_pool2d(x, p, cip, divisor, out_shape) }
    fn avg_pool2d_backward(&self, g: &Tensor, p: &PoolGeom, cip: bool, divisor: Option<usize>, in_shape: Vec<usize>) -> Result<Tensor> { check_computes("avg_pool2d_backward", &[g.dtype()])?; pool::avg_pool2d_backward(g, p, cip, divisor, in_shape) }
    fn adaptive_avg_pool2d(&self, x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<Tensor> { check_computes("adaptive_avg_pool2d", &[x.dtype()])?; pool::adaptive_avg_pool2d(x, p, out_shape) }
    fn adaptive_avg_pool2d_backward(&self, g: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> { check_computes("adaptive_avg_pool2d_backward", &[g.dtype()])?; pool::adaptive_avg_pool2d_backward(g, p, in_shape) }
    fn upsample2d(&self, x: &Tensor, mode: ResizeMode, oh: usize, ow: usize, scales: [Option<f64>; 2]) -> Result<Tensor> { check_computes("upsample2d", &[x.dtype()])?; resize::upsample2d(x, mode, oh, ow, scales) }
    fn upsample2d_backward(&self, g: &Tensor, mode: ResizeMode, in_shape: Vec<usize>, scales: [Option<f64>; 2]) -> Result<Tensor> { check_computes("upsample2d_backward", &[g.dtype()])?; resize::upsample2d_backward(g, mode, in_shape, scales) }
    fn lstm_cell(&self, xg: &Tensor, hg: &Tensor, c: &Tensor) -> Result<Tensor> { rnn::lstm_cell(xg, hg, c) }
    fn lstm_cell_backward(&self, xg: &Tensor, hg: &Tensor, c: &Tensor, y: &Tensor, gy: &Tensor) -> Result<(Tensor, Tensor)> { check_computes("lstm_cell_backward", &[gy.dtype()])?; rnn::lstm_cell_backward(xg, hg, c, y, &memory::cast(gy, DType::F32)?) }
    fn gru_cell(&self, xg: &Tensor, hg: &Tensor, h: &Tensor) -> Result<Tensor> { rnn::gru_cell(xg, hg, h) }
    fn gru_cell_backward(&self, xg: &Tensor, hg: &Tensor, h: &Tensor, gy: &Tensor) -> Result<(Tensor, Tensor, Tensor)> { check_computes("gru_cell_backward", &[gy.dtype()])?; rnn::gru_cell_backward(xg, hg, h, &memory::cast(gy, DType::F32)?) }
    fn sgd(&self, param: &Tensor, grad: &Tensor, buf: Option<&Tensor>, init_buf: bool, h: &Sgd) -> Result<()> { check_computes("sgd", &[param.dtype(), grad.dtype()])?; optim::sgd(param, grad, buf, init_buf, h) }
    fn adam(&self, param: &Tensor, grad: &Tensor, m: &Tensor, v: &Tensor, vmax: Option<&Tensor>, h: &Adam) -> Result<()> { check_computes("adam", &[param.dtype(), grad.dtype(), m.dtype(), v.dtype()])?; optim::adam(param, grad, m, v, vmax, h) }
    fn rmsprop(&self, param: &Tensor, grad: &Tensor, sq: &Tensor, ga: Option<&Tensor>, mb: Option<&Tensor>, h: &RmsProp) -> Result<()> { check_computes("rmsprop", &[param.dtype(), grad.dtype(), sq.dtype()])?; optim::rmsprop(param, grad, sq, ga, mb, h) }
    fn adagrad(&self, param: &Tensor, grad: &Tensor, sum: &Tensor, h: &Adagrad) -> Result<()> { check_computes("adagrad", &[param.dtype(), grad.dtype(), sum.dtype()])?; optim::adagrad(param, grad, sum, h) }
}
