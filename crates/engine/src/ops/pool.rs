//! 2-D pooling over NCHW (or CHW) inputs: max (with indices), average, adaptive average. The
//! checks, output sizes and backward rules; the backend pools.
use alloc::vec::Vec;

use crate::autograd::record;
use crate::backend::PoolGeom;
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::fmt_shape;
use crate::tensor::Tensor;

#[derive(Clone, Copy, Debug)]
pub struct PoolArgs {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub ceil_mode: bool,
}

fn pooled(n: usize, k: usize, s: usize, p: usize, d: usize, ceil: bool) -> Result<usize> {
    // Checked: k, s, p, d come from the user and may be near 2^31 (usize is 32-bit in wasm).
    let (Some(eff), Some(padded)) = (d.checked_mul(k - 1).and_then(|e| e.checked_add(1)), p.checked_mul(2).and_then(|q| q.checked_add(n))) else {
        bail!(Value, "pool: kernel size {} with dilation {} or padding {} is too large", k, d, p);
    };
    if padded < eff { bail!(Shape, "pool: input size {} with padding {} is smaller than the kernel extent {}", n, p, eff); }
    let span = padded - eff;
    let mut o = if ceil { span.div_ceil(s) } else { span / s } + 1;
    // The last window must start inside the input or the left padding (PyTorch's rule).
    if ceil && (o as u64 - 1) * s as u64 >= n as u64 + p as u64 { o -= 1; }
    Ok(o)
}

/// (batch planes, h, w) of an [N, C, H, W] or [C, H, W] input.
fn planes(x: &Tensor, what: &str) -> Result<(usize, usize, usize)> {
    match x.ndim() {
        3 => Ok((x.shape[0], x.shape[1], x.shape[2])),
        4 => Ok((x.shape[0] * x.shape[1], x.shape[2], x.shape[3])),
        _ => bail!(Shape, "{}: expected 3D or 4D input, but got input of size: {}", what, fmt_shape(&x.shape)),
    }
}

fn check(a: &PoolArgs, what: &str) -> Result<()> {
    if a.kernel.contains(&0) || a.stride.contains(&0) || a.dilation.contains(&0) {
        bail!(Value, "{}: kernel size, stride and dilation must be greater than zero, got kernel {:?}, stride {:?}, dilation {:?}", what, a.kernel, a.stride, a.dilation);
    }
    for k in 0..2 {
        if a.padding[k] * 2 > a.kernel[k] {
            bail!(Value, "{}: pad should be at most half of effective kernel size, but got pad={}, kernel_size={}", what, a.padding[k], a.kernel[k]);
        }
    }
    Ok(())
}

fn out_shape(x: &Tensor, oh: usize, ow: usize) -> Vec<usize> {
    let mut s = x.shape.to_vec();
    let n = s.len();
    s[n - 2] = oh;
    s[n - 1] = ow;
    s
}

/// max_pool2d: (values, flat indices into each H*W input plane, as PyTorch returns).
pub fn max_pool2d(x: &Tensor, a: PoolArgs) -> Result<(Tensor, Tensor)> {
    check(&a, "max_pool2d")?;
    if x.dtype() != DType::F32 { bail!(DType, "max_pool2d: expected float32 input, got {}", x.dtype().name()); }
    let (np, h, w) = planes(x, "max_pool2d")?;
    let oh = pooled(h, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0], a.ceil_mode)?;
    let ow = pooled(w, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1], a.ceil_mode)?;
    let pg = PoolGeom { np, h, w, oh, ow, a };
    let (v, i) = crate::backend::of(x.device()).max_pool2d(x, &pg, out_shape(x, oh, ow))?;
    let (ishape, ii) = (x.shape.clone(), i.clone());
    let v = record("max_pool2d", &[x], v, move |g| {
        Ok(alloc::vec![Some(crate::backend::of(g.device()).max_pool2d_backward(g, &ii, &pg, ishape.to_vec())?)])
    });
    Ok((v, i))
}

/// avg_pool2d with count_include_pad and an optional divisor override.
pub fn avg_pool2d(x: &Tensor, a: PoolArgs, count_include_pad: bool, divisor: Option<usize>) -> Result<Tensor> {
    check(&a, "avg_pool2d")?;
    if x.dtype() != DType::F32 { bail!(DType, "avg_pool2d: expected float32 input, got {}", x.dtype().name()); }
    let (np, h, w) = planes(x, "avg_pool2d")?;
    let oh = pooled(h, a.kernel[0], a.stride[0], a.padding[0], 1, a.ceil_mode)?;
    let ow = pooled(w, a.kernel[1], a.stride[1], a.padding[1], 1, a.ceil_mode)?;
    let pg = PoolGeom { np, h, w, oh, ow, a };
    let y = crate::backend::of(x.device()).avg_pool2d(x, &pg, count_include_pad, divisor, out_shape(x, oh, ow))?;
    let ishape = x.shape.clone();
    Ok(record("avg_pool2d", &[x], y, move |g| {
        Ok(alloc::vec![Some(crate::backend::of(g.device()).avg_pool2d_backward(g, &pg, count_include_pad, divisor, ishape.to_vec())?)])
    }))
}

/// adaptive_avg_pool2d to (oh, ow): window i spans [floor(i*H/oh), ceil((i+1)*H/oh)).
pub fn adaptive_avg_pool2d(x: &Tensor, oh: usize, ow: usize) -> Result<Tensor> {
    if x.dtype() != DType::F32 { bail!(DType, "adaptive_avg_pool2d: expected float32 input, got {}", x.dtype().name()); }
    let (np, h, w) = planes(x, "adaptive_avg_pool2d")?;
    if oh == 0 || ow == 0 { bail!(Value, "adaptive_avg_pool2d: output size must be positive, got ({}, {})", oh, ow); }
    crate::shape::checked_numel(&[np, oh, ow])?; // oh, ow come from the user: np * oh * ow may overflow
    // The window comes from the sizes alone: the pooling arguments are unused.
    let pg = PoolGeom { np, h, w, oh, ow, a: PoolArgs { kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1], ceil_mode: false } };
    let y = crate::backend::of(x.device()).adaptive_avg_pool2d(x, &pg, out_shape(x, oh, ow))?;
    let ishape = x.shape.clone();
    Ok(record("adaptive_avg_pool2d", &[x], y, move |g| {
        Ok(alloc::vec![Some(crate::backend::of(g.device()).adaptive_avg_pool2d_backward(g, &pg, ishape.to_vec())?)])
    }))
}
