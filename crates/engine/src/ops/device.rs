//! Moving a tensor between devices (torch's .to(device)).
use crate::backend::{self, Device};
use crate::error::{bail, Result};
use crate::tensor::Tensor;

/// `t` on `device`: itself when it is there already, else a contiguous copy there. A GPU →
/// CPU move is a readback, which is asynchronous in WebGPU: the TS layer does it (toAsync).
/// The copy does not record autograd: parameters move as leaves (Module.to).
pub fn to_device(t: &Tensor, device: Device) -> Result<Tensor> {
    if t.device() == device { return Ok(t.clone()); }
    if t.device() != Device::Cpu {
        bail!(Device, "moving a {} tensor to the {} reads it back, which is asynchronous: use await t.toAsync(\"{}\")", t.device().name(), device.name(), device.name());
    }
    let data = backend::of(Device::Cpu).read(t)?;
    backend::of(device).write(data, t.shape.to_vec())
}
