//! Elementwise ops on the GPU: each op's WGSL is its spec row (ops/unary.rs, ops/binary.rs),
//! run by the strided map kernel. What lives here is the dtype dispatch (which mirrors the
//! CPU backend's) and the raw derivative terms, one WGSL line per CPU closure.
use alloc::format;
use alloc::string::String;

use super::kernel::{empty, f, map, Operand};
use crate::dtype::DType;
use crate::error::{err, Result};
use crate::ops::binary::{BinaryOp, BINARY};
use crate::ops::spec::DTypeRule;
use crate::ops::unary::{UnaryOp, UNARY};
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;

/// The int32 form of a KeepsInt op (the CPU's `int:` closures; WGSL's i32 arithmetic wraps as they do).
fn int_body(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "-x",
        UnaryOp::Abs => "abs(x)",
        UnaryOp::Sign => "sign(x)",
        UnaryOp::Square => "x * x",
        UnaryOp::Relu => "max(x, 0)",
        _ => "x", // floor, ceil, round, trunc keep an integer
    }
}

/// The int32 form of the Promote ops this backend runs on ints (WGSL's i32 arithmetic wraps, as the CPU's).
fn int_binary(op: BinaryOp) -> Option<&'static str> {
    Some(match op {
        BinaryOp::Add => "a + b",
        BinaryOp::Sub => "a - b",
        BinaryOp::Mul => "a * b",
        BinaryOp::Maximum => "max(a, b)",
        BinaryOp::Minimum => "min(a, b)",
        _ => return None,
    })
}

pub fn unary(op: UnaryOp, t: &Tensor, keeps_int: bool) -> Result<Tensor> {
    let (expr, _) = crate::ops::unary::wgsl(op);
    let key = format!("unary:{}", UNARY[op as usize].0);
    let x = |load| Operand::new(t, &t.shape, "x", load);
    let (out, body, load) = if op == UnaryOp::LogicalNot {
        (empty(t.shape.clone(), DType::Bool, UNARY[op as usize].0)?, format!("select(0u, 1u, ({}) != 0.0)", expr), "f32")
    } else if keeps_int && matches!(t.dtype(), DType::I32 | DType::Bool) {
        (empty(t.shape.clone(), DType::I32, UNARY[op as usize].0)?, format!("{}", int_body(op)), "i32")
    } else {
        // NaN in, NaN out, for every float op (GPU builtins need not keep NaN)
        (empty(t.shape.clone(), DType::F32, UNARY[op as usize].0)?, format!("select({}, x, isnan_t(x))", expr), "f32")
    };
    map(&key, &[x(load)?], &out, &body, &[])?;
    Ok(out)
}

pub fn unary_grad(op: UnaryOp, x: &Tensor, y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
    let Some(expr) = crate::ops::unary::wgsl(op).1 else { return Ok(None) };
    let out = empty(x.shape.clone(), DType::F32, UNARY[op as usize].0)?;
    let ins = [Operand::new(x, &x.shape, "x", "f32")?, Operand::new(y, &x.shape, "y", "f32")?, Operand::new(g, &x.shape, "g", "f32")?];
    map(&format!("unary_grad:{}", UNARY[op as usize].0), &ins, &out, expr, &[])?;
    Ok(Some(out))
}

pub fn clamp(t: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor> {
    let out = empty(t.shape.clone(), t.dtype(), "clamp")?;
    let x = [Operand::new(t, &t.shape, "x", "")?];
    if t.dtype() == DType::F32 {
        let (l, h) = (lo.map_or(f32::NEG_INFINITY, |v| v as f32), hi.map_or(f32::INFINITY, |v| v as f32));
        map("clamp", &x, &out, "select(min(max(x, pf(0u)), pf(1u)), x, isnan_t(x))", &[f(l), f(h)])?;
    } else {
        let fl = |v: f64| kd_kernels::math::floor64(v) as i32;
        let (l, h) = (lo.map_or(i32::MIN, fl), hi.map_or(i32::MAX, fl));
        map("clamp", &x, &out, "min(max(x, pi(0u)), pi(1u))", &[l as u32, h as u32])?;
    }
    Ok(out)
}

pub fn clamp_grad(x: &Tensor, g: &Tensor, lo: f32, hi: f32) -> Result<Tensor> {
    let out = empty(x.shape.clone(), DType::F32, "clamp")?;
    let ins = [Operand::new(x, &x.shape, "x", "f32")?, Operand::new(g, &x.shape, "g", "f32")?];
    map("clamp_grad", &ins, &out, "select(0.0, g, x >= pf(0u) && x <= pf(1u))", &[f(lo), f(hi)])?;
    Ok(out)
}

pub fn leaky_relu(t: &Tensor, slope: f32) -> Result<Tensor> {
    let out = empty(t.shape.clone(), DType::F32, "leaky_relu")?;
    map("leaky_relu", &[Operand::new(t, &t.shape, "x", "f32")?], &out, "select(x * pf(0u), x, x > 0.0)", &[f(slope)])?;
    Ok(out)
}

pub fn leaky_relu_grad(x: &Tensor, g: &Tensor, slope: f32) -> Result<Tensor> {
    let out = empty(x.shape.clone(), DType::F32, "leaky_relu")?;
    let ins = [Operand::new(x, &x.shape, "x", "f32")?, Operand::new(g, &x.shape, "g", "f32")?];
    map("leaky_relu_grad", &ins, &out, "select(g * pf(0u), g, x > 0.0)", &[f(slope)])?;
    Ok(out)
}

pub fn binary(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (name, _, rule) = BINARY[op as usize];
    let shape = broadcast_shapes(&a.shape, &b.shape)?;
    let expr = crate::ops::binary::wgsl(op);
    let (out_dtype, body, load) = if rule == DTypeRule::Compare {
        if expr.contains("truthy_t") {
            // logical ops test a float's bits: int and bool operands are read as f32 (exact for that)
            (DType::Bool, format!("select(0u, 1u, {})", expr), "f32")
        } else if a.dtype() == DType::F32 {
            // IEEE: a NaN operand makes every comparison false but `ne` true (GPU compares need not)
            let nan = "isnan_t(a) || isnan_t(b)";
            let test = if op == BinaryOp::Ne { format!("({}) || {}", expr, nan) } else { format!("({}) && !({})", expr, nan) };
            (DType::Bool, format!("select(0u, 1u, {})", test), "")
        } else {
            (DType::Bool, format!("select(0u, 1u, {})", expr), "")
        }
    } else if a.dtype() == DType::F32 {
        (DType::F32, format!("{}", expr), "")
    } else if let (DType::I32, Some(body)) = (a.dtype(), int_binary(op)) {
        (DType::I32, String::from(body), "")
    } else {
        return Err(err!(Device, "{} on {} tensors is not supported on webgpu (float32 is)", name, a.dtype().name()));
    };
    let out = empty(shape.clone(), out_dtype, name)?;
    let ins = [Operand::new(a, &shape, "a", load)?, Operand::new(b, &shape, "b", load)?];
    map(&format!("binary:{}", name), &ins, &out, &body, &[])?;
    Ok(out)
}

/// The CPU's `binary_grad_term` (backend/cpu/elementwise.rs), term for term.
pub fn binary_grad_term(op: BinaryOp, side: usize, a: &Tensor, b: &Tensor, y: &Tensor) -> Result<Tensor> {
    use BinaryOp::*;
    let name = BINARY[op as usize].0;
    let (second, body): (&Tensor, &str) = match (op, side) {
        (Pow, 0) => (b, "select(b * pow_t(a, b - 1.0), 0.0, b == 0.0)"),
        (Pow, _) => (y, "select(b * log_t(a), 0.0, a == 0.0 && !isinf_t(b) && !isnan_t(b))"),
        (Maximum, 0) => (b, "select(select(0.5, 0.0, a < b), 1.0, a > b)"),
        (Maximum, _) => (b, "select(select(0.5, 0.0, a > b), 1.0, a < b)"),
        (Minimum, 0) => (b, "select(select(0.5, 0.0, a > b), 1.0, a < b)"),
        (Minimum, _) => (b, "select(select(0.5, 0.0, a < b), 1.0, a > b)"),
        (Remainder, _) => (b, "-floor(a / b)"),
        (Atan2, _) => (b, "a * a + b * b"),
        (Logaddexp, 0) => (b, "1.0 + exp(b - a)"),
        (Logaddexp, _) => (b, "1.0 + exp(a - b)"),
        (Xlogy, _) => (b, "select(0u, 1u, a == 0.0 && b <= 0.0)"),
        _ => return Err(err!(Value, "internal: {:?} has no derivative term", op)),
    };
    let shape = broadcast_shapes(&a.shape, &second.shape)?;
    let out = empty(shape.clone(), if op == Xlogy { DType::Bool } else { DType::F32 }, name)?;
    let ins = [Operand::new(a, &shape, "a", "f32")?, Operand::new(second, &shape, "b", "f32")?];
    map(&format!("binary_grad:{}:{}", name, side), &ins, &out, body, &[])?;
    Ok(out)
}

pub fn where_(c: &Tensor, a: &Tensor, b: &Tensor, shape: alloc::vec::Vec<usize>) -> Result<Tensor> {
    let out = empty(shape.clone(), a.dtype(), "where")?;
    let ins = [Operand::new(c, &shape, "c", "")?, Operand::new(a, &shape, "a", "")?, Operand::new(b, &shape, "b", "")?];
    map("where", &ins, &out, "select(b, a, c != 0u)", &[])?;
    Ok(out)
}
