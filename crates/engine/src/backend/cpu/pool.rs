//! 2-D pooling over planes: max (with indices), average, adaptive average, and their backwards.
use alloc::vec::Vec;

use super::memory::{to_vec, with_contiguous};
use crate::backend::PoolGeom;
use crate::error::Result;
use crate::storage::{alloc_for_overwrite, alloc_vec};
use crate::tensor::Tensor;
use kd_kernels::parallel::{parallel_for, SyncPtr};

/// Planes per parallel range for planes that each cost about `cost` element steps.
pub(crate) fn plane_grain(cost: usize) -> usize { (super::elementwise::GRAIN / cost.max(1)).max(1) }

/// Runs `f(p, out_plane)` for each of the planes of `len` elements of `out`, over the threads
/// (each plane written by one range, in the same order as a serial loop).
pub(crate) fn for_planes<T: Send>(out: &mut [T], len: usize, cost: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    if len == 0 { return; }
    let np = out.len() / len;
    let o = SyncPtr::new(out);
    parallel_for(np, plane_grain(cost), |lo, hi, _| {
        for (i, plane) in unsafe { o.slice(lo * len, hi * len) }.chunks_mut(len).enumerate() { f(lo + i, plane); }
    });
}

pub fn max_pool2d(x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<(Tensor, Tensor)> {
    let PoolGeom { np, h, w, oh, ow, a } = *p;
    // Every window's value and index is written below.
    let mut vals = alloc_for_overwrite::<f32>(np * oh * ow)?;
    let mut idx = alloc_for_overwrite::<i32>(np * oh * ow)?;
    // PyTorch's rule: a NaN always wins (the last one in the window).
    let better = |v: f32, best: f32, bi: i64| v > best || v.is_nan() || bi < 0;
    let fast = a.kernel == [2, 2] && a.stride == [2, 2] && a.padding == [0, 0] && a.dilation == [1, 1] && 2 * oh <= h && 2 * ow <= w;
    let per = oh * ow;
    let (vp, ip) = (SyncPtr::new(&mut vals), SyncPtr::new(&mut idx));
    with_contiguous::<f32, _>(x, |xs| parallel_for(np, plane_grain(per * a.kernel[0] * a.kernel[1] + h * w), |lo, hi, _| for p in lo..hi {
        // this range's planes of the outputs, indexed from plane 0 as the serial loop was
        let (vals, idx) = unsafe { (vp.slice(lo * per, hi * per), ip.slice(lo * per, hi * per)) };
        let base = lo * per;
        let plane = &xs[p * h * w..(p + 1) * h * w];
        if fast {
            // The CNN case (2x2, stride 2): every window lies inside the plane.
            for oy in 0..oh {
                let o = (p * oh + oy) * ow - base;
                kd_kernels::pool::max2x2_row(&plane[2 * oy * w..][..w], &plane[(2 * oy + 1) * w..][..w], 2 * oy * w, w, &mut vals[o..o + ow], &mut idx[o..o + ow]);
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
                let o = (p * oh + oy) * ow + ox - base;
                vals[o] = best;
                idx[o] = bi as i32;
            }
        }
    }))?;
    Ok((Tensor::from_vec(vals, out_shape.clone()), Tensor::from_vec(idx, out_shape)))
}

pub fn max_pool2d_backward(g: &Tensor, idx: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> {
    let PoolGeom { np, h, w, oh, ow, .. } = *p;
    // Each plane of dx is zeroed and filled by the range that owns it (no serial zero fill).
    let mut dx = alloc_for_overwrite::<f32>(np * h * w)?;
    let per = oh * ow;
    with_contiguous::<f32, _>(g, |gs| with_contiguous::<i32, _>(idx, |is| for_planes(&mut dx, h * w, per + h * w, |p, plane| {
        plane.fill(0.0);
        for (&gv, &k) in gs[p * per..(p + 1) * per].iter().zip(&is[p * per..(p + 1) * per]) {
            if k >= 0 && (k as usize) < plane.len() { plane[k as usize] += gv; }
        }
    })))??;
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
    let pg = *pg;
    for_planes(&mut out, oh * ow, oh * ow * pg.a.kernel[0] * pg.a.kernel[1], |p, dst| {
        let plane = &xs[p * h * w..(p + 1) * h * w];
        for oy in 0..oh {
            for ox in 0..ow {
                let (y0, y1, x0, x1, div) = avg_window(&pg, count_include_pad, divisor, oy, ox);
                let mut s = 0.0f32;
                for y in y0..y1 { for xx in x0..x1 { s += plane[y * w + xx]; } }
                dst[oy * ow + ox] = s / div;
            }
        }
    });
    Ok(Tensor::from_vec(out, out_shape))
}

pub fn avg_pool2d_backward(g: &Tensor, pg: &PoolGeom, count_include_pad: bool, divisor: Option<usize>, in_shape: Vec<usize>) -> Result<Tensor> {
    let PoolGeom { np, h, w, oh, ow, .. } = *pg;
    let gs = to_vec::<f32>(g)?;
    let mut dx = alloc_vec::<f32>(np * h * w)?;
    let pg = *pg;
    for_planes(&mut dx, h * w, oh * ow * pg.a.kernel[0] * pg.a.kernel[1], |p, plane| {
        for oy in 0..oh {
            for ox in 0..ow {
                let (y0, y1, x0, x1, div) = avg_window(&pg, count_include_pad, divisor, oy, ox);
                let gv = gs[(p * oh + oy) * ow + ox] / div;
                for y in y0..y1 { for xx in x0..x1 { plane[y * w + xx] += gv; } }
            }
        }
    });
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
    for_planes(&mut out, oh * ow, oh * ow + h * w, |p, dst| {
        for oy in 0..oh {
            let (y0, y1) = span(oy, oh, h);
            for ox in 0..ow {
                let (x0, x1) = span(ox, ow, w);
                let mut s = 0.0f32;
                for y in y0..y1 { for xx in x0..x1 { s += xs[p * h * w + y * w + xx]; } }
                dst[oy * ow + ox] = s / ((y1 - y0) * (x1 - x0)).max(1) as f32;
            }
        }
    });
    Ok(Tensor::from_vec(out, out_shape))
}

pub fn adaptive_avg_pool2d_backward(g: &Tensor, pg: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> {
    let PoolGeom { np, h, w, oh, ow, .. } = *pg;
    let gs = to_vec::<f32>(g)?;
    let mut dx = alloc_vec::<f32>(np * h * w)?;
    for_planes(&mut dx, h * w, oh * ow + h * w, |p, plane| {
        for oy in 0..oh {
            let (y0, y1) = span(oy, oh, h);
            for ox in 0..ow {
                let (x0, x1) = span(ox, ow, w);
                let gv = gs[(p * oh + oy) * ow + ox] / ((y1 - y0) * (x1 - x0)).max(1) as f32;
                for y in y0..y1 { for xx in x0..x1 { plane[y * w + xx] += gv; } }
            }
        }
    });
    Ok(Tensor::from_vec(dx, in_shape))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::elementwise::tests::{same_on_any_threads, t};
    use crate::ops::pool::PoolArgs;
    use crate::ops::resize::ResizeMode;
    use alloc::vec;

    #[test]
    fn pools_and_resizes_are_bit_identical_for_any_thread_count() {
        let (n, c, h, w) = (8, 16, 24, 24); // 128 planes
        let x = t(&[n, c, h, w], 1);
        let geom = |k: usize, s: usize, p: usize, d: usize| {
            let a = PoolArgs { kernel: [k, k], stride: [s, s], padding: [p, p], dilation: [d, d], ceil_mode: false };
            let o = (h + 2 * p - d * (k - 1) - 1) / s + 1;
            PoolGeom { np: n * c, h, w, oh: o, ow: o, a }
        };
        same_on_any_threads(|| {
            let mut v = Vec::new();
            for pg in [geom(2, 2, 0, 1), geom(3, 2, 1, 1), geom(3, 1, 1, 2)] {
                let out = vec![n, c, pg.oh, pg.ow];
                let (y, idx) = max_pool2d(&x, &pg, out.clone()).unwrap();
                let g = t(&out, 2);
                v.push(max_pool2d_backward(&g, &idx, &pg, x.shape.to_vec()).unwrap());
                v.extend([y, idx]);
                v.push(avg_pool2d(&x, &pg, true, None, out.clone()).unwrap());
                v.push(avg_pool2d(&x, &pg, false, None, out.clone()).unwrap());
                v.push(avg_pool2d_backward(&g, &pg, false, None, x.shape.to_vec()).unwrap());
            }
            let pg = PoolGeom { np: n * c, h, w, oh: 5, ow: 7, a: geom(2, 2, 0, 1).a };
            v.push(adaptive_avg_pool2d(&x, &pg, vec![n, c, 5, 7]).unwrap());
            v.push(adaptive_avg_pool2d_backward(&t(&[n, c, 5, 7], 3), &pg, x.shape.to_vec()).unwrap());
            for mode in [ResizeMode::Nearest, ResizeMode::Bilinear { align_corners: false }, ResizeMode::Bilinear { align_corners: true }] {
                v.push(super::super::resize::upsample2d(&x, mode, 37, 50, [None, None]).unwrap());
                v.push(super::super::resize::upsample2d_backward(&t(&[n, c, 37, 50], 4), mode, x.shape.to_vec(), [None, None]).unwrap());
            }
            v
        });
    }
}
