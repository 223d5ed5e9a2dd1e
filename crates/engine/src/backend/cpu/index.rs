//! Moving elements by index: cat, index_select, gather, scatter_add, where.
use alloc::vec::Vec;

use super::memory::{copy_strided, to_vec};
use crate::dtype::{DType, Elem};
use crate::error::Result;
use crate::iter::for_each_row;
use crate::shape::{broadcast_strides, contiguous_strides, numel};
use crate::storage::alloc_vec;
use crate::tensor::Tensor;

fn cat_typed<T: Elem>(ts: &[Tensor], d: usize, shape: Vec<usize>) -> Result<Tensor> {
    let strides = contiguous_strides(&shape);
    let mut out = alloc_vec::<T>(numel(&shape))?;
    let mut at = 0;
    for t in ts {
        if t.numel() == 0 { at += t.shape.get(d).copied().unwrap_or(0); continue; }
        copy_strided(&mut out, &strides, at * strides[d], t)?;
        at += t.shape[d];
    }
    Ok(Tensor::from_vec(out, shape))
}

pub fn cat(ts: &[Tensor], d: usize, shape: Vec<usize>, dtype: DType) -> Result<Tensor> {
    crate::with_elem!(dtype, T => cat_typed::<T>(ts, d, shape))
}

/// Index values as usize after PyTorch's bounds check against t's size along d (negative
/// indices count from the end). The index is int32 or int64 (the op checked its dtype); int64
/// values are checked as int64, so one beyond int32 is an IndexError naming it, never wrapped.
fn checked_indices(t: &Tensor, d: usize, index: &Tensor) -> Result<Vec<usize>> {
    let size = if t.ndim() == 0 { 1 } else { t.shape[d] };
    let n = size as i64;
    let check = |i: i64| {
        if i < -n || i >= n { crate::error::bail!(Index, "index {} is out of bounds for dimension {} with size {}", i, d, size); }
        Ok(if i < 0 { i + n } else { i } as usize)
    };
    if index.dtype() == DType::I64 { return to_vec::<i64>(index)?.into_iter().map(check).collect(); }
    to_vec::<i32>(index)?.iter().map(|&i| check(i as i64)).collect()
}

fn index_select_typed<T: Elem>(t: &Tensor, d: usize, idx: &[usize]) -> Result<Tensor> {
    let mut shape = t.shape.clone();
    if t.ndim() > 0 { shape[d] = idx.len(); }
    let strides = contiguous_strides(&shape);
    let mut out = alloc_vec::<T>(numel(&shape))?;
    for (j, &i) in idx.iter().enumerate() {
        let src = if t.ndim() == 0 { t.clone() } else { t.select(d as i64, i as i64)? };
        let mut dst_strides = strides.clone();
        if t.ndim() > 0 { dst_strides.remove(d); }
        let off = if t.ndim() > 0 { j * strides[d] } else { 0 };
        copy_strided(&mut out, &dst_strides, off, &src)?;
    }
    Ok(Tensor::from_vec(out, shape))
}

pub fn index_select(t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> {
    let idx = checked_indices(t, d, index)?;
    crate::with_elem!(t.dtype(), T => index_select_typed::<T>(t, d, &idx))
}

/// Visits every multi-index of `shape` in row-major order.
fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize])) {
    if shape.iter().any(|&s| s == 0) { return; }
    let mut idx = alloc::vec![0usize; shape.len()];
    loop {
        f(&idx);
        let mut d = shape.len();
        loop {
            if d == 0 { return; }
            d -= 1;
            idx[d] += 1;
            if idx[d] < shape[d] { break; }
            idx[d] = 0;
        }
    }
}

fn gather_typed<T: Elem>(t: &Tensor, d: usize, index_shape: &[usize], idx: &[usize]) -> Result<Tensor> {
    let mut out = alloc_vec::<T>(numel(index_shape))?;
    let b = t.storage.buf.borrow();
    let s = T::try_slice(&b)?;
    let mut n = 0;
    for_each_index(index_shape, |ix| {
        let mut off = t.offset;
        for k in 0..t.ndim() { off += if k == d { idx[n] } else { ix[k] } * t.strides[k]; }
        out[n] = s[off];
        n += 1;
    });
    Ok(Tensor::from_vec(out, index_shape.to_vec()))
}

pub fn gather(t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> {
    let idx = checked_indices(t, d, index)?;
    crate::with_elem!(t.dtype(), T => gather_typed::<T>(t, d, &index.shape, &idx))
}

fn scatter_add_typed<T: Elem>(t: &Tensor, d: usize, index_shape: &[usize], idx: &[usize], src: &Tensor, add: impl Fn(T, T) -> T) -> Result<Tensor> {
    let mut out = to_vec::<T>(t)?;
    let strides = contiguous_strides(&t.shape);
    let b = src.storage.buf.borrow();
    let s = T::try_slice(&b)?;
    let mut n = 0;
    for_each_index(index_shape, |ix| {
        let mut off = 0;
        let mut soff = src.offset;
        for k in 0..t.ndim() { off += if k == d { idx[n] } else { ix[k] } * strides[k]; }
        // src is read at the index position (a 0-d t still takes each of a 1-d index's sources)
        for k in 0..index_shape.len().min(src.ndim()) { soff += ix[k] * src.strides[k]; }
        out[off] = add(out[off], s[soff]);
        n += 1;
    });
    Ok(Tensor::from_vec(out, t.shape.clone()))
}

pub fn scatter_add(t: &Tensor, d: usize, index: &Tensor, src: &Tensor) -> Result<Tensor> {
    let idx = checked_indices(t, d, index)?;
    let (index_shape, idx) = (&index.shape[..], &idx[..]);
    match t.dtype() {
        DType::F32 => scatter_add_typed::<f32>(t, d, index_shape, idx, src, |a, b| a + b),
        DType::I32 => scatter_add_typed::<i32>(t, d, index_shape, idx, src, |a, b| a.wrapping_add(b)),
        DType::Bool => scatter_add_typed::<u8>(t, d, index_shape, idx, src, |a, b| a | b),
        other => { crate::dtype::check_computes("scatter_add", &[other])?; unreachable!() }
    }
}

fn where_typed<T: Elem>(c: &Tensor, a: &Tensor, b: &Tensor, shape: Vec<usize>) -> Result<Tensor> {
    let sc = broadcast_strides(&c.shape, &c.strides, &shape);
    let sa = broadcast_strides(&a.shape, &a.strides, &shape);
    let sb = broadcast_strides(&b.shape, &b.strides, &shape);
    let so = contiguous_strides(&shape);
    let mut out = alloc_vec::<T>(numel(&shape))?;
    let (bc, ba, bb) = (c.storage.buf.borrow(), a.storage.buf.borrow(), b.storage.buf.borrow());
    let (xc, xa, xb) = (u8::try_slice(&bc)?, T::try_slice(&ba)?, T::try_slice(&bb)?);
    for_each_row(&shape, [&sc, &sa, &sb, &so], [c.offset, a.offset, b.offset, 0], |o, len, st| {
        for i in 0..len {
            out[o[3] + i] = if xc[o[0] + i * st[0]] != 0 { xa[o[1] + i * st[1]] } else { xb[o[2] + i * st[2]] };
        }
    });
    Ok(Tensor::from_vec(out, shape))
}

pub fn where_(c: &Tensor, a: &Tensor, b: &Tensor, shape: Vec<usize>) -> Result<Tensor> {
    crate::with_elem!(a.dtype(), T => where_typed::<T>(c, a, b, shape))
}
