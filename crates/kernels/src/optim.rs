//! Fused optimizer updates: one pass over (param, grad, state) per step, in place.
//!
//! Each kernel is PyTorch 1.13's single-tensor (`foreach=False`) update written out element
//! by element, with the same float32 operation order: hyper-parameters and the scalars torch
//! derives from them in Python (`1 - beta1`, `lr / bias_correction1`, ...) are computed in
//! f64 and rounded to f32 where torch passes them to a float32 tensor op; the per-element
//! arithmetic is f32. The remaining differences from torch are its fused multiply-adds in
//! vectorised `add_(x, alpha=a)` (an ulp now and then).
//!
//! Callers pass slices of equal length (the engine checks); a state slice that an option
//! does not use is `None`.
use crate::math::{sqrt, sqrt64};
use crate::parallel::{parallel_for, SyncPtr};

/// Elements per parallel range (a few tens of microseconds of Adam): a small parameter stays
/// on the calling thread. Each element's update is independent and the scalars derived from
/// the hyper-parameters are the same in every range, so any split gives the same bits.
pub const GRAIN: usize = 8 * 1024;

/// A mutable slice that ranges on several threads write disjoint parts of.
#[derive(Clone, Copy)]
struct Shared(SyncPtr<f32>, usize);
impl Shared {
    fn new(s: &mut [f32]) -> Self { Shared(SyncPtr::new(s), s.len()) }
    /// Elements lo..hi (clipped to the slice). Safety: no other range touches them meanwhile.
    unsafe fn part<'a>(self, lo: usize, hi: usize) -> &'a mut [f32] {
        let (lo, hi) = (lo.min(self.1), hi.min(self.1));
        core::slice::from_raw_parts_mut(self.0 .0.add(lo), hi - lo)
    }
}
fn shared(s: Option<&mut [f32]>) -> Option<Shared> { s.map(Shared::new) }


/// base^n for a step count n >= 0 (exponentiation by squaring in f64: a few ulps of f64 at
/// most, far below the f32 rounding the result goes through).
pub fn powi64(base: f64, n: u64) -> f64 {
    let (mut acc, mut b, mut e) = (1.0f64, base, n);
    while e > 0 {
        if e & 1 == 1 { acc *= b; }
        b *= b;
        e >>= 1;
    }
    acc
}

#[inline]
fn signed(g: f32, maximize: bool) -> f32 { if maximize { -g } else { g } }

/// torch.maximum: NaN propagates.
#[inline]
fn maximum(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() { f32::NAN } else if a > b { a } else { b }
}

/// SGD hyper-parameters (torch.optim.SGD).
#[derive(Clone, Copy, Debug)]
pub struct Sgd {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    pub maximize: bool,
}

/// One SGD step. With `momentum != 0` the buffer is required; `init_buf` marks the first
/// step, where torch sets the buffer to the (decayed) gradient instead of averaging into it.
fn sgd_range(param: &mut [f32], grad: &[f32], buf: Option<&mut [f32]>, init_buf: bool, h: &Sgd) {
    let n = param.len().min(grad.len());
    let wd = h.weight_decay as f32;
    let use_wd = h.weight_decay != 0.0;
    let neg_lr = (-h.lr) as f32;
    let mom = h.momentum as f32;
    let one_minus_damp = (1.0 - h.dampening) as f32;
    match buf {
        Some(buf) if h.momentum != 0.0 => {
            let n = n.min(buf.len());
            for i in 0..n {
                let p = param[i];
                let mut d = signed(grad[i], h.maximize);
                if use_wd { d += wd * p; }
                let b = if init_buf { d } else { buf[i] * mom + one_minus_damp * d };
                buf[i] = b;
                let step = if h.nesterov { d + mom * b } else { b };
                param[i] = p + neg_lr * step;
            }
        }
        _ => {
            for i in 0..n {
                let p = param[i];
                let mut d = signed(grad[i], h.maximize);
                if use_wd { d += wd * p; }
                param[i] = p + neg_lr * d;
            }
        }
    }
}

/// Adam / AdamW hyper-parameters. `step` is the step count after this step's increment
/// (1 on the first step). `decoupled` selects AdamW's decay (`p *= 1 - lr * weight_decay`)
/// instead of Adam's L2 term added to the gradient.
#[derive(Clone, Copy, Debug)]
pub struct Adam {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub step: u64,
    pub amsgrad: bool,
    pub maximize: bool,
    pub decoupled: bool,
}

/// One Adam (or AdamW) step. `max_exp_avg_sq` is required when `amsgrad`.
fn adam_range(
    param: &mut [f32],
    grad: &[f32],
    exp_avg: &mut [f32],
    exp_avg_sq: &mut [f32],
    max_exp_avg_sq: Option<&mut [f32]>,
    h: &Adam,
) {
    let n = param.len().min(grad.len()).min(exp_avg.len()).min(exp_avg_sq.len());
    let bias_correction1 = 1.0 - powi64(h.beta1, h.step);
    let bias_correction2 = 1.0 - powi64(h.beta2, h.step);
    let neg_step_size = (-(h.lr / bias_correction1)) as f32;
    let bc2_sqrt = sqrt64(bias_correction2) as f32;
    let b1 = h.beta1 as f32;
    let b2 = h.beta2 as f32;
    let one_minus_b1 = (1.0 - h.beta1) as f32;
    let one_minus_b2 = (1.0 - h.beta2) as f32;
    let eps = h.eps as f32;
    let l2 = !h.decoupled && h.weight_decay != 0.0;
    let wd = h.weight_decay as f32;
    let decay = (1.0 - h.lr * h.weight_decay) as f32;
    let mut vmax = max_exp_avg_sq.filter(|_| h.amsgrad);
    for i in 0..n {
        let mut p = param[i];
        let mut g = signed(grad[i], h.maximize);
        if h.decoupled {
            p *= decay;
        } else if l2 {
            g += wd * p;
        }
        let m = exp_avg[i] * b1 + one_minus_b1 * g;
        let v = exp_avg_sq[i] * b2 + one_minus_b2 * g * g;
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
        let v_used = match vmax.as_deref_mut() {
            Some(vm) if i < vm.len() => {
                let x = maximum(vm[i], v);
                vm[i] = x;
                x
            }
            _ => v,
        };
        let denom = sqrt(v_used) / bc2_sqrt + eps;
        param[i] = p + neg_step_size * m / denom;
    }
}

/// RMSprop hyper-parameters (torch.optim.RMSprop).
#[derive(Clone, Copy, Debug)]
pub struct RmsProp {
    pub lr: f64,
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub centered: bool,
    pub maximize: bool,
}

/// One RMSprop step. `grad_avg` is required when `centered`, `momentum_buf` when
/// `momentum > 0`.
fn rmsprop_range(
    param: &mut [f32],
    grad: &[f32],
    square_avg: &mut [f32],
    mut grad_avg: Option<&mut [f32]>,
    mut momentum_buf: Option<&mut [f32]>,
    h: &RmsProp,
) {
    let n = param.len().min(grad.len()).min(square_avg.len());
    let alpha = h.alpha as f32;
    let one_minus_alpha = (1.0 - h.alpha) as f32;
    let eps = h.eps as f32;
    let wd = h.weight_decay as f32;
    let use_wd = h.weight_decay != 0.0;
    let mom = h.momentum as f32;
    let neg_lr = (-h.lr) as f32;
    if !h.centered { grad_avg = None; }
    if h.momentum <= 0.0 { momentum_buf = None; }
    for i in 0..n {
        let p = param[i];
        let mut g = signed(grad[i], h.maximize);
        if use_wd { g += wd * p; }
        let sq = square_avg[i] * alpha + one_minus_alpha * g * g;
        square_avg[i] = sq;
        let avg = match grad_avg.as_deref_mut() {
            Some(ga) if i < ga.len() => {
                let a = ga[i] * alpha + one_minus_alpha * g;
                ga[i] = a;
                sqrt(sq + -1.0f32 * a * a)
            }
            _ => sqrt(sq),
        } + eps;
        match momentum_buf.as_deref_mut() {
            Some(buf) if i < buf.len() => {
                let b = buf[i] * mom + 1.0f32 * g / avg;
                buf[i] = b;
                param[i] = p + neg_lr * b;
            }
            _ => param[i] = p + neg_lr * g / avg,
        }
    }
}

/// Adagrad hyper-parameters. `step` is the step count after this step's increment.
#[derive(Clone, Copy, Debug)]
pub struct Adagrad {
    pub lr: f64,
    pub lr_decay: f64,
    pub weight_decay: f64,
    pub eps: f64,
    pub step: u64,
    pub maximize: bool,
}

/// One Adagrad step (dense gradients). `sum` starts at initial_accumulator_value.
fn adagrad_range(param: &mut [f32], grad: &[f32], sum: &mut [f32], h: &Adagrad) {
    let n = param.len().min(grad.len()).min(sum.len());
    let clr = h.lr / (1.0 + (h.step.saturating_sub(1)) as f64 * h.lr_decay);
    let neg_clr = (-clr) as f32;
    let eps = h.eps as f32;
    let wd = h.weight_decay as f32;
    let use_wd = h.weight_decay != 0.0;
    for i in 0..n {
        let p = param[i];
        let mut g = signed(grad[i], h.maximize);
        if use_wd { g += wd * p; }
        let s = sum[i] + 1.0f32 * g * g;
        sum[i] = s;
        let std = sqrt(s) + eps;
        param[i] = p + neg_clr * g / std;
    }
}

/// One SGD step on all threads (see `sgd_range`).
pub fn sgd(param: &mut [f32], grad: &[f32], buf: Option<&mut [f32]>, init_buf: bool, h: &Sgd) {
    let n = param.len().min(grad.len());
    let (p, b) = (Shared::new(param), shared(buf));
    parallel_for(n, GRAIN, |lo, hi, _| unsafe {
        sgd_range(p.part(lo, hi), &grad[lo..hi], b.map(|b| b.part(lo, hi)), init_buf, h)
    });
}

/// One Adam (or AdamW) step on all threads (see `adam_range`).
pub fn adam(param: &mut [f32], grad: &[f32], exp_avg: &mut [f32], exp_avg_sq: &mut [f32], max_exp_avg_sq: Option<&mut [f32]>, h: &Adam) {
    let n = param.len().min(grad.len()).min(exp_avg.len()).min(exp_avg_sq.len());
    let (p, m, v, vm) = (Shared::new(param), Shared::new(exp_avg), Shared::new(exp_avg_sq), shared(max_exp_avg_sq));
    parallel_for(n, GRAIN, |lo, hi, _| unsafe {
        adam_range(p.part(lo, hi), &grad[lo..hi], m.part(lo, hi), v.part(lo, hi), vm.map(|x| x.part(lo, hi)), h)
    });
}

/// One RMSprop step on all threads (see `rmsprop_range`).
pub fn rmsprop(param: &mut [f32], grad: &[f32], square_avg: &mut [f32], grad_avg: Option<&mut [f32]>, momentum_buf: Option<&mut [f32]>, h: &RmsProp) {
    let n = param.len().min(grad.len()).min(square_avg.len());
    let (p, sq, ga, mb) = (Shared::new(param), Shared::new(square_avg), shared(grad_avg), shared(momentum_buf));
    parallel_for(n, GRAIN, |lo, hi, _| unsafe {
        rmsprop_range(p.part(lo, hi), &grad[lo..hi], sq.part(lo, hi), ga.map(|x| x.part(lo, hi)), mb.map(|x| x.part(lo, hi)), h)
    });
}

/// One Adagrad step on all threads (see `adagrad_range`).
pub fn adagrad(param: &mut [f32], grad: &[f32], sum: &mut [f32], h: &Adagrad) {
    let n = param.len().min(grad.len()).min(sum.len());
    let (p, s) = (Shared::new(param), Shared::new(sum));
    parallel_for(n, GRAIN, |lo, hi, _| unsafe { adagrad_range(p.part(lo, hi), &grad[lo..hi], s.part(lo, hi), h) });
}


#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    fn close(a: &[f32], b: &[f64], tol: f64) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((*x as f64 - y).abs() <= tol * (1.0 + y.abs()), "{:?} vs {:?}", a, b);
        }
    }

    #[test]
    fn powi() {
        assert_eq!(powi64(0.9, 0), 1.0);
        assert!((powi64(0.9, 20) - 0.9f64.powi(20)).abs() < 1e-15);
        assert!((powi64(0.999, 1000) - 0.999f64.powi(1000)).abs() < 1e-13);
    }

    #[test]
    fn sgd_plain_and_weight_decay() {
        let mut p = vec![1.0f32, -2.0];
        let h = Sgd { lr: 0.1, momentum: 0.0, dampening: 0.0, weight_decay: 0.5, nesterov: false, maximize: false };
        sgd(&mut p, &[0.5, 1.0], None, false, &h);
        // d = g + 0.5 p = [1.0, 0.0]
        close(&p, &[0.9, -2.0], 1e-7);
        let h = Sgd { weight_decay: 0.0, maximize: true, ..h };
        sgd(&mut p, &[1.0, 1.0], None, false, &h);
        close(&p, &[1.0, -1.9], 1e-6);
    }

    #[test]
    fn sgd_momentum_first_step_copies_grad() {
        // Reference: the same recurrences in f64.
        let g: Vec<[f64; 2]> = vec![[1.0, -1.0], [0.5, 2.0], [-0.25, 0.0]];
        let (lr, mu, damp) = (0.1, 0.9, 0.2);
        for nesterov in [false, true] {
            let damp = if nesterov { 0.0 } else { damp };
            let mut p = vec![0.5f32, 0.25];
            let mut buf = vec![123.0f32, -7.0]; // junk: the first step must overwrite it
            let mut rp = [0.5f64, 0.25];
            let mut rb = [0.0f64; 2];
            for (t, gt) in g.iter().enumerate() {
                let gf: Vec<f32> = gt.iter().map(|&x| x as f32).collect();
                let h = Sgd { lr, momentum: mu, dampening: damp, weight_decay: 0.0, nesterov, maximize: false };
                sgd(&mut p, &gf, Some(&mut buf), t == 0, &h);
                for i in 0..2 {
                    rb[i] = if t == 0 { gt[i] } else { mu * rb[i] + (1.0 - damp) * gt[i] };
                    let d = if nesterov { gt[i] + mu * rb[i] } else { rb[i] };
                    rp[i] -= lr * d;
                }
                close(&p, &rp, 1e-6);
                close(&buf, &rb, 1e-6);
            }
        }
    }

    fn adam_ref(p: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64], vmax: &mut [f64], t: i32, lr: f64, b1: f64, b2: f64, eps: f64, wd: f64, ams: bool, decoupled: bool) {
        for i in 0..p.len() {
            let mut gi = g[i];
            if decoupled { p[i] *= 1.0 - lr * wd; } else { gi += wd * p[i]; }
            m[i] = b1 * m[i] + (1.0 - b1) * gi;
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
            vmax[i] = vmax[i].max(v[i]);
            let vu = if ams { vmax[i] } else { v[i] };
            let mhat = m[i] / (1.0 - b1.powi(t));
            let vhat = vu / (1.0 - b2.powi(t));
            p[i] -= lr * mhat / (vhat.sqrt() + eps);
        }
    }

    #[test]
    fn adam_matches_reference() {
        let grads = [[0.3f64, -1.2, 0.0], [0.1, 0.4, -2.0], [-0.5, 0.05, 1.0], [0.02, -0.3, 0.7]];
        for (ams, decoupled, wd) in [(false, false, 0.0), (true, false, 0.1), (false, true, 0.1), (true, true, 0.01)] {
            let mut p = vec![0.5f32, -0.25, 1.0];
            let (mut m, mut v, mut vm) = (vec![0f32; 3], vec![0f32; 3], vec![0f32; 3]);
            let mut rp = [0.5f64, -0.25, 1.0];
            let (mut rm, mut rv, mut rvm) = ([0f64; 3], [0f64; 3], [0f64; 3]);
            for (t, g) in grads.iter().enumerate() {
                let gf: Vec<f32> = g.iter().map(|&x| x as f32).collect();
                let h = Adam { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: wd, step: t as u64 + 1, amsgrad: ams, maximize: false, decoupled };
                adam(&mut p, &gf, &mut m, &mut v, Some(&mut vm), &h);
                adam_ref(&mut rp, g, &mut rm, &mut rv, &mut rvm, t as i32 + 1, 0.01, 0.9, 0.999, 1e-8, wd, ams, decoupled);
                close(&p, &rp, 1e-6);
                close(&m, &rm, 1e-6);
                close(&v, &rv, 1e-6);
            }
            if !ams { assert!(vm.iter().all(|&x| x == 0.0), "max_exp_avg_sq untouched without amsgrad"); }
        }
    }

    #[test]
    fn adam_maximize_negates_grad() {
        let h = Adam { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0.0, step: 1, amsgrad: false, maximize: true, decoupled: false };
        let mut p = vec![0.0f32];
        let (mut m, mut v) = (vec![0f32], vec![0f32]);
        adam(&mut p, &[2.0], &mut m, &mut v, None, &h);
        // First Adam step moves by ~lr in the sign direction: up for maximize.
        close(&p, &[0.1], 1e-5);
        close(&m, &[-0.2], 1e-6);
    }

    #[test]
    fn rmsprop_variants() {
        let grads = [[0.3f64, -1.2], [0.1, 0.4], [-0.5, 0.05]];
        for (centered, mom, wd) in [(false, 0.0, 0.0), (true, 0.0, 0.0), (false, 0.9, 0.1), (true, 0.5, 0.01)] {
            let (lr, alpha, eps) = (0.01, 0.99, 1e-8);
            let mut p = vec![0.5f32, -0.25];
            let (mut sq, mut ga, mut buf) = (vec![0f32; 2], vec![0f32; 2], vec![0f32; 2]);
            let mut rp = [0.5f64, -0.25];
            let (mut rsq, mut rga, mut rbuf) = ([0f64; 2], [0f64; 2], [0f64; 2]);
            for g in grads.iter() {
                let gf: Vec<f32> = g.iter().map(|&x| x as f32).collect();
                let h = RmsProp { lr, alpha, eps, weight_decay: wd, momentum: mom, centered, maximize: false };
                rmsprop(&mut p, &gf, &mut sq, Some(&mut ga), Some(&mut buf), &h);
                for i in 0..2 {
                    let gi = g[i] + wd * rp[i];
                    rsq[i] = alpha * rsq[i] + (1.0 - alpha) * gi * gi;
                    let avg = if centered {
                        rga[i] = alpha * rga[i] + (1.0 - alpha) * gi;
                        (rsq[i] - rga[i] * rga[i]).sqrt()
                    } else { rsq[i].sqrt() } + eps;
                    if mom > 0.0 {
                        rbuf[i] = mom * rbuf[i] + gi / avg;
                        rp[i] -= lr * rbuf[i];
                    } else {
                        rp[i] -= lr * gi / avg;
                    }
                }
                close(&p, &rp, 1e-5);
                close(&sq, &rsq, 1e-6);
            }
            if !centered { assert!(ga.iter().all(|&x| x == 0.0)); }
            if mom == 0.0 { assert!(buf.iter().all(|&x| x == 0.0)); }
        }
    }

    #[test]
    fn adagrad_lr_decay_and_init() {
        let grads = [[0.3f64, -1.2], [0.1, 0.4], [-0.5, 0.05]];
        let (lr, decay, init, eps, wd) = (0.1, 0.05, 0.1, 1e-10, 0.01);
        let mut p = vec![0.5f32, -0.25];
        let mut s = vec![init as f32; 2];
        let mut rp = [0.5f64, -0.25];
        let mut rs = [init; 2];
        for (t, g) in grads.iter().enumerate() {
            let gf: Vec<f32> = g.iter().map(|&x| x as f32).collect();
            let h = Adagrad { lr, lr_decay: decay, weight_decay: wd, eps, step: t as u64 + 1, maximize: false };
            adagrad(&mut p, &gf, &mut s, &h);
            let clr = lr / (1.0 + t as f64 * decay);
            for i in 0..2 {
                let gi = g[i] + wd * rp[i];
                rs[i] += gi * gi;
                rp[i] -= clr * gi / (rs[i].sqrt() + eps);
            }
            close(&p, &rp, 1e-6);
            close(&s, &rs, 1e-6);
        }
    }

    #[test]
    fn empty_slices_are_fine() {
        let h = Adagrad { lr: 0.1, lr_decay: 0.0, weight_decay: 0.0, eps: 1e-10, step: 1, maximize: false };
        adagrad(&mut [], &[], &mut [], &h);
    }
    /// Every step gives the same bits on 1..4 threads (sizes that split into many ranges).
    #[test]
    fn steps_are_bit_identical_for_any_thread_count() {
        use crate::parallel::with_threads;
        let n = 5 * GRAIN + 123;
        let gen = |seed: u32| -> Vec<f32> {
            let mut x = seed.wrapping_mul(2654435761) | 1;
            (0..n).map(|_| { x ^= x << 13; x ^= x >> 17; x ^= x << 5; (x as f32 / u32::MAX as f32) - 0.5 }).collect()
        };
        let (p0, g) = (gen(1), gen(2));
        let run = |t: usize| with_threads(t, || {
            let mut out: Vec<Vec<f32>> = Vec::new();
            let (mut p, mut b) = (p0.clone(), vec![0f32; n]);
            let h = Sgd { lr: 0.1, momentum: 0.9, dampening: 0.1, weight_decay: 0.01, nesterov: false, maximize: false };
            for step in 0..3 { sgd(&mut p, &g, Some(&mut b), step == 0, &h); }
            out.extend([p, b]);
            let (mut p, mut m, mut v, mut vm) = (p0.clone(), vec![0f32; n], vec![0f32; n], vec![0f32; n]);
            for step in 1..4 {
                let h = Adam { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01, step, amsgrad: true, maximize: false, decoupled: step % 2 == 0 };
                adam(&mut p, &g, &mut m, &mut v, Some(&mut vm), &h);
            }
            out.extend([p, m, v, vm]);
            let (mut p, mut sq, mut ga, mut mb) = (p0.clone(), vec![0f32; n], vec![0f32; n], vec![0f32; n]);
            let h = RmsProp { lr: 0.01, alpha: 0.99, eps: 1e-8, weight_decay: 0.01, momentum: 0.5, centered: true, maximize: false };
            for _ in 0..3 { rmsprop(&mut p, &g, &mut sq, Some(&mut ga), Some(&mut mb), &h); }
            out.extend([p, sq, ga, mb]);
            let (mut p, mut s) = (p0.clone(), vec![0.1f32; n]);
            for step in 1..4 {
                let h = Adagrad { lr: 0.1, lr_decay: 0.01, weight_decay: 0.01, eps: 1e-10, step, maximize: false };
                adagrad(&mut p, &g, &mut s, &h);
            }
            out.extend([p, s]);
            out.into_iter().map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()).collect::<Vec<_>>()
        });
        let one = run(1);
        for t in [2, 3, 4] { assert!(run(t) == one, "{t} threads differ from 1"); }
    }
}
