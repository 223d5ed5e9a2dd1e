//! Moving data: host → GPU, copies between views, casts. Reads back to the host are the
//! TypeScript layer's (an awaited mapAsync on the buffer `kd_gpu_buffer` names), so `read`
//! here is a Device error naming the awaited method.
use alloc::vec::Vec;

use super::kernel::{empty, map, upload, Operand};
use crate::dtype::DType;
use crate::error::{err, Result};
use crate::storage::Buffer;
use crate::tensor::Tensor;

pub fn read(_: &Tensor) -> Result<Buffer> {
    Err(err!(Device, "a webgpu tensor cannot be read synchronously; use await t.data() (or move it with await t.toAsync(\"cpu\"))"))
}

pub fn write(data: Buffer, shape: Vec<usize>) -> Result<Tensor> { upload(&data, shape) }

pub fn contiguous(t: &Tensor) -> Result<Tensor> {
    let out = empty(t.shape.clone(), t.dtype(), "contiguous")?;
    map("copy", &[Operand::new(t, &t.shape, "x", "")?], &out, "x", &[])?;
    Ok(out)
}

pub fn copy_into(dst: &Tensor, src: &Tensor, ss: &[usize]) -> Result<()> {
    map("copy", &[Operand::strided(src, ss, "x")?], dst, "x", &[])
}

/// torch's casts among float32, int32 and bool: float → int truncates (NaN → 0, out of range
/// saturates, as the CPU does), anything → bool is `!= 0`.
pub fn cast(t: &Tensor, dtype: DType) -> Result<Tensor> {
    if t.dtype() == dtype { return Ok(t.clone()); }
    let out = empty(t.shape.clone(), dtype, "to")?;
    let (load, body) = match (t.dtype(), dtype) {
        (DType::F32, DType::I32) => ("", "select(i32(clamp(x, -2147483648.0, 2147483520.0)), 0, isnan_t(x))"),
        (DType::F32, DType::Bool) => ("", "select(0u, 1u, truthy_t(x))"),
        (DType::I32, DType::Bool) => ("", "select(0u, 1u, x != 0)"),
        (_, DType::F32) => ("f32", "x"),
        (_, DType::I32) => ("i32", "x"),
        (a, b) => return Err(err!(Device, "a cast from {} to {} is not supported on webgpu", a.name(), b.name())),
    };
    map("cast", &[Operand::new(t, &t.shape, "x", load)?], &out, body, &[])?;
    Ok(out)
}
