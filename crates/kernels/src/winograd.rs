//! Winograd F(2x2, 3x3) convolution for 3x3 kernels at unit stride and dilation (Lavin and
//! Gray, 2015). A 2x2 output tile costs 16 multiply-adds per (input, output) channel pair
//! instead of the direct kernel's 36: the 4x4 input patch d and the kernel g are transformed
//! (V = Bᵀ d B, U = G g Gᵀ), multiplied position by position and summed over the input
//! channels (16 small GEMMs, one per tile position), and transformed back (Y = Aᵀ M A). The
//! weight gradient is the adjoint of the same maps: dU = Σ (A dY Aᵀ) ⊙ V over tiles and
//! samples, then dW = Gᵀ dU G.
//!
//! Tiles go 4 to a vector along a tile row and are stored flat, row after row, per chunk of
//! tile rows: a row of 14 or 7 tiles wastes no lanes in the products. Each output (and each
//! block of samples' dW partial) is computed the same way whatever thread it lands on, so the
//! bits do not depend on the thread count.
use alloc::vec;
use alloc::vec::Vec;
use core::array::from_fn;

use crate::conv::for_overwrite;
use crate::rows::{copy_row, zero_span};
use crate::gemm::{Ptr, PAR_FLOPS};
use crate::parallel::{num_threads, parallel_for, PerThread};
use crate::simd::F32x4;

/// Floats of transformed tiles (input and output channels) a chunk of tile rows aims at
/// (256 KiB: L2), so one position's rows of them stay in L1 through its products. A 28x28
/// TinyVGG plane is one chunk: 16K floats (3 tile rows) took 8% longer forward and 25%
/// longer in the weight gradient, whose sums end with each chunk.
const CHUNK_FLOATS: usize = 64 * 1024;
/// Floats of dW partials the weight gradient may hold (4 MiB), and the most blocks of samples
/// it splits a batch into (each summed in order into its own partial, the partials then
/// added in block order: the same bits on any thread count).
const PARTIAL_FLOATS: usize = 1 << 20;
const MAX_BLOCKS: usize = 16;

/// The sample blocks of a weight gradient: as many as MAX_BLOCKS, the batch and the
/// partials' budget allow (fewer, larger blocks: fewer partials to write and add up).
fn grad_blocks(n: usize, o: usize, c: usize) -> usize { (PARTIAL_FLOATS / (16 * o * c).max(1)).min(MAX_BLOCKS).min(n).max(1) }

/// Whether the Winograd weight gradient can split a batch over threads: dW pairs whose
/// transformed partials fit 4 blocks (up to 128 x 128 channels). Larger layers take the direct
/// kernel, which splits its units instead.
pub fn grad_pays(c: usize, o: usize) -> bool { pays(c, o) && 4 * 16 * o * c <= PARTIAL_FLOATS }

/// Whether F(2x2, 3x3) beats the direct kernel for c input and o output channels. Per 4
/// tiles its products cost about 10co cycles against the direct kernel's 26co, and its
/// transforms add about 24c (input) and 20o (output); the factor 2 is what measuring found
/// (1 thread, batch 32, forward against direct: 1 -> 10 channels 2.1x slower, 4 -> 4 14%
/// slower, 6 -> 6 6% faster, 10 -> 10 1.5x, 16 -> 32 2.0x, 64 -> 64 2.4x).
pub fn pays(c: usize, o: usize) -> bool { 16 * c * o > 2 * (24 * c + 20 * o) }

/// The tiling of one call: x [n, c, h, w] padded by `pad`, y [n, o, oh, ow].
struct Geom {
    n: usize, c: usize, h: usize, w: usize, o: usize, pad: [usize; 2], oh: usize, ow: usize,
    /// Tile rows and columns (2x2 outputs each), and the columns rounded up to 4.
    th: usize, tw: usize, twp: usize,
    /// Tile rows per chunk (the last may have fewer), and the chunks per sample.
    rows: usize, chunks: usize,
    /// Row stride of the padded input rows; floats per channel row of V, M and dY's transform.
    rs: usize, ns: usize,
}

impl Geom {
    fn new(n: usize, c: usize, h: usize, w: usize, o: usize, pad: [usize; 2]) -> Geom {
        let (oh, ow) = (h + 2 * pad[0] - 2, w + 2 * pad[1] - 2);
        let (th, tw) = (oh.div_ceil(2), ow.div_ceil(2));
        let twp = tw.div_ceil(4) * 4;
        let most = (CHUNK_FLOATS / (16 * (c + o) * tw).max(1)).clamp(1, th);
        let chunks = th.div_ceil(most);
        let rows = th.div_ceil(chunks);
        // A row's last vector of tiles writes up to twp - tw lanes past the row (into the next
        // row's, written after it); the chunk's last row past nt, so 4 floats of slack.
        let ns = (rows * tw).div_ceil(4) * 4 + 4;
        // Loads reach column 2(twp - 4) + 10 = 2twp + 2; the padded row is pw + w <= ow + 2.
        Geom { n, c, h, w, o, pad, oh, ow, th, tw, twp, rows, chunks, rs: 2 * twp + 4, ns }
    }
    /// A padded input sample: c planes of 2th + 2 rows (>= h + 2ph).
    fn xp_len(&self) -> usize { self.c * self.hp() * self.rs }
    fn hp(&self) -> usize { 2 * self.th + 2 }
    /// A sample's dY: o planes of 2th rows, each 2twp wide (zero past oh and ow).
    fn dp_len(&self) -> usize { self.o * 2 * self.th * self.ds() }
    fn ds(&self) -> usize { 2 * self.twp }
    /// Transformed tiles of `ch` channels: [16 positions][ch][ns].
    fn tiles_len(&self, ch: usize) -> usize { 16 * ch * self.ns }
    /// Floats of each row of V, M and T a chunk of nrows tile rows spans: its nt = nrows tw
    /// tiles and what its last vector of tiles reaches past them, to a multiple of 4 (<= ns).
    fn lanes(&self, nrows: usize) -> usize { ((nrows - 1) * self.tw + self.twp).div_ceil(4) * 4 }
    /// Tile rows ty0..ty1 of chunk k.
    fn chunk(&self, k: usize) -> (usize, usize) { (k * self.rows, ((k + 1) * self.rows).min(self.th)) }
    fn asserts(&self, x: &[f32], wlen: usize, ylen: usize) {
        assert!(x.len() >= self.n * self.c * self.h * self.w && wlen >= self.o * self.c * 9 && ylen >= self.n * self.o * self.oh * self.ow, "winograd conv2d: slice too short");
    }
}

/// y[s, o, oy, ox] = Σ_{c,i,j} w[o, c, i, j] x[s, c, oy + i - ph, ox + j - pw] (zero outside)
/// for 3x3 weights [o, c, 3, 3], plus `bias[o]` after each sum when given: the contract of
/// `conv::conv2d_direct` with kh = kw = 3. Every element of y is written. The caller checks
/// oh, ow >= 1.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_winograd(
    x: &[f32], n: usize, c: usize, h: usize, w: usize,
    weights: &[f32], bias: Option<&[f32]>, o: usize, pad: [usize; 2], y: &mut [f32],
) {
    let g = Geom::new(n, c, h, w, o, pad);
    g.asserts(x, weights.len(), y.len());
    assert!(bias.is_none_or(|b| b.len() >= o), "winograd conv2d: bias too short");
    let u = weight_transform(weights, c, o);
    // Padded planes whose borders stay zero, and tiles each chunk writes before it reads.
    let (xl, vl, tl) = (g.xp_len(), g.tiles_len(c), g.tiles_len(c) + g.tiles_len(o));
    let (mut planes, mut tiles) = (vec![0.0f32; num_threads() * xl], for_overwrite(num_threads() * tl));
    let (planes, tiles, yp) = (PerThread::new(&mut planes, xl), PerThread::new(&mut tiles, tl), Ptr(y.as_mut_ptr()));
    let per_unit = (32 * c * o * g.rows * g.tw).max(1);
    parallel_for(n * g.chunks, PAR_FLOPS.div_ceil(per_unit), |lo, hi, tid| {
        // SAFETY: the tid parallel_for gave this range; unit (s, chunk) writes only sample s's
        // output rows of the chunk's tile rows.
        unsafe { planes.with(tid, |xp| tiles.with(tid, |tiles| {
            let (v, m) = tiles.split_at_mut(vl);
            let mut padded = usize::MAX;
            for unit in lo..hi {
                let (s, (ty0, ty1)) = (unit / g.chunks, g.chunk(unit % g.chunks));
                if s != padded {
                    pad_sample(&g, x, s, xp);
                    padded = s;
                }
                input_transform(&g, xp, ty0, ty1 - ty0, v.as_mut_ptr());
                products(&g, &u, v.as_ptr(), g.lanes(ty1 - ty0), m.as_mut_ptr());
                output_transform(&g, m.as_ptr(), s, ty0, ty1, bias, yp.get());
            }
        })) }
    });
}

/// The weight gradient of `conv2d_winograd`: dw[o, c, i, j] = Σ over samples and output pixels
/// of dy[s, o, oy, ox] x[s, c, oy + i - ph, ox + j - pw]; `dw` is overwritten. Threads split
/// fixed blocks of samples (`grad_blocks`), each summing its samples in order into a partial
/// of its own (in the transformed domain), added up in block order afterwards. The caller
/// checks `grad_pays`.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_winograd_grad_weight(
    x: &[f32], n: usize, c: usize, h: usize, w: usize,
    dy: &[f32], o: usize, pad: [usize; 2], dw: &mut [f32],
) {
    let g = Geom::new(n, c, h, w, o, pad);
    g.asserts(x, dw.len(), dy.len());
    let ul = 16 * o * c;
    let mut du = vec![0.0f32; ul];
    if n > 0 && ul > 0 {
        let (xl, pl, vl, tl) = (g.xp_len(), g.xp_len() + g.dp_len(), g.tiles_len(c), g.tiles_len(c) + g.tiles_len(o));
        let (mut planes, mut tiles) = (vec![0.0f32; num_threads() * pl], for_overwrite(num_threads() * tl));
        let (planes, tiles) = (PerThread::new(&mut planes, pl), PerThread::new(&mut tiles, tl));
        let blocks = grad_blocks(n, o, c);
        let per_block = n.div_ceil(blocks);
        let mut partials = for_overwrite(blocks * ul);
        let pp = Ptr(partials.as_mut_ptr());
        let work = (32 * c * o * g.th * g.tw * per_block).max(1);
        parallel_for(blocks, PAR_FLOPS.div_ceil(work), |lo, hi, tid| {
            // SAFETY: the tid parallel_for gave this range; block b's own partial.
            unsafe { planes.with(tid, |planes| tiles.with(tid, |tiles| {
                let (xp, dp) = planes.split_at_mut(xl);
                let (v, t) = tiles.split_at_mut(vl);
                for b in lo..hi {
                    let part = core::slice::from_raw_parts_mut(pp.get().add(b * ul), ul);
                    part.fill(0.0);
                    for s in b * per_block..((b + 1) * per_block).min(n) {
                        pad_sample(&g, x, s, xp);
                        pad_dy(&g, dy, s, dp);
                        for k in 0..g.chunks {
                            let (ty0, ty1) = g.chunk(k);
                            input_transform(&g, xp, ty0, ty1 - ty0, v.as_mut_ptr());
                            dy_transform(&g, dp, ty0, ty1 - ty0, t.as_mut_ptr());
                            reduce(&g, t.as_ptr(), v.as_ptr(), g.lanes(ty1 - ty0), part.as_mut_ptr());
                        }
                    }
                }
            })) }
        });
        // dU adds the blocks' partials in block order.
        for part in partials.chunks_exact(ul) {
            for (d, p) in du.iter_mut().zip(part) { *d += *p; }
        }
    }
    // dW = Gᵀ dU G for each (output, input) channel pair.
    for k in 0..o {
        for ci in 0..c {
            let d: [f32; 16] = from_fn(|p| du[(p * o + k) * c + ci]);
            let rows: [[f32; 4]; 3] = from_fn(|a| from_fn(|j| gt_combine(a, [d[j], d[4 + j], d[8 + j], d[12 + j]])));
            for (a, r) in rows.iter().enumerate() {
                for b in 0..3 { dw[((k * c + ci) * 3 + a) * 3 + b] = gt_combine(b, *r); }
            }
        }
    }
}

/// Row a of Gᵀ times the 4-vector v: Gᵀ = [[1, ½, ½, 0], [0, ½, -½, 0], [0, ½, ½, 1]].
fn gt_combine(a: usize, v: [f32; 4]) -> f32 {
    match a {
        0 => v[0] + 0.5 * (v[1] + v[2]),
        1 => 0.5 * (v[1] - v[2]),
        _ => 0.5 * (v[1] + v[2]) + v[3],
    }
}

/// G times the 3-vector v: G = [[1, 0, 0], [½, ½, ½], [½, -½, ½], [0, 0, 1]].
fn g_combine(v: [f32; 3]) -> [f32; 4] {
    [v[0], 0.5 * (v[0] + v[1] + v[2]), 0.5 * (v[0] - v[1] + v[2]), v[2]]
}

/// U[pos][k][ci] = (G g Gᵀ)[pos] for each 3x3 kernel g = weights[k, ci] (pos = 4 row + col).
fn weight_transform(weights: &[f32], c: usize, o: usize) -> Vec<f32> {
    let mut u = vec![0.0f32; 16 * o * c];
    for k in 0..o {
        for ci in 0..c {
            let gk = &weights[(k * c + ci) * 9..][..9];
            let cols: [[f32; 4]; 3] = from_fn(|j| g_combine([gk[j], gk[3 + j], gk[6 + j]]));
            for i in 0..4 {
                let row = g_combine([cols[0][i], cols[1][i], cols[2][i]]);
                for (j, v) in row.iter().enumerate() { u[((4 * i + j) * o + k) * c + ci] = *v; }
            }
        }
    }
    u
}

/// Sample s of x into its padded planes xp (plane row r is input row r - ph, shifted right by
/// pw). Only the interior is written: the borders stay as the zeroed buffer had them.
fn pad_sample(g: &Geom, x: &[f32], s: usize, xp: &mut [f32]) {
    for ci in 0..g.c {
        for yy in 0..g.h {
            let src = &x[((s * g.c + ci) * g.h + yy) * g.w..][..g.w];
            copy_row(src, &mut xp[(ci * g.hp() + yy + g.pad[0]) * g.rs + g.pad[1]..][..g.w]);
        }
    }
}

/// Sample s of dY into dp (rows 2twp wide); the rest of dp stays zero, as pad_sample's borders.
fn pad_dy(g: &Geom, dy: &[f32], s: usize, dp: &mut [f32]) {
    let (ds, rows) = (g.ds(), 2 * g.th);
    for k in 0..g.o {
        for oy in 0..g.oh {
            copy_row(&dy[((s * g.o + k) * g.oh + oy) * g.ow..][..g.ow], &mut dp[(k * rows + oy) * ds..][..g.ow]);
        }
    }
}

/// V[pos][ci][t] = (Bᵀ d B)[pos] for the chunk's tiles t (flat: tile row r, column tx at
/// t = r tw + tx), from the padded rows, and zero from t = nt to lanes(nrows) (so the products
/// past nt read no unwritten floats, and no infinity of x there meets a zero dY);
/// Bᵀ = [[1,0,-1,0], [0,1,1,0], [0,-1,1,0], [0,1,0,-1]].
/// Safety: xp holds a padded sample, v holds tiles_len(c) floats, ty0 + nrows <= th.
unsafe fn input_transform(g: &Geom, xp: &[f32], ty0: usize, nrows: usize, v: *mut f32) {
    let ps = g.c * g.ns;
    for ci in 0..g.c {
        for r in 0..nrows {
            let base = xp.as_ptr().add((ci * g.hp() + 2 * (ty0 + r)) * g.rs);
            for tx0 in (0..g.tw).step_by(4) {
                // Patch rows of 4 tiles: columns 2tx.. in lanes a (0..4), b (4..8) and the
                // same 2 further right (a2, b2), from which evens/odds pick each tile's columns.
                let d: [[F32x4; 4]; 4] = from_fn(|i| {
                    let p = base.add(i * g.rs + 2 * tx0);
                    [F32x4::load(p), F32x4::load(p.add(4)), F32x4::load(p.add(2)), F32x4::load(p.add(6))]
                });
                let t: [[F32x4; 4]; 4] = [
                    from_fn(|q| d[0][q].sub(d[2][q])),
                    from_fn(|q| d[1][q].add(d[2][q])),
                    from_fn(|q| d[2][q].sub(d[1][q])),
                    from_fn(|q| d[1][q].sub(d[3][q])),
                ];
                let at = v.add(ci * g.ns + r * g.tw + tx0);
                for (i, ti) in t.iter().enumerate() {
                    let (e, od) = (F32x4::evens(ti[0], ti[1]), F32x4::odds(ti[0], ti[1]));
                    let (e2, o2) = (F32x4::evens(ti[2], ti[3]), F32x4::odds(ti[2], ti[3]));
                    let row = [e.sub(e2), od.add(e2), e2.sub(od), od.sub(o2)];
                    for (j, vj) in row.iter().enumerate() { vj.store(at.add((4 * i + j) * ps)); }
                }
            }
        }
        for p in 0..16 { zero_span(v.add(p * ps + ci * g.ns), nrows * g.tw, g.lanes(nrows)); }
    }
}

/// T[pos][k][t] = (A dY Aᵀ)[pos] for the chunk's tiles (as `input_transform` lays them out,
/// zero from nt to lanes(nrows)); A = [[1,0], [1,1], [1,-1], [0,-1]].
/// Safety: dp holds a sample's dY planes, t holds tiles_len(o) floats, ty0 + nrows <= th.
unsafe fn dy_transform(g: &Geom, dp: &[f32], ty0: usize, nrows: usize, t: *mut f32) {
    let (ps, ds) = (g.o * g.ns, g.ds());
    let zero = F32x4::zero();
    for k in 0..g.o {
        for r in 0..nrows {
            let row0 = dp.as_ptr().add((k * 2 * g.th + 2 * (ty0 + r)) * ds);
            let row1 = row0.add(ds);
            for tx0 in (0..g.tw).step_by(4) {
                let (a, b) = (F32x4::load(row0.add(2 * tx0)), F32x4::load(row0.add(2 * tx0 + 4)));
                let (c, d) = (F32x4::load(row1.add(2 * tx0)), F32x4::load(row1.add(2 * tx0 + 4)));
                let (e0, o0, e1, o1) = (F32x4::evens(a, b), F32x4::odds(a, b), F32x4::evens(c, d), F32x4::odds(c, d));
                let q = [(e0, o0), (e0.add(e1), o0.add(o1)), (e0.sub(e1), o0.sub(o1)), (zero.sub(e1), zero.sub(o1))];
                let at = t.add(k * g.ns + r * g.tw + tx0);
                for (i, (qe, qo)) in q.iter().enumerate() {
                    let row = [*qe, qe.add(*qo), qe.sub(*qo), zero.sub(*qo)];
                    for (j, vj) in row.iter().enumerate() { vj.store(at.add((4 * i + j) * ps)); }
                }
            }
        }
        for p in 0..16 { zero_span(t.add(p * ps + k * g.ns), nrows * g.tw, g.lanes(nrows)); }
    }
}

/// M[pos][k][t] = Σ_ci U[pos][k][ci] V[pos][ci][t] over the chunk's `lanes` tiles: per
/// position a [o x c]·[c x lanes] product, in tiles of 2 channels x 16 tiles (8 accumulators).
/// Safety: v and m hold tiles_len(c) and tiles_len(o) floats; lanes <= ns, a multiple of 4.
unsafe fn products(g: &Geom, u: &[f32], v: *const f32, lanes: usize, m: *mut f32) {
    let nv = lanes / 4;
    for pos in 0..16 {
        let up = u.as_ptr().add(pos * g.o * g.c);
        let (vp, mp) = (v.add(pos * g.c * g.ns), m.add(pos * g.o * g.ns));
        let mut k = 0;
        while k < g.o {
            let two = g.o - k >= 2;
            let mut q = 0;
            while q < nv {
                let wd = (nv - q).min(4);
                let (uk, vq, mk) = (up.add(k * g.c), vp.add(4 * q), mp.add(k * g.ns + 4 * q));
                match (two, wd) {
                    (true, 4) => product_tile::<2, 4>(uk, vq, mk, g.c, g.ns),
                    (true, 3) => product_tile::<2, 3>(uk, vq, mk, g.c, g.ns),
                    (true, 2) => product_tile::<2, 2>(uk, vq, mk, g.c, g.ns),
                    (true, _) => product_tile::<2, 1>(uk, vq, mk, g.c, g.ns),
                    (false, 4) => product_tile::<1, 4>(uk, vq, mk, g.c, g.ns),
                    (false, 3) => product_tile::<1, 3>(uk, vq, mk, g.c, g.ns),
                    (false, 2) => product_tile::<1, 2>(uk, vq, mk, g.c, g.ns),
                    (false, _) => product_tile::<1, 1>(uk, vq, mk, g.c, g.ns),
                }
                q += wd;
            }
            k += if two { 2 } else { 1 };
        }
    }
}

/// K output channels (U rows at uk, c apart) x W vectors of tiles (at vq, rows ns apart).
#[inline(always)]
unsafe fn product_tile<const K: usize, const W: usize>(uk: *const f32, vq: *const f32, mk: *mut f32, c: usize, ns: usize) {
    let mut acc = [[F32x4::zero(); W]; K];
    let mut vr = vq;
    for ci in 0..c {
        let xv: [F32x4; W] = from_fn(|w| F32x4::load(vr.add(4 * w)));
        for (kk, ak) in acc.iter_mut().enumerate() {
            let a = F32x4::load_splat(uk.add(kk * c + ci));
            for w in 0..W { ak[w] = ak[w].mul_add(a, xv[w]); }
        }
        vr = vr.add(ns);
    }
    for (kk, ak) in acc.iter().enumerate() {
        for (w, a) in ak.iter().enumerate() { a.store(mk.add(kk * ns + 4 * w)); }
    }
}

/// part[pos][k][ci] += Σ_t T[pos][k][t] V[pos][ci][t] over the chunk's `lanes` tiles (both
/// zero past nt), in tiles of 2 output x up to 4 input channels (8 accumulators).
/// Safety: t and v hold tiles_len(o) and tiles_len(c) floats, part 16 o c; lanes as products'.
unsafe fn reduce(g: &Geom, t: *const f32, v: *const f32, lanes: usize, part: *mut f32) {
    let nv = lanes / 4;
    for pos in 0..16 {
        let (tp, vp) = (t.add(pos * g.o * g.ns), v.add(pos * g.c * g.ns));
        let pp = part.add(pos * g.o * g.c);
        let mut k = 0;
        while k < g.o {
            let two = g.o - k >= 2;
            // Channel groups of at most 4, as even as they go (10 = 4 + 3 + 3, not 4 + 4 + 2).
            let groups = g.c.div_ceil(4);
            let mut ci = 0;
            for gi in 0..groups {
                let cw = (g.c - ci) / (groups - gi);
                let (tk, vc, dst) = (tp.add(k * g.ns), vp.add(ci * g.ns), pp.add(k * g.c + ci));
                match (two, cw) {
                    (true, 4) => reduce_tile::<2, 4>(tk, vc, dst, nv, g.ns, g.c),
                    (true, 3) => reduce_tile::<2, 3>(tk, vc, dst, nv, g.ns, g.c),
                    (true, 2) => reduce_tile::<2, 2>(tk, vc, dst, nv, g.ns, g.c),
                    (true, _) => reduce_tile::<2, 1>(tk, vc, dst, nv, g.ns, g.c),
                    (false, 4) => reduce_tile::<1, 4>(tk, vc, dst, nv, g.ns, g.c),
                    (false, 3) => reduce_tile::<1, 3>(tk, vc, dst, nv, g.ns, g.c),
                    (false, 2) => reduce_tile::<1, 2>(tk, vc, dst, nv, g.ns, g.c),
                    (false, _) => reduce_tile::<1, 1>(tk, vc, dst, nv, g.ns, g.c),
                }
                ci += cw;
            }
            k += if two { 2 } else { 1 };
        }
    }
}

/// K rows of T (at tk) against C rows of V (at vc), ns apart, over nv vectors; adds the sums
/// into dst[kk c + cc].
#[inline(always)]
unsafe fn reduce_tile<const K: usize, const C: usize>(tk: *const f32, vc: *const f32, dst: *mut f32, nv: usize, ns: usize, c: usize) {
    let mut acc = [[F32x4::zero(); C]; K];
    for q in 0..nv {
        let d: [F32x4; K] = from_fn(|kk| F32x4::load(tk.add(kk * ns + 4 * q)));
        for cc in 0..C {
            let xv = F32x4::load(vc.add(cc * ns + 4 * q));
            for kk in 0..K { acc[kk][cc] = acc[kk][cc].mul_add(d[kk], xv); }
        }
    }
    for (kk, ak) in acc.iter().enumerate() {
        for (cc, a) in ak.iter().enumerate() { *dst.add(kk * c + cc) += a.hsum(); }
    }
}

/// y rows of sample s for tile rows ty0..ty1: Y = Aᵀ M A per tile and channel, plus the bias;
/// Aᵀ = [[1,1,1,0], [0,1,-1,-1]]. Outputs past oh and ow are dropped.
/// Safety: m holds the chunk's products; y holds n o oh ow floats.
unsafe fn output_transform(g: &Geom, m: *const f32, s: usize, ty0: usize, ty1: usize, bias: Option<&[f32]>, y: *mut f32) {
    let ps = g.o * g.ns;
    for k in 0..g.o {
        let b = bias.map(|b| F32x4::splat(b[k]));
        let plane = y.add((s * g.o + k) * g.oh * g.ow);
        for ty in ty0..ty1 {
            for tx0 in (0..g.tw).step_by(4) {
                let at = m.add(k * g.ns + (ty - ty0) * g.tw + tx0);
                let mm: [F32x4; 16] = from_fn(|p| F32x4::load(at.add(p * ps)));
                let r0: [F32x4; 4] = from_fn(|j| mm[j].add(mm[4 + j]).add(mm[8 + j]));
                let r1: [F32x4; 4] = from_fn(|j| mm[4 + j].sub(mm[8 + j]).sub(mm[12 + j]));
                for (dy, r) in [r0, r1].iter().enumerate() {
                    let oy = 2 * ty + dy;
                    if oy >= g.oh { break; }
                    let (mut y0, mut y1) = (r[0].add(r[1]).add(r[2]), r[1].sub(r[2]).sub(r[3]));
                    if let Some(b) = b { (y0, y1) = (y0.add(b), y1.add(b)); }
                    let (lo, hi) = (F32x4::zip_lo(y0, y1), F32x4::zip_hi(y0, y1));
                    let dst = plane.add(oy * g.ow + 2 * tx0);
                    let valid = g.ow - 2 * tx0;
                    if valid >= 8 {
                        lo.store(dst);
                        hi.store(dst.add(4));
                    } else {
                        let mut tmp = [0.0f32; 8];
                        lo.store(tmp.as_mut_ptr());
                        hi.store(tmp.as_mut_ptr().add(4));
                        core::ptr::copy_nonoverlapping(tmp.as_ptr(), dst, valid);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::with_threads;

    fn naive(x: &[f32], n: usize, c: usize, h: usize, w: usize, wt: &[f32], o: usize, p: [usize; 2]) -> Vec<f64> {
        let (oh, ow) = (h + 2 * p[0] - 2, w + 2 * p[1] - 2);
        let mut y = vec![0.0f64; n * o * oh * ow];
        for s in 0..n { for oc in 0..o { for oy in 0..oh { for ox in 0..ow {
            let mut acc = 0.0f64;
            for ci in 0..c { for i in 0..3 { for j in 0..3 {
                let (yy, xx) = (oy as isize + i as isize - p[0] as isize, ox as isize + j as isize - p[1] as isize);
                if yy >= 0 && xx >= 0 && (yy as usize) < h && (xx as usize) < w {
                    acc += wt[((oc * c + ci) * 3 + i) * 3 + j] as f64 * x[((s * c + ci) * h + yy as usize) * w + xx as usize] as f64;
                }
            }}}
            y[((s * o + oc) * oh + oy) * ow + ox] = acc;
        }}}}
        y
    }

    fn data(len: usize, m: usize) -> Vec<f32> { (0..len).map(|i| ((i * m + 3) % 1009) as f32 / 1009.0 - 0.5).collect() }

    // Shapes: TinyVGG's, odd output sizes (partial tiles), a row of tiles not a multiple of 4,
    // padding 0 and 2, one channel, and a large plane split into several chunks.
    const SHAPES: &[(usize, usize, usize, usize, usize, [usize; 2])] = &[
        (2, 10, 28, 28, 10, [1, 1]), (3, 10, 14, 14, 10, [1, 1]), (2, 3, 9, 11, 5, [1, 1]),
        (1, 4, 7, 5, 6, [0, 0]), (2, 5, 6, 13, 3, [2, 2]), (1, 1, 5, 5, 1, [1, 0]),
        (1, 6, 3, 3, 2, [0, 1]), (1, 8, 64, 40, 16, [1, 1]),
    ];

    #[test]
    fn matches_the_definition() {
        for &(n, c, h, w, o, p) in SHAPES {
            let (oh, ow) = (h + 2 * p[0] - 2, w + 2 * p[1] - 2);
            let (x, wt, b) = (data(n * c * h * w, 7919), data(o * c * 9, 104729), data(o, 31));
            let want = naive(&x, n, c, h, w, &wt, o, p);
            let mut got = vec![f32::NAN; want.len()];
            conv2d_winograd(&x, n, c, h, w, &wt, Some(&b), o, p, &mut got);
            for (i, (a, e)) in got.iter().zip(&want).enumerate() {
                let e = e + b[i / (oh * ow) % o] as f64;
                assert!((*a as f64 - e).abs() <= 1e-5 * (1.0 + e.abs()), "{:?} y[{i}] {a} vs {e}", (n, c, h, w, o, p));
            }
            // The weight gradient: <dy, conv(x, e_k)> for each unit kernel e_k.
            let dy = data(want.len(), 613);
            let mut dw = vec![f32::NAN; wt.len()];
            conv2d_winograd_grad_weight(&x, n, c, h, w, &dy, o, p, &mut dw);
            for k in 0..wt.len() {
                let mut e = vec![0.0f32; wt.len()];
                e[k] = 1.0;
                let exact: f64 = naive(&x, n, c, h, w, &e, o, p).iter().zip(&dy).map(|(a, b)| a * *b as f64).sum();
                assert!((dw[k] as f64 - exact).abs() <= 1e-4 * (1.0 + exact.abs()), "{:?} dw[{k}] {} vs {exact}", (n, c, h, w, o, p), dw[k]);
            }
        }
    }

    #[test]
    fn same_bits_on_any_thread_count() {
        for &(n, c, h, w, o, p) in &[(6, 10, 28, 28, 10, [1, 1]), (5, 7, 17, 23, 9, [1, 1]), (1, 8, 64, 40, 16, [1, 1])] {
            let (oh, ow) = (h + 2 * p[0] - 2, w + 2 * p[1] - 2);
            let (x, wt, dy) = (data(n * c * h * w, 7919), data(o * c * 9, 104729), data(n * o * oh * ow, 613));
            let run = |t: usize| with_threads(t, || {
                let mut y = vec![f32::NAN; n * o * oh * ow];
                conv2d_winograd(&x, n, c, h, w, &wt, None, o, p, &mut y);
                let mut dw = vec![f32::NAN; wt.len()];
                conv2d_winograd_grad_weight(&x, n, c, h, w, &dy, o, p, &mut dw);
                (y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), dw.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
            });
            let one = run(1);
            for t in [2, 3, 4] {
                let got = run(t);
                assert!(got.0 == one.0, "forward on {t} threads differs, shape {:?}", (n, c, h, w, o));
                assert!(got.1 == one.1, "dW on {t} threads differs, shape {:?}", (n, c, h, w, o));
            }
        }
    }
}
