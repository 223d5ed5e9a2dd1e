//! Direct 2-D convolution for unit stride and dilation, the shape of small CNNs (few
//! channels, 3x3 kernels): no im2col matrix and no GEMM packing, whose memory traffic costs
//! more than the arithmetic at these sizes. Register tile: 4 output channels x 8 pixels
//! (8 accumulators), the same 6 loads per 8 multiply-adds as the GEMM micro-kernel.
//!
//! Threads: the forward pass splits (sample, 4-channel block) pairs, each thread padding the
//! samples it meets into its own plane; the weight gradient splits the dW elements (kernel rows
//! of channel pairs), each summing its samples in order. Either way every output is computed
//! as on one thread, so the bits do not depend on the thread count.
use alloc::vec;

use crate::gemm::{Ptr, PACK_FLOATS, PAR_FLOPS};
use crate::parallel::{num_threads, parallel_for, PerThread};
use crate::rows::{copy_row, zero_row};
use crate::simd::F32x4;

/// y[s, o, oy, ox] = sum_{c,i,j} w[o, c, i, j] * x[s, c, oy + i - ph, ox + j - pw] (zero outside),
/// for x [n, c, h, w], weights [o, c, kh, kw], y [n, o, oh, ow] with oh = h + 2ph - kh + 1 and
/// ow = w + 2pw - kw + 1, plus `bias[o]` when given (added to each finished sum, as a separate
/// pass would). Every element of y is written (its contents on entry do not matter). The
/// caller checks the shapes (oh, ow >= 1) and slice lengths.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_direct(
    x: &[f32], n: usize, c: usize, h: usize, w: usize,
    weights: &[f32], bias: Option<&[f32]>, o: usize, kh: usize, kw: usize,
    pad: [usize; 2], y: &mut [f32],
) {
    let (oh, ow) = (h + 2 * pad[0] + 1 - kh, w + 2 * pad[1] + 1 - kw);
    assert!(x.len() >= n * c * h * w && weights.len() >= o * c * kh * kw && y.len() >= n * o * oh * ow, "conv2d_direct: slice too short");
    assert!(bias.is_none_or(|b| b.len() >= o), "conv2d_direct: bias too short");
    // Padded input planes, one set per thread; rows are wide enough that every 8-pixel tile
    // reads inside them. Only the interiors are ever rewritten: the borders stay zero.
    let tiles = ow.div_ceil(8);
    let rs = tiles * 8 + kw; // row stride of the padded plane
    let hp = h + 2 * pad[0];
    let plane = c * hp * rs;
    let threads = num_threads();
    let mut xp = vec![0.0f32; threads * plane];
    // Weights regrouped as [o/4][c][kh][kw][4] (channels past o are zero).
    let ob = o.div_ceil(4);
    let kk = kh * kw;
    // The bias by 4-channel block (zero past o), added only when given.
    let mut bs = vec![0.0f32; ob * 4];
    if let Some(b) = bias { bs[..o].copy_from_slice(&b[..o]); }
    let bs = bias.map(|_| &bs[..]);
    let mut wt = vec![0.0f32; ob * c * kk * 4];
    for oc in 0..o {
        for ci in 0..c {
            for k in 0..kk {
                wt[((oc / 4 * c + ci) * kk + k) * 4 + oc % 4] = weights[(oc * c + ci) * kk + k];
            }
        }
    }
    let (planes, yp) = (PerThread::new(&mut xp, plane), Ptr(y.as_mut_ptr()));
    let wt = &wt[..];
    let per_pair = (8 * oh * ow * c * kk).max(1);
    parallel_for(n * ob, PAR_FLOPS.div_ceil(per_pair), |lo, hi, tid| {
        // SAFETY: the tid parallel_for gave this range.
        unsafe { planes.with(tid, |xp| {
            let mut padded = usize::MAX;
            for t in lo..hi {
                let (s, b) = (t / ob, t % ob);
                if s != padded {
                    for ci in 0..c {
                        for yy in 0..h {
                            let src = &x[((s * c + ci) * h + yy) * w..][..w];
                            copy_row(src, &mut xp[(ci * hp + yy + pad[0]) * rs + pad[1]..][..w]);
                        }
                    }
                    padded = s;
                }
                // SAFETY: pair (s, b) writes only y[s, 4b..4b+4, .., ..], in bounds (asserted above).
                let bias = bs.map(|v| [v[4 * b], v[4 * b + 1], v[4 * b + 2], v[4 * b + 3]]);
                let wb = &wt[b * c * kk * 4..(b + 1) * c * kk * 4];
                Tiles { xp, wb, bias, s, b, c, hp, rs, o, oh, ow, kh, kw, y: yp.get() }.block();
            }
        }) }
    });
}

/// One block's work: output channels 4b..4b+4 (those below o) of sample s from its padded
/// planes `xp` and the regrouped weights `wb` of block b, plus the block's bias, into y (which
/// holds n*o*oh*ow floats; s < n).
struct Tiles<'a> {
    xp: &'a [f32], wb: &'a [f32], bias: Option<[f32; 4]>, s: usize, b: usize, c: usize, hp: usize, rs: usize,
    o: usize, oh: usize, ow: usize, kh: usize, kw: usize, y: *mut f32,
}

impl Tiles<'_> {
    /// The block. A last block of fewer than 4 channels and a last run of at most 4 pixels take
    /// narrower tiles, so no multiply-add is spent on channels or pixels past the edge
    /// (TinyVGG's 10 channels at 28 pixels wasted 27% in 4x8 tiles); each output still sums
    /// its taps in the same order. Safety: as the struct says.
    unsafe fn block(&self) {
        match self.o - 4 * self.b {
            1 => self.rows::<1>(),
            2 => self.rows::<2>(),
            3 => self.rows::<3>(),
            _ => self.rows::<4>(),
        }
    }

    /// Every output row in tiles of 4V pixels, V at most 2, 3, 4 for Q = 4, 3, <= 2: 8 or 9
    /// accumulators in a full tile, as two FMA pipes of 4-cycle latency need (a 2-channel block
    /// in 8-pixel tiles had 4, and took as long as a 4-channel one). The last run of a row takes
    /// the narrowest tile that covers it.
    unsafe fn rows<const Q: usize>(&self) {
        let wide = if Q >= 4 { 2 } else if Q == 3 { 3 } else { 4 };
        for oy in 0..self.oh {
            let mut x0 = 0;
            while x0 < self.ow {
                let v = (self.ow - x0).div_ceil(4).min(wide);
                match v {
                    1 => self.tile::<Q, 1>(oy, x0),
                    2 => self.tile::<Q, 2>(oy, x0),
                    3 if Q <= 3 => self.tile::<Q, 3>(oy, x0),
                    _ if Q <= 2 => self.tile::<Q, 4>(oy, x0),
                    _ => unreachable!(),
                }
                x0 += 4 * v;
            }
        }
    }

    /// Q channels x 4V pixels from x0 of row oy (those below ow).
    #[inline(always)]
    unsafe fn tile<const Q: usize, const V: usize>(&self, oy: usize, x0: usize) {
        let mut acc = [[F32x4::zero(); V]; Q];
        // SAFETY: rows hold rs = ceil(ow/8)*8 + kw floats and x0 is a multiple of 4 below ow
        // with V <= ceil((ow - x0)/4), so x0 + 4V <= ceil(ow/4)*4 <= ceil(ow/8)*8 and
        // x0 + j + 4V <= rs for every j < kw; oy + i < hp for i < kh; wb holds c*kk*4 floats.
        let mut wp = self.wb.as_ptr();
        for ci in 0..self.c {
            for i in 0..self.kh {
                let row = self.xp.as_ptr().add((ci * self.hp + oy + i) * self.rs + x0);
                for j in 0..self.kw {
                    let mut v = [F32x4::zero(); V];
                    for (u, vu) in v.iter_mut().enumerate() { *vu = F32x4::load(row.add(j + 4 * u)); }
                    for (q, aq) in acc.iter_mut().enumerate() {
                        let a = F32x4::load_splat(wp.add(q));
                        for u in 0..V { aq[u] = aq[u].mul_add(a, v[u]); }
                    }
                    wp = wp.add(4);
                }
            }
        }
        if let Some(bv) = self.bias {
            for (q, aq) in acc.iter_mut().enumerate() {
                let v = F32x4::splat(bv[q]);
                for a in aq.iter_mut() { *a = a.add(v); }
            }
        }
        let row_of = |q: usize| self.y.add(((self.s * self.o + 4 * self.b + q) * self.oh + oy) * self.ow + x0);
        if x0 + 4 * V <= self.ow {
            // A full tile: straight into y (no bounce, whose small copies cost a call each).
            for (q, aq) in acc.iter().enumerate() {
                for (u, a) in aq.iter().enumerate() { a.store(row_of(q).add(4 * u)); }
            }
            return;
        }
        let mut tile = [0.0f32; 16]; // 4V <= 16 floats
        let valid = self.ow - x0;
        for (q, aq) in acc.iter().enumerate() {
            for (u, a) in aq.iter().enumerate() { a.store(tile.as_mut_ptr().add(4 * u)); }
            core::ptr::copy_nonoverlapping(tile.as_ptr(), row_of(q), valid);
        }
    }
}

/// Floats of padded samples the weight gradient's unit split holds at once (4 MiB).
const DW_BLOCK_FLOATS: usize = 1 << 20;
/// Floats of per-sample dW partials the weight gradient's sample split holds at once (4 MiB).
const DW_PARTIAL_FLOATS: usize = 1 << 20;

/// A buffer of `n` floats for scratch a kernel writes before it reads (no zero fill).
pub(crate) fn for_overwrite(n: usize) -> alloc::vec::Vec<f32> {
    let mut v = alloc::vec::Vec::with_capacity(n);
    // SAFETY: the capacity holds n floats; every caller writes each before reading it.
    unsafe { v.set_len(n) };
    v
}

/// The weight gradient of `conv2d_direct`: dw[o, c, i, j] = sum over samples and output
/// pixels of dy[s, o, oy, ox] * x[s, c, oy + i - ph, ox + j - pw]. Register tile: up to 8
/// kernel taps of one (o, c) pair accumulated over 4 pixels at a time. `dw` is overwritten.
/// The work of one sample is split in units (one kernel row of a group of 2-3 output channels
/// for 3-wide kernels, else up to 9 taps of one (o, c) pair), each adding that sample's sums into its own
/// dW elements; every dW element adds its samples' sums in sample order, on any thread count.
/// Threads split the samples, each padding its samples into its own buffer and summing each
/// into a partial of its own, added into dW in sample order afterwards (the same adds, so the
/// same bits); where a few samples' partials would not fit, they split the units of a shared
/// block of padded samples instead.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_direct_grad_weight(
    x: &[f32], n: usize, c: usize, h: usize, w: usize,
    dy: &[f32], o: usize, kh: usize, kw: usize,
    pad: [usize; 2], dw: &mut [f32],
) {
    let (oh, ow) = (h + 2 * pad[0] + 1 - kh, w + 2 * pad[1] + 1 - kw);
    assert!(x.len() >= n * c * h * w && dy.len() >= n * o * oh * ow && dw.len() >= o * c * kh * kw, "conv2d_direct_grad_weight: slice too short");
    let quads = ow.div_ceil(4);
    let rs = quads * 4 + kw; // padded input row stride: x0 + j + 4 <= rs for every quad and tap
    let hp = h + 2 * pad[0];
    let ds = quads * 4; // dy row stride, zero past ow
    let kk = kh * kw;
    let wlen = o * c * kk;
    let (xplane, dplane) = (c * hp * rs, o * oh * ds);
    let per_sample = xplane + dplane;
    dw[..wlen].fill(0.0);
    if n == 0 || wlen == 0 { return; }
    let rows3 = kw == 3;
    let chunks = kk.div_ceil(9);
    let units = if rows3 { channel_groups(o) * c * kh } else { o * c * chunks };
    let per_unit = 18 * oh * ow;
    // Sample s padded into `buf` (per_sample floats, written in full: borders and row tails zero).
    let pad_sample = |s: usize, buf: &mut [f32]| {
        let (xp, dp) = buf.split_at_mut(xplane);
        for ci in 0..c {
            pad_plane(&x[(s * c + ci) * h * w..][..h * w], h, w, pad, &mut xp[ci * hp * rs..][..hp * rs], rs);
        }
        pad_plane(&dy[s * o * oh * ow..][..o * oh * ow], o * oh, ow, [0, 0], dp, ds);
    };
    // Units lo..hi of one padded sample, added into `dst` (o*c*kk floats).
    let sample_units = |buf: &[f32], lo: usize, hi: usize, dst: *mut f32| {
        let (xp, dp) = buf.split_at(xplane);
        for u in lo..hi {
            // SAFETY: dst holds wlen floats; unit u adds only into its own elements.
            unsafe {
                if rows3 {
                    let (gc, i) = (u / kh, u % kh);
                    let (oc, size) = channel_group(o, gc / c);
                    let f = match size { 3 => grad_weight_row3::<3>, 2 => grad_weight_row3::<2>, _ => grad_weight_row3::<1> };
                    f(xp, dp, oc, gc % c, i, c, hp, rs, oh, ds, kh, dst);
                } else {
                    let (pair, ch) = (u / chunks, u % chunks);
                    grad_weight_taps(xp, dp, pair / c, pair % c, ch * 9, c, hp, rs, oh, ds, kh, kw, quads, dst);
                }
            }
        }
    };
    let threads = num_threads();
    let round = (DW_PARTIAL_FLOATS / wlen).min(n);
    if threads == 1 {
        let mut buf = for_overwrite(per_sample);
        for s in 0..n {
            pad_sample(s, &mut buf);
            sample_units(&buf, 0, units, dw.as_mut_ptr());
        }
    } else if round >= threads {
        let mut bufs = for_overwrite(threads * per_sample);
        let mut partials = for_overwrite(round * wlen);
        let (planes, pp) = (PerThread::new(&mut bufs, per_sample), Ptr(partials.as_mut_ptr()));
        let mut s0 = 0;
        while s0 < n {
            let nr = round.min(n - s0);
            parallel_for(nr, PAR_FLOPS.div_ceil(per_unit * units), |lo, hi, tid| {
                // SAFETY: the tid parallel_for gave this range.
                unsafe { planes.with(tid, |buf| for t in lo..hi {
                    pad_sample(s0 + t, buf);
                    // SAFETY: sample t's own partial.
                    let part = core::slice::from_raw_parts_mut(pp.get().add(t * wlen), wlen);
                    part.fill(0.0);
                    sample_units(buf, 0, units, part.as_mut_ptr());
                }) }
            });
            for part in partials[..nr * wlen].chunks_exact(wlen) {
                for (d, p) in dw[..wlen].iter_mut().zip(part) { *d += *p; }
            }
            s0 += nr;
        }
    } else {
        // Layers whose dW is large: the threads split the units of a block of padded samples.
        let sb = (DW_BLOCK_FLOATS / per_sample).clamp(1, n);
        let mut pads = for_overwrite(sb * per_sample);
        let (pp, dwp) = (Ptr(pads.as_mut_ptr()), Ptr(dw.as_mut_ptr()));
        let mut s0 = 0;
        while s0 < n {
            let nb = sb.min(n - s0);
            parallel_for(nb, PACK_FLOATS.div_ceil(per_sample), |lo, hi, _| {
                // SAFETY: samples lo..hi's own regions of pads.
                for t in lo..hi { pad_sample(s0 + t, unsafe { core::slice::from_raw_parts_mut(pp.get().add(t * per_sample), per_sample) }); }
            });
            let pads = &pads[..nb * per_sample];
            parallel_for(units, PAR_FLOPS.div_ceil(per_unit * nb), |lo, hi, _| {
                // Sample-major (a sample's planes stay in L1 across the range's units).
                for t in 0..nb { sample_units(&pads[t * per_sample..(t + 1) * per_sample], lo, hi, dwp.get()); }
            });
            s0 += nb;
        }
    }
}

/// Writes the rows×cols plane `src` into `dst` (rows of stride `rs`) at offset (pad[0], pad[1])
/// and zeros the rest of `dst`: every element of `dst` is written.
fn pad_plane(src: &[f32], rows: usize, cols: usize, pad: [usize; 2], dst: &mut [f32], rs: usize) {
    let (top, body) = dst.split_at_mut(pad[0] * rs);
    zero_row(top);
    let (body, bottom) = body.split_at_mut(rows * rs);
    zero_row(bottom);
    for (r, row) in body.chunks_exact_mut(rs).enumerate() {
        zero_row(&mut row[..pad[1]]);
        copy_row(&src[r * cols..(r + 1) * cols], &mut row[pad[1]..pad[1] + cols]);
        zero_row(&mut row[pad[1] + cols..]);
    }
}

/// One sample's sums for up to 9 taps t0.. of the (oc, ci) pair, added into dw.
/// Safety: dw holds o*c*kh*kw floats, oc < o, ci < c.
#[allow(clippy::too_many_arguments)]
unsafe fn grad_weight_taps(
    xp: &[f32], dp: &[f32], oc: usize, ci: usize, t0: usize, c: usize, hp: usize, rs: usize,
    oh: usize, ds: usize, kh: usize, kw: usize, quads: usize, dw: *mut f32,
) {
    let kk = kh * kw;
    // A fixed tile of TAPS accumulators keeps them in registers; taps past kk repeat tap t0
    // and are dropped.
    const TAPS: usize = 9;
    let nt = TAPS.min(kk - t0);
    let mut offs = [0usize; TAPS];
    for (t, off) in offs.iter_mut().enumerate() {
        let tap = if t < nt { t0 + t } else { t0 };
        *off = (tap / kw) * rs + tap % kw;
    }
    let mut acc = [F32x4::zero(); TAPS];
    // SAFETY: dp rows hold ds = quads*4 floats; xp rows hold rs = quads*4 + kw, so
    // 4*q + j + 4 <= rs; oy + i < hp.
    for oy in 0..oh {
        let drow = dp.as_ptr().add((oc * oh + oy) * ds);
        let xrow = xp.as_ptr().add((ci * hp + oy) * rs);
        for q in 0..quads {
            let d = F32x4::load(drow.add(4 * q));
            let xq = xrow.add(4 * q);
            for t in 0..TAPS {
                acc[t] = acc[t].mul_add(d, F32x4::load(xq.add(offs[t])));
            }
        }
    }
    for t in 0..nt { *dw.add((oc * c + ci) * kk + t0 + t) += acc[t].hsum(); }
}

/// How the 3-wide weight gradient groups output channels into tiles: triples, then pairs,
/// covering o exactly (a triple loads 6 vectors per 9 multiply-adds, a pair 5 per 6); one
/// channel alone when o is 1. The groups' count, and group g's first channel and size.
fn channel_groups(o: usize) -> usize {
    if o < 2 { return o; }
    let pairs = [0, 2, 1][o % 3];
    (o - 2 * pairs) / 3 + pairs
}
fn channel_group(o: usize, g: usize) -> (usize, usize) {
    if o < 2 { return (0, 1); }
    let triples = (o - 2 * [0, 2, 1][o % 3]) / 3;
    if g < triples { (3 * g, 3) } else { (3 * triples + 2 * (g - triples), 2) }
}

/// The tile for kernels 3 wide (the common case), one sample: P output channels from oc x the
/// 3 taps of kernel row i of input channel ci, 3P accumulators fed by P + 3 loads (P of dy, 3
/// of x at constant offsets). The general tile computes each of its taps' addresses from a
/// table, which costs more integer instructions than it does arithmetic. Safety: dw holds
/// o*c*kh*3 floats, oc + P <= o, ci < c.
#[allow(clippy::too_many_arguments)]
unsafe fn grad_weight_row3<const P: usize>(
    xp: &[f32], dp: &[f32], oc: usize, ci: usize, i: usize, c: usize, hp: usize, rs: usize,
    oh: usize, ds: usize, kh: usize, dw: *mut f32,
) {
    let quads = ds / 4;
    let mut acc = [[F32x4::zero(); 3]; P];
    // SAFETY: dp rows hold ds = quads*4 floats; xp rows hold rs >= quads*4 + 3, so the
    // loads at xr + 4q + {0,1,2} stay inside the row; oy + i < hp.
    for oy in 0..oh {
        let mut d: [*const f32; P] = core::array::from_fn(|p| dp.as_ptr().add(((oc + p) * oh + oy) * ds));
        let mut xr = xp.as_ptr().add((ci * hp + oy + i) * rs);
        for _ in 0..quads {
            let (x0, x1, x2) = (F32x4::load(xr), F32x4::load(xr.add(1)), F32x4::load(xr.add(2)));
            for (ap, dq) in acc.iter_mut().zip(d.iter_mut()) {
                let a = F32x4::load(*dq);
                ap[0] = ap[0].mul_add(a, x0);
                ap[1] = ap[1].mul_add(a, x1);
                ap[2] = ap[2].mul_add(a, x2);
                // Bumped through integers so the offsets above stay load immediates.
                *dq = (*dq as usize + 16) as *const f32;
            }
            xr = (xr as usize + 16) as *const f32;
        }
    }
    for (p, ap) in acc.iter().enumerate() {
        for j in 0..3 { *dw.add((((oc + p) * c + ci) * kh + i) * 3 + j) += ap[j].hsum(); }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn naive(x: &[f32], n: usize, c: usize, h: usize, w: usize, wt: &[f32], o: usize, kh: usize, kw: usize, p: [usize; 2]) -> Vec<f32> {
        let (oh, ow) = (h + 2 * p[0] + 1 - kh, w + 2 * p[1] + 1 - kw);
        let mut y = vec![0.0f32; n * o * oh * ow];
        for s in 0..n { for oc in 0..o { for oy in 0..oh { for ox in 0..ow {
            let mut acc = 0.0f64;
            for ci in 0..c { for i in 0..kh { for j in 0..kw {
                let (yy, xx) = (oy as isize + i as isize - p[0] as isize, ox as isize + j as isize - p[1] as isize);
                if yy >= 0 && xx >= 0 && (yy as usize) < h && (xx as usize) < w {
                    acc += wt[((oc * c + ci) * kh + i) * kw + j] as f64 * x[((s * c + ci) * h + yy as usize) * w + xx as usize] as f64;
                }
            }}}
            y[((s * o + oc) * oh + oy) * ow + ox] = acc as f32;
        }}}}
        y
    }

    #[test]
    fn matches_the_definition() {
        for &(n, c, h, w, o, kh, kw, p) in &[(2, 3, 7, 5, 5, 3, 2, [1, 0]), (1, 1, 28, 28, 10, 3, 3, [1, 1]), (3, 10, 14, 14, 10, 3, 3, [1, 1]), (1, 2, 4, 9, 3, 1, 1, [0, 0]), (1, 4, 6, 6, 8, 5, 5, [2, 2]), (2, 1, 3, 3, 1, 3, 3, [0, 0]), (2, 3, 9, 11, 3, 3, 3, [1, 1]), (1, 2, 8, 8, 5, 5, 3, [2, 1])] {
            let x: Vec<f32> = (0..n * c * h * w).map(|i| ((i * 7 + 3) % 13) as f32 / 13.0 - 0.5).collect();
            let wt: Vec<f32> = (0..o * c * kh * kw).map(|i| ((i * 5 + 1) % 11) as f32 / 11.0 - 0.5).collect();
            let want = naive(&x, n, c, h, w, &wt, o, kh, kw, p);
            let mut got = vec![f32::NAN; want.len()];
            conv2d_direct(&x, n, c, h, w, &wt, None, o, kh, kw, p, &mut got);
            for (a, b) in got.iter().zip(&want) { assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{} vs {}", a, b); }
            // The weight gradient is the adjoint: <dy, conv(x, w)> = <dw(x, dy), w> for every w.
            let dy: Vec<f32> = (0..want.len()).map(|i| ((i * 3 + 2) % 7) as f32 / 7.0 - 0.5).collect();
            let mut dw = vec![f32::NAN; wt.len()];
            conv2d_direct_grad_weight(&x, n, c, h, w, &dy, o, kh, kw, p, &mut dw);
            for k in 0..wt.len() {
                let mut e = vec![0.0f32; wt.len()];
                e[k] = 1.0;
                let y = naive(&x, n, c, h, w, &e, o, kh, kw, p);
                let exact: f64 = y.iter().zip(&dy).map(|(a, b)| *a as f64 * *b as f64).sum();
                assert!((dw[k] as f64 - exact).abs() <= 1e-4 * (1.0 + exact.abs()), "dw[{}] {} vs {}", k, dw[k], exact);
            }
        }
    }

    #[test]
    fn same_bits_on_any_thread_count() {
        // Big enough to split (several grains), with partial tiles (ow % 8 != 0), a partial
        // channel block (o % 4 != 0), an odd channel pair, and the general dW path (kw != 3);
        // dW splits the samples, or (2 samples on 3 and 4 threads) the units.
        for &(n, c, h, w, o, kh, kw, p) in &[(6, 10, 28, 28, 10, 3, 3, [1, 1]), (9, 3, 21, 13, 7, 3, 3, [1, 1]), (4, 5, 17, 19, 6, 5, 5, [2, 2]), (7, 2, 30, 11, 9, 3, 2, [0, 1]), (40, 1, 12, 12, 5, 3, 3, [0, 0]), (2, 6, 20, 20, 8, 3, 3, [1, 1])] {
            let (oh, ow) = (h + 2 * p[0] + 1 - kh, w + 2 * p[1] + 1 - kw);
            let x: Vec<f32> = (0..n * c * h * w).map(|i| ((i * 7919 + 3) % 1009) as f32 / 1009.0 - 0.5).collect();
            let wt: Vec<f32> = (0..o * c * kh * kw).map(|i| ((i * 104729 + 1) % 997) as f32 / 997.0 - 0.5).collect();
            let dy: Vec<f32> = (0..n * o * oh * ow).map(|i| ((i * 613 + 2) % 1013) as f32 / 1013.0 - 0.5).collect();
            let run = |t: usize| crate::parallel::with_threads(t, || {
                let mut y = vec![f32::NAN; n * o * oh * ow];
                conv2d_direct(&x, n, c, h, w, &wt, None, o, kh, kw, p, &mut y);
                let mut dw = vec![f32::NAN; wt.len()];
                conv2d_direct_grad_weight(&x, n, c, h, w, &dy, o, kh, kw, p, &mut dw);
                (y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), dw.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
            });
            let one = run(1);
            let want = naive(&x, n, c, h, w, &wt, o, kh, kw, p);
            for (a, b) in one.0.iter().zip(&want) { assert!((f32::from_bits(*a) - b).abs() <= 1e-5 * (1.0 + b.abs())); }
            for t in [2, 3, 4] {
                let got = run(t);
                assert!(got.0 == one.0, "forward {t} threads differs, shape {:?}", (n, c, h, w, o, kh, kw));
                assert!(got.1 == one.1, "dW {t} threads differs, shape {:?}", (n, c, h, w, o, kh, kw));
            }
        }
    }
}
