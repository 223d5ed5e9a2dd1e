//! dtype casts (`t.to(dtype)`, `.float()`, `.int()`, `.bool()`).
use crate::dtype::{DType, Elem};
use crate::error::Result;
use crate::iter::for_each_row;
use crate::storage::try_with_capacity;
use crate::tensor::Tensor;

fn cast_to<S: Elem, D: Elem>(t: &Tensor, conv: impl Fn(S) -> D) -> Result<Tensor> {
    let mut out = try_with_capacity::<D>(t.numel())?;
    let b = t.storage.buf.borrow();
    let src = S::slice(&b);
    for_each_row(&t.shape, [&t.strides], [t.offset], |o, len, st| {
        out.extend((0..len).map(|i| conv(src[o[0] + i * st[0]])));
    });
    Ok(Tensor::from_vec(out, t.shape.clone()))
}

/// The same values as `dtype`; returns `t` itself (shared storage) when already that dtype.
pub fn cast(t: &Tensor, dtype: DType) -> Result<Tensor> {
    use DType::*;
    Ok(match (t.dtype(), dtype) {
        (a, b) if a == b => t.clone(),
        (F32, I32) => cast_to::<f32, i32>(t, |x| x.to_i32())?,
        (F32, Bool) => cast_to::<f32, u8>(t, |x| x.to_bool() as u8)?,
        (I32, F32) => cast_to::<i32, f32>(t, |x| x as f32)?,
        (I32, Bool) => cast_to::<i32, u8>(t, |x| (x != 0) as u8)?,
        (Bool, F32) => cast_to::<u8, f32>(t, |x| x as f32)?,
        (Bool, I32) => cast_to::<u8, i32>(t, |x| x as i32)?,
        _ => unreachable!(),
    })
}
