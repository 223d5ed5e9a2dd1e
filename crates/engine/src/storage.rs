//! Reference-counted storage. A tensor is a view (shape, strides, offset) onto one of these;
//! many views share one storage, and it is freed when the last view is dropped.
use alloc::vec::Vec;
use core::cell::RefCell;

use crate::dtype::{DType, Elem, F16, U8};
use crate::error::{err, Result};

/// Largest storage the engine will try to allocate (wasm32 has 4 GiB of address space).
pub const MAX_BYTES: usize = 1 << 31;

pub use crate::backend::Device;

/// Host vectors for the CPU, or a buffer a GPU backend holds by id (its dtype and length
/// kept here, so metadata never needs the device).
pub enum Buffer {
    F32(Vec<f32>),
    I32(Vec<i32>),
    Bool(Vec<u8>),
    U8(Vec<U8>),
    I8(Vec<i8>),
    I64(Vec<i64>),
    F64(Vec<f64>),
    F16(Vec<F16>),
    Gpu { id: u32, dtype: DType, len: usize },
}

impl Buffer {
    pub fn dtype(&self) -> DType {
        match self {
            Buffer::F32(_) => DType::F32, Buffer::I32(_) => DType::I32, Buffer::Bool(_) => DType::Bool,
            Buffer::U8(_) => DType::U8, Buffer::I8(_) => DType::I8, Buffer::I64(_) => DType::I64,
            Buffer::F64(_) => DType::F64, Buffer::F16(_) => DType::F16, Buffer::Gpu { dtype, .. } => *dtype,
        }
    }
    pub fn len(&self) -> usize {
        match self {
            Buffer::F32(v) => v.len(), Buffer::I32(v) => v.len(), Buffer::Bool(v) => v.len(), Buffer::U8(v) => v.len(),
            Buffer::I8(v) => v.len(), Buffer::I64(v) => v.len(), Buffer::F64(v) => v.len(), Buffer::F16(v) => v.len(),
            Buffer::Gpu { len, .. } => *len,
        }
    }
    /// The device the buffer's memory is on.
    pub fn device(&self) -> Device { if matches!(self, Buffer::Gpu { .. }) { Device::WebGpu } else { Device::Cpu } }
    pub fn is_empty(&self) -> bool { self.len() == 0 }
    /// The host address of element 0 (null for device memory).
    pub fn byte_ptr(&self) -> *const u8 {
        match self {
            Buffer::F32(v) => v.as_ptr() as *const u8,
            Buffer::I32(v) => v.as_ptr() as *const u8,
            Buffer::Bool(v) => v.as_ptr(),
            Buffer::U8(v) => v.as_ptr() as *const u8,
            Buffer::I8(v) => v.as_ptr() as *const u8,
            Buffer::I64(v) => v.as_ptr() as *const u8,
            Buffer::F64(v) => v.as_ptr() as *const u8,
            Buffer::F16(v) => v.as_ptr() as *const u8,
            Buffer::Gpu { .. } => core::ptr::null(),
        }
    }
}

pub struct Storage {
    pub buf: RefCell<Buffer>,
    /// Where the buffer lives (follows the buffer).
    pub device: Device,
    /// Bumped by every in-place write, so autograd can tell a saved tensor was modified.
    pub version: core::cell::Cell<u32>,
}

/// Bytes held by every storage alive (kept by Storage::new and Drop): an O(1) figure the JS
/// side polls on each new tensor to decide when to ask for a garbage collection.
static LIVE_BYTES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

pub fn live_bytes() -> usize { LIVE_BYTES.load(core::sync::atomic::Ordering::Relaxed) }

impl Drop for Storage {
    fn drop(&mut self) {
        LIVE_BYTES.fetch_sub(self.nbytes(), core::sync::atomic::Ordering::Relaxed);
        // device memory goes back to its backend's pool
        if let Buffer::Gpu { id, .. } = *self.buf.get_mut() { crate::backend::webgpu::release(id); }
    }
}

impl Storage {
    pub fn new(buf: Buffer) -> Self {
        LIVE_BYTES.fetch_add(buf.len() * buf.dtype().size(), core::sync::atomic::Ordering::Relaxed);
        let device = buf.device();
        Storage { buf: RefCell::new(buf), device, version: core::cell::Cell::new(0) }
    }
    pub fn dtype(&self) -> DType { self.buf.borrow().dtype() }
    pub fn nbytes(&self) -> usize {
        let b = self.buf.borrow();
        b.len() * b.dtype().size()
    }
}

/// A zero-filled vector, or a typed Memory error instead of an allocator abort.
pub fn alloc_vec<T: Elem>(n: usize) -> Result<Vec<T>> {
    let mut v = try_with_capacity::<T>(n)?;
    v.resize(n, T::default());
    Ok(v)
}

/// A vector of `n` elements whose contents are unspecified, for an output a kernel writes in
/// full before anything reads it (a GEMM's C): it skips the serial zero fill, which on 2
/// threads also left the workers' rows of C in the caller's cache. Only for plain number
/// types, where any bit pattern is a value.
pub fn alloc_for_overwrite<T: Elem>(n: usize) -> Result<Vec<T>> {
    let mut v = try_with_capacity::<T>(n)?;
    // SAFETY: the capacity holds n elements; callers write each before it is read.
    unsafe { v.set_len(n) };
    Ok(v)
}

/// An empty vector with room for `n`, or a typed Memory error.
pub fn try_with_capacity<T: Elem>(n: usize) -> Result<Vec<T>> {
    let bytes = n.checked_mul(core::mem::size_of::<T>())
        .filter(|&b| b <= MAX_BYTES)
        .ok_or_else(|| err!(Memory, "cannot allocate {} elements of {}: over the {} byte limit", n, T::DTYPE.name(), MAX_BYTES))?;
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| err!(Memory, "out of memory: cannot allocate {} bytes", bytes))?;
    Ok(v)
}
