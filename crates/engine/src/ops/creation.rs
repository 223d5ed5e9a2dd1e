//! Tensor factories: full, arange, linspace, eye, rand, randn, randint.
use alloc::vec::Vec;

use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::checked_numel;
use crate::storage::{alloc_vec, try_with_capacity};
use crate::tensor::Tensor;
use kd_kernels::rng::Rng;

pub fn full(shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> {
    let n = checked_numel(shape)?;
    let s = shape.to_vec();
    Ok(match dtype {
        DType::F32 => { let mut v = try_with_capacity::<f32>(n)?; v.resize(n, value as f32); Tensor::from_vec(v, s) }
        DType::I32 => { let mut v = try_with_capacity::<i32>(n)?; v.resize(n, value as i32); Tensor::from_vec(v, s) }
        DType::Bool => { let mut v = try_with_capacity::<u8>(n)?; v.resize(n, (value != 0.0) as u8); Tensor::from_vec(v, s) }
    })
}

pub fn arange(start: f64, end: f64, step: f64, dtype: DType) -> Result<Tensor> {
    if step == 0.0 { bail!(Value, "arange(): step must be nonzero"); }
    if !step.is_finite() { bail!(Value, "arange(): step must be finite, got {}", step); }
    if !(start.is_finite() && end.is_finite()) { bail!(Value, "arange(): unsupported range: {} -> {}", start, end); }
    if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
        bail!(Value, "arange(): upper bound and larger bound inconsistent with step sign");
    }
    let n = kd_kernels::math::ceil64((end - start) / step).max(0.0) as usize;
    if dtype == DType::Bool { bail!(DType, "arange(): \"arange_cpu\" not implemented for 'Bool'"); }
    match dtype {
        DType::I32 => {
            let mut v = try_with_capacity::<i32>(n)?;
            v.extend((0..n).map(|i| (start + i as f64 * step) as i32));
            Ok(Tensor::from_vec(v, alloc::vec![n]))
        }
        _ => {
            let mut v = try_with_capacity::<f32>(n)?;
            v.extend((0..n).map(|i| (start + i as f64 * step) as f32));
            Ok(Tensor::from_vec(v, alloc::vec![n]))
        }
    }
}

pub fn linspace(start: f64, end: f64, steps: i64) -> Result<Tensor> {
    if steps < 0 { bail!(Value, "linspace(): number of steps must be non-negative"); }
    let n = steps as usize;
    let mut v = try_with_capacity::<f32>(n)?;
    if n == 1 { v.push(start as f32); return Ok(Tensor::from_vec(v, alloc::vec![1])); } // torch: [start]
    let step = if n > 1 { (end - start) / (n - 1) as f64 } else { 0.0 };
    // Fill symmetrically from both ends as PyTorch does, so the end point is exact.
    let half = n / 2;
    v.extend((0..n).map(|i| if i < half { start + step * i as f64 } else { end - step * (n - 1 - i) as f64 } as f32));
    Ok(Tensor::from_vec(v, alloc::vec![n]))
}

pub fn eye(n: usize, m: usize, dtype: DType) -> Result<Tensor> {
    let mut t = full(&[n, m], 0.0, dtype)?;
    let one = full(&[], 1.0, dtype)?;
    for i in 0..n.min(m) {
        let dst = t.select(0, i as i64)?.select(0, i as i64)?;
        copy_scalar(&one, &dst);
    }
    t.shape = alloc::vec![n, m];
    Ok(t)
}

fn copy_scalar(src: &Tensor, dst: &Tensor) {
    use crate::storage::Buffer::*;
    let s = src.storage.buf.borrow();
    let mut d = dst.storage.buf.borrow_mut();
    match (&*s, &mut *d) {
        (F32(a), F32(b)) => b[dst.offset] = a[0],
        (I32(a), I32(b)) => b[dst.offset] = a[0],
        (Bool(a), Bool(b)) => b[dst.offset] = a[0],
        _ => {}
    }
}

pub fn rand(shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
    let n = checked_numel(shape)?;
    let mut v: Vec<f32> = try_with_capacity(n)?;
    v.extend((0..n).map(|_| rng.uniform()));
    Ok(Tensor::from_vec(v, shape.to_vec()))
}

pub fn randn(shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
    let n = checked_numel(shape)?;
    let mut v: Vec<f32> = try_with_capacity(n)?;
    v.extend((0..n).map(|_| rng.normal()));
    Ok(Tensor::from_vec(v, shape.to_vec()))
}

pub fn randint(low: i64, high: i64, shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
    if low >= high { bail!(Value, "random_ expects 'from' to be less than 'to', but got from={} >= to={}", low, high); }
    if low < i32::MIN as i64 || high > i32::MAX as i64 + 1 { bail!(Value, "randint(): bounds must fit in int32"); }
    let n = checked_numel(shape)?;
    let mut v = alloc_vec::<i32>(n)?;
    for x in v.iter_mut() { *x = rng.int_range(low, high) as i32; }
    Ok(Tensor::from_vec(v, shape.to_vec()))
}

/// A random permutation of 0..n (Fisher-Yates).
pub fn randperm(n: usize, rng: &mut Rng) -> Result<Tensor> {
    let mut v = alloc_vec::<i32>(n)?;
    for (i, x) in v.iter_mut().enumerate() { *x = i as i32; }
    for i in (1..n).rev() {
        let j = rng.int_range(0, i as i64 + 1) as usize;
        v.swap(i, j);
    }
    Ok(Tensor::from_vec(v, alloc::vec![n]))
}
