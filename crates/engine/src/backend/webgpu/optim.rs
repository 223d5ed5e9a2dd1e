//! Fused optimizer steps on the GPU, in place: one thread per element updates the parameter and
//! its states, with crates/kernels/src/optim.rs's float32 operation order (the scalars torch
//! derives in Python are computed here in f64, as there, and passed as f32 words). ops/optim.rs
//! has checked the tensors: float32, contiguous, distinct storages, the grad not aliased.
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::kernel::{grid, id, on_gpu};
use super::shader::{header, launch, thread_main};
use crate::error::Result;
use crate::ops::optim::{Adagrad, Adam, RmsProp, Sgd};
use crate::tensor::Tensor;
use kd_kernels::math::sqrt64;
use kd_kernels::optim::powi64;

/// Hyper-parameter words start here (words 0..8: n, grad offset, param offset, state offsets).
const HYPER: usize = 8;

/// Runs `body` (WGSL statements over `p` = P[ip], `g` = G[ig], and each state array `NAME`
/// at index `i_NAME`) for every element. `hyper` are f32 (`hf(k)`) or flag (`hu(k)`) words.
fn step(key: &str, param: &Tensor, grad: &Tensor, states: &[(&'static str, &Tensor)], hyper: &[u32], body: &str) -> Result<()> {
    let n = param.numel();
    if n == 0 { return Ok(()); }
    let grad = on_gpu(grad)?;
    let mut u: Vec<u32> = Vec::with_capacity(HYPER + hyper.len());
    u.extend([n as u32, grad.offset as u32, param.offset as u32]);
    u.extend(states.iter().map(|(_, t)| t.offset as u32));
    u.resize(HYPER, 0);
    u.extend_from_slice(hyper);
    let mut binds = alloc::vec![id(&grad)?, id(param)?];
    for (_, t) in states { binds.push(id(t)?); }
    let names: Vec<&str> = states.iter().map(|(s, _)| *s).collect();
    let full_key = format!("{}:{}", key, names.join(","));
    let words = u.len();
    launch(&full_key, &binds, 1, u, grid(n), || {
        let mut rws: Vec<(&str, &str)> = alloc::vec![("P", "f32")];
        rws.extend(names.iter().map(|s| (*s, "f32")));
        let mut s = header(&[("G", "f32")], &rws, words);
        let _ = writeln!(s, "fn hf(k: u32) -> f32 {{ return wf({}u + k); }}\nfn hu(k: u32) -> u32 {{ return w({}u + k); }}", HYPER, HYPER);
        s.push_str(&thread_main(0));
        s.push_str("  let ig = w(1u) + i;\n  let ip = w(2u) + i;\n  var g = G[ig];\n  var p = P[ip];\n");
        for (j, name) in names.iter().enumerate() { let _ = writeln!(s, "  let i_{} = w({}u) + i;", name, 3 + j); }
        s.push_str(body);
        s.push_str("}\n");
        s
    })
}

fn f(x: f64) -> u32 { (x as f32).to_bits() }
fn flag(b: bool) -> u32 { b as u32 }

pub fn sgd(param: &Tensor, grad: &Tensor, buf: Option<&Tensor>, init_buf: bool, h: &Sgd) -> Result<()> {
    let hyper = [f(h.weight_decay), f(-h.lr), f(h.momentum), f(1.0 - h.dampening), flag(h.maximize), flag(h.weight_decay != 0.0), flag(init_buf), flag(h.nesterov)];
    let head = "  if (hu(4u) != 0u) { g = -g; }\n  if (hu(5u) != 0u) { g = g + hf(0u) * p; }\n";
    match buf {
        Some(b) if h.momentum != 0.0 => {
            let body = String::from(head) + "  var b = BUF[i_BUF] * hf(2u) + hf(3u) * g;
  if (hu(6u) != 0u) { b = g; }
  BUF[i_BUF] = b;
  var st = b;
  if (hu(7u) != 0u) { st = g + hf(2u) * b; }
  P[ip] = p + hf(1u) * st;
";
            step("sgd", param, grad, &[("BUF", b)], &hyper, &body)
        }
        _ => step("sgd", param, grad, &[], &hyper, &(String::from(head) + "  P[ip] = p + hf(1u) * g;\n")),
    }
}

pub fn adam(param: &Tensor, grad: &Tensor, exp_avg: &Tensor, exp_avg_sq: &Tensor, vmax: Option<&Tensor>, h: &Adam) -> Result<()> {
    let bc1 = 1.0 - powi64(h.beta1, h.step);
    let bc2 = 1.0 - powi64(h.beta2, h.step);
    let hyper = [
        f(h.beta1), f(h.beta2), f(1.0 - h.beta1), f(1.0 - h.beta2), f(h.eps), f(h.weight_decay), f(1.0 - h.lr * h.weight_decay),
        f(-(h.lr / bc1)), (sqrt64(bc2) as f32).to_bits(),
        flag(h.maximize), flag(h.decoupled), flag(!h.decoupled && h.weight_decay != 0.0),
    ];
    let mut body = String::from(
        "  if (hu(9u) != 0u) { g = -g; }
  if (hu(10u) != 0u) { p = p * hf(6u); } else if (hu(11u) != 0u) { g = g + hf(5u) * p; }
  let m = M[i_M] * hf(0u) + hf(2u) * g;
  let v = V[i_V] * hf(1u) + hf(3u) * g * g;
  M[i_M] = m;
  V[i_V] = v;
",
    );
    let mut states = alloc::vec![("M", exp_avg), ("V", exp_avg_sq)];
    match vmax.filter(|_| h.amsgrad) {
        Some(vm) => {
            states.push(("VMAX", vm));
            // torch.maximum: NaN propagates
            body.push_str("  let vm = VMAX[i_VMAX];\n  let vu = select(max(vm, v), vm + v, isnan_t(vm) || isnan_t(v));\n  VMAX[i_VMAX] = vu;\n");
        }
        None => body.push_str("  let vu = v;\n"),
    }
    body.push_str("  let denom = sqrt(vu) / hf(8u) + hf(4u);\n  P[ip] = p + hf(7u) * m / denom;\n");
    step("adam", param, grad, &states, &hyper, &body)
}

pub fn rmsprop(param: &Tensor, grad: &Tensor, square_avg: &Tensor, ga: Option<&Tensor>, mb: Option<&Tensor>, h: &RmsProp) -> Result<()> {
    let hyper = [f(h.alpha), f(1.0 - h.alpha), f(h.eps), f(h.weight_decay), f(h.momentum), f(-h.lr), flag(h.maximize), flag(h.weight_decay != 0.0)];
    let mut body = String::from(
        "  if (hu(6u) != 0u) { g = -g; }
  if (hu(7u) != 0u) { g = g + hf(3u) * p; }
  let sq = SQ[i_SQ] * hf(0u) + hf(1u) * g * g;
  SQ[i_SQ] = sq;
",
    );
    let mut states = alloc::vec![("SQ", square_avg)];
    match ga.filter(|_| h.centered) {
        Some(ga) => {
            states.push(("GA", ga));
            body.push_str("  let a = GA[i_GA] * hf(0u) + hf(1u) * g;\n  GA[i_GA] = a;\n  let avg = sqrt(sq + -1.0 * a * a) + hf(2u);\n");
        }
        None => body.push_str("  let avg = sqrt(sq) + hf(2u);\n"),
    }
    match mb.filter(|_| h.momentum > 0.0) {
        Some(mb) => {
            states.push(("MB", mb));
            body.push_str("  let b = MB[i_MB] * hf(4u) + 1.0 * g / avg;\n  MB[i_MB] = b;\n  P[ip] = p + hf(5u) * b;\n");
        }
        None => body.push_str("  P[ip] = p + hf(5u) * g / avg;\n"),
    }
    step("rmsprop", param, grad, &states, &hyper, &body)
}

pub fn adagrad(param: &Tensor, grad: &Tensor, sum: &Tensor, h: &Adagrad) -> Result<()> {
    let clr = h.lr / (1.0 + (h.step.saturating_sub(1)) as f64 * h.lr_decay);
    let hyper = [f(-clr), f(h.eps), f(h.weight_decay), flag(h.maximize), flag(h.weight_decay != 0.0)];
    let body = "  if (hu(3u) != 0u) { g = -g; }
  if (hu(4u) != 0u) { g = g + hf(2u) * p; }
  let s = SUM[i_SUM] + 1.0 * g * g;
  SUM[i_SUM] = s;
  let sd = sqrt(s) + hf(1u);
  P[ip] = p + hf(0u) * g / sd;
";
    step("adagrad", param, grad, &[("SUM", sum)], &hyper, body)
}
