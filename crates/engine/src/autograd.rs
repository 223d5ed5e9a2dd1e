//! Reverse-mode autograd. An op whose inputs require grad attaches a `Node` to its output:
//! the input edges and a backward closure (the op's rule, written with other ops, kept
//! beside its forward in `ops/`). `backward` walks the graph in dependency order,
//! accumulating into leaves' `.grad`. Saved tensors live in the closure, so dropping the
//! closure after backward frees them (unless the graph is retained).
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::error::{bail, err, Result};
use crate::shape::{fmt_shape, numel};
use crate::tensor::Tensor;

pub type BackwardFn = Box<dyn Fn(&Tensor) -> Result<Vec<Option<Tensor>>>>;

pub struct Node {
    pub name: &'static str,
    /// One entry per op input: the input's autograd record when it requires grad.
    pub inputs: Vec<Option<Rc<AutogradMeta>>>,
    /// Each input's shape: a rule's gradient must have it (checked, as torch's validate_outputs).
    shapes: Vec<crate::shape::Dims>,
    backward: RefCell<Option<BackwardFn>>,
}

/// Per-tensor autograd state, shared by every handle to the same tensor.
pub struct AutogradMeta {
    pub requires_grad: bool,
    pub grad_fn: Option<Rc<Node>>,
    pub grad: RefCell<Option<Tensor>>,
    pub retains_grad: Cell<bool>,
}

static GRAD_ENABLED: AtomicBool = AtomicBool::new(true);

pub fn grad_enabled() -> bool { GRAD_ENABLED.load(Ordering::Relaxed) }
pub fn set_grad_enabled(on: bool) -> bool { GRAD_ENABLED.swap(on, Ordering::Relaxed) }

/// Runs `f` with gradient recording off (backward rules, optimizer steps).
pub fn no_grad<T>(f: impl FnOnce() -> T) -> T {
    let prev = set_grad_enabled(false);
    let r = f();
    set_grad_enabled(prev);
    r
}

/// A tensor kept for backward, with the storage version it had when saved.
#[derive(Clone)]
pub struct Saved { t: Tensor, version: u32 }

impl Saved {
    pub fn new(t: &Tensor) -> Saved { Saved { t: t.detach(), version: t.storage.version.get() } }
    pub fn get(&self) -> Result<&Tensor> {
        if self.t.storage.version.get() != self.version {
            bail!(Autograd, "one of the variables needed for gradient computation has been modified by an inplace operation: [{}, {}] is at version {}; expected version {} instead", self.t.dtype().name(), fmt_shape(&self.t.shape), self.t.storage.version.get(), self.version);
        }
        Ok(&self.t)
    }
}

impl Tensor {
    pub fn requires_grad(&self) -> bool { self.autograd.as_ref().is_some_and(|m| m.requires_grad) }
    pub fn is_leaf(&self) -> bool { self.autograd.as_ref().map_or(true, |m| m.grad_fn.is_none()) }
    pub fn grad_fn_name(&self) -> Option<&'static str> { self.autograd.as_ref()?.grad_fn.as_ref().map(|n| n.name) }

    /// The same view with no autograd history (torch.detach).
    pub fn detach(&self) -> Tensor {
        let mut t = self.clone();
        t.autograd = None;
        t
    }

    /// Marks a leaf as requiring grad (or not).
    pub fn set_requires_grad(&mut self, on: bool) -> Result<()> {
        if !self.is_leaf() {
            bail!(Autograd, "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
        }
        if on && matches!(self.dtype(), crate::dtype::DType::F64 | crate::dtype::DType::F16) {
            bail!(DType, "{} tensors cannot require gradients here (autograd computes in float32); cast with .float() first", self.dtype().name());
        }
        if on && !self.dtype().is_float() {
            bail!(DType, "only Tensors of floating point dtype can require gradients (got {})", self.dtype().name());
        }
        let grad = self.autograd.as_ref().and_then(|m| m.grad.borrow().clone());
        self.autograd = Some(Rc::new(AutogradMeta { requires_grad: on, grad_fn: None, grad: RefCell::new(grad), retains_grad: Cell::new(false) }));
        Ok(())
    }

    pub fn grad(&self) -> Option<Tensor> { self.autograd.as_ref()?.grad.borrow().clone() }

    pub fn set_grad(&self, g: Option<Tensor>) -> Result<()> {
        let Some(m) = self.autograd.as_ref() else {
            if g.is_none() { return Ok(()); }
            bail!(Autograd, "cannot assign .grad to a tensor that does not require grad; call requires_grad_() first");
        };
        if let Some(g) = &g {
            if g.dtype() != self.dtype() {
                bail!(DType, "assigned grad has data of a different type: grad {} vs tensor {}", g.dtype().name(), self.dtype().name());
            }
            if g.shape != self.shape {
                bail!(Shape, "assigned grad has data of a different size: grad {} vs tensor {}", fmt_shape(&g.shape), fmt_shape(&self.shape));
            }
        }
        *m.grad.borrow_mut() = g.map(|g| g.detach());
        Ok(())
    }

    pub fn retain_grad(&self) -> Result<()> {
        match &self.autograd {
            Some(m) if m.requires_grad => { m.retains_grad.set(true); Ok(()) }
            _ => bail!(Autograd, "can't retain_grad on Tensor that has requires_grad=False"),
        }
    }
}

/// Attaches a backward node to `out` when recording is on and some input requires grad.
/// `backward` gets the output's gradient and returns one gradient (or None) per input.
/// A DType error where an op on a tensor that requires grad gave a float64 result: autograd
/// computes in float32 only, and an untracked result would drop the gradient silently.
pub fn refuse_untracked(name: &str, inputs: &[&Tensor], out: &Tensor) -> Result<()> {
    if out.dtype() == crate::dtype::DType::F64 && grad_enabled() && inputs.iter().any(|t| t.requires_grad()) {
        bail!(DType, "{}: the result is float64 and autograd computes in float32 only, so the gradient would be lost; cast the float64 operand with .float() first (or compute under kd.noGrad)", name);
    }
    Ok(())
}

/// Whether an op on `inputs` records a backward node (recording is on and some input requires
/// grad): ops check this before saving tensors or shapes for a backward rule, so an op that
/// records nothing allocates nothing for autograd.
#[inline]
pub fn recording(inputs: &[&Tensor]) -> bool { grad_enabled() && inputs.iter().any(|t| t.requires_grad()) }

pub fn record(name: &'static str, inputs: &[&Tensor], out: Tensor, backward: impl Fn(&Tensor) -> Result<Vec<Option<Tensor>>> + 'static) -> Tensor {
    if !recording(inputs) {
        return out;
    }
    let node = Rc::new(Node {
        name,
        inputs: inputs.iter().map(|t| t.autograd.clone().filter(|m| m.requires_grad)).collect(),
        shapes: inputs.iter().map(|t| t.shape.clone()).collect(),
        backward: RefCell::new(Some(Box::new(backward))),
    });
    let mut out = out.detach();
    out.autograd = Some(Rc::new(AutogradMeta { requires_grad: true, grad_fn: Some(node), grad: RefCell::new(None), retains_grad: Cell::new(false) }));
    out
}

fn accumulate(slot: &RefCell<Option<Tensor>>, g: Tensor) -> Result<()> {
    let next = match slot.borrow().as_ref() {
        Some(prev) => crate::ops::binary::binary(crate::ops::binary::BinaryOp::Add, "add", prev, &g)?,
        None => g,
    };
    *slot.borrow_mut() = Some(next);
    Ok(())
}

/// Backpropagates from `root` (a scalar, or with an explicit `grad` of its shape).
pub fn backward(root: &Tensor, grad: Option<Tensor>, retain_graph: bool) -> Result<()> {
    let Some(meta) = root.autograd.clone().filter(|m| m.requires_grad) else {
        bail!(Autograd, "element 0 of tensors does not require grad and does not have a grad_fn");
    };
    let g = match grad {
        Some(g) => {
            if g.shape != root.shape {
                bail!(Shape, "Mismatch in shape: grad_output[0] has a shape of {} and output[0] has a shape of {}.", fmt_shape(&g.shape), fmt_shape(&root.shape));
            }
            // torch casts the given gradient to the root's dtype (an int gradient is allowed)
            crate::ops::cast::cast(&g.detach(), root.dtype())?
        }
        None => {
            if numel(&root.shape) != 1 {
                bail!(Autograd, "grad can be implicitly created only for scalar outputs (got shape {})", fmt_shape(&root.shape));
            }
            crate::ops::creation::full_on(&root.shape, 1.0, root.dtype(), root.device())?
        }
    };
    no_grad(|| run_backward(&meta, g, retain_graph))
}

fn key(n: &Rc<Node>) -> usize { Rc::as_ptr(n) as usize }

fn run_backward(root: &Rc<AutogradMeta>, g: Tensor, retain_graph: bool) -> Result<()> {
    let Some(root_node) = root.grad_fn.clone() else {
        // A leaf: its grad is the given gradient.
        return accumulate(&root.grad, g.deep_copy()?);
    };
    // Count, for every node reachable from the root, how many edges feed gradient into it.
    let mut deps: BTreeMap<usize, usize> = BTreeMap::new();
    let mut stack = alloc::vec![root_node.clone()];
    let mut seen: BTreeMap<usize, ()> = BTreeMap::new();
    seen.insert(key(&root_node), ());
    while let Some(n) = stack.pop() {
        for m in n.inputs.iter().flatten() {
            if let Some(next) = &m.grad_fn {
                *deps.entry(key(next)).or_insert(0) += 1;
                if seen.insert(key(next), ()).is_none() { stack.push(next.clone()); }
            }
        }
    }
    let mut pending: BTreeMap<usize, (Rc<Node>, Option<Tensor>)> = BTreeMap::new();
    pending.insert(key(&root_node), (root_node.clone(), Some(g.clone())));
    if root.retains_grad.get() { accumulate(&root.grad, g)?; }
    let mut ready = alloc::vec![root_node];
    while let Some(node) = ready.pop() {
        let (_, grad) = pending.remove(&key(&node)).ok_or_else(|| err!(Autograd, "internal: missing gradient for {}", node.name))?;
        // A node that got no gradient on any edge still releases its inputs' dependency
        // counts, so a node fed by it and by another path is not left waiting forever.
        let grads = match grad {
            Some(grad) => {
                let grads = {
                    let slot = node.backward.borrow();
                    let f = slot.as_ref().ok_or_else(|| err!(Autograd, "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward."))?;
                    crate::profile::span(node.name, || f(&grad))?
                };
                if !retain_graph { node.backward.borrow_mut().take(); }
                grads
            }
            None => Vec::new(),
        };
        let mut grads = grads.into_iter();
        for (i, meta) in node.inputs.iter().enumerate() {
            let gi = grads.next().flatten();
            let Some(meta) = meta else { continue };
            if let Some(gi) = &gi {
                if gi.shape != node.shapes[i] {
                    bail!(Autograd, "Function {}Backward returned an invalid gradient at index {} - got {} but expected shape compatible with {}", node.name, i, fmt_shape(&gi.shape), fmt_shape(&node.shapes[i]));
                }
            }
            match &meta.grad_fn {
                Some(next) => {
                    let entry = pending.entry(key(next)).or_insert_with(|| (next.clone(), None));
                    if let Some(gi) = gi {
                        if meta.retains_grad.get() { accumulate(&meta.grad, gi.clone())?; }
                        let slot = RefCell::new(entry.1.take());
                        accumulate(&slot, gi)?;
                        entry.1 = slot.into_inner();
                    }
                    let d = deps.get_mut(&key(next)).ok_or_else(|| err!(Autograd, "internal: unknown node {}", next.name))?;
                    *d -= 1;
                    if *d == 0 { ready.push(next.clone()); }
                }
                None => {
                    let Some(gi) = gi else { continue };
                    // A leaf keeps a gradient of its own: never a view shared with another grad.
                    // (A fresh, contiguous gradient nobody else holds is kept as it is.)
                    let shared = Rc::strong_count(&gi.storage) > 1 || !gi.is_contiguous() || gi.offset != 0;
                    let gi = if meta.grad.borrow().is_none() && shared { gi.deep_copy()? } else { gi };
                    accumulate(&meta.grad, gi)?
                }
            }
        }
    }
    Ok(())
}
