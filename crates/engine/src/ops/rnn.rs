//! Fused recurrent-cell ops: the gate math of one step as one op with its own backward (the
//! matmuls around it stay ordinary, differentiable matmuls). nn.LSTM / nn.LSTMCell call
//! `lstm_cell_apply` once per step, nn.GRU / nn.GRUCell `gru_cell_apply`.
use alloc::vec;

use crate::autograd::{record, Saved};
use crate::dtype::DType;
use crate::error::{bail, Result};
use crate::shape::fmt_shape;
use crate::tensor::Tensor;

/// float32 gate terms xg, hg [B, gates * H] beside a state s [B, H] on one device.
fn check(op: &str, gates: usize, xg: &Tensor, hg: &Tensor, s: &Tensor, what: &str) -> Result<()> {
    for (name, t) in [("gates", xg), ("hidden gates", hg), (what, s)] {
        if t.dtype() != DType::F32 { bail!(DType, "{}: expected float32 {}, got {}", op, name, t.dtype().name()); }
    }
    xg.check_device(hg, op)?;
    xg.check_device(s, op)?;
    if s.ndim() != 2 { bail!(Shape, "{}: expected the {} to be [batch, hidden], got {}", op, what, fmt_shape(&s.shape)); }
    let (b, h) = (s.shape[0], s.shape[1]);
    for (name, t) in [("gates", xg), ("hidden gates", hg)] {
        if t.shape != [b, gates * h] { bail!(Shape, "{}: expected {} of shape [{}, {}] for a {} of {}, got {}", op, name, b, gates * h, what, fmt_shape(&s.shape), fmt_shape(&t.shape)); }
    }
    Ok(())
}

/// One LSTM step: xg, hg [B, 4H] (the input's and the hidden state's gate terms, added), c [B, H]
/// -> [2, B, H]: h' = σ(o) tanh(c') in [0], c' = σ(f) c + σ(i) tanh(g) in [1] (torch's gate order i, f, g, o).
pub fn lstm_cell(xg: &Tensor, hg: &Tensor, c: &Tensor) -> Result<Tensor> {
    check("lstm_cell", 4, xg, hg, c, "cell state")?;
    crate::backend::on(&[xg, hg, c]).lstm_cell(xg, hg, c)
}

/// The differentiable lstm_cell: d xg = d hg = the gates' gradient, d c from the backend.
pub fn lstm_cell_apply(xg: &Tensor, hg: &Tensor, c: &Tensor) -> Result<Tensor> {
    let y = lstm_cell(xg, hg, c)?;
    let (sx, sh, sc, sy) = (Saved::new(xg), Saved::new(hg), Saved::new(c), Saved::new(&y));
    Ok(record("lstm_cell", &[xg, hg, c], y, move |g| {
        let (x, h, c, y) = (sx.get()?, sh.get()?, sc.get()?, sy.get()?);
        let (dg, dc) = crate::backend::on(&[x, h, c, g]).lstm_cell_backward(x, h, c, y, g)?;
        Ok(vec![Some(dg.clone()), Some(dg), Some(dc)])
    }))
}

/// One GRU step: xg = x Wᵢₕᵀ + b_ih, hg = h Wₕₕᵀ + b_hh [B, 3H] (gates r, z, n), h [B, H] -> h' [B, H].
pub fn gru_cell(xg: &Tensor, hg: &Tensor, h: &Tensor) -> Result<Tensor> {
    check("gru_cell", 3, xg, hg, h, "hidden state")?;
    crate::backend::on(&[xg, hg, h]).gru_cell(xg, hg, h)
}

/// The differentiable gru_cell.
pub fn gru_cell_apply(xg: &Tensor, hg: &Tensor, h: &Tensor) -> Result<Tensor> {
    let y = gru_cell(xg, hg, h)?;
    let (sx, sg, sh) = (Saved::new(xg), Saved::new(hg), Saved::new(h));
    Ok(record("gru_cell", &[xg, hg, h], y, move |g| {
        let (x, hg, h) = (sx.get()?, sg.get()?, sh.get()?);
        let (dx, dhg, dh) = crate::backend::on(&[x, hg, h, g]).gru_cell_backward(x, hg, h, g)?;
        Ok(vec![Some(dx), Some(dhg), Some(dh)])
    }))
}
