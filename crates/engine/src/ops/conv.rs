//! conv2d and conv_transpose2d: argument checks, PyTorch's messages, geometry and backward
//! rules. The backend computes.
//!
//! conv_transpose2d is the input-gradient of a conv2d run forward, so both ops share three
//! backend kernels on one `Geom` (the conv2d view of the op): conv2d (x, w -> y),
//! conv2d_grad_input (dy, w -> dx) and conv2d_grad_weight (x, dy -> dw). The geometry is given
//! explicitly (not recomputed from sizes), because a transposed convolution's output_padding
//! can make its conv2d view's output one row shorter than the size formula gives.
use alloc::vec::Vec;

use crate::autograd::{record, Saved};
use crate::backend::ConvGeom as Geom;
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::fmt_shape;
use crate::tensor::Tensor;

#[derive(Clone, Copy, Debug)]
pub struct ConvArgs {
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub groups: usize,
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

fn check_bias(b: Option<&Tensor>, o: usize, what: &str) -> Result<()> {
    if let Some(b) = b {
        if b.dtype() != DType::F32 { bail!(DType, "{}: expected bias of dtype float32, got {}", what, b.dtype().name()); }
        if b.shape != [o] { bail!(Shape, "{}: expected bias of shape [{}] (one per output channel), got {}", what, o, fmt_shape(&b.shape)); }
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
    if let Some(b) = b { x.check_device(b, "conv2d")?; }
    crate::backend::of(x.device()).conv2d(x, w, b, &g)
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
        let be = crate::backend::of(gy.device());
        let dx = if need_x { Some(crate::profile::span("conv2d.grad_input", || be.conv2d_grad_input(gy, w, &g))?) } else { None };
        let dw = if need_w { Some(crate::profile::span("conv2d.grad_weight", || be.conv2d_grad_weight(x, gy, &g))?) } else { None };
        let db = if need_b { Some(be.conv2d_grad_bias(gy)?) } else { None };
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
    if let Some(b) = b { x.check_device(b, WHAT)?; }
    let y = crate::backend::of(x.device()).conv_transpose2d(x, w, b, &g)?;
    let (sx, sw) = (Saved::new(x), Saved::new(w));
    let (need_x, need_w) = (x.requires_grad(), w.requires_grad());
    let need_b = b.is_some_and(|b| b.requires_grad());
    let mut inputs: Vec<&Tensor> = alloc::vec![x, w];
    if let Some(b) = b { inputs.push(b); }
    Ok(record("conv_transpose2d", &inputs, y, move |gy| {
        let (x, w) = (sx.get()?, sw.get()?);
        let be = crate::backend::of(gy.device());
        // d/dx of conv_transpose = conv2d(gy, w); d/dw is conv2d's weight gradient with gy as its input.
        let dx = if need_x { Some(be.conv2d(gy, w, None, &g)?) } else { None };
        let dw = if need_w { Some(be.conv2d_grad_weight(gy, x, &g)?) } else { None };
        let db = if need_b { Some(be.conv2d_grad_bias(gy)?) } else { None };
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
