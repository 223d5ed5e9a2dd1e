//! Filled tensors: full, arange, linspace, eye.
use crate::dtype::{DType, Elem, Wide};
use crate::error::Result;
use crate::shape::checked_numel;
use crate::storage::try_with_capacity;
use crate::tensor::Tensor;

pub fn full(shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> {
    let n = checked_numel(shape)?;
    let s = shape.to_vec();
    Ok(crate::with_elem!(dtype, T => {
        let mut v = try_with_capacity::<T>(n)?;
        v.resize(n, T::from_wide(crate::dtype::Wide::F(value)));
        Tensor::from_vec(v, s)
    }))
}

pub fn arange(start: f64, step: f64, n: usize, dtype: DType) -> Result<Tensor> {
    // Each element computed in f64 and cast as torch casts (storage dtypes included).
    let d = if dtype == DType::Bool { DType::F32 } else { dtype };
    crate::with_elem!(d, T => {
        let mut v = try_with_capacity::<T>(n)?;
        v.extend((0..n).map(|i| T::from_wide(Wide::F(start + i as f64 * step))));
        Ok(Tensor::from_vec(v, alloc::vec![n]))
    })
}

pub fn linspace(start: f64, end: f64, n: usize) -> Result<Tensor> {
    let mut v = try_with_capacity::<f32>(n)?;
    let step = if n > 1 { (end - start) / (n - 1) as f64 } else { 0.0 };
    // Fill symmetrically from both ends as PyTorch does, so the end point is exact.
    let half = n / 2;
    v.extend((0..n).map(|i| if i < half { start + step * i as f64 } else { end - step * (n - 1 - i) as f64 } as f32));
    Ok(Tensor::from_vec(v, alloc::vec![n]))
}

pub fn eye(n: usize, m: usize, dtype: DType) -> Result<Tensor> {
    let t = full(&[n, m], 0.0, dtype)?;
    {
        let mut b = t.storage.buf.borrow_mut();
        crate::with_elem!(dtype, T => {
            let v = T::slice_mut(&mut b);
            for i in 0..n.min(m) { v[i * m + i] = T::from_wide(Wide::I(1)); }
        });
    }
    Ok(t)
}
