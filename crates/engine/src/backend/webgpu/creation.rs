//! Creation on the GPU: `full` is a kernel; arange, linspace and eye are built on the host by
//! the CPU backend (their f64 arithmetic has no WGSL counterpart) and uploaded.

use super::kernel::{empty, map, upload};
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

pub fn full(shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> {
    let out = empty(shape.to_vec(), dtype, "full")?;
    let (body, word) = match dtype {
        DType::F32 => ("pf(0u)", (value as f32).to_bits()),
        DType::I32 => ("pi(0u)", (value as i32) as u32),
        _ => ("pu(0u)", (value != 0.0) as u32),
    };
    map("full", &[], &out, body, &[word])?;
    Ok(out)
}

/// A CPU-built tensor, uploaded.
pub fn from_host(t: Result<Tensor>) -> Result<Tensor> {
    let t = t?;
    let shape = t.shape.clone();
    upload(&crate::backend::cpu::memory::read(&t)?, shape)
}
