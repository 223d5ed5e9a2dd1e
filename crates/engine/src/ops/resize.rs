//! 2-D resampling of NCHW images (F.interpolate): nearest, nearest-exact and bilinear with
//! or without align_corners, as PyTorch's upsample_*2d CPU kernels compute them (f32 index
//! math, the same source-index rules), with their backward passes.
use alloc::vec::Vec;

use crate::autograd::record;
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::fmt_shape;
use crate::storage::alloc_vec;
use crate::tensor::Tensor;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResizeMode {
    Nearest,
    NearestExact,
    Bilinear { align_corners: bool },
}

impl ResizeMode {
    pub fn from_code(code: u32, align_corners: bool) -> Result<ResizeMode> {
        Ok(match code {
            0 => ResizeMode::Nearest,
            1 => ResizeMode::NearestExact,
            2 => ResizeMode::Bilinear { align_corners },
            _ => bail!(Value, "interpolate: unknown mode code {}", code),
        })
    }
    fn name(&self) -> &'static str {
        match self {
            ResizeMode::Nearest => "upsample_nearest2d",
            ResizeMode::NearestExact => "upsample_nearest_exact2d",
            ResizeMode::Bilinear { .. } => "upsample_bilinear2d",
        }
    }
}

/// PyTorch's compute_scales_value: 1/scale when a scale factor was given, else in/out (f32).
fn scales_value(scale: Option<f64>, n_in: usize, n_out: usize) -> f32 {
    match scale {
        Some(s) if s > 0.0 => (1.0 / s) as f32,
        _ => n_in as f32 / n_out as f32,
    }
}

/// For each output index along one axis: (i0, i1, w0, w1), the output being w0·x[i0] + w1·x[i1].
/// Fallible: n_out comes from the user (an output size or a scale factor of 1e9).
fn axis_table(mode: ResizeMode, n_in: usize, n_out: usize, scale: Option<f64>) -> Result<Vec<(usize, usize, f32, f32)>> {
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

/// Resamples x [N, C, H, W] to [N, C, oh, ow]. `scale_h`/`scale_w` are the user's scale
/// factors when the size came from them (they set the source-index scale, as in PyTorch).
pub fn upsample2d(x: &Tensor, mode: ResizeMode, oh: usize, ow: usize, scale_h: Option<f64>, scale_w: Option<f64>) -> Result<Tensor> {
    let what = mode.name();
    if x.dtype() != DType::F32 { bail!(DType, "{}: expected float32 input, got {}", what, x.dtype().name()); }
    if x.ndim() != 4 { bail!(Shape, "{}: expected 4-D input [N, C, H, W], got {}", what, fmt_shape(&x.shape)); }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    if h == 0 || w == 0 || oh == 0 || ow == 0 {
        bail!(Value, "Input and output sizes should be greater than 0, but got input (H: {}, W: {}) output (H: {}, W: {})", h, w, oh, ow);
    }
    let np = n * c;
    crate::shape::checked_numel(&[np, oh, ow])?;
    let nearest = !matches!(mode, ResizeMode::Bilinear { .. });
    let ty = axis_table(mode, h, oh, scale_h)?;
    let tx = axis_table(mode, w, ow, scale_w)?;
    let xs = x.contiguous()?.to_vec::<f32>()?;
    let mut out = alloc_vec::<f32>(np * oh * ow)?;
    for p in 0..np {
        let plane = &xs[p * h * w..(p + 1) * h * w];
        let dst = &mut out[p * oh * ow..(p + 1) * oh * ow];
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
    }
    let ishape = x.shape.clone();
    let y = Tensor::from_vec(out, alloc::vec![n, c, oh, ow]);
    let name = what;
    Ok(record(name, &[x], y, move |g| {
        let gs = g.contiguous()?.to_vec::<f32>()?;
        let mut dx = alloc_vec::<f32>(np * h * w)?;
        for p in 0..np {
            let src = &gs[p * oh * ow..(p + 1) * oh * ow];
            let plane = &mut dx[p * h * w..(p + 1) * h * w];
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
        }
        Ok(alloc::vec![Some(Tensor::from_vec(dx, ishape.clone()))])
    }))
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

    #[test]
    fn bilinear_align_corners_hits_the_corners() {
        let x = Tensor::from_vec(vec![0.0f32, 1.0, 2.0, 3.0], vec![1, 1, 2, 2]);
        let y = upsample2d(&x, ResizeMode::Bilinear { align_corners: true }, 3, 3, None, None).unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 0.5, 1.0, 1.0, 1.5, 2.0, 2.0, 2.5, 3.0]);
        let y = upsample2d(&x, ResizeMode::Bilinear { align_corners: false }, 4, 4, Some(2.0), Some(2.0)).unwrap();
        let v = y.to_vec::<f32>().unwrap();
        assert_eq!(&v[..4], &[0.0, 0.25, 0.75, 1.0]);
        assert!(upsample2d(&x, ResizeMode::Nearest, 0, 3, None, None).is_err());
    }
}
