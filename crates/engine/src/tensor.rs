//! The tensor: a view (shape, strides, offset) onto shared storage. View ops live here
//! because they only rewrite this metadata; everything that computes lives in `ops/`.
use alloc::rc::Rc;
use alloc::vec::Vec;

use crate::dtype::{DType, Elem};
use crate::error::{bail, Result};
use crate::shape::*;
use crate::storage::{Buffer, Device, Storage};

#[derive(Clone)]
pub struct Tensor {
    pub storage: Rc<Storage>,
    /// Sizes and strides (in elements), inline up to `shape::INLINE_DIMS` dims.
    pub shape: Dims,
    pub strides: Dims,
    pub offset: usize,
    /// Autograd record (requires_grad, grad_fn, grad); None for plain tensors.
    pub autograd: Option<Rc<crate::autograd::AutogradMeta>>,
}

impl Tensor {
    pub fn from_buffer(buf: Buffer, shape: impl Into<Dims>) -> Tensor {
        let shape = shape.into();
        let strides = contiguous_strides(&shape);
        Tensor { storage: Rc::new(Storage::new(buf)), shape, strides, offset: 0, autograd: None }
    }

    pub fn from_vec<T: Elem>(v: Vec<T>, shape: impl Into<Dims>) -> Tensor {
        Tensor::from_buffer(T::into_buffer(v), shape)
    }

    /// A zero-filled contiguous tensor on the CPU.
    pub fn zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
        crate::backend::of(Device::Cpu).full(shape, 0.0, dtype)
    }

    pub fn dtype(&self) -> DType { self.storage.dtype() }
    pub fn device(&self) -> Device { self.storage.device }
    pub fn ndim(&self) -> usize { self.shape.len() }
    pub fn numel(&self) -> usize { numel(&self.shape) }

    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1;
        for i in (0..self.shape.len()).rev() {
            if self.shape[i] != 1 && self.strides[i] != expected { return false; }
            expected *= self.shape[i];
        }
        true
    }

    /// Elements in logical order as a new host vector (a readback on a device). `T` must be
    /// this tensor's dtype.
    pub fn to_vec<T: Elem>(&self) -> Result<Vec<T>> {
        T::from_buffer(crate::backend::of(self.device()).read(self)?)
    }

    /// This tensor if contiguous (sharing storage), else a contiguous copy.
    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            return Ok(self.clone());
        }
        self.deep_copy()
    }

    /// A contiguous copy with storage of its own (torch.clone).
    pub fn deep_copy(&self) -> Result<Tensor> {
        crate::backend::of(self.device()).contiguous(self)
    }

    fn view_of(&self, shape: Dims, strides: Dims, offset: usize) -> Tensor {
        Tensor { storage: self.storage.clone(), shape, strides, offset, autograd: None }
    }

    pub fn view(&self, req: &[i64]) -> Result<Tensor> {
        let shape = infer_shape(req, self.numel(), &self.shape)?;
        match view_strides(&self.shape, &self.strides, &shape) {
            Some(st) => Ok(self.view_of(shape, st, self.offset)),
            None => bail!(Shape, "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead."),
        }
    }

    /// A view when the strides allow it, a copy otherwise (as torch.reshape).
    pub fn reshape(&self, req: &[i64]) -> Result<Tensor> {
        let shape = infer_shape(req, self.numel(), &self.shape)?;
        match view_strides(&self.shape, &self.strides, &shape) {
            Some(st) => Ok(self.view_of(shape, st, self.offset)),
            None => {
                let c = self.contiguous()?;
                let st = contiguous_strides(&shape);
                Ok(c.view_of(shape, st, c.offset))
            }
        }
    }

    pub fn permute(&self, dims: &[i64]) -> Result<Tensor> {
        if dims.len() != self.ndim() {
            bail!(Shape, "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {} is not equal to len(dims) = {}", self.ndim(), dims.len());
        }
        let d = wrap_dims(dims, self.ndim())?;
        Ok(self.view_of(d.iter().map(|&i| self.shape[i]).collect(), d.iter().map(|&i| self.strides[i]).collect(), self.offset))
    }

    pub fn transpose(&self, d0: i64, d1: i64) -> Result<Tensor> {
        if self.ndim() == 0 {
            wrap_dim(d0, 0)?; wrap_dim(d1, 0)?;
            return Ok(self.clone());
        }
        let (a, b) = (wrap_dim(d0, self.ndim())?, wrap_dim(d1, self.ndim())?);
        let (mut sh, mut st) = (self.shape.clone(), self.strides.clone());
        sh.swap(a, b);
        st.swap(a, b);
        Ok(self.view_of(sh, st, self.offset))
    }

    pub fn unsqueeze(&self, dim: i64) -> Result<Tensor> {
        if self.ndim() >= MAX_DIMS { bail!(Shape, "unsqueeze(): a tensor can have at most {} dimensions", MAX_DIMS); }
        let d = wrap_dim(dim, self.ndim() + 1)?;
        let (mut sh, mut st) = (self.shape.clone(), self.strides.clone());
        let s = if d < self.ndim() { self.strides[d] * self.shape[d] } else { 1 };
        sh.insert(d, 1);
        st.insert(d, s);
        Ok(self.view_of(sh, st, self.offset))
    }

    /// Squeeze the given dims (size-1 ones only), or every size-1 dim when `dims` is None.
    pub fn squeeze(&self, dims: Option<&[i64]>) -> Result<Tensor> {
        let drop: Vec<usize> = match dims {
            None => (0..self.ndim()).filter(|&i| self.shape[i] == 1).collect(),
            Some(ds) => wrap_dims(ds, self.ndim())?.into_iter().filter(|&i| i < self.ndim() && self.shape[i] == 1).collect(),
        };
        let keep = |i: &usize| !drop.contains(i);
        let sh = (0..self.ndim()).filter(keep).map(|i| self.shape[i]).collect();
        let st = (0..self.ndim()).filter(keep).map(|i| self.strides[i]).collect();
        Ok(self.view_of(sh, st, self.offset))
    }

    pub fn expand(&self, req: &[i64]) -> Result<Tensor> {
        if req.len() < self.ndim() {
            bail!(Shape, "expand: the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})", req.len(), self.ndim());
        }
        let off = req.len() - self.ndim();
        let mut sh = Dims::new();
        let mut st = Dims::new();
        for (i, &r) in req.iter().enumerate() {
            if i < off {
                if r < 0 { bail!(Value, "expand: the expanded size of the tensor ({}) isn't allowed in a leading, non-existing dimension {}", r, i); }
                sh.push(r as usize);
                st.push(0);
                continue;
            }
            let (cur, cs) = (self.shape[i - off], self.strides[i - off]);
            let want = if r == -1 { cur } else if r < 0 { bail!(Value, "expand: invalid size {}", r) } else { r as usize };
            if cur == want { sh.push(cur); st.push(cs); }
            else if cur == 1 { sh.push(want); st.push(0); }
            else {
                bail!(Shape, "The expanded size of the tensor ({}) must match the existing size ({}) at non-singleton dimension {}.  Target sizes: {}.  Tensor sizes: {}", want, cur, i, alloc::format!("{:?}", req), fmt_shape(&self.shape));
            }
        }
        checked_numel(&sh)?; // every later numel() must fit usize
        Ok(self.view_of(sh, st, self.offset))
    }

    /// Elements start, start+step, ... below end along `dim` (Python slice semantics, clamped).
    pub fn slice(&self, dim: i64, start: i64, end: i64, step: i64) -> Result<Tensor> {
        if self.ndim() == 0 { bail!(Index, "slice() cannot be applied to a 0-dim tensor."); }
        if step <= 0 { bail!(Value, "slice step must be positive, got {}", step); }
        let d = wrap_dim(dim, self.ndim())?;
        let n = self.shape[d] as i64;
        let clamp = |x: i64| { let x = if x < 0 { x + n } else { x }; x.clamp(0, n) };
        let (s, e) = (clamp(start), clamp(end));
        let len = if e > s { (e - s - 1) / step + 1 } else { 0 } as usize; // no overflow for huge steps
        let mut sh = self.shape.clone();
        let mut st = self.strides.clone();
        sh[d] = len;
        // With len <= 1 the step may not fit usize; it never moves, so keep the stride.
        st[d] = if len > 1 { self.strides[d] * step as usize } else { self.strides[d] };
        let offset = if len > 0 { self.offset + s as usize * self.strides[d] } else { self.offset };
        Ok(self.view_of(sh, st, offset))
    }

    /// The sub-tensor at `index` along `dim`, with that dim removed.
    pub fn select(&self, dim: i64, index: i64) -> Result<Tensor> {
        if self.ndim() == 0 { bail!(Index, "select() cannot be applied to a 0-dim tensor."); }
        let d = wrap_dim(dim, self.ndim())?;
        let n = self.shape[d] as i64;
        if index < -n || index >= n {
            bail!(Index, "index {} is out of bounds for dimension {} with size {}", index, d, n);
        }
        let i = if index < 0 { index + n } else { index } as usize;
        let mut sh = self.shape.clone();
        let mut st = self.strides.clone();
        sh.remove(d);
        st.remove(d);
        Ok(self.view_of(sh, st, self.offset + i * self.strides[d]))
    }

    /// Both on one device, or one of them a 0-d CPU tensor (a scalar, which goes with any
    /// device, as in torch).
    pub fn check_device(&self, other: &Tensor, op: &str) -> Result<()> {
        let scalar = |t: &Tensor| t.ndim() == 0 && t.device() == Device::Cpu;
        if self.device() != other.device() && !scalar(self) && !scalar(other) {
            bail!(Device, "{}: expected all tensors to be on the same device, but found at least two devices, {} and {}", op, self.device().name(), other.device().name());
        }
        Ok(())
    }
}
