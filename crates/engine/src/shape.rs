//! Shape arithmetic: dims, broadcasting, contiguous strides, view strides.
use alloc::vec;
use alloc::vec::Vec;

use crate::error::{bail, Result};

pub fn fmt_shape(s: &[usize]) -> alloc::string::String {
    let parts: Vec<alloc::string::String> = s.iter().map(|d| alloc::format!("{}", d)).collect();
    alloc::format!("[{}]", parts.join(", "))
}

/// Most dims a tensor may have (the ABI passes shapes through a 4096-entry scratch area).
pub const MAX_DIMS: usize = 4096;

pub fn numel(shape: &[usize]) -> usize { shape.iter().product() }

/// numel with overflow reported as an error instead of wrapping.
pub fn checked_numel(shape: &[usize]) -> Result<usize> {
    let mut n: usize = 1;
    for &d in shape {
        n = match n.checked_mul(d) {
            Some(v) => v,
            None => bail!(Memory, "shape {} has too many elements", fmt_shape(shape)),
        };
    }
    Ok(n)
}

pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![0; shape.len()];
    let mut acc = 1;
    for i in (0..shape.len()).rev() {
        s[i] = acc;
        acc *= shape[i].max(1);
    }
    s
}

/// Wraps a possibly negative dim into [0, ndim), as PyTorch's maybe_wrap_dim.
pub fn wrap_dim(dim: i64, ndim: usize) -> Result<usize> {
    let n = ndim.max(1) as i64; // a 0-d tensor accepts dim 0 and -1
    if dim < -n || dim >= n {
        bail!(Index, "Dimension out of range (expected to be in range of [{}, {}], but got {})", -n, n - 1, dim);
    }
    Ok(if dim < 0 { (dim + n) as usize } else { dim as usize })
}

/// Wrap a list of dims, rejecting repeats.
pub fn wrap_dims(dims: &[i64], ndim: usize) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(dims.len());
    for &d in dims {
        let w = wrap_dim(d, ndim)?;
        if out.contains(&w) {
            bail!(Index, "dim {} appears multiple times in the list of dims", w);
        }
        out.push(w);
    }
    Ok(out)
}

/// The broadcast shape of two shapes, with PyTorch's message when they do not fit.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = if da == db || db == 1 { da } else if da == 1 { db } else {
            bail!(Shape, "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension {}", da, db, i);
        };
    }
    checked_numel(&out)?; // a broadcast of two small tensors can still overflow usize
    Ok(out)
}

/// Strides that read a tensor of `shape`/`strides` as if it had shape `target` (stride 0 on
/// broadcast dims). The caller has checked that `shape` broadcasts to `target`.
pub fn broadcast_strides(shape: &[usize], strides: &[usize], target: &[usize]) -> Vec<usize> {
    let off = target.len() - shape.len();
    (0..target.len())
        .map(|i| if i < off || shape[i - off] == 1 && target[i] != 1 { 0 } else { strides[i - off] })
        .collect()
}

/// Strides for viewing (shape, strides) as `new_shape` without a copy, if possible
/// (the rule of ATen's computeStride).
pub fn view_strides(shape: &[usize], strides: &[usize], new_shape: &[usize]) -> Option<Vec<usize>> {
    let numel = numel(shape);
    if numel == 0 || shape.is_empty() {
        return Some(contiguous_strides(new_shape));
    }
    let mut new_strides = vec![0usize; new_shape.len()];
    let mut view_d = new_shape.len() as isize - 1;
    let mut chunk_base_stride = *strides.last().unwrap();
    let mut tensor_numel = 1usize;
    let mut view_numel = 1usize;
    for tensor_d in (0..shape.len()).rev() {
        tensor_numel *= shape[tensor_d];
        if tensor_d == 0 || (shape[tensor_d - 1] != 1 && strides[tensor_d - 1] != tensor_numel * chunk_base_stride) {
            while view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d as usize] == 1) {
                new_strides[view_d as usize] = view_numel * chunk_base_stride;
                view_numel *= new_shape[view_d as usize];
                view_d -= 1;
            }
            if view_numel != tensor_numel {
                return None;
            }
            if tensor_d > 0 {
                chunk_base_stride = strides[tensor_d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    if view_d != -1 {
        return None;
    }
    Some(new_strides)
}

/// Resolve one -1 in a requested shape, checking the element count.
pub fn infer_shape(req: &[i64], numel: usize, from: &[usize]) -> Result<Vec<usize>> {
    let mut infer = None;
    let mut known = 1usize;
    for (i, &d) in req.iter().enumerate() {
        if d == -1 {
            if infer.is_some() { bail!(Value, "only one dimension can be inferred"); }
            infer = Some(i);
        } else if d < 0 {
            bail!(Value, "invalid shape dimension {}", d);
        } else {
            known = known.checked_mul(d as usize).ok_or_else(|| crate::error::err!(Value, "shape is too large"))?;
        }
    }
    let reqs = || alloc::format!("[{}]", req.iter().map(|d| alloc::format!("{}", d)).collect::<Vec<_>>().join(", "));
    let mut out: Vec<usize> = req.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = infer {
        if known == 0 || numel % known != 0 {
            bail!(Shape, "shape '{}' is invalid for input of size {}", reqs(), numel);
        }
        out[i] = numel / known;
    } else if known != numel {
        bail!(Shape, "shape '{}' is invalid for input of size {} (input shape {})", reqs(), numel, fmt_shape(from));
    }
    Ok(out)
}
