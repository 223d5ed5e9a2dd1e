//! Ops that move elements by index: cat, index_select, gather, scatter_add, where, masked_fill.
use alloc::vec::Vec;

use crate::dtype::{DType, Elem};
use crate::error::{bail, Result};
use crate::iter::for_each_row;
use crate::ops::cast::cast;
use crate::shape::{broadcast_shapes, broadcast_strides, contiguous_strides, fmt_shape, numel, wrap_dim};
use crate::storage::alloc_vec;
use crate::tensor::Tensor;

/// Copies `src` (any strides) into `dst` laid out with `dst_strides` from `dst_off`.
fn copy_strided<T: Elem>(dst: &mut [T], dst_strides: &[usize], dst_off: usize, src: &Tensor) {
    let b = src.storage.buf.borrow();
    let s = T::slice(&b);
    for_each_row(&src.shape, [&src.strides, dst_strides], [src.offset, dst_off], |o, len, st| {
        if st[0] == 1 && st[1] == 1 {
            dst[o[1]..o[1] + len].copy_from_slice(&s[o[0]..o[0] + len]);
        } else {
            for i in 0..len { dst[o[1] + i * st[1]] = s[o[0] + i * st[0]]; }
        }
    });
}

fn cat_typed<T: Elem>(ts: &[Tensor], d: usize, shape: Vec<usize>) -> Result<Tensor> {
    let strides = contiguous_strides(&shape);
    let mut out = alloc_vec::<T>(numel(&shape))?;
    let mut at = 0;
    for t in ts {
        if t.numel() == 0 { at += t.shape.get(d).copied().unwrap_or(0); continue; }
        copy_strided(&mut out, &strides, at * strides[d], t);
        at += t.shape[d];
    }
    Ok(Tensor::from_vec(out, shape))
}

pub fn cat(ts: &[Tensor], dim: i64) -> Result<Tensor> {
    if ts.is_empty() { bail!(Value, "torch.cat(): expected a non-empty list of Tensors"); }
    // Legacy rule kept by PyTorch: 1-D empty tensors are skipped whatever their shape.
    let live: Vec<Tensor> = ts.iter().filter(|t| !(t.ndim() == 1 && t.shape[0] == 0)).cloned().collect();
    if live.is_empty() { return Ok(ts[0].clone()); }
    let first = &live[0];
    if first.ndim() == 0 { bail!(Shape, "zero-dimensional tensor (at position 0) cannot be concatenated"); }
    let d = wrap_dim(dim, first.ndim())?;
    let mut dtype = first.dtype();
    let mut shape = first.shape.clone();
    shape[d] = 0;
    for (i, t) in live.iter().enumerate() {
        first.check_device(t, "cat")?;
        if t.ndim() != first.ndim() {
            bail!(Shape, "Tensors must have same number of dimensions: got {} and {}", first.ndim(), t.ndim());
        }
        for k in 0..t.ndim() {
            if k != d && t.shape[k] != first.shape[k] {
                bail!(Shape, "Sizes of tensors must match except in dimension {}. Expected size {} but got size {} for tensor number {} in the list.", d, first.shape[k], t.shape[k], i);
            }
        }
        shape[d] += t.shape[d];
        dtype = DType::promote(dtype, t.dtype());
    }
    let cast_all: Vec<Tensor> = live.iter().map(|t| cast(t, dtype)).collect::<Result<_>>()?;
    match dtype {
        DType::F32 => cat_typed::<f32>(&cast_all, d, shape),
        DType::I32 => cat_typed::<i32>(&cast_all, d, shape),
        DType::Bool => cat_typed::<u8>(&cast_all, d, shape),
    }
}

/// Index values as usize after bounds checks against `size` (negative indices wrap).
fn checked_indices(index: &Tensor, size: usize, dim: usize, op: &str) -> Result<Vec<usize>> {
    if index.dtype() != DType::I32 {
        bail!(DType, "{}(): Expected dtype int32 for index, got {}", op, index.dtype().name());
    }
    let raw = index.to_vec::<i32>()?;
    let n = size as i64;
    raw.iter().map(|&i| {
        let i = i as i64;
        if i < -n || i >= n { bail!(Index, "index {} is out of bounds for dimension {} with size {}", i, dim, size); }
        Ok(if i < 0 { i + n } else { i } as usize)
    }).collect()
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
        copy_strided(&mut out, &dst_strides, off, &src);
    }
    Ok(Tensor::from_vec(out, shape))
}

pub fn index_select(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    t.check_device(index, "index_select")?;
    if index.ndim() > 1 { bail!(Index, "index_select(): Index is supposed to be a vector, got a {}-D tensor", index.ndim()); }
    let d = wrap_dim(dim, t.ndim())?;
    let size = if t.ndim() == 0 { 1 } else { t.shape[d] };
    let idx = checked_indices(index, size, d, "index_select")?;
    if t.ndim() == 0 && idx.len() != 1 {
        bail!(Index, "index_select(): Index to scalar can have only 1 value, got {} value(s)", idx.len());
    }
    match t.dtype() {
        DType::F32 => index_select_typed::<f32>(t, d, &idx),
        DType::I32 => index_select_typed::<i32>(t, d, &idx),
        DType::Bool => index_select_typed::<u8>(t, d, &idx),
    }
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

fn check_gather_shapes(t: &Tensor, d: usize, index: &Tensor, op: &str) -> Result<()> {
    if index.ndim() != t.ndim() && !(t.ndim() == 0 && index.ndim() <= 1) {
        bail!(Shape, "{}(): Index tensor must have the same number of dimensions as input tensor", op);
    }
    for k in 0..index.ndim().min(t.ndim()) {
        if k != d && index.shape[k] > t.shape[k] {
            bail!(Shape, "Size does not match at dimension {} expected index {} to be smaller than self {} apart from dimension {}", k, fmt_shape(&index.shape), fmt_shape(&t.shape), d);
        }
    }
    Ok(())
}

fn gather_typed<T: Elem>(t: &Tensor, d: usize, index: &Tensor, idx: &[usize]) -> Result<Tensor> {
    let mut out = alloc_vec::<T>(index.numel())?;
    let b = t.storage.buf.borrow();
    let s = T::slice(&b);
    let mut n = 0;
    for_each_index(&index.shape, |ix| {
        let mut off = t.offset;
        for k in 0..t.ndim() { off += if k == d { idx[n] } else { ix[k] } * t.strides[k]; }
        out[n] = s[off];
        n += 1;
    });
    Ok(Tensor::from_vec(out, index.shape.clone()))
}

pub fn gather(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    t.check_device(index, "gather")?;
    let d = wrap_dim(dim, t.ndim())?;
    check_gather_shapes(t, d, index, "gather")?;
    let size = if t.ndim() == 0 { 1 } else { t.shape[d] };
    let idx = checked_indices(index, size, d, "gather")?;
    match t.dtype() {
        DType::F32 => gather_typed::<f32>(t, d, index, &idx),
        DType::I32 => gather_typed::<i32>(t, d, index, &idx),
        DType::Bool => gather_typed::<u8>(t, d, index, &idx),
    }
}

/// out = t.clone(); out[index[i][j]][j] += src[i][j] (dim 0 shown). Float only.
pub fn scatter_add(t: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> {
    t.check_device(index, "scatter_add")?;
    t.check_device(src, "scatter_add")?;
    let d = wrap_dim(dim, t.ndim())?;
    check_gather_shapes(t, d, index, "scatter_add")?;
    if src.ndim() != index.ndim() && !(t.ndim() == 0 && src.ndim() <= 1) {
        bail!(Shape, "scatter_add(): Index tensor must have the same number of dimensions as src tensor");
    }
    for k in 0..index.ndim() {
        if index.shape[k] > src.shape.get(k).copied().unwrap_or(1) {
            bail!(Shape, "scatter_add(): Expected index {} to be smaller than src {} apart from dimension {}", fmt_shape(&index.shape), fmt_shape(&src.shape), d);
        }
    }
    let size = if t.ndim() == 0 { 1 } else { t.shape[d] };
    let idx = checked_indices(index, size, d, "scatter_add")?;
    // The result keeps self's dtype, as torch's (int stays int).
    let src = cast(src, t.dtype())?;
    match t.dtype() {
        DType::F32 => scatter_add_typed::<f32>(t, d, index, &idx, &src, |a, b| a + b),
        DType::I32 => scatter_add_typed::<i32>(t, d, index, &idx, &src, |a, b| a.wrapping_add(b)),
        DType::Bool => scatter_add_typed::<u8>(t, d, index, &idx, &src, |a, b| a | b),
    }
}

fn scatter_add_typed<T: Elem>(t: &Tensor, d: usize, index: &Tensor, idx: &[usize], src: &Tensor, add: impl Fn(T, T) -> T) -> Result<Tensor> {
    let mut out = t.to_vec::<T>()?;
    let strides = contiguous_strides(&t.shape);
    let b = src.storage.buf.borrow();
    let s = T::slice(&b);
    let mut n = 0;
    for_each_index(&index.shape, |ix| {
        let mut off = 0;
        let mut soff = src.offset;
        for k in 0..t.ndim() {
            off += if k == d { idx[n] } else { ix[k] } * strides[k];
            soff += ix[k] * src.strides[k];
        }
        out[off] = add(out[off], s[soff]);
        n += 1;
    });
    Ok(Tensor::from_vec(out, t.shape.clone()))
}

fn where_typed<T: Elem>(c: &Tensor, a: &Tensor, b: &Tensor, shape: Vec<usize>) -> Result<Tensor> {
    let sc = broadcast_strides(&c.shape, &c.strides, &shape);
    let sa = broadcast_strides(&a.shape, &a.strides, &shape);
    let sb = broadcast_strides(&b.shape, &b.strides, &shape);
    let so = contiguous_strides(&shape);
    let mut out = alloc_vec::<T>(numel(&shape))?;
    let (bc, ba, bb) = (c.storage.buf.borrow(), a.storage.buf.borrow(), b.storage.buf.borrow());
    let (xc, xa, xb) = (u8::slice(&bc), T::slice(&ba), T::slice(&bb));
    for_each_row(&shape, [&sc, &sa, &sb, &so], [c.offset, a.offset, b.offset, 0], |o, len, st| {
        for i in 0..len {
            out[o[3] + i] = if xc[o[0] + i * st[0]] != 0 { xa[o[1] + i * st[1]] } else { xb[o[2] + i * st[2]] };
        }
    });
    Ok(Tensor::from_vec(out, shape))
}

pub fn where_(cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    cond.check_device(a, "where")?;
    cond.check_device(b, "where")?;
    if cond.dtype() != DType::Bool {
        bail!(DType, "where expected condition to be a boolean tensor, but got a tensor with dtype {}", cond.dtype().name());
    }
    let shape = broadcast_shapes(&broadcast_shapes(&cond.shape, &a.shape)?, &b.shape)?;
    let dt = DType::promote(a.dtype(), b.dtype());
    let (a, b) = (cast(a, dt)?, cast(b, dt)?);
    match dt {
        DType::F32 => where_typed::<f32>(cond, &a, &b, shape),
        DType::I32 => where_typed::<i32>(cond, &a, &b, shape),
        DType::Bool => where_typed::<u8>(cond, &a, &b, shape),
    }
}

/// t with `value` wherever `mask` (broadcast to t's shape) is true; keeps t's dtype.
pub fn masked_fill(t: &Tensor, mask: &Tensor, value: f64) -> Result<Tensor> {
    if mask.dtype() != DType::Bool {
        bail!(DType, "masked_fill_ only supports boolean masks, but got mask with dtype {}", mask.dtype().name());
    }
    // Out of place, torch broadcasts both ways: the result has the broadcast shape.
    broadcast_shapes(&t.shape, &mask.shape)?;
    let v = match t.dtype() {
        DType::F32 => Tensor::from_vec(alloc::vec![value as f32], alloc::vec![]),
        DType::I32 => Tensor::from_vec(alloc::vec![value as i32], alloc::vec![]),
        DType::Bool => Tensor::from_vec(alloc::vec![(value != 0.0) as u8], alloc::vec![]),
    };
    where_(mask, &v, t)
}

/// Writes `src` (broadcast to dst's shape, cast to dst's dtype) into the view `dst`, in place
/// (torch's copy_). Bumps the storage version so autograd notices.
pub fn copy_into(dst: &Tensor, src: &Tensor) -> Result<()> {
    dst.check_device(src, "copy_")?;
    let shape = broadcast_shapes(&dst.shape, &src.shape)?;
    if shape != dst.shape {
        bail!(Shape, "output with shape {} doesn't match the broadcast shape {}", fmt_shape(&dst.shape), fmt_shape(&shape));
    }
    // A broadcast view (stride 0) would take several values in one element: torch refuses it,
    // except for filling in a single value.
    if src.numel() != 1 && dst.shape.iter().zip(&dst.strides).any(|(&n, &s)| n > 1 && s == 0) {
        bail!(Value, "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.");
    }
    let mut src = cast(src, dst.dtype())?;
    if alloc::rc::Rc::ptr_eq(&src.storage, &dst.storage) { src = src.deep_copy()?; }
    let ss = broadcast_strides(&src.shape, &src.strides, &shape);
    fn go<T: Elem>(dst: &Tensor, src: &Tensor, ss: &[usize]) {
        let sb = src.storage.buf.borrow();
        let s = T::slice(&sb);
        let mut db = dst.storage.buf.borrow_mut();
        let d = T::slice_mut(&mut db);
        for_each_row(&dst.shape, [&dst.strides, ss], [dst.offset, src.offset], |o, len, st| {
            for i in 0..len { d[o[0] + i * st[0]] = s[o[1] + i * st[1]]; }
        });
    }
    match dst.dtype() {
        DType::F32 => go::<f32>(dst, &src, &ss),
        DType::I32 => go::<i32>(dst, &src, &ss),
        DType::Bool => go::<u8>(dst, &src, &ss),
    }
    dst.storage.version.set(dst.storage.version.get().wrapping_add(1));
    Ok(())
}

// ---- autograd -------------------------------------------------------------------------------

use crate::autograd::{record, Saved};

pub fn cat_apply(ts: &[Tensor], dim: i64) -> Result<Tensor> {
    let y = cat(ts, dim)?;
    if !y.dtype().is_float() { return Ok(y); }
    let d = wrap_dim(dim, y.ndim())? as i64;
    // None: a legacy 1-D empty input, skipped by the forward; its gradient is empty too.
    let sizes: Vec<Option<usize>> = ts.iter().map(|t| if t.ndim() == 1 && t.shape[0] == 0 { None } else { Some(t.shape[d as usize]) }).collect();
    let refs: Vec<&Tensor> = ts.iter().collect();
    Ok(record("cat", &refs, y, move |g| {
        let mut at = 0i64;
        sizes.iter().map(|&s| {
            let Some(s) = s else { return Ok(Some(Tensor::zeros(&[0], DType::F32)?)) };
            let piece = g.slice(d, at, at + s as i64, 1)?;
            at += s as i64;
            Ok(Some(piece))
        }).collect()
    }))
}

/// An index tensor for `dim` of `shape`: idx along dim, broadcast along the others.
fn spread_index(idx: &Tensor, shape: &[usize], dim: usize) -> Result<Tensor> {
    let mut view = alloc::vec![1i64; shape.len()];
    view[dim] = idx.numel() as i64;
    idx.reshape(&view)?.expand(&shape.iter().map(|&s| s as i64).collect::<Vec<_>>())?.contiguous()
}

pub fn index_select_apply(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    let y = index_select(t, dim, index)?;
    if !y.dtype().is_float() { return Ok(y); }
    let shape = t.shape.clone();
    let idx = index.detach();
    Ok(record("index_select", &[t], y, move |g| {
        if shape.is_empty() { return Ok(alloc::vec![Some(crate::ops::prim::sum_to(g, &shape)?)]); }
        let d = wrap_dim(dim, shape.len())?;
        let full = spread_index(&idx, &g.shape, d)?;
        Ok(alloc::vec![Some(scatter_add(&Tensor::zeros(&shape, DType::F32)?, d as i64, &full, g)?)])
    }))
}

pub fn gather_apply(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    let y = gather(t, dim, index)?;
    if !y.dtype().is_float() { return Ok(y); }
    let shape = t.shape.clone();
    let idx = index.detach();
    Ok(record("gather", &[t], y, move |g| Ok(alloc::vec![Some(scatter_add(&Tensor::zeros(&shape, DType::F32)?, dim, &idx, g)?)])))
}

pub fn scatter_add_apply(t: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> {
    let y = scatter_add(t, dim, index, src)?;
    if !y.dtype().is_float() { return Ok(y); } // an int self gives an int result: no gradient
    let idx = index.detach();
    let need_src = src.requires_grad();
    Ok(record("scatter_add", &[t, src], y, move |g| {
        Ok(alloc::vec![Some(g.clone()), if need_src { Some(gather(g, dim, &idx)?) } else { None }])
    }))
}

pub fn where_apply(cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let y = where_(cond, a, b)?;
    if !y.dtype().is_float() { return Ok(y); }
    let c = Saved::new(cond);
    let (sha, shb) = (a.shape.clone(), b.shape.clone());
    Ok(record("where", &[a, b], y, move |g| {
        let z = crate::ops::prim::scalar(0.0);
        let c = c.get()?;
        Ok(alloc::vec![
            Some(crate::ops::prim::sum_to(&where_(c, g, &z)?, &sha)?),
            Some(crate::ops::prim::sum_to(&where_(c, &z, g)?, &shb)?),
        ])
    }))
}

pub fn masked_fill_apply(t: &Tensor, mask: &Tensor, value: f64) -> Result<Tensor> {
    let y = masked_fill(t, mask, value)?;
    if !y.dtype().is_float() { return Ok(y); }
    let m = Saved::new(mask);
    let sh = t.shape.clone();
    Ok(record("masked_fill", &[t], y, move |g| {
        Ok(alloc::vec![Some(crate::ops::prim::sum_to(&where_(m.get()?, &crate::ops::prim::scalar(0.0), g)?, &sh)?)])
    }))
}
