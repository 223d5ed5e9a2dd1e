//! Autograd: requires_grad, .grad, backward, detach, and torch's in-place copy_.
use kd_engine::{autograd, ErrorKind, Tensor};

use crate::abi::{abi, err};
use crate::state::state;

abi! {
    fn kd_set_requires_grad(h: u32, on: bool) -> status { state().get_mut(h).and_then(|t| t.set_requires_grad(on)) }
    fn kd_requires_grad(h: u32) -> value(i32) { state().get(h).map_or(-1, |t| t.requires_grad() as i32) }
    fn kd_is_leaf(h: u32) -> value(i32) { state().get(h).map_or(-1, |t| t.is_leaf() as i32) }
    /// The gradient as a new handle; 0 with error kind 0 when there is none.
    op kd_grad(x: Tensor) -> optional { Ok(x.grad()) }
    /// Sets .grad (0 clears it).
    fn kd_set_grad(x: Tensor, g: Option<Tensor>) -> status { x.set_grad(g) }
    fn kd_retain_grad(x: Tensor) -> status { x.retain_grad() }
    /// Backpropagates from x (gradient g, or 0 for an implicit 1 on a scalar).
    fn kd_backward(x: Tensor, g: Option<Tensor>, retain_graph: bool) -> status { autograd::backward(&x, g, retain_graph) }
    /// Returns the previous setting.
    fn kd_set_grad_enabled(on: u32) -> value(u32) { autograd::set_grad_enabled(on != 0) as u32 }
    op kd_detach(x: Tensor) -> handle { Ok(x.detach()) }
    /// The name of the op that made h ("" for leaves): its bytes in scratch, its length returned.
    fn kd_grad_fn_name(h: u32) -> value(u32) {
        let name = state().get(h).ok().and_then(|t| t.grad_fn_name()).unwrap_or("");
        let st = state();
        let bytes = name.as_bytes();
        let n = bytes.len().min(64);
        for (i, b) in bytes[..n].iter().enumerate() { st.scratch[i] = *b as i32; }
        n as u32
    }
    /// In-place copy (torch's copy_): src broadcast and cast into the view dst.
    op kd_copy_(dst: Tensor, src: Tensor) -> status {
        if autograd::grad_enabled() && dst.requires_grad() {
            return Err(err(ErrorKind::Autograd, if dst.is_leaf() {
                "a leaf Variable that requires grad is being used in an in-place operation.".into()
            } else {
                "in-place operations on tensors that require grad are not supported; use the out-of-place op".into()
            }));
        }
        kd_engine::ops::index::copy_into(&dst, &src)
    }
}
