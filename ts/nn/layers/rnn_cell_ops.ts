// The gate math of one LSTM or GRU step, shared by the layers and the cells: one engine op each
// (crates/engine/src/ops/rnn.rs, with its own backward) instead of a dozen elementwise ops.
import { call } from "../../runtime/engine.js";
import { wrap, type Tensor } from "../../tensor.js";

/**
 * gates = xg + hg ([B, 4H], torch's order i, f, g, o); c' = σ(f) c + σ(i) tanh(g),
 * h' = σ(o) tanh(c'). Returns [h', c'] (views of the op's [2, B, H] output). Inside tidy.
 */
export function lstmCellStep(xg: Tensor, hg: Tensor, c: Tensor): [Tensor, Tensor] {
  const y = wrap(call.lstmCell(xg.handle, hg.handle, c.handle));
  return [y.select(0, 0), y.select(0, 1)];
}

/**
 * xg = x Wᵢₕᵀ + b_ih, hg = h Wₕₕᵀ + b_hh ([B, 3H], r, z, n); r = σ(xr + hr), z = σ(xz + hz),
 * n = tanh(xn + r hn), h' = (h - n) z + n.
 */
export function gruCellStep(xg: Tensor, hg: Tensor, h: Tensor): Tensor {
  return wrap(call.gruCell(xg.handle, hg.handle, h.handle));
}
