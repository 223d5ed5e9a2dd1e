//! Convolution, pooling and resampling, with their scratch argument layouts.
use kd_engine::ops::{conv, pool, resize};
use kd_engine::Tensor;

use crate::abi::{abi, describe, scratch_struct, usize_arg, StructDesc};

scratch_struct! {
    /// conv2d / conv_transpose2d settings (output_padding only for the transpose).
    ConvArgs { stride: [usize; 2], padding: [usize; 2], dilation: [usize; 2], groups: usize, output_padding: [usize; 2] }
}
scratch_struct! {
    /// max_pool2d / avg_pool2d settings (avg_pool2d ignores dilation).
    PoolArgs { kernel_size: [usize; 2], stride: [usize; 2], padding: [usize; 2], dilation: [usize; 2], ceil_mode: bool }
}

pub const STRUCTS: [StructDesc; 2] = [describe::<ConvArgs>(), describe::<PoolArgs>()];

impl ConvArgs {
    fn engine(&self) -> conv::ConvArgs { conv::ConvArgs { stride: self.stride, padding: self.padding, dilation: self.dilation, groups: self.groups } }
}

impl PoolArgs {
    fn engine(&self) -> pool::PoolArgs {
        pool::PoolArgs { kernel: self.kernel_size, stride: self.stride, padding: self.padding, dilation: self.dilation, ceil_mode: self.ceil_mode }
    }
}

abi! {
    op kd_conv2d(x: Tensor, w: Tensor, b: Option<Tensor>; a: ConvArgs) -> handle { conv::conv2d(&x, &w, b.as_ref(), a.engine()) }
    op kd_conv_transpose2d(x: Tensor, w: Tensor, b: Option<Tensor>; a: ConvArgs) -> handle {
        conv::conv_transpose2d(&x, &w, b.as_ref(), a.engine(), a.output_padding)
    }
    /// values, indices (the flat h * W + w of each maximum in its input plane).
    op kd_max_pool2d(x: Tensor; a: PoolArgs) -> pair { pool::max_pool2d(&x, a.engine()) }
    /// divisor <= 0 means none.
    op kd_avg_pool2d(x: Tensor, count_include_pad: bool, divisor: i32; a: PoolArgs) -> handle {
        pool::avg_pool2d(&x, a.engine(), count_include_pad, (divisor > 0).then_some(divisor as usize))
    }
    op kd_adaptive_avg_pool2d(x: Tensor, oh: i32, ow: i32) -> handle {
        pool::adaptive_avg_pool2d(&x, usize_arg(oh, "output_size")?, usize_arg(ow, "output_size")?)
    }
    /// mode: 0 nearest, 1 nearest-exact, 2 bilinear. A scale <= 0 means none (the size was given).
    op kd_upsample2d(x: Tensor, mode: u32, oh: i32, ow: i32, scale_h: f64, scale_w: f64, align_corners: bool) -> handle {
        let m = resize::ResizeMode::from_code(mode, align_corners)?;
        let s = |v: f64| (v > 0.0).then_some(v);
        resize::upsample2d(&x, m, usize_arg(oh, "output size")?, usize_arg(ow, "output size")?, s(scale_h), s(scale_w))
    }
}
