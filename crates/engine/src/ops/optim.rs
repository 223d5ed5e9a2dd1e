//! Fused optimizer steps: checked wrappers around the backend's steps (on the CPU,
//! `kd_kernels::optim`) that update a parameter and its state tensors in place.
//!
//! Rules: everything is float32 on the parameter's device; the parameter and its state
//! tensors must be contiguous, of the parameter's shape, and must not share memory with one another; the
//! gradient must have the parameter's shape and may be strided (it is then gathered into a
//! temporary), and may alias anything (it is then copied first). Every written storage has
//! its version bumped, so autograd notices a parameter that a saved graph still needs.
//! Nothing here panics on user input: each problem is a typed error.
use alloc::vec::Vec;

use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::fmt_shape;
use crate::tensor::Tensor;

pub use kd_kernels::optim::{Adagrad, Adam, RmsProp, Sgd};

fn check_f32(op: &str, what: &str, t: &Tensor, param: &Tensor) -> Result<()> {
    if t.dtype() != DType::F32 {
        bail!(DType, "{}: {} must be float32, got {}", op, what, t.dtype().name());
    }
    if t.device() != param.device() {
        bail!(Device, "{}: {} is on {} but the parameter is on {}", op, what, t.device().name(), param.device().name());
    }
    Ok(())
}

fn check_finite(op: &str, name: &str, v: f64) -> Result<()> {
    if !v.is_finite() { bail!(Value, "{}: {} must be a finite number, got {}", op, name, v); }
    Ok(())
}

fn check_nonneg(op: &str, name: &str, v: f64) -> Result<()> {
    check_finite(op, name, v)?;
    if v < 0.0 { bail!(Value, "{}: Invalid {} value: {}", op, name, v); }
    Ok(())
}

/// A step count from the ABI: a positive integer.
pub fn step_count(op: &str, step: f64) -> Result<u64> {
    if !(step >= 1.0 && step <= 9.007_199_254_740_992e15) || step != kd_kernels::math::floor64(step) {
        bail!(Value, "{}: step must be a positive integer (the count after this step), got {}", op, step);
    }
    Ok(step as u64)
}

/// Checks a step's tensors, runs `f(backend, grad)` (the grad made contiguous and unaliased),
/// then bumps the written versions. `states` are written; `None` entries are absent.
fn run(
    op: &str,
    param: &Tensor,
    grad: &Tensor,
    states: &[(&str, Option<&Tensor>)],
    f: impl FnOnce(&dyn crate::backend::Backend, &Tensor) -> Result<()>,
) -> Result<()> {
    check_f32(op, "param", param, param)?;
    check_f32(op, "grad", grad, param)?;
    if !param.is_contiguous() {
        bail!(Value, "{}: the parameter must be contiguous (got strides {:?} for shape {})", op, param.strides, fmt_shape(&param.shape));
    }
    if grad.shape != param.shape {
        bail!(Shape, "{}: grad of shape {} does not match the parameter's shape {}", op, fmt_shape(&grad.shape), fmt_shape(&param.shape));
    }
    let written: Vec<(&str, &Tensor)> = states.iter().filter_map(|(n, t)| t.map(|t| (*n, t))).collect();
    for (name, t) in &written {
        check_f32(op, name, t, param)?;
        if t.shape != param.shape {
            bail!(Shape, "{}: state '{}' of shape {} does not match the parameter's shape {}", op, name, fmt_shape(&t.shape), fmt_shape(&param.shape));
        }
        if !t.is_contiguous() {
            bail!(Value, "{}: state '{}' must be contiguous", op, name);
        }
    }
    // Distinct storages for everything written (two RefCell borrows of one would trap).
    let mut all: Vec<(&str, &Tensor)> = Vec::with_capacity(written.len() + 1);
    all.push(("param", param));
    all.extend(written.iter().copied());
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            if alloc::rc::Rc::ptr_eq(&all[i].1.storage, &all[j].1.storage) {
                bail!(Value, "{}: '{}' and '{}' share memory; each optimizer state tensor needs storage of its own", op, all[i].0, all[j].0);
            }
        }
    }
    let aliased = all.iter().any(|(_, t)| alloc::rc::Rc::ptr_eq(&t.storage, &grad.storage));
    let grad = if aliased || !grad.is_contiguous() { grad.deep_copy()? } else { grad.clone() };
    f(crate::backend::of(param.device()), &grad)?;
    for (_, t) in &all {
        t.storage.version.set(t.storage.version.get().wrapping_add(1));
    }
    Ok(())
}

fn check_lr(op: &str, lr: f64) -> Result<()> {
    check_finite(op, "lr", lr)?;
    if lr < 0.0 { bail!(Value, "{}: Invalid learning rate: {}", op, lr); }
    Ok(())
}

fn check_beta(op: &str, i: usize, b: f64) -> Result<()> {
    if !(0.0..1.0).contains(&b) { bail!(Value, "{}: Invalid beta parameter at index {}: {}", op, i, b); }
    Ok(())
}

/// One SGD step. `buf` is needed when momentum != 0; `init_buf` says it is the first step
/// (torch then sets the buffer to the gradient).
pub fn sgd_step(param: &Tensor, grad: &Tensor, buf: Option<&Tensor>, init_buf: bool, h: &Sgd) -> Result<()> {
    let op = "sgd";
    check_lr(op, h.lr)?;
    check_nonneg(op, "momentum", h.momentum)?;
    check_finite(op, "dampening", h.dampening)?;
    check_nonneg(op, "weight_decay", h.weight_decay)?;
    if h.nesterov && (h.momentum <= 0.0 || h.dampening != 0.0) {
        bail!(Value, "{}: Nesterov momentum requires a momentum and zero dampening", op);
    }
    if h.momentum != 0.0 && buf.is_none() {
        bail!(Value, "{}: momentum {} needs a momentum buffer", op, h.momentum);
    }
    let buf = if h.momentum != 0.0 { buf } else { None };
    run(op, param, grad, &[("momentum_buffer", buf)], |be, g| be.sgd(param, g, buf, init_buf, h))
}

/// One Adam (`h.decoupled == false`) or AdamW step; `max_exp_avg_sq` is needed with amsgrad.
pub fn adam_step(param: &Tensor, grad: &Tensor, exp_avg: &Tensor, exp_avg_sq: &Tensor, max_exp_avg_sq: Option<&Tensor>, h: &Adam) -> Result<()> {
    let op = if h.decoupled { "adamw" } else { "adam" };
    check_lr(op, h.lr)?;
    check_beta(op, 0, h.beta1)?;
    check_beta(op, 1, h.beta2)?;
    check_nonneg(op, "epsilon", h.eps)?;
    check_nonneg(op, "weight_decay", h.weight_decay)?;
    if h.step == 0 { bail!(Value, "{}: step must be at least 1", op); }
    if h.amsgrad && max_exp_avg_sq.is_none() {
        bail!(Value, "{}: amsgrad needs a max_exp_avg_sq state tensor", op);
    }
    let vmax = if h.amsgrad { max_exp_avg_sq } else { None };
    run(op, param, grad, &[("exp_avg", Some(exp_avg)), ("exp_avg_sq", Some(exp_avg_sq)), ("max_exp_avg_sq", vmax)], |be, g| {
        be.adam(param, g, exp_avg, exp_avg_sq, vmax, h)
    })
}

/// One RMSprop step; `grad_avg` is needed when centered, `momentum_buffer` when momentum > 0.
pub fn rmsprop_step(param: &Tensor, grad: &Tensor, square_avg: &Tensor, grad_avg: Option<&Tensor>, momentum_buffer: Option<&Tensor>, h: &RmsProp) -> Result<()> {
    let op = "rmsprop";
    check_lr(op, h.lr)?;
    check_nonneg(op, "alpha", h.alpha)?;
    check_nonneg(op, "epsilon", h.eps)?;
    check_nonneg(op, "momentum", h.momentum)?;
    check_nonneg(op, "weight_decay", h.weight_decay)?;
    if h.centered && grad_avg.is_none() { bail!(Value, "{}: centered needs a grad_avg state tensor", op); }
    if h.momentum > 0.0 && momentum_buffer.is_none() { bail!(Value, "{}: momentum {} needs a momentum buffer", op, h.momentum); }
    let ga = if h.centered { grad_avg } else { None };
    let mb = if h.momentum > 0.0 { momentum_buffer } else { None };
    run(op, param, grad, &[("square_avg", Some(square_avg)), ("grad_avg", ga), ("momentum_buffer", mb)], |be, g| {
        be.rmsprop(param, g, square_avg, ga, mb, h)
    })
}

/// One Adagrad step.
pub fn adagrad_step(param: &Tensor, grad: &Tensor, sum: &Tensor, h: &Adagrad) -> Result<()> {
    let op = "adagrad";
    check_lr(op, h.lr)?;
    check_nonneg(op, "lr_decay", h.lr_decay)?;
    check_nonneg(op, "weight_decay", h.weight_decay)?;
    check_nonneg(op, "epsilon", h.eps)?;
    if h.step == 0 { bail!(Value, "{}: step must be at least 1", op); }
    run(op, param, grad, &[("sum", Some(sum))], |be, g| be.adagrad(param, g, sum, h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use alloc::vec;

    fn t(v: &[f32], shape: &[usize]) -> Tensor { Tensor::from_vec(v.to_vec(), shape.to_vec()) }

    #[test]
    fn sgd_updates_in_place_and_bumps_version() {
        let p = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
        let g = t(&[1.0, 1.0, 1.0, 1.0], &[2, 2]);
        let v0 = p.storage.version.get();
        sgd_step(&p, &g, None, false, &Sgd { lr: 0.5, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: false, maximize: false }).unwrap();
        assert_eq!(p.to_vec::<f32>().unwrap(), vec![0.5, 1.5, 2.5, 3.5]);
        assert_eq!(p.storage.version.get(), v0 + 1);
    }

    #[test]
    fn strided_grad_is_gathered() {
        let p = t(&[0.0; 4], &[2, 2]);
        let g = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]).transpose(0, 1).unwrap();
        sgd_step(&p, &g, None, false, &Sgd { lr: 1.0, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: false, maximize: false }).unwrap();
        assert_eq!(p.to_vec::<f32>().unwrap(), vec![-1.0, -3.0, -2.0, -4.0]);
    }

    #[test]
    fn grad_aliasing_param_is_copied() {
        let p = t(&[1.0, 2.0], &[2]);
        let g = p.clone();
        sgd_step(&p, &g, None, false, &Sgd { lr: 0.5, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: false, maximize: false }).unwrap();
        assert_eq!(p.to_vec::<f32>().unwrap(), vec![0.5, 1.0]);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let h = Adam { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, step: 1, amsgrad: false, maximize: false, decoupled: false };
        let p = t(&[1.0, 2.0], &[2]);
        let g = t(&[1.0, 2.0], &[2]);
        let m = t(&[0.0; 2], &[2]);
        let v = t(&[0.0; 2], &[2]);
        // shape mismatch
        let e = adam_step(&p, &t(&[1.0], &[1]), &m, &v, None, &h).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Shape);
        // state sharing storage with the param
        let e = adam_step(&p, &g, &p, &v, None, &h).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Value);
        // non-contiguous state
        let m2 = t(&[0.0; 4], &[2, 2]).transpose(0, 1).unwrap();
        let p2 = t(&[0.0; 4], &[2, 2]);
        let e = adam_step(&p2, &t(&[0.0; 4], &[2, 2]), &m2, &t(&[0.0; 4], &[2, 2]), None, &h).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Value);
        // dtype
        let pi = Tensor::from_vec(vec![1i32, 2], vec![2]);
        assert_eq!(adam_step(&pi, &g, &m, &v, None, &h).unwrap_err().kind, ErrorKind::DType);
        // hyper-parameters
        assert_eq!(adam_step(&p, &g, &m, &v, None, &Adam { lr: -1.0, ..h }).unwrap_err().kind, ErrorKind::Value);
        assert_eq!(adam_step(&p, &g, &m, &v, None, &Adam { beta1: 1.0, ..h }).unwrap_err().kind, ErrorKind::Value);
        assert_eq!(adam_step(&p, &g, &m, &v, None, &Adam { amsgrad: true, ..h }).unwrap_err().kind, ErrorKind::Value);
        assert_eq!(step_count("adam", 0.0).unwrap_err().kind, ErrorKind::Value);
        assert_eq!(step_count("adam", 1.5).unwrap_err().kind, ErrorKind::Value);
        assert_eq!(step_count("adam", f64::NAN).unwrap_err().kind, ErrorKind::Value);
        assert_eq!(step_count("adam", 3.0).unwrap(), 3);
        let s = Sgd { lr: 0.1, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: true, maximize: false };
        assert_eq!(sgd_step(&p, &g, None, false, &s).unwrap_err().kind, ErrorKind::Value);
        assert_eq!(sgd_step(&p, &g, None, false, &Sgd { nesterov: false, momentum: 0.9, ..s }).unwrap_err().kind, ErrorKind::Value);
        // nothing was written by the failed calls
        assert_eq!(p.to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
    }

    #[test]
    fn adagrad_and_rmsprop_run() {
        let p = t(&[1.0, -1.0], &[2]);
        let g = t(&[0.5, -0.5], &[2]);
        let s = t(&[0.0; 2], &[2]);
        adagrad_step(&p, &g, &s, &Adagrad { lr: 0.1, lr_decay: 0.0, weight_decay: 0.0, eps: 1e-10, step: 1, maximize: false }).unwrap();
        let out = p.to_vec::<f32>().unwrap();
        assert!((out[0] - 0.9).abs() < 1e-6 && (out[1] + 0.9).abs() < 1e-6);
        let sq = t(&[0.0; 2], &[2]);
        let ga = t(&[0.0; 2], &[2]);
        let h = RmsProp { lr: 0.01, alpha: 0.99, eps: 1e-8, weight_decay: 0.0, momentum: 0.0, centered: true, maximize: false };
        rmsprop_step(&p, &g, &sq, Some(&ga), None, &h).unwrap();
        assert!(ga.to_vec::<f32>().unwrap()[0] != 0.0);
        assert_eq!(rmsprop_step(&p, &g, &sq, None, None, &h).unwrap_err().kind, ErrorKind::Value);
    }
}
