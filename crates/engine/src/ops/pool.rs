//! 2-D pooling over NCHW (or CHW) inputs: max (with indices), average, adaptive average.
use alloc::vec::Vec;

use crate::autograd::record;
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::fmt_shape;
use crate::storage::alloc_vec;
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
    let mut s = x.shape.clone();
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
    let mut vals = alloc_vec::<f32>(np * oh * ow)?;
    let mut idx = alloc_vec::<i32>(np * oh * ow)?;
    // PyTorch's rule: a NaN always wins (the last one in the window).
    let better = |v: f32, best: f32, bi: i64| v > best || v.is_nan() || bi < 0;
    let fast = a.kernel == [2, 2] && a.stride == [2, 2] && a.padding == [0, 0] && a.dilation == [1, 1] && 2 * oh <= h && 2 * ow <= w;
    x.with_contiguous::<f32, _>(|xs| for p in 0..np {
        let plane = &xs[p * h * w..(p + 1) * h * w];
        if fast {
            // The CNN case (2x2, stride 2): every window lies inside the plane.
            for oy in 0..oh {
                let (r0, r1) = (&plane[2 * oy * w..][..w], &plane[(2 * oy + 1) * w..][..w]);
                let o = (p * oh + oy) * ow;
                for ox in 0..ow {
                    let (mut best, mut bi) = (r0[2 * ox], (2 * oy * w + 2 * ox) as i64);
                    for (v, k) in [(r0[2 * ox + 1], bi + 1), (r1[2 * ox], bi + w as i64), (r1[2 * ox + 1], bi + w as i64 + 1)] {
                        if better(v, best, 0) { best = v; bi = k; }
                    }
                    vals[o + ox] = best;
                    idx[o + ox] = bi as i32;
                }
            }
            continue;
        }
        for oy in 0..oh {
            for ox in 0..ow {
                let (mut best, mut bi) = (f32::NEG_INFINITY, -1i64);
                for i in 0..a.kernel[0] {
                    let y = (oy * a.stride[0] + i * a.dilation[0]) as isize - a.padding[0] as isize;
                    if y < 0 || y >= h as isize { continue; }
                    for j in 0..a.kernel[1] {
                        let xx = (ox * a.stride[1] + j * a.dilation[1]) as isize - a.padding[1] as isize;
                        if xx < 0 || xx >= w as isize { continue; }
                        let k = y as usize * w + xx as usize;
                        let v = plane[k];
                        if better(v, best, bi) { best = v; bi = k as i64; }
                    }
                }
                let o = (p * oh + oy) * ow + ox;
                vals[o] = best;
                idx[o] = bi as i32;
            }
        }
    })?;
    let shape = out_shape(x, oh, ow);
    let v = Tensor::from_vec(vals, shape.clone());
    let i = Tensor::from_vec(idx, shape);
    let (ishape, ii) = (x.shape.clone(), i.clone());
    let v = record("max_pool2d", &[x], v, move |g| {
        let gs = g.contiguous()?.to_vec::<f32>()?;
        let is = ii.to_vec::<i32>()?;
        let mut dx = alloc_vec::<f32>(np * h * w)?;
        let per = oh * ow;
        for (o, (&gv, &k)) in gs.iter().zip(&is).enumerate() {
            if k >= 0 { dx[(o / per) * h * w + k as usize] += gv; }
        }
        Ok(alloc::vec![Some(Tensor::from_vec(dx, ishape.clone()))])
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
    // Each window as (y0, y1, x0, x1, divisor), clipped to the input.
    let window = move |oy: usize, ox: usize| {
        let (p0, p1) = (a.padding[0] as isize, a.padding[1] as isize);
        let ys = (oy * a.stride[0]) as isize - p0;
        let xs = (ox * a.stride[1]) as isize - p1;
        let ye = (ys + a.kernel[0] as isize).min(h as isize + p0);
        let xe = (xs + a.kernel[1] as isize).min(w as isize + p1);
        let pool_size = ((ye - ys) * (xe - xs)) as usize;
        let (y0, x0) = (ys.max(0) as usize, xs.max(0) as usize);
        let (y1, x1) = ((ye.min(h as isize).max(0) as usize).max(y0), (xe.min(w as isize).max(0) as usize).max(x0));
        let div = divisor.unwrap_or(if count_include_pad { pool_size } else { (y1 - y0) * (x1 - x0) });
        (y0, y1, x0, x1, div.max(1) as f32)
    };
    let xs = x.contiguous()?.to_vec::<f32>()?;
    let mut out = alloc_vec::<f32>(np * oh * ow)?;
    for p in 0..np {
        let plane = &xs[p * h * w..(p + 1) * h * w];
        for oy in 0..oh {
            for ox in 0..ow {
                let (y0, y1, x0, x1, div) = window(oy, ox);
                let mut s = 0.0f32;
                for y in y0..y1 { for xx in x0..x1 { s += plane[y * w + xx]; } }
                out[(p * oh + oy) * ow + ox] = s / div;
            }
        }
    }
    let ishape = x.shape.clone();
    Ok(record("avg_pool2d", &[x], Tensor::from_vec(out, out_shape(x, oh, ow)), move |g| {
        let gs = g.contiguous()?.to_vec::<f32>()?;
        let mut dx = alloc_vec::<f32>(np * h * w)?;
        for p in 0..np {
            for oy in 0..oh {
                for ox in 0..ow {
                    let (y0, y1, x0, x1, div) = window(oy, ox);
                    let gv = gs[(p * oh + oy) * ow + ox] / div;
                    for y in y0..y1 { for xx in x0..x1 { dx[p * h * w + y * w + xx] += gv; } }
                }
            }
        }
        Ok(alloc::vec![Some(Tensor::from_vec(dx, ishape.clone()))])
    }))
}

/// adaptive_avg_pool2d to (oh, ow): window i spans [floor(i*H/oh), ceil((i+1)*H/oh)).
pub fn adaptive_avg_pool2d(x: &Tensor, oh: usize, ow: usize) -> Result<Tensor> {
    if x.dtype() != DType::F32 { bail!(DType, "adaptive_avg_pool2d: expected float32 input, got {}", x.dtype().name()); }
    let (np, h, w) = planes(x, "adaptive_avg_pool2d")?;
    if oh == 0 || ow == 0 { bail!(Value, "adaptive_avg_pool2d: output size must be positive, got ({}, {})", oh, ow); }
    crate::shape::checked_numel(&[np, oh, ow])?; // oh, ow come from the user: np * oh * ow may overflow
    // in u64: i * n overflows usize for an output of 2^20 over an input of 2^12
    let span = |i: usize, o: usize, n: usize| (((i as u64 * n as u64) / o as u64) as usize, ((i as u64 + 1) * n as u64).div_ceil(o as u64) as usize);
    let xs = x.contiguous()?.to_vec::<f32>()?;
    let mut out = alloc_vec::<f32>(np * oh * ow)?;
    for p in 0..np {
        for oy in 0..oh {
            let (y0, y1) = span(oy, oh, h);
            for ox in 0..ow {
                let (x0, x1) = span(ox, ow, w);
                let mut s = 0.0f32;
                for y in y0..y1 { for xx in x0..x1 { s += xs[p * h * w + y * w + xx]; } }
                out[(p * oh + oy) * ow + ox] = s / ((y1 - y0) * (x1 - x0)).max(1) as f32;
            }
        }
    }
    let ishape = x.shape.clone();
    Ok(record("adaptive_avg_pool2d", &[x], Tensor::from_vec(out, out_shape(x, oh, ow)), move |g| {
        let gs = g.contiguous()?.to_vec::<f32>()?;
        let mut dx = alloc_vec::<f32>(np * h * w)?;
        for p in 0..np {
            for oy in 0..oh {
                let (y0, y1) = span(oy, oh, h);
                for ox in 0..ow {
                    let (x0, x1) = span(ox, ow, w);
                    let gv = gs[(p * oh + oy) * ow + ox] / ((y1 - y0) * (x1 - x0)).max(1) as f32;
                    for y in y0..y1 { for xx in x0..x1 { dx[p * h * w + y * w + xx] += gv; } }
                }
            }
        }
        Ok(alloc::vec![Some(Tensor::from_vec(dx, ishape.clone()))])
    }))
}
