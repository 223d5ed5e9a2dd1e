//! The C ABI of Kindling. Tensors cross as integer handles (0 means "error: read
//! kd_error_*"); argument arrays cross through the scratch area. Every entry validates its
//! input and returns an error instead of panicking, so no call can trap the instance.
mod state;

use kd_engine::ops::{binary, creation, index, matmul, reduce, softmax, unary, view};
use kd_engine::autograd;

use kd_engine::{DType, Error, ErrorKind, Result, Tensor};
use state::{state, SCRATCH_LEN};

fn fail(e: Error) -> u32 {
    state().last_error = Some(e);
    0
}

fn ret(r: Result<Tensor>) -> u32 {
    match r {
        Ok(t) => state().insert(t),
        Err(e) => fail(e),
    }
}

/// Ops with two results (values, indices): the first handle is returned, the second goes to
/// scratch[0].
fn ret_pair(r: Result<(Tensor, Tensor)>) -> u32 {
    match r {
        Ok((v, i)) => {
            let st = state();
            let vi = st.insert(v);
            st.scratch[0] = st.insert(i) as i32;
            vi
        }
        Err(e) => fail(e),
    }
}

fn err(kind: ErrorKind, msg: String) -> Error { Error { kind, msg } }

fn get(h: u32) -> Result<Tensor> { state().get(h).cloned() }

/// `n` i32s from the scratch area.
fn scratch_i32(n: i32) -> Result<Vec<i32>> {
    if n < 0 || n as usize > SCRATCH_LEN { return Err(err(ErrorKind::Value, format!("argument list of length {} is out of range", n))); }
    Ok(state().scratch[..n as usize].to_vec())
}

fn scratch_dims(n: i32) -> Result<Vec<i64>> { Ok(scratch_i32(n)?.into_iter().map(|x| x as i64).collect()) }

fn scratch_shape(n: i32) -> Result<Vec<usize>> {
    scratch_i32(n)?.into_iter().map(|d| {
        if d < 0 { Err(err(ErrorKind::Value, format!("Trying to create tensor with negative dimension {}", d))) } else { Ok(d as usize) }
    }).collect()
}

fn dtype(code: u32) -> Result<DType> {
    DType::from_u32(code).ok_or_else(|| err(ErrorKind::DType, format!("unknown dtype code {}", code)))
}

// ---- errors, memory, metadata -------------------------------------------------------------

#[no_mangle]
pub extern "C" fn kd_error_kind() -> u32 { state().last_error.as_ref().map_or(0, |e| e.kind as u32) }
#[no_mangle]
pub extern "C" fn kd_error_ptr() -> *const u8 { state().last_error.as_ref().map_or(core::ptr::null(), |e| e.msg.as_ptr()) }
#[no_mangle]
pub extern "C" fn kd_error_len() -> usize { state().last_error.as_ref().map_or(0, |e| e.msg.len()) }

#[no_mangle]
pub extern "C" fn kd_scratch() -> *mut i32 { state().scratch.as_mut_ptr() }
#[no_mangle]
pub extern "C" fn kd_scratch_len() -> usize { SCRATCH_LEN }

static mut OP_TABLE: String = String::new();
#[no_mangle]
pub extern "C" fn kd_op_table_ptr() -> *const u8 {
    unsafe {
        let t = &mut *core::ptr::addr_of_mut!(OP_TABLE);
        if t.is_empty() { *t = kd_engine::ops::op_table(); }
        t.as_ptr()
    }
}
#[no_mangle]
pub extern "C" fn kd_op_table_len() -> usize { kd_op_table_ptr(); unsafe { (&*core::ptr::addr_of!(OP_TABLE)).len() } }

/// The elementwise ops' spec rows (ops/spec.rs) as JSON; writes the length to scratch[0].
#[no_mangle]
pub extern "C" fn kd_op_manifest() -> *const u8 {
    static mut MANIFEST: String = String::new();
    unsafe {
        let m = &mut *core::ptr::addr_of_mut!(MANIFEST);
        if m.is_empty() { *m = kd_engine::ops::manifest(); }
        state().scratch[0] = m.len() as i32;
        m.as_ptr()
    }
}

/// Releases a handle; its storage is freed when no other view shares it. Returns 1 if it was live.
#[no_mangle]
pub extern "C" fn kd_release(h: u32) -> u32 { state().remove(h) as u32 }
#[no_mangle]
pub extern "C" fn kd_live_tensors() -> usize { state().live }
#[no_mangle]
pub extern "C" fn kd_storage_bytes() -> usize { state().storage_bytes() }
/// Bytes held by all live storages (handles, autograd graphs, temporaries), in O(1).
#[no_mangle]
pub extern "C" fn kd_live_bytes() -> usize { kd_engine::storage::live_bytes() }

/// A second handle to the same view (shares storage).
#[no_mangle]
pub extern "C" fn kd_alias(h: u32) -> u32 { ret(get(h)) }

/// Writes the shape to scratch and returns ndim, or -1 for a dead handle.
#[no_mangle]
pub extern "C" fn kd_shape(h: u32) -> i32 {
    let st = state();
    let Ok(t) = st.get(h) else { return -1 };
    let dims: Vec<i32> = t.shape.iter().map(|&d| d as i32).collect();
    st.scratch[..dims.len()].copy_from_slice(&dims);
    dims.len() as i32
}
#[no_mangle]
pub extern "C" fn kd_strides(h: u32) -> i32 {
    let st = state();
    let Ok(t) = st.get(h) else { return -1 };
    let v: Vec<i32> = t.strides.iter().map(|&d| d as i32).collect();
    st.scratch[..v.len()].copy_from_slice(&v);
    v.len() as i32
}
#[no_mangle]
pub extern "C" fn kd_dtype(h: u32) -> i32 { state().get(h).map_or(-1, |t| t.dtype() as i32) }
#[no_mangle]
pub extern "C" fn kd_device(h: u32) -> i32 { state().get(h).map_or(-1, |t| t.device() as i32) }
#[no_mangle]
pub extern "C" fn kd_is_contiguous(h: u32) -> i32 { state().get(h).map_or(-1, |t| t.is_contiguous() as i32) }
#[no_mangle]
pub extern "C" fn kd_offset(h: u32) -> i32 { state().get(h).map_or(-1, |t| t.offset as i32) }

/// Address of element 0 of a contiguous tensor (JS reads or fills it in place); 0 if the
/// handle is dead or the view is not contiguous.
#[no_mangle]
pub extern "C" fn kd_data_ptr(h: u32) -> usize {
    let Ok(t) = state().get(h) else { return 0 };
    if !t.is_contiguous() { return 0; }
    let b = t.storage.buf.borrow();
    b.byte_ptr() as usize + t.offset * t.dtype().size()
}

// ---- creation -----------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn kd_full(dt: u32, ndim: i32, value: f64) -> u32 {
    ret((|| creation::full(&scratch_shape(ndim)?, value, dtype(dt)?))())
}
#[no_mangle]
pub extern "C" fn kd_arange(start: f64, end: f64, step: f64, dt: u32) -> u32 {
    ret((|| creation::arange(start, end, step, dtype(dt)?))())
}
#[no_mangle]
pub extern "C" fn kd_linspace(start: f64, end: f64, steps: i32) -> u32 { ret(creation::linspace(start, end, steps as i64)) }
#[no_mangle]
pub extern "C" fn kd_eye(n: i32, m: i32, dt: u32) -> u32 {
    ret((|| {
        if n < 0 || m < 0 { return Err(err(ErrorKind::Value, format!("eye(): n and m must be non-negative, got {} and {}", n, m))); }
        creation::eye(n as usize, m as usize, dtype(dt)?)
    })())
}
#[no_mangle]
pub extern "C" fn kd_manual_seed(lo: u32, hi: u32) { state().rng = kd_kernels::rng::Rng::new(((hi as u64) << 32) | lo as u64); }
/// Writes the generator's state (Rng::state_bytes: torch.get_rng_state's 5056 bytes) to scratch;
/// returns its length.
#[no_mangle]
pub extern "C" fn kd_rng_state() -> i32 {
    let st = state();
    let b = st.rng.state_bytes();
    for (w, c) in st.scratch.iter_mut().zip(b.chunks_exact(4)) { *w = i32::from_le_bytes([c[0], c[1], c[2], c[3]]); }
    b.len() as i32
}
/// Restores the generator from `len` state bytes in scratch: 1, or 0 with the error set (the
/// generator unchanged).
#[no_mangle]
pub extern "C" fn kd_set_rng_state(len: i32) -> u32 {
    let st = state();
    if len < 0 || len as usize > SCRATCH_LEN * 4 {
        fail(err(ErrorKind::Value, format!("RNG state of {} bytes is out of range", len)));
        return 0;
    }
    let bytes: Vec<u8> = st.scratch.iter().flat_map(|w| w.to_le_bytes()).take(len as usize).collect();
    match kd_kernels::rng::Rng::from_state_bytes(&bytes) {
        Ok(r) => { st.rng = r; 1 }
        Err(m) if bytes.len() != kd_kernels::rng::STATE_BYTES => { fail(err(ErrorKind::Value, format!("{} (got {} bytes)", m, len))); 0 }
        Err(m) => { fail(err(ErrorKind::Value, m.into())); 0 }
    }
}
#[no_mangle]
pub extern "C" fn kd_rand(ndim: i32) -> u32 { ret((|| creation::rand(&scratch_shape(ndim)?, &mut state().rng))()) }
#[no_mangle]
pub extern "C" fn kd_randn(ndim: i32) -> u32 { ret((|| creation::randn(&scratch_shape(ndim)?, &mut state().rng))()) }
/// A float tensor of the scratch shape from a parametrised distribution: kind 0 is U(a, b)
/// (uniform_), 1 is N(a, b²) (normal_), 2 is Bernoulli(a) (bernoulli_, dropout's mask).
#[no_mangle]
pub extern "C" fn kd_rand_dist(kind: u32, a: f64, b: f64, ndim: i32) -> u32 {
    ret((|| {
        let shape = scratch_shape(ndim)?;
        let rng = &mut state().rng;
        match kind {
            0 => creation::uniform(&shape, a, b, rng),
            1 => creation::normal(&shape, a, b, rng),
            2 => creation::bernoulli(&shape, a, rng),
            _ => Err(err(ErrorKind::Value, format!("unknown distribution {}", kind))),
        }
    })())
}
#[no_mangle]
pub extern "C" fn kd_randint(low: f64, high: f64, ndim: i32) -> u32 {
    ret((|| creation::randint(low as i64, high as i64, &scratch_shape(ndim)?, &mut state().rng))())
}
#[no_mangle]
pub extern "C" fn kd_randperm(n: i32) -> u32 {
    ret((|| {
        if n < 0 { return Err(err(ErrorKind::Value, format!("randperm(): n must be non-negative, got {}", n))); }
        creation::randperm(n as usize, &mut state().rng)
    })())
}

// ---- elementwise, reductions, linear algebra ------------------------------------------------

#[no_mangle]
pub extern "C" fn kd_unary(code: u32, h: u32) -> u32 {
    ret((|| {
        let (name, op, keeps_int) = unary::lookup(code).ok_or_else(|| err(ErrorKind::Value, format!("unknown unary op {}", code)))?;
        unary::apply(op, name, keeps_int, &get(h)?)
    })())
}

#[no_mangle]
pub extern "C" fn kd_binary(code: u32, a: u32, b: u32) -> u32 {
    ret((|| {
        let (name, op) = binary::lookup(code).ok_or_else(|| err(ErrorKind::Value, format!("unknown binary op {}", code)))?;
        binary::apply(op, name, &get(a)?, &get(b)?)
    })())
}

/// `a op scalar` (or `scalar op a` when `reverse`); an integer scalar is int32, else float32.
#[no_mangle]
pub extern "C" fn kd_binary_scalar(code: u32, a: u32, value: f64, is_int: u32, reverse: u32) -> u32 {
    ret((|| {
        let (name, op) = binary::lookup(code).ok_or_else(|| err(ErrorKind::Value, format!("unknown binary op {}", code)))?;
        let t = get(a)?;
        let s = if is_int != 0 {
            Tensor::from_vec(vec![value as i32], vec![])
        } else {
            Tensor::from_vec(vec![value as f32], vec![])
        };
        if reverse != 0 { binary::apply(op, name, &s, &t) } else { binary::apply(op, name, &t, &s) }
    })())
}

/// ndims < 0 reduces over every dim; the dims are in scratch.
#[no_mangle]
pub extern "C" fn kd_reduce(code: u32, h: u32, ndims: i32, keepdim: u32, correction: f64) -> u32 {
    ret((|| {
        let (name, op) = reduce::lookup(code).ok_or_else(|| err(ErrorKind::Value, format!("unknown reduction {}", code)))?;
        let dims = if ndims < 0 { None } else { Some(scratch_dims(ndims)?) };
        reduce::apply(op, name, &get(h)?, dims.as_deref(), keepdim != 0, correction)
    })())
}

/// torch.max/min(t, dim): returns the values handle; the indices handle goes to scratch[0].
#[no_mangle]
pub extern "C" fn kd_extreme_dim(h: u32, dim: i32, keepdim: u32, want_max: u32) -> u32 {
    ret_pair((|| reduce::extreme_dim_apply(&get(h)?, dim as i64, keepdim != 0, want_max != 0))())
}

#[no_mangle]
pub extern "C" fn kd_clamp(h: u32, lo: f64, hi: f64, has_lo: u32, has_hi: u32) -> u32 {
    ret((|| unary::clamp_apply(&get(h)?, (has_lo != 0).then_some(lo), (has_hi != 0).then_some(hi)))())
}
#[no_mangle]
pub extern "C" fn kd_leaky_relu(h: u32, slope: f64) -> u32 { ret((|| unary::leaky_relu_apply(&get(h)?, slope as f32))()) }
#[no_mangle]
pub extern "C" fn kd_matmul(a: u32, b: u32) -> u32 { ret((|| matmul::apply(&get(a)?, &get(b)?))()) }
#[no_mangle]
pub extern "C" fn kd_softmax(h: u32, dim: i32, log: u32) -> u32 { ret((|| softmax::apply(&get(h)?, dim as i64, log != 0))()) }
#[no_mangle]
pub extern "C" fn kd_cast(h: u32, dt: u32) -> u32 { ret((|| view::cast(&get(h)?, dtype(dt)?))()) }
#[no_mangle]
pub extern "C" fn kd_contiguous(h: u32) -> u32 { ret((|| view::copy(&get(h)?, false))()) }
#[no_mangle]
pub extern "C" fn kd_clone(h: u32) -> u32 { ret((|| view::copy(&get(h)?, true))()) }

// ---- views ----------------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn kd_view(h: u32, ndim: i32) -> u32 { ret((|| view::view(&get(h)?, &scratch_dims(ndim)?))()) }
#[no_mangle]
pub extern "C" fn kd_reshape(h: u32, ndim: i32) -> u32 { ret((|| view::reshape(&get(h)?, &scratch_dims(ndim)?))()) }
#[no_mangle]
pub extern "C" fn kd_permute(h: u32, ndim: i32) -> u32 { ret((|| view::permute(&get(h)?, &scratch_dims(ndim)?))()) }
#[no_mangle]
pub extern "C" fn kd_expand(h: u32, ndim: i32) -> u32 { ret((|| view::expand(&get(h)?, &scratch_dims(ndim)?))()) }
#[no_mangle]
pub extern "C" fn kd_transpose(h: u32, d0: i32, d1: i32) -> u32 { ret((|| view::transpose(&get(h)?, d0 as i64, d1 as i64))()) }
#[no_mangle]
pub extern "C" fn kd_unsqueeze(h: u32, d: i32) -> u32 { ret((|| view::unsqueeze(&get(h)?, d as i64))()) }
/// ndims < 0 squeezes every size-1 dim; else the dims in scratch.
#[no_mangle]
pub extern "C" fn kd_squeeze(h: u32, ndims: i32) -> u32 {
    ret((|| {
        let dims = if ndims < 0 { None } else { Some(scratch_dims(ndims)?) };
        view::squeeze(&get(h)?, dims.as_deref())
    })())
}
#[no_mangle]
pub extern "C" fn kd_slice(h: u32, dim: i32, start: f64, end: f64, step: f64) -> u32 {
    ret((|| view::slice(&get(h)?, dim as i64, start as i64, end as i64, step as i64))())
}
#[no_mangle]
pub extern "C" fn kd_select(h: u32, dim: i32, index: f64) -> u32 { ret((|| view::select(&get(h)?, dim as i64, index as i64))()) }

// ---- indexing -------------------------------------------------------------------------------

/// Concatenates the `n` handles in scratch along `dim`.
#[no_mangle]
pub extern "C" fn kd_cat(n: i32, dim: i32) -> u32 {
    ret((|| {
        let hs = scratch_i32(n)?;
        let ts: Vec<Tensor> = hs.iter().map(|&h| get(h as u32)).collect::<Result<_>>()?;
        index::cat_apply(&ts, dim as i64)
    })())
}
#[no_mangle]
pub extern "C" fn kd_index_select(h: u32, dim: i32, idx: u32) -> u32 { ret((|| index::index_select_apply(&get(h)?, dim as i64, &get(idx)?))()) }
#[no_mangle]
pub extern "C" fn kd_gather(h: u32, dim: i32, idx: u32) -> u32 { ret((|| index::gather_apply(&get(h)?, dim as i64, &get(idx)?))()) }
#[no_mangle]
pub extern "C" fn kd_scatter_add(h: u32, dim: i32, idx: u32, src: u32) -> u32 {
    ret((|| index::scatter_add_apply(&get(h)?, dim as i64, &get(idx)?, &get(src)?))())
}
#[no_mangle]
pub extern "C" fn kd_where(c: u32, a: u32, b: u32) -> u32 { ret((|| index::where_apply(&get(c)?, &get(a)?, &get(b)?))()) }
#[no_mangle]
pub extern "C" fn kd_masked_fill(h: u32, mask: u32, value: f64) -> u32 { ret((|| index::masked_fill_apply(&get(h)?, &get(mask)?, value))()) }




// ---- autograd -------------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn kd_set_requires_grad(h: u32, on: u32) -> u32 {
    match state().get_mut(h).and_then(|t| t.set_requires_grad(on != 0)) {
        Ok(()) => h,
        Err(e) => fail(e),
    }
}
#[no_mangle]
pub extern "C" fn kd_requires_grad(h: u32) -> i32 { state().get(h).map_or(-1, |t| t.requires_grad() as i32) }
#[no_mangle]
pub extern "C" fn kd_is_leaf(h: u32) -> i32 { state().get(h).map_or(-1, |t| t.is_leaf() as i32) }
/// The gradient as a new handle; 0 with error kind 0 when there is none.
#[no_mangle]
pub extern "C" fn kd_grad(h: u32) -> u32 {
    match get(h) {
        Ok(t) => match t.grad() {
            Some(g) => state().insert(g),
            None => { state().last_error = None; 0 }
        },
        Err(e) => fail(e),
    }
}
/// Sets .grad (g = 0 clears it). Returns 1, or 0 on error.
#[no_mangle]
pub extern "C" fn kd_set_grad(h: u32, g: u32) -> u32 {
    let r = (|| {
        let g = if g == 0 { None } else { Some(get(g)?) };
        get(h)?.set_grad(g)
    })();
    match r { Ok(()) => 1, Err(e) => fail(e) }
}
#[no_mangle]
pub extern "C" fn kd_retain_grad(h: u32) -> u32 { match (|| get(h)?.retain_grad())() { Ok(()) => 1, Err(e) => fail(e) } }
/// Backpropagates from h (gradient g, or 0 for an implicit 1 on a scalar). Returns 1, or 0 on error.
#[no_mangle]
pub extern "C" fn kd_backward(h: u32, g: u32, retain_graph: u32) -> u32 {
    let r = (|| {
        let grad = if g == 0 { None } else { Some(get(g)?) };
        autograd::backward(&get(h)?, grad, retain_graph != 0)
    })();
    match r { Ok(()) => 1, Err(e) => fail(e) }
}
#[no_mangle]
pub extern "C" fn kd_set_grad_enabled(on: u32) -> u32 { autograd::set_grad_enabled(on != 0) as u32 }
#[no_mangle]
pub extern "C" fn kd_detach(h: u32) -> u32 { ret((|| Ok(get(h)?.detach()))()) }
/// The name of the op that made h ("" for leaves), in the error buffer's place: ptr then len.
#[no_mangle]
pub extern "C" fn kd_grad_fn_name(h: u32) -> u32 {
    let name = state().get(h).ok().and_then(|t| t.grad_fn_name()).unwrap_or("");
    let st = state();
    let bytes = name.as_bytes();
    let n = bytes.len().min(64);
    for (i, b) in bytes[..n].iter().enumerate() { st.scratch[i] = *b as i32; }
    n as u32
}

/// In-place copy (torch's copy_): src broadcast and cast into the view dst. Returns 1 or 0.
#[no_mangle]
pub extern "C" fn kd_copy_(dst: u32, src: u32) -> u32 {
    let r = (|| {
        let d = get(dst)?;
        if autograd::grad_enabled() && d.requires_grad() {
            return Err(err(ErrorKind::Autograd, if d.is_leaf() {
                "a leaf Variable that requires grad is being used in an in-place operation.".into()
            } else {
                "in-place operations on tensors that require grad are not supported; use the out-of-place op".into()
            }));
        }
        index::copy_into(&d, &get(src)?)
    })();
    match r { Ok(()) => 1, Err(e) => fail(e) }
}

// ---- fused optimizer steps (kd.optim) -------------------------------------------------------
// Each updates the parameter and its state tensors in place and returns 1, or 0 with the
// error set. A state handle of 0 means "none" (used only when the option needs it).
// flags: bit 0 maximize; SGD bit 1 nesterov, bit 2 first step (the buffer takes the grad);
// Adam bit 1 amsgrad, bit 2 decoupled weight decay (AdamW); RMSprop bit 1 centered.

fn opt_state(h: u32) -> Result<Option<Tensor>> { if h == 0 { Ok(None) } else { get(h).map(Some) } }
fn opt_ret(r: Result<()>) -> u32 { match r { Ok(()) => 1, Err(e) => fail(e) } }

#[no_mangle]
pub extern "C" fn kd_sgd_step(param: u32, grad: u32, buf: u32, lr: f64, momentum: f64, dampening: f64, weight_decay: f64, flags: u32) -> u32 {
    use kd_engine::ops::optim;
    opt_ret((|| {
        let h = optim::Sgd { lr, momentum, dampening, weight_decay, nesterov: flags & 2 != 0, maximize: flags & 1 != 0 };
        optim::sgd_step(&get(param)?, &get(grad)?, opt_state(buf)?.as_ref(), flags & 4 != 0, &h)
    })())
}

#[no_mangle]
pub extern "C" fn kd_adam_step(param: u32, grad: u32, exp_avg: u32, exp_avg_sq: u32, max_exp_avg_sq: u32, step: f64, lr: f64, beta1: f64, beta2: f64, eps: f64, weight_decay: f64, flags: u32) -> u32 {
    use kd_engine::ops::optim;
    opt_ret((|| {
        let decoupled = flags & 4 != 0;
        let step = optim::step_count(if decoupled { "adamw" } else { "adam" }, step)?;
        let h = optim::Adam { lr, beta1, beta2, eps, weight_decay, step, amsgrad: flags & 2 != 0, maximize: flags & 1 != 0, decoupled };
        optim::adam_step(&get(param)?, &get(grad)?, &get(exp_avg)?, &get(exp_avg_sq)?, opt_state(max_exp_avg_sq)?.as_ref(), &h)
    })())
}

#[no_mangle]
pub extern "C" fn kd_rmsprop_step(param: u32, grad: u32, square_avg: u32, grad_avg: u32, momentum_buffer: u32, lr: f64, alpha: f64, eps: f64, weight_decay: f64, momentum: f64, flags: u32) -> u32 {
    use kd_engine::ops::optim;
    opt_ret((|| {
        let h = optim::RmsProp { lr, alpha, eps, weight_decay, momentum, centered: flags & 2 != 0, maximize: flags & 1 != 0 };
        optim::rmsprop_step(&get(param)?, &get(grad)?, &get(square_avg)?, opt_state(grad_avg)?.as_ref(), opt_state(momentum_buffer)?.as_ref(), &h)
    })())
}

#[no_mangle]
pub extern "C" fn kd_adagrad_step(param: u32, grad: u32, sum: u32, step: f64, lr: f64, lr_decay: f64, weight_decay: f64, eps: f64, flags: u32) -> u32 {
    use kd_engine::ops::optim;
    opt_ret((|| {
        let step = optim::step_count("adagrad", step)?;
        let h = optim::Adagrad { lr, lr_decay, weight_decay, eps, step, maximize: flags & 1 != 0 };
        optim::adagrad_step(&get(param)?, &get(grad)?, &get(sum)?, &h)
    })())
}

// ---- convolution and pooling ------------------------------------------------------------------

fn usize_arg(v: i32, what: &str) -> Result<usize> {
    if v < 0 { return Err(err(ErrorKind::Value, format!("{} must be non-negative, got {}", what, v))); }
    Ok(v as usize)
}

/// scratch: [stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_pad_h, out_pad_w]
fn conv_args() -> Result<(kd_engine::ops::conv::ConvArgs, [usize; 2])> {
    let v = scratch_i32(9)?;
    let u = |i: usize, w: &str| usize_arg(v[i], w);
    Ok((kd_engine::ops::conv::ConvArgs {
        stride: [u(0, "stride")?, u(1, "stride")?],
        padding: [u(2, "padding")?, u(3, "padding")?],
        dilation: [u(4, "dilation")?, u(5, "dilation")?],
        groups: u(6, "groups")?,
    }, [u(7, "output_padding")?, u(8, "output_padding")?]))
}

/// conv2d(x, w, bias or 0) with the arguments in scratch (see conv_args).
#[no_mangle]
pub extern "C" fn kd_conv2d(x: u32, w: u32, b: u32) -> u32 {
    ret((|| {
        let (a, _) = conv_args()?;
        let bias = if b == 0 { None } else { Some(get(b)?) };
        kd_engine::ops::conv::conv2d(&get(x)?, &get(w)?, bias.as_ref(), a)
    })())
}

#[no_mangle]
pub extern "C" fn kd_conv_transpose2d(x: u32, w: u32, b: u32) -> u32 {
    ret((|| {
        let (a, op) = conv_args()?;
        let bias = if b == 0 { None } else { Some(get(b)?) };
        kd_engine::ops::conv::conv_transpose2d(&get(x)?, &get(w)?, bias.as_ref(), a, op)
    })())
}

/// scratch: [kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, ceil_mode]
fn pool_args() -> Result<kd_engine::ops::pool::PoolArgs> {
    let v = scratch_i32(9)?;
    let u = |i: usize, w: &str| usize_arg(v[i], w);
    Ok(kd_engine::ops::pool::PoolArgs {
        kernel: [u(0, "kernel_size")?, u(1, "kernel_size")?],
        stride: [u(2, "stride")?, u(3, "stride")?],
        padding: [u(4, "padding")?, u(5, "padding")?],
        dilation: [u(6, "dilation")?, u(7, "dilation")?],
        ceil_mode: v[8] != 0,
    })
}

/// max_pool2d: returns the values handle; the indices handle goes to scratch[0].
#[no_mangle]
pub extern "C" fn kd_max_pool2d(x: u32) -> u32 {
    ret_pair((|| kd_engine::ops::pool::max_pool2d(&get(x)?, pool_args()?))())
}

/// divisor <= 0 means none.
#[no_mangle]
pub extern "C" fn kd_avg_pool2d(x: u32, count_include_pad: u32, divisor: i32) -> u32 {
    ret((|| kd_engine::ops::pool::avg_pool2d(&get(x)?, pool_args()?, count_include_pad != 0, (divisor > 0).then_some(divisor as usize)))())
}

#[no_mangle]
pub extern "C" fn kd_adaptive_avg_pool2d(x: u32, oh: i32, ow: i32) -> u32 {
    ret((|| kd_engine::ops::pool::adaptive_avg_pool2d(&get(x)?, usize_arg(oh, "output_size")?, usize_arg(ow, "output_size")?))())
}

// ---- resampling (F.interpolate) ---------------------------------------------------------------

/// mode: 0 nearest, 1 nearest-exact, 2 bilinear. A scale <= 0 means none (the size was given).
#[no_mangle]
pub extern "C" fn kd_upsample2d(x: u32, mode: u32, oh: i32, ow: i32, scale_h: f64, scale_w: f64, align_corners: u32) -> u32 {
    use kd_engine::ops::resize;
    ret((|| {
        let m = resize::ResizeMode::from_code(mode, align_corners != 0)?;
        let s = |v: f64| (v > 0.0).then_some(v);
        resize::upsample2d(&get(x)?, m, usize_arg(oh, "output size")?, usize_arg(ow, "output size")?, s(scale_h), s(scale_w))
    })())
}

// ---- profiler ---------------------------------------------------------------------------------

#[link(wasm_import_module = "env")]
extern "C" {
    /// performance.now(), imported from JS only for the profiler.
    #[link_name = "kd_now"]
    fn js_now() -> f64;
}

fn now() -> f64 { unsafe { js_now() } }

/// on != 0 starts profiling backward rules (clearing the table); 0 stops.
#[no_mangle]
pub extern "C" fn kd_profile(on: u32) { kd_engine::profile::set_clock(if on != 0 { Some(now) } else { None }); }

static mut PROFILE_TEXT: String = String::new();

/// "name,calls,ms;..." for the backward rules run while profiling; its length is returned,
/// its address by kd_profile_ptr.
#[no_mangle]
pub extern "C" fn kd_profile_report() -> usize {
    let text: Vec<String> = kd_engine::profile::rows().iter().map(|(n, c, ms)| format!("{},{},{}", n, c, ms)).collect();
    unsafe {
        let t = &mut *core::ptr::addr_of_mut!(PROFILE_TEXT);
        *t = text.join(";");
        t.len()
    }
}
#[no_mangle]
pub extern "C" fn kd_profile_ptr() -> *const u8 { unsafe { (&*core::ptr::addr_of!(PROFILE_TEXT)).as_ptr() } }
