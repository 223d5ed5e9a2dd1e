//! Host memory: reading a strided view in logical order, copies, casts (over ranges on all
//! threads: each range writes its own elements).
use alloc::vec::Vec;

use super::elementwise::{fill_par, Rows, GRAIN};
use crate::dtype::{DType, Elem};
use crate::error::Result;
use crate::storage::{try_with_capacity, Buffer};
use crate::tensor::Tensor;
use kd_kernels::parallel::{parallel_for, SyncPtr};

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

/// Elements in logical order as a new vector, gathered over ranges on all threads.
/// `T` must be this tensor's dtype.
pub fn to_vec<T: Elem>(t: &Tensor) -> Result<Vec<T>> {
    let n = t.numel();
    if n == 0 { return try_with_capacity::<T>(0); }
    let b = t.storage.buf.borrow();
    let src = T::try_slice(&b)?;
    let rows = Rows::new(&t.shape, [&t.strides], [t.offset]);
    fill_par::<T>(n, rows.grain(GRAIN), |lo, hi, dst| rows.walk(lo, hi, |i, o, len, st| {
        let dst = &mut dst[i - lo..i - lo + len];
        if st[0] == 1 {
            for (d, &x) in dst.iter_mut().zip(&src[o[0]..o[0] + len]) { d.write(x); }
        } else {
            for (j, d) in dst.iter_mut().enumerate() { d.write(src[o[0] + j * st[0]]); }
        }
    }))
}

pub fn read(t: &Tensor) -> Result<Buffer> {
    Ok(crate::with_elem!(t.dtype(), T => T::into_buffer(to_vec::<T>(t)?)))
}

pub fn contiguous(t: &Tensor) -> Result<Tensor> {
    Ok(Tensor::from_buffer(read(t)?, t.shape.clone()))
}

/// Copies `src` (any strides) into `dst` laid out with `dst_strides` from `dst_off` (a layout
/// that gives every element of src its own place), over ranges on all threads.
pub fn copy_strided<T: Elem>(dst: &mut [T], dst_strides: &[usize], dst_off: usize, src: &Tensor) -> Result<()> {
    let b = src.storage.buf.borrow();
    copy_walk(&src.shape, (dst, dst_strides, dst_off), (T::try_slice(&b)?, &src.strides, src.offset));
    Ok(())
}

/// dst[i] = src[i] over dst's view, src read with `ss` (broadcast strides), over ranges of dst
/// on all threads (a view's elements have distinct places).
pub fn copy_into(dst: &Tensor, src: &Tensor, ss: &[usize]) -> Result<()> {
    fn go<T: Elem>(dst: &Tensor, src: &Tensor, ss: &[usize]) -> Result<()> {
        let sb = src.storage.buf.borrow();
        let s = T::try_slice(&sb)?;
        let mut db = dst.storage.buf.borrow_mut();
        copy_walk(&dst.shape, (T::slice_mut(&mut db), &dst.strides, dst.offset), (s, ss, src.offset));
        Ok(())
    }
    crate::with_elem!(dst.dtype(), T => go::<T>(dst, src, ss))
}

/// Every element of `shape`: its place in `dst` (strides, offset) gets its value in `src`
/// (strides, offset), over ranges on all threads. dst's strides must give each element its
/// own place.
fn copy_walk<T: Elem>(shape: &[usize], (dst, ds, doff): (&mut [T], &[usize], usize), (src, ss, soff): (&[T], &[usize], usize)) {
    let n: usize = shape.iter().product();
    if n == 0 { return; }
    let rows = Rows::new(shape, [ds, ss], [doff, soff]);
    let len_d = dst.len();
    let d = SyncPtr::new(dst);
    parallel_for(n, rows.grain(GRAIN), |lo, hi, _| rows.walk(lo, hi, |_, o, len, st| {
        assert!(len == 0 || o[0] + (len - 1) * st[0] < len_d);
        // SAFETY: in bounds (above); each element has its own place in dst, and each range
        // writes only its own elements' places.
        unsafe {
            if st[0] == 1 && st[1] == 1 {
                d.slice(o[0], o[0] + len).copy_from_slice(&src[o[1]..o[1] + len]);
            } else {
                for i in 0..len { *d.at(o[0] + i * st[0]) = src[o[1] + i * st[1]]; }
            }
        }
    }));
}

/// Over a contiguous read of t (gathered by to_vec when strided): one slice loop per dtype
/// pair keeps the 64 pairs' code small.
fn cast_to<S: Elem, D: Elem>(t: &Tensor, conv: impl Fn(S) -> D + Sync) -> Result<Tensor> {
    let out = with_contiguous::<S, _>(t, |src| fill_par::<D>(src.len(), GRAIN, |lo, hi, dst| {
        for (d, &x) in dst.iter_mut().zip(&src[lo..hi]) { d.write(conv(x)); }
    }))??;
    Ok(Tensor::from_vec(out, t.shape.clone()))
}

/// Every pair of dtypes, through `Wide` (ints exact as i64, floats as f64): see `Elem::from_wide`.
pub fn cast(t: &Tensor, dtype: DType) -> Result<Tensor> {
    if t.dtype() == dtype { return Ok(t.clone()); }
    crate::with_elem!(t.dtype(), S => crate::with_elem!(dtype, D => cast_to::<S, D>(t, |x| D::from_wide(x.to_wide()))))
}
