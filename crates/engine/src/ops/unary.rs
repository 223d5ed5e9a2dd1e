//! Elementwise unary ops. Each op is one row of `UNARY`: its name, whether it keeps an
//! integer dtype (neg, abs...) or computes in float (exp, log...), and its scalar function.
use crate::dtype::{DType, Elem};
use crate::error::{bail, Result};
use crate::iter::for_each_row;
use crate::ops::cast::cast;
use crate::storage::try_with_capacity;
use crate::tensor::Tensor;
use kd_kernels::math as m;

#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg, Abs, Exp, Log, Sqrt, Rsqrt, Sin, Cos, Tanh, Sigmoid, Relu, Gelu, GeluTanh, Silu,
    Sign, Floor, Ceil, Round, Trunc, Square, Reciprocal, Log1p, Expm1, Erf, Softplus,
    Log2, Exp2, LogicalNot, Tan, Atan,
}

/// (name, op, keeps int dtype). The order is the ABI code: append only.
pub const UNARY: &[(&str, UnaryOp, bool)] = &[
    ("neg", UnaryOp::Neg, true), ("abs", UnaryOp::Abs, true), ("exp", UnaryOp::Exp, false),
    ("log", UnaryOp::Log, false), ("sqrt", UnaryOp::Sqrt, false), ("rsqrt", UnaryOp::Rsqrt, false),
    ("sin", UnaryOp::Sin, false), ("cos", UnaryOp::Cos, false), ("tanh", UnaryOp::Tanh, false),
    ("sigmoid", UnaryOp::Sigmoid, false), ("relu", UnaryOp::Relu, true), ("gelu", UnaryOp::Gelu, false),
    ("gelu_tanh", UnaryOp::GeluTanh, false), ("silu", UnaryOp::Silu, false), ("sign", UnaryOp::Sign, true),
    ("floor", UnaryOp::Floor, true), ("ceil", UnaryOp::Ceil, true), ("round", UnaryOp::Round, true),
    ("trunc", UnaryOp::Trunc, true), ("square", UnaryOp::Square, true), ("reciprocal", UnaryOp::Reciprocal, false),
    ("log1p", UnaryOp::Log1p, false), ("expm1", UnaryOp::Expm1, false), ("erf", UnaryOp::Erf, false),
    ("softplus", UnaryOp::Softplus, false), ("log2", UnaryOp::Log2, false), ("exp2", UnaryOp::Exp2, false),
    ("logical_not", UnaryOp::LogicalNot, false), ("tan", UnaryOp::Tan, false), ("atan", UnaryOp::Atan, false),
];

pub fn lookup(code: u32) -> Option<(&'static str, UnaryOp, bool)> { UNARY.get(code as usize).copied() }

#[inline]
pub fn sigmoid(x: f32) -> f32 {
    // Split by sign so exp never overflows to inf/inf.
    if x >= 0.0 { 1.0 / (1.0 + m::exp(-x)) } else { let e = m::exp(x); e / (1.0 + e) }
}

/// Applies op to a float tensor. Each arm passes its own closure, so every op gets a
/// monomorphised loop (a table of fn pointers costs an indirect call per element).
fn map_op(op: UnaryOp, t: &Tensor) -> Result<Tensor> {
    use UnaryOp::*;
    match op {
        Neg => map_f32(t, |x| -x),
        Abs => map_f32(t, |x: f32| x.abs()),
        Exp => map_f32(t, m::exp),
        Log => map_f32(t, m::ln),
        Sqrt => map_f32(t, m::sqrt),
        Rsqrt => map_f32(t, |x| 1.0 / m::sqrt(x)),
        Sin => map_f32(t, m::sin),
        Cos => map_f32(t, m::cos),
        Tan => map_f32(t, |x| m::sin(x) / m::cos(x)),
        Atan => map_f32(t, m::atan),
        Tanh => map_f32(t, m::tanh),
        Sigmoid => map_f32(t, sigmoid),
        Relu => map_f32(t, |x| if x > 0.0 { x } else if x.is_nan() { x } else { 0.0 }),
        Gelu => map_f32(t, |x| 0.5 * x * (1.0 + m::erf(x * core::f32::consts::FRAC_1_SQRT_2))),
        GeluTanh => map_f32(t, |x| 0.5 * x * (1.0 + m::tanh(0.797_884_6 * (x + 0.044715 * x * x * x)))),
        Silu => map_f32(t, |x| x * sigmoid(x)),
        Sign => map_f32(t, |x: f32| if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { x * 0.0 }),
        Floor => map_f32(t, m::floor),
        Ceil => map_f32(t, m::ceil),
        Round => map_f32(t, m::round_half_even),
        Trunc => map_f32(t, m::trunc),
        Square => map_f32(t, |x| x * x),
        Reciprocal => map_f32(t, |x| 1.0 / x),
        Log1p => map_f32(t, m::ln_1p),
        Expm1 => map_f32(t, m::exp_m1),
        Erf => map_f32(t, m::erf),
        // PyTorch's softplus (beta 1, threshold 20): linear above the threshold.
        Softplus => map_f32(t, |x| if x > 20.0 { x } else { m::ln_1p(m::exp(x)) }),
        Log2 => map_f32(t, |x| m::ln(x) * core::f32::consts::LOG2_E),
        Exp2 => map_f32(t, |x| m::pow(2.0, x)),
        LogicalNot => map_f32(t, |x| (x == 0.0) as u8 as f32),
    }
}

fn i32_fn(op: UnaryOp) -> fn(i32) -> i32 {
    use UnaryOp::*;
    match op {
        Neg => |x: i32| x.wrapping_neg(),
        Abs => |x: i32| x.wrapping_abs(),
        Relu => |x: i32| x.max(0),
        Sign => |x: i32| x.signum(),
        Square => |x: i32| x.wrapping_mul(x),
        _ => |x| x, // floor, ceil, round, trunc are the identity on integers
    }
}

fn map<S: Elem, D: Elem>(t: &Tensor, f: impl Fn(S) -> D) -> Result<Tensor> {
    let mut out = try_with_capacity::<D>(t.numel())?;
    let b = t.storage.buf.borrow();
    let src = S::slice(&b);
    for_each_row(&t.shape, [&t.strides], [t.offset], |o, len, st| {
        if st[0] == 1 {
            out.extend(src[o[0]..o[0] + len].iter().map(|&x| f(x)));
        } else {
            out.extend((0..len).map(|i| f(src[o[0] + i * st[0]])));
        }
    });
    Ok(Tensor::from_vec(out, t.shape.clone()))
}

/// Applies `f` to every element of a tensor (any dtype, computed in f32) into a new
/// float tensor; the engine's other elementwise families reuse this.
pub fn map_f32(t: &Tensor, f: impl Fn(f32) -> f32) -> Result<Tensor> {
    let t = cast(t, DType::F32)?;
    map::<f32, f32>(&t, f)
}

pub fn unary(op: UnaryOp, name: &str, keeps_int: bool, t: &Tensor) -> Result<Tensor> {
    match t.dtype() {
        DType::Bool if op == UnaryOp::LogicalNot => map::<u8, u8>(t, |x| (x == 0) as u8),
        DType::Bool if op == UnaryOp::Neg => bail!(DType, "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."),
        _ if op == UnaryOp::LogicalNot => {
            let f = cast(t, DType::F32)?;
            map::<f32, u8>(&f, |x| (x == 0.0) as u8)
        }
        DType::I32 | DType::Bool if keeps_int => {
            let i = cast(t, DType::I32)?;
            map::<i32, i32>(&i, i32_fn(op))
        }
        DType::F32 | DType::I32 | DType::Bool => {
            let _ = name;
            map_op(op, t)
        }
    }
}

/// clamp(min, max) with either bound optional; keeps the dtype (ints clamp to int bounds).
pub fn clamp(t: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor> {
    if lo.is_none() && hi.is_none() {
        bail!(Value, "torch.clamp: At least one of 'min' or 'max' must not be None");
    }
    match t.dtype() {
        DType::F32 => {
            let (l, h) = (lo.map(|x| x as f32), hi.map(|x| x as f32));
            map::<f32, f32>(t, move |x| {
                // NaN stays NaN (as in torch). Said explicitly: under relaxed SIMD the compiler
                // may turn the compare-selects below into relaxed min/max, whose NaN result is
                // left to the engine (Chromium's gives the bound).
                if x.is_nan() { return x; }
                let mut y = x;
                if let Some(l) = l { if y < l { y = l; } }
                if let Some(h) = h { if y > h { y = h; } }
                y
            })
        }
        // A non-integer bound is a float scalar: it promotes an int tensor to float, as in torch.
        _ if lo.into_iter().chain(hi).any(|x| m::floor64(x) != x) => clamp(&cast(t, DType::F32)?, lo, hi),
        _ => {
            let i = cast(t, DType::I32)?;
            let (l, h) = (lo.map(|x| m::floor64(x) as i32), hi.map(|x| m::floor64(x) as i32));
            map::<i32, i32>(&i, move |x| {
                let mut y = x;
                if let Some(l) = l { y = y.max(l); }
                if let Some(h) = h { y = y.min(h); }
                y
            })
        }
    }
}

/// Ops with one float parameter: leaky_relu(slope), elu(alpha), hardtanh, ...
pub fn leaky_relu(t: &Tensor, slope: f32) -> Result<Tensor> {
    map_f32(t, move |x| if x > 0.0 { x } else { x * slope })
}

// ---- autograd -------------------------------------------------------------------------------

/// The gradient of op at x (with y = op(x)) for the incoming gradient g; None where op has
/// no derivative. One closure per arm, so each rule is an inlined loop.
fn derivative(op: UnaryOp, x: &Tensor, y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
    use core::f32::consts::{FRAC_2_SQRT_PI, LN_2};
    use UnaryOp::*;
    const INV_SQRT_2PI: f32 = 0.398_942_3;
    Ok(Some(match op {
        Neg => map3(x, y, g, |_, _, g| -g),
        Abs => map3(x, y, g, |x, _, g| if x > 0.0 { g } else if x < 0.0 { -g } else { 0.0 }),
        Exp => map3(x, y, g, |_, y, g| g * y),
        Log => map3(x, y, g, |x, _, g| g / x),
        Sqrt => map3(x, y, g, |_, y, g| g / (2.0 * y)),
        Rsqrt => map3(x, y, g, |_, y, g| -0.5 * g * y * y * y),
        Sin => map3(x, y, g, |x, _, g| g * m::cos(x)),
        Cos => map3(x, y, g, |x, _, g| -g * m::sin(x)),
        Tan => map3(x, y, g, |_, y, g| g * (1.0 + y * y)),
        Atan => map3(x, y, g, |x, _, g| g / (1.0 + x * x)),
        Tanh => map3(x, y, g, |_, y, g| g * (1.0 - y * y)),
        Sigmoid => map3(x, y, g, |_, y, g| g * y * (1.0 - y)),
        Relu => map3(x, y, g, |_, y, g| if y > 0.0 { g } else { 0.0 }),
        Gelu => map3(x, y, g, |x, _, g| {
            let cdf = 0.5 * (1.0 + m::erf(x * core::f32::consts::FRAC_1_SQRT_2));
            g * (cdf + x * INV_SQRT_2PI * m::exp(-0.5 * x * x))
        }),
        GeluTanh => map3(x, y, g, |x, _, g| {
            const K: f32 = 0.797_884_6;
            let inner = K * (x + 0.044715 * x * x * x);
            let t = m::tanh(inner);
            g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * K * (1.0 + 3.0 * 0.044715 * x * x))
        }),
        Silu => map3(x, y, g, |x, _, g| { let s = sigmoid(x); g * s * (1.0 + x * (1.0 - s)) }),
        Sign | Floor | Ceil | Round | Trunc => map3(x, y, g, |_, _, _| 0.0),
        Square => map3(x, y, g, |x, _, g| 2.0 * x * g),
        Reciprocal => map3(x, y, g, |_, y, g| -g * y * y),
        Log1p => map3(x, y, g, |x, _, g| g / (1.0 + x)),
        Expm1 => map3(x, y, g, |_, y, g| g * (y + 1.0)),
        Erf => map3(x, y, g, |x, _, g| g * FRAC_2_SQRT_PI * m::exp(-x * x)),
        Softplus => map3(x, y, g, |x, _, g| if x > 20.0 { g } else { g * sigmoid(x) }),
        Log2 => map3(x, y, g, |x, _, g| g / (x * LN_2)),
        Exp2 => map3(x, y, g, |_, y, g| g * y * LN_2),
        LogicalNot => return Ok(None),
    }?))
}

/// f(x, y, g) elementwise over three same-shaped tensors, into a new float tensor
/// (contiguous inputs are read in place, without a copy).
pub fn map3(x: &Tensor, y: &Tensor, g: &Tensor, f: impl Fn(f32, f32, f32) -> f32) -> Result<Tensor> {
    let (x, y, g) = (cast(x, DType::F32)?, cast(y, DType::F32)?, cast(g, DType::F32)?);
    let out = x.with_contiguous::<f32, _>(|xs| {
        y.with_contiguous::<f32, _>(|ys| {
            g.with_contiguous::<f32, _>(|gs| {
                let mut o = try_with_capacity::<f32>(gs.len())?;
                o.extend(xs.iter().zip(ys).zip(gs).map(|((&a, &b), &c)| f(a, b, c)));
                Ok::<_, crate::error::Error>(o)
            })
        })
    })????;
    Ok(Tensor::from_vec(out, x.shape.clone()))
}

/// The differentiable unary op: forward, plus its backward rule when recording.
pub fn apply(op: UnaryOp, name: &'static str, keeps_int: bool, x: &Tensor) -> Result<Tensor> {
    let y = unary(op, name, keeps_int, x)?;
    if op == UnaryOp::LogicalNot || !y.dtype().is_float() { return Ok(y); }
    let (sx, sy) = (crate::autograd::Saved::new(x), crate::autograd::Saved::new(&y));
    Ok(crate::autograd::record(name, &[x], y, move |g| Ok(alloc::vec![derivative(op, sx.get()?, sy.get()?, g)?])))
}

pub fn clamp_apply(x: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor> {
    let y = clamp(x, lo, hi)?;
    let sx = crate::autograd::Saved::new(x);
    let (l, h) = (lo.map_or(f32::NEG_INFINITY, |v| v as f32), hi.map_or(f32::INFINITY, |v| v as f32));
    Ok(crate::autograd::record("clamp", &[x], y, move |g| {
        let x = sx.get()?;
        Ok(alloc::vec![Some(map3(x, x, g, move |x, _, g| if x >= l && x <= h { g } else { 0.0 })?)])
    }))
}

pub fn leaky_relu_apply(x: &Tensor, slope: f32) -> Result<Tensor> {
    let y = leaky_relu(x, slope)?;
    let sx = crate::autograd::Saved::new(x);
    Ok(crate::autograd::record("leaky_relu", &[x], y, move |g| {
        let x = sx.get()?;
        Ok(alloc::vec![Some(map3(x, x, g, move |x, _, g| if x > 0.0 { g } else { g * slope })?)])
    }))
}
