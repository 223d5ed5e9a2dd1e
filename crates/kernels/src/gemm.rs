//! f32 GEMM: C = A·B (+ C when `accumulate`), every operand given by its origin and
//! element strides, so transposed and broadcast (stride 0) views need no copy.
//!
//! Packed, register-blocked GEMM in the BLIS loop order:
//!
//! ```text
//! jc over n in NC columns
//!   pc over k in KC           pack B[pc.., jc..] into NR-column panels (k-major, zero padded)
//!     ic over m in MC rows    pack A[ic.., pc..] into MR-row panels (k-major, zero padded)
//!       jr over NR panels     (one B panel, KC x NR = 8 KiB, stays in L1)
//!         ir over MR panels   micro-kernel: 4x8 tile of C in 8 vector accumulators
//! ```
//!
//! The micro-kernel keeps 8 accumulators, 2 B vectors and 4 broadcast A values (+1 product
//! temporary without FMA): 15 vector registers in V8's code, so wider tiles spill. Each k
//! step is 2 vector loads, 4 splat loads and 8 multiply-adds (fused under relaxed SIMD). Edge tiles compute on zero-padded panels and
//! write back only their valid part. m == 1 and n == 1 (matrix-vector) skip packing.
//!
//! Threads (`parallel::parallel_for`): each (jc, pc) block packs B once, split over its NR
//! panels, then splits the rows (or, for few rows, the NR panels) of C among the threads,
//! each packing A into its own buffer (all buffers are allocated before the split). Every C
//! element still sums the same KC blocks in the same order, so the bits do not depend on the
//! thread count. Matrix-vector products split their output rows in groups of 4.
//!
//! Measured on a 2-core AMD EPYC (Zen 3, ~2.7 GHz, no AVX-512), V8 in Node 20, one thread:
//! ~43 GFLOP/s with relaxed SIMD (about the 16 flop/cycle peak of two 128-bit FMA pipes) and
//! ~31 with plain simd128, where each k step's separate mul + add (16 ops) plus its 6 loads
//! fill the FP side's ~4 ops/cycle. Unrolling the k loop (by 2 or 4) and pre-broadcast A
//! panels were tried and were slower: V8 hoists an iteration's loads ahead of its
//! arithmetic, and the 4x8 tile already uses 15 of its vector registers (so 6x8 spills).

use alloc::vec::Vec;
use crate::parallel::{self, PerThread};
use crate::simd::F32x4;

/// Micro-tile rows (broadcast A values).
const MR: usize = 4;
/// Micro-tile columns (2 vectors of B).
const NR: usize = 8;
/// Depth of one packed block: a B panel is KC*NR*4 = 8 KiB.
const KC: usize = 256;
/// Rows of A packed at once (MC*KC*4 = 128 KiB, sized for L2). Multiple of MR.
const MC: usize = 128;
/// Columns of B packed at once (KC*NC*4 = 2 MiB). Multiple of NR.
const NC: usize = 2048;

/// One past the largest element index of a rows×cols view with strides (rs, cs);
/// rows, cols >= 1. Panics on overflow (such a view cannot exist).
fn span(rows: usize, cols: usize, rs: usize, cs: usize) -> usize {
    (rows - 1)
        .checked_mul(rs)
        .and_then(|r| (cols - 1).checked_mul(cs).and_then(|c| r.checked_add(c)))
        .and_then(|x| x.checked_add(1))
        .expect("sgemm: view extent overflows usize")
}

#[inline(always)]
fn round_up(x: usize, to: usize) -> usize { x.div_ceil(to) * to }

/// `a` is m×k with strides (rsa, csa); `b` is k×n with (rsb, csb); `c` is m×n with (rsc, csc).
/// Runs on `parallel::num_threads()` threads; the result is the same, bit for bit, for any
/// count (every C element sums its k terms in the same KC blocks, in the same order).
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    m: usize, n: usize, k: usize,
    a: &[f32], rsa: usize, csa: usize,
    b: &[f32], rsb: usize, csb: usize,
    c: &mut [f32], rsc: usize, csc: usize,
    accumulate: bool,
) {
    let threads = parallel::num_threads();
    let len = scratch_len(m, n, k, threads);
    // Packing buffers, used only through raw pointers: every element a kernel reads was
    // written by pack_a / pack_b first (padding included), so they need no zeroing.
    let mut buf: Vec<f32> = Vec::with_capacity(len);
    // SAFETY: buf holds scratch_len(m, n, k, threads) floats.
    unsafe { sgemm_in(m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, csc, accumulate, threads, buf.as_mut_ptr()) }
}

/// The scratch `sgemm_serial` needs for an m×n×k product, in floats.
pub fn sgemm_scratch_len(m: usize, n: usize, k: usize) -> usize { scratch_len(m, n, k, 1) }

/// `sgemm` on the calling thread only, packing into `scratch` (at least
/// `sgemm_scratch_len(m, n, k)` floats, contents ignored) instead of allocating: the form to
/// call from inside a `parallel_for` closure, one scratch slice per `tid`. Same bits as `sgemm`.
#[allow(clippy::too_many_arguments)]
pub fn sgemm_serial(
    m: usize, n: usize, k: usize,
    a: &[f32], rsa: usize, csa: usize,
    b: &[f32], rsb: usize, csb: usize,
    c: &mut [f32], rsc: usize, csc: usize,
    accumulate: bool, scratch: &mut [f32],
) {
    assert!(scratch.len() >= scratch_len(m, n, k, 1), "sgemm_serial: scratch too short");
    // SAFETY: scratch was just checked to hold enough floats.
    unsafe { sgemm_in(m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, csc, accumulate, 1, scratch.as_mut_ptr()) }
}

/// Floats of scratch for an m×n×k product on `threads` threads: the packed B block, one
/// packed A block per thread, and a contiguous copy of x for matrix-vector products.
fn scratch_len(m: usize, n: usize, k: usize, threads: usize) -> usize {
    if m == 0 || n == 0 || k == 0 { return 0; }
    if m == 1 || n == 1 { return k; }
    if short_deep(m, n, k, threads) { return round_up(m, MR) * k + threads * GROUP * NR * KC; }
    let kc = k.min(KC);
    round_up(n, NR).min(NC) * kc + threads * round_up(m, MR).min(MC) * kc
}

/// Floats of A the short-and-deep path packs whole (256 KiB).
const SHORT_A_FLOATS: usize = 1 << 16;
/// NR panels of B a range of the short-and-deep path packs at once (KC*GROUP*NR = 128 KiB).
const GROUP: usize = 16;

/// Few rows and several depth blocks, on threads (an MLP layer: batch x features times a
/// weight): see `short`.
fn short_deep(m: usize, n: usize, k: usize, threads: usize) -> bool {
    threads > 1 && k > KC && round_up(m, MR) * k <= SHORT_A_FLOATS && n.div_ceil(NR) >= 2 * threads
}

/// Work (flops) a range should hold at least: ~10-15 microseconds on one thread.
pub(crate) const PAR_FLOPS: usize = 1 << 19;
/// Floats of B a packing range should move at least.
pub(crate) const PACK_FLOATS: usize = 1 << 15;

/// A pointer the ranges of a parallel_for share (read through `get`, so that closures capture
/// the wrapper, which is Sync, and not the raw pointer).
#[derive(Clone, Copy)]
pub(crate) struct Ptr(pub(crate) *mut f32);
unsafe impl Send for Ptr {}
unsafe impl Sync for Ptr {}
impl Ptr {
    #[inline(always)]
    pub(crate) fn get(self) -> *mut f32 { self.0 }
}

/// parallel_for when `par`, else the whole range on this thread.
#[inline(always)]
fn run<F: Fn(usize, usize, usize) + Sync>(par: bool, n: usize, grain: usize, f: F) {
    if par { parallel::parallel_for(n, grain, f) } else if n > 0 { f(0, n, 0) }
}

/// Safety: `scratch` holds scratch_len(m, n, k, threads) floats; threads == 1 runs serially.
#[allow(clippy::too_many_arguments)]
unsafe fn sgemm_in(
    m: usize, n: usize, k: usize,
    a: &[f32], rsa: usize, csa: usize,
    b: &[f32], rsb: usize, csb: usize,
    c: &mut [f32], rsc: usize, csc: usize,
    accumulate: bool, threads: usize, scratch: *mut f32,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(span(m, n, rsc, csc) <= c.len(), "sgemm: C slice too short");
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                for j in 0..n {
                    c[i * rsc + j * csc] = 0.0;
                }
            }
        }
        return;
    }
    assert!(span(m, k, rsa, csa) <= a.len(), "sgemm: A slice too short");
    assert!(span(k, n, rsb, csb) <= b.len(), "sgemm: B slice too short");
    // SAFETY (for everything below): all three views were just checked to lie inside their
    // slices, and every access made below is to an element (i, j) of a view with i < rows and
    // j < cols, i.e. at offset i*rs + j*cs < span. A, B are shared borrows and C a unique
    // one, so they do not overlap. Parallel ranges write disjoint elements of C.
    let (pa, pb, pc) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    let par = threads > 1;
    if m == 1 {
        // C[0, j] = sum_p B[p, j] A[0, p]: the matrix is B^T (n×k, strides (csb, rsb)).
        gemv(n, k, pb, csb, rsb, pa, csa, pc, csc, accumulate, par, scratch);
    } else if n == 1 {
        gemv(m, k, pa, rsa, csa, pb, rsb, pc, rsc, accumulate, par, scratch);
    } else {
        packed(m, n, k, pa, rsa, csa, pb, rsb, csb, pc, rsc, csc, accumulate, threads, scratch);
    }
}

// ---- packed path ---------------------------------------------------------------------------

/// The BLIS loops with the threads splitting each packed block: B's panels are packed once (in
/// parallel) and shared; then either the rows (M, when there are enough MR panels for every
/// thread: each range packs its own rows of A into its thread's buffer) or the NR panels of
/// the block (N, for short-and-wide products: each range packs all of A's few rows) are split.
/// Neither split changes the arithmetic of any C element. One thread runs the loops unsplit.
#[allow(clippy::too_many_arguments)]
unsafe fn packed(
    m: usize, n: usize, k: usize,
    a: *const f32, rsa: usize, csa: usize,
    b: *const f32, rsb: usize, csb: usize,
    c: *mut f32, rsc: usize, csc: usize,
    accumulate: bool, threads: usize, scratch: *mut f32,
) {
    if short_deep(m, n, k, threads) {
        return short(m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, csc, accumulate, threads, scratch);
    }
    let kc_max = k.min(KC);
    let par = threads > 1;
    // scratch: the B block (round_up(n, NR).min(NC) * kc_max), then one A block per thread.
    let bp = Ptr(scratch);
    let asz = round_up(m, MR).min(MC) * kc_max;
    let ablocks = PerThread::from_raw(scratch.add(round_up(n, NR).min(NC) * kc_max), asz, threads);
    let (a, b, c) = (Ptr(a as *mut f32), Ptr(b as *mut f32), Ptr(c));
    let mp = m.div_ceil(MR);
    let split_m = mp >= 2 * threads;
    let mut jc = 0;
    while jc < n {
        let nc = NC.min(n - jc);
        let np = nc.div_ceil(NR);
        let mut pc = 0;
        while pc < k {
            let kc = KC.min(k - pc);
            // Later depth blocks add onto what the first one wrote.
            let beta = accumulate || pc > 0;
            // Panels lo..hi: round_up(nc, NR) * kc floats in all <= the B block (NC is a
            // multiple of NR); pack_a likewise writes round_up(mc, MR) * kc <= an A block.
            let bsrc = Ptr(b.get().add(pc * rsb + jc * csb));
            run(par, np, (PACK_FLOATS / (kc * NR)).max(1), |lo, hi, _| {
                let cols = (hi * NR).min(nc) - lo * NR;
                pack_b(kc, cols, bsrc.get().add(lo * NR * csb), rsb, csb, bp.get().add(lo * NR * kc));
            });
            let asrc = Ptr(a.get().add(pc * csa));
            let cblk = Ptr(c.get().add(jc * csc));
            let tile = |i0: usize, i1: usize, j0: usize, j1: usize, tid: usize| {
                ablocks.with(tid, |ap| block(i0, i1, j0, j1, kc, asrc.get(), rsa, csa, ap.as_mut_ptr(), bp.get(), cblk.get(), rsc, csc, beta))
            };
            if split_m {
                run(par, mp, PAR_FLOPS.div_ceil(2 * MR * kc * nc).max(1), |lo, hi, tid| {
                    tile(lo * MR, (hi * MR).min(m), 0, nc, tid)
                });
            } else {
                run(par, np, PAR_FLOPS.div_ceil(2 * NR * kc * m).max(1), |lo, hi, tid| {
                    tile(0, m, lo * NR, (hi * NR).min(nc), tid)
                });
            }
            pc += KC;
        }
        jc += NC;
    }
}

/// The short-and-deep product on threads in one job instead of two per depth block (whose
/// ranges were ~10 us each, so the joins cost as much as the work): A is packed whole, once,
/// on this thread; the ranges split C's NR panels, and each packs its own B panels, GROUP at a
/// time, block by block. Every C tile sees the same kernel calls, in the same depth order, on
/// the same packed panels as in `packed`'s loops: the same bits.
/// Safety: as `packed`, with scratch of scratch_len(m, n, k, threads) floats.
#[allow(clippy::too_many_arguments)]
unsafe fn short(
    m: usize, n: usize, k: usize,
    a: *const f32, rsa: usize, csa: usize,
    b: *const f32, rsb: usize, csb: usize,
    c: *mut f32, rsc: usize, csc: usize,
    accumulate: bool, threads: usize, scratch: *mut f32,
) {
    // A's depth block pc sits at mpad * pc: the blocks before it hold mpad * pc floats.
    let mpad = round_up(m, MR);
    let mut pc = 0;
    while pc < k {
        pack_a(m, KC.min(k - pc), a.add(pc * csa), rsa, csa, scratch.add(mpad * pc));
        pc += KC;
    }
    let ap = Ptr(scratch);
    let bufs = PerThread::from_raw(scratch.add(mpad * k), GROUP * NR * KC, threads);
    let (b, c) = (Ptr(b as *mut f32), Ptr(c));
    parallel::parallel_for(n.div_ceil(NR), PAR_FLOPS.div_ceil(2 * NR * m * k).max(1), |lo, hi, tid| {
        bufs.with(tid, |bp| {
            let bp = bp.as_mut_ptr();
            let mut g0 = lo;
            while g0 < hi {
                let (j0, j1) = (g0 * NR, ((g0 + GROUP).min(hi) * NR).min(n));
                let mut pc = 0;
                while pc < k {
                    let kc = KC.min(k - pc);
                    pack_b(kc, j1 - j0, b.get().add(pc * rsb + j0 * csb), rsb, csb, bp);
                    let beta = accumulate || pc > 0;
                    let apc = ap.get().add(mpad * pc);
                    let mut jr = 0;
                    while jr < j1 - j0 {
                        let ccol = c.get().add((j0 + jr) * csc);
                        let mut ir = 0;
                        while ir < m {
                            kernel(kc, apc.add(ir * kc), bp.add(jr * kc), ccol.add(ir * rsc), rsc, csc, MR.min(m - ir), NR.min(j1 - j0 - jr), beta);
                            ir += MR;
                        }
                        jr += NR;
                    }
                    pc += KC;
                }
                g0 = (g0 + GROUP).min(hi);
            }
        })
    });
}

/// Rows i0..i1 (i0 a multiple of MR) times the packed B panels covering columns j0..j1 (j0 a
/// multiple of NR) of one kc-deep block: A packed MC rows at a time into `ap`.
#[allow(clippy::too_many_arguments)]
unsafe fn block(
    i0: usize, i1: usize, j0: usize, j1: usize, kc: usize,
    a: *const f32, rsa: usize, csa: usize, ap: *mut f32,
    bp: *const f32, c: *mut f32, rsc: usize, csc: usize, beta: bool,
) {
    let mut ic = i0;
    while ic < i1 {
        let mc = MC.min(i1 - ic);
        pack_a(mc, kc, a.add(ic * rsa), rsa, csa, ap);
        let mut jr = j0;
        while jr < j1 {
            let nr = NR.min(j1 - jr);
            let bpanel = bp.add(jr * kc);
            let ccol = c.add(ic * rsc + jr * csc);
            let mut ir = 0;
            while ir < mc {
                let mr = MR.min(mc - ir);
                kernel(kc, ap.add(ir * kc), bpanel, ccol.add(ir * rsc), rsc, csc, mr, nr, beta);
                ir += MR;
            }
            jr += NR;
        }
        ic += MC;
    }
}

/// Packs the mc×kc block of A at `a` into MR-row panels: panel r (rows r*MR..) starts at
/// `out + r*MR*kc` and holds element (i, p) at `p*MR + i`; rows past mc are zero.
#[inline(never)]
unsafe fn pack_a(mc: usize, kc: usize, a: *const f32, rsa: usize, csa: usize, out: *mut f32) {
    let mut ir = 0;
    while ir < mc {
        let mr = MR.min(mc - ir);
        let src = a.add(ir * rsa);
        let dst = out.add(ir * kc);
        if mr == MR && rsa == 1 {
            // A transposed: the MR values of one column are adjacent.
            for p in 0..kc {
                F32x4::load(src.add(p * csa)).store(dst.add(p * MR));
            }
        } else if mr == MR && csa == 1 {
            // Row-major A: read 4 rows 4 columns at a time and transpose in registers.
            let (r0, r1, r2, r3) = (src, src.add(rsa), src.add(2 * rsa), src.add(3 * rsa));
            let mut p = 0;
            while p + 4 <= kc {
                let t = F32x4::transpose4([
                    F32x4::load(r0.add(p)), F32x4::load(r1.add(p)),
                    F32x4::load(r2.add(p)), F32x4::load(r3.add(p)),
                ]);
                for (q, v) in t.iter().enumerate() {
                    v.store(dst.add((p + q) * MR));
                }
                p += 4;
            }
            while p < kc {
                let d = dst.add(p * MR);
                *d = *r0.add(p);
                *d.add(1) = *r1.add(p);
                *d.add(2) = *r2.add(p);
                *d.add(3) = *r3.add(p);
                p += 1;
            }
        } else {
            for p in 0..kc {
                let d = dst.add(p * MR);
                for i in 0..MR {
                    *d.add(i) = if i < mr { *src.add(i * rsa + p * csa) } else { 0.0 };
                }
            }
        }
        ir += MR;
    }
}

/// Packs the kc×nc block of B at `b` into NR-column panels: panel r (columns r*NR..) starts
/// at `out + r*NR*kc` and holds element (p, j) at `p*NR + j`; columns past nc are zero.
#[inline(never)]
unsafe fn pack_b(kc: usize, nc: usize, b: *const f32, rsb: usize, csb: usize, out: *mut f32) {
    let mut jr = 0;
    while jr < nc {
        let nr = NR.min(nc - jr);
        let src = b.add(jr * csb);
        let dst = out.add(jr * kc);
        if nr == NR && csb == 1 {
            for p in 0..kc {
                let s = src.add(p * rsb);
                let d = dst.add(p * NR);
                F32x4::load(s).store(d);
                F32x4::load(s.add(4)).store(d.add(4));
            }
        } else if nr == NR && rsb == 1 {
            // B transposed: each column is contiguous in p; transpose 4x4 blocks.
            let col = |j: usize| src.add(j * csb);
            let mut p = 0;
            while p + 4 <= kc {
                let lo = F32x4::transpose4([
                    F32x4::load(col(0).add(p)), F32x4::load(col(1).add(p)),
                    F32x4::load(col(2).add(p)), F32x4::load(col(3).add(p)),
                ]);
                let hi = F32x4::transpose4([
                    F32x4::load(col(4).add(p)), F32x4::load(col(5).add(p)),
                    F32x4::load(col(6).add(p)), F32x4::load(col(7).add(p)),
                ]);
                for q in 0..4 {
                    let d = dst.add((p + q) * NR);
                    lo[q].store(d);
                    hi[q].store(d.add(4));
                }
                p += 4;
            }
            while p < kc {
                let d = dst.add(p * NR);
                for j in 0..NR {
                    *d.add(j) = *col(j).add(p);
                }
                p += 1;
            }
        } else {
            for p in 0..kc {
                let d = dst.add(p * NR);
                for j in 0..NR {
                    *d.add(j) = if j < nr { *src.add(p * rsb + j * csb) } else { 0.0 };
                }
            }
        }
        jr += NR;
    }
}

/// C[0..mr, 0..nr] (+)= Apanel·Bpanel over depth kc. `a` holds kc*MR floats, `b` kc*NR.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
unsafe fn kernel(
    kc: usize, a: *const f32, b: *const f32,
    c: *mut f32, rsc: usize, csc: usize, mr: usize, nr: usize, beta: bool,
) {
    let z = F32x4::zero();
    let (mut c00, mut c01, mut c10, mut c11) = (z, z, z, z);
    let (mut c20, mut c21, mut c30, mut c31) = (z, z, z, z);
    let (mut pa, mut pb) = (a, b);
    // One k step per iteration: the engine's compiler hoists the loads of an iteration ahead
    // of its arithmetic, so unrolling would need more than the 15 vector registers it has
    // (measured: unrolling by 2 or 4 spills and runs at half speed).
    for _ in 0..kc {
        let b0 = F32x4::load(pb);
        let b1 = F32x4::load(pb.add(4));
        let a0 = F32x4::load_splat(pa);
        c00 = c00.mul_add(a0, b0);
        c01 = c01.mul_add(a0, b1);
        let a1 = F32x4::load_splat(pa.add(1));
        c10 = c10.mul_add(a1, b0);
        c11 = c11.mul_add(a1, b1);
        let a2 = F32x4::load_splat(pa.add(2));
        c20 = c20.mul_add(a2, b0);
        c21 = c21.mul_add(a2, b1);
        let a3 = F32x4::load_splat(pa.add(3));
        c30 = c30.mul_add(a3, b0);
        c31 = c31.mul_add(a3, b1);
        // Bumped through an integer so that LLVM's loop strength reduction leaves the
        // constant offsets above as load immediates instead of separate adds (each such add
        // costs an extra instruction per load in the engine's code).
        pa = (pa as usize + MR * 4) as *const f32;
        pb = (pb as usize + NR * 4) as *const f32;
    }
    let acc = [[c00, c01], [c10, c11], [c20, c21], [c30, c31]];
    if mr == MR && nr == NR && csc == 1 {
        for (i, row) in acc.iter().enumerate() {
            let d = c.add(i * rsc);
            let (mut v0, mut v1) = (row[0], row[1]);
            if beta {
                v0 = v0.add(F32x4::load(d));
                v1 = v1.add(F32x4::load(d.add(4)));
            }
            v0.store(d);
            v1.store(d.add(4));
        }
    } else {
        let mut t = [[0.0f32; NR]; MR];
        for (i, row) in acc.iter().enumerate() {
            row[0].store(t[i].as_mut_ptr());
            row[1].store(t[i].as_mut_ptr().add(4));
        }
        for (i, trow) in t.iter().enumerate().take(mr) {
            for (j, &v) in trow.iter().enumerate().take(nr) {
                let d = c.add(i * rsc + j * csc);
                *d = if beta { *d + v } else { v };
            }
        }
    }
}

// ---- matrix-vector -------------------------------------------------------------------------

/// y[i] (+)= sum_p M[i, p] x[p] for an r×k matrix M with strides (rs, cs), x with stride xs
/// and y with stride ys; `xbuf` holds k floats (a contiguous copy of x when rows are
/// contiguous and x is not). Split over groups of 4 rows when `par`: every row's arithmetic
/// is the same wherever a range starts (the 4-row vector paths and the lone-row paths agree,
/// and the scalar tail rows are the last r % 4 in any split).
#[allow(clippy::too_many_arguments)]
unsafe fn gemv(
    r: usize, k: usize,
    mat: *const f32, rs: usize, cs: usize,
    x: *const f32, xs: usize,
    y: *mut f32, ys: usize,
    accumulate: bool, par: bool, xbuf: *mut f32,
) {
    let x = if cs == 1 && xs != 1 {
        for p in 0..k {
            *xbuf.add(p) = *x.add(p * xs);
        }
        xbuf as *const f32
    } else {
        x
    };
    let xs = if cs == 1 { 1 } else { xs };
    let (mat, x, y) = (Ptr(mat as *mut f32), Ptr(x as *mut f32), Ptr(y));
    // A group is 4 rows of 2k flops each.
    let grain = (PAR_FLOPS / 16).div_ceil(8 * k).max(1);
    run(par, r.div_ceil(4), grain, |lo, hi, _| {
        gemv_rows(4 * lo, (4 * hi).min(r), k, mat.get(), rs, cs, x.get(), xs, y.get(), ys, accumulate)
    });
}

/// Rows i0..i1 of `gemv` (x contiguous when cs == 1).
#[allow(clippy::too_many_arguments)]
unsafe fn gemv_rows(
    i0: usize, r: usize, k: usize,
    mat: *const f32, rs: usize, cs: usize,
    x: *const f32, xs: usize,
    y: *mut f32, ys: usize,
    accumulate: bool,
) {
    let put = |i: usize, v: f32| {
        let d = y.add(i * ys);
        *d = if accumulate { *d + v } else { v };
    };
    if cs == 1 {
        // Rows are contiguous: dot products against x (contiguous).
        let xv = x;
        let k4 = k & !3;
        let mut i = i0;
        while i + 4 <= r {
            let rows = [mat.add(i * rs), mat.add((i + 1) * rs), mat.add((i + 2) * rs), mat.add((i + 3) * rs)];
            let mut acc = [F32x4::zero(); 4];
            let mut p = 0;
            while p < k4 {
                let xv4 = F32x4::load(xv.add(p));
                for q in 0..4 {
                    acc[q] = acc[q].mul_add(F32x4::load(rows[q].add(p)), xv4);
                }
                p += 4;
            }
            for q in 0..4 {
                let mut s = acc[q].hsum();
                for p in k4..k {
                    s += *rows[q].add(p) * *xv.add(p);
                }
                put(i + q, s);
            }
            i += 4;
        }
        while i < r {
            let row = mat.add(i * rs);
            let mut acc = F32x4::zero();
            let mut p = 0;
            while p < k4 {
                acc = acc.mul_add(F32x4::load(row.add(p)), F32x4::load(xv.add(p)));
                p += 4;
            }
            let mut s = acc.hsum();
            for p in k4..k {
                s += *row.add(p) * *xv.add(p);
            }
            put(i, s);
            i += 1;
        }
    } else if rs == 1 {
        // Columns are contiguous: y += M[:, p] * x[p], 32 rows of y held in registers.
        const RB: usize = 32;
        let mut i = i0;
        while i + RB <= r {
            let mut acc = [F32x4::zero(); RB / 4];
            for p in 0..k {
                let col = mat.add(i + p * cs);
                let xp = F32x4::splat(*x.add(p * xs));
                for (v, a) in acc.iter_mut().enumerate() {
                    *a = a.mul_add(F32x4::load(col.add(4 * v)), xp);
                }
            }
            let mut t = [0.0f32; RB];
            for (v, a) in acc.iter().enumerate() {
                a.store(t.as_mut_ptr().add(4 * v));
            }
            for (q, &v) in t.iter().enumerate() {
                put(i + q, v);
            }
            i += RB;
        }
        while i + 4 <= r {
            let mut acc = F32x4::zero();
            for p in 0..k {
                acc = acc.mul_add(F32x4::load(mat.add(i + p * cs)), F32x4::splat(*x.add(p * xs)));
            }
            let mut t = [0.0f32; 4];
            acc.store(t.as_mut_ptr());
            for (q, &v) in t.iter().enumerate() {
                put(i + q, v);
            }
            i += 4;
        }
        while i < r {
            let mut s = 0.0f32;
            for p in 0..k {
                s += *mat.add(i + p * cs) * *x.add(p * xs);
            }
            put(i, s);
            i += 1;
        }
    } else {
        for i in i0..r {
            let mut s = 0.0f32;
            for p in 0..k {
                s += *mat.add(i * rs + p * cs) * *x.add(p * xs);
            }
            put(i, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small deterministic generator (xorshift), values in [-1, 1).
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        }
        fn vec(&mut self, n: usize) -> Vec<f32> { (0..n).map(|_| self.next()).collect() }
    }

    #[derive(Clone, Copy, Debug)]
    enum Lay { Row, Col, BcastRows, BcastCols }

    /// A rows×cols view in a fresh buffer with a random origin offset and some slack:
    /// returns (buffer, origin, rs, cs).
    fn make(g: &mut Gen, rows: usize, cols: usize, lay: Lay) -> (Vec<f32>, usize, usize, usize) {
        let off = (g.next().abs() * 5.0) as usize;
        let (rs, cs, len) = match lay {
            Lay::Row => (cols + 1, 1, rows * (cols + 1)),
            Lay::Col => (1, rows + 2, cols * (rows + 2)),
            Lay::BcastRows => (0, 1, cols),
            Lay::BcastCols => (1, 0, rows),
        };
        (g.vec(off + len + 3), off, rs, cs)
    }

    #[allow(clippy::too_many_arguments)]
    fn check(m: usize, n: usize, k: usize, la: Lay, lb: Lay, ctrans: bool, accumulate: bool, seed: u64) {
        let mut g = Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let (a, oa, rsa, csa) = make(&mut g, m, k, la);
        let (b, ob, rsb, csb) = make(&mut g, k, n, lb);
        let (rsc, csc) = if ctrans { (1, m + 1) } else { (n + 3, 1) };
        let mut c = g.vec(m.max(1) * (n + 3) + n * (m + 1) + 2);
        let c0 = c.clone();
        sgemm(m, n, k, &a[oa..], rsa, csa, &b[ob..], rsb, csb, &mut c, rsc, csc, accumulate);
        // Every element of C's view checked; everything else must be untouched.
        let mut inview = alloc::vec![false; c.len()];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f64;
                let mut sabs = 0.0f64;
                for p in 0..k {
                    let t = a[oa + i * rsa + p * csa] as f64 * b[ob + p * rsb + j * csb] as f64;
                    s += t;
                    sabs += t.abs();
                }
                let idx = i * rsc + j * csc;
                inview[idx] = true;
                if accumulate {
                    s += c0[idx] as f64;
                    sabs += (c0[idx] as f64).abs();
                }
                let got = c[idx] as f64;
                let tol = 1e-5 * ((k as f64).sqrt() + 1.0) * (sabs + 1.0);
                assert!(
                    (got - s).abs() <= tol,
                    "m={m} n={n} k={k} la={la:?} lb={lb:?} ctrans={ctrans} acc={accumulate}: C[{i},{j}] = {got}, want {s}"
                );
            }
        }
        for (idx, (&x, &x0)) in c.iter().zip(&c0).enumerate() {
            if !inview[idx] {
                assert_eq!(x.to_bits(), x0.to_bits(), "m={m} n={n} k={k}: wrote outside C at {idx}");
            }
        }
    }

    const SIZES: [usize; 16] = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 65, 127, 257];

    #[test]
    fn shapes_row_major() {
        let mut seed = 1;
        for &m in &SIZES {
            for &n in &SIZES {
                for &k in &[1usize, 3, 8, 17, 64, 257] {
                    seed += 1;
                    check(m, n, k, Lay::Row, Lay::Row, false, false, seed);
                }
            }
        }
    }

    #[test]
    fn shapes_k_sweep() {
        let mut seed = 1000;
        for &k in &SIZES {
            for &(m, n) in &[(1, 1), (1, 9), (9, 1), (4, 8), (5, 9), (17, 33), (65, 15), (33, 64)] {
                seed += 1;
                check(m, n, k, Lay::Row, Lay::Row, false, false, seed);
                check(m, n, k, Lay::Row, Lay::Row, false, true, seed + 7);
            }
        }
    }

    #[test]
    fn k_zero() {
        for &(m, n) in &[(1, 1), (3, 5), (9, 17), (1, 7), (7, 1)] {
            check(m, n, 0, Lay::Row, Lay::Row, false, false, 5);
            check(m, n, 0, Lay::Row, Lay::Row, false, true, 6);
            check(m, n, 0, Lay::Row, Lay::Row, true, false, 7);
        }
    }

    #[test]
    fn empty_m_or_n() {
        let mut c = [1.0f32; 4];
        sgemm(0, 3, 5, &[], 5, 1, &[0.0; 15], 3, 1, &mut c, 3, 1, false);
        sgemm(3, 0, 5, &[0.0; 15], 5, 1, &[], 0, 1, &mut c, 0, 1, false);
        assert_eq!(c, [1.0; 4]);
    }

    #[test]
    fn layouts() {
        let lays = [Lay::Row, Lay::Col, Lay::BcastRows, Lay::BcastCols];
        let mut seed = 5000;
        for &la in &lays {
            for &lb in &lays {
                for &(m, n, k) in &[
                    (1, 1, 5), (1, 17, 33), (17, 1, 33), (1, 64, 64), (64, 1, 64), (2, 3, 4),
                    (5, 9, 7), (16, 16, 16), (33, 65, 17), (65, 33, 257), (127, 9, 64), (9, 127, 300),
                ] {
                    for &ctrans in &[false, true] {
                        for &acc in &[false, true] {
                            seed += 1;
                            check(m, n, k, la, lb, ctrans, acc, seed);
                        }
                    }
                }
            }
        }
    }

    /// C for the given layouts on `threads` threads (the same operands for every count).
    fn run_threads(m: usize, n: usize, k: usize, la: Lay, lb: Lay, ctrans: bool, acc: bool, threads: usize) -> Vec<u32> {
        let mut g = Gen(((m * 31 + n) * 17 + k) as u64 | 1);
        let (a, oa, rsa, csa) = make(&mut g, m, k, la);
        let (b, ob, rsb, csb) = make(&mut g, k, n, lb);
        let (rsc, csc) = if ctrans { (1, m + 1) } else { (n + 3, 1) };
        let mut c = g.vec(m.max(1) * (n + 3) + n * (m + 1) + 2);
        let mut c1 = c.clone();
        crate::parallel::with_threads(threads, || {
            sgemm(m, n, k, &a[oa..], rsa, csa, &b[ob..], rsb, csb, &mut c, rsc, csc, acc)
        });
        // The serial form with caller scratch gives the same bits too.
        let mut scratch = alloc::vec![f32::NAN; sgemm_scratch_len(m, n, k)];
        sgemm_serial(m, n, k, &a[oa..], rsa, csa, &b[ob..], rsb, csb, &mut c1, rsc, csc, acc, &mut scratch);
        assert!(c.iter().zip(&c1).all(|(x, y)| x.to_bits() == y.to_bits()), "sgemm_serial differs: {m}x{n}x{k}");
        c.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn same_bits_on_any_thread_count() {
        // Shapes that split (well past PAR_FLOPS) in both modes and on the short-and-deep path,
        // with edge tiles, several KC blocks, an NC edge, and the matrix-vector paths.
        for &(m, n, k, la, lb, ct, acc) in &[
            (301, 203, 300, Lay::Row, Lay::Row, false, false),
            (256, 256, 256, Lay::Row, Lay::Row, false, true),
            (130, 77, 600, Lay::Col, Lay::Row, true, false),
            (97, 45, 513, Lay::Row, Lay::Col, false, true),
            (6, 3001, 300, Lay::Row, Lay::Row, false, false),
            (3, 2100, 270, Lay::Col, Lay::Col, true, true),
            (10, 785, 90, Lay::Row, Lay::Row, false, false),
            (32, 256, 784, Lay::Row, Lay::Col, false, false), // an MLP layer: the short-and-deep path
            (1, 3001, 400, Lay::Row, Lay::Row, false, false),
            (1, 3001, 400, Lay::Row, Lay::Col, false, true),
            (3001, 1, 400, Lay::Row, Lay::Row, false, false),
            (3001, 1, 400, Lay::Col, Lay::Row, true, true),
            (2999, 1, 401, Lay::Col, Lay::Col, false, false),
        ] {
            let one = run_threads(m, n, k, la, lb, ct, acc, 1);
            for t in [2, 3, 4] {
                assert!(one == run_threads(m, n, k, la, lb, ct, acc, t), "{m}x{n}x{k} {la:?} {lb:?}: {t} threads differ from 1");
            }
            // and right, on a split run
            crate::parallel::with_threads(3, || check(m, n, k, la, lb, ct, acc, (m + n + k) as u64));
        }
    }

    #[test]
    fn blocking_boundaries() {
        // Crosses the KC, MC and NC block edges (and the matrix-vector paths at size).
        let mut seed = 9000;
        for &(m, n, k) in &[
            (129, 9, 513), (257, 17, 300), (5, 2049, 3), (3, 2057, 260), (130, 2050, 257),
            (1, 3000, 70), (3000, 1, 70), (1, 40, 3000), (40, 1, 3000),
        ] {
            for &(la, lb) in &[(Lay::Row, Lay::Row), (Lay::Col, Lay::Col), (Lay::Row, Lay::Col)] {
                seed += 1;
                check(m, n, k, la, lb, false, seed % 2 == 0, seed);
            }
        }
    }
}
