//! The fused recurrent-cell kernels on host slices (kd_kernels::rnn); strided inputs are
//! gathered first.
use super::memory::with_contiguous;
use crate::error::Result;
use crate::storage::alloc_vec;
use crate::tensor::Tensor;
use kd_kernels::rnn as k;

pub fn lstm_cell(xg: &Tensor, hg: &Tensor, c: &Tensor) -> Result<Tensor> {
    let (b, h) = (c.shape[0], c.shape[1]);
    let mut out = alloc_vec::<f32>(2 * b * h)?;
    with_contiguous::<f32, _>(xg, |x| with_contiguous::<f32, _>(hg, |y| with_contiguous::<f32, _>(c, |c| k::lstm_cell(x, y, c, h, &mut out))))???;
    Ok(Tensor::from_vec(out, alloc::vec![2, b, h]))
}

pub fn lstm_cell_backward(xg: &Tensor, hg: &Tensor, c: &Tensor, y: &Tensor, gy: &Tensor) -> Result<(Tensor, Tensor)> {
    let (b, h) = (c.shape[0], c.shape[1]);
    let (mut dg, mut dc) = (alloc_vec::<f32>(4 * b * h)?, alloc_vec::<f32>(b * h)?);
    with_contiguous::<f32, _>(xg, |x| with_contiguous::<f32, _>(hg, |z| with_contiguous::<f32, _>(c, |c| with_contiguous::<f32, _>(y, |y| with_contiguous::<f32, _>(gy, |g| {
        k::lstm_cell_backward(x, z, c, y, g, h, &mut dg, &mut dc)
    })))))?????;
    Ok((Tensor::from_vec(dg, alloc::vec![b, 4 * h]), Tensor::from_vec(dc, alloc::vec![b, h])))
}

pub fn gru_cell(xg: &Tensor, hg: &Tensor, hx: &Tensor) -> Result<Tensor> {
    let (b, h) = (hx.shape[0], hx.shape[1]);
    let mut out = alloc_vec::<f32>(b * h)?;
    with_contiguous::<f32, _>(xg, |x| with_contiguous::<f32, _>(hg, |y| with_contiguous::<f32, _>(hx, |s| k::gru_cell(x, y, s, h, &mut out))))???;
    Ok(Tensor::from_vec(out, alloc::vec![b, h]))
}

pub fn gru_cell_backward(xg: &Tensor, hg: &Tensor, hx: &Tensor, gy: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
    let (b, h) = (hx.shape[0], hx.shape[1]);
    let (mut dx, mut dhg, mut dh) = (alloc_vec::<f32>(3 * b * h)?, alloc_vec::<f32>(3 * b * h)?, alloc_vec::<f32>(b * h)?);
    with_contiguous::<f32, _>(xg, |x| with_contiguous::<f32, _>(hg, |y| with_contiguous::<f32, _>(hx, |s| with_contiguous::<f32, _>(gy, |g| {
        k::gru_cell_backward(x, y, s, g, h, &mut dx, &mut dhg, &mut dh)
    }))))????;
    Ok((Tensor::from_vec(dx, alloc::vec![b, 3 * h]), Tensor::from_vec(dhg, alloc::vec![b, 3 * h]), Tensor::from_vec(dh, alloc::vec![b, h])))
}
