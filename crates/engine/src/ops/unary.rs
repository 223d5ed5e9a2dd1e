//! Elementwise unary ops. Each op is one row of `unary_ops!` (ops/spec.rs): its name, whether
//! it keeps an integer dtype (neg, abs...) or computes in float (exp, log...), its scalar function
//! and its derivative. The backend runs the loops (backend/cpu/elementwise.rs on the CPU).
use core::f32::consts::{FRAC_2_SQRT_PI, LN_2};
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::ops::cast::cast;
use crate::ops::spec::{Api, DTypeRule};
use crate::tensor::Tensor;
use kd_kernels::math as m;

// The unary rows (see ops/spec.rs). The order is the ABI code: append only.
unary_ops! {
    Neg "neg" KeepsInt { cpu: |x| -x, int: |x| x.wrapping_neg(), wgsl: "-x",
        grad: |_, _, g| -g, wgsl_grad: "-g",
        tol: Elementwise, domain: "randn", grad_domain: "randn", onnx: Some("Neg"), api: Api::Generated }
    Abs "abs" KeepsInt { cpu: |x| x.abs(), int: |x| x.wrapping_abs(), wgsl: "abs(x)",
        grad: |x, _, g| if x > 0.0 { g } else if x < 0.0 { -g } else { 0.0 }, wgsl_grad: "select(select(0.0, -g, x < 0.0), g, x > 0.0)",
        tol: Elementwise, domain: "randn", grad_domain: "nonzero", onnx: Some("Abs"), api: Api::Generated }
    Exp "exp" Float { cpu: m::exp, wgsl: "exp(x)",
        grad: |_, y, g| g * y, wgsl_grad: "g * y",
        tol: Transcendental, domain: "randn", grad_domain: "randn", onnx: Some("Exp"), api: Api::Generated }
    Log "log" Float { cpu: m::ln, wgsl: "log_t(x)",
        grad: |x, _, g| g / x, wgsl_grad: "g / x",
        tol: Transcendental, domain: "pos", grad_domain: "pos", onnx: Some("Log"), api: Api::Generated }
    Sqrt "sqrt" Float { cpu: m::sqrt, wgsl: "sqrt(x)",
        grad: |_, y, g| g / (2.0 * y), wgsl_grad: "g / (2.0 * y)",
        tol: Transcendental, domain: "pos", grad_domain: "pos", onnx: Some("Sqrt"), api: Api::Generated }
    Rsqrt "rsqrt" Float { cpu: |x| 1.0 / m::sqrt(x), wgsl: "inverseSqrt(x)",
        grad: |_, y, g| -0.5 * g * y * y * y, wgsl_grad: "-0.5 * g * y * y * y",
        tol: Transcendental, domain: "pos", grad_domain: "pos", onnx: None, api: Api::Generated }
    Sin "sin" Float { cpu: m::sin, wgsl: "sin_t(x)",
        grad: |x, _, g| g * m::cos(x), wgsl_grad: "g * cos_t(x)",
        tol: Transcendental, domain: "wide", grad_domain: "wide", onnx: Some("Sin"), api: Api::Generated }
    Cos "cos" Float { cpu: m::cos, wgsl: "cos_t(x)",
        grad: |x, _, g| -g * m::sin(x), wgsl_grad: "-g * sin_t(x)",
        tol: Transcendental, domain: "wide", grad_domain: "wide", onnx: Some("Cos"), api: Api::Generated }
    Tanh "tanh" Float { cpu: m::tanh, wgsl: "tanh_t(x)",
        grad: |_, y, g| g * (1.0 - y * y), wgsl_grad: "g * (1.0 - y * y)",
        tol: Transcendental, domain: "randn", grad_domain: "randn", onnx: Some("Tanh"), api: Api::Generated }
    Sigmoid "sigmoid" Float { cpu: sigmoid, wgsl: "sigmoid_t(x)",
        grad: |_, y, g| g * y * (1.0 - y), wgsl_grad: "g * y * (1.0 - y)",
        tol: Transcendental, domain: "wide", grad_domain: "wide", onnx: Some("Sigmoid"), api: Api::Generated }
    Relu "relu" KeepsInt { cpu: |x| if x > 0.0 { x } else if x.is_nan() { x } else { 0.0 }, int: |x| x.max(0), wgsl: "select(select(0.0, x, isnan_t(x)), x, x > 0.0)",
        grad: |_, y, g| if y > 0.0 { g } else { 0.0 }, wgsl_grad: "select(0.0, g, y > 0.0)",
        tol: Elementwise, domain: "randn", grad_domain: "nonzero", onnx: Some("Relu"), api: Api::Generated }
    Gelu "gelu" Float { cpu: |x| 0.5 * x * (1.0 + m::erf(x * 0.707_106_781_186_547_524_400_844_362_104_849_039)), wgsl: "0.5 * x * (1.0 + erf_t(x * 0.70710678))",
        grad: |x, _, g| {
            let cdf = 0.5 * (1.0 + m::erf(x * core::f32::consts::FRAC_1_SQRT_2));
            g * (cdf + x * INV_SQRT_2PI * m::exp(-0.5 * x * x))
        }, wgsl_grad: "g * (0.5 * (1.0 + erf_t(x * 0.70710678)) + x * 0.3989423 * exp(-0.5 * x * x))",
        tol: Transcendental, domain: "wide", grad_domain: "wide", onnx: Some("Gelu"), api: Api::Via("gelu") }
    GeluTanh "gelu_tanh" Float { cpu: |x| 0.5 * x * (1.0 + m::tanh(gelu_k(x) * (x + 0.044715 * x * x * x))), wgsl: "0.5 * x * (1.0 + tanh_t(0.7978846 * (x + 0.044715 * x * x * x)))",
        grad: |x, _, g| {
            let t = m::tanh(gelu_k(x) * (x + 0.044715 * x * x * x));
            g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * gelu_k(x) * (1.0 + 3.0 * 0.044715 * x * x))
        }, wgsl_grad: "g * (0.5 * (1.0 + tanh_t(0.7978846 * (x + 0.044715 * x * x * x))) + 0.5 * x * (1.0 - pow(tanh_t(0.7978846 * (x + 0.044715 * x * x * x)), 2.0)) * 0.7978846 * (1.0 + 0.134145 * x * x))",
        tol: Transcendental, domain: "wide", grad_domain: "wide", onnx: None, api: Api::Via("gelu") }
    Silu "silu" Float { cpu: |x| x * sigmoid(x), wgsl: "x * sigmoid_t(x)",
        grad: |x, _, g| { let s = sigmoid(x); g * s * (1.0 + x * (1.0 - s)) }, wgsl_grad: "g * sigmoid_t(x) * (1.0 + x * (1.0 - sigmoid_t(x)))",
        tol: Transcendental, domain: "wide", grad_domain: "wide", onnx: None, api: Api::Generated }
    Sign "sign" KeepsInt { cpu: |x| if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { x * 0.0 }, int: |x| x.signum(), wgsl: "sign(x)",
        grad: |_, _, _| 0.0, wgsl_grad: "0.0",
        tol: Elementwise, domain: "randn", grad_domain: "nonzero", onnx: Some("Sign"), api: Api::Generated }
    Floor "floor" KeepsInt { cpu: m::floor, int: |x| x, wgsl: "floor(x)",
        grad: |_, _, _| 0.0, wgsl_grad: "0.0",
        tol: Elementwise, domain: "wide", grad_domain: "frac", onnx: Some("Floor"), api: Api::Generated }
    Ceil "ceil" KeepsInt { cpu: m::ceil, int: |x| x, wgsl: "ceil(x)",
        grad: |_, _, _| 0.0, wgsl_grad: "0.0",
        tol: Elementwise, domain: "wide", grad_domain: "frac", onnx: Some("Ceil"), api: Api::Generated }
    Round "round" KeepsInt { cpu: m::round_half_even, int: |x| x, wgsl: "round(x)",
        grad: |_, _, _| 0.0, wgsl_grad: "0.0",
        tol: Elementwise, domain: "wide", grad_domain: "frac", onnx: Some("Round"), api: Api::Generated }
    Trunc "trunc" KeepsInt { cpu: m::trunc, int: |x| x, wgsl: "trunc(x)",
        grad: |_, _, _| 0.0, wgsl_grad: "0.0",
        tol: Elementwise, domain: "wide", grad_domain: "frac", onnx: None, api: Api::Generated }
    Square "square" KeepsInt { cpu: |x| x * x, int: |x| x.wrapping_mul(x), wgsl: "x * x",
        grad: |x, _, g| 2.0 * x * g, wgsl_grad: "2.0 * x * g",
        tol: Elementwise, domain: "randn", grad_domain: "randn", onnx: None, api: Api::Generated }
    Reciprocal "reciprocal" Float { cpu: |x| 1.0 / x, wgsl: "1.0 / x",
        grad: |_, y, g| -g * y * y, wgsl_grad: "-g * y * y",
        tol: Elementwise, domain: "randn", grad_domain: "nonzero", onnx: Some("Reciprocal"), api: Api::Generated }
    Log1p "log1p" Float { cpu: m::ln_1p, wgsl: "log1p_t(x)",
        grad: |x, _, g| g / (1.0 + x), wgsl_grad: "g / (1.0 + x)",
        tol: Transcendental, domain: "pos", grad_domain: "pos", onnx: None, api: Api::Generated }
    Expm1 "expm1" Float { cpu: m::exp_m1, wgsl: "exp(x) - 1.0",
        grad: |_, y, g| g * (y + 1.0), wgsl_grad: "g * (y + 1.0)",
        tol: Transcendental, domain: "randn", grad_domain: "randn", onnx: None, api: Api::Generated }
    Erf "erf" Float { cpu: m::erf, wgsl: "erf_t(x)",
        grad: |x, _, g| g * FRAC_2_SQRT_PI * m::exp(-x * x), wgsl_grad: "g * 1.1283792 * exp(-x * x)",
        tol: Transcendental, domain: "randn", grad_domain: "randn", onnx: Some("Erf"), api: Api::Generated }
    // PyTorch's softplus (beta 1, threshold 20): linear above the threshold.
    Softplus "softplus" Float { cpu: |x| if x > 20.0 { x } else { m::ln_1p(m::exp(x)) }, wgsl: "select(log1p_t(exp(x)), x, x > 20.0)",
        grad: |x, _, g| if x > 20.0 { g } else { g * sigmoid(x) }, wgsl_grad: "select(g * sigmoid_t(x), g, x > 20.0)",
        tol: Transcendental, domain: "wide", grad_domain: "wide", onnx: Some("Softplus"), api: Api::Generated }
    Log2 "log2" Float { cpu: |x| m::ln(x) * 1.442_695_040_888_963_407_359_924_681_001_892_137, wgsl: "log_t(x) * 1.442695",
        grad: |x, _, g| g / (x * LN_2), wgsl_grad: "g / (x * 0.6931472)",
        tol: Transcendental, domain: "pos", grad_domain: "pos", onnx: None, api: Api::Generated }
    Exp2 "exp2" Float { cpu: |x| m::pow(2.0, x), wgsl: "exp2(x)",
        grad: |_, y, g| g * y * LN_2, wgsl_grad: "g * y * 0.6931472",
        tol: Transcendental, domain: "wide", grad_domain: "randn", onnx: None, api: Api::Generated }
    LogicalNot "logical_not" Float { cpu: |x| if x == 0.0 { 1.0 } else { 0.0 }, wgsl: "select(0.0, 1.0, !truthy_t(x))",
        tol: Exact, domain: "randn", grad_domain: "randn", onnx: Some("Not"), api: Api::Generated }
    Tan "tan" Float { cpu: |x| m::sin(x) / m::cos(x), wgsl: "sin_t(x) / cos_t(x)",
        grad: |_, y, g| g * (1.0 + y * y), wgsl_grad: "g * (1.0 + y * y)",
        tol: Transcendental, domain: "unit", grad_domain: "unit", onnx: Some("Tan"), api: Api::Generated }
    Atan "atan" Float { cpu: m::atan, wgsl: "atan(x)",
        grad: |x, _, g| g / (1.0 + x * x), wgsl_grad: "g / (1.0 + x * x)",
        tol: Transcendental, domain: "wide", grad_domain: "wide", onnx: Some("Atan"), api: Api::Generated }
}

pub fn lookup(code: u32) -> Option<(&'static str, UnaryOp, bool)> {
    UNARY.get(code as usize).map(|&(n, op, rule)| (n, op, rule == DTypeRule::KeepsInt))
}

/// The WGSL twins of this family's Rust helpers (sigmoid_t is `sigmoid`, erf_t is `m::erf`).
pub const WGSL_HELPERS: &str = "\
fn isnan_t(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_t(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn signbit_t(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }
fn truthy_t(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nan_t() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf_t() -> f32 { return bitcast<f32>(INF_BITS); }
fn sigmoid_t(x: f32) -> f32 { if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); } let e = exp(x); return e / (1.0 + e); }
fn erf_t(x: f32) -> f32 { let t = 1.0 / (1.0 + 0.3275911 * abs(x)); let p = t * (0.2548296 + t * (-0.2844967 + t * (1.4214137 + t * (-1.4531520 + t * 1.0614054)))); return sign(x) * (1.0 - p * exp(-x * x)); }
fn log_t(x: f32) -> f32 { if (isnan_t(x) || x < 0.0) { return nan_t(); } if (x == 0.0) { return -inf_t(); } if (isinf_t(x)) { return x; } return log(x); }
fn log1p_t(x: f32) -> f32 { let u = 1.0 + x; if (u == 1.0 || isinf_t(u)) { return select(x, log_t(u), isinf_t(u)); } return log_t(u) * (x / (u - 1.0)); }
fn tanh_t(x: f32) -> f32 { if (abs(x) > 9.0) { return sign(x); } return tanh(x); }
fn sincos_t(x: f32, c: bool) -> f32 { if (isinf_t(x)) { return nan_t(); } var s = select(1.0, -1.0, x < 0.0 && !c); let ax = abs(x); var j = u32(ax * 1.2732395); var y = f32(j); if ((j & 1u) == 1u) { j = j + 1u; y = y + 1.0; } if (c) { j = j + 2u; } j = j & 7u; if (j > 3u) { s = -s; j = j - 4u; } let z = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8; let zz = z * z; if (j == 2u) { return s * (((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz + 4.166664568298827e-2) * zz * zz - 0.5 * zz + 1.0); } return s * (((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z); }
fn sin_t(x: f32) -> f32 { return sincos_t(x, false); }
fn cos_t(x: f32) -> f32 { return sincos_t(x, true); }
";

const INV_SQRT_2PI: f32 = 0.398_942_3;

/// sqrt(2/pi) in x's type, for gelu's tanh form: float32 keeps its historical constant, float64
/// has torch's M_SQRT2 * M_2_SQRTPI * 0.5.
trait GeluK { const K: Self; }
impl GeluK for f32 { const K: f32 = 0.797_884_6; }
impl GeluK for f64 { const K: f64 = core::f64::consts::SQRT_2 * core::f64::consts::FRAC_2_SQRT_PI * 0.5; }
#[inline]
fn gelu_k<F: GeluK>(_: F) -> F { F::K }

#[inline]
pub fn sigmoid<F: m::Float>(x: F) -> F {
    // Split by sign so exp never overflows to inf/inf.
    let one = F::of(1.0);
    if x >= F::of(0.0) { one / (one + m::exp(-x)) } else { let e = m::exp(x); e / (one + e) }
}

/// op(t), the CPU or device loop picked by the backend; bool negation refused as torch does.
pub fn unary(op: UnaryOp, _name: &str, keeps_int: bool, t: &Tensor) -> Result<Tensor> {
    crate::dtype::check_arith(if _name.is_empty() { "unary op" } else { _name }, &[t.dtype()])?;
    if t.dtype() == DType::Bool && op == UnaryOp::Neg {
        bail!(DType, "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
    }
    crate::backend::of(t.device()).unary(op, t, keeps_int)
}

/// clamp(min, max) with either bound optional; keeps the dtype (ints clamp to int bounds).
pub fn clamp(t: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor> {
    crate::dtype::check_computes("clamp", &[t.dtype()])?;
    if lo.is_none() && hi.is_none() {
        bail!(Value, "torch.clamp: At least one of 'min' or 'max' must not be None");
    }
    let be = crate::backend::of(t.device());
    match t.dtype() {
        DType::F32 => be.clamp(t, lo, hi),
        // A non-integer bound is a float scalar: it promotes an int tensor to float, as in torch.
        _ if lo.into_iter().chain(hi).any(|x| m::floor64(x) != x) => clamp(&cast(t, DType::F32)?, lo, hi),
        _ => be.clamp(&cast(t, DType::I32)?, lo, hi),
    }
}

/// Ops with one float parameter: leaky_relu(slope), elu(alpha), hardtanh, ...
pub fn leaky_relu(t: &Tensor, slope: f32) -> Result<Tensor> {
    crate::dtype::check_computes("leaky_relu", &[t.dtype()])?;
    crate::backend::of(t.device()).leaky_relu(t, slope)
}

// ---- autograd -------------------------------------------------------------------------------

/// The differentiable unary op: forward, plus its backward rule when recording.
pub fn apply(op: UnaryOp, name: &'static str, keeps_int: bool, x: &Tensor) -> Result<Tensor> {
    let y = unary(op, name, keeps_int, x)?;
    if op == UnaryOp::LogicalNot || !y.dtype().is_float() || !crate::autograd::recording(&[x]) { return Ok(y); }
    let (sx, sy) = (crate::autograd::Saved::new(x), crate::autograd::Saved::new(&y));
    Ok(crate::autograd::record(name, &[x], y, move |g| {
        let (x, y) = (sx.get()?, sy.get()?);
        Ok(alloc::vec![crate::backend::of(g.device()).unary_grad(op, x, y, g)?])
    }))
}

pub fn clamp_apply(x: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor> {
    let y = clamp(x, lo, hi)?;
    if !crate::autograd::recording(&[x]) { return Ok(y); }
    let sx = crate::autograd::Saved::new(x);
    let (l, h) = (lo.map_or(f32::NEG_INFINITY, |v| v as f32), hi.map_or(f32::INFINITY, |v| v as f32));
    Ok(crate::autograd::record("clamp", &[x], y, move |g| {
        let x = sx.get()?;
        Ok(alloc::vec![Some(crate::backend::of(g.device()).clamp_grad(x, g, l, h)?)])
    }))
}

pub fn leaky_relu_apply(x: &Tensor, slope: f32) -> Result<Tensor> {
    let y = leaky_relu(x, slope)?;
    if !crate::autograd::recording(&[x]) { return Ok(y); }
    let sx = crate::autograd::Saved::new(x);
    Ok(crate::autograd::record("leaky_relu", &[x], y, move |g| {
        let x = sx.get()?;
        Ok(alloc::vec![Some(crate::backend::of(g.device()).leaky_relu_grad(x, g, slope)?)])
    }))
}
