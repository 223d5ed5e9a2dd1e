//! Elementwise binary ops with full broadcasting and PyTorch's dtype promotion.
use crate::dtype::{DType, Elem};
use crate::error::{bail, Result};
use crate::iter::for_each_row;
use crate::ops::cast::cast;
use crate::shape::{broadcast_shapes, broadcast_strides, contiguous_strides, numel};
use crate::storage::alloc_vec;
use crate::tensor::Tensor;
use kd_kernels::math as m;

#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add, Sub, Mul, Div, Pow, Maximum, Minimum, Remainder, FloorDivide,
    Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor, Atan2,
}

/// (name, op). The order is the ABI code: append only.
pub const BINARY: &[(&str, BinaryOp)] = &[
    ("add", BinaryOp::Add), ("sub", BinaryOp::Sub), ("mul", BinaryOp::Mul), ("div", BinaryOp::Div),
    ("pow", BinaryOp::Pow), ("maximum", BinaryOp::Maximum), ("minimum", BinaryOp::Minimum),
    ("remainder", BinaryOp::Remainder), ("floor_divide", BinaryOp::FloorDivide),
    ("eq", BinaryOp::Eq), ("ne", BinaryOp::Ne), ("lt", BinaryOp::Lt), ("le", BinaryOp::Le),
    ("gt", BinaryOp::Gt), ("ge", BinaryOp::Ge), ("logical_and", BinaryOp::LogicalAnd),
    ("logical_or", BinaryOp::LogicalOr), ("logical_xor", BinaryOp::LogicalXor), ("atan2", BinaryOp::Atan2),
];

pub fn lookup(code: u32) -> Option<(&'static str, BinaryOp)> { BINARY.get(code as usize).copied() }

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
        let (xa, xb) = (T::slice(&ba), T::slice(&bb));
        for_each_row(&shape, [&sa, &sb, &so], [a.offset, b.offset, 0], |o, len, st| {
            let dst = &mut out[o[2]..o[2] + len];
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

fn cmp<T: Elem>(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    use BinaryOp::*;
    match op {
        Eq => zip::<T, u8>(a, b, |x, y| (x == y) as u8),
        Ne => zip::<T, u8>(a, b, |x, y| (x != y) as u8),
        Lt => zip::<T, u8>(a, b, |x, y| (x < y) as u8),
        Le => zip::<T, u8>(a, b, |x, y| (x <= y) as u8),
        Gt => zip::<T, u8>(a, b, |x, y| (x > y) as u8),
        Ge => zip::<T, u8>(a, b, |x, y| (x >= y) as u8),
        LogicalAnd => zip::<T, u8>(a, b, |x, y| (x.to_bool() && y.to_bool()) as u8),
        LogicalOr => zip::<T, u8>(a, b, |x, y| (x.to_bool() || y.to_bool()) as u8),
        LogicalXor => zip::<T, u8>(a, b, |x, y| (x.to_bool() != y.to_bool()) as u8),
        _ => unreachable!(),
    }
}

#[inline]
fn fmax(x: f32, y: f32) -> f32 { if x.is_nan() || y.is_nan() { f32::NAN } else if x > y { x } else { y } }
#[inline]
fn fmin(x: f32, y: f32) -> f32 { if x.is_nan() || y.is_nan() { f32::NAN } else if x < y { x } else { y } }

pub fn binary(op: BinaryOp, name: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    use BinaryOp::*;
    a.check_device(b, name)?;
    let pd = DType::promote(a.dtype(), b.dtype());
    if matches!(op, Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr | LogicalXor) {
        let (ca, cb) = (cast(a, pd)?, cast(b, pd)?);
        return match pd {
            DType::F32 => cmp::<f32>(op, &ca, &cb),
            DType::I32 => cmp::<i32>(op, &ca, &cb),
            DType::Bool => cmp::<u8>(op, &ca, &cb),
        };
    }
    // PyTorch refuses `-` when either operand is bool (bool - int, float - bool... too).
    if op == Sub && (a.dtype() == DType::Bool || b.dtype() == DType::Bool) {
        bail!(DType, "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
    }
    // True division and float-only functions compute in float whatever the inputs.
    let compute = if matches!(op, Div | Atan2) { DType::F32 } else if pd == DType::Bool { DType::I32 } else { pd };
    let (ca, cb) = (cast(a, compute)?, cast(b, compute)?);
    let out = match compute {
        DType::F32 => match op {
            Add => zip::<f32, f32>(&ca, &cb, |x, y| x + y),
            Sub => zip::<f32, f32>(&ca, &cb, |x, y| x - y),
            Mul => zip::<f32, f32>(&ca, &cb, |x, y| x * y),
            Div => zip::<f32, f32>(&ca, &cb, |x, y| x / y),
            Pow => zip::<f32, f32>(&ca, &cb, pow_f32),
            Maximum => zip::<f32, f32>(&ca, &cb, fmax),
            Minimum => zip::<f32, f32>(&ca, &cb, fmin),
            // Python's modulo: the result has the divisor's sign.
            Remainder => zip::<f32, f32>(&ca, &cb, remainder_f32),
            FloorDivide => zip::<f32, f32>(&ca, &cb, floor_divide_f32),
            Atan2 => zip::<f32, f32>(&ca, &cb, atan2),
            _ => unreachable!(),
        },
        _ => {
            // Shapes first (as torch's iterator), then the zero check.
            broadcast_shapes(&ca.shape, &cb.shape)?;
            if matches!(op, Remainder | FloorDivide) && contains_zero(&cb)? {
                bail!(Value, "ZeroDivisionError: integer {} by zero", name);
            }
            match op {
                Add => zip::<i32, i32>(&ca, &cb, |x, y| x.wrapping_add(y)),
                Sub => zip::<i32, i32>(&ca, &cb, |x, y| x.wrapping_sub(y)),
                Mul => zip::<i32, i32>(&ca, &cb, |x, y| x.wrapping_mul(y)),
                Pow => zip::<i32, i32>(&ca, &cb, pow_i32),
                Maximum => zip::<i32, i32>(&ca, &cb, |x, y| x.max(y)),
                Minimum => zip::<i32, i32>(&ca, &cb, |x, y| x.min(y)),
                // r + y cannot overflow: it only runs when r and y have opposite signs.
                Remainder => zip::<i32, i32>(&ca, &cb, |x, y| { let r = x.wrapping_rem(y); if r != 0 && ((r < 0) != (y < 0)) { r + y } else { r } }),
                FloorDivide => zip::<i32, i32>(&ca, &cb, |x, y| { let q = x.wrapping_div(y); if (x.wrapping_rem(y) != 0) && ((x < 0) != (y < 0)) { q - 1 } else { q } }),
                _ => unreachable!(),
            }
        }
    }?;
    // bool (+, *, max, min) bool stays bool in PyTorch; bool / bool is float.
    if pd == DType::Bool && compute != DType::F32 { cast(&out, DType::Bool) } else { Ok(out) }
}

fn contains_zero(t: &Tensor) -> Result<bool> { t.with_contiguous::<i32, _>(|s| s.contains(&0)) }

/// Integer power as PyTorch computes it: a negative exponent gives 0, except for bases 1 and -1
/// (a negative *scalar* exponent is refused before this, in the TypeScript layer, as torch does).
fn pow_i32(x: i32, y: i32) -> i32 {
    if y >= 0 { return x.wrapping_pow(y as u32); }
    match x { 1 => 1, -1 => if y & 1 == 1 { -1 } else { 1 }, _ => 0 }
}

/// PyTorch's float remainder: fmod, moved to the divisor's sign. (x - floor(x / y) * y
/// cancels badly, and gets NaN where fmod is exact, e.g. 1 % inf.)
fn remainder_f32(x: f32, y: f32) -> f32 {
    let r = x % y;
    if r != 0.0 && (y < 0.0) != (r < 0.0) { r + y } else { r }
}

/// PyTorch's float floor division (c10 div_floor_floating), which Python's // also follows:
/// exact for representable quotients, NaN for inf // finite.
fn floor_divide_f32(x: f32, y: f32) -> f32 {
    if y == 0.0 { return x / y; }
    let r = x % y;
    let mut div = (x - r) / y;
    if r != 0.0 && (y < 0.0) != (r < 0.0) { div -= 1.0; }
    if div == 0.0 { return 0.0f32.copysign(x / y); }
    let f = m::floor(div);
    if div - f > 0.5 { f + 1.0 } else { f }
}

#[inline]
fn pow_f32(x: f32, y: f32) -> f32 {
    // Exact fast paths PyTorch also takes, so x**2 matches x*x bit for bit.
    if y == 2.0 { x * x } else if y == 1.0 { x } else if y == 0.5 { m::sqrt(x) } else { m::pow(x, y) }
}

fn atan2(y: f32, x: f32) -> f32 {
    use core::f32::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    // The C99 special cases, then atan of the quotient moved to the right quadrant.
    if x.is_nan() || y.is_nan() { return f32::NAN; }
    if y.is_infinite() {
        let a = if x == f32::INFINITY { FRAC_PI_4 } else if x == f32::NEG_INFINITY { 3.0 * FRAC_PI_4 } else { FRAC_PI_2 };
        return a.copysign(y);
    }
    if x.is_infinite() { return if x > 0.0 { 0.0f32.copysign(y) } else { PI.copysign(y) }; }
    if y == 0.0 { return if x.is_sign_negative() { PI.copysign(y) } else { y }; }
    if x == 0.0 { return FRAC_PI_2.copysign(y); }
    let r = m::atan(y / x);
    if x > 0.0 { r } else if y >= 0.0 { r + PI } else { r - PI }
}

// ---- autograd -------------------------------------------------------------------------------

/// The differentiable binary op: forward, plus its backward rule when recording.
/// Gradients of broadcast inputs are summed back to each input's shape.
pub fn apply(op: BinaryOp, name: &'static str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    use crate::autograd::{record, Saved};
    use crate::ops::prim::*;
    use BinaryOp::*;
    let y = binary(op, name, a, b)?;
    if !y.dtype().is_float() || matches!(op, FloorDivide) { return Ok(y); }
    let (sa, sb, sy) = (Saved::new(a), Saved::new(b), Saved::new(&y));
    let (sha, shb) = (a.shape.clone(), b.shape.clone());
    let (need_a, need_b) = (a.requires_grad(), b.requires_grad());
    Ok(record(name, &[a, b], y, move |g| {
        let (ga, gb): (Option<Tensor>, Option<Tensor>) = match op {
            Add => (Some(g.clone()), Some(g.clone())),
            Sub => (Some(g.clone()), if need_b { Some(neg(g)?) } else { None }),
            Mul => (
                if need_a { Some(mul(g, sb.get()?)?) } else { None },
                if need_b { Some(mul(g, sa.get()?)?) } else { None },
            ),
            Div => (
                if need_a { Some(div(g, sb.get()?)?) } else { None },
                if need_b { Some(neg(&div(&mul(g, sy.get()?)?, sb.get()?)?)?) } else { None },
            ),
            Pow => {
                let (x, e) = (to_f32(sa.get()?)?, to_f32(sb.get()?)?);
                let ga = if need_a {
                    // e * x^(e-1), defined as 0 where e == 0 (so 0^0 has gradient 0, as in torch)
                    let d = zip::<f32, f32>(&x, &e, |x, e| if e == 0.0 { 0.0 } else { e * pow_f32(x, e - 1.0) })?;
                    Some(mul(g, &d)?)
                } else { None };
                let gb = if need_b {
                    // y * ln(x), as torch: 0 at a zero base when e >= 0 (there y = 0^e is finite),
                    // ±inf when e < 0 (y = inf), NaN for negative bases.
                    let d = zip::<f32, f32>(&x, sy.get()?, |x, y| if x == 0.0 && y.is_finite() { 0.0 } else { y * m::ln(x) })?;
                    Some(mul(g, &d)?)
                } else { None };
                (ga, gb)
            }
            Maximum | Minimum => {
                let (x, z) = (to_f32(sa.get()?)?, to_f32(sb.get()?)?);
                let pick = |first: bool| -> Result<Tensor> {
                    let w = zip::<f32, f32>(&x, &z, move |p, q| {
                        let win = if op == Maximum { p > q } else { p < q };
                        let lose = if op == Maximum { p < q } else { p > q };
                        let (mine, theirs) = if first { (win, lose) } else { (lose, win) };
                        if mine { 1.0 } else if theirs { 0.0 } else { 0.5 } // ties share the gradient
                    })?;
                    mul(g, &w)
                };
                (if need_a { Some(pick(true)?) } else { None }, if need_b { Some(pick(false)?) } else { None })
            }
            Remainder => {
                let q = zip::<f32, f32>(&to_f32(sa.get()?)?, &to_f32(sb.get()?)?, |x, y| -m::floor(x / y))?;
                (Some(g.clone()), if need_b { Some(mul(g, &q)?) } else { None })
            }
            Atan2 => {
                let (x, z) = (to_f32(sa.get()?)?, to_f32(sb.get()?)?);
                let den = zip::<f32, f32>(&x, &z, |p, q| p * p + q * q)?;
                (
                    if need_a { Some(div(&mul(g, &z)?, &den)?) } else { None },
                    if need_b { Some(neg(&div(&mul(g, &x)?, &den)?)?) } else { None },
                )
            }
            _ => (None, None),
        };
        Ok(alloc::vec![
            match ga { Some(t) if need_a => Some(sum_to(&t, &sha)?), _ => None },
            match gb { Some(t) if need_b => Some(sum_to(&t, &shb)?), _ => None },
        ])
    }))
}
