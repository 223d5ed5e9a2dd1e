//! conv2d at unit stride and dilation runs kd_kernels' direct kernel, or Winograd F(2x2, 3x3)
//! for 3x3 kernels between enough channels (both with their own weight gradients; the input
//! gradient is the same forward kernel on dY with the flipped kernel). Other convolutions are
//! lowered to the packed GEMM through im2col (per sample, per group), with their backward
//! passes as GEMMs too: dW = dY·colsᵀ, dcols = Wᵀ·dY then col2im. conv_transpose2d runs the
//! same three raw kernels on the conv2d view (`ConvGeom`) of the op.
//!
//! Threads: with at least as many samples as threads, the im2col forward pass and the input
//! gradient split the samples (each thread with its own cols and GEMM scratch, allocated before
//! the split); otherwise the samples run in order and each GEMM splits. The im2col weight
//! gradient sums its samples in order with GEMMs that split; the bias gradient splits the
//! channels. Every output element is computed as on one thread: same bits for any count.
use alloc::vec::Vec;

use super::memory::{to_vec, with_contiguous};
use crate::backend::ConvGeom as Geom;
use crate::error::Result;
use crate::ops::conv::ConvArgs;
use crate::storage::{alloc_for_overwrite, alloc_vec};
use crate::tensor::Tensor;
use kd_kernels::gemm::{sgemm, sgemm_scratch_len, sgemm_serial};
use kd_kernels::parallel::{num_threads, parallel_for, PerThread, SyncPtr};

/// Work (flops, or elements moved) a parallel range should hold at least.
const PAR_FLOPS: usize = 1 << 20;
const PAR_ELEMS: usize = 1 << 15;

/// C = A·B (+ C) with the GEMM's own threads (`scratch` None) or, inside a parallel range, on
/// this thread with the range's scratch. Same bits either way.
#[allow(clippy::too_many_arguments)]
fn gemm(
    scratch: Option<&mut [f32]>, m: usize, n: usize, k: usize, a: &[f32], rsa: usize, csa: usize,
    b: &[f32], rsb: usize, csb: usize, c: &mut [f32], rsc: usize, acc: bool,
) {
    match scratch {
        Some(s) => sgemm_serial(m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, 1, acc, s),
        None => sgemm(m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, 1, acc),
    }
}

/// Runs `f(s, cols, scratch)` for every sample s < n: split over the samples when there are
/// threads and at least as many samples (each thread with its own `cols_len` cols floats and
/// `gemm_len` GEMM scratch), else in order on this thread with scratch None (the GEMMs split).
fn per_sample<F: Fn(usize, &mut [f32], Option<&mut [f32]>) + Sync>(n: usize, cols_len: usize, gemm_len: usize, flops: usize, f: F) -> Result<()> {
    let threads = num_threads();
    if threads > 1 && n >= threads {
        let per = cols_len + gemm_len;
        let mut buf = alloc_vec::<f32>(threads * per)?;
        let blocks = PerThread::new(&mut buf, per);
        parallel_for(n, PAR_FLOPS.div_ceil(flops.max(1)), |lo, hi, tid| {
            // SAFETY: the tid parallel_for gave this range.
            unsafe { blocks.with(tid, |mine| {
                let (cols, scratch) = mine.split_at_mut(cols_len);
                for s in lo..hi { f(s, cols, Some(&mut *scratch)); }
            }) }
        });
    } else {
        let mut cols = alloc_vec::<f32>(cols_len)?;
        for s in 0..n { f(s, &mut cols, None); }
    }
    Ok(())
}

/// cols[(ci*kh + i)*kw + j, oy*ow + ox] = x[c0 + ci, oy*s - p + i*d, ox*s - p + j*d] (0 outside).
/// Split over the channels when `split` (outside a parallel range).
fn im2col(x: &[f32], g: &Geom, c0: usize, cols: &mut [f32], split: bool) {
    let rows = g.kh * g.kw * g.l();
    if !split || num_threads() == 1 {
        return im2col_part(x, g, c0, 0, g.c, cols);
    }
    let p = SyncPtr::new(cols);
    // SAFETY: channels lo..hi own rows lo*kh*kw.. of cols.
    parallel_for(g.c, PAR_ELEMS.div_ceil(rows.max(1)), |lo, hi, _| im2col_part(x, g, c0, lo, hi, unsafe { p.slice(lo * rows, hi * rows) }));
}

/// im2col for channels lo..hi, into their rows (the first at cols[0]).
fn im2col_part(x: &[f32], g: &Geom, c0: usize, lo: usize, hi: usize, cols: &mut [f32]) {
    let a = g.a;
    let l = g.l();
    for ci in lo..hi {
        let plane = &x[(c0 + ci) * g.h * g.w..(c0 + ci + 1) * g.h * g.w];
        for i in 0..g.kh {
            for j in 0..g.kw {
                let row = &mut cols[(((ci - lo) * g.kh + i) * g.kw + j) * l..][..l];
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

/// The adjoint of im2col: adds cols back into the image planes c0.. of `dx`. Split over the
/// channels when `split` (outside a parallel range).
fn col2im(cols: &[f32], g: &Geom, c0: usize, dx: &mut [f32], split: bool) {
    if !split || num_threads() == 1 {
        return col2im_part(cols, g, 0, g.c, &mut dx[c0 * g.h * g.w..]);
    }
    let (hw, p) = (g.h * g.w, SyncPtr::new(dx));
    // SAFETY: channels lo..hi own planes c0+lo..c0+hi of dx.
    parallel_for(g.c, PAR_ELEMS.div_ceil((g.kh * g.kw * g.l()).max(1)), |lo, hi, _| {
        col2im_part(cols, g, lo, hi, unsafe { p.slice((c0 + lo) * hw, (c0 + hi) * hw) })
    });
}

/// col2im for channels lo..hi into `dx`, whose plane 0 is channel lo's.
fn col2im_part(cols: &[f32], g: &Geom, lo: usize, hi: usize, dx: &mut [f32]) {
    let a = g.a;
    let l = g.l();
    for ci in lo..hi {
        let plane = &mut dx[(ci - lo) * g.h * g.w..][..g.h * g.w];
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

fn f32_data(t: &Tensor) -> Result<Vec<f32>> { to_vec::<f32>(t) }

/// Runs f on the float32 elements of two tensors, read in place when contiguous.
fn with2<R>(a: &Tensor, b: &Tensor, f: impl FnOnce(&[f32], &[f32]) -> Result<R>) -> Result<R> {
    with_contiguous::<f32, _>(a, |xa| with_contiguous::<f32, _>(b, |xb| f(xa, xb)))??
}

/// Whether a unit-stride, undilated, ungrouped conv takes the Winograd kernels: the forward
/// (and so the input gradient), and the weight gradient (which also needs its partials to fit).
fn winograd(g: &Geom) -> bool { g.kh == 3 && g.kw == 3 && kd_kernels::winograd::pays(g.c, g.o) }
fn winograd_grad(g: &Geom) -> bool { g.kh == 3 && g.kw == 3 && kd_kernels::winograd::grad_pays(g.c, g.o) }

/// y [n, o, oh, ow] = conv(x [n, c*groups, h, w], w [o, c, kh, kw]) (+ bias [o]).
fn conv_raw(xs: &[f32], ws: &[f32], bias: Option<&[f32]>, g: &Geom) -> Result<Vec<f32>> {
    if g.a.stride == [1, 1] && g.a.dilation == [1, 1] && g.a.groups == 1 && g.l() > 0 && g.o > 0 {
        // Small-CNN shapes: a direct kernel beats im2col + GEMM (less memory traffic). It
        // writes every output and adds the bias itself (no serial zero fill or bias pass).
        // 3x3 kernels between enough channels: Winograd F(2x2, 3x3), 16 multiply-adds per
        // 4 outputs and channel pair instead of 36.
        let mut out = alloc_for_overwrite::<f32>(g.n * g.o * g.l())?;
        if winograd(g) {
            kd_kernels::winograd::conv2d_winograd(xs, g.n, g.c, g.h, g.w, ws, bias, g.o, g.a.padding, &mut out);
        } else {
            kd_kernels::conv::conv2d_direct(xs, g.n, g.c, g.h, g.w, ws, bias, g.o, g.kh, g.kw, g.a.padding, &mut out);
        }
        return Ok(out);
    }
    let (og, ckk, l, in_plane) = (g.og(), g.ckk(), g.l(), g.in_plane());
    let mut out = alloc_vec::<f32>(g.n * g.o * l)?;
    if l == 0 || og == 0 { return Ok(out); }
    let o = SyncPtr::new(&mut out);
    per_sample(g.n, ckk * l, sgemm_scratch_len(og, l, ckk), 2 * g.o * ckk * l, |s, cols, mut scratch| {
        let xin = &xs[s * in_plane..(s + 1) * in_plane];
        // SAFETY: sample s's outputs, written by this call only.
        let dst = unsafe { o.slice(s * g.o * l, (s + 1) * g.o * l) };
        for gi in 0..g.a.groups {
            im2col(xin, g, gi * g.c, cols, scratch.is_none());
            gemm(scratch.as_deref_mut(), og, l, ckk, &ws[gi * og * ckk..], ckk, 1, cols, l, 1, &mut dst[gi * og * l..], l, false);
        }
    })?;
    add_bias(&mut out, bias, g.o, l);
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
        return conv_raw(gys, &wt, None, &back);
    }
    let (og, ckk, l, in_plane) = (g.og(), g.ckk(), g.l(), g.in_plane());
    let mut dx = alloc_vec::<f32>(g.n * in_plane)?;
    if l == 0 || ckk == 0 { return Ok(dx); }
    let d = SyncPtr::new(&mut dx);
    per_sample(g.n, ckk * l, sgemm_scratch_len(ckk, l, og), 2 * g.o * ckk * l, |s, cols, mut scratch| {
        // SAFETY: sample s's planes of dx, written by this call only.
        let dxs = unsafe { d.slice(s * in_plane, (s + 1) * in_plane) };
        for gi in 0..g.a.groups {
            // dcols = W_gᵀ [ckk x og] · dY_g [og x l]
            let gys_g = &gys[(s * g.o + gi * og) * l..];
            gemm(scratch.as_deref_mut(), ckk, l, og, &ws[gi * og * ckk..], 1, ckk, gys_g, l, 1, cols, l, false);
            col2im(cols, g, gi * g.c, dxs, scratch.is_none());
        }
    })?;
    Ok(dx)
}

/// dw [o, c, kh, kw] from x [n, c*groups, h, w] and dy [n, o, oh, ow].
fn grad_weight_raw(xs: &[f32], gys: &[f32], g: &Geom) -> Result<Vec<f32>> {
    let (og, ckk, l, in_plane) = (g.og(), g.ckk(), g.l(), g.in_plane());
    let mut dw = alloc_vec::<f32>(g.o * ckk)?;
    if l == 0 || og == 0 || ckk == 0 { return Ok(dw); }
    if g.a.stride == [1, 1] && g.a.dilation == [1, 1] && g.a.groups == 1 {
        if winograd_grad(g) {
            kd_kernels::winograd::conv2d_winograd_grad_weight(xs, g.n, g.c, g.h, g.w, gys, g.o, g.a.padding, &mut dw);
        } else {
            kd_kernels::conv::conv2d_direct_grad_weight(xs, g.n, g.c, g.h, g.w, gys, g.o, g.kh, g.kw, g.a.padding, &mut dw);
        }
        return Ok(dw);
    }
    let mut cols = alloc_vec::<f32>(ckk * l)?;
    for s in 0..g.n {
        for gi in 0..g.a.groups {
            im2col(&xs[s * in_plane..(s + 1) * in_plane], g, gi * g.c, &mut cols, true);
            // dW_g += dY_g [og x l] · colsᵀ [l x ckk]
            let gys_g = &gys[(s * g.o + gi * og) * l..];
            sgemm(og, ckk, l, gys_g, l, 1, &cols, 1, l, &mut dw[gi * og * ckk..], ckk, 1, true);
        }
    }
    Ok(dw)
}

/// The bias gradient: dy [n, o, h, w] summed over everything but o, one plane at a time.
pub fn grad_bias(gy: &Tensor) -> Result<Tensor> {
    let (n, o) = (gy.shape[0], gy.shape[1]);
    let plane: usize = gy.shape[2..].iter().product();
    let mut db = alloc::vec![0.0f64; o];
    let p = SyncPtr::new(&mut db);
    with_contiguous::<f32, _>(gy, |g| {
        // Each channel sums its samples in order, on whichever thread.
        parallel_for(o, PAR_ELEMS.div_ceil((n * plane).max(1)), |lo, hi, _| {
            // SAFETY: channels lo..hi of db, written by this range only.
            let db = unsafe { p.slice(lo, hi) };
            for (acc, c) in db.iter_mut().zip(lo..hi) {
                for s in 0..n { *acc += sum_f64(&g[(s * o + c) * plane..][..plane]); }
            }
        });
    })?;
    Ok(Tensor::from_vec(db.into_iter().map(|v| v as f32).collect::<Vec<f32>>(), alloc::vec![o]))
}

/// The float64 sum of `v` in 8 interleaved lanes, combined in a fixed order: one chain of
/// dependent adds was latency-bound (a third of a TinyVGG step's bias gradients).
fn sum_f64(v: &[f32]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let mut it = v.chunks_exact(8);
    for c in &mut it {
        for (l, &x) in lanes.iter_mut().zip(c) { *l += x as f64; }
    }
    for (l, &x) in lanes.iter_mut().zip(it.remainder()) { *l += x as f64; }
    ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
}

/// out [.., o, plane] += bias [o].
fn add_bias(out: &mut [f32], bias: Option<&[f32]>, o: usize, plane: usize) {
    let Some(bs) = bias else { return };
    if plane == 0 { return; }
    for (i, chunk) in out.chunks_mut(plane).enumerate() {
        let v = bs[i % o];
        for y in chunk.iter_mut() { *y += v; }
    }
}

pub fn conv2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &Geom) -> Result<Tensor> {
    let bs = b.map(f32_data).transpose()?;
    let out = with2(x, w, |xs, ws| conv_raw(xs, ws, bs.as_deref(), g))?;
    Ok(Tensor::from_vec(out, alloc::vec![g.n, g.o, g.oh, g.ow]))
}

pub fn grad_input(gy: &Tensor, w: &Tensor, g: &Geom) -> Result<Tensor> {
    Ok(Tensor::from_vec(with2(gy, w, |gys, ws| grad_input_raw(gys, ws, g))?, alloc::vec![g.n, g.c * g.a.groups, g.h, g.w]))
}

pub fn grad_weight(x: &Tensor, gy: &Tensor, g: &Geom) -> Result<Tensor> {
    Ok(Tensor::from_vec(with2(x, gy, |xs, gys| grad_weight_raw(xs, gys, g))?, alloc::vec![g.o, g.c, g.kh, g.kw]))
}

/// conv_transpose2d x [n, cin = g.o, h = g.oh, w = g.ow] -> [n, og*groups, g.h, g.w] (+ bias).
pub fn conv_transpose2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &Geom) -> Result<Tensor> {
    let mut y = grad_input_raw(&f32_data(x)?, &f32_data(w)?, g)?;
    let o = g.c * g.a.groups;
    add_bias(&mut y, b.map(f32_data).transpose()?.as_deref(), o, g.h * g.w);
    Ok(Tensor::from_vec(y, alloc::vec![g.n, o, g.h, g.w]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kd_kernels::parallel::with_threads;

    fn seq(n: usize, m: usize) -> Vec<f32> { (0..n).map(|i| ((i * m + 3) % 1009) as f32 / 1009.0 - 0.5).collect() }
    fn bits(t: &Tensor) -> Vec<u32> { t.to_vec::<f32>().unwrap().iter().map(|v| v.to_bits()).collect() }

    fn geom(n: usize, c: usize, h: usize, w: usize, o: usize, k: usize, a: ConvArgs) -> Geom {
        let out = |x: usize, i: usize| (x + 2 * a.padding[i] - a.dilation[i] * (k - 1) - 1) / a.stride[i] + 1;
        Geom { n, c: c / a.groups, h, w, o, kh: k, kw: k, oh: out(h, 0), ow: out(w, 1), a }
    }

    #[test]
    fn same_bits_on_any_thread_count() {
        let args = |s: usize, p: usize, d: usize, g: usize| ConvArgs { stride: [s, s], padding: [p, p], dilation: [d, d], groups: g };
        // im2col forward and input gradient split over samples (n >= threads) or inside the
        // GEMMs (n = 2 < 3, 4 threads); the direct kernels; a strided/dilated/grouped weight
        // gradient; the bias gradient. Every case is several grains of work.
        for &(n, c, h, w, o, k, a) in &[
            (8, 8, 32, 32, 16, 3, args(2, 1, 1, 1)),
            (6, 8, 30, 30, 12, 3, args(1, 2, 2, 2)),
            (2, 6, 33, 29, 20, 3, args(2, 1, 1, 1)),
            (5, 10, 28, 28, 10, 3, args(1, 1, 1, 1)),
            (3, 16, 21, 19, 32, 3, args(1, 2, 2, 1)),
        ] {
            let g = geom(n, c, h, w, o, k, a);
            let x = Tensor::from_vec(seq(n * c * h * w, 7919), alloc::vec![n, c, h, w]);
            let wt = Tensor::from_vec(seq(o * g.c * k * k, 104729), alloc::vec![o, g.c, k, k]);
            let b = Tensor::from_vec(seq(o, 31), alloc::vec![o]);
            let gy = Tensor::from_vec(seq(n * o * g.oh * g.ow, 613), alloc::vec![n, o, g.oh, g.ow]);
            let run = |t: usize| with_threads(t, || {
                let y = conv2d(&x, &wt, Some(&b), &g).unwrap();
                let dx = grad_input(&gy, &wt, &g).unwrap();
                let dw = grad_weight(&x, &gy, &g).unwrap();
                let db = grad_bias(&gy).unwrap();
                [bits(&y), bits(&dx), bits(&dw), bits(&db)]
            });
            let one = run(1);
            for t in [2, 3, 4] {
                let got = run(t);
                for (i, what) in ["forward", "grad_input", "grad_weight", "grad_bias"].iter().enumerate() {
                    assert!(got[i] == one[i], "{what}: {t} threads differ from 1, shape {:?}", (n, c, h, w, o, k, a));
                }
            }
            // And right: the forward against the definition on one sample/channel spot check.
            let y = with_threads(3, || conv2d(&x, &wt, None, &g).unwrap()).to_vec::<f32>().unwrap();
            let (xs, ws) = (x.to_vec::<f32>().unwrap(), wt.to_vec::<f32>().unwrap());
            let og = o / a.groups;
            for &(s, oc, oy, ox) in &[(0, 0, 0, 0), (n - 1, o - 1, g.oh - 1, g.ow - 1), (n / 2, o / 2, g.oh / 2, g.ow / 3)] {
                let mut acc = 0f64;
                for ci in 0..g.c { for i in 0..k { for j in 0..k {
                    let yy = (oy * a.stride[0] + i * a.dilation[0]) as isize - a.padding[0] as isize;
                    let xx = (ox * a.stride[1] + j * a.dilation[1]) as isize - a.padding[1] as isize;
                    if yy < 0 || xx < 0 || yy >= h as isize || xx >= w as isize { continue; }
                    acc += xs[((s * c + oc / og * g.c + ci) * h + yy as usize) * w + xx as usize] as f64 * ws[((oc * g.c + ci) * k + i) * k + j] as f64;
                }}}
                let got = y[((s * o + oc) * g.oh + oy) * g.ow + ox] as f64;
                assert!((got - acc).abs() <= 1e-4 * (1.0 + acc.abs()), "y[{s},{oc},{oy},{ox}] {got} vs {acc}");
            }
        }
    }
}
