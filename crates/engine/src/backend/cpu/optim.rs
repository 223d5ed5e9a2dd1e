//! Fused optimizer steps on host slices: the parameter and its states are written in place
//! (ops/optim.rs has checked them: float32, contiguous, distinct storages, grad contiguous
//! and not aliased).
use alloc::vec::Vec;
use core::cell::RefMut;

use crate::dtype::Elem;
use crate::error::Result;
use crate::ops::optim::{Adagrad, Adam, RmsProp, Sgd};
use crate::storage::Buffer;
use crate::tensor::Tensor;
use kd_kernels::optim as k;

/// Runs `f(param, grad, states)` on the slices; `None` states stay `None`.
fn run(param: &Tensor, grad: &Tensor, states: &[Option<&Tensor>], f: impl FnOnce(&mut [f32], &[f32], &mut [Option<&mut [f32]>])) -> Result<()> {
    let n = param.numel();
    let gb = grad.storage.buf.borrow();
    let g = &f32::try_slice(&gb)?[grad.offset..grad.offset + n];
    let mut pb = param.storage.buf.borrow_mut();
    let p = &mut f32::slice_mut(&mut pb)[param.offset..param.offset + n];
    let mut guards: Vec<Option<(RefMut<Buffer>, usize)>> = states
        .iter()
        .map(|t| t.map(|t| (t.storage.buf.borrow_mut(), t.offset)))
        .collect();
    let mut slices: Vec<Option<&mut [f32]>> = guards
        .iter_mut()
        .map(|g| g.as_mut().map(|(b, off)| &mut f32::slice_mut(b)[*off..*off + n]))
        .collect();
    f(p, g, &mut slices);
    Ok(())
}

pub fn sgd(param: &Tensor, grad: &Tensor, buf: Option<&Tensor>, init_buf: bool, h: &Sgd) -> Result<()> {
    run(param, grad, &[buf], |p, g, s| k::sgd(p, g, s[0].as_deref_mut(), init_buf, h))
}

pub fn adam(param: &Tensor, grad: &Tensor, exp_avg: &Tensor, exp_avg_sq: &Tensor, vmax: Option<&Tensor>, h: &Adam) -> Result<()> {
    run(param, grad, &[Some(exp_avg), Some(exp_avg_sq), vmax], |p, g, s| {
        let [a, b, c] = s else { return };
        if let (Some(a), Some(b)) = (a.as_deref_mut(), b.as_deref_mut()) {
            k::adam(p, g, a, b, c.as_deref_mut(), h);
        }
    })
}

pub fn rmsprop(param: &Tensor, grad: &Tensor, square_avg: &Tensor, ga: Option<&Tensor>, mb: Option<&Tensor>, h: &RmsProp) -> Result<()> {
    run(param, grad, &[Some(square_avg), ga, mb], |p, g, s| {
        let [a, b, c] = s else { return };
        if let Some(a) = a.as_deref_mut() {
            k::rmsprop(p, g, a, b.as_deref_mut(), c.as_deref_mut(), h);
        }
    })
}

pub fn adagrad(param: &Tensor, grad: &Tensor, sum: &Tensor, h: &Adagrad) -> Result<()> {
    run(param, grad, &[Some(sum)], |p, g, s| {
        if let Some(a) = s[0].as_deref_mut() { k::adagrad(p, g, a, h); }
    })
}
