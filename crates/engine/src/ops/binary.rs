//! Elementwise binary ops with full broadcasting and PyTorch's dtype promotion. Each op is one
//! row of `binary_ops!` (ops/spec.rs): name, dtype rule, float / int / compare functions, gradient.
//! The backend runs the loops (backend/cpu/elementwise.rs on the CPU).
use crate::dtype::{DType, Elem};
use crate::error::{bail, Result};
use crate::autograd::Saved;
use crate::ops::cast::cast;
use crate::ops::prim::{div, mul, neg, sum_to, to_f32};
use crate::ops::spec::{Api, DTypeRule};
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;
use kd_kernels::math::{self as m, Float};

// The binary rows (see ops/spec.rs). The order is the ABI code: append only.
binary_ops! {
    Add "add" Promote { cpu: |x, y| x + y, int: |x, y| x.wrapping_add(y), wgsl: "a + b",
        grad: (|_, g| Ok(g.clone()), |_, g| Ok(g.clone())), wgsl_grad: ("g", "g"),
        tol: Elementwise, domain: ("randn", "randn"), grad_domain: ("randn", "randn"), onnx: Some("Add"), api: Api::Generated }
    Sub "sub" Promote { cpu: |x, y| x - y, int: |x, y| x.wrapping_sub(y), wgsl: "a - b",
        grad: (|_, g| Ok(g.clone()), |_, g| neg(g)), wgsl_grad: ("g", "-g"),
        tol: Elementwise, domain: ("randn", "randn"), grad_domain: ("randn", "randn"), onnx: Some("Sub"), api: Api::Generated }
    Mul "mul" Promote { cpu: |x, y| x * y, int: |x, y| x.wrapping_mul(y), wgsl: "a * b",
        grad: (|c, g| mul(g, c.b()?), |c, g| mul(g, c.a()?)), wgsl_grad: ("g * b", "g * a"),
        tol: Elementwise, domain: ("randn", "randn"), grad_domain: ("randn", "randn"), onnx: Some("Mul"), api: Api::Generated }
    Div "div" Float { cpu: |x, y| x / y, wgsl: "a / b",
        grad: (|c, g| div(g, c.b()?), |c, g| neg(&div(&mul(g, c.y()?)?, c.b()?)?)), wgsl_grad: ("g / b", "-(g * y) / b"),
        tol: Elementwise, domain: ("randn", "randn"), grad_domain: ("randn", "nonzero"), onnx: Some("Div"), api: Api::Generated }
    Pow "pow" Promote { cpu: pow_t, int: pow_int, wgsl: "pow_t(a, b)",
        grad: (pow_grad_base, pow_grad_exponent), wgsl_grad: ("select(g * b * pow_t(a, b - 1.0), 0.0, b == 0.0)", "select(g * y * log_t(a), 0.0, a == 0.0 && !isinf_t(y) && !isnan_t(y))"),
        tol: Transcendental, domain: ("pos", "randn"), grad_domain: ("pos", "randn"), onnx: Some("Pow"), api: Api::Generated }
    Maximum "maximum" Promote { cpu: fmax, int: |x, y| x.max(y), wgsl: "select(max(a, b), nan_t(), isnan_t(a) || isnan_t(b))",
        grad: (|c, g| pick(c, g, true, true), |c, g| pick(c, g, true, false)), wgsl_grad: ("g * select(select(0.5, 0.0, a < b), 1.0, a > b)", "g * select(select(0.5, 0.0, b < a), 1.0, b > a)"),
        tol: Exact, domain: ("randn", "randn"), grad_domain: ("distinct", "distinct"), onnx: Some("Max"), api: Api::Generated }
    Minimum "minimum" Promote { cpu: fmin, int: |x, y| x.min(y), wgsl: "select(min(a, b), nan_t(), isnan_t(a) || isnan_t(b))",
        grad: (|c, g| pick(c, g, false, true), |c, g| pick(c, g, false, false)), wgsl_grad: ("g * select(select(0.5, 0.0, a > b), 1.0, a < b)", "g * select(select(0.5, 0.0, b > a), 1.0, b < a)"),
        tol: Exact, domain: ("randn", "randn"), grad_domain: ("distinct", "distinct"), onnx: Some("Min"), api: Api::Generated }
    // Python's modulo: the result has the divisor's sign.
    Remainder "remainder" Promote { cpu: remainder_t,
        // r + y cannot overflow: it only runs when r and y have opposite signs.
        int: |x, y| { let r = x.wrapping_rem(y); if r != 0 && ((r < 0) != (y < 0)) { r + y } else { r } },
        wgsl: "remainder_t(a, b)",
        grad: (|_, g| Ok(g.clone()), remainder_grad_divisor), wgsl_grad: ("g", "-g * floor(a / b)"),
        tol: Elementwise, domain: ("wide", "randn"), grad_domain: ("frac", "divisor"), onnx: Some("Mod"), api: Api::Generated }
    FloorDivide "floor_divide" Promote { cpu: floor_divide_t,
        int: |x, y| { let q = x.wrapping_div(y); if (x.wrapping_rem(y) != 0) && ((x < 0) != (y < 0)) { q - 1 } else { q } },
        wgsl: "floor_divide_t(a, b)",
        tol: Elementwise, domain: ("wide", "randn"), grad_domain: ("wide", "randn"), onnx: None, api: Api::Generated }
    Eq "eq" Compare { cmp: |x, y| (x == y) as u8, wgsl: "a == b",
        tol: Exact, domain: ("int", "int"), grad_domain: ("int", "int"), onnx: Some("Equal"), api: Api::Generated }
    Ne "ne" Compare { cmp: |x, y| (x != y) as u8, wgsl: "a != b",
        tol: Exact, domain: ("int", "int"), grad_domain: ("int", "int"), onnx: None, api: Api::Generated }
    Lt "lt" Compare { cmp: |x, y| (x < y) as u8, wgsl: "a < b",
        tol: Exact, domain: ("randn", "randn"), grad_domain: ("randn", "randn"), onnx: Some("Less"), api: Api::Generated }
    Le "le" Compare { cmp: |x, y| (x <= y) as u8, wgsl: "a <= b",
        tol: Exact, domain: ("int", "int"), grad_domain: ("int", "int"), onnx: Some("LessOrEqual"), api: Api::Generated }
    Gt "gt" Compare { cmp: |x, y| (x > y) as u8, wgsl: "a > b",
        tol: Exact, domain: ("randn", "randn"), grad_domain: ("randn", "randn"), onnx: Some("Greater"), api: Api::Generated }
    Ge "ge" Compare { cmp: |x, y| (x >= y) as u8, wgsl: "a >= b",
        tol: Exact, domain: ("int", "int"), grad_domain: ("int", "int"), onnx: Some("GreaterOrEqual"), api: Api::Generated }
    LogicalAnd "logical_and" Compare { cmp: |x: T, y: T| (x.to_bool() && y.to_bool()) as u8, wgsl: "truthy_t(a) && truthy_t(b)",
        tol: Exact, domain: ("int", "int"), grad_domain: ("int", "int"), onnx: Some("And"), api: Api::Generated }
    LogicalOr "logical_or" Compare { cmp: |x: T, y: T| (x.to_bool() || y.to_bool()) as u8, wgsl: "truthy_t(a) || truthy_t(b)",
        tol: Exact, domain: ("int", "int"), grad_domain: ("int", "int"), onnx: Some("Or"), api: Api::Generated }
    LogicalXor "logical_xor" Compare { cmp: |x: T, y: T| (x.to_bool() != y.to_bool()) as u8, wgsl: "truthy_t(a) != truthy_t(b)",
        tol: Exact, domain: ("int", "int"), grad_domain: ("int", "int"), onnx: Some("Xor"), api: Api::Generated }
    Atan2 "atan2" Float { cpu: atan2_t, wgsl: "atan2_t(a, b)",
        grad: (|c, g| { let (x, z, den) = atan2_den(c)?; let _ = x; div(&mul(g, &z)?, &den) },
               |c, g| { let (x, _, den) = atan2_den(c)?; neg(&div(&mul(g, &x)?, &den)?) }),
        wgsl_grad: ("g * b / (a * a + b * b)", "-(g * a) / (a * a + b * b)"),
        tol: Transcendental, domain: ("randn", "randn"), grad_domain: ("nonzero", "nonzero"), onnx: None, api: Api::Generated }
    Hypot "hypot" FloatOnly { cpu: hypot_t, wgsl: "hypot_t(a, b)",
        grad: (|c, g| div(&mul(g, c.a()?)?, c.y()?), |c, g| div(&mul(g, c.b()?)?, c.y()?)), wgsl_grad: ("g * a / y", "g * b / y"),
        tol: Elementwise, domain: ("randn", "randn"), grad_domain: ("nonzero", "nonzero"), onnx: None, api: Api::Generated }
    Logaddexp "logaddexp" FloatOnly { cpu: logaddexp_t, wgsl: "logaddexp_t(a, b)",
        grad: (|c, g| div(g, &c.term(BinaryOp::Logaddexp, 0)?), |c, g| div(g, &c.term(BinaryOp::Logaddexp, 1)?)),
        wgsl_grad: ("g / (1.0 + exp(b - a))", "g / (1.0 + exp(a - b))"),
        tol: Transcendental, domain: ("wide", "wide"), grad_domain: ("randn", "randn"), onnx: None, api: Api::Generated }
    Xlogy "xlogy" Float { cpu: xlogy_t, wgsl: "xlogy_t(a, b)",
        grad: (xlogy_grad_x, |c, g| div(&mul(g, c.a()?)?, c.b()?)),
        wgsl_grad: ("select(xlogy_t(g, b), 0.0, a == 0.0 && b <= 0.0)", "g * a / b"),
        tol: Transcendental, domain: ("randn", "pos"), grad_domain: ("randn", "pos"), onnx: None, api: Api::Generated }
}

pub fn lookup(code: u32) -> Option<(&'static str, BinaryOp)> { BINARY.get(code as usize).map(|&(n, op, _)| (n, op)) }

/// The WGSL twins of this family's Rust helpers, under the same names.
pub const WGSL_HELPERS: &str = "\
fn atan2_t(y: f32, x: f32) -> f32 { if (isnan_t(x) || isnan_t(y)) { return nan_t(); } let s = select(1.0, -1.0, signbit_t(y)); if (isinf_t(y)) { return s * select(select(1.5707964, 2.3561945, x < 0.0 && isinf_t(x)), 0.7853982, x > 0.0 && isinf_t(x)); } if (isinf_t(x)) { return s * select(3.1415927, 0.0, x > 0.0); } if (y == 0.0) { return select(y, s * 3.1415927, signbit_t(x)); } if (x == 0.0) { return s * 1.5707964; } let r = atan(y / x); if (x > 0.0) { return r; } return select(r - 3.1415927, r + 3.1415927, y >= 0.0); }
fn pow_pos_t(a: f32, b: f32) -> f32 { if (a == 0.0) { return select(0.0, inf_t(), b < 0.0); } if (isinf_t(a)) { return select(0.0, inf_t(), b > 0.0); } return pow(a, b); }
fn pow_t(a: f32, b: f32) -> f32 { if (b == 0.0 || a == 1.0) { return 1.0; } if (isnan_t(a) || isnan_t(b)) { return nan_t(); } if (b == 2.0) { return a * a; } if (b == 1.0) { return a; } if (b == 0.5) { return sqrt(a); } let ab = abs(a); if (isinf_t(b)) { if (ab == 1.0) { return 1.0; } return select(0.0, inf_t(), (ab > 1.0) == (b > 0.0)); } if (signbit_t(a)) { if (b != round(b)) { if (a == 0.0 || isinf_t(a)) { return pow_pos_t(ab, b); } return nan_t(); } let p = pow_pos_t(ab, b); return select(p, -p, (b % 2.0) != 0.0); } return pow_pos_t(a, b); }
fn prod_err_t(a: f32, b: f32, p: f32) -> f32 { let ca = 4097.0 * a; let ah = ca - (ca - a); let al = a - ah; let cb = 4097.0 * b; let bh = cb - (cb - b); let bl = b - bh; return ((ah * bh - p) + ah * bl + al * bh) + al * bl; }
fn fmod_t(a: f32, b: f32) -> f32 { if (isnan_t(a) || isnan_t(b) || isinf_t(a) || b == 0.0) { return nan_t(); } if (isinf_t(b)) { return a; } let q = trunc(a / b); let p = q * b; let r = (a - p) - prod_err_t(q, b, p); if (r != 0.0 && (r < 0.0) != (a < 0.0)) { return r + select(-abs(b), abs(b), a < 0.0); } if (abs(r) >= abs(b)) { return r - select(-abs(b), abs(b), a >= 0.0); } return r; }
fn remainder_t(a: f32, b: f32) -> f32 { let r = fmod_t(a, b); if (r != 0.0 && ((b < 0.0) != (r < 0.0))) { return r + b; } return r; }
fn floor_divide_t(a: f32, b: f32) -> f32 { if (b == 0.0) { return a / b; } let r = fmod_t(a, b); var d = (a - r) / b; if (r != 0.0 && ((b < 0.0) != (r < 0.0))) { d = d - 1.0; } if (isnan_t(d)) { return d; } if (d == 0.0) { return select(0.0, -0.0, (a < 0.0) != (b < 0.0)); } let f = floor(d); return select(f, f + 1.0, d - f > 0.5); }
fn hypot_t(a: f32, b: f32) -> f32 { if (isinf_t(a) || isinf_t(b)) { return inf_t(); } if (isnan_t(a) || isnan_t(b)) { return nan_t(); } let h = max(abs(a), abs(b)); if (h == 0.0) { return h; } let l = min(abs(a), abs(b)) / h; return h * sqrt(1.0 + l * l); }
fn logaddexp_t(a: f32, b: f32) -> f32 { if (isnan_t(a) || isnan_t(b)) { return nan_t(); } if (a == b && isinf_t(a)) { return a; } return max(a, b) + log1p_t(exp(-abs(a - b))); }
fn xlogy_t(a: f32, b: f32) -> f32 { if (isnan_t(b) || isnan_t(a)) { return nan_t(); } if (a == 0.0) { return 0.0; } return a * log_t(b); }
";

pub(crate) fn rule(op: BinaryOp) -> DTypeRule { BINARY[op as usize].2 }

#[inline]
fn fmax<F: Float>(x: F, y: F) -> F { if x.is_nan() || y.is_nan() { F::NAN } else if x > y { x } else { y } }
#[inline]
fn fmin<F: Float>(x: F, y: F) -> F { if x.is_nan() || y.is_nan() { F::NAN } else if x < y { x } else { y } }

pub fn binary(op: BinaryOp, name: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    use BinaryOp::*;
    a.check_device(b, name)?;
    crate::dtype::check_arith(name, &[a.dtype(), b.dtype()])?;
    let pd = DType::result_type(a.dtype(), a.ndim() == 0, b.dtype(), b.ndim() == 0);
    let rule = rule(op);
    if rule == DTypeRule::Compare {
        let (ca, cb) = (cast(a, pd)?, cast(b, pd)?);
        return crate::backend::on(&[a, b]).binary(op, &ca, &cb);
    }
    // torch implements these for floating types only (it checks the shapes first).
    if rule == DTypeRule::FloatOnly && !matches!(pd, DType::F32 | DType::F64) {
        broadcast_shapes(&a.shape, &b.shape)?;
        bail!(DType, "\"{}_cpu\" not implemented for '{}' (only float inputs are supported)", name, if matches!(a.dtype(), DType::F32 | DType::F64) { b.dtype().name() } else { a.dtype().name() });
    }
    // PyTorch refuses `-` when either operand is bool (bool - int, float - bool... too).
    if op == Sub && (a.dtype() == DType::Bool || b.dtype() == DType::Bool) {
        bail!(DType, "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
    }
    // True division and float-only functions compute in float whatever the inputs (float32,
    // torch's default dtype, unless float64 is among them).
    let compute = if rule == DTypeRule::Float { if pd == DType::F64 { DType::F64 } else { DType::F32 } }
        else if pd == DType::Bool { DType::I32 } else { pd };
    let (ca, cb) = (cast(a, compute)?, cast(b, compute)?);
    let be = crate::backend::on(&[a, b]);
    // Shapes first (as torch's iterator); integer division by zero is the backend's check.
    if !matches!(compute, DType::F32 | DType::F64) { broadcast_shapes(&ca.shape, &cb.shape)?; }
    let out = be.binary(op, &ca, &cb)?;
    // bool (+, *, max, min) bool stays bool in PyTorch; bool / bool is float.
    if pd == DType::Bool && compute == DType::I32 { cast(&out, DType::Bool) } else { Ok(out) }
}

/// Integer power as PyTorch computes it: a negative exponent gives 0, except for bases 1 and -1
/// (a negative *scalar* exponent is refused before this, in the TypeScript layer, as torch does).
fn pow_int<T: WrapInt>(x: T, y: T) -> T {
    let (one, zero) = (T::from_i8(1), T::from_i8(0));
    if y >= zero { return x.wrapping_pow_t(y); }
    if x == one { one } else if x == T::from_i8(-1) { if y.is_odd() { x } else { one } } else { zero }
}

/// The integer dtypes' operations pow_int needs (int32 and int64).
trait WrapInt: Copy + PartialOrd + PartialEq {
    fn from_i8(v: i8) -> Self;
    fn wrapping_pow_t(self, e: Self) -> Self;
    fn is_odd(self) -> bool;
}
impl WrapInt for i32 {
    fn from_i8(v: i8) -> Self { v as i32 }
    fn wrapping_pow_t(self, e: Self) -> Self { self.wrapping_pow(e as u32) }
    fn is_odd(self) -> bool { self & 1 == 1 }
}
impl WrapInt for i64 {
    fn from_i8(v: i8) -> Self { v as i64 }
    /// By squaring over all 63 exponent bits (wrapping_pow takes a u32 exponent).
    fn wrapping_pow_t(self, e: Self) -> Self {
        let (mut base, mut e, mut acc) = (self, e as u64, 1i64);
        while e > 0 {
            if e & 1 == 1 { acc = acc.wrapping_mul(base); }
            base = base.wrapping_mul(base);
            e >>= 1;
        }
        acc
    }
    fn is_odd(self) -> bool { self & 1 == 1 }
}

/// PyTorch's float remainder: fmod, moved to the divisor's sign. (x - floor(x / y) * y
/// cancels badly, and gets NaN where fmod is exact, e.g. 1 % inf.)
fn remainder_t<F: Float>(x: F, y: F) -> F {
    let (r, zero) = (x % y, F::of(0.0));
    if r != zero && (y < zero) != (r < zero) { r + y } else { r }
}

/// PyTorch's float floor division (c10 div_floor_floating), which Python's // also follows:
/// exact for representable quotients, NaN for inf // finite.
fn floor_divide_t<F: Float>(x: F, y: F) -> F {
    let (zero, one) = (F::of(0.0), F::of(1.0));
    if y == zero { return x / y; }
    let r = x % y;
    let mut div = (x - r) / y;
    if r != zero && (y < zero) != (r < zero) { div -= one; }
    if div == zero { return zero.copysign(x / y); }
    let f = m::floor(div);
    if div - f > F::of(0.5) { f + one } else { f }
}

#[inline]
pub(crate) fn pow_t<F: Float>(x: F, y: F) -> F {
    // Exact fast paths PyTorch also takes, so x**2 matches x*x bit for bit.
    if y == F::of(2.0) { x * x } else if y == F::of(1.0) { x } else if y == F::of(0.5) { m::sqrt(x) } else { m::pow(x, y) }
}

pub fn atan2_t<F: Float>(y: F, x: F) -> F {
    let zero = F::of(0.0);
    // The C99 special cases, then atan of the quotient moved to the right quadrant.
    if x.is_nan() || y.is_nan() { return F::NAN; }
    if y.is_infinite() {
        let a = if x == F::INFINITY { F::FRAC_PI_4 } else if x == F::NEG_INFINITY { F::of(3.0) * F::FRAC_PI_4 } else { F::FRAC_PI_2 };
        return a.copysign(y);
    }
    if x.is_infinite() { return if x > zero { zero.copysign(y) } else { F::PI.copysign(y) }; }
    if y == zero { return if x.is_sign_negative() { F::PI.copysign(y) } else { y }; }
    if x == zero { return F::FRAC_PI_2.copysign(y); }
    let r = m::atan(y / x);
    if x > zero { r } else if y >= zero { r + F::PI } else { r - F::PI }
}

/// sqrt(x² + y²) without overflow (in f64), inf when either is infinite (even with a NaN), as C's hypot.
fn hypot_t<F: Hypot>(x: F, y: F) -> F { x.hypot_t(y) }

/// hypot per float type: float32 squares in f64 (exact enough, no overflow); float64 scales by
/// the larger magnitude first.
trait Hypot: Float { fn hypot_t(self, y: Self) -> Self; }
impl Hypot for f32 {
    fn hypot_t(self, y: f32) -> f32 {
        if self.is_infinite() || y.is_infinite() { return f32::INFINITY; }
        let (x, y) = (self as f64, y as f64);
        m::sqrt64(x * x + y * y) as f32
    }
}
impl Hypot for f64 {
    fn hypot_t(self, y: f64) -> f64 {
        if self.is_infinite() || y.is_infinite() { return f64::INFINITY; }
        if self.is_nan() || y.is_nan() { return f64::NAN; }
        let (a, b) = (self.abs(), y.abs());
        let (h, l) = if a > b { (a, b) } else { (b, a) };
        if h == 0.0 { return 0.0; }
        let r = l / h;
        h * m::sqrt(1.0 + r * r)
    }
}

/// log(exp(x) + exp(y)) as torch computes it: the larger plus log1p of the smaller's share;
/// equal infinities give themselves (not inf - inf).
fn logaddexp_t<F: Float>(x: F, y: F) -> F {
    if x.is_infinite() && x == y { return x; }
    let mx = if x > y { x } else { y };
    mx + m::ln_1p(m::exp(-(x - y).abs()))
}

/// x * log(y), 0 where x == 0 unless y is NaN (torch.xlogy).
fn xlogy_t<F: Float>(x: F, y: F) -> F {
    if y.is_nan() { return F::NAN; }
    if x == F::of(0.0) { return F::of(0.0); }
    x * m::ln(y)
}

// ---- autograd -------------------------------------------------------------------------------

/// The saved forward tensors a gradient rule may read (each read checks the in-place version).
pub struct Ctx { sa: Saved, sb: Saved, sy: Saved }
impl Ctx {
    pub fn a(&self) -> Result<&Tensor> { self.sa.get() }
    pub fn b(&self) -> Result<&Tensor> { self.sb.get() }
    pub fn y(&self) -> Result<&Tensor> { self.sy.get() }
}

impl Ctx {
    /// The backend's raw derivative term of op for input `side` (see Backend::binary_grad_term).
    fn term(&self, op: BinaryOp, side: usize) -> Result<Tensor> {
        let (a, b, y) = (self.a()?, self.b()?, self.y()?);
        crate::backend::on(&[a, b]).binary_grad_term(op, side, a, b, y)
    }
}

/// d(a^e)/da = e * a^(e-1), defined as 0 where e == 0 (so 0^0 has gradient 0, as in torch).
fn pow_grad_base(c: &Ctx, g: &Tensor) -> Result<Tensor> { mul(g, &c.term(BinaryOp::Pow, 0)?) }

/// d(a^e)/de = y * ln(a), as torch: 0 at a zero base when e >= 0 (there y = 0^e is finite),
/// ±inf when e < 0 (y = inf), NaN for negative bases.
fn pow_grad_exponent(c: &Ctx, g: &Tensor) -> Result<Tensor> { mul(g, &c.term(BinaryOp::Pow, 1)?) }

/// maximum/minimum: the gradient goes to the winner; ties share it.
fn pick(c: &Ctx, g: &Tensor, max: bool, first: bool) -> Result<Tensor> {
    mul(g, &c.term(if max { BinaryOp::Maximum } else { BinaryOp::Minimum }, if first { 0 } else { 1 })?)
}

fn remainder_grad_divisor(c: &Ctx, g: &Tensor) -> Result<Tensor> { mul(g, &c.term(BinaryOp::Remainder, 1)?) }

/// (a, b, a² + b²) in float, for atan2's gradient.
fn atan2_den(c: &Ctx) -> Result<(Tensor, Tensor, Tensor)> {
    let (x, z) = (to_f32(c.a()?)?, to_f32(c.b()?)?);
    let den = c.term(BinaryOp::Atan2, 0)?;
    Ok((x, z, den))
}

/// d xlogy / dx = xlogy(g, y), 0 where x == 0 and y <= 0 (torch's rule).
fn xlogy_grad_x(c: &Ctx, g: &Tensor) -> Result<Tensor> {
    let y = to_f32(c.b()?)?;
    let at_zero = c.term(BinaryOp::Xlogy, 0)?;
    crate::ops::index::where_(&at_zero, &crate::ops::prim::scalar(0.0), &binary(BinaryOp::Xlogy, "xlogy", g, &y)?)
}

/// The differentiable binary op: forward, plus its backward rule (the row's `grad`) when
/// recording. Gradients of broadcast inputs are summed back to each input's shape.
pub fn apply(op: BinaryOp, name: &'static str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    use crate::autograd::record;
    let y = binary(op, name, a, b)?;
    crate::autograd::refuse_untracked(name, &[a, b], &y)?;
    let Some((rule_a, rule_b)) = grad_rules(op) else { return Ok(y) };
    if !y.dtype().is_float() || !crate::autograd::recording(&[a, b]) { return Ok(y); }
    let c = Ctx { sa: Saved::new(a), sb: Saved::new(b), sy: Saved::new(&y) };
    let (sha, shb) = (a.shape.clone(), b.shape.clone());
    let (need_a, need_b) = (a.requires_grad(), b.requires_grad());
    Ok(record(name, &[a, b], y, move |g| {
        Ok(alloc::vec![
            if need_a { Some(sum_to(&rule_a(&c, g)?, &sha)?) } else { None },
            if need_b { Some(sum_to(&rule_b(&c, g)?, &shb)?) } else { None },
        ])
    }))
}
