//! 2-D resampling of NCHW images as PyTorch's upsample_*2d CPU kernels compute them (f32
//! index math, the same source-index rules), and the backward scatter.
use alloc::vec::Vec;

use super::memory::to_vec;
use crate::error::Result;
use crate::ops::resize::ResizeMode;
use crate::storage::alloc_vec;
use crate::tensor::Tensor;

/// PyTorch's compute_scales_value: 1/scale when a scale factor was given, else in/out (f32).
fn scales_value(scale: Option<f64>, n_in: usize, n_out: usize) -> f32 {
    match scale {
        Some(s) if s > 0.0 => (1.0 / s) as f32,
        _ => n_in as f32 / n_out as f32,
    }
}

/// For each output index along one axis: (i0, i1, w0, w1), the output being w0·x[i0] + w1·x[i1].
/// Fallible: n_out comes from the user (an output size or a scale factor of 1e9).
pub(crate) fn axis_table(mode: ResizeMode, n_in: usize, n_out: usize, scale: Option<f64>) -> Result<Vec<(usize, usize, f32, f32)>> {
    let mut table = Vec::new();
    table.try_reserve_exact(n_out).map_err(|_| crate::error::err!(Memory, "{}: output size {} is too large", mode.name(), n_out))?;
    table.extend((0..n_out).map(|o| match mode {
        ResizeMode::Nearest | ResizeMode::NearestExact => {
            let src = if n_out == n_in {
                o
            } else if mode == ResizeMode::Nearest && n_out == 2 * n_in {
                o >> 1
            } else {
                let s = scales_value(scale, n_in, n_out);
                // floorf of a non-negative f32 is its truncation
                let f = if mode == ResizeMode::Nearest { o as f32 * s } else { (o as f32 + 0.5) * s };
                (f as usize).min(n_in - 1)
            };
            (src, src, 1.0, 0.0)
        }
        ResizeMode::Bilinear { align_corners } => {
            if n_out == n_in { return (o, o, 1.0, 0.0); }
            let ratio = if align_corners {
                if n_out > 1 { (n_in - 1) as f32 / (n_out - 1) as f32 } else { 0.0 }
            } else {
                scales_value(scale, n_in, n_out)
            };
            let real = if align_corners {
                ratio * o as f32
            } else {
                let r = ratio * (o as f32 + 0.5) - 0.5;
                if r < 0.0 { 0.0 } else { r }
            };
            let i0 = (real as usize).min(n_in - 1);
            let i1 = if i0 < n_in - 1 { i0 + 1 } else { i0 };
            let l1 = (real - i0 as f32).clamp(0.0, 1.0);
            (i0, i1, 1.0 - l1, l1)
        }
    }));
    Ok(table)
}

pub fn upsample2d(x: &Tensor, mode: ResizeMode, oh: usize, ow: usize, scales: [Option<f64>; 2]) -> Result<Tensor> {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let np = n * c;
    let nearest = !matches!(mode, ResizeMode::Bilinear { .. });
    let ty = axis_table(mode, h, oh, scales[0])?;
    let tx = axis_table(mode, w, ow, scales[1])?;
    let xs = to_vec::<f32>(x)?;
    let mut out = alloc_vec::<f32>(np * oh * ow)?;
    let (ty, tx) = (&ty[..], &tx[..]);
    super::pool::for_planes(&mut out, oh * ow, oh * ow * 4, |p, dst| {
        let plane = &xs[p * h * w..(p + 1) * h * w];
        for (oy, &(y0, y1, wy0, wy1)) in ty.iter().enumerate() {
            let (r0, r1) = (&plane[y0 * w..(y0 + 1) * w], &plane[y1 * w..(y1 + 1) * w]);
            if nearest {
                // a copy, not 1·a + 0·b (which turns an inf into a NaN)
                for (ox, &(x0, ..)) in tx.iter().enumerate() { dst[oy * ow + ox] = r0[x0]; }
                continue;
            }
            for (ox, &(x0, x1, wx0, wx1)) in tx.iter().enumerate() {
                dst[oy * ow + ox] = (r0[x0] * wx0 + r0[x1] * wx1) * wy0 + (r1[x0] * wx0 + r1[x1] * wx1) * wy1;
            }
        }
    });
    Ok(Tensor::from_vec(out, alloc::vec![n, c, oh, ow]))
}

pub fn upsample2d_backward(g: &Tensor, mode: ResizeMode, in_shape: Vec<usize>, scales: [Option<f64>; 2]) -> Result<Tensor> {
    let (np, h, w) = (in_shape[0] * in_shape[1], in_shape[2], in_shape[3]);
    let (oh, ow) = (g.shape[2], g.shape[3]);
    let nearest = !matches!(mode, ResizeMode::Bilinear { .. });
    let ty = axis_table(mode, h, oh, scales[0])?;
    let tx = axis_table(mode, w, ow, scales[1])?;
    let gs = to_vec::<f32>(g)?;
    let mut dx = alloc_vec::<f32>(np * h * w)?;
    let (ty, tx) = (&ty[..], &tx[..]);
    super::pool::for_planes(&mut dx, h * w, oh * ow * 4 + h * w, |p, plane| {
        let src = &gs[p * oh * ow..(p + 1) * oh * ow];
        for (oy, &(y0, y1, wy0, wy1)) in ty.iter().enumerate() {
            if nearest {
                for (ox, &(x0, ..)) in tx.iter().enumerate() { plane[y0 * w + x0] += src[oy * ow + ox]; }
                continue;
            }
            for (ox, &(x0, x1, wx0, wx1)) in tx.iter().enumerate() {
                let gv = src[oy * ow + ox];
                plane[y0 * w + x0] += gv * wy0 * wx0;
                plane[y0 * w + x1] += gv * wy0 * wx1;
                plane[y1 * w + x0] += gv * wy1 * wx0;
                plane[y1 * w + x1] += gv * wy1 * wx1;
            }
        }
    });
    Ok(Tensor::from_vec(dx, in_shape))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn nearest_follows_pytorchs_floor_rule() {
        // 3 -> 5: src = floor(o * 3/5) = 0, 0, 1, 1, 2
        let t = axis_table(ResizeMode::Nearest, 3, 5, None).unwrap();
        assert_eq!(t.iter().map(|e| e.0).collect::<Vec<_>>(), vec![0, 0, 1, 1, 2]);
        // nearest-exact: floor((o + 0.5) * 3/5) = 0, 0, 1, 2, 2
        let t = axis_table(ResizeMode::NearestExact, 3, 5, None).unwrap();
        assert_eq!(t.iter().map(|e| e.0).collect::<Vec<_>>(), vec![0, 0, 1, 2, 2]);
    }
}
