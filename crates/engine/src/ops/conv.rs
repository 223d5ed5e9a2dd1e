//! conv2d and conv_transpose2d lowered to the packed GEMM through im2col (per sample, per
//! group), with their backward passes as GEMMs too: dW = dY·colsᵀ, dcols = Wᵀ·dY then col2im.
use alloc::vec::Vec;

use crate::autograd::{record, Saved};
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::fmt_shape;
use crate::storage::alloc_vec;
use crate::tensor::Tensor;
use kd_kernels::gemm::sgemm;

#[derive(Clone, Copy, Debug)]
pub struct ConvArgs {
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub groups: usize,
}

/// Geometry of one convolution: input (c, h, w), kernel (kh, kw), output (oh, ow).
#[derive(Clone, Copy)]
struct Geom { c: usize, h: usize, w: usize, kh: usize, kw: usize, oh: usize, ow: usize, a: ConvArgs }

impl Geom {
    fn ckk(&self) -> usize { self.c * self.kh * self.kw }
    fn l(&self) -> usize { self.oh * self.ow }
}

fn out_size(n: usize, k: usize, s: usize, p: usize, d: usize, what: &str) -> Result<usize> {
    let eff = d * (k - 1) + 1;
    if n + 2 * p < eff {
        bail!(Shape, "{}: calculated padded input size per channel: ({}). Kernel size: ({}). Kernel size can't be greater than actual input size", what, n + 2 * p, eff);
    }
    Ok((n + 2 * p - eff) / s + 1)
}

fn check_args(a: &ConvArgs) -> Result<()> {
    if a.stride.contains(&0) { bail!(Value, "conv2d: stride should be greater than zero, got {:?}", a.stride); }
    if a.dilation.contains(&0) { bail!(Value, "conv2d: dilation should be greater than zero, got {:?}", a.dilation); }
    if a.groups == 0 { bail!(Value, "conv2d: non-positive groups is not supported"); }
    Ok(())
}

/// cols[(ci*kh + i)*kw + j, oy*ow + ox] = x[c0 + ci, oy*s - p + i*d, ox*s - p + j*d] (0 outside).
fn im2col(x: &[f32], g: &Geom, c0: usize, cols: &mut [f32]) {
    let a = g.a;
    let l = g.l();
    for ci in 0..g.c {
        let plane = &x[(c0 + ci) * g.h * g.w..(c0 + ci + 1) * g.h * g.w];
        for i in 0..g.kh {
            for j in 0..g.kw {
                let row = &mut cols[((ci * g.kh + i) * g.kw + j) * l..][..l];
                for oy in 0..g.oh {
                    let y = (oy * a.stride[0] + i * a.dilation[0]) as isize - a.padding[0] as isize;
                    let dst = &mut row[oy * g.ow..(oy + 1) * g.ow];
                    if y < 0 || y >= g.h as isize { dst.fill(0.0); continue; }
                    let src = &plane[y as usize * g.w..(y as usize + 1) * g.w];
                    for (ox, d) in dst.iter_mut().enumerate() {
                        let xx = (ox * a.stride[1] + j * a.dilation[1]) as isize - a.padding[1] as isize;
                        *d = if xx < 0 || xx >= g.w as isize { 0.0 } else { src[xx as usize] };
                    }
                }
            }
        }
    }
}

/// The adjoint of im2col: adds cols back into the image planes c0.. of `dx`.
fn col2im(cols: &[f32], g: &Geom, c0: usize, dx: &mut [f32]) {
    let a = g.a;
    let l = g.l();
    for ci in 0..g.c {
        let plane = &mut dx[(c0 + ci) * g.h * g.w..(c0 + ci + 1) * g.h * g.w];
        for i in 0..g.kh {
            for j in 0..g.kw {
                let row = &cols[((ci * g.kh + i) * g.kw + j) * l..][..l];
                for oy in 0..g.oh {
                    let y = (oy * a.stride[0] + i * a.dilation[0]) as isize - a.padding[0] as isize;
                    if y < 0 || y >= g.h as isize { continue; }
                    let dst = &mut plane[y as usize * g.w..(y as usize + 1) * g.w];
                    for ox in 0..g.ow {
                        let xx = (ox * a.stride[1] + j * a.dilation[1]) as isize - a.padding[1] as isize;
                        if xx >= 0 && xx < g.w as isize { dst[xx as usize] += row[oy * g.ow + ox]; }
                    }
                }
            }
        }
    }
}

fn f32_data(t: &Tensor) -> Result<Vec<f32>> { crate::ops::cast::cast(t, DType::F32)?.contiguous()?.to_vec::<f32>() }

fn geometry(x: &Tensor, w: &Tensor, a: &ConvArgs) -> Result<(usize, usize, Geom)> {
    check_args(a)?;
    if x.ndim() != 4 {
        bail!(Shape, "Expected 4D (batched) input to conv2d, but got input of size: {}", fmt_shape(&x.shape));
    }
    if w.ndim() != 4 { bail!(Shape, "conv2d: weight must be 4-D [out, in/groups, kh, kw], got {}", fmt_shape(&w.shape)); }
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
    if c % a.groups != 0 || o % a.groups != 0 {
        bail!(Value, "conv2d: in_channels ({}) and out_channels ({}) must both be divisible by groups ({})", c, o, a.groups);
    }
    if cg * a.groups != c {
        bail!(Shape, "Given groups={}, weight of size {}, expected input{} to have {} channels, but got {} channels instead", a.groups, fmt_shape(&w.shape), fmt_shape(&x.shape), cg * a.groups, c);
    }
    if kh == 0 || kw == 0 { bail!(Shape, "conv2d: kernel size must be positive, got {}x{}", kh, kw); }
    let oh = out_size(h, kh, a.stride[0], a.padding[0], a.dilation[0], "conv2d")?;
    let ow = out_size(wd, kw, a.stride[1], a.padding[1], a.dilation[1], "conv2d")?;
    Ok((n, o, Geom { c: cg, h, w: wd, kh, kw, oh, ow, a: *a }))
}

pub fn conv2d_forward(x: &Tensor, w: &Tensor, b: Option<&Tensor>, a: &ConvArgs) -> Result<Tensor> {
    x.check_device(w, "conv2d")?;
    let (n, o, g) = geometry(x, w, a)?;
    if let Some(b) = b {
        if b.shape != [o] { bail!(Shape, "conv2d: bias must have shape [{}], got {}", o, fmt_shape(&b.shape)); }
    }
    let (xs, ws) = (f32_data(x)?, f32_data(w)?);
    let og = o / a.groups;
    let (ckk, l) = (g.ckk(), g.l());
    let mut out = alloc_vec::<f32>(n * o * l)?;
    let mut cols = alloc_vec::<f32>(ckk * l)?;
    let in_plane = g.c * a.groups * g.h * g.w;
    for s in 0..n {
        let xin = &xs[s * in_plane..(s + 1) * in_plane];
        for gi in 0..a.groups {
            im2col(xin, &g, gi * g.c, &mut cols);
            let dst = &mut out[(s * o + gi * og) * l..];
            sgemm(og, l, ckk, &ws[gi * og * ckk..], ckk, 1, &cols, l, 1, dst, l, 1, false);
        }
    }
    if let Some(b) = b {
        let bs = f32_data(b)?;
        for (i, chunk) in out.chunks_mut(l).enumerate() {
            let v = bs[i % o];
            for y in chunk.iter_mut() { *y += v; }
        }
    }
    Ok(Tensor::from_vec(out, alloc::vec![n, o, g.oh, g.ow]))
}

/// Gradients of conv2d for the input and the weight (either may be skipped).
fn conv2d_backward(x: &Tensor, w: &Tensor, gy: &Tensor, a: &ConvArgs, need_x: bool, need_w: bool) -> Result<(Option<Tensor>, Option<Tensor>)> {
    let (n, o, g) = geometry(x, w, a)?;
    let (xs, ws, gys) = (f32_data(x)?, f32_data(w)?, f32_data(gy)?);
    let og = o / a.groups;
    let (ckk, l) = (g.ckk(), g.l());
    let in_plane = g.c * a.groups * g.h * g.w;
    let mut cols = alloc_vec::<f32>(ckk * l)?;
    let mut dw = if need_w { Some(alloc_vec::<f32>(o * ckk)?) } else { None };
    let mut dx = if need_x { Some(alloc_vec::<f32>(n * in_plane)?) } else { None };
    for s in 0..n {
        for gi in 0..a.groups {
            let gys_g = &gys[(s * o + gi * og) * l..];
            if let Some(dw) = dw.as_mut() {
                im2col(&xs[s * in_plane..(s + 1) * in_plane], &g, gi * g.c, &mut cols);
                // dW_g += dY_g [og x l] · colsᵀ [l x ckk]
                sgemm(og, ckk, l, gys_g, l, 1, &cols, 1, l, &mut dw[gi * og * ckk..], ckk, 1, true);
            }
            if let Some(dx) = dx.as_mut() {
                // dcols = W_gᵀ [ckk x og] · dY_g [og x l]
                sgemm(ckk, l, og, &ws[gi * og * ckk..], 1, ckk, gys_g, l, 1, &mut cols, l, 1, false);
                col2im(&cols, &g, gi * g.c, &mut dx[s * in_plane..(s + 1) * in_plane]);
            }
        }
    }
    Ok((dx.map(|v| Tensor::from_vec(v, x.shape.clone())), dw.map(|v| Tensor::from_vec(v, w.shape.clone()))))
}

/// The differentiable conv2d.
pub fn conv2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, a: ConvArgs) -> Result<Tensor> {
    let y = conv2d_forward(x, w, b, &a)?;
    let (sx, sw) = (Saved::new(x), Saved::new(w));
    let (need_x, need_w) = (x.requires_grad(), w.requires_grad());
    let need_b = b.is_some_and(|b| b.requires_grad());
    let mut inputs: Vec<&Tensor> = alloc::vec![x, w];
    if let Some(b) = b { inputs.push(b); }
    Ok(record("conv2d", &inputs, y, move |gy| {
        let (dx, dw) = conv2d_backward(sx.get()?, sw.get()?, gy, &a, need_x, need_w)?;
        let mut grads = alloc::vec![dx, dw];
        if need_b { grads.push(Some(crate::ops::prim::sum_dims(gy, &[0, 2, 3], false)?)); } else { grads.push(None); }
        Ok(grads)
    }))
}

/// conv_transpose2d: the input-gradient of conv2d used as a forward op.
/// `w` is [in, out/groups, kh, kw] as in PyTorch; output_padding adds rows/cols at the end.
pub fn conv_transpose2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, a: ConvArgs, output_padding: [usize; 2]) -> Result<Tensor> {
    check_args(&a)?;
    if x.ndim() != 4 || w.ndim() != 4 {
        bail!(Shape, "conv_transpose2d: expected 4-D input and weight, got {} and {}", fmt_shape(&x.shape), fmt_shape(&w.shape));
    }
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let (wi, og, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
    if wi != cin || cin % a.groups != 0 {
        bail!(Shape, "conv_transpose2d: weight {} does not match input {} with groups={}", fmt_shape(&w.shape), fmt_shape(&x.shape), a.groups);
    }
    for k in 0..2 {
        if output_padding[k] >= a.stride[k].max(a.dilation[k]) {
            bail!(Value, "conv_transpose2d: output padding must be smaller than either stride or dilation, got output_padding={:?}", output_padding);
        }
    }
    let oh_full = (h - 1) * a.stride[0] + a.dilation[0] * (kh - 1) + 1 + output_padding[0];
    let ow_full = (wd - 1) * a.stride[1] + a.dilation[1] * (kw - 1) + 1 + output_padding[1];
    if oh_full < 2 * a.padding[0] + 1 || ow_full < 2 * a.padding[1] + 1 {
        bail!(Shape, "conv_transpose2d: padding {:?} leaves no output for input {}", a.padding, fmt_shape(&x.shape));
    }
    let (oh, ow) = (oh_full - 2 * a.padding[0], ow_full - 2 * a.padding[1]);
    let o = og * a.groups;
    // y is the conv2d input whose conv2d (weight w viewed as [cin, og, kh, kw]) has the shape of x.
    let y_like = Tensor::zeros(&[n, o, oh, ow], DType::F32)?;
    let (gx, _) = conv2d_backward(&y_like, w, x, &a, true, false)?;
    let mut y = gx.ok_or_else(|| crate::error::err!(Value, "conv_transpose2d: internal"))?;
    if let Some(b) = b {
        let bias = b.reshape(&[1, o as i64, 1, 1])?;
        y = crate::ops::binary::binary(crate::ops::binary::BinaryOp::Add, "add", &y, &bias)?;
    }
    let (sx, sw) = (Saved::new(x), Saved::new(w));
    let (need_x, need_w) = (x.requires_grad(), w.requires_grad());
    let need_b = b.is_some_and(|b| b.requires_grad());
    let mut inputs: Vec<&Tensor> = alloc::vec![x, w];
    if let Some(b) = b { inputs.push(b); }
    Ok(record("conv_transpose2d", &inputs, y, move |gy| {
        let (x, w) = (sx.get()?, sw.get()?);
        // d/dx of conv_transpose = conv2d(gy, w); d/dw from conv2d's weight gradient with roles swapped.
        let dx = if need_x { Some(conv2d_forward(gy, w, None, &a)?) } else { None };
        let dw = if need_w { conv2d_backward(gy, w, x, &a, false, true)?.1 } else { None };
        let db = if need_b { Some(crate::ops::prim::sum_dims(gy, &[0, 2, 3], false)?) } else { None };
        Ok(alloc::vec![dx, dw, db])
    }))
}
