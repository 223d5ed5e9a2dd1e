//! Reductions (each output element reduces one contiguous run: the reduced dims are permuted
//! innermost), prod's gradient and softmax.
use alloc::vec::Vec;

use super::memory::{to_vec, with_contiguous};
use crate::dtype::{DType, Elem};
use crate::error::Result;
use crate::ops::reduce::ReduceOp;
use crate::shape::numel;
use crate::storage::{alloc_vec, try_with_capacity};
use crate::tensor::Tensor;
use super::elementwise::{fill_into, fill_par, GRAIN};
use kd_kernels::math as m;
use kd_kernels::parallel::{blocks, num_threads, parallel_for, SyncPtr};

/// Values per block of a long run: a run longer than this is reduced in fixed blocks whose
/// partials are combined in order, so its rounding is the same on any number of threads.
const BLOCK: usize = 8 * 1024;

/// t with the reduced dims innermost, as contiguous values: `f(values, outputs, run length)`
/// gives the output vector.
#[inline(never)]
fn with_runs<T: Elem, U: Elem>(t: &Tensor, red: &[usize], out_shape: Vec<usize>, f: impl FnOnce(&[T], usize, usize) -> Result<Vec<U>>) -> Result<Tensor> {
    let kept: Vec<usize> = (0..t.ndim()).filter(|i| !red.contains(i)).collect();
    let perm: Vec<i64> = kept.iter().chain(red.iter()).map(|&d| d as i64).collect();
    let p = t.permute(&perm)?;
    let outer = numel(&out_shape);
    let r: usize = red.iter().map(|&d| t.shape[d]).product();
    let out = with_contiguous::<T, _>(&p, |s| f(s, outer, r))??;
    Ok(Tensor::from_vec(out, out_shape))
}

/// Reduces `outer` runs of `r` values (`s`, run after run): `part(i, lo, block)` is the partial
/// of one block of output i's run (`lo` its start in the run), `fold(i, partials)` the output
/// from its partials in order. A run of at most BLOCK values is one block and the outputs are
/// spread over the threads; a longer run's blocks are. int64 and float64 share one loop per
/// type triple (their closures called through pointers), to keep the wasm small.
fn blk<T: Elem, P: Copy + Send + Sync, U: Elem>(
    s: &[T], outer: usize, r: usize,
    part: impl Fn(usize, usize, &[T]) -> P + Sync,
    fold: impl Fn(usize, &[P]) -> U + Sync,
) -> Result<Vec<U>> {
    if matches!(T::DTYPE, DType::I64 | DType::F64) { return blk_dyn::<T, P, U>(s, outer, r, &part, &fold); }
    blocked(s, outer, r, part, fold)
}

#[inline(never)]
fn blk_dyn<T: Elem, P: Copy + Send + Sync, U: Elem>(
    s: &[T], outer: usize, r: usize,
    part: &(dyn Fn(usize, usize, &[T]) -> P + Sync),
    fold: &(dyn Fn(usize, &[P]) -> U + Sync),
) -> Result<Vec<U>> {
    blocked(s, outer, r, part, fold)
}

#[inline(never)]
fn blocked<T: Elem, P: Copy + Send + Sync, U: Elem>(
    s: &[T], outer: usize, r: usize,
    part: impl Fn(usize, usize, &[T]) -> P + Sync,
    fold: impl Fn(usize, &[P]) -> U + Sync,
) -> Result<Vec<U>> {
    let nb = blocks(r, BLOCK);
    if nb <= 1 {
        return fill_par::<U>(outer, (GRAIN / r.max(1)).max(1), |lo, hi, dst| {
            for (i, d) in (lo..hi).zip(dst) { d.write(fold(i, core::slice::from_ref(&part(i, 0, &s[i * r..(i + 1) * r])))); }
        });
    }
    let total = outer.checked_mul(nb).ok_or_else(|| crate::error::err!(Memory, "reduction too large"))?;
    let mut parts: Vec<P> = Vec::new();
    parts.try_reserve_exact(total).map_err(|_| crate::error::err!(Memory, "out of memory: cannot allocate {} partial sums", total))?;
    fill_into(&mut parts, total, (GRAIN / BLOCK).max(1), |lo, hi, dst| {
        for (j, d) in (lo..hi).zip(dst) {
            let (i, a) = (j / nb, (j % nb) * BLOCK);
            d.write(part(i, a, &s[i * r + a..i * r + (a + BLOCK).min(r)]));
        }
    });
    fill_par::<U>(outer, (GRAIN / BLOCK / nb).max(1), |lo, hi, dst| {
        for (i, d) in (lo..hi).zip(dst) { d.write(fold(i, &parts[i * nb..(i + 1) * nb])); }
    })
}

/// Partial sums added in order (never empty: a run has at least one block).
fn sum_parts(ps: &[f64]) -> f64 { ps[1..].iter().fold(ps[0], |a, &b| a + b) }

/// Where every f64 sum starts (as Rust's own Sum: a sum of -0.0s stays -0.0).
const SUM_START: f64 = -0.0;

fn sum_f64<T: Elem>(s: &[T]) -> f64 { s.iter().fold(SUM_START, |a, x| a + x.to_f64()) }

/// The values per output when `red` is t's leading dims, t is contiguous and each output has
/// at most BLOCK values (then `leading_sum` applies); None for any other case.
fn leading_run(t: &Tensor, red: &[usize]) -> Option<usize> {
    let k = red.len();
    if k == 0 || k == t.ndim() || !t.is_contiguous() || red.iter().enumerate().any(|(i, &d)| i != d) { return None; }
    let r: usize = t.shape[..k].iter().product();
    (r > 0 && r <= BLOCK && t.shape[k..].iter().product::<usize>() >= 2).then_some(r)
}

/// Sum or mean over the leading dims (r values per output, see `leading_run`: a Linear's bias
/// gradient, dY summed over the batch): each output column adds its values row by row from
/// SUM_START, the same adds in the same order as its permuted run, without the transposing copy.
#[inline(never)]
fn leading_sum<T: Elem + m::Float>(t: &Tensor, r: usize, out_shape: Vec<usize>, mean: bool) -> Result<Tensor> {
    const COLS: usize = 64; // columns accumulated at once, on the stack (workers never allocate)
    let outer = numel(&out_shape);
    let b = t.storage.buf.borrow();
    let s = &T::try_slice(&b)?[t.offset..t.offset + r * outer];
    let out = fill_par::<T>(outer, (GRAIN / r).max(1), |lo, hi, dst| {
        let mut j0 = lo;
        while j0 < hi {
            let w = COLS.min(hi - j0);
            let mut acc = [SUM_START; COLS];
            for i in 0..r {
                for (a, x) in acc[..w].iter_mut().zip(&s[i * outer + j0..i * outer + j0 + w]) { *a += x.to_f64(); }
            }
            for (d, &a) in dst[j0 - lo..j0 - lo + w].iter_mut().zip(&acc[..w]) {
                d.write(T::from_f64(if mean { a / r as f64 } else { a }));
            }
            j0 += w;
        }
    })?;
    Ok(Tensor::from_vec(out, out_shape))
}

/// Index of the first max (or min) element; NaN counts as the extreme, as in PyTorch.
fn arg_extreme<T: Elem>(s: &[T], want_max: bool) -> usize {
    let mut best = 0;
    for i in 1..s.len() {
        let (x, b) = (s[i], s[best]);
        #[allow(clippy::eq_op)]
        if b != b { break; }
        #[allow(clippy::eq_op)]
        if x != x { best = i; break; }
        if (want_max && x > b) || (!want_max && x < b) { best = i; }
    }
    best
}

/// The blocks' (index, value) extremes merged in order, by `arg_extreme`'s rule.
#[allow(clippy::eq_op)]
fn merge_extreme<T: Elem>(ps: &[(usize, T)], want_max: bool) -> (usize, T) {
    let mut best = ps[0];
    for &(i, x) in &ps[1..] {
        if best.1 != best.1 { break; }
        if x != x { best = (i, x); break; }
        if (want_max && x > best.1) || (!want_max && x < best.1) { best = (i, x); }
    }
    best
}

fn generic<T: Elem>(op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>) -> Result<Tensor> {
    use ReduceOp::*;
    let ext = move |want_max: bool| move |_: usize, lo: usize, b: &[T]| { let k = arg_extreme(b, want_max); (lo + k, b[k]) };
    match op {
        Amax => with_runs::<T, T>(t, red, out_shape, |s, o, r| blk(s, o, r, ext(true), |_, ps| merge_extreme(ps, true).1)),
        Amin => with_runs::<T, T>(t, red, out_shape, |s, o, r| blk(s, o, r, ext(false), |_, ps| merge_extreme(ps, false).1)),
        Argmax => with_runs::<T, i32>(t, red, out_shape, |s, o, r| blk(s, o, r, ext(true), |_, ps| merge_extreme(ps, true).0 as i32)),
        Argmin => with_runs::<T, i32>(t, red, out_shape, |s, o, r| blk(s, o, r, ext(false), |_, ps| merge_extreme(ps, false).0 as i32)),
        All => with_runs::<T, u8>(t, red, out_shape, |s, o, r| blk(s, o, r, |_, _, b| b.iter().all(|x| x.to_bool()), |_, ps| ps.iter().all(|&x| x) as u8)),
        Any => with_runs::<T, u8>(t, red, out_shape, |s, o, r| blk(s, o, r, |_, _, b| b.iter().any(|x| x.to_bool()), |_, ps| ps.iter().any(|&x| x) as u8)),
        CountNonzero => with_runs::<T, i32>(t, red, out_shape, |s, o, r| blk(s, o, r, |_, _, b| b.iter().filter(|x| x.to_bool()).count(), |_, ps| ps.iter().sum::<usize>() as i32)),
        _ => unreachable!(),
    }
}

/// The float reductions (float32 and float64 alike): sums and products accumulate in f64,
/// var/std two-pass in f64, logsumexp's exponentials summed in f64.
fn reduce_float<T: Elem + m::Float>(op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>, correction: f64) -> Result<Tensor> {
    use ReduceOp::*;
    if matches!(op, Sum | Mean) {
        if let Some(r) = leading_run(t, red) { return leading_sum::<T>(t, r, out_shape, op == Mean); }
    }
    match op {
        Sum => with_runs::<T, T>(t, red, out_shape, |s, o, r| blk(s, o, r, |_, _, b| sum_f64(b), |_, ps| T::from_f64(sum_parts(ps)))),
        Prod => with_runs::<T, T>(t, red, out_shape, |s, o, r| blk(s, o, r, |_, _, b| b.iter().fold(1f64, |a, &x| a * x.to_f64()),
            |_, ps| T::from_f64(ps[1..].iter().fold(ps[0], |a, &b| a * b)))),
        Mean => with_runs::<T, T>(t, red, out_shape, |s, o, r| blk(s, o, r, |_, _, b| sum_f64(b), move |_, ps| T::from_f64(sum_parts(ps) / r as f64))),
        Var | Std => with_runs::<T, T>(t, red, out_shape, |s, o, r| {
            let fin = move |v: f64| T::from_f64(if op == Std { m::sqrt64(v) } else { v });
            let div = (r as f64 - correction).max(0.0);
            if r <= BLOCK {
                return blk(s, o, r, move |_, _, b| {
                    let mean = sum_f64(b) / r as f64;
                    fin(b.iter().map(|&x| { let d = x.to_f64() - mean; d * d }).sum::<f64>() / div)
                }, |_, ps| ps[0]);
            }
            let means = blk::<T, f64, f64>(s, o, r, |_, _, b| sum_f64(b), |_, ps| sum_parts(ps) / r as f64)?;
            let means = &means[..];
            blk(s, o, r, |i, _, b| b.iter().map(|&x| { let d = x.to_f64() - means[i]; d * d }).sum::<f64>(), move |_, ps| fin(sum_parts(ps) / div))
        }),
        Logsumexp => with_runs::<T, T>(t, red, out_shape, |s, o, r| {
            let max = |b: &[T]| b.iter().fold(T::NEG_INFINITY, |a, &x| if x > a { x } else { a });
            let exps = |b: &[T], mx: T| b.iter().map(|&x| m::exp(x - mx).to_f64()).sum::<f64>();
            if r <= BLOCK {
                return blk(s, o, r, move |_, _, b| {
                    let mx = max(b);
                    if !mx.is_finite() { return if b.iter().any(|x| x.is_nan()) { T::NAN } else { mx }; }
                    mx + m::ln(T::from_f64(exps(b, mx)))
                }, |_, ps| ps[0]);
            }
            // the max (NaN when a NaN meets no finite max), then the exponentials' sum
            let mxs = blk::<T, (T, bool), T>(s, o, r, move |_, _, b| (max(b), b.iter().any(|x| x.is_nan())), |_, ps| {
                let mx = ps.iter().fold(T::NEG_INFINITY, |a, &(x, _)| if x > a { x } else { a });
                if !mx.is_finite() && ps.iter().any(|p| p.1) { T::NAN } else { mx }
            })?;
            let mxs = &mxs[..];
            blk(s, o, r, move |i, _, b| if mxs[i].is_finite() { exps(b, mxs[i]) } else { 0.0 },
                move |i, ps| if mxs[i].is_finite() { mxs[i] + m::ln(T::from_f64(sum_parts(ps))) } else { mxs[i] })
        }),
        _ => generic::<T>(op, t, red, out_shape),
    }
}

fn int_sum<T: Elem>(t: &Tensor, red: &[usize], out_shape: Vec<usize>, id: T, op: impl Fn(T, T) -> T + Sync + Copy) -> Result<Tensor> {
    with_runs::<T, T>(t, red, out_shape, |s, o, r| blk(s, o, r, move |_, _, b| b.iter().fold(id, |a, &x| op(a, x)), move |_, ps| ps[1..].iter().fold(ps[0], |a, &x| op(a, x))))
}

pub fn reduce(op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>, correction: f64) -> Result<Tensor> {
    use ReduceOp::*;
    let dt = t.dtype();
    if dt == DType::F64 { return reduce_float::<f64>(op, t, red, out_shape, correction); }
    match op {
        // int64 sums and products in int64 (wrapping, as torch's)
        Sum if dt == DType::I64 => int_sum::<i64>(t, red, out_shape, 0, i64::wrapping_add),
        Prod if dt == DType::I64 => int_sum::<i64>(t, red, out_shape, 1, i64::wrapping_mul),
        Sum | Prod if dt != DType::F32 => {
            let i = super::memory::cast(t, DType::I32)?;
            if op == Sum { int_sum::<i32>(&i, red, out_shape, 0, i32::wrapping_add) }
            else { int_sum::<i32>(&i, red, out_shape, 1, i32::wrapping_mul) }
        }
        Sum | Prod | Mean | Var | Std | Logsumexp => reduce_float::<f32>(op, t, red, out_shape, correction),
        _ => match dt {
            DType::F32 => generic::<f32>(op, t, red, out_shape),
            DType::I32 => generic::<i32>(op, t, red, out_shape),
            DType::Bool => generic::<u8>(op, t, red, out_shape),
            DType::I64 => generic::<i64>(op, t, red, out_shape),
            other => { crate::dtype::check_arith("reduction", &[other])?; unreachable!() }
        },
    }
}

/// d prod / d x_i = product of the other elements of its run (exact with zeros present).
pub fn prod_grad(x: &Tensor, red: &[usize]) -> Result<Tensor> {
    let kept: Vec<usize> = (0..x.ndim()).filter(|i| !red.contains(i)).collect();
    let perm: Vec<i64> = kept.iter().chain(red.iter()).map(|&d| d as i64).collect();
    let p = x.permute(&perm)?;
    let r: usize = red.iter().map(|&d| x.shape[d]).product();
    let mut v = to_vec::<f32>(&p)?;
    if r > 0 {
        // runs over the threads, each thread's prefix products in its own scratch row
        let runs = v.len() / r;
        let mut scratch = alloc_vec::<f32>(num_threads() * r)?;
        let (vp, sp) = (SyncPtr::new(&mut v), SyncPtr::new(&mut scratch));
        parallel_for(runs, (GRAIN / r).max(1), |lo, hi, tid| {
            let out = unsafe { sp.slice(tid * r, (tid + 1) * r) };
            for run in unsafe { vp.slice(lo * r, hi * r) }.chunks_mut(r) {
                let mut prefix = 1.0f32;
                for i in 0..r { out[i] = prefix; prefix *= run[i]; }
                let mut suffix = 1.0f32;
                for i in (0..r).rev() { out[i] *= suffix; suffix *= run[i]; }
                run.copy_from_slice(out);
            }
        });
    }
    let t = Tensor::from_vec(v, p.shape.clone());
    let mut inv = alloc::vec![0i64; perm.len()];
    for (i, &d) in perm.iter().enumerate() { inv[d as usize] = i as i64; }
    t.permute(&inv)?.contiguous()
}

/// One softmax / log_softmax row in place, numerically stable (max subtracted first).
#[inline]
fn softmax_row(row: &mut [f32], log: bool) {
    let mx = row.iter().fold(f32::NEG_INFINITY, |a, &x| if x > a || x.is_nan() { x } else { a });
    let mx = if mx.is_infinite() { 0.0 } else { mx };
    let mut sum = 0.0f64;
    for x in row.iter_mut() { *x -= mx; sum += m::exp(*x) as f64; }
    if log {
        let ls = m::ln(sum as f32);
        for x in row.iter_mut() { *x -= ls; }
    } else {
        let inv = (1.0 / sum) as f32;
        for x in row.iter_mut() { *x = m::exp(*x) * inv; }
    }
}

/// softmax / log_softmax along d (t has ndim >= 1), rows spread over the threads.
pub fn softmax(t: &Tensor, d: usize, log: bool) -> Result<Tensor> {
    let n = t.shape[d];
    let total = t.numel();
    if n == 0 || total == 0 { return Ok(Tensor::from_vec(Vec::<f32>::new(), t.shape.clone())); }
    let rows = total / n;
    let grain = (GRAIN / 4 / n).max(1); // ~4 passes over a row
    if t.is_contiguous() && t.shape[d + 1..].iter().all(|&s| s == 1) {
        // rows are contiguous already: read them in place, each range into its own output rows
        let b = t.storage.buf.borrow();
        let src = &f32::try_slice(&b)?[t.offset..t.offset + total];
        let mut v = try_with_capacity::<f32>(total)?;
        let dst = SyncPtr(v.spare_capacity_mut().as_mut_ptr());
        parallel_for(rows, grain, |lo, hi, _| {
            let dst = unsafe { dst.slice(lo * n, hi * n) };
            for (d, &x) in dst.iter_mut().zip(&src[lo * n..hi * n]) { d.write(x); }
            // Safety: every element of dst was just written.
            let dst = unsafe { core::slice::from_raw_parts_mut(dst.as_mut_ptr() as *mut f32, dst.len()) };
            for row in dst.chunks_mut(n) { softmax_row(row, log); }
        });
        // Safety: the ranges cover all rows and wrote every element.
        unsafe { v.set_len(total) };
        return Ok(Tensor::from_vec(v, t.shape.clone()));
    }
    let last = t.ndim() as i64 - 1;
    let moved = t.transpose(d as i64, last)?;
    let mut v = to_vec::<f32>(&moved)?;
    let vp = SyncPtr::new(&mut v);
    parallel_for(rows, grain, |lo, hi, _| {
        for row in unsafe { vp.slice(lo * n, hi * n) }.chunks_mut(n) { softmax_row(row, log); }
    });
    let out = Tensor::from_vec(v, moved.shape.clone());
    out.transpose(d as i64, last)?.contiguous()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::elementwise::tests::{rand, same_on_any_threads, t};
    use crate::backend::cpu::memory::cast;
    use alloc::vec;

    fn all_ops(x: &Tensor, red: &[usize]) -> Vec<Tensor> {
        use ReduceOp::*;
        let out_shape: Vec<usize> = (0..x.ndim()).filter(|d| !red.contains(d)).map(|d| x.shape[d]).collect();
        let mut v = Vec::new();
        for op in [Sum, Prod, Mean, Var, Std, Logsumexp, Amax, Amin, Argmax, Argmin, All, Any, CountNonzero] {
            v.push(reduce(op, x, red, out_shape.clone(), 1.0).unwrap());
        }
        let x64 = cast(x, DType::F64).unwrap();
        for op in [Sum, Mean, Var, Logsumexp, Argmax] { v.push(reduce(op, &x64, red, out_shape.clone(), 0.0).unwrap()); }
        let xi = Tensor::from_vec(x.to_vec::<f32>().unwrap().iter().map(|&f| (f * 1000.0) as i32).collect::<Vec<i32>>(), x.shape.clone());
        for op in [Sum, Prod, Amax, Argmin] { v.push(reduce(op, &xi, red, out_shape.clone(), 0.0).unwrap()); }
        v
    }

    #[test]
    fn leading_sums_match_the_permuted_runs_bit_for_bit() {
        // A contiguous x takes leading_sum; the same values as a strided view take the runs.
        let mut v = rand(32 * 300, 5);
        for j in 0..32 { v[j * 300 + 7] = -0.0; } // a column of -0.0 stays -0.0
        let x = Tensor::from_vec(v, vec![32, 300]);
        let strided = x.transpose(0, 1).unwrap().contiguous().unwrap().transpose(0, 1).unwrap();
        let x3 = t(&[4, 8, 301], 6);
        let strided3 = x3.permute(&[2, 0, 1]).unwrap().contiguous().unwrap().permute(&[1, 2, 0]).unwrap();
        for op in [ReduceOp::Sum, ReduceOp::Mean] {
            for (a, b, red, shape) in [(&x, &strided, vec![0], vec![300]), (&x3, &strided3, vec![0, 1], vec![301]), (&x3, &strided3, vec![0], vec![8, 301])] {
                assert!(a.is_contiguous() && !b.is_contiguous());
                let (ra, rb) = (reduce(op, a, &red, shape.clone(), 0.0).unwrap(), reduce(op, b, &red, shape, 0.0).unwrap());
                let bits = |t: &Tensor| t.to_vec::<f32>().unwrap().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&ra), bits(&rb), "{:?} over {:?}", op, red);
            }
        }
        assert!(reduce(ReduceOp::Sum, &x, &[0], vec![300], 0.0).unwrap().to_vec::<f32>().unwrap()[7].is_sign_negative());
    }

    #[test]
    fn reductions_are_bit_identical_for_any_thread_count() {
        let full = t(&[100_003], 1); // one long run: 13 blocks
        let rows = t(&[7, 50_000], 2); // long runs, few outputs
        let cols = t(&[3000, 40], 3); // short strided runs, many blocks of outputs
        let many = t(&[20_000, 5], 4); // many tiny runs
        same_on_any_threads(|| {
            let mut v = all_ops(&full, &[0]);
            v.extend(all_ops(&rows, &[1]));
            v.extend(all_ops(&cols, &[0]));
            v.extend(all_ops(&many, &[1]));
            v.extend(all_ops(&rows.reshape(&[7, 100, 500]).unwrap(), &[0, 2]));
            v
        });
    }

    #[test]
    fn blocked_reductions_agree_with_a_serial_pass() {
        let mut xs = rand(100_003, 9);
        xs[40_000] = 7.5; // the max, in a middle block
        xs[90_001] = 7.5; // a tie later: the first one wins
        xs[70_000] = -9.0;
        let x = Tensor::from_vec(xs.clone(), vec![100_003]);
        let r = |op| reduce(op, &x, &[0], vec![], 1.0).unwrap();
        assert_eq!(r(ReduceOp::Argmax).to_vec::<i32>().unwrap(), vec![40_000]);
        assert_eq!(r(ReduceOp::Argmin).to_vec::<i32>().unwrap(), vec![70_000]);
        assert_eq!(r(ReduceOp::Amax).to_vec::<f32>().unwrap(), vec![7.5]);
        let sum: f64 = xs.iter().map(|&x| x as f64).sum();
        assert_eq!(r(ReduceOp::Sum).to_vec::<f32>().unwrap(), vec![sum as f32]);
        let mean = sum / xs.len() as f64;
        let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!((r(ReduceOp::Var).to_vec::<f32>().unwrap()[0] as f64 - var).abs() < 1e-6 * var);
        let mx = 7.5f64;
        let lse = mx + xs.iter().map(|&x| (x as f64 - mx).exp()).sum::<f64>().ln();
        assert!((r(ReduceOp::Logsumexp).to_vec::<f32>().unwrap()[0] as f64 - lse).abs() < 1e-5);
        // a NaN in a later block wins over any max, as in a serial pass
        xs[99_000] = f32::NAN;
        let x = Tensor::from_vec(xs, vec![100_003]);
        assert_eq!(reduce(ReduceOp::Argmax, &x, &[0], vec![], 0.0).unwrap().to_vec::<i32>().unwrap(), vec![99_000]);
        assert!(reduce(ReduceOp::Logsumexp, &x, &[0], vec![], 0.0).unwrap().to_vec::<f32>().unwrap()[0].is_nan());
    }

    #[test]
    fn softmax_and_prod_grad_are_bit_identical_for_any_thread_count() {
        let x = t(&[64, 1000], 5);
        let y = t(&[3, 200, 50], 6);
        let p = t(&[100, 300], 7);
        same_on_any_threads(|| vec![
            softmax(&x, 1, false).unwrap(),
            softmax(&x, 1, true).unwrap(),
            softmax(&x, 0, false).unwrap(),
            softmax(&y, 1, true).unwrap(),
            softmax(&x.transpose(0, 1).unwrap(), 1, false).unwrap(),
            prod_grad(&p, &[1]).unwrap(),
            prod_grad(&p, &[0]).unwrap(),
        ]);
        // the in-place path and the transposing path agree
        let a = softmax(&x, 1, false).unwrap().to_vec::<f32>().unwrap();
        let b = softmax(&x.transpose(0, 1).unwrap(), 0, false).unwrap().transpose(0, 1).unwrap().to_vec::<f32>().unwrap();
        assert_eq!(a, b);
    }
}
