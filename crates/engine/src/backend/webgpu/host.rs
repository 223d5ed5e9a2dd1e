//! The functions the engine imports from JS (ts/gpu/host.ts) to drive a GPUDevice: integers
//! and wasm-memory addresses only. The engine decides what runs (kernels, uniforms, buffer
//! sizes); the host owns the GPU objects, the buffer pool, the command encoder and readbacks.
//! Each call that can fail returns 0 and leaves the host's sticky error text, which `error`
//! fetches; after a device loss every call fails, so a lost device is a Device error, never a hang.
use alloc::string::String;

use crate::error::{Error, ErrorKind, Result};

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "kd_gpu")]
    extern "C" {
        /// A buffer of at least `bytes` (a multiple of 4) from the host's pool: its id, or 0.
        pub fn kd_gpu_create(bytes: u32) -> u32;
        /// The engine no longer uses buffer `id`: the host pools it after the next submit.
        pub fn kd_gpu_destroy(id: u32);
        /// Writes `len` bytes at wasm address `ptr` to buffer `id` at byte `off`: 1, or 0.
        pub fn kd_gpu_write(id: u32, off: u32, ptr: *const u8, len: u32) -> u32;
        /// A pipeline for the WGSL at `ptr` whose bindings are `n_read` read-only storage buffers,
        /// then `n_rw` read-write ones, then one uniform: its id, or 0.
        pub fn kd_gpu_pipeline(ptr: *const u8, len: u32, n_read: u32, n_rw: u32) -> u32;
        /// Records a dispatch of `pipe` over the buffers `binds[..n]` (in binding order) with the
        /// uniform bytes `uni[..uni_len]`, as (x, y, 1) workgroups: 1, or 0.
        pub fn kd_gpu_dispatch(pipe: u32, binds: *const u32, n: u32, uni: *const u8, uni_len: u32, x: u32, y: u32) -> u32;
        /// Submits what is recorded.
        pub fn kd_gpu_flush();
        /// Copies the host's error text into `ptr[..cap]`: its full length.
        pub fn kd_gpu_error(ptr: *mut u8, cap: u32) -> u32;
    }
}

/// A native build has no GPU host: every call fails, with this text.
#[cfg(not(target_arch = "wasm32"))]
mod imports {
    pub const NATIVE: &str = "webgpu is not available in a native build (the engine drives WebGPU from wasm through ts/gpu)";
    pub unsafe fn kd_gpu_create(_: u32) -> u32 { 0 }
    pub unsafe fn kd_gpu_destroy(_: u32) {}
    pub unsafe fn kd_gpu_write(_: u32, _: u32, _: *const u8, _: u32) -> u32 { 0 }
    pub unsafe fn kd_gpu_pipeline(_: *const u8, _: u32, _: u32, _: u32) -> u32 { 0 }
    pub unsafe fn kd_gpu_dispatch(_: u32, _: *const u32, _: u32, _: *const u8, _: u32, _: u32, _: u32) -> u32 { 0 }
    pub unsafe fn kd_gpu_flush() {}
    pub unsafe fn kd_gpu_error(ptr: *mut u8, cap: u32) -> u32 {
        let n = NATIVE.len().min(cap as usize);
        unsafe { core::ptr::copy_nonoverlapping(NATIVE.as_ptr(), ptr, n) };
        NATIVE.len() as u32
    }
}

use imports::*;

/// The host's error text as a Device error.
pub fn error() -> Error {
    let mut buf = alloc::vec![0u8; 512];
    let n = unsafe { kd_gpu_error(buf.as_mut_ptr(), buf.len() as u32) } as usize;
    if n > buf.len() {
        buf.resize(n, 0);
        unsafe { kd_gpu_error(buf.as_mut_ptr(), buf.len() as u32) };
    }
    buf.truncate(n);
    let msg = String::from_utf8(buf).unwrap_or_else(|_| String::from("webgpu error (unreadable text)"));
    Error { kind: ErrorKind::Device, msg: if msg.is_empty() { String::from("webgpu: the host refused the call") } else { msg } }
}

fn ok(status: u32) -> Result<u32> { if status == 0 { Err(error()) } else { Ok(status) } }

pub fn create(bytes: usize) -> Result<u32> {
    let bytes = u32::try_from(bytes.max(4).div_ceil(4) * 4).map_err(|_| Error { kind: ErrorKind::Memory, msg: alloc::format!("cannot allocate {} bytes on webgpu: over 4 GiB", bytes) })?;
    ok(unsafe { kd_gpu_create(bytes) })
}

pub fn destroy(id: u32) { unsafe { kd_gpu_destroy(id) } }

pub fn write(id: u32, off: usize, bytes: &[u8]) -> Result<()> {
    if bytes.is_empty() { return Ok(()); }
    ok(unsafe { kd_gpu_write(id, off as u32, bytes.as_ptr(), bytes.len() as u32) }).map(|_| ())
}

pub fn pipeline(wgsl: &str, n_read: usize, n_rw: usize) -> Result<u32> {
    ok(unsafe { kd_gpu_pipeline(wgsl.as_ptr(), wgsl.len() as u32, n_read as u32, n_rw as u32) })
}

pub fn dispatch(pipe: u32, binds: &[u32], uniform: &[u32], x: u32, y: u32) -> Result<()> {
    ok(unsafe { kd_gpu_dispatch(pipe, binds.as_ptr(), binds.len() as u32, uniform.as_ptr() as *const u8, (uniform.len() * 4) as u32, x, y) }).map(|_| ())
}

pub fn flush() { unsafe { kd_gpu_flush() } }
