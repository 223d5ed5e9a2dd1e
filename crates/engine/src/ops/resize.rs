//! 2-D resampling of NCHW images (F.interpolate): nearest, nearest-exact and bilinear with
//! or without align_corners, as PyTorch's upsample_*2d kernels: the checks and the backward
//! rule (the backend resamples).
use crate::autograd::record;
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::fmt_shape;
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
    pub fn name(&self) -> &'static str {
        match self {
            ResizeMode::Nearest => "upsample_nearest2d",
            ResizeMode::NearestExact => "upsample_nearest_exact2d",
            ResizeMode::Bilinear { .. } => "upsample_bilinear2d",
        }
    }
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
    let y = crate::backend::of(x.device()).upsample2d(x, mode, oh, ow, [scale_h, scale_w])?;
    let ishape = x.shape.clone();
    Ok(record(what, &[x], y, move |g| {
        Ok(alloc::vec![Some(crate::backend::of(g.device()).upsample2d_backward(g, mode, ishape.to_vec(), [scale_h, scale_w])?)])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

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
