//! Moving elements by index on the GPU, mirroring backend/cpu/index.rs: cat (strided copies
//! into slices of the output), index_select and gather (one kernel: index_select is a gather
//! whose index is broadcast along the other dims), scatter_add (deterministic: a thread per
//! output element adds its sources in index order, as the CPU does, so no float atomics).
//!
//! Index values are data the GPU checks: an out-of-range index reads or adds nothing (a gather
//! writes 0), and the first one is recorded in the engine's index-error flag (errflag.rs), which
//! the next read reports as PyTorch's IndexError.
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use super::errflag;
use super::kernel::{empty, grid, id, on_gpu, wgsl_type, MAX_RANK};
use super::shader::{header, launch, thread_main};
use crate::dtype::DType;
use crate::error::{err, Result};
use crate::tensor::Tensor;

pub fn cat(ts: &[Tensor], d: usize, shape: Vec<usize>, dtype: DType) -> Result<Tensor> {
    let out = empty(shape, dtype, "cat")?;
    let mut at = 0;
    for t in ts {
        let len = t.shape.get(d).copied().unwrap_or(0);
        if t.numel() > 0 {
            let dst = out.slice(d as i64, at as i64, (at + len) as i64, 1)?;
            super::memory::copy_into(&dst, t, &t.strides)?;
        }
        at += len;
    }
    Ok(out)
}

fn check_rank(rank: usize, op: &str) -> Result<()> {
    if rank > MAX_RANK { return Err(err!(Device, "{}: tensors of more than {} dims are not supported on webgpu", op, MAX_RANK)); }
    Ok(())
}

fn push_dims(u: &mut Vec<u32>, v: &[usize]) {
    u.extend((0..MAX_RANK).map(|k| *v.get(k).unwrap_or(&0) as u32));
}

/// out[ix] = t[ix with dim d replaced by index[ix]] over `shape`; t read with `ts` (its strides,
/// one per dim of `shape`) and the index with `is` (strides over `shape`).
fn gather_kernel(op: &str, t: &Tensor, ts: &[usize], d: usize, size: usize, index: &Tensor, is: &[usize], shape: crate::shape::Dims) -> Result<Tensor> {
    check_rank(shape.len(), op)?;
    let ty = wgsl_type(t.dtype(), op)?;
    let out = empty(shape, t.dtype(), op)?;
    let n = out.numel();
    if n == 0 { return Ok(out); }
    let index = on_gpu(index)?;
    // words: 0 n, 1 rank, 2 d, 3 size, 4..12 shape, 12 t offset, 13..21 t strides, 21 index offset, 22..30 index strides
    let mut u = vec![n as u32, out.ndim() as u32, d as u32, size as u32];
    push_dims(&mut u, &out.shape);
    u.push(t.offset as u32);
    push_dims(&mut u, ts);
    u.push(index.offset as u32);
    push_dims(&mut u, is);
    let flag = errflag::buffer()?;
    launch(&format!("gather:{}", ty), &[id(t)?, id(&index)?, id(&out)?, flag], 2, u, grid(n), || {
        let mut s = header(&[("X", ty), ("I", "i32")], &[("Y", ty), ("F", "atomic<u32>")], 32);
        s.push_str(errflag::REPORT_WGSL);
        s.push_str(&thread_main(0));
        s.push_str(&format!(
            "  var r = i;
  var to = w(12u);
  var io = w(21u);
  let d = w(2u);
  for (var k = i32(w(1u)) - 1; k >= 0; k = k - 1) {{
    let e = u32(k);
    let c = r % w(4u + e);
    r = r / w(4u + e);
    io = io + c * w(22u + e);
    if (e != d) {{ to = to + c * w(13u + e); }}
  }}
  let size = i32(w(3u));
  let v = I[io];
  let ix = select(v, v + size, v < 0);
  if (ix < 0 || ix >= size) {{ report(v, d, w(3u)); Y[i] = {ty}(0); return; }}
  Y[i] = X[to + u32(ix) * w(13u + d)];
}}
"
        ));
        s
    })?;
    Ok(out)
}

pub fn index_select(t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> {
    let k = index.numel();
    if t.ndim() == 0 {
        // a 0-d t takes the one index (checked by the op): a 1-element gather, reshaped back
        let r = gather_kernel("index_select", t, &[0], 0, 1, index, &[0], vec![k].into())?;
        return r.reshape(&[]);
    }
    let mut shape = t.shape.clone();
    shape[d] = k;
    // the index read along d only
    let mut is = vec![0; t.ndim()];
    if index.ndim() == 1 { is[d] = index.strides[0]; }
    gather_kernel("index_select", t, &t.strides, d, t.shape[d], index, &is, shape)
}

pub fn gather(t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor> {
    let ts = if t.ndim() == 0 { vec![0; index.ndim()] } else { t.strides.to_vec() };
    let size = if t.ndim() == 0 { 1 } else { t.shape[d] };
    gather_kernel("gather", t, &ts, d, size, index, &index.strides, index.shape.clone())
}

pub fn scatter_add(t: &Tensor, d: usize, index: &Tensor, src: &Tensor) -> Result<Tensor> {
    let ty = wgsl_type(t.dtype(), "scatter_add")?;
    let out = super::memory::contiguous(t)?;
    let n = out.numel();
    if n == 0 || index.numel() == 0 { return Ok(out); }
    // a 0-d t is a 1-element run along dim 0
    let (tshape, ishape, istr, sstr) = if t.ndim() == 0 {
        (vec![1], vec![index.numel()], vec![index.strides.first().copied().unwrap_or(0)], vec![src.strides.first().copied().unwrap_or(0)])
    } else {
        (t.shape.to_vec(), index.shape.to_vec(), index.strides.to_vec(), src.strides[..index.ndim()].to_vec())
    };
    check_rank(tshape.len(), "scatter_add")?;
    let (index, src) = (on_gpu(index)?, on_gpu(src)?);
    // words: 0 n, 1 rank, 2 d, 3 size, 4..12 t shape, 12..20 index shape, 20 index offset,
    // 21..29 index strides, 29 src offset, 30..38 src strides
    let mut u = vec![n as u32, tshape.len() as u32, d as u32, tshape[d] as u32];
    push_dims(&mut u, &tshape);
    push_dims(&mut u, &ishape);
    u.push(index.offset as u32);
    push_dims(&mut u, &istr);
    u.push(src.offset as u32);
    push_dims(&mut u, &sstr);
    let add = if t.dtype() == DType::Bool { "acc | x" } else { "acc + x" };
    let flag = errflag::buffer()?;
    launch(&format!("scatter_add:{}", ty), &[id(&index)?, id(&src)?, id(&out)?, flag], 2, u, grid(n), || {
        let mut s = header(&[("I", "i32"), ("S", ty)], &[("Y", ty), ("F", "atomic<u32>")], 40);
        s.push_str(errflag::REPORT_WGSL);
        s.push_str(&thread_main(0));
        s.push_str(&format!(
            "  var r = i;
  var io = w(20u);
  var so = w(29u);
  var cd = 0u;
  let d = w(2u);
  for (var k = i32(w(1u)) - 1; k >= 0; k = k - 1) {{
    let e = u32(k);
    let c = r % w(4u + e);
    r = r / w(4u + e);
    if (e == d) {{ cd = c; }} else {{
      // no index position reaches an element past the index's extent
      if (c >= w(12u + e)) {{ return; }}
      io = io + c * w(21u + e);
      so = so + c * w(30u + e);
    }}
  }}
  let size = i32(w(3u));
  var acc = Y[i];
  for (var j = 0u; j < w(12u + d); j = j + 1u) {{
    let v = I[io + j * w(21u + d)];
    let ix = select(v, v + size, v < 0);
    if (ix < 0 || ix >= size) {{ report(v, d, w(3u)); continue; }}
    if (u32(ix) == cd) {{ let x = S[so + j * w(30u + d)]; acc = {add}; }}
  }}
  Y[i] = acc;
}}
"
        ));
        s
    })?;
    Ok(out)
}
