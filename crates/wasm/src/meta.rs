//! Errors, scratch, memory and tensor metadata: the entries every call leans on.
use crate::abi::abi;
use crate::state::{state, SCRATCH_LEN};

static mut OP_TABLE: String = String::new();
static mut MANIFEST: String = String::new();
static mut OP_MANIFEST: String = String::new();

fn op_table() -> &'static str {
    unsafe {
        let t = &mut *core::ptr::addr_of_mut!(OP_TABLE);
        if t.is_empty() { *t = kd_engine::ops::op_table(); }
        t
    }
}

abi! {
    fn kd_error_kind() -> value(u32) { state().last_error.as_ref().map_or(0, |e| e.kind as u32) }
    fn kd_error_ptr() -> value(*const u8) { state().last_error.as_ref().map_or(core::ptr::null(), |e| e.msg.as_ptr()) }
    fn kd_error_len() -> value(usize) { state().last_error.as_ref().map_or(0, |e| e.msg.len()) }
    fn kd_scratch() -> value(*mut i32) { state().scratch.as_mut_ptr() }
    fn kd_scratch_len() -> value(usize) { SCRATCH_LEN }
    /// "family:op,op,...;..." (the op codes are the positions).
    fn kd_op_table_ptr() -> value(*const u8) { op_table().as_ptr() }
    fn kd_op_table_len() -> value(usize) { op_table().len() }
    /// This ABI's manifest (JSON, see abi.rs): returns its address; its length goes to scratch[0].
    fn kd_abi_manifest() -> value(*const u8) {
        unsafe {
            let m = &mut *core::ptr::addr_of_mut!(MANIFEST);
            if m.is_empty() { *m = crate::manifest(); }
            state().scratch[0] = m.len() as i32;
            m.as_ptr()
        }
    }
    /// The elementwise ops' spec rows (ops/spec.rs) as JSON: returns its address; its length goes to scratch[0].
    fn kd_op_manifest() -> value(*const u8) {
        unsafe {
            let m = &mut *core::ptr::addr_of_mut!(OP_MANIFEST);
            if m.is_empty() { *m = kd_engine::ops::manifest(); }
            state().scratch[0] = m.len() as i32;
            m.as_ptr()
        }
    }
    /// Releases a handle; its storage is freed when no other view shares it. Returns 1 if it was live.
    op kd_release(h: u32) -> value(u32) { state().remove(h) as u32 }
    fn kd_live_tensors() -> value(usize) { state().live }
    fn kd_storage_bytes() -> value(usize) { state().storage_bytes() }
    /// Bytes held by all live storages (handles, autograd graphs, temporaries), in O(1).
    fn kd_live_bytes() -> value(usize) { kd_engine::storage::live_bytes() }
    /// Writes the shape to scratch and returns ndim, or -1 for a dead handle.
    fn kd_shape(h: u32) -> value(i32) {
        let st = state();
        let Ok(t) = st.get(h) else { return -1 };
        let dims: Vec<i32> = t.shape.iter().map(|&d| d as i32).collect();
        st.scratch[..dims.len()].copy_from_slice(&dims);
        dims.len() as i32
    }
    /// Writes the strides to scratch and returns ndim, or -1 for a dead handle.
    fn kd_strides(h: u32) -> value(i32) {
        let st = state();
        let Ok(t) = st.get(h) else { return -1 };
        let v: Vec<i32> = t.strides.iter().map(|&d| d as i32).collect();
        st.scratch[..v.len()].copy_from_slice(&v);
        v.len() as i32
    }
    fn kd_dtype(h: u32) -> value(i32) { state().get(h).map_or(-1, |t| t.dtype() as i32) }
    fn kd_device(h: u32) -> value(i32) { state().get(h).map_or(-1, |t| t.device() as i32) }
    /// The GPU buffer id of a tensor (0 for host memory); its element offset goes to scratch[0].
    fn kd_gpu_buffer(h: u32) -> value(u32) {
        let st = state();
        let Ok(t) = st.get(h) else { return 0 };
        let id = match *t.storage.buf.borrow() { kd_engine::storage::Buffer::Gpu { id, .. } => id, _ => return 0 };
        st.scratch[0] = t.offset as i32;
        id
    }
    /// The webgpu index-error flag's buffer id if an index kernel ran since the last call (the
    /// read path then reads its 4 words back for `kd_gpu_index_check`), else 0.
    fn kd_gpu_index_flag() -> value(u32) { kd_engine::backend::webgpu::errflag::take_armed() }
    /// The flag's words as read back: an IndexError when an index was out of range (the flag is cleared).
    fn kd_gpu_index_check(set: u32, index: u32, dim: u32, size: u32) -> status {
        match kd_engine::backend::webgpu::errflag::check([set, index, dim, size]) {
            Ok(Some(e)) | Err(e) => Err(e),
            Ok(None) => Ok(()),
        }
    }
    fn kd_is_contiguous(h: u32) -> value(i32) { state().get(h).map_or(-1, |t| t.is_contiguous() as i32) }
    /// Address of element 0 of a contiguous tensor (JS reads or fills it in place); 0 if the
    /// handle is dead or the view is not contiguous.
    fn kd_data_ptr(h: u32) -> value(usize) {
        let Ok(t) = state().get(h) else { return 0 };
        if !t.is_contiguous() { return 0; }
        let b = t.storage.buf.borrow();
        b.byte_ptr() as usize + t.offset * t.dtype().size()
    }
}
