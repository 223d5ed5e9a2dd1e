//! conv2d and its gradients as direct kernels, mirroring backend/cpu/conv.rs's semantics
//! (ConvGeom: x [n, c*groups, h, w], w [o, c, kh, kw], y [n, o, oh, ow]). Every output
//! element is a sum its own thread (or workgroup) computes, so results are deterministic:
//! - conv2d: one thread per output, summing c*kh*kw taps;
//! - grad_input (and conv_transpose2d): a gather, each input pixel sums the (output, tap)
//!   pairs that reach it, no atomics;
//! - grad_weight, grad_bias: one workgroup per element, reducing over n*oh*ow in workgroup memory.
use alloc::string::String;
use alloc::vec::Vec;

use super::kernel::{empty, id};
use super::wgsl::{dense, header, per_element, per_group, GROUP_SUM, PER_ELEMENT, PER_GROUP};
use crate::backend::ConvGeom as Geom;
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

/// Uniform words: 0 the element count (set at launch), 1..=15 the geometry, 16 the groups
/// (low 16 bits) and whether a bias is bound (bit 16).
fn geom_words(g: &Geom, bias: bool) -> Result<Vec<u32>> {
    let a = g.a;
    if a.groups > 0xffff {
        return Err(crate::error::err!(Device, "convolutions with more than 65535 groups are not supported on webgpu"));
    }
    let v = [0, g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.oh, g.ow, a.stride[0], a.stride[1], a.padding[0], a.padding[1], a.dilation[0], a.dilation[1]];
    let mut u: Vec<u32> = v.iter().map(|&x| x as u32).collect();
    u.push(a.groups as u32 | ((bias as u32) << 16));
    Ok(u)
}

/// WGSL names for the geometry words.
const GEOM: &str = "  let N = w(1u); let C = w(2u); let H = w(3u); let W = w(4u); let O = w(5u);
  let KH = w(6u); let KW = w(7u); let OH = w(8u); let OW = w(9u);
  let S0 = w(10u); let S1 = w(11u); let P0 = w(12u); let P1 = w(13u); let D0 = w(14u); let D1 = w(15u);
  let G = w(16u) & 0xffffu; let HAS_BIAS = (w(16u) >> 16u) != 0u;
  let OG = O / G;
";

fn conv_src() -> String {
    let mut s = header(&[("X", "f32"), ("Wt", "f32"), ("Bias", "f32")], &[("Y", "f32")]);
    s.push_str(PER_ELEMENT);
    s.push_str(GEOM);
    s.push_str("  let ox = i % OW; let oy = (i / OW) % OH; let oc = (i / (OW * OH)) % O; let n = i / (OW * OH * O);
  let gi = oc / OG;
  var acc = 0.0;
  for (var ci = 0u; ci < C; ci = ci + 1u) {
    let xb = (n * C * G + gi * C + ci) * H * W;
    let wb = (oc * C + ci) * KH * KW;
    for (var ki = 0u; ki < KH; ki = ki + 1u) {
      let y = i32(oy * S0 + ki * D0) - i32(P0);
      if (y < 0 || y >= i32(H)) { continue; }
      for (var kj = 0u; kj < KW; kj = kj + 1u) {
        let x = i32(ox * S1 + kj * D1) - i32(P1);
        if (x < 0 || x >= i32(W)) { continue; }
        acc = acc + X[xb + u32(y) * W + u32(x)] * Wt[wb + ki * KW + kj];
      }
    }
  }
  if (HAS_BIAS) { acc = acc + Bias[oc]; }
  Y[i] = acc;
}
");
    s
}

fn grad_input_src() -> String {
    let mut s = header(&[("GY", "f32"), ("Wt", "f32"), ("Bias", "f32")], &[("DX", "f32")]);
    s.push_str(PER_ELEMENT);
    s.push_str(GEOM);
    s.push_str("  let x = i % W; let y = (i / W) % H; let ch = (i / (W * H)) % (C * G); let n = i / (W * H * C * G);
  let gi = ch / C; let ci = ch % C;
  var acc = 0.0;
  for (var oc = gi * OG; oc < (gi + 1u) * OG; oc = oc + 1u) {
    for (var ki = 0u; ki < KH; ki = ki + 1u) {
      // output rows oy with oy*S0 + ki*D0 - P0 == y
      let ty = i32(y + P0) - i32(ki * D0);
      if (ty < 0 || u32(ty) % S0 != 0u) { continue; }
      let oy = u32(ty) / S0;
      if (oy >= OH) { continue; }
      for (var kj = 0u; kj < KW; kj = kj + 1u) {
        let tx = i32(x + P1) - i32(kj * D1);
        if (tx < 0 || u32(tx) % S1 != 0u) { continue; }
        let ox = u32(tx) / S1;
        if (ox >= OW) { continue; }
        acc = acc + GY[((n * O + oc) * OH + oy) * OW + ox] * Wt[((oc * C + ci) * KH + ki) * KW + kj];
      }
    }
  }
  if (HAS_BIAS) { acc = acc + Bias[ch]; }
  DX[i] = acc;
}
");
    s
}

fn grad_weight_src() -> String {
    let mut s = header(&[("X", "f32"), ("GY", "f32")], &[("DW", "f32")]);
    s.push_str(PER_GROUP);
    s.push_str(GEOM);
    s.push_str("  let kj = e % KW; let ki = (e / KW) % KH; let ci = (e / (KW * KH)) % C; let oc = e / (KW * KH * C);
  let gi = oc / OG;
  var acc = 0.0;
  for (var q = t; q < N * OH * OW; q = q + 64u) {
    let ox = q % OW; let oy = (q / OW) % OH; let n = q / (OW * OH);
    let y = i32(oy * S0 + ki * D0) - i32(P0);
    let x = i32(ox * S1 + kj * D1) - i32(P1);
    if (y < 0 || y >= i32(H) || x < 0 || x >= i32(W)) { continue; }
    acc = acc + GY[((n * O + oc) * OH + oy) * OW + ox] * X[((n * C * G + gi * C + ci) * H + u32(y)) * W + u32(x)];
  }
");
    s.push_str(GROUP_SUM);
    s.push_str("  if (t == 0u) { DW[e] = part[0]; }\n}\n");
    s
}

fn grad_bias_src() -> String {
    let mut s = header(&[("GY", "f32")], &[("DB", "f32")]);
    s.push_str(PER_GROUP);
    s.push_str("  let N = w(1u); let O = w(2u); let P = w(3u);
  var acc = 0.0;
  for (var q = t; q < N * P; q = q + 64u) { acc = acc + GY[((q / P) * O + e) * P + q % P]; }
");
    s.push_str(GROUP_SUM);
    s.push_str("  if (t == 0u) { DB[e] = part[0]; }\n}\n");
    s
}

/// Runs the conv or gather kernel with an optional bias (absent: the weight is bound in its
/// place, never read).
fn with_bias(key: &str, src: fn() -> String, a: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &Geom, out_shape: Vec<usize>) -> Result<Tensor> {
    let (a, w) = (dense(a)?, dense(w)?);
    let b = b.map(dense).transpose()?;
    let out = empty(out_shape, DType::F32, key)?;
    let bias_id = match &b { Some(b) => id(b)?, None => id(&w)? };
    let binds = [id(&a)?, id(&w)?, bias_id, id(&out)?];
    let n = out.numel();
    per_element(key, 3, 1, src, &binds, geom_words(g, b.is_some())?, n)?;
    Ok(out)
}

pub fn conv2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &Geom) -> Result<Tensor> {
    with_bias("conv2d", conv_src, x, w, b, g, alloc::vec![g.n, g.o, g.oh, g.ow])
}

pub fn grad_input(gy: &Tensor, w: &Tensor, g: &Geom) -> Result<Tensor> {
    with_bias("conv2d_grad_input", grad_input_src, gy, w, None, g, alloc::vec![g.n, g.c * g.a.groups, g.h, g.w])
}

/// conv_transpose2d x [n, g.o, g.oh, g.ow] -> [n, c*groups, g.h, g.w]: conv2d's input gradient, plus bias.
pub fn conv_transpose2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &Geom) -> Result<Tensor> {
    with_bias("conv2d_grad_input", grad_input_src, x, w, b, g, alloc::vec![g.n, g.c * g.a.groups, g.h, g.w])
}

pub fn grad_weight(x: &Tensor, gy: &Tensor, g: &Geom) -> Result<Tensor> {
    let (x, gy) = (dense(x)?, dense(gy)?);
    let out = empty(alloc::vec![g.o, g.c, g.kh, g.kw], DType::F32, "conv2d")?;
    let binds = [id(&x)?, id(&gy)?, id(&out)?];
    per_group("conv2d_grad_weight", 2, 1, grad_weight_src, &binds, geom_words(g, false)?, out.numel())?;
    Ok(out)
}

/// dy [n, o, ..] summed over all but o.
pub fn grad_bias(gy: &Tensor) -> Result<Tensor> {
    let gy = dense(gy)?;
    let (n, o) = (gy.shape[0], gy.shape[1]);
    let plane: usize = gy.shape[2..].iter().product();
    // nothing to sum: zeros
    if n * plane == 0 { return super::creation::full(&[o], 0.0, DType::F32); }
    let out = empty(alloc::vec![o], DType::F32, "conv2d")?;
    let binds = [id(&gy)?, id(&out)?];
    per_group("conv2d_grad_bias", 1, 1, grad_bias_src, &binds, alloc::vec![0, n as u32, o as u32, plane as u32], o)?;
    Ok(out)
}
