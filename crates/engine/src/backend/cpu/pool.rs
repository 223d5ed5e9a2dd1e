//! 2-D pooling over planes: max (with indices), average, adaptive average, and their backwards.
use alloc::vec::Vec;

use super::memory::{to_vec, with_contiguous};
use crate::backend::PoolGeom;
use crate::error::Result;
use crate::storage::alloc_vec;
use crate::tensor::Tensor;

pub fn max_pool2d(x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<(Tensor, Tensor)> {
    let PoolGeom { np, h, w, oh, ow, a } = *p;
    let mut vals = alloc_vec::<f32>(np * oh * ow)?;
    let mut idx = alloc_vec::<i32>(np * oh * ow)?;
    // PyTorch's rule: a NaN always wins (the last one in the window).
    let better = |v: f32, best: f32, bi: i64| v > best || v.is_nan() || bi < 0;
    let fast = a.kernel == [2, 2] && a.stride == [2, 2] && a.padding == [0, 0] && a.dilation == [1, 1] && 2 * oh <= h && 2 * ow <= w;
    with_contiguous::<f32, _>(x, |xs| for p in 0..np {
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
    Ok((Tensor::from_vec(vals, out_shape.clone()), Tensor::from_vec(idx, out_shape)))
}

pub fn max_pool2d_backward(g: &Tensor, idx: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> {
    let PoolGeom { np, h, w, oh, ow, .. } = *p;
    let gs = to_vec::<f32>(g)?;
    let is = to_vec::<i32>(idx)?;
    let mut dx = alloc_vec::<f32>(np * h * w)?;
    let per = oh * ow;
    for (o, (&gv, &k)) in gs.iter().zip(&is).enumerate() {
        if k >= 0 { dx[(o / per) * h * w + k as usize] += gv; }
    }
    Ok(Tensor::from_vec(dx, in_shape))
}

/// An average window as (y0, y1, x0, x1, divisor), clipped to the input.
fn avg_window(p: &PoolGeom, count_include_pad: bool, divisor: Option<usize>, oy: usize, ox: usize) -> (usize, usize, usize, usize, f32) {
    let (a, h, w) = (p.a, p.h, p.w);
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
}

pub fn avg_pool2d(x: &Tensor, pg: &PoolGeom, count_include_pad: bool, divisor: Option<usize>, out_shape: Vec<usize>) -> Result<Tensor> {
    let PoolGeom { np, h, w, oh, ow, .. } = *pg;
    let xs = to_vec::<f32>(x)?;
    let mut out = alloc_vec::<f32>(np * oh * ow)?;
    for p in 0..np {
        let plane = &xs[p * h * w..(p + 1) * h * w];
        for oy in 0..oh {
            for ox in 0..ow {
                let (y0, y1, x0, x1, div) = avg_window(pg, count_include_pad, divisor, oy, ox);
                let mut s = 0.0f32;
                for y in y0..y1 { for xx in x0..x1 { s += plane[y * w + xx]; } }
                out[(p * oh + oy) * ow + ox] = s / div;
            }
        }
    }
    Ok(Tensor::from_vec(out, out_shape))
}

pub fn avg_pool2d_backward(g: &Tensor, pg: &PoolGeom, count_include_pad: bool, divisor: Option<usize>, in_shape: Vec<usize>) -> Result<Tensor> {
    let PoolGeom { np, h, w, oh, ow, .. } = *pg;
    let gs = to_vec::<f32>(g)?;
    let mut dx = alloc_vec::<f32>(np * h * w)?;
    for p in 0..np {
        for oy in 0..oh {
            for ox in 0..ow {
                let (y0, y1, x0, x1, div) = avg_window(pg, count_include_pad, divisor, oy, ox);
                let gv = gs[(p * oh + oy) * ow + ox] / div;
                for y in y0..y1 { for xx in x0..x1 { dx[p * h * w + y * w + xx] += gv; } }
            }
        }
    }
    Ok(Tensor::from_vec(dx, in_shape))
}

/// Adaptive window i spans [floor(i*n/o), ceil((i+1)*n/o)); in u64: i * n overflows usize for
/// an output of 2^20 over an input of 2^12.
fn span(i: usize, o: usize, n: usize) -> (usize, usize) {
    (((i as u64 * n as u64) / o as u64) as usize, ((i as u64 + 1) * n as u64).div_ceil(o as u64) as usize)
}

pub fn adaptive_avg_pool2d(x: &Tensor, pg: &PoolGeom, out_shape: Vec<usize>) -> Result<Tensor> {
    let PoolGeom { np, h, w, oh, ow, .. } = *pg;
    let xs = to_vec::<f32>(x)?;
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
    Ok(Tensor::from_vec(out, out_shape))
}

pub fn adaptive_avg_pool2d_backward(g: &Tensor, pg: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> {
    let PoolGeom { np, h, w, oh, ow, .. } = *pg;
    let gs = to_vec::<f32>(g)?;
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
    Ok(Tensor::from_vec(dx, in_shape))
}
