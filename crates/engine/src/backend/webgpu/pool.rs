//! 2-D pooling over planes (backend/cpu/pool.rs's semantics): max with flat indices into
//! each input plane, average (count_include_pad, divisor override), adaptive average, and
//! their backwards as gathers: each input pixel sums the outputs whose window holds it (for
//! max: whose saved index is it), so no atomics and the same result every run.
use alloc::string::String;
use alloc::vec::Vec;

use super::kernel::{empty, id};
use super::wgsl::{dense, header, per_element, PER_ELEMENT};
use crate::backend::PoolGeom;
use crate::dtype::DType;
use crate::error::{err, Result};
use crate::tensor::Tensor;

/// Uniform words: 0 the element count (set at launch), 1..=5 np, h, w, oh, ow, 6..=13 kernel,
/// stride, padding, dilation (rows, then columns), 14 count_include_pad, 15 whether a divisor
/// is given, 16 the divisor (17: -inf, for max).
fn pool_words(p: &PoolGeom, count_include_pad: bool, divisor: Option<usize>) -> Vec<u32> {
    let a = p.a;
    let v = [0, p.np, p.h, p.w, p.oh, p.ow, a.kernel[0], a.kernel[1], a.stride[0], a.stride[1], a.padding[0], a.padding[1], a.dilation[0], a.dilation[1],
        count_include_pad as usize, divisor.is_some() as usize, divisor.unwrap_or(0)];
    v.iter().map(|&x| x as u32).collect()
}

const GEOM: &str = "  let NP = w(1u); let H = w(2u); let W = w(3u); let OH = w(4u); let OW = w(5u);
  let K0 = w(6u); let K1 = w(7u); let S0 = w(8u); let S1 = w(9u); let P0 = w(10u); let P1 = w(11u); let D0 = w(12u); let D1 = w(13u);
";

/// avg_pool2d's window for output (oy, ox), clipped to the input, with its divisor: the CPU's
/// `avg_window` line for line.
const AVG_WINDOW: &str = "struct Win { y0: i32, y1: i32, x0: i32, x1: i32, div: f32 }
fn avg_window(oy: u32, ox: u32) -> Win {
  let H = i32(w(2u)); let W = i32(w(3u));
  let p0 = i32(w(10u)); let p1 = i32(w(11u));
  let ys = i32(oy * w(8u)) - p0; let xs = i32(ox * w(9u)) - p1;
  let ye = min(ys + i32(w(6u)), H + p0); let xe = min(xs + i32(w(7u)), W + p1);
  let pool_size = (ye - ys) * (xe - xs);
  let y0 = max(ys, 0); let x0 = max(xs, 0);
  let y1 = max(max(min(ye, H), 0), y0); let x1 = max(max(min(xe, W), 0), x0);
  var div = select((y1 - y0) * (x1 - x0), pool_size, w(14u) != 0u);
  if (w(15u) != 0u) { div = i32(w(16u)); }
  return Win(y0, y1, x0, x1, f32(max(div, 1)));
}
";

/// Adaptive window i of o over n: [floor(i*n/o), ceil((i+1)*n/o)) (u32: the host checks o*n fits).
const SPAN: &str = "fn span(i: u32, o: u32, n: u32) -> vec2<u32> { return vec2<u32>((i * n) / o, ((i + 1u) * n + o - 1u) / o); }\n";

fn max_src() -> String {
    let mut s = header(&[("X", "f32")], &[("V", "f32"), ("I", "i32")]);
    s.push_str(PER_ELEMENT);
    s.push_str(GEOM);
    s.push_str("  let ox = i % OW; let oy = (i / OW) % OH; let p = i / (OW * OH);
  var best = wf(17u);   // -inf (a constant -inf is a WGSL compile error)
  var bi = -1;
  for (var ki = 0u; ki < K0; ki = ki + 1u) {
    let y = i32(oy * S0 + ki * D0) - i32(P0);
    if (y < 0 || y >= i32(H)) { continue; }
    for (var kj = 0u; kj < K1; kj = kj + 1u) {
      let x = i32(ox * S1 + kj * D1) - i32(P1);
      if (x < 0 || x >= i32(W)) { continue; }
      let k = y * i32(W) + x;
      let v = X[p * H * W + u32(k)];
      // PyTorch's rule: a NaN always wins (the last one); tested on the bits, which
      // fast-math compilers cannot fold away
      let nan = (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
      if (v > best || nan || bi < 0) { best = v; bi = k; }
    }
  }
  V[i] = best;
  I[i] = bi;
}
");
    s
}

fn max_backward_src() -> String {
    let mut s = header(&[("G", "f32"), ("I", "i32")], &[("DX", "f32")]);
    s.push_str(PER_ELEMENT);
    s.push_str(GEOM);
    s.push_str("  let x = i % W; let y = (i / W) % H; let p = i / (W * H);
  let k = i32(y * W + x);
  var acc = 0.0;
  for (var ki = 0u; ki < K0; ki = ki + 1u) {
    // the output row whose window has this row at tap ki
    let ty = i32(y + P0) - i32(ki * D0);
    if (ty < 0 || u32(ty) % S0 != 0u) { continue; }
    let oy = u32(ty) / S0;
    if (oy >= OH) { continue; }
    for (var kj = 0u; kj < K1; kj = kj + 1u) {
      let tx = i32(x + P1) - i32(kj * D1);
      if (tx < 0 || u32(tx) % S1 != 0u) { continue; }
      let ox = u32(tx) / S1;
      if (ox >= OW) { continue; }
      let o = (p * OH + oy) * OW + ox;
      if (I[o] == k) { acc = acc + G[o]; }
    }
  }
  DX[i] = acc;
}
");
    s
}

fn avg_src() -> String {
    let mut s = header(&[("X", "f32")], &[("Y", "f32")]);
    s.push_str(AVG_WINDOW);
    s.push_str(PER_ELEMENT);
    s.push_str(GEOM);
    s.push_str("  let ox = i % OW; let oy = (i / OW) % OH; let p = i / (OW * OH);
  let win = avg_window(oy, ox);
  var acc = 0.0;
  for (var y = win.y0; y < win.y1; y = y + 1) {
    for (var x = win.x0; x < win.x1; x = x + 1) { acc = acc + X[p * H * W + u32(y) * W + u32(x)]; }
  }
  Y[i] = acc / win.div;
}
");
    s
}

fn avg_backward_src() -> String {
    let mut s = header(&[("G", "f32")], &[("DX", "f32")]);
    s.push_str(AVG_WINDOW);
    s.push_str(PER_ELEMENT);
    s.push_str(GEOM);
    s.push_str("  let x = i % W; let y = (i / W) % H; let p = i / (W * H);
  // the outputs whose unclipped window [o*S - P, o*S - P + K) holds y (resp. x), then the
  // clipped window decides
  let ty = i32(y + P0) - i32(K0) + 1;
  let tx = i32(x + P1) - i32(K1) + 1;
  let oy0 = select(0u, (u32(ty) + S0 - 1u) / S0, ty > 0);
  let ox0 = select(0u, (u32(tx) + S1 - 1u) / S1, tx > 0);
  let oy1 = min((y + P0) / S0 + 1u, OH);
  let ox1 = min((x + P1) / S1 + 1u, OW);
  var acc = 0.0;
  for (var oy = oy0; oy < oy1; oy = oy + 1u) {
    for (var ox = ox0; ox < ox1; ox = ox + 1u) {
      let win = avg_window(oy, ox);
      if (i32(y) >= win.y0 && i32(y) < win.y1 && i32(x) >= win.x0 && i32(x) < win.x1) {
        acc = acc + G[(p * OH + oy) * OW + ox] / win.div;
      }
    }
  }
  DX[i] = acc;
}
");
    s
}

fn adaptive_src() -> String {
    let mut s = header(&[("X", "f32")], &[("Y", "f32")]);
    s.push_str(SPAN);
    s.push_str(PER_ELEMENT);
    s.push_str(GEOM);
    s.push_str("  let ox = i % OW; let oy = (i / OW) % OH; let p = i / (OW * OH);
  let sy = span(oy, OH, H); let sx = span(ox, OW, W);
  var acc = 0.0;
  for (var y = sy.x; y < sy.y; y = y + 1u) {
    for (var x = sx.x; x < sx.y; x = x + 1u) { acc = acc + X[(p * H + y) * W + x]; }
  }
  Y[i] = acc / f32(max((sy.y - sy.x) * (sx.y - sx.x), 1u));
}
");
    s
}

fn adaptive_backward_src() -> String {
    let mut s = header(&[("G", "f32")], &[("DX", "f32")]);
    s.push_str(SPAN);
    s.push_str(PER_ELEMENT);
    s.push_str(GEOM);
    s.push_str("  let x = i % W; let y = (i / W) % H; let p = i / (W * H);
  // the windows holding y lie in [floor(y*OH/H), ceil((y+1)*OH/H)); each is checked
  let oy1 = min(((y + 1u) * OH + H - 1u) / H, OH);
  let ox1 = min(((x + 1u) * OW + W - 1u) / W, OW);
  var acc = 0.0;
  for (var oy = (y * OH) / H; oy < oy1; oy = oy + 1u) {
    let sy = span(oy, OH, H);
    if (y < sy.x || y >= sy.y) { continue; }
    for (var ox = (x * OW) / W; ox < ox1; ox = ox + 1u) {
      let sx = span(ox, OW, W);
      if (x < sx.x || x >= sx.y) { continue; }
      acc = acc + G[(p * OH + oy) * OW + ox] / f32(max((sy.y - sy.x) * (sx.y - sx.x), 1u));
    }
  }
  DX[i] = acc;
}
");
    s
}

pub fn max_pool2d(x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<(Tensor, Tensor)> {
    let x = dense(x)?;
    let vals = empty(out_shape.clone(), DType::F32, "max_pool2d")?;
    let idx = empty(out_shape, DType::I32, "max_pool2d")?;
    let binds = [id(&x)?, id(&vals)?, id(&idx)?];
    let mut u = pool_words(p, false, None);
    u.push(f32::NEG_INFINITY.to_bits());
    per_element("max_pool2d", 1, max_src, &binds, u, vals.numel())?;
    Ok((vals, idx))
}

pub fn max_pool2d_backward(g: &Tensor, idx: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> {
    let (g, idx) = (dense(g)?, dense(idx)?);
    let dx = empty(in_shape, DType::F32, "max_pool2d")?;
    let binds = [id(&g)?, id(&idx)?, id(&dx)?];
    per_element("max_pool2d_backward", 2, max_backward_src, &binds, pool_words(p, false, None), dx.numel())?;
    Ok(dx)
}

/// One input, one output, the kernel `key` over every element of the output.
fn run(key: &str, src: fn() -> String, t: &Tensor, words: Vec<u32>, shape: Vec<usize>) -> Result<Tensor> {
    let t = dense(t)?;
    let out = empty(shape, DType::F32, key)?;
    let binds = [id(&t)?, id(&out)?];
    per_element(key, 1, src, &binds, words, out.numel())?;
    Ok(out)
}

pub fn avg_pool2d(x: &Tensor, p: &PoolGeom, cip: bool, divisor: Option<usize>, out_shape: Vec<usize>) -> Result<Tensor> {
    run("avg_pool2d", avg_src, x, pool_words(p, cip, divisor), out_shape)
}

pub fn avg_pool2d_backward(g: &Tensor, p: &PoolGeom, cip: bool, divisor: Option<usize>, in_shape: Vec<usize>) -> Result<Tensor> {
    run("avg_pool2d_backward", avg_backward_src, g, pool_words(p, cip, divisor), in_shape)
}

/// The adaptive windows' index math is u32 on the GPU: (out + 1) * in must fit.
fn check_adaptive(p: &PoolGeom) -> Result<()> {
    let fits = |o: usize, n: usize| (o as u64 + 1) * (n as u64 + 1) < u32::MAX as u64;
    if fits(p.oh, p.h) && fits(p.ow, p.w) { return Ok(()); }
    Err(err!(Device, "adaptive_avg_pool2d from {}x{} to {}x{} is not supported on webgpu (sizes too large for its index math)", p.h, p.w, p.oh, p.ow))
}

pub fn adaptive_avg_pool2d(x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<Tensor> {
    check_adaptive(p)?;
    run("adaptive_avg_pool2d", adaptive_src, x, pool_words(p, false, None), out_shape)
}

pub fn adaptive_avg_pool2d_backward(g: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor> {
    check_adaptive(p)?;
    run("adaptive_avg_pool2d_backward", adaptive_backward_src, g, pool_words(p, false, None), in_shape)
}
