//! 2-D resampling (nearest, nearest-exact, bilinear) and its backward. The per-axis source
//! tables are the CPU's own (`axis_table`: PyTorch's f32 index math), built on the host and
//! uploaded, so both devices pick the same source pixels and weights. The backward is a
//! gather through the inverted tables: each input pixel sums the (output, weight) pairs of
//! its row and of its column.
use alloc::string::String;
use alloc::vec::Vec;

use super::kernel::{empty, id, upload};
use super::wgsl::{dense, header, per_element, PER_ELEMENT};
use crate::backend::cpu::resize::axis_table;
use crate::dtype::DType;
use crate::error::Result;
use crate::ops::resize::ResizeMode;
use crate::storage::Buffer;
use crate::tensor::Tensor;

/// Uniform words: 0 the element count (set at launch), 1 h, 2 w, 3 oh, 4 ow, 5 nearest,
/// 6 where the column part of the table starts.
fn forward_src() -> String {
    let mut s = header(&[("X", "f32"), ("T", "u32")], &[("Y", "f32")]);
    s.push_str(PER_ELEMENT);
    s.push_str("  let H = w(1u); let W = w(2u); let OH = w(3u); let OW = w(4u);
  let ox = i % OW; let oy = (i / OW) % OH; let p = i / (OW * OH);
  // table rows: (i0, i1, w0, w1), the output being w0*x[i0] + w1*x[i1] along that axis
  let ty = oy * 4u; let tx = w(6u) + ox * 4u;
  let r0 = p * H * W + T[ty] * W; let r1 = p * H * W + T[ty + 1u] * W;
  let x0 = T[tx]; let x1 = T[tx + 1u];
  if (w(5u) != 0u) { Y[i] = X[r0 + x0]; return; }   // a copy: 1*a + 0*b would turn inf into NaN
  let wy0 = bitcast<f32>(T[ty + 2u]); let wy1 = bitcast<f32>(T[ty + 3u]);
  let wx0 = bitcast<f32>(T[tx + 2u]); let wx1 = bitcast<f32>(T[tx + 3u]);
  Y[i] = (X[r0 + x0] * wx0 + X[r0 + x1] * wx1) * wy0 + (X[r1 + x0] * wx0 + X[r1 + x1] * wx1) * wy1;
}
");
    s
}

/// Uniform words: 0 the element count, 1 h, 2 w, 3 oh, 4 ow, 5 where the column lists start.
/// Lists (CSR): row y's (output row, weight bits) pairs lie at [R[y], R[y+1]) of the pair
/// area that follows the h+1 starts; the column part has the same layout.
fn backward_src() -> String {
    let mut s = header(&[("G", "f32"), ("R", "u32")], &[("DX", "f32")]);
    s.push_str(PER_ELEMENT);
    s.push_str("  let H = w(1u); let W = w(2u); let OH = w(3u); let OW = w(4u); let cb = w(5u);
  let x = i % W; let y = (i / W) % H; let p = i / (W * H);
  let rp = H + 1u; let cp = cb + W + 1u;
  var acc = 0.0;
  for (var a = R[y]; a < R[y + 1u]; a = a + 1u) {
    let oy = R[rp + 2u * a]; let wy = bitcast<f32>(R[rp + 2u * a + 1u]);
    for (var b = R[cb + x]; b < R[cb + x + 1u]; b = b + 1u) {
      let ox = R[cp + 2u * b]; let wx = bitcast<f32>(R[cp + 2u * b + 1u]);
      acc = acc + G[(p * OH + oy) * OW + ox] * wy * wx;
    }
  }
  DX[i] = acc;
}
");
    s
}

fn table_words(t: &[(usize, usize, f32, f32)]) -> impl Iterator<Item = i32> + '_ {
    t.iter().flat_map(|&(i0, i1, w0, w1)| [i0 as i32, i1 as i32, w0.to_bits() as i32, w1.to_bits() as i32])
}

pub fn upsample2d(x: &Tensor, mode: ResizeMode, oh: usize, ow: usize, scales: [Option<f64>; 2]) -> Result<Tensor> {
    let x = dense(x)?;
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let out = empty(alloc::vec![n, c, oh, ow], DType::F32, "interpolate")?;
    if out.numel() == 0 { return Ok(out); }
    let (ty, tx) = (axis_table(mode, h, oh, scales[0])?, axis_table(mode, w, ow, scales[1])?);
    let words: Vec<i32> = table_words(&ty).chain(table_words(&tx)).collect();
    let len = words.len();
    let table = upload(&Buffer::I32(words), alloc::vec![len])?;
    let nearest = !matches!(mode, ResizeMode::Bilinear { .. });
    let u = alloc::vec![0, h as u32, w as u32, oh as u32, ow as u32, nearest as u32, 4 * oh as u32];
    per_element("upsample2d", 2, forward_src, &[id(&x)?, id(&table)?, id(&out)?], u, out.numel())?;
    Ok(out)
}

/// The inverse of one axis table: for each input index, the (output index, weight) pairs
/// that read it, as CSR words (n_in + 1 starts, then the pairs).
fn inverse(t: &[(usize, usize, f32, f32)], n_in: usize, nearest: bool) -> Vec<i32> {
    let mut lists: Vec<Vec<(usize, f32)>> = alloc::vec![Vec::new(); n_in];
    for (o, &(i0, i1, w0, w1)) in t.iter().enumerate() {
        lists[i0].push((o, w0));
        // nearest reads one source; bilinear's second tap counts even at weight 0 (as the CPU's)
        if !nearest { lists[i1].push((o, w1)); }
    }
    let mut words = Vec::with_capacity(n_in + 1 + 4 * t.len());
    let mut at = 0;
    for l in &lists { words.push(at as i32); at += l.len(); }
    words.push(at as i32);
    for l in &lists { for &(o, wt) in l { words.push(o as i32); words.push(wt.to_bits() as i32); } }
    words
}

pub fn upsample2d_backward(g: &Tensor, mode: ResizeMode, in_shape: Vec<usize>, scales: [Option<f64>; 2]) -> Result<Tensor> {
    let g = dense(g)?;
    let (h, w) = (in_shape[2], in_shape[3]);
    let (oh, ow) = (g.shape[2], g.shape[3]);
    let dx = empty(in_shape, DType::F32, "interpolate")?;
    if dx.numel() == 0 { return Ok(dx); }
    let nearest = !matches!(mode, ResizeMode::Bilinear { .. });
    let mut words = inverse(&axis_table(mode, h, oh, scales[0])?, h, nearest);
    let cb = words.len();
    words.extend(inverse(&axis_table(mode, w, ow, scales[1])?, w, nearest));
    let len = words.len();
    let lists = upload(&Buffer::I32(words), alloc::vec![len])?;
    let u = alloc::vec![0, h as u32, w as u32, oh as u32, ow as u32, cb as u32];
    per_element("upsample2d_backward", 2, backward_src, &[id(&g)?, id(&lists)?, id(&dx)?], u, dx.numel())?;
    Ok(dx)
}
