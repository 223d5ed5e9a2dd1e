//! Pipelines, GPU tensors and the one strided elementwise kernel ("map") most ops are made of.
//! A GPU tensor is a view (shape, strides, offset in elements) on a buffer of 4-byte elements:
//! float32 as f32, int32 as i32, bool as u32 (0 or 1). Kernels read views through their
//! strides (passed as uniforms), so views never need a copy, and pipelines are keyed by op and
//! dtypes, never by shape.
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::host;
use crate::dtype::DType;
use crate::error::{err, Result};
use crate::shape::{broadcast_strides, numel};
use crate::storage::Buffer;
use crate::tensor::Tensor;

/// Threads per workgroup of every 1-D kernel.
pub const WG: usize = 256;
/// The most dims a strided kernel indexes (torch allows more; a deeper view is made contiguous).
pub const MAX_RANK: usize = 8;

static mut PIPES: BTreeMap<String, u32> = BTreeMap::new();

/// The pipeline for `key`, compiling `src()` on first use. `key` names the WGSL exactly
/// (op and dtypes), so the source is only built once.
pub fn pipeline(key: &str, n_read: usize, n_rw: usize, src: impl FnOnce() -> String) -> Result<u32> {
    // wasm is single-threaded here; the table is only touched through this function.
    let pipes = unsafe { &mut *core::ptr::addr_of_mut!(PIPES) };
    if let Some(&p) = pipes.get(key) { return Ok(p); }
    let p = host::pipeline(&src(), n_read, n_rw)?;
    pipes.insert(String::from(key), p);
    Ok(p)
}

/// Workgroups (x, y) covering `threads`, split past the 65,535-per-dimension limit; kernels
/// take their index as `gid.x + gid.y * nw.x * WG`.
pub fn grid(threads: usize) -> (u32, u32) { super::shader::groups(threads.div_ceil(WG)) }

/// The WGSL type a dtype is held as on the GPU, or a Device error naming it.
pub fn wgsl_type(d: DType, op: &str) -> Result<&'static str> {
    match d {
        DType::F32 => Ok("f32"),
        DType::I32 => Ok("i32"),
        DType::Bool => Ok("u32"),
        other => Err(err!(Device, "{} on {} tensors is not supported on webgpu (float32, int32 and bool are; cast first)", op, other.name())),
    }
}

/// The buffer id of a GPU tensor.
pub fn id(t: &Tensor) -> Result<u32> {
    match *t.storage.buf.borrow() {
        Buffer::Gpu { id, .. } => Ok(id),
        _ => Err(err!(Device, "internal: a cpu tensor reached a webgpu kernel")),
    }
}

/// A new (uninitialised) GPU tensor.
pub fn empty(shape: impl Into<crate::shape::Dims>, dtype: DType, op: &str) -> Result<Tensor> {
    let shape = shape.into();
    wgsl_type(dtype, op)?;
    let len = numel(&shape);
    let id = host::create(len * 4)?;
    Ok(Tensor::from_buffer(Buffer::Gpu { id, dtype, len }, shape))
}

/// Host data as a new contiguous GPU tensor (bool widened to u32).
pub fn upload(data: &Buffer, shape: impl Into<crate::shape::Dims>) -> Result<Tensor> {
    let t = empty(shape, data.dtype(), "to")?;
    let i = id(&t)?;
    match data {
        Buffer::F32(v) => host::write(i, 0, bytes_of(v))?,
        Buffer::I32(v) => host::write(i, 0, bytes_of(v))?,
        Buffer::Bool(v) => {
            let w: Vec<u32> = v.iter().map(|&b| (b != 0) as u32).collect();
            host::write(i, 0, bytes_of(&w))?
        }
        _ => unreachable!("checked by empty"),
    }
    Ok(t)
}

fn bytes_of<T: Copy>(v: &[T]) -> &[u8] {
    // f32/i32/u32 slices seen as their little-endian bytes (wasm is little-endian).
    unsafe { core::slice::from_raw_parts(v.as_ptr() as *const u8, core::mem::size_of_val(v)) }
}

/// `t` on the GPU: itself, or a 0-d CPU tensor (a scalar beside GPU tensors) uploaded.
pub fn on_gpu(t: &Tensor) -> Result<Tensor> {
    if t.device() == crate::Device::WebGpu { return Ok(t.clone()); }
    let data = crate::backend::cpu::memory::read(t)?;
    upload(&data, t.shape.clone())
}

/// One input of a map kernel: a GPU view read at `strides` (broadcast to the output's shape)
/// from `offset`, bound under a name the body uses, converted by `load` ("f32(", "i32(" or "").
pub struct Operand {
    t: Tensor,
    strides: Vec<usize>,
    name: &'static str,
    load: &'static str,
}

impl Operand {
    /// `t` broadcast to `shape`, loaded as `load` ("f32", "i32", "u32" or "" for its own type).
    pub fn new(t: &Tensor, shape: &[usize], name: &'static str, load: &'static str) -> Result<Operand> {
        let t = on_gpu(t)?;
        let strides = broadcast_strides(&t.shape, &t.strides, shape).to_vec();
        Ok(Operand { t, strides, name, load })
    }
    /// `t` read with explicit strides over the output's shape (copy_into's source).
    pub fn strided(t: &Tensor, strides: &[usize], name: &'static str) -> Result<Operand> {
        Ok(Operand { t: on_gpu(t)?, strides: strides.to_vec(), name, load: "" })
    }
}

/// A uniform of u32 words (params are f32 or i32 bits).
pub fn f(x: f32) -> u32 { x.to_bits() }

/// out[ix] = body(inputs at ix) over out's view. `body` is a WGSL expression of the operand
/// names and of `pf(k)` / `pi(k)` / `pu(k)` (the k-th param as f32 / i32 / u32); its value is stored as is,
/// so it must have out's WGSL type. `key` names the op: the pipeline is keyed by it and the dtypes.
pub fn map(key: &str, ins: &[Operand], out: &Tensor, body: &str, params: &[u32]) -> Result<()> {
    let n = out.numel();
    if n == 0 { return Ok(()); }
    let rank = out.ndim();
    if rank > MAX_RANK { return Err(err!(Device, "{}: tensors of more than {} dims are not supported on webgpu", key, MAX_RANK)); }
    let k = ins.len();
    let mut tys = Vec::with_capacity(k + 1);
    for o in ins { tys.push(wgsl_type(o.t.dtype(), key)?); }
    let ty_out = wgsl_type(out.dtype(), key)?;
    // Binding the output's buffer as an input too is a WebGPU validation error (a writable
    // binding may not alias): such an input is read from a contiguous copy.
    let out_id = id(out)?;
    let mut binds = Vec::with_capacity(k + 1);
    let mut views: Vec<(usize, Vec<usize>)> = Vec::with_capacity(k);
    let mut copies = Vec::new();
    for o in ins {
        let i = id(&o.t)?;
        if i == out_id {
            let c = super::memory::contiguous(&o.t)?;
            binds.push(id(&c)?);
            views.push((0, broadcast_strides(&c.shape, &c.strides, &out.shape).to_vec()));
            copies.push(c);
        } else {
            binds.push(i);
            views.push((o.t.offset, o.strides.clone()));
        }
    }
    binds.push(out_id);
    // words: n, rank, shape[8], then per operand (inputs, then out) offset + strides[8], then params
    let mut u: Vec<u32> = Vec::with_capacity(10 + 9 * (k + 1) + params.len());
    u.push(n as u32);
    u.push(rank as u32);
    u.extend((0..MAX_RANK).map(|d| *out.shape.get(d).unwrap_or(&1) as u32));
    for (off, st) in &views { push_view(&mut u, *off, st); }
    push_view(&mut u, out.offset, &out.strides);
    u.extend_from_slice(params);
    while u.len() % 4 != 0 { u.push(0); }
    let mut full_key = String::from(key);
    for t in &tys { full_key.push(':'); full_key.push_str(t); }
    let _ = write!(full_key, ">{}", ty_out);
    let pipe = pipeline(&full_key, k, 1, || map_wgsl(ins, &tys, ty_out, body, u.len() / 4))?;
    let (x, y) = grid(n);
    host::dispatch(pipe, &binds, &u, x, y)
}

fn push_view(u: &mut Vec<u32>, offset: usize, strides: &[usize]) {
    u.push(offset as u32);
    u.extend((0..MAX_RANK).map(|d| *strides.get(d).unwrap_or(&0) as u32));
}

fn map_wgsl(ins: &[Operand], tys: &[&str], ty_out: &str, body: &str, vec4s: usize) -> String {
    let k = ins.len();
    let mut s = String::new();
    s.push_str(crate::ops::unary::WGSL_HELPERS);
    s.push_str(crate::ops::binary::WGSL_HELPERS);
    for (j, t) in tys.iter().enumerate() {
        let _ = writeln!(s, "@group(0) @binding({}) var<storage, read> X{}: array<{}>;", j, j, t);
    }
    let _ = writeln!(s, "@group(0) @binding({}) var<storage, read_write> Y: array<{}>;", k, ty_out);
    let _ = writeln!(s, "struct U {{ m: array<vec4<u32>, {}> }}", vec4s);
    let _ = writeln!(s, "@group(0) @binding({}) var<uniform> u: U;", k + 1);
    let pbase = 10 + 9 * (k + 1);
    let _ = writeln!(s, "fn w(i: u32) -> u32 {{ return u.m[i / 4u][i % 4u]; }}");
    let _ = writeln!(s, "fn pf(i: u32) -> f32 {{ return bitcast<f32>(w({}u + i)); }}", pbase);
    let _ = writeln!(s, "fn pi(i: u32) -> i32 {{ return bitcast<i32>(w({}u + i)); }}", pbase);
    let _ = writeln!(s, "fn pu(i: u32) -> u32 {{ return w({}u + i); }}", pbase);
    s.push_str("@compute @workgroup_size(256)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {\n");
    s.push_str("  let i = gid.x + gid.y * nw.x * 256u;\n  if (i >= w(0u)) { return; }\n  var r = i;\n");
    for j in 0..=k { let _ = writeln!(s, "  var o{} = w({}u);", j, 10 + 9 * j); }
    s.push_str("  for (var d = i32(w(1u)) - 1; d >= 0; d = d - 1) {\n    let e = u32(d);\n    let c = r % w(2u + e);\n    r = r / w(2u + e);\n");
    for j in 0..=k { let _ = writeln!(s, "    o{} = o{} + c * w({}u + e);", j, j, 11 + 9 * j); }
    s.push_str("  }\n");
    for (j, o) in ins.iter().enumerate() {
        if o.load.is_empty() { let _ = writeln!(s, "  let {} = X{}[o{}];", o.name, j, j); }
        else { let _ = writeln!(s, "  let {} = {}(X{}[o{}]);", o.name, o.load, j, j); }
    }
    let _ = writeln!(s, "  Y[o{}] = {};\n}}", k, body);
    s
}
