//! The backend seam. Ops in `ops/` decide semantics (argument checks, PyTorch's messages, dtype
//! promotion, autograd rules) and then ask a `Backend` for the raw computation: every method
//! here is device work on already-checked arguments, never differentiable.
//!
//! `Backend` has no default methods, so a new device must answer every op, with a kernel or
//! with a named "unsupported on <device>" error. The one `match` on `Device` is `of` below.
use alloc::vec::Vec;

use crate::dtype::DType;
use crate::error::Result;
use crate::ops::binary::BinaryOp;
use crate::ops::conv::ConvArgs;
use crate::ops::optim::{Adagrad, Adam, RmsProp, Sgd};
use crate::ops::pool::PoolArgs;
use crate::ops::reduce::ReduceOp;
use crate::ops::resize::ResizeMode;
use crate::ops::unary::UnaryOp;
use crate::storage::Buffer;
use crate::tensor::Tensor;

pub mod cpu;
pub mod webgpu;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Cpu,
    WebGpu,
}

impl Device {
    pub fn name(self) -> &'static str { of(self).name() }
}

/// The backend that computes on `device`: the only match on Device in the engine.
pub fn of(device: Device) -> &'static dyn Backend {
    match device {
        Device::Cpu => &cpu::Cpu,
        Device::WebGpu => &webgpu::WebGpu,
    }
}

/// The backend for an op over `ts`: their device, where a 0-d CPU tensor counts as a scalar
/// that goes with any device (torch's rule; the callers have run `check_device`).
pub fn on(ts: &[&Tensor]) -> &'static dyn Backend {
    let d = ts.iter().find(|t| !(t.ndim() == 0 && t.device() == Device::Cpu)).map_or(Device::Cpu, |t| t.device());
    of(d)
}

/// The conv2d view of a convolution: n samples, input (c = channels per group, h, w), `o`
/// output channels in all, kernel (kh, kw), output (oh, ow). conv_transpose2d is described by
/// the conv2d it is the input-gradient of.
#[derive(Clone, Copy, Debug)]
pub struct ConvGeom { pub n: usize, pub c: usize, pub h: usize, pub w: usize, pub o: usize, pub kh: usize, pub kw: usize, pub oh: usize, pub ow: usize, pub a: ConvArgs }

impl ConvGeom {
    pub fn ckk(&self) -> usize { self.c * self.kh * self.kw }
    pub fn l(&self) -> usize { self.oh * self.ow }
    pub fn og(&self) -> usize { self.o / self.a.groups }
    pub fn in_plane(&self) -> usize { self.c * self.a.groups * self.h * self.w }
}

/// A 2-D pooling over `np` planes of (h, w) into (oh, ow).
#[derive(Clone, Copy, Debug)]
pub struct PoolGeom { pub np: usize, pub h: usize, pub w: usize, pub oh: usize, pub ow: usize, pub a: PoolArgs }

/// One device's kernels. Inputs are checked by `ops/` (dtypes, shapes, devices); a method
/// only computes. Shapes given as `shape`/`out_shape` are the result's.
pub trait Backend {
    /// The device's name in messages ("cpu", "webgpu").
    fn name(&self) -> &'static str;
    /// The dtypes this backend computes the named elementwise/reduce op in, given its row's
    /// dtype rule (the op manifest's device verdict); empty where it has no kernel.
    fn op_dtypes(&self, op: &str, rule: crate::ops::spec::DTypeRule) -> &'static [&'static str];

    // ---- memory -------------------------------------------------------------------------
    /// The elements in logical (row-major) order, as a host buffer (a readback on a GPU).
    fn read(&self, t: &Tensor) -> Result<Buffer>;
    /// A tensor of `shape` on this device holding host data `data` (row-major).
    fn write(&self, data: Buffer, shape: Vec<usize>) -> Result<Tensor>;
    /// A contiguous copy with storage of its own (torch.clone).
    fn contiguous(&self, t: &Tensor) -> Result<Tensor>;
    /// dst[i] = src[i] over dst's view, `src` (of dst's dtype) read with `src_strides`.
    fn copy_into(&self, dst: &Tensor, src: &Tensor, src_strides: &[usize]) -> Result<()>;
    /// The same values as `dtype` (t's dtype differs).
    fn cast(&self, t: &Tensor, dtype: DType) -> Result<Tensor>;

    // ---- creation -----------------------------------------------------------------------
    fn full(&self, shape: &[usize], value: f64, dtype: DType) -> Result<Tensor>;
    /// n elements start + i*step, computed in f64 then cast to dtype (I32 or F32).
    fn arange(&self, start: f64, step: f64, n: usize, dtype: DType) -> Result<Tensor>;
    /// n float32 values from start to end, filled symmetrically from both ends (n >= 2).
    fn linspace(&self, start: f64, end: f64, n: usize) -> Result<Tensor>;
    fn eye(&self, n: usize, m: usize, dtype: DType) -> Result<Tensor>;

    // ---- elementwise --------------------------------------------------------------------
    /// op(t): int32 kept for a KeepsInt op on an int or bool t, bool for logical_not, else f32.
    fn unary(&self, op: UnaryOp, t: &Tensor, keeps_int: bool) -> Result<Tensor>;
    /// The gradient of op at x (y = op(x)) for the incoming g; None where op has no derivative.
    fn unary_grad(&self, op: UnaryOp, x: &Tensor, y: &Tensor, g: &Tensor) -> Result<Option<Tensor>>;
    /// clamp with optional bounds, t float32 (float bounds) or int32 (floored bounds).
    fn clamp(&self, t: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor>;
    /// g where lo <= x <= hi, else 0.
    fn clamp_grad(&self, x: &Tensor, g: &Tensor, lo: f32, hi: f32) -> Result<Tensor>;
    fn leaky_relu(&self, t: &Tensor, slope: f32) -> Result<Tensor>;
    fn leaky_relu_grad(&self, x: &Tensor, g: &Tensor, slope: f32) -> Result<Tensor>;
    /// a op b broadcast, a and b already of the op's compute dtype. Integer remainder and
    /// floor_divide by zero are the backend's to report (the CPU at once, PyTorch's
    /// ZeroDivisionError; a device through its error flag at the next read), so the op never
    /// reads the divisor back to the host.
    fn binary(&self, op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor>;
    /// The raw elementwise term of op's derivative for input `side` (0: a, 1: b), see
    /// backend/cpu/elementwise.rs; ops/binary.rs composes the rest of each rule.
    fn binary_grad_term(&self, op: BinaryOp, side: usize, a: &Tensor, b: &Tensor, y: &Tensor) -> Result<Tensor>;
    /// c ? a : b, broadcast to `shape` (c bool, a and b of one dtype).
    fn where_(&self, c: &Tensor, a: &Tensor, b: &Tensor, shape: Vec<usize>) -> Result<Tensor>;

    // ---- reductions ---------------------------------------------------------------------
    /// Reduces the dims `red` of t into `out_shape` (f32 for Sum/Prod/Mean/Var/Std/Logsumexp
    /// unless Sum/Prod of an int32 t).
    fn reduce(&self, op: ReduceOp, t: &Tensor, red: &[usize], out_shape: Vec<usize>, correction: f64) -> Result<Tensor>;
    /// d prod / d x over the dims `red`: the product of the other elements of each run.
    fn prod_grad(&self, x: &Tensor, red: &[usize]) -> Result<Tensor>;
    /// softmax or log_softmax of f32 t (ndim >= 1) along dim d.
    fn softmax(&self, t: &Tensor, d: usize, log: bool) -> Result<Tensor>;

    // ---- indexing -----------------------------------------------------------------------
    /// ts (of `dtype`, non-empty ones) concatenated along d into `shape`.
    fn cat(&self, ts: &[Tensor], d: usize, shape: Vec<usize>, dtype: DType) -> Result<Tensor>;
    /// Rows `index` (int32, on this device; negative wraps) of t along d. Index values are
    /// data: the backend checks them against t's size along d (the CPU at once, with
    /// PyTorch's IndexError; a device through its error flag), never the op.
    fn index_select(&self, t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor>;
    /// out[ix] = t[ix with dim d replaced by index[ix]], over index's shape (checked as above).
    fn gather(&self, t: &Tensor, d: usize, index: &Tensor) -> Result<Tensor>;
    /// t with src added at the gather positions (src of t's dtype; checked as above).
    fn scatter_add(&self, t: &Tensor, d: usize, index: &Tensor, src: &Tensor) -> Result<Tensor>;

    // ---- linear algebra -----------------------------------------------------------------
    /// Batched f32 a [.., m, k] @ b [.., k, n], batch dims broadcast to `batch`.
    fn matmul(&self, a: &Tensor, b: &Tensor, batch: &[usize], out_shape: Vec<usize>) -> Result<Tensor>;
    /// y [n, o, oh, ow] = conv(x, w) + bias.
    fn conv2d(&self, x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &ConvGeom) -> Result<Tensor>;
    /// dx [n, c*groups, h, w] from dy and w.
    fn conv2d_grad_input(&self, gy: &Tensor, w: &Tensor, g: &ConvGeom) -> Result<Tensor>;
    /// dw [o, c, kh, kw] from x and dy.
    fn conv2d_grad_weight(&self, x: &Tensor, gy: &Tensor, g: &ConvGeom) -> Result<Tensor>;
    /// The bias gradient: dy [n, o, ..] summed over all but o.
    fn conv2d_grad_bias(&self, gy: &Tensor) -> Result<Tensor>;
    /// conv_transpose2d's forward: the input-gradient of the conv2d `g`, plus bias [o].
    fn conv_transpose2d(&self, x: &Tensor, w: &Tensor, b: Option<&Tensor>, g: &ConvGeom) -> Result<Tensor>;

    // ---- pooling and resampling ---------------------------------------------------------
    /// (values, flat indices into each input plane).
    fn max_pool2d(&self, x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<(Tensor, Tensor)>;
    fn max_pool2d_backward(&self, g: &Tensor, idx: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor>;
    fn avg_pool2d(&self, x: &Tensor, p: &PoolGeom, count_include_pad: bool, divisor: Option<usize>, out_shape: Vec<usize>) -> Result<Tensor>;
    fn avg_pool2d_backward(&self, g: &Tensor, p: &PoolGeom, count_include_pad: bool, divisor: Option<usize>, in_shape: Vec<usize>) -> Result<Tensor>;
    fn adaptive_avg_pool2d(&self, x: &Tensor, p: &PoolGeom, out_shape: Vec<usize>) -> Result<Tensor>;
    fn adaptive_avg_pool2d_backward(&self, g: &Tensor, p: &PoolGeom, in_shape: Vec<usize>) -> Result<Tensor>;
    /// x [N, C, H, W] resampled to [N, C, oh, ow].
    fn upsample2d(&self, x: &Tensor, mode: ResizeMode, oh: usize, ow: usize, scales: [Option<f64>; 2]) -> Result<Tensor>;
    fn upsample2d_backward(&self, g: &Tensor, mode: ResizeMode, in_shape: Vec<usize>, scales: [Option<f64>; 2]) -> Result<Tensor>;

    // ---- recurrent cells -----------------------------------------------------------------
    /// One LSTM step's gate math: xg + hg [b, 4h] (i, f, g, o), c [b, h] -> [2, b, h] (h', c').
    fn lstm_cell(&self, xg: &Tensor, hg: &Tensor, c: &Tensor) -> Result<Tensor>;
    /// lstm_cell's backward from its inputs, its output y and the gradient gy of y: (d gates [b, 4h], d c [b, h]).
    fn lstm_cell_backward(&self, xg: &Tensor, hg: &Tensor, c: &Tensor, y: &Tensor, gy: &Tensor) -> Result<(Tensor, Tensor)>;
    /// One GRU step's gate math: xg, hg [b, 3h] (r, z, n), h [b, h] -> h' [b, h].
    fn gru_cell(&self, xg: &Tensor, hg: &Tensor, h: &Tensor) -> Result<Tensor>;
    /// gru_cell's backward for the gradient gy of h': (d xg, d hg, d h).
    fn gru_cell_backward(&self, xg: &Tensor, hg: &Tensor, h: &Tensor, gy: &Tensor) -> Result<(Tensor, Tensor, Tensor)>;

    // ---- optimizer steps (in place; params and states contiguous, distinct storages) ------
    fn sgd(&self, param: &Tensor, grad: &Tensor, buf: Option<&Tensor>, init_buf: bool, h: &Sgd) -> Result<()>;
    fn adam(&self, param: &Tensor, grad: &Tensor, exp_avg: &Tensor, exp_avg_sq: &Tensor, max_exp_avg_sq: Option<&Tensor>, h: &Adam) -> Result<()>;
    fn rmsprop(&self, param: &Tensor, grad: &Tensor, square_avg: &Tensor, grad_avg: Option<&Tensor>, momentum_buffer: Option<&Tensor>, h: &RmsProp) -> Result<()>;
    fn adagrad(&self, param: &Tensor, grad: &Tensor, sum: &Tensor, h: &Adagrad) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use alloc::vec;

    /// A tensor whose storage is a (pretend) GPU buffer: the WebGPU backend must answer each op
    /// with a named Device error, never a trap.
    fn gpu(shape: &[usize]) -> Tensor {
        let len = crate::shape::numel(shape);
        Tensor::from_buffer(Buffer::Gpu { id: 7, dtype: DType::F32, len }, shape.to_vec())
    }

    #[test]
    fn storage_device_follows_the_buffer() {
        assert_eq!(gpu(&[2, 3]).device(), Device::WebGpu);
        assert_eq!(Tensor::from_vec(vec![1.0f32], vec![1]).device(), Device::Cpu);
        assert_eq!(Device::WebGpu.name(), "webgpu");
        assert_eq!(Device::Cpu.name(), "cpu");
    }

    #[test]
    fn webgpu_ops_are_named_device_errors() {
        // natively there is no GPU host: every kernel is a Device error naming why, never a trap
        let g = gpu(&[2, 3]);
        let e = g.to_vec::<f32>().err().unwrap();
        assert_eq!(e.kind, ErrorKind::Device);
        assert!(e.msg.contains("await t.data()"), "{}", e.msg);
        let e = crate::ops::unary::unary(crate::ops::unary::UnaryOp::Exp, "exp", false, &g).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Device);
        assert!(e.msg.contains("native build"), "{}", e.msg);
        let e = crate::ops::cast::cast(&g, DType::I32).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Device);
        // a family with kernels reaches them, and they say why they cannot run here
        let e = crate::ops::softmax::softmax(&g, 1, false).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Device);
        assert!(e.msg.contains("native build"), "{}", e.msg);
        // storage dtypes are refused by name before any kernel
        let e = of(Device::WebGpu).full(&[2], 1.0, DType::F64).err().unwrap();
        assert!(e.msg.contains("float64") && e.msg.contains("webgpu"), "{}", e.msg);
        let e = crate::ops::rnn::lstm_cell(&gpu(&[2, 8]), &gpu(&[2, 8]), &gpu(&[2, 2])).err().unwrap();
        assert_eq!((e.kind, e.msg.as_str()), (ErrorKind::Device, "lstm_cell is not supported on webgpu yet"));
        // reshape/view stay metadata: they work on any device
        assert_eq!(g.reshape(&[3, 2]).unwrap().shape, vec![3, 2]);
    }

    #[test]
    fn a_cpu_scalar_goes_with_any_device_but_tensors_must_match() {
        let g = gpu(&[2, 3]);
        let s = crate::ops::prim::scalar(2.0);
        assert!(g.check_device(&s, "mul").is_ok());
        assert!(s.check_device(&g, "mul").is_ok());
        let c = Tensor::from_vec(vec![1.0f32; 6], vec![2, 3]);
        let e = g.check_device(&c, "add").err().unwrap();
        assert_eq!(e.kind, ErrorKind::Device);
        assert!(e.msg.contains("webgpu") && e.msg.contains("cpu"), "{}", e.msg);
        // the scalar does not pick the backend: the GPU tensor does
        assert_eq!(on(&[&s, &g]).name(), "webgpu");
        assert_eq!(on(&[&s, &c]).name(), "cpu");
        let e = crate::ops::index::where_(&Tensor::from_vec(vec![1u8; 6], vec![2, 3]), &g, &s).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Device);
    }

    #[test]
    fn cpu_kernels_meeting_device_memory_give_typed_errors() {
        // a CPU path handed a GPU buffer directly (an engine bug, or a future mixed path)
        let e = cpu::memory::to_vec::<f32>(&gpu(&[4])).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Device);
        let e = of(Device::Cpu).softmax(&gpu(&[2, 2]), 1, false).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Device);
    }
}
