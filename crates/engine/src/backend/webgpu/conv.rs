//! conv2d and its gradients as implicit GEMMs on the tiled kernel (gemm.rs), mirroring
//! backend/cpu/conv.rs's semantics (ConvGeom: x [n, c*groups, h, w], w [o, c, kh, kw],
//! y [n, o, oh, ow]). The image patches are read where they lie, never copied to an im2col
//! buffer, and every output element is one thread's sum, so results are deterministic:
//! - conv2d, per (sample, group): Y [og, oh*ow] = W [og, c*kh*kw] · patches [c*kh*kw, oh*ow];
//! - grad_weight, per group: dW [og, c*kh*kw] = dY [og, n*oh*ow] · patchesᵀ, samples folded
//!   into k, which is split in chunks whose partial products are then summed in order;
//! - grad_input (and conv_transpose2d), per (sample, group): a gather, dX [c, h*w] =
//!   Wᵀ [c, og*kh*kw] · dY taps [og*kh*kw, h*w], where the tap of an (output, kernel) pair that
//!   misses the pixel (stride, padding) reads 0; no atomics;
//! - grad_bias: one workgroup per channel, reducing in workgroup memory.
use alloc::string::String;
use alloc::vec::Vec;

use super::gemm;
use super::kernel::{empty, id};
use super::wgsl::{dense, header, per_element, per_group, GROUP_SUM, PER_ELEMENT, PER_GROUP};
use crate::backend::ConvGeom as Geom;
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

/// Uniform words after the GEMM's: 8..=22 the geometry, 23 the groups (low 16 bits) and
/// whether a bias is bound (bit 16).
fn geom_words(g: &Geom, bias: bool) -> Result<Vec<u32>> {
    let a = g.a;
    if a.groups > 0xffff {
        return Err(crate::error::err!(Device, "convolutions with more than 65535 groups are not supported on webgpu"));
    }
    let v = [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.oh, g.ow, a.stride[0], a.stride[1], a.padding[0], a.padding[1], a.dilation[0], a.dilation[1]];
    let mut u = alloc::vec![0u32; 8];
    u.extend(v.iter().map(|&x| x as u32));
    u.push(a.groups as u32 | ((bias as u32) << 16));
    Ok(u)
}

/// The geometry as module-scope WGSL values, read from the uniform once per workgroup
/// (`geom()`, called by each kernel's setup), and the (sample, group) of batch `bi`.
const GEOM: &str = "var<private> NS: u32; var<private> CI: u32; var<private> H: u32; var<private> W: u32; var<private> O: u32;
var<private> KH: u32; var<private> KW: u32; var<private> OH: u32; var<private> OW: u32;
var<private> S0: u32; var<private> S1: u32; var<private> P0: u32; var<private> P1: u32; var<private> D0: u32; var<private> D1: u32;
var<private> G: u32; var<private> OG: u32; var<private> BIAS: bool;
var<private> s: u32; var<private> gi: u32;
fn geom() {
  NS = w(8u); CI = w(9u); H = w(10u); W = w(11u); O = w(12u); KH = w(13u); KW = w(14u); OH = w(15u); OW = w(16u);
  S0 = w(17u); S1 = w(18u); P0 = w(19u); P1 = w(20u); D0 = w(21u); D1 = w(22u);
  G = w(23u) & 0xffffu; BIAS = (w(23u) >> 16u) != 0u; OG = O / G;
}
";

/// An im2col element read in place (conv2d and its weight gradient bind the image as X).
const PATCH: &str = "// x[s, gi*CI + ci] at (oy*S0 + ki*D0 - P0, ox*S1 + kj*D1 - P1), 0 in the padding
fn im2col(ci: u32, ki: u32, kj: u32, oy: u32, ox: u32) -> f32 {
  let y = i32(oy * S0 + ki * D0) - i32(P0);
  let x = i32(ox * S1 + kj * D1) - i32(P1);
  if (y < 0 || y >= i32(H) || x < 0 || x >= i32(W)) { return 0.0; }
  return X[((s * G + gi) * CI + ci) * H * W + u32(y) * W + u32(x)];
}
";

fn conv_src() -> String {
    let mut f = String::from(GEOM) + PATCH;
    f.push_str("fn setup() { geom(); s = bi / G; gi = bi % G; }
fn load_a(r: u32, k: u32) -> f32 { return Wt[(gi * OG + r) * CI * KH * KW + k]; }
fn load_b(k: u32, c: u32) -> f32 {
  let kk = k % (KH * KW);
  return im2col(k / (KH * KW), kk / KW, kk % KW, c / OW, c % OW);
}
fn store(r: u32, c: u32, v: f32) {
  let oc = gi * OG + r;
  var y = v;
  if (BIAS) { y = y + Bias[oc]; }
  Y[(s * O + oc) * OH * OW + c] = y;
}
");
    gemm::src(header(&[("X", "f32"), ("Wt", "f32"), ("Bias", "f32")], &[("Y", "f32")]), &f)
}

fn grad_weight_src() -> String {
    let mut f = String::from(GEOM) + PATCH;
    // batch bi = split * G + group: split j sums k in [j*Kc, (j+1)*Kc) of the total KT (word 24)
    f.push_str("var<private> koff: u32;
fn setup() { geom(); gi = bi % G; koff = (bi / G) * w(2u); }
fn load_a(r: u32, k: u32) -> f32 {
  let kt = koff + k;
  if (kt >= w(24u)) { return 0.0; }
  return GY[((kt / (OH * OW)) * O + gi * OG + r) * OH * OW + kt % (OH * OW)];
}
fn load_b(k: u32, c: u32) -> f32 {
  let kt = koff + k;
  if (kt >= w(24u)) { return 0.0; }
  s = kt / (OH * OW);
  let q = kt % (OH * OW); let kk = c % (KH * KW);
  return im2col(c / (KH * KW), kk / KW, kk % KW, q / OW, q % OW);
}
// split j's partial dW goes to P[j]
fn store(r: u32, c: u32, v: f32) { P[((bi / G) * O + gi * OG + r) * CI * KH * KW + c] = v; }
");
    gemm::src(header(&[("X", "f32"), ("GY", "f32")], &[("P", "f32")]), &f)
}

/// dW = the splits' partials P [splits, numel] summed in order (deterministic, no atomics).
fn split_sum_src() -> String {
    let mut s = header(&[("P", "f32")], &[("DW", "f32")]);
    s.push_str(PER_ELEMENT);
    s.push_str("  var acc = 0.0;
  for (var j = 0u; j < w(1u); j = j + 1u) { acc = acc + P[j * w(0u) + i]; }
  DW[i] = acc;
}
");
    s
}

fn grad_input_src() -> String {
    let mut f = String::from(GEOM);
    f.push_str("fn setup() { geom(); s = bi / G; gi = bi % G; }
fn load_a(r: u32, k: u32) -> f32 { return Wt[((gi * OG + k / (KH * KW)) * CI + r) * KH * KW + k % (KH * KW)]; }
fn load_b(k: u32, c: u32) -> f32 {
  // output (oy, ox) of channel gi*OG + ol reaches pixel c through tap (ki, kj) when
  // oy*S0 + ki*D0 - P0 == y and likewise for x
  let ol = k / (KH * KW); let kk = k % (KH * KW);
  let ty = i32(c / W + P0) - i32((kk / KW) * D0);
  let tx = i32(c % W + P1) - i32((kk % KW) * D1);
  if (ty < 0 || tx < 0 || u32(ty) % S0 != 0u || u32(tx) % S1 != 0u) { return 0.0; }
  let oy = u32(ty) / S0; let ox = u32(tx) / S1;
  if (oy >= OH || ox >= OW) { return 0.0; }
  return GY[((s * O + gi * OG + ol) * OH + oy) * OW + ox];
}
fn store(r: u32, c: u32, v: f32) {
  let ch = gi * CI + r;
  var y = v;
  if (BIAS) { y = y + Bias[ch]; }
  DX[(s * CI * G + ch) * H * W + c] = y;
}
");
    gemm::src(header(&[("GY", "f32"), ("Wt", "f32"), ("Bias", "f32")], &[("DX", "f32")]), &f)
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

/// Runs the conv or gather GEMM with an optional bias (absent: the weight is bound in its
/// place, never read); `mnk` is the per-batch product's (m, n, k), over n*groups batches.
#[allow(clippy::too_many_arguments)]
fn with_bias(key: &str, src: fn() -> String, a: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &Geom, out_shape: Vec<usize>, mnk: (usize, usize, usize)) -> Result<Tensor> {
    let (a, w) = (dense(a)?, dense(w)?);
    let b = b.map(dense).transpose()?;
    let out = empty(out_shape, DType::F32, key)?;
    let bias_id = match &b { Some(b) => id(b)?, None => id(&w)? };
    let binds = [id(&a)?, id(&w)?, bias_id, id(&out)?];
    gemm::launch(key, 3, 1, src, &binds, geom_words(g, b.is_some())?, mnk.0, mnk.1, mnk.2, g.n * g.a.groups)?;
    Ok(out)
}

pub fn conv2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &Geom) -> Result<Tensor> {
    with_bias("conv2d", conv_src, x, w, b, g, alloc::vec![g.n, g.o, g.oh, g.ow], (g.og(), g.l(), g.ckk()))
}

pub fn grad_input(gy: &Tensor, w: &Tensor, g: &Geom) -> Result<Tensor> {
    conv_transpose2d(gy, w, None, g)
}

/// conv_transpose2d x [n, g.o, g.oh, g.ow] -> [n, c*groups, g.h, g.w]: conv2d's input gradient, plus bias.
pub fn conv_transpose2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &Geom) -> Result<Tensor> {
    let mnk = (g.c, g.h * g.w, g.og() * g.kh * g.kw);
    with_bias("conv2d_grad_input", grad_input_src, x, w, b, g, alloc::vec![g.n, g.c * g.a.groups, g.h, g.w], mnk)
}

/// Depth of one split of the weight gradient's k = n*oh*ow: the product is small (o x c*kh*kw)
/// and deep, so without splitting only a few workgroups would run it.
const SPLIT_K: usize = 4096;

pub fn grad_weight(x: &Tensor, gy: &Tensor, g: &Geom) -> Result<Tensor> {
    let (x, gy) = (dense(x)?, dense(gy)?);
    let shape = alloc::vec![g.o, g.c, g.kh, g.kw];
    let (m, n, k) = (g.og(), g.ckk(), g.n * g.l());
    let splits = k.div_ceil(SPLIT_K).clamp(1, 64);
    let kc = k.div_ceil(splits).div_ceil(32) * 32;
    let mut u = geom_words(g, false)?;
    u.push(k as u32);
    let out = empty(shape.clone(), DType::F32, "conv2d")?;
    // one split writes dW itself; more write partials, summed after
    let part = if splits == 1 { out.clone() } else { empty(alloc::vec![splits * out.numel()], DType::F32, "conv2d")? };
    gemm::launch("conv2d_grad_weight", 2, 1, grad_weight_src, &[id(&x)?, id(&gy)?, id(&part)?], u, m, n, kc, g.a.groups * splits)?;
    if splits > 1 {
        per_element("conv2d_grad_weight_sum", 1, split_sum_src, &[id(&part)?, id(&out)?], alloc::vec![0, splits as u32], out.numel())?;
    }
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
    per_group("conv2d_grad_bias", 1, grad_bias_src, &binds, alloc::vec![0, n as u32, o as u32, plane as u32], o)?;
    Ok(out)
}
