//! Fused recurrent-cell steps.
use kd_engine::ops::rnn;
use kd_engine::Tensor;

use crate::abi::abi;

abi! {
    /// One LSTM step's gate math: xg + hg [B, 4H] (gates i, f, g, o), c [B, H] -> [2, B, H] (h', c').
    op kd_lstm_cell(xg: Tensor, hg: Tensor, c: Tensor) -> handle { rnn::lstm_cell_apply(&xg, &hg, &c) }
    /// One GRU step's gate math: xg = x Wih^T + b_ih, hg = h Whh^T + b_hh [B, 3H] (gates r, z, n), h [B, H] -> h' [B, H].
    op kd_gru_cell(xg: Tensor, hg: Tensor, h: Tensor) -> handle { rnn::gru_cell_apply(&xg, &hg, &h) }
}
