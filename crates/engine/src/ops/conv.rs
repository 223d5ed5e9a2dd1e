//! conv2d and conv_transpose2d lowered to the packed GEMM through im2col (per sample, per
//! group), with their backward passes as GEMMs too: dW = dY·colsᵀ, dcols = Wᵀ·dY then col2im.
//!
//! conv_transpose2d is the input-gradient of a conv2d run forward, so both ops share three
//! raw kernels on one `Geom` (the conv2d view of the op): `conv_raw` (x, w -> y),
//! `grad_input_raw` (dy, w -> dx) and `grad_weight_raw` (x, dy -> dw). The geometry is given
//! explicitly (not recomputed from sizes), because a transposed convolution's output_padding
//! can make its conv2d view's output one row shorter than the size formula gives.
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

/// The conv2d view of an op: n samples, input (c = channels per group, h, w), `o` output
/// channels in all, kernel (kh, kw), output (oh, ow).
#[derive(Clone, Copy)]
struct Geom { n: usize, c: usize, h: usize, w: usize, o: usize, kh: usize, kw: usize, oh: usize, ow: usize, a: ConvArgs }

impl Geom {
    fn ckk(&self) -> usize { self.c * self.kh * self.kw }
    fn l(&self) -> usize { self.oh * self.ow }
    fn og(&self) -> usize { self.o / self.a.groups }
    fn in_plane(&self) -> usize { self.c * self.a.groups * self.h * self.w }
}

/// Output (oh, ow) of a convolution over (h, w), or PyTorch's error naming both sizes.
fn out_size(h: usize, w: usize, k: [usize; 2], a: &ConvArgs, what: &str) -> Result<(usize, usize)> {
    // Checked: dilation and padding come from the user and may be near 2^31 (usize is 32-bit in wasm).
    let ext = |d: usize, k: usize| d.checked_mul(k - 1).and_then(|e| e.checked_add(1));
    let pad = |n: usize, p: usize| p.checked_mul(2).and_then(|q| q.checked_add(n));
    let (Some(e0), Some(e1), Some(p0), Some(p1)) = (ext(a.dilation[0], k[0]), ext(a.dilation[1], k[1]), pad(h, a.padding[0]), pad(w, a.padding[1])) else {
        bail!(Value, "{}: dilation ({}, {}) or padding ({}, {}) is too large", what, a.dilation[0], a.dilation[1], a.padding[0], a.padding[1]);
    };
    let eff = [e0, e1];
    let padded = [p0, p1];
    if padded[0] < eff[0] || padded[1] < eff[1] {
        bail!(Shape, "{}: Calculated padded input size per channel: ({} x {}). Kernel size: ({} x {}). Kernel size can't be greater than actual input size", what, padded[0], padded[1], eff[0], eff[1]);
    }
    Ok(((padded[0] - eff[0]) / a.stride[0] + 1, (padded[1] - eff[1]) / a.stride[1] + 1))
}

fn check_args(a: &ConvArgs, what: &str) -> Result<()> {
    if a.stride.contains(&0) { bail!(Value, "{}: stride should be greater than zero, got ({}, {})", what, a.stride[0], a.stride[1]); }
    if a.dilation.contains(&0) { bail!(Value, "{}: dilation should be greater than zero, got ({}, {})", what, a.dilation[0], a.dilation[1]); }
    if a.groups == 0 { bail!(Value, "{}: non-positive groups is not supported", what); }
    Ok(())
}

fn check_f32(what: &str, ts: &[(&str, &Tensor)]) -> Result<()> {
    for (name, t) in ts {
        if t.dtype() != DType::F32 { bail!(DType, "{}: expected {} of dtype float32, got {}", what, name, t.dtype().name()); }
    }
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
                    if a.stride[1] == 1 {
                        // Unit stride: the in-bounds columns are one contiguous run of the row.
                        let shift = (j * a.dilation[1]) as isize - a.padding[1] as isize;
                        let lo = (-shift).clamp(0, g.ow as isize) as usize;
                        let hi = (g.w as isize - shift).clamp(lo as isize, g.ow as isize) as usize;
                        dst[..lo].fill(0.0);
                        dst[lo..hi].copy_from_slice(&src[(lo as isize + shift) as usize..(hi as isize + shift) as usize]);
                        dst[hi..].fill(0.0);
                        continue;
                    }
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

fn f32_data(t: &Tensor) -> Result<Vec<f32>> { t.contiguous()?.to_vec::<f32>() }

/// Runs f on the float32 elements of two tensors, read in place when contiguous.
fn with2<R>(a: &Tensor, b: &Tensor, f: impl FnOnce(&[f32], &[f32]) -> Result<R>) -> Result<R> {
    a.with_contiguous::<f32, _>(|xa| b.with_contiguous::<f32, _>(|xb| f(xa, xb)))??
}

/// y [n, o, oh, ow] = conv(x [n, c*groups, h, w], w [o, c, kh, kw]).
fn conv_raw(xs: &[f32], ws: &[f32], g: &Geom) -> Result<Vec<f32>> {
    if g.a.stride == [1, 1] && g.a.dilation == [1, 1] && g.a.groups == 1 && g.l() > 0 && g.o > 0 {
        // Small-CNN shapes: a direct kernel beats im2col + GEMM (less memory traffic).
        let mut out = alloc_vec::<f32>(g.n * g.o * g.l())?;
        kd_kernels::conv::conv2d_direct(xs, g.n, g.c, g.h, g.w, ws, g.o, g.kh, g.kw, g.a.padding, &mut out);
        return Ok(out);
    }
    let (og, ckk, l, in_plane) = (g.og(), g.ckk(), g.l(), g.in_plane());
    let mut out = alloc_vec::<f32>(g.n * g.o * l)?;
    if l == 0 || og == 0 { return Ok(out); }
    let mut cols = alloc_vec::<f32>(ckk * l)?;
    for s in 0..g.n {
        let xin = &xs[s * in_plane..(s + 1) * in_plane];
        for gi in 0..g.a.groups {
            im2col(xin, g, gi * g.c, &mut cols);
            let dst = &mut out[(s * g.o + gi * og) * l..];
            sgemm(og, l, ckk, &ws[gi * og * ckk..], ckk, 1, &cols, l, 1, dst, l, 1, false);
        }
    }
    Ok(out)
}

/// dx [n, c*groups, h, w] from dy [n, o, oh, ow] and w [o, c, kh, kw].
fn grad_input_raw(gys: &[f32], ws: &[f32], g: &Geom) -> Result<Vec<f32>> {
    let a = g.a;
    let full = [a.dilation[0] * (g.kh - 1), a.dilation[1] * (g.kw - 1)];
    if a.stride == [1, 1] && a.groups == 1 && a.padding[0] <= full[0] && a.padding[1] <= full[1] && g.oh > 0 && g.ow > 0 {
        // Unit stride: dx is the convolution of dy with the flipped, transposed kernel,
        // padded to "full" — one im2col + GEMM with depth o*kh*kw instead of a depth-o GEMM
        // and a col2im scatter.
        let (c, o, kk) = (g.c, g.o, g.kh * g.kw);
        let mut wt = alloc_vec::<f32>(ws.len())?;
        for oc in 0..o {
            for ci in 0..c {
                for k in 0..kk {
                    wt[(ci * o + oc) * kk + (kk - 1 - k)] = ws[(oc * c + ci) * kk + k];
                }
            }
        }
        let back = Geom {
            n: g.n, c: o, h: g.oh, w: g.ow, o: c, kh: g.kh, kw: g.kw, oh: g.h, ow: g.w,
            a: ConvArgs { stride: [1, 1], padding: [full[0] - a.padding[0], full[1] - a.padding[1]], dilation: a.dilation, groups: 1 },
        };
        return conv_raw(gys, &wt, &back);
    }
    let (og, ckk, l, in_plane) = (g.og(), g.ckk(), g.l(), g.in_plane());
    let mut dx = alloc_vec::<f32>(g.n * in_plane)?;
    if l == 0 || ckk == 0 { return Ok(dx); }
    let mut cols = alloc_vec::<f32>(ckk * l)?;
    for s in 0..g.n {
        for gi in 0..g.a.groups {
            // dcols = W_gᵀ [ckk x og] · dY_g [og x l]
            let gys_g = &gys[(s * g.o + gi * og) * l..];
            sgemm(ckk, l, og, &ws[gi * og * ckk..], 1, ckk, gys_g, l, 1, &mut cols, l, 1, false);
            col2im(&cols, g, gi * g.c, &mut dx[s * in_plane..(s + 1) * in_plane]);
        }
    }
    Ok(dx)
}

/// dw [o, c, kh, kw] from x [n, c*groups, h, w] and dy [n, o, oh, ow].
fn grad_weight_raw(xs: &[f32], gys: &[f32], g: &Geom) -> Result<Vec<f32>> {
    let (og, ckk, l, in_plane) = (g.og(), g.ckk(), g.l(), g.in_plane());
    let mut dw = alloc_vec::<f32>(g.o * ckk)?;
    if l == 0 || og == 0 || ckk == 0 { return Ok(dw); }
    if g.a.stride == [1, 1] && g.a.dilation == [1, 1] && g.a.groups == 1 {
        kd_kernels::conv::conv2d_direct_grad_weight(xs, g.n, g.c, g.h, g.w, gys, g.o, g.kh, g.kw, g.a.padding, &mut dw);
        return Ok(dw);
    }
    let mut cols = alloc_vec::<f32>(ckk * l)?;
    for s in 0..g.n {
        for gi in 0..g.a.groups {
            im2col(&xs[s * in_plane..(s + 1) * in_plane], g, gi * g.c, &mut cols);
            // dW_g += dY_g [og x l] · colsᵀ [l x ckk]
            let gys_g = &gys[(s * g.o + gi * og) * l..];
            sgemm(og, ckk, l, gys_g, l, 1, &cols, 1, l, &mut dw[gi * og * ckk..], ckk, 1, true);
        }
    }
    Ok(dw)
}

/// The bias gradient: dy [n, o, h, w] summed over everything but o, one plane at a time.
fn bias_grad(gy: &Tensor) -> Result<Tensor> {
    let (n, o) = (gy.shape[0], gy.shape[1]);
    let plane: usize = gy.shape[2..].iter().product();
    let mut db = alloc::vec![0.0f64; o];
    gy.with_contiguous::<f32, _>(|g| {
        for s in 0..n {
            for (c, acc) in db.iter_mut().enumerate() {
                *acc += g[(s * o + c) * plane..][..plane].iter().map(|&v| v as f64).sum::<f64>();
            }
        }
    })?;
    Ok(Tensor::from_vec(db.into_iter().map(|v| v as f32).collect::<Vec<f32>>(), alloc::vec![o]))
}

fn check_bias(b: Option<&Tensor>, o: usize, what: &str) -> Result<()> {
    if let Some(b) = b {
        if b.dtype() != DType::F32 { bail!(DType, "{}: expected bias of dtype float32, got {}", what, b.dtype().name()); }
        if b.shape != [o] { bail!(Shape, "{}: expected bias of shape [{}] (one per output channel), got {}", what, o, fmt_shape(&b.shape)); }
    }
    Ok(())
}

fn add_bias(out: &mut [f32], b: Option<&Tensor>, o: usize, plane: usize) -> Result<()> {
    let Some(b) = b else { return Ok(()) };
    if plane == 0 { return Ok(()); }
    let bs = f32_data(b)?;
    for (i, chunk) in out.chunks_mut(plane).enumerate() {
        let v = bs[i % o];
        for y in chunk.iter_mut() { *y += v; }
    }
    Ok(())
}

fn geometry(x: &Tensor, w: &Tensor, a: &ConvArgs) -> Result<Geom> {
    check_args(a, "conv2d")?;
    if x.ndim() != 4 {
        bail!(Shape, "Expected 4D (batched) input to conv2d, but got input of size: {}", fmt_shape(&x.shape));
    }
    if w.ndim() != 4 { bail!(Shape, "conv2d: weight must be 4-D [out_channels, in_channels/groups, kH, kW], got {}", fmt_shape(&w.shape)); }
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
    if o % a.groups != 0 {
        bail!(Value, "conv2d: out_channels ({}) (weight {}) must be divisible by groups ({})", o, fmt_shape(&w.shape), a.groups);
    }
    if cg * a.groups != c {
        bail!(Shape, "Given groups={}, weight of size {}, expected input{} to have {} channels, but got {} channels instead", a.groups, fmt_shape(&w.shape), fmt_shape(&x.shape), cg * a.groups, c);
    }
    if kh == 0 || kw == 0 { bail!(Shape, "conv2d: kernel size must be positive, got weight {}", fmt_shape(&w.shape)); }
    let (oh, ow) = out_size(h, wd, [kh, kw], a, "conv2d")?;
    crate::shape::checked_numel(&[n, o, oh, ow])?;
    Ok(Geom { n, c: cg, h, w: wd, o, kh, kw, oh, ow, a: *a })
}

pub fn conv2d_forward(x: &Tensor, w: &Tensor, b: Option<&Tensor>, a: &ConvArgs) -> Result<Tensor> {
    x.check_device(w, "conv2d")?;
    check_f32("conv2d", &[("input", x), ("weight", w)])?;
    let g = geometry(x, w, a)?;
    check_bias(b, g.o, "conv2d")?;
    let mut out = with2(x, w, |xs, ws| conv_raw(xs, ws, &g))?;
    add_bias(&mut out, b, g.o, g.l())?;
    Ok(Tensor::from_vec(out, alloc::vec![g.n, g.o, g.oh, g.ow]))
}

/// The differentiable conv2d.
pub fn conv2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, a: ConvArgs) -> Result<Tensor> {
    let y = conv2d_forward(x, w, b, &a)?;
    let g = geometry(x, w, &a)?;
    let (sx, sw) = (Saved::new(x), Saved::new(w));
    let (need_x, need_w) = (x.requires_grad(), w.requires_grad());
    let need_b = b.is_some_and(|b| b.requires_grad());
    let mut inputs: Vec<&Tensor> = alloc::vec![x, w];
    if let Some(b) = b { inputs.push(b); }
    Ok(record("conv2d", &inputs, y, move |gy| {
        let (x, w) = (sx.get()?, sw.get()?);
        let dx = if need_x { Some(crate::profile::span("conv2d.grad_input", || -> Result<Tensor> { Ok(Tensor::from_vec(with2(gy, w, |gys, ws| grad_input_raw(gys, ws, &g))?, x.shape.clone())) })?) } else { None };
        let dw = if need_w { Some(crate::profile::span("conv2d.grad_weight", || -> Result<Tensor> { Ok(Tensor::from_vec(with2(x, gy, |xs, gys| grad_weight_raw(xs, gys, &g))?, w.shape.clone())) })?) } else { None };
        let db = if need_b { Some(bias_grad(gy)?) } else { None };
        Ok(alloc::vec![dx, dw, db])
    }))
}

/// conv_transpose2d: the input-gradient of conv2d used as a forward op.
/// `w` is [in, out/groups, kh, kw] as in PyTorch; output_padding adds rows/cols at the end.
pub fn conv_transpose2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, a: ConvArgs, output_padding: [usize; 2]) -> Result<Tensor> {
    const WHAT: &str = "conv_transpose2d";
    check_args(&a, WHAT)?;
    x.check_device(w, WHAT)?;
    check_f32(WHAT, &[("input", x), ("weight", w)])?;
    if x.ndim() != 4 {
        bail!(Shape, "Expected 4D (batched) input to conv_transpose2d, but got input of size: {}", fmt_shape(&x.shape));
    }
    if w.ndim() != 4 { bail!(Shape, "conv_transpose2d: weight must be 4-D [in_channels, out_channels/groups, kH, kW], got {}", fmt_shape(&w.shape)); }
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let (wi, og, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
    if wi != cin {
        bail!(Shape, "Given transposed=1, weight of size {}, expected input{} to have {} channels, but got {} channels instead", fmt_shape(&w.shape), fmt_shape(&x.shape), wi, cin);
    }
    if cin % a.groups != 0 {
        bail!(Value, "conv_transpose2d: in_channels ({}) must be divisible by groups ({})", cin, a.groups);
    }
    if kh == 0 || kw == 0 { bail!(Shape, "conv_transpose2d: kernel size must be positive, got weight {}", fmt_shape(&w.shape)); }
    for k in 0..2 {
        if output_padding[k] >= a.stride[k] && output_padding[k] >= a.dilation[k] {
            bail!(Value, "conv_transpose2d: output padding must be smaller than either stride or dilation, but got output_padding=({}, {}), stride=({}, {}), dilation=({}, {})",
                output_padding[0], output_padding[1], a.stride[0], a.stride[1], a.dilation[0], a.dilation[1]);
        }
    }
    if h == 0 || wd == 0 {
        bail!(Shape, "conv_transpose2d: input spatial size must be positive, got input {}", fmt_shape(&x.shape));
    }
    // Checked: stride, dilation and output_padding come from the user (usize is 32-bit in wasm).
    let full = |n: usize, s: usize, d: usize, k: usize, op: usize| -> Option<usize> {
        (n - 1).checked_mul(s)?.checked_add(d.checked_mul(k.checked_sub(1)?)?)?.checked_add(1)?.checked_add(op)
    };
    let (Some(oh_full), Some(ow_full)) = (full(h, a.stride[0], a.dilation[0], kh, output_padding[0]), full(wd, a.stride[1], a.dilation[1], kw, output_padding[1])) else {
        bail!(Value, "conv_transpose2d: stride ({}, {}), dilation ({}, {}) or kernel {}x{} gives an output size that is too large or empty", a.stride[0], a.stride[1], a.dilation[0], a.dilation[1], kh, kw);
    };
    if oh_full <= 2 * a.padding[0] || ow_full <= 2 * a.padding[1] {
        bail!(Shape, "conv_transpose2d: given input size per channel: ({} x {}), padding ({}, {}) makes the calculated output size per channel non-positive: ({} x {})",
            h, wd, a.padding[0], a.padding[1], oh_full as isize - 2 * a.padding[0] as isize, ow_full as isize - 2 * a.padding[1] as isize);
    }
    let (oh, ow) = (oh_full - 2 * a.padding[0], ow_full - 2 * a.padding[1]);
    let o = og * a.groups;
    check_bias(b, o, WHAT)?;
    crate::shape::checked_numel(&[n, o, oh, ow])?;
    // The conv2d view: input Y [n, o, oh, ow], weight w as [cin (conv out), og (conv in/groups), kh, kw], output x.
    let g = Geom { n, c: og, h: oh, w: ow, o: cin, kh, kw, oh: h, ow: wd, a };
    let mut y = grad_input_raw(&f32_data(x)?, &f32_data(w)?, &g)?;
    add_bias(&mut y, b, o, oh * ow)?;
    let y = Tensor::from_vec(y, alloc::vec![n, o, oh, ow]);
    let (sx, sw) = (Saved::new(x), Saved::new(w));
    let (need_x, need_w) = (x.requires_grad(), w.requires_grad());
    let need_b = b.is_some_and(|b| b.requires_grad());
    let mut inputs: Vec<&Tensor> = alloc::vec![x, w];
    if let Some(b) = b { inputs.push(b); }
    Ok(record("conv_transpose2d", &inputs, y, move |gy| {
        let (x, w) = (sx.get()?, sw.get()?);
        let gys = f32_data(gy)?;
        // d/dx of conv_transpose = conv2d(gy, w); d/dw is conv2d's weight gradient with gy as its input.
        let dx = if need_x { Some(Tensor::from_vec(conv_raw(&gys, &f32_data(w)?, &g)?, x.shape.clone())) } else { None };
        let dw = if need_w { Some(Tensor::from_vec(grad_weight_raw(&gys, &f32_data(x)?, &g)?, w.shape.clone())) } else { None };
        let db = if need_b { Some(bias_grad(gy)?) } else { None };
        Ok(alloc::vec![dx, dw, db])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn seq(n: usize, scale: f32) -> Vec<f32> { (0..n).map(|i| ((i * 7 + 3) % 11) as f32 * scale - 0.4).collect() }

    /// Direct definition: y[s, oc, oy, ox] = Σ w[oc, ci, i, j] x[s, g*c + ci, oy*s - p + i*d, ox*s - p + j*d].
    fn naive(x: &Tensor, w: &Tensor, a: &ConvArgs) -> (Vec<usize>, Vec<f32>) {
        let g = geometry(x, w, a).unwrap();
        let (xs, ws) = (x.to_vec::<f32>().unwrap(), w.to_vec::<f32>().unwrap());
        let og = g.o / a.groups;
        let mut out = vec![0f32; g.n * g.o * g.oh * g.ow];
        for s in 0..g.n { for oc in 0..g.o { for oy in 0..g.oh { for ox in 0..g.ow {
            let gi = oc / og;
            let mut acc = 0f64;
            for ci in 0..g.c { for i in 0..g.kh { for j in 0..g.kw {
                let y = (oy * a.stride[0] + i * a.dilation[0]) as isize - a.padding[0] as isize;
                let xx = (ox * a.stride[1] + j * a.dilation[1]) as isize - a.padding[1] as isize;
                if y < 0 || xx < 0 || y >= g.h as isize || xx >= g.w as isize { continue; }
                let xv = xs[((s * g.c * a.groups + gi * g.c + ci) * g.h + y as usize) * g.w + xx as usize];
                acc += xv as f64 * ws[((oc * g.c + ci) * g.kh + i) * g.kw + j] as f64;
            }}}
            out[((s * g.o + oc) * g.oh + oy) * g.ow + ox] = acc as f32;
        }}}}
        (vec![g.n, g.o, g.oh, g.ow], out)
    }

    fn dot(a: &[f32], b: &[f32]) -> f64 { a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum() }

    #[test]
    fn conv2d_matches_the_definition_and_its_transpose_is_the_adjoint() {
        for &(n, c, h, w, o, kh, kw, s, p, d, groups) in &[
            (2, 4, 7, 5, 6, 3, 2, [1, 2], [1, 0], [1, 2], 2),
            (1, 3, 6, 6, 3, 3, 3, [2, 2], [1, 1], [1, 1], 3),
            (3, 2, 5, 8, 4, 2, 3, [1, 1], [2, 2], [2, 1], 1),
        ] {
            let a = ConvArgs { stride: s, padding: p, dilation: d, groups };
            let x = Tensor::from_vec(seq(n * c * h * w, 0.1), vec![n, c, h, w]);
            let wt = Tensor::from_vec(seq(o * (c / groups) * kh * kw, 0.2), vec![o, c / groups, kh, kw]);
            let y = conv2d_forward(&x, &wt, None, &a).unwrap();
            let (shape, want) = naive(&x, &wt, &a);
            assert_eq!(y.shape, shape);
            for (g, e) in y.to_vec::<f32>().unwrap().iter().zip(&want) { assert!((g - e).abs() <= 1e-4 * (1.0 + e.abs()), "{g} vs {e}"); }
            // <conv(x), r> = <x, conv_transpose(r)> with the same weight (as [in, out/groups] of the transpose).
            let r = Tensor::from_vec(seq(y.numel(), 0.3), y.shape.clone());
            // output_padding = the rows/cols the size formula's floor dropped, so the transpose has x's shape
            let rem = |k: usize| ([h, w][k] + 2 * p[k] - d[k] * ([kh, kw][k] - 1) - 1) % s[k];
            let xt = conv_transpose2d(&r, &wt, None, a, [rem(0), rem(1)]).unwrap();
            assert_eq!(xt.shape, x.shape);
            let (lhs_x, xtv) = (x.to_vec::<f32>().unwrap(), xt.to_vec::<f32>().unwrap());
            let lhs = dot(&y.to_vec::<f32>().unwrap(), &r.to_vec::<f32>().unwrap());
            let rhs = dot(&lhs_x, &xtv);
            assert!((lhs - rhs).abs() <= 1e-3 * (1.0 + lhs.abs()), "{lhs} vs {rhs}");
        }
    }

    #[test]
    fn transpose_output_padding_below_dilation_has_the_padded_size() {
        // stride 1, dilation 2, output_padding 1: the conv2d view's output is one row shorter than
        // the size formula gives; the op must still produce (h - 1) + 2 (k - 1) + 1 + 1 rows.
        let a = ConvArgs { stride: [1, 1], padding: [0, 0], dilation: [2, 2], groups: 1 };
        let x = Tensor::from_vec(seq(2 * 3 * 4, 0.1), vec![1, 2, 3, 4]);
        let w = Tensor::from_vec(seq(2 * 2 * 2 * 3, 0.1), vec![2, 2, 2, 3]);
        let y = conv_transpose2d(&x, &w, None, a, [1, 1]).unwrap();
        assert_eq!(y.shape, vec![1, 2, 3 + 2 + 1, 4 + 4 + 1]);
        // the extra last row and column get nothing
        let v = y.to_vec::<f32>().unwrap();
        for ch in 0..2 { for xx in 0..9 { assert_eq!(v[(ch * 6 + 5) * 9 + xx], 0.0); } }
    }

    #[test]
    fn bad_arguments_are_errors_not_panics() {
        let x = Tensor::from_vec(seq(2 * 3 * 4 * 4, 0.1), vec![2, 3, 4, 4]);
        let w = Tensor::from_vec(seq(4 * 3 * 5 * 5, 0.1), vec![4, 3, 5, 5]);
        let a = ConvArgs { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
        assert!(conv2d_forward(&x, &w, None, &a).is_err()); // kernel bigger than input
        let w = Tensor::from_vec(seq(4 * 2 * 3 * 3, 0.1), vec![4, 2, 3, 3]);
        assert!(conv2d_forward(&x, &w, None, &a).is_err()); // wrong channels
        assert!(conv2d_forward(&x, &w, None, &ConvArgs { groups: 0, ..a }).is_err());
        assert!(conv2d_forward(&x, &w, None, &ConvArgs { stride: [0, 1], ..a }).is_err());
        assert!(conv_transpose2d(&x, &w, None, ConvArgs { stride: [2, 2], ..a }, [2, 0]).is_err()); // output_padding >= stride
        assert!(conv_transpose2d(&x, &w, None, ConvArgs { padding: [9, 9], ..a }, [0, 0]).is_err()); // nothing left
    }
}
