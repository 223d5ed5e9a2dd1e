//! Tensor factories: full, arange, linspace, eye, rand, uniform, randn, normal, bernoulli,
//! randint, randperm.
use alloc::vec::Vec;

use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::checked_numel;
use crate::storage::{alloc_vec, try_with_capacity, Device};
use crate::tensor::Tensor;
use kd_kernels::rng::Rng;

/// The backend that creates tensors for the ABI's factories (which have no device argument).
fn host() -> &'static dyn crate::backend::Backend { crate::backend::of(Device::Cpu) }

pub fn full(shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> { full_on(shape, value, dtype, Device::Cpu) }

/// `full` on a given device (the implicit root gradient, zeros in backward rules).
pub fn full_on(shape: &[usize], value: f64, dtype: DType, device: Device) -> Result<Tensor> {
    checked_numel(shape)?;
    crate::backend::of(device).full(shape, value, dtype)
}

/// Zeros of `shape` on `device`.
pub fn zeros(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> { full_on(shape, 0.0, dtype, device) }

pub fn arange(start: f64, end: f64, step: f64, dtype: DType) -> Result<Tensor> {
    if step == 0.0 { bail!(Value, "arange(): step must be nonzero"); }
    if !step.is_finite() { bail!(Value, "arange(): step must be finite, got {}", step); }
    if !(start.is_finite() && end.is_finite()) { bail!(Value, "arange(): unsupported range: {} -> {}", start, end); }
    if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
        bail!(Value, "arange(): upper bound and larger bound inconsistent with step sign");
    }
    let n = kd_kernels::math::ceil64((end - start) / step).max(0.0) as usize;
    if dtype == DType::Bool { bail!(DType, "arange(): \"arange_cpu\" not implemented for 'Bool'"); }
    host().arange(start, step, n, dtype)
}

pub fn linspace(start: f64, end: f64, steps: i64) -> Result<Tensor> {
    if steps < 0 { bail!(Value, "linspace(): number of steps must be non-negative"); }
    let n = steps as usize;
    if n == 1 { return host().full(&[1], start, DType::F32); } // torch: [start]
    host().linspace(start, end, n)
}

pub fn eye(n: usize, m: usize, dtype: DType) -> Result<Tensor> {
    checked_numel(&[n, m])?;
    host().eye(n, m, dtype)
}

// The random factories draw from torch's CPU generator in torch's order (kd_kernels::rng), so a
// seed gives PyTorch's numbers: see tests/rng.test.ts.

pub fn rand(shape: &[usize], rng: &mut Rng) -> Result<Tensor> { uniform(shape, 0.0, 1.0, rng) }

/// U(from, to) floats, as torch.empty(shape).uniform_(from, to).
pub fn uniform(shape: &[usize], from: f64, to: f64, rng: &mut Rng) -> Result<Tensor> {
    if !(from <= to) { bail!(Value, "uniform_ expects to return a [from, to) range, but found from={} > to={}", from, to); }
    if !(to - from <= f32::MAX as f64) { bail!(Value, "uniform_ expects to-from <= std::numeric_limits<float>::max(), but found to={} and from={} which result in to-from to exceed the limit", to, from); }
    let n = checked_numel(shape)?;
    let mut v: Vec<f32> = try_with_capacity(n)?;
    let (from, to) = (from as f32, to as f32);
    v.extend((0..n).map(|_| rng.uniform_range(from, to)));
    Ok(Tensor::from_vec(v, shape.to_vec()))
}

/// U(0, 1) doubles, as torch.rand(shape, dtype=torch.float64): 53 bits of each 64-bit draw.
pub fn rand_f64(shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
    let n = checked_numel(shape)?;
    let mut v: Vec<f64> = try_with_capacity(n)?;
    v.extend((0..n).map(|_| rng.uniform_f64()));
    Ok(Tensor::from_vec(v, shape.to_vec()))
}

/// N(0, 1) doubles, as torch.randn(shape, dtype=torch.float64).
pub fn randn_f64(shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
    let n = checked_numel(shape)?;
    let mut v = alloc_vec::<f64>(n)?;
    rng.normal_fill_f64(&mut v, 0.0, 1.0);
    Ok(Tensor::from_vec(v, shape.to_vec()))
}

pub fn randn(shape: &[usize], rng: &mut Rng) -> Result<Tensor> { normal(shape, 0.0, 1.0, rng) }

/// N(mean, std²) floats, as torch.empty(shape).normal_(mean, std) (its vectorised path from 16
/// elements, its scalar double path below).
pub fn normal(shape: &[usize], mean: f64, std: f64, rng: &mut Rng) -> Result<Tensor> {
    if !(std >= 0.0) { bail!(Value, "normal expects std >= 0.0, but found std {}", std); }
    let n = checked_numel(shape)?;
    let mut v = alloc_vec::<f32>(n)?;
    rng.normal_fill(&mut v, mean, std);
    Ok(Tensor::from_vec(v, shape.to_vec()))
}

/// 1.0 with probability p, else 0.0, as torch.empty(shape).bernoulli_(p) (dropout's mask).
pub fn bernoulli(shape: &[usize], p: f64, rng: &mut Rng) -> Result<Tensor> {
    if !(0.0..=1.0).contains(&p) { bail!(Value, "bernoulli_ expects p to be in [0, 1], but got p={}", p); }
    let n = checked_numel(shape)?;
    let mut v: Vec<f32> = try_with_capacity(n)?;
    v.extend((0..n).map(|_| if rng.bernoulli(p) { 1.0 } else { 0.0 }));
    Ok(Tensor::from_vec(v, shape.to_vec()))
}

/// Integers in [low, high), as torch.randint (int64 in torch, int32 here: the same draws).
pub fn randint(low: i64, high: i64, shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
    if low >= high { bail!(Value, "random_ expects 'from' to be less than 'to', but got from={} >= to={}", low, high); }
    if low < i32::MIN as i64 || high > i32::MAX as i64 + 1 { bail!(Value, "randint(): bounds must fit in int32"); }
    let n = checked_numel(shape)?;
    let mut v = alloc_vec::<i32>(n)?;
    let range = (high - low) as u64;
    for x in v.iter_mut() { *x = rng.int_from_to(low, range) as i32; }
    Ok(Tensor::from_vec(v, shape.to_vec()))
}

/// A random permutation of 0..n, as torch.randperm on CPU: position i swaps with
/// i + draw % (n - i), front to back.
pub fn randperm(n: usize, rng: &mut Rng) -> Result<Tensor> {
    let mut v = alloc_vec::<i32>(n)?;
    for (i, x) in v.iter_mut().enumerate() { *x = i as i32; }
    for i in 0..n.saturating_sub(1) {
        let z = (rng.next_u32() as u64 % (n - i) as u64) as usize;
        v.swap(i, i + z);
    }
    Ok(Tensor::from_vec(v, alloc::vec![n]))
}
