//! Shape arithmetic: dims, broadcasting, contiguous strides, view strides; and `Dims`, the
//! small vector a tensor keeps its shape and strides in.
use alloc::vec;
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};

use crate::error::{bail, Result};

/// Dims a `Dims` holds without allocating (a tensor of more keeps its shape on the heap).
pub const INLINE_DIMS: usize = 6;

/// A shape or strides: up to `INLINE_DIMS` sizes inline, more on the heap. A tensor's metadata
/// is two of these, so cloning a tensor (every op's input, every view) allocates nothing for
/// its shape. Reads as a `[usize]` slice; converts from and compares with `Vec<usize>`.
#[derive(Clone)]
pub struct Dims(Repr);

#[derive(Clone)]
enum Repr {
    Inline(u8, [usize; INLINE_DIMS]),
    Heap(Vec<usize>),
}

impl Dims {
    pub const fn new() -> Dims { Dims(Repr::Inline(0, [0; INLINE_DIMS])) }
    /// `n` copies of `v`.
    pub fn filled(v: usize, n: usize) -> Dims {
        if n <= INLINE_DIMS { Dims(Repr::Inline(n as u8, [v; INLINE_DIMS])) } else { Dims(Repr::Heap(vec![v; n])) }
    }
    pub fn from_slice(s: &[usize]) -> Dims {
        if s.len() <= INLINE_DIMS {
            let mut a = [0; INLINE_DIMS];
            a[..s.len()].copy_from_slice(s);
            Dims(Repr::Inline(s.len() as u8, a))
        } else {
            Dims(Repr::Heap(s.to_vec()))
        }
    }
    pub fn as_slice(&self) -> &[usize] {
        match &self.0 { Repr::Inline(n, a) => &a[..*n as usize], Repr::Heap(v) => v }
    }
    pub fn as_mut_slice(&mut self) -> &mut [usize] {
        match &mut self.0 { Repr::Inline(n, a) => &mut a[..*n as usize], Repr::Heap(v) => v }
    }
    fn heap(&mut self) -> &mut Vec<usize> {
        if let Repr::Inline(n, a) = &self.0 {
            let v = a[..*n as usize].to_vec();
            self.0 = Repr::Heap(v);
        }
        match &mut self.0 { Repr::Heap(v) => v, Repr::Inline(..) => unreachable!() }
    }
    pub fn push(&mut self, x: usize) {
        if let Repr::Inline(n, a) = &mut self.0 {
            if (*n as usize) < INLINE_DIMS { a[*n as usize] = x; *n += 1; return; }
        }
        self.heap().push(x);
    }
    /// Inserts x at i (i <= len), as Vec::insert.
    pub fn insert(&mut self, i: usize, x: usize) {
        if let Repr::Inline(n, a) = &mut self.0 {
            let len = *n as usize;
            if len < INLINE_DIMS && i <= len {
                a.copy_within(i..len, i + 1);
                a[i] = x;
                *n += 1;
                return;
            }
        }
        self.heap().insert(i, x);
    }
    /// Removes and returns the element at i (i < len), as Vec::remove.
    pub fn remove(&mut self, i: usize) -> usize {
        if let Repr::Inline(n, a) = &mut self.0 {
            let len = *n as usize;
            if i < len {
                let x = a[i];
                a.copy_within(i + 1..len, i);
                *n -= 1;
                return x;
            }
        }
        self.heap().remove(i)
    }
    pub fn pop(&mut self) -> Option<usize> {
        match &mut self.0 {
            Repr::Inline(n, a) => if *n == 0 { None } else { *n -= 1; Some(a[*n as usize]) },
            Repr::Heap(v) => v.pop(),
        }
    }
    pub fn truncate(&mut self, len: usize) {
        match &mut self.0 {
            Repr::Inline(n, _) => if len < *n as usize { *n = len as u8 },
            Repr::Heap(v) => v.truncate(len),
        }
    }
    pub fn extend_from_slice(&mut self, s: &[usize]) { for &x in s { self.push(x); } }
}

impl Default for Dims { fn default() -> Dims { Dims::new() } }
impl Deref for Dims { type Target = [usize]; #[inline] fn deref(&self) -> &[usize] { self.as_slice() } }
impl DerefMut for Dims { #[inline] fn deref_mut(&mut self) -> &mut [usize] { self.as_mut_slice() } }
impl AsRef<[usize]> for Dims { fn as_ref(&self) -> &[usize] { self } }
impl core::borrow::Borrow<[usize]> for Dims { fn borrow(&self) -> &[usize] { self } }
impl From<Vec<usize>> for Dims {
    fn from(v: Vec<usize>) -> Dims { if v.len() <= INLINE_DIMS { Dims::from_slice(&v) } else { Dims(Repr::Heap(v)) } }
}
impl From<&[usize]> for Dims { fn from(s: &[usize]) -> Dims { Dims::from_slice(s) } }
impl From<&Vec<usize>> for Dims { fn from(s: &Vec<usize>) -> Dims { Dims::from_slice(s) } }
impl From<&Dims> for Dims { fn from(s: &Dims) -> Dims { s.clone() } }
impl<const N: usize> From<[usize; N]> for Dims { fn from(s: [usize; N]) -> Dims { Dims::from_slice(&s) } }
impl From<Dims> for Vec<usize> { fn from(d: Dims) -> Vec<usize> { match d.0 { Repr::Heap(v) => v, Repr::Inline(..) => d.to_vec() } } }
impl FromIterator<usize> for Dims {
    fn from_iter<I: IntoIterator<Item = usize>>(it: I) -> Dims {
        let mut d = Dims::new();
        for x in it { d.push(x); }
        d
    }
}
impl Extend<usize> for Dims { fn extend<I: IntoIterator<Item = usize>>(&mut self, it: I) { for x in it { self.push(x); } } }
impl<'a> IntoIterator for &'a Dims {
    type Item = &'a usize;
    type IntoIter = core::slice::Iter<'a, usize>;
    fn into_iter(self) -> Self::IntoIter { self.as_slice().iter() }
}
impl PartialEq for Dims { fn eq(&self, o: &Dims) -> bool { self.as_slice() == o.as_slice() } }
impl Eq for Dims {}
impl PartialEq<Vec<usize>> for Dims { fn eq(&self, o: &Vec<usize>) -> bool { self.as_slice() == o.as_slice() } }
impl PartialEq<Dims> for Vec<usize> { fn eq(&self, o: &Dims) -> bool { self.as_slice() == o.as_slice() } }
impl PartialEq<[usize]> for Dims { fn eq(&self, o: &[usize]) -> bool { self.as_slice() == o } }
impl PartialEq<&[usize]> for Dims { fn eq(&self, o: &&[usize]) -> bool { self.as_slice() == *o } }
impl<const N: usize> PartialEq<[usize; N]> for Dims { fn eq(&self, o: &[usize; N]) -> bool { self.as_slice() == o.as_slice() } }
impl core::fmt::Debug for Dims { fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result { self.as_slice().fmt(f) } }

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

pub fn contiguous_strides(shape: &[usize]) -> Dims {
    let mut s = Dims::filled(0, shape.len());
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
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Dims> {
    let n = a.len().max(b.len());
    let mut out = Dims::filled(0, n);
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
pub fn broadcast_strides(shape: &[usize], strides: &[usize], target: &[usize]) -> Dims {
    let off = target.len() - shape.len();
    (0..target.len())
        .map(|i| if i < off || shape[i - off] == 1 && target[i] != 1 { 0 } else { strides[i - off] })
        .collect()
}

/// Strides for viewing (shape, strides) as `new_shape` without a copy, if possible
/// (the rule of ATen's computeStride).
pub fn view_strides(shape: &[usize], strides: &[usize], new_shape: &[usize]) -> Option<Dims> {
    let numel = numel(shape);
    if numel == 0 || shape.is_empty() {
        return Some(contiguous_strides(new_shape));
    }
    let mut new_strides = Dims::filled(0, new_shape.len());
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
pub fn infer_shape(req: &[i64], numel: usize, from: &[usize]) -> Result<Dims> {
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
    let mut out: Dims = req.iter().map(|&d| d.max(0) as usize).collect();
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
