//! The WebGPU device, until its backend is built: every op answers a named Device error, so
//! `Device::WebGpu` is a real device that supports nothing (and says so), never a trap.
use alloc::vec::Vec;

use super::{Backend, ConvGeom, PoolGeom};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use crate::ops::binary::BinaryOp;
use crate::ops::optim::{Adagrad, Adam, RmsProp, Sgd};
use crate::ops::reduce::ReduceOp;
use crate::ops::resize::ResizeMode;
use crate::ops::unary::UnaryOp;
use crate::storage::Buffer;
use crate::tensor::Tensor;

pub struct WebGpu;

fn no<T>(op: &str) -> Result<T> {
    Err(Error { kind: ErrorKind::Device, msg: alloc::format!("{} is not supported on webgpu: no WebGPU backend is built", op) })
}

impl Backend for WebGpu {
    fn name(&self) -> &'static str { "webgpu" }
    fn supports(&self, _: &str) -> bool { false }
    fn read(&self, _: &Tensor) -> Result<Buffer> { no("read") }
    fn write(&self, _: Buffer, _: Vec<usize>) -> Result<Tensor> { no("write") }
    fn contiguous(&self, _: &Tensor) -> Result<Tensor> { no("contiguous") }
    fn copy_into(&self, _: &Tensor, _: &Tensor, _: &[usize]) -> Result<()> { no("copy_") }
    fn cast(&self, _: &Tensor, _: DType) -> Result<Tensor> { no("to") }
    fn full(&self, _: &[usize], _: f64, _: DType) -> Result<Tensor> { no("full") }
    fn arange(&self, _: f64, _: f64, _: usize, _: DType) -> Result<Tensor> { no("arange") }
    fn linspace(&self, _: f64, _: f64, _: usize) -> Result<Tensor> { no("linspace") }
    fn eye(&self, _: usize, _: usize, _: DType) -> Result<Tensor> { no("eye") }
    fn unary(&self, op: UnaryOp, _: &Tensor, _: bool) -> Result<Tensor> { no(crate::ops::unary::UNARY[op as usize].0) }
    fn unary_grad(&self, op: UnaryOp, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<Option<Tensor>> { no(crate::ops::unary::UNARY[op as usize].0) }
    fn clamp(&self, _: &Tensor, _: Option<f64>, _: Option<f64>) -> Result<Tensor> { no("clamp") }
    fn clamp_grad(&self, _: &Tensor, _: &Tensor, _: f32, _: f32) -> Result<Tensor> { no("clamp backward") }
    fn leaky_relu(&self, _: &Tensor, _: f32) -> Result<Tensor> { no("leaky_relu") }
    fn leaky_relu_grad(&self, _: &Tensor, _: &Tensor, _: f32) -> Result<Tensor> { no("leaky_relu backward") }
    fn binary(&self, op: BinaryOp, _: &Tensor, _: &Tensor) -> Result<Tensor> { no(crate::ops::binary::BINARY[op as usize].0) }
    fn binary_grad_term(&self, op: BinaryOp, _: usize, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<Tensor> { no(crate::ops::binary::BINARY[op as usize].0) }
    fn where_(&self, _: &Tensor, _: &Tensor, _: &Tensor, _: Vec<usize>) -> Result<Tensor> { no("where") }
    fn reduce(&self, _: ReduceOp, _: &Tensor, _: &[usize], _: Vec<usize>, _: f64) -> Result<Tensor> { no("reduce") }
    fn prod_grad(&self, _: &Tensor, _: &[usize]) -> Result<Tensor> { no("prod backward") }
    fn softmax(&self, _: &Tensor, _: usize, _: bool) -> Result<Tensor> { no("softmax") }
    fn cat(&self, _: &[Tensor], _: usize, _: Vec<usize>, _: DType) -> Result<Tensor> { no("cat") }
    fn index_select(&self, _: &Tensor, _: usize, _: &Tensor) -> Result<Tensor> { no("index_select") }
    fn gather(&self, _: &Tensor, _: usize, _: &Tensor) -> Result<Tensor> { no("gather") }
    fn scatter_add(&self, _: &Tensor, _: usize, _: &Tensor, _: &Tensor) -> Result<Tensor> { no("scatter_add") }
    fn matmul(&self, _: &Tensor, _: &Tensor, _: &[usize], _: Vec<usize>) -> Result<Tensor> { no("matmul") }
    fn conv2d(&self, _: &Tensor, _: &Tensor, _: Option<&Tensor>, _: &ConvGeom) -> Result<Tensor> { no("conv2d") }
    fn conv2d_grad_input(&self, _: &Tensor, _: &Tensor, _: &ConvGeom) -> Result<Tensor> { no("conv2d backward (input)") }
    fn conv2d_grad_weight(&self, _: &Tensor, _: &Tensor, _: &ConvGeom) -> Result<Tensor> { no("conv2d backward (weight)") }
    fn conv2d_grad_bias(&self, _: &Tensor) -> Result<Tensor> { no("conv2d backward (bias)") }
    fn conv_transpose2d(&self, _: &Tensor, _: &Tensor, _: Option<&Tensor>, _: &ConvGeom) -> Result<Tensor> { no("conv_transpose2d") }
    fn max_pool2d(&self, _: &Tensor, _: &PoolGeom, _: Vec<usize>) -> Result<(Tensor, Tensor)> { no("max_pool2d") }
    fn max_pool2d_backward(&self, _: &Tensor, _: &Tensor, _: &PoolGeom, _: Vec<usize>) -> Result<Tensor> { no("max_pool2d backward") }
    fn avg_pool2d(&self, _: &Tensor, _: &PoolGeom, _: bool, _: Option<usize>, _: Vec<usize>) -> Result<Tensor> { no("avg_pool2d") }
    fn avg_pool2d_backward(&self, _: &Tensor, _: &PoolGeom, _: bool, _: Option<usize>, _: Vec<usize>) -> Result<Tensor> { no("avg_pool2d backward") }
    fn adaptive_avg_pool2d(&self, _: &Tensor, _: &PoolGeom, _: Vec<usize>) -> Result<Tensor> { no("adaptive_avg_pool2d") }
    fn adaptive_avg_pool2d_backward(&self, _: &Tensor, _: &PoolGeom, _: Vec<usize>) -> Result<Tensor> { no("adaptive_avg_pool2d backward") }
    fn upsample2d(&self, _: &Tensor, _: ResizeMode, _: usize, _: usize, _: [Option<f64>; 2]) -> Result<Tensor> { no("interpolate") }
    fn upsample2d_backward(&self, _: &Tensor, _: ResizeMode, _: Vec<usize>, _: [Option<f64>; 2]) -> Result<Tensor> { no("interpolate backward") }
    fn lstm_cell(&self, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<Tensor> { no("lstm_cell") }
    fn lstm_cell_backward(&self, _: &Tensor, _: &Tensor, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<(Tensor, Tensor)> { no("lstm_cell backward") }
    fn gru_cell(&self, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<Tensor> { no("gru_cell") }
    fn gru_cell_backward(&self, _: &Tensor, _: &Tensor, _: &Tensor, _: &Tensor) -> Result<(Tensor, Tensor, Tensor)> { no("gru_cell backward") }
    fn sgd(&self, _: &Tensor, _: &Tensor, _: Option<&Tensor>, _: bool, _: &Sgd) -> Result<()> { no("sgd") }
    fn adam(&self, _: &Tensor, _: &Tensor, _: &Tensor, _: &Tensor, _: Option<&Tensor>, _: &Adam) -> Result<()> { no("adam") }
    fn rmsprop(&self, _: &Tensor, _: &Tensor, _: &Tensor, _: Option<&Tensor>, _: Option<&Tensor>, _: &RmsProp) -> Result<()> { no("rmsprop") }
    fn adagrad(&self, _: &Tensor, _: &Tensor, _: &Tensor, _: &Adagrad) -> Result<()> { no("adagrad") }
}
