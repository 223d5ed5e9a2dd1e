//! Elementwise loops. Each op's scalar function is its spec row (ops/unary.rs, ops/binary.rs,
//! pasted into these loops by the row macros in ops/spec.rs, one monomorphised loop per op);
//! the loops, dtype dispatch and the raw derivative terms live here.
use super::memory::{cast, with_contiguous};
use crate::dtype::{DType, Elem};
use crate::error::{err, Result};
use crate::ops::binary::BinaryOp;
use crate::ops::spec::DTypeRule;
use crate::ops::unary::UnaryOp;
use crate::shape::{broadcast_shapes, broadcast_strides, numel};
use crate::storage::{alloc_vec, try_with_capacity};
use crate::tensor::Tensor;
use alloc::vec::Vec;
use core::mem::MaybeUninit;
use kd_kernels::math as m;
use kd_kernels::parallel::{parallel_for, SyncPtr};

/// Whether T's loops are kept plain (one strided loop, no contiguous or broadcast fast paths):
/// int64 and float64 are for exchange and checking, so their ~60 op loops stay small in the wasm.
#[inline]
fn plain<T: Elem>() -> bool { matches!(T::DTYPE, DType::I64 | DType::F64) }

/// Elements per parallel range: tens of microseconds of the cheapest op, so a tensor of a few
/// thousand elements stays on the calling thread.
pub(crate) const GRAIN: usize = 16 * 1024;

/// Outer dims a ranged walk keeps on the stack; a deeper (uncoalescable) walk runs on the
/// caller alone, where it may allocate.
const STACK_DIMS: usize = 16;

/// A strided iteration over N operands (as `iter::for_each_row`, dims coalesced once) that can
/// start at any element: a parallel range walks its own part without allocating.
pub(crate) struct Rows<const N: usize> {
    dims: Vec<(usize, [usize; N])>,
    base: [usize; N],
}

impl<const N: usize> Rows<N> {
    pub(crate) fn new(shape: &[usize], strides: [&[usize]; N], base: [usize; N]) -> Self {
        let mut dims: Vec<(usize, [usize; N])> = Vec::with_capacity(shape.len());
        for (d, &size) in shape.iter().enumerate() {
            if size == 1 { continue; }
            let st: [usize; N] = core::array::from_fn(|k| strides[k][d]);
            if let Some(last) = dims.last_mut() {
                if (0..N).all(|k| last.1[k] == st[k] * size) {
                    last.0 *= size;
                    last.1 = st;
                    continue;
                }
            }
            dims.push((size, st));
        }
        Rows { dims, base }
    }

    /// `grain`, or everything on the caller when a walk would need the heap.
    pub(crate) fn grain(&self, grain: usize) -> usize {
        if self.dims.len() > STACK_DIMS + 1 { usize::MAX } else { grain }
    }

    /// Calls `f(i, offsets, len, inner_strides)` for the elements lo..hi (row-major order) in
    /// pieces of rows; `i` is the piece's first element, `offsets[k]` operand k's offset there.
    #[inline]
    pub(crate) fn walk(&self, lo: usize, hi: usize, mut f: impl FnMut(usize, [usize; N], usize, [usize; N])) {
        if lo >= hi { return; }
        let Some(&(inner, ist)) = self.dims.last() else {
            f(lo, self.base, 1, [0; N]);
            return;
        };
        let outer = &self.dims[..self.dims.len() - 1];
        let mut stack = [0usize; STACK_DIMS];
        let mut heap = Vec::new();
        let idx: &mut [usize] = if outer.len() <= STACK_DIMS { &mut stack[..outer.len()] } else { heap.resize(outer.len(), 0); &mut heap };
        let (mut row, mut col) = (lo / inner, lo % inner);
        let mut offs = self.base;
        for d in (0..outer.len()).rev() {
            let (size, st) = outer[d];
            idx[d] = row % size;
            row /= size;
            for k in 0..N { offs[k] += idx[d] * st[k]; }
        }
        let mut i = lo;
        loop {
            let len = (inner - col).min(hi - i);
            f(i, core::array::from_fn(|k| offs[k] + col * ist[k]), len, ist);
            i += len;
            col = 0;
            if i >= hi || !crate::iter::next_row(outer, idx, &mut offs) { return; }
        }
    }
}

/// A fresh vector of n elements, filled by `fill(lo, hi, dst)` over disjoint ranges on all
/// threads (`dst` is the uninitialised lo..hi; each range must write every element of it).
pub(crate) fn fill_par<D: Elem>(n: usize, grain: usize, fill: impl Fn(usize, usize, &mut [MaybeUninit<D>]) + Sync) -> Result<Vec<D>> {
    let mut out = try_with_capacity::<D>(n)?;
    fill_into(&mut out, n, grain, fill);
    Ok(out)
}

/// `fill_par` into an empty vector with room for n (of any plain type, e.g. partial sums).
pub(crate) fn fill_into<D: Copy + Send>(out: &mut Vec<D>, n: usize, grain: usize, fill: impl Fn(usize, usize, &mut [MaybeUninit<D>]) + Sync) {
    assert!(out.is_empty() && out.capacity() >= n);
    let dst = SyncPtr(out.spare_capacity_mut().as_mut_ptr());
    parallel_for(n, grain, |lo, hi, _| fill(lo, hi, unsafe { dst.slice(lo, hi) }));
    // Safety: the ranges cover 0..n and each wrote all of its elements.
    unsafe { out.set_len(n) };
}

#[inline(never)]
pub fn map<S: Elem, D: Elem>(t: &Tensor, f: impl Fn(S) -> D + Sync) -> Result<Tensor> {
    let n = t.numel();
    let b = t.storage.buf.borrow();
    let src = S::try_slice(&b)?;
    let rows = Rows::new(&t.shape, [&t.strides], [t.offset]);
    let out = if n == 0 { Vec::new() } else {
        fill_par::<D>(n, rows.grain(GRAIN), |lo, hi, dst| rows.walk(lo, hi, |i, o, len, st| {
            let dst = &mut dst[i - lo..i - lo + len];
            if st[0] == 1 && !plain::<S>() {
                for (d, &x) in dst.iter_mut().zip(&src[o[0]..o[0] + len]) { d.write(f(x)); }
            } else {
                for (j, d) in dst.iter_mut().enumerate() { d.write(f(src[o[0] + j * st[0]])); }
            }
        }))?
    };
    Ok(Tensor::from_vec(out, t.shape.clone()))
}

/// `map` for the int64 and float64 ops: one loop per dtype pair, each op's function called
/// through a pointer, so ~40 wide ops add their functions to the wasm and not ~40 loops.
pub fn map_wide<S: Elem, D: Elem>(t: &Tensor, f: impl Fn(S) -> D + Sync) -> Result<Tensor> { map_dyn::<S, D>(t, &f) }
#[inline(never)]
fn map_dyn<S: Elem, D: Elem>(t: &Tensor, f: &(dyn Fn(S) -> D + Sync)) -> Result<Tensor> { map(t, f) }

/// `zip` for the int64 and float64 ops (as `map_wide`).
pub fn zip_wide<T: Elem, U: Elem>(a: &Tensor, b: &Tensor, f: impl Fn(T, T) -> U + Sync) -> Result<Tensor> { zip_dyn::<T, U>(a, b, &f) }
#[inline(never)]
fn zip_dyn<T: Elem, U: Elem>(a: &Tensor, b: &Tensor, f: &(dyn Fn(T, T) -> U + Sync)) -> Result<Tensor> { zip(a, b, f) }

/// A comparison's loop: `zip`, or `zip_wide` for int64 and float64.
pub fn zip_cmp<T: Elem>(a: &Tensor, b: &Tensor, f: impl Fn(T, T) -> u8 + Sync) -> Result<Tensor> {
    if plain::<T>() { zip_wide(a, b, f) } else { zip(a, b, f) }
}

/// Applies `f` to every element of a tensor (any dtype, computed in f32) into a new
/// float tensor.
pub fn map_f32(t: &Tensor, f: impl Fn(f32) -> f32 + Sync) -> Result<Tensor> {
    let t = cast(t, DType::F32)?;
    map::<f32, f32>(&t, f)
}

/// f(x, y, g) elementwise over three same-shaped tensors, into a new float tensor
/// (contiguous inputs are read in place, without a copy).
#[inline(never)]
pub fn map3(x: &Tensor, y: &Tensor, g: &Tensor, f: impl Fn(f32, f32, f32) -> f32 + Sync) -> Result<Tensor> {
    let (x, y, g) = (cast(x, DType::F32)?, cast(y, DType::F32)?, cast(g, DType::F32)?);
    let out = with_contiguous::<f32, _>(&x, |xs| {
        with_contiguous::<f32, _>(&y, |ys| {
            with_contiguous::<f32, _>(&g, |gs| {
                let n = xs.len().min(ys.len()).min(gs.len());
                fill_par::<f32>(n, GRAIN, |lo, hi, dst| {
                    for (((d, &a), &b), &c) in dst.iter_mut().zip(&xs[lo..hi]).zip(&ys[lo..hi]).zip(&gs[lo..hi]) { d.write(f(a, b, c)); }
                })
            })
        })
    })????;
    Ok(Tensor::from_vec(out, x.shape.clone()))
}

/// Broadcasts a and b (already of dtype T) and writes f(a, b) into a new contiguous tensor.
#[inline(never)]
pub fn zip<T: Elem, U: Elem>(a: &Tensor, b: &Tensor, f: impl Fn(T, T) -> U + Sync) -> Result<Tensor> {
    let shape = broadcast_shapes(&a.shape, &b.shape)?;
    let sa = broadcast_strides(&a.shape, &a.strides, &shape);
    let sb = broadcast_strides(&b.shape, &b.strides, &shape);
    let n = numel(&shape);
    if n == 0 { return Ok(Tensor::from_vec(alloc_vec::<U>(0)?, shape)); }
    let ba = a.storage.buf.borrow();
    let bb = b.storage.buf.borrow();
    let (xa, xb) = (T::try_slice(&ba)?, T::try_slice(&bb)?);
    // The output is contiguous, so it never stops two dims coalescing: it is not an operand.
    let rows = Rows::new(&shape, [&sa, &sb], [a.offset, b.offset]);
    let out = fill_par::<U>(n, rows.grain(GRAIN), |lo, hi, dst| rows.walk(lo, hi, |i, o, len, st| {
        let dst = &mut dst[i - lo..i - lo + len];
        if plain::<T>() {
            for (j, d) in dst.iter_mut().enumerate() { d.write(f(xa[o[0] + j * st[0]], xb[o[1] + j * st[1]])); }
            return;
        }
        match (st[0], st[1]) {
            (1, 1) => {
                for ((d, &x), &y) in dst.iter_mut().zip(&xa[o[0]..o[0] + len]).zip(&xb[o[1]..o[1] + len]) { d.write(f(x, y)); }
            }
            (1, 0) => {
                let y = xb[o[1]];
                for (d, &x) in dst.iter_mut().zip(&xa[o[0]..o[0] + len]) { d.write(f(x, y)); }
            }
            (0, 1) => {
                let x = xa[o[0]];
                for (d, &y) in dst.iter_mut().zip(&xb[o[1]..o[1] + len]) { d.write(f(x, y)); }
            }
            (s0, s1) => {
                for (j, d) in dst.iter_mut().enumerate() { d.write(f(xa[o[0] + j * s0], xb[o[1] + j * s1])); }
            }
        }
    }))?;
    Ok(Tensor::from_vec(out, shape))
}

pub fn unary(op: UnaryOp, t: &Tensor, keeps_int: bool) -> Result<Tensor> {
    match t.dtype() {
        DType::Bool if op == UnaryOp::LogicalNot => map::<u8, u8>(t, |x| (x == 0) as u8),
        DType::F64 if op == UnaryOp::LogicalNot => map::<f64, u8>(t, |x| (x == 0.0) as u8),
        DType::I64 if op == UnaryOp::LogicalNot => map::<i64, u8>(t, |x| (x == 0) as u8),
        _ if op == UnaryOp::LogicalNot => {
            let f = cast(t, DType::F32)?;
            map::<f32, u8>(&f, |x| (x == 0.0) as u8)
        }
        DType::I32 | DType::Bool if keeps_int => {
            let i = cast(t, DType::I32)?;
            map::<i32, i32>(&i, crate::ops::unary::cpu_i32(op))
        }
        DType::I64 if keeps_int => map::<i64, i64>(t, crate::ops::unary::cpu_i64(op)),
        DType::F64 => crate::ops::unary::cpu_f64(op, t),
        // int64 into a float function computes in float32 (torch's default dtype), as int32 does
        DType::F32 | DType::I32 | DType::Bool | DType::I64 => crate::ops::unary::cpu_f32(op, t),
        other => { crate::dtype::check_arith("unary op", &[other])?; unreachable!() }
    }
}

pub fn unary_grad(op: UnaryOp, x: &Tensor, y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
    crate::ops::unary::cpu_grad(op, x, y, g)
}

pub fn clamp(t: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor> {
    if t.dtype() == DType::F32 {
        let (l, h) = (lo.map(|x| x as f32), hi.map(|x| x as f32));
        return map::<f32, f32>(t, move |x| {
            // NaN stays NaN (as in torch). Said explicitly: under relaxed SIMD the compiler
            // may turn the compare-selects below into relaxed min/max, whose NaN result is
            // left to the engine (Chromium's gives the bound).
            if x.is_nan() { return x; }
            let mut y = x;
            if let Some(l) = l { if y < l { y = l; } }
            if let Some(h) = h { if y > h { y = h; } }
            y
        });
    }
    let (l, h) = (lo.map(|x| m::floor64(x) as i32), hi.map(|x| m::floor64(x) as i32));
    map::<i32, i32>(t, move |x| {
        let mut y = x;
        if let Some(l) = l { y = y.max(l); }
        if let Some(h) = h { y = y.min(h); }
        y
    })
}

pub fn clamp_grad(x: &Tensor, g: &Tensor, l: f32, h: f32) -> Result<Tensor> {
    map3(x, x, g, move |x, _, g| if x >= l && x <= h { g } else { 0.0 })
}

pub fn leaky_relu(t: &Tensor, slope: f32) -> Result<Tensor> {
    map_f32(t, move |x| if x > 0.0 { x } else { x * slope })
}

pub fn leaky_relu_grad(x: &Tensor, g: &Tensor, slope: f32) -> Result<Tensor> {
    map3(x, x, g, move |x, _, g| if x > 0.0 { g } else { g * slope })
}

/// a op b, both already of the op's compute dtype (the promoted dtype for comparisons).
pub fn binary(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    use crate::ops::binary::{cpu_cmp, cpu_f32, cpu_f64, cpu_i32, cpu_i64};
    if crate::ops::binary::rule(op) == DTypeRule::Compare {
        return match a.dtype() {
            DType::F32 => cpu_cmp::<f32>(op, a, b),
            DType::I32 => cpu_cmp::<i32>(op, a, b),
            DType::Bool => cpu_cmp::<u8>(op, a, b),
            DType::F64 => cpu_cmp::<f64>(op, a, b),
            DType::I64 => cpu_cmp::<i64>(op, a, b),
            other => { crate::dtype::check_arith("comparison", &[other])?; unreachable!() }
        };
    }
    if a.dtype() == DType::F32 { return cpu_f32(op, a, b); }
    if a.dtype() == DType::F64 { return cpu_f64(op, a, b); }
    let by_zero = || match b.dtype() {
        DType::I64 => with_contiguous::<i64, _>(b, |s| s.contains(&0)),
        _ => with_contiguous::<i32, _>(b, |s| s.contains(&0)),
    };
    if matches!(op, BinaryOp::Remainder | BinaryOp::FloorDivide) && by_zero()? {
        crate::error::bail!(Value, "ZeroDivisionError: integer {} by zero", crate::ops::binary::BINARY[op as usize].0);
    }
    if a.dtype() == DType::I64 { cpu_i64(op, a, b) } else { cpu_i32(op, a, b) }
}

/// The elementwise term of a binary op's derivative that is no composition of other ops
/// (ops/binary.rs composes the rest): pow e·x^(e-1) (side 0) and y·ln x (side 1), the
/// maximum/minimum winner weight, remainder's -floor(a/b), atan2's a² + b², logaddexp's
/// divisors, xlogy's zero mask.
pub fn binary_grad_term(op: BinaryOp, side: usize, a: &Tensor, b: &Tensor, y: &Tensor) -> Result<Tensor> {
    use crate::ops::binary::pow_t;
    use BinaryOp::*;
    let x = cast(a, DType::F32)?;
    let z = || cast(b, DType::F32);
    match (op, side) {
        // e * x^(e-1), defined as 0 where e == 0 (so 0^0 has gradient 0, as in torch)
        (Pow, 0) => zip::<f32, f32>(&x, &z()?, |x, e| if e == 0.0 { 0.0 } else { e * pow_t(x, e - 1.0) }),
        // y * ln(x), as torch: 0 at a zero base when e >= 0 (there y = 0^e is finite),
        // ±inf when e < 0 (y = inf), NaN for negative bases.
        (Pow, _) => zip::<f32, f32>(&x, y, |x, y| if x == 0.0 && y.is_finite() { 0.0 } else { y * m::ln(x) }),
        (Maximum | Minimum, side) => {
            let (max, first) = (op == Maximum, side == 0);
            zip::<f32, f32>(&x, &z()?, move |p, q| {
                let win = if max { p > q } else { p < q };
                let lose = if max { p < q } else { p > q };
                let (mine, theirs) = if first { (win, lose) } else { (lose, win) };
                if mine { 1.0 } else if theirs { 0.0 } else { 0.5 } // ties share the gradient
            })
        }
        (Remainder, _) => zip::<f32, f32>(&x, &z()?, |x, y| -m::floor(x / y)),
        (Atan2, _) => zip::<f32, f32>(&x, &z()?, |p, q| p * p + q * q),
        // logaddexp: 1 + e^(b-a) (side 0), 1 + e^(a-b) (side 1), the divisors of g
        (Logaddexp, 0) => zip::<f32, f32>(&x, &z()?, |x, y| 1.0 + m::exp(y - x)),
        (Logaddexp, _) => zip::<f32, f32>(&x, &z()?, |x, y| 1.0 + m::exp(x - y)),
        // xlogy: where the x-gradient is 0 (x == 0 and y <= 0, torch's rule), as bool
        (Xlogy, _) => zip::<f32, u8>(&x, &z()?, |x, y| (x == 0.0 && y <= 0.0) as u8),
        _ => Err(err!(Value, "internal: {:?} has no derivative term", op)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ops::unary::UnaryOp;
    use alloc::vec;
    use kd_kernels::parallel::with_threads;

    /// n pseudo-random floats in [-2, 2).
    pub(crate) fn rand(n: usize, seed: u32) -> Vec<f32> {
        let mut x = seed.wrapping_mul(2654435761) | 1;
        (0..n).map(|_| { x ^= x << 13; x ^= x >> 17; x ^= x << 5; (x as f32 / u32::MAX as f32) * 4.0 - 2.0 }).collect()
    }

    pub(crate) fn t(shape: &[usize], seed: u32) -> Tensor { Tensor::from_vec(rand(numel(shape), seed), shape.to_vec()) }

    /// The raw bits of every result, as computed on 1 thread, must come out of 2, 3 and 4 too.
    pub(crate) fn same_on_any_threads(f: impl Fn() -> Vec<Tensor>) {
        let bits = |ts: Vec<Tensor>| -> Vec<Vec<u64>> {
            ts.iter().map(|t| match t.dtype() {
                DType::F32 => t.to_vec::<f32>().unwrap().iter().map(|x| x.to_bits() as u64).collect(),
                DType::F64 => t.to_vec::<f64>().unwrap().iter().map(|x| x.to_bits()).collect(),
                DType::I32 => t.to_vec::<i32>().unwrap().iter().map(|&x| x as u64).collect(),
                DType::I64 => t.to_vec::<i64>().unwrap().iter().map(|&x| x as u64).collect(),
                DType::Bool => t.to_vec::<u8>().unwrap().iter().map(|&x| x as u64).collect(),
                d => panic!("{:?}", d),
            }).collect()
        };
        let one = with_threads(1, || bits(f()));
        for n in [2, 3, 4] { assert!(with_threads(n, || bits(f())) == one, "{n} threads differ from 1"); }
    }

    #[test]
    fn maps_and_zips_are_bit_identical_for_any_thread_count() {
        let a = t(&[300, 337], 1); // ~100k elements: several ranges
        let b = t(&[300, 337], 2);
        let row = t(&[337], 3);
        let col = t(&[337, 1], 4);
        let bt = t(&[337, 300], 7);
        let at = a.transpose(0, 1).unwrap(); // strided
        same_on_any_threads(|| vec![
            crate::ops::unary::cpu_f32(UnaryOp::Exp, &a).unwrap(),
            crate::ops::unary::cpu_f32(UnaryOp::Tanh, &at).unwrap(),
            crate::ops::unary::cpu_f64(UnaryOp::Sin, &cast(&at, DType::F64).unwrap()).unwrap(),
            zip::<f32, f32>(&a, &b, |x, y| x * y + 1.0).unwrap(),
            zip::<f32, f32>(&at, &bt, |x, y| x - y).unwrap(),
            zip::<f32, f32>(&a, &row, |x, y| x / y).unwrap(),
            zip::<f32, f32>(&col, &at, |x, y| x + y).unwrap(),
            zip_cmp::<f32>(&a, &b, |x, y| (x < y) as u8).unwrap(),
            zip_wide::<f64, f64>(&cast(&a, DType::F64).unwrap(), &cast(&row, DType::F64).unwrap(), |x, y| x * y).unwrap(),
            map3(&a, &at.contiguous().unwrap(), &b, |x, y, g| x * g - y).unwrap(),
            clamp(&at, Some(-0.5), Some(0.5)).unwrap(),
        ]);
    }

    #[test]
    fn ranged_walk_matches_the_serial_one() {
        // a transposed 3-D view with a broadcast operand, walked from every split point
        let a = t(&[5, 7, 9], 5).permute(&[2, 0, 1]).unwrap();
        let b = t(&[7], 6);
        let shape = a.shape.clone();
        let sb = broadcast_strides(&b.shape, &b.strides, &shape);
        let rows = Rows::new(&shape, [&a.strides, &sb], [a.offset, b.offset]);
        let mut serial = Vec::new();
        crate::iter::for_each_row(&shape, [&a.strides, &sb], [a.offset, b.offset], |o, len, st| {
            for i in 0..len { serial.push((o[0] + i * st[0], o[1] + i * st[1])); }
        });
        let n = serial.len();
        for lo in 0..n {
            for hi in [lo + 1, (lo + 13).min(n), n] {
                let mut got = Vec::new();
                rows.walk(lo, hi, |i, o, len, st| {
                    assert_eq!(i, lo + got.len());
                    for j in 0..len { got.push((o[0] + j * st[0], o[1] + j * st[1])); }
                });
                assert_eq!(&got[..], &serial[lo..hi]);
            }
        }
    }
}
