//! Ops that move elements by index: cat, index_select, gather, scatter_add, where, masked_fill,
//! copy_: checks, PyTorch's messages and backward rules (the backend moves the elements).
use alloc::vec::Vec;

use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::ops::cast::cast;
use crate::shape::{broadcast_shapes, broadcast_strides, fmt_shape, wrap_dim};
use crate::tensor::Tensor;

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
    crate::backend::of(first.device()).cat(&cast_all, d, shape.into(), dtype)
}

/// The index's dtype: int32, or int64 (PyTorch's default integer). Its values are data, checked
/// by the backend against the size as int64 (dtype.rs's index range rule: nothing wraps).
fn check_index_dtype(index: &Tensor, op: &str) -> Result<()> {
    if !matches!(index.dtype(), DType::I32 | DType::I64) {
        bail!(DType, "{}(): Expected dtype int32 or int64 for index, got {}", op, index.dtype().name());
    }
    Ok(())
}

pub fn index_select(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    t.check_device(index, "index_select")?;
    if index.ndim() > 1 { bail!(Index, "index_select(): Index is supposed to be a vector, got a {}-D tensor", index.ndim()); }
    let d = wrap_dim(dim, t.ndim())?;
    check_index_dtype(index, "index_select")?;
    if t.ndim() == 0 && index.numel() != 1 {
        bail!(Index, "index_select(): Index to scalar can have only 1 value, got {} value(s)", index.numel());
    }
    crate::backend::on(&[t, index]).index_select(t, d, index)
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

pub fn gather(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    t.check_device(index, "gather")?;
    let d = wrap_dim(dim, t.ndim())?;
    check_gather_shapes(t, d, index, "gather")?;
    check_index_dtype(index, "gather")?;
    crate::backend::on(&[t, index]).gather(t, d, index)
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
    check_index_dtype(index, "scatter_add")?;
    // The result keeps self's dtype, as torch's (int stays int).
    let src = cast(src, t.dtype())?;
    crate::backend::on(&[t, index, &src]).scatter_add(t, d, index, &src)
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
    crate::backend::on(&[cond, &a, &b]).where_(cond, &a, &b, shape.into())
}

/// t with `value` wherever `mask` (broadcast to t's shape) is true; keeps t's dtype.
pub fn masked_fill(t: &Tensor, mask: &Tensor, value: f64) -> Result<Tensor> {
    if mask.dtype() != DType::Bool {
        bail!(DType, "masked_fill_ only supports boolean masks, but got mask with dtype {}", mask.dtype().name());
    }
    // Out of place, torch broadcasts both ways: the result has the broadcast shape.
    broadcast_shapes(&t.shape, &mask.shape)?;
    // A 0-d CPU value: a scalar that goes with a tensor on any device.
    let v = crate::ops::creation::full(&[], value, t.dtype())?;
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
    crate::backend::on(&[dst, &src]).copy_into(dst, &src, &ss)?;
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
            let Some(s) = s else { return Ok(Some(crate::ops::creation::zeros(&[0], DType::F32, g.device())?)) };
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
    if !y.dtype().is_float() || !crate::autograd::recording(&[t]) { return Ok(y); }
    let shape = t.shape.clone();
    let idx = index.detach();
    Ok(record("index_select", &[t], y, move |g| {
        if shape.is_empty() { return Ok(alloc::vec![Some(crate::ops::prim::sum_to(g, &shape)?)]); }
        let d = wrap_dim(dim, shape.len())?;
        let full = spread_index(&idx, &g.shape, d)?;
        Ok(alloc::vec![Some(scatter_add(&crate::ops::creation::zeros(&shape, DType::F32, g.device())?, d as i64, &full, g)?)])
    }))
}

pub fn gather_apply(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    let y = gather(t, dim, index)?;
    if !y.dtype().is_float() || !crate::autograd::recording(&[t]) { return Ok(y); }
    let shape = t.shape.clone();
    let idx = index.detach();
    Ok(record("gather", &[t], y, move |g| Ok(alloc::vec![Some(scatter_add(&crate::ops::creation::zeros(&shape, DType::F32, g.device())?, dim, &idx, g)?)])))
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
    if !y.dtype().is_float() || !crate::autograd::recording(&[a, b]) { return Ok(y); }
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
    if !y.dtype().is_float() || !crate::autograd::recording(&[t]) { return Ok(y); }
    let m = Saved::new(mask);
    let sh = t.shape.clone();
    Ok(record("masked_fill", &[t], y, move |g| {
        Ok(alloc::vec![Some(crate::ops::prim::sum_to(&where_(m.get()?, &crate::ops::prim::scalar(0.0), g)?, &sh)?)])
    }))
}
