//! Host memory: reading a strided view in logical order, copies, casts.
use alloc::vec::Vec;

use crate::dtype::{DType, Elem};
use crate::error::Result;
use crate::iter::for_each_row;
use crate::storage::{try_with_capacity, Buffer};
use crate::tensor::Tensor;

/// Runs `f` on the elements in logical (row-major) order as one slice: borrowed in place
/// when the view is contiguous, gathered into a temporary otherwise.
pub fn with_contiguous<T: Elem, R>(t: &Tensor, f: impl FnOnce(&[T]) -> R) -> Result<R> {
    // An empty view may carry an offset past the end of its storage (a slice or select of
    // an empty tensor moves it by strides that never address anything): read nothing.
    if t.numel() == 0 {
        return Ok(f(&[]));
    }
    if t.is_contiguous() {
        let b = t.storage.buf.borrow();
        let s = T::try_slice(&b)?;
        return Ok(f(&s[t.offset..t.offset + t.numel()]));
    }
    let v = to_vec::<T>(t)?;
    Ok(f(&v))
}

/// Elements in logical order as a new vector. `T` must be this tensor's dtype.
pub fn to_vec<T: Elem>(t: &Tensor) -> Result<Vec<T>> {
    let mut out = try_with_capacity::<T>(t.numel())?;
    let b = t.storage.buf.borrow();
    let src = T::try_slice(&b)?;
    for_each_row(&t.shape, [&t.strides], [t.offset], |o, len, st| {
        if st[0] == 1 {
            out.extend_from_slice(&src[o[0]..o[0] + len]);
        } else {
            out.extend((0..len).map(|i| src[o[0] + i * st[0]]));
        }
    });
    Ok(out)
}

pub fn read(t: &Tensor) -> Result<Buffer> {
    Ok(crate::with_elem!(t.dtype(), T => T::into_buffer(to_vec::<T>(t)?)))
}

pub fn contiguous(t: &Tensor) -> Result<Tensor> {
    Ok(Tensor::from_buffer(read(t)?, t.shape.clone()))
}

/// Copies `src` (any strides) into `dst` laid out with `dst_strides` from `dst_off`.
pub fn copy_strided<T: Elem>(dst: &mut [T], dst_strides: &[usize], dst_off: usize, src: &Tensor) -> Result<()> {
    let b = src.storage.buf.borrow();
    let s = T::try_slice(&b)?;
    for_each_row(&src.shape, [&src.strides, dst_strides], [src.offset, dst_off], |o, len, st| {
        if st[0] == 1 && st[1] == 1 {
            dst[o[1]..o[1] + len].copy_from_slice(&s[o[0]..o[0] + len]);
        } else {
            for i in 0..len { dst[o[1] + i * st[1]] = s[o[0] + i * st[0]]; }
        }
    });
    Ok(())
}

/// dst[i] = src[i] over dst's view, src read with `ss` (broadcast strides).
pub fn copy_into(dst: &Tensor, src: &Tensor, ss: &[usize]) -> Result<()> {
    fn go<T: Elem>(dst: &Tensor, src: &Tensor, ss: &[usize]) -> Result<()> {
        let sb = src.storage.buf.borrow();
        let s = T::try_slice(&sb)?;
        let mut db = dst.storage.buf.borrow_mut();
        let d = T::slice_mut(&mut db);
        for_each_row(&dst.shape, [&dst.strides, ss], [dst.offset, src.offset], |o, len, st| {
            for i in 0..len { d[o[0] + i * st[0]] = s[o[1] + i * st[1]]; }
        });
        Ok(())
    }
    crate::with_elem!(dst.dtype(), T => go::<T>(dst, src, ss))
}

fn cast_to<S: Elem, D: Elem>(t: &Tensor, conv: impl Fn(S) -> D) -> Result<Tensor> {
    let mut out = try_with_capacity::<D>(t.numel())?;
    let b = t.storage.buf.borrow();
    let src = S::try_slice(&b)?;
    for_each_row(&t.shape, [&t.strides], [t.offset], |o, len, st| {
        out.extend((0..len).map(|i| conv(src[o[0] + i * st[0]])));
    });
    Ok(Tensor::from_vec(out, t.shape.clone()))
}

/// Every pair of dtypes, through `Wide` (ints exact as i64, floats as f64): see `Elem::from_wide`.
pub fn cast(t: &Tensor, dtype: DType) -> Result<Tensor> {
    if t.dtype() == dtype { return Ok(t.clone()); }
    crate::with_elem!(t.dtype(), S => crate::with_elem!(dtype, D => cast_to::<S, D>(t, |x| D::from_wide(x.to_wide()))))
}
