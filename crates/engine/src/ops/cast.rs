//! dtype casts (`t.to(dtype)`, `.float()`, `.int()`, `.bool()`): PyTorch's conversions
//! (float→int truncates toward zero, anything→bool is `!= 0`), computed by the backend.
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

/// The same values as `dtype`; returns `t` itself (shared storage) when already that dtype.
pub fn cast(t: &Tensor, dtype: DType) -> Result<Tensor> {
    if t.dtype() == dtype { return Ok(t.clone()); }
    crate::backend::of(t.device()).cast(t, dtype)
}
