//! Elementwise loops. Each op's scalar function is its spec row (ops/unary.rs, ops/binary.rs,
//! pasted into these loops by the row macros in ops/spec.rs, one monomorphised loop per op);
//! the loops, dtype dispatch and the raw derivative terms live here.
use super::memory::{cast, with_contiguous};
use crate::dtype::{DType, Elem};
use crate::error::{err, Result};
use crate::iter::for_each_row;
use crate::ops::binary::BinaryOp;
use crate::ops::spec::DTypeRule;
use crate::ops::unary::UnaryOp;
use crate::shape::{broadcast_shapes, broadcast_strides, contiguous_strides, numel};
use crate::storage::{alloc_vec, try_with_capacity};
use crate::tensor::Tensor;
use kd_kernels::math as m;

/// Whether T's loops are kept plain (one strided loop, no contiguous or broadcast fast paths):
/// int64 and float64 are for exchange and checking, so their ~60 op loops stay small in the wasm.
#[inline]
fn plain<T: Elem>() -> bool { matches!(T::DTYPE, DType::I64 | DType::F64) }

pub fn map<S: Elem, D: Elem>(t: &Tensor, f: impl Fn(S) -> D) -> Result<Tensor> {
    let mut out = try_with_capacity::<D>(t.numel())?;
    let b = t.storage.buf.borrow();
    let src = S::try_slice(&b)?;
    for_each_row(&t.shape, [&t.strides], [t.offset], |o, len, st| {
        if st[0] == 1 && !plain::<S>() {
            out.extend(src[o[0]..o[0] + len].iter().map(|&x| f(x)));
        } else {
            out.extend((0..len).map(|i| f(src[o[0] + i * st[0]])));
        }
    });
    Ok(Tensor::from_vec(out, t.shape.clone()))
}

/// `map` for the int64 and float64 ops: one loop per dtype pair, each op's function called
/// through a pointer, so ~40 wide ops add their functions to the wasm and not ~40 loops.
pub fn map_wide<S: Elem, D: Elem>(t: &Tensor, f: impl Fn(S) -> D) -> Result<Tensor> { map_dyn::<S, D>(t, &f) }
#[inline(never)]
fn map_dyn<S: Elem, D: Elem>(t: &Tensor, f: &dyn Fn(S) -> D) -> Result<Tensor> { map(t, f) }

/// `zip` for the int64 and float64 ops (as `map_wide`).
pub fn zip_wide<T: Elem, U: Elem>(a: &Tensor, b: &Tensor, f: impl Fn(T, T) -> U) -> Result<Tensor> { zip_dyn::<T, U>(a, b, &f) }
#[inline(never)]
fn zip_dyn<T: Elem, U: Elem>(a: &Tensor, b: &Tensor, f: &dyn Fn(T, T) -> U) -> Result<Tensor> { zip(a, b, f) }

/// A comparison's loop: `zip`, or `zip_wide` for int64 and float64.
pub fn zip_cmp<T: Elem>(a: &Tensor, b: &Tensor, f: impl Fn(T, T) -> u8) -> Result<Tensor> {
    if plain::<T>() { zip_wide(a, b, f) } else { zip(a, b, f) }
}

/// Applies `f` to every element of a tensor (any dtype, computed in f32) into a new
/// float tensor.
pub fn map_f32(t: &Tensor, f: impl Fn(f32) -> f32) -> Result<Tensor> {
    let t = cast(t, DType::F32)?;
    map::<f32, f32>(&t, f)
}

/// f(x, y, g) elementwise over three same-shaped tensors, into a new float tensor
/// (contiguous inputs are read in place, without a copy).
pub fn map3(x: &Tensor, y: &Tensor, g: &Tensor, f: impl Fn(f32, f32, f32) -> f32) -> Result<Tensor> {
    let (x, y, g) = (cast(x, DType::F32)?, cast(y, DType::F32)?, cast(g, DType::F32)?);
    let out = with_contiguous::<f32, _>(&x, |xs| {
        with_contiguous::<f32, _>(&y, |ys| {
            with_contiguous::<f32, _>(&g, |gs| {
                let mut o = try_with_capacity::<f32>(gs.len())?;
                o.extend(xs.iter().zip(ys).zip(gs).map(|((&a, &b), &c)| f(a, b, c)));
                Ok::<_, crate::error::Error>(o)
            })
        })
    })????;
    Ok(Tensor::from_vec(out, x.shape.clone()))
}

/// Broadcasts a and b (already of dtype T) and writes f(a, b) into a new contiguous tensor.
pub fn zip<T: Elem, U: Elem>(a: &Tensor, b: &Tensor, f: impl Fn(T, T) -> U) -> Result<Tensor> {
    let shape = broadcast_shapes(&a.shape, &b.shape)?;
    let sa = broadcast_strides(&a.shape, &a.strides, &shape);
    let sb = broadcast_strides(&b.shape, &b.strides, &shape);
    let so = contiguous_strides(&shape);
    let mut out = alloc_vec::<U>(numel(&shape))?;
    {
        let ba = a.storage.buf.borrow();
        let bb = b.storage.buf.borrow();
        let (xa, xb) = (T::try_slice(&ba)?, T::try_slice(&bb)?);
        for_each_row(&shape, [&sa, &sb, &so], [a.offset, b.offset, 0], |o, len, st| {
            let dst = &mut out[o[2]..o[2] + len];
            if plain::<T>() {
                for (i, d) in dst.iter_mut().enumerate() { *d = f(xa[o[0] + i * st[0]], xb[o[1] + i * st[1]]); }
                return;
            }
            match (st[0], st[1]) {
                (1, 1) => {
                    for ((d, &x), &y) in dst.iter_mut().zip(&xa[o[0]..o[0] + len]).zip(&xb[o[1]..o[1] + len]) { *d = f(x, y); }
                }
                (1, 0) => {
                    let y = xb[o[1]];
                    for (d, &x) in dst.iter_mut().zip(&xa[o[0]..o[0] + len]) { *d = f(x, y); }
                }
                (0, 1) => {
                    let x = xa[o[0]];
                    for (d, &y) in dst.iter_mut().zip(&xb[o[1]..o[1] + len]) { *d = f(x, y); }
                }
                (s0, s1) => {
                    for (i, d) in dst.iter_mut().enumerate() { *d = f(xa[o[0] + i * s0], xb[o[1] + i * s1]); }
                }
            }
        });
    }
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
